package vtiger

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// badResult wraps a result that decoded as JSON but not into the expected shape.
func badResult(op string, err error) error {
	return &transportError{op: op, kind: ErrBadResponse, detail: "unexpected result shape", cause: err}
}

// Ping logs in if needed and checks the server answers (listtypes).
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.listTypes(ctx)
	return err
}

// Query runs one VTQL statement (at most 100 rows come back).
func (c *Client) Query(ctx context.Context, q *Select) ([]Record, error) {
	stmt, err := q.String()
	if err != nil {
		return nil, fmt.Errorf("vtiger query: %w", err)
	}
	return c.QueryRaw(ctx, stmt)
}

// QueryRaw runs a VTQL string built elsewhere (tests, admin tools). Prefer Query.
//
// Identical concurrent queries are one call: every session of a client is
// the same CRM user, so the exact VTQL names the answer. The shared call
// runs detached from any one caller's cancellation (bounded by its own
// deadline); each caller gets its own copy of the rows.
func (c *Client) QueryRaw(ctx context.Context, vtql string) ([]Record, error) {
	ch := c.flight.DoChan("query:"+vtql, func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.flightTimeout())
		defer cancel()
		raw, err := c.call(fctx, request{op: "query", params: url.Values{"query": {vtql}}})
		if err != nil {
			return nil, err
		}
		rows, err := decodeRecords(raw)
		if err != nil {
			return nil, badResult("query", err)
		}
		return rows, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		rows := r.Val.([]Record)
		if !r.Shared {
			return rows, nil
		}
		out := make([]Record, len(rows))
		for i, row := range rows {
			out[i] = maps.Clone(row)
		}
		return out, nil
	case <-ctx.Done():
		return nil, ctxError("query", ctx.Err(), "")
	}
}

// QueryAll pages through q (which must not carry a LIMIT) 100 rows at a time,
// up to max rows (0 = the client ceiling, 10000); more than that is ErrTooManyRows.
//
// Paging stops at the first page shorter than 100 rows. Offsets are only
// stable under a deterministic order, so give q an OrderBy.
func (c *Client) QueryAll(ctx context.Context, q *Select, max int) ([]Record, error) {
	rows, truncated, err := c.QueryUpTo(ctx, q, max)
	if err != nil {
		return nil, err
	}
	if truncated {
		return nil, fmt.Errorf("vtiger query %s: %w (more than %d rows)", q.module, ErrTooManyRows, len(rows))
	}
	return rows, nil
}

// QueryUpTo is QueryAll for aggregates that can live with a bounded
// answer: it returns at most max rows (0 = the client ceiling, 10000) and
// reports whether more matched, instead of failing.
func (c *Client) QueryUpTo(ctx context.Context, q *Select, max int) (rows []Record, truncated bool, err error) {
	if q == nil {
		return nil, false, fmt.Errorf("vtiger query: %w: nil query", ErrInvalidQuery)
	}
	if q.hasLimit {
		return nil, false, fmt.Errorf("vtiger query: %w: QueryAll pages itself; drop the LIMIT", ErrInvalidQuery)
	}
	if max <= 0 {
		max = maxQueryRows
	}
	var all []Record
	for offset := 0; ; offset += PageSize {
		page, err := c.Query(ctx, q.clone().Limit(offset, PageSize))
		if err != nil {
			return nil, false, err
		}
		all = append(all, page...)
		if len(all) > max {
			return all[:max], true, nil
		}
		if len(page) < PageSize {
			return all, false, nil
		}
	}
}

// Count returns the number of rows q matches (q's fields/order/limit are ignored).
// Uses SELECT count(*) and falls back to paging SELECT id when the server
// answers [] (Vtiger 8.3+); the fallback is remembered per client.
func (c *Client) Count(ctx context.Context, q *Select) (int, error) {
	if q == nil {
		return 0, fmt.Errorf("vtiger query: %w: nil query", ErrInvalidQuery)
	}
	base := q.clone()
	base.orderBy, base.orderDesc, base.hasLimit = "", false, false
	if !c.countUnsupported.Load() {
		cq := base.clone()
		cq.count, cq.fields = true, nil
		rows, err := c.Query(ctx, cq)
		if err != nil {
			return 0, err
		}
		if len(rows) > 0 {
			s := rows[0].String("count")
			n, err := strconv.Atoi(s)
			if err != nil {
				return 0, badResult("query", fmt.Errorf("count %q: %w", s, err))
			}
			return n, nil
		}
		// 7.x answers [{"count":"0"}] even for nothing, so [] is the 8.3+
		// regression (count rows lack an id and get filtered), not zero.
		c.countUnsupported.Store(true)
		c.log.InfoContext(ctx, "vtiger count(*) unsupported by server; counting by paging")
	}
	n := 0
	idq := base.clone()
	idq.count, idq.fields = false, []string{"id"}
	for offset := 0; ; offset += PageSize {
		page, err := c.Query(ctx, idq.clone().Limit(offset, PageSize))
		if err != nil {
			return 0, err
		}
		n += len(page)
		if len(page) < PageSize {
			return n, nil
		}
	}
}

// Retrieve fetches one record by webservice id.
func (c *Client) Retrieve(ctx context.Context, id string) (Record, error) {
	raw, err := c.call(ctx, request{op: "retrieve", params: url.Values{"id": {id}}, id: id})
	if err != nil {
		return nil, err
	}
	return recordResult("retrieve", raw)
}

func recordResult(op string, raw json.RawMessage) (Record, error) {
	r, err := decodeRecord(raw)
	if err != nil {
		return nil, badResult(op, err)
	}
	return r, nil
}

// Create creates a record of module with the given fields.
func (c *Client) Create(ctx context.Context, module string, element map[string]any) (Record, error) {
	if err := checkIdent(module); err != nil {
		return nil, fmt.Errorf("vtiger create: %w", err)
	}
	el, err := encodeElement(element)
	if err != nil {
		return nil, fmt.Errorf("vtiger create: encoding element: %w", err)
	}
	raw, err := c.call(ctx, request{op: "create", params: url.Values{"elementType": {module}, "element": {el}}})
	if err != nil {
		return nil, err
	}
	return recordResult("create", raw)
}

// Update replaces a record (element must hold id and all mandatory fields).
func (c *Client) Update(ctx context.Context, element map[string]any) (Record, error) {
	return c.write(ctx, "update", element)
}

// Revise partially updates a record (element must hold id).
func (c *Client) Revise(ctx context.Context, element map[string]any) (Record, error) {
	return c.write(ctx, "revise", element)
}

func (c *Client) write(ctx context.Context, op string, element map[string]any) (Record, error) {
	id, _ := element["id"].(string)
	if id == "" {
		return nil, fmt.Errorf("vtiger %s: %w: element has no string id", op, ErrInvalidQuery)
	}
	el, err := encodeElement(element)
	if err != nil {
		return nil, fmt.Errorf("vtiger %s: encoding element: %w", op, err)
	}
	raw, err := c.call(ctx, request{op: op, params: url.Values{"element": {el}}, id: id})
	if err != nil {
		return nil, err
	}
	return recordResult(op, raw)
}

// Delete deletes a record.
func (c *Client) Delete(ctx context.Context, id string) error {
	_, err := c.call(ctx, request{op: "delete", params: url.Values{"id": {id}}, id: id})
	return err
}

// Describe returns module metadata, cached for DescribeTTL (identical
// concurrent calls collapse). The *Module is shared by all callers: treat it
// as read-only.
func (c *Client) Describe(ctx context.Context, module string) (*Module, error) {
	if err := checkIdent(module); err != nil {
		return nil, fmt.Errorf("vtiger describe: %w", err)
	}
	e, err := c.cached(ctx, "describe:"+module, func(ctx context.Context) (*cacheEntry, error) {
		raw, err := c.call(ctx, request{op: "describe", params: url.Values{"elementType": {module}}})
		if err != nil {
			return nil, err
		}
		m, err := decodeModule(raw)
		if err != nil {
			return nil, badResult("describe", err)
		}
		return &cacheEntry{mod: m}, nil
	})
	if err != nil {
		return nil, err
	}
	return e.mod, nil
}

// ListTypes returns the module names the CRM user can access (cached like
// Describe; the slice is shared, do not modify it).
func (c *Client) ListTypes(ctx context.Context) ([]string, error) {
	e, err := c.cached(ctx, "listtypes", func(ctx context.Context) (*cacheEntry, error) {
		types, err := c.listTypes(ctx)
		if err != nil {
			return nil, err
		}
		return &cacheEntry{types: types}, nil
	})
	if err != nil {
		return nil, err
	}
	return e.types, nil
}

func (c *Client) listTypes(ctx context.Context) ([]string, error) {
	raw, err := c.call(ctx, request{op: "listtypes"})
	if err != nil {
		return nil, err
	}
	var res struct {
		Types flexList `json:"types"`
	}
	if err := decodeObject(raw, &res); err != nil {
		return nil, badResult("listtypes", err)
	}
	types := make([]string, 0, len(res.Types))
	for _, t := range res.Types {
		var s flexString
		if err := json.Unmarshal(t, &s); err != nil {
			return nil, badResult("listtypes", err)
		}
		types = append(types, string(s))
	}
	return types, nil
}

// cached serves key from the TTL cache, collapsing concurrent misses into one
// call. That call runs detached from any one caller's cancellation (bounded
// by its own deadline) so a caller giving up does not fail the others.
func (c *Client) cached(ctx context.Context, key string, load func(context.Context) (*cacheEntry, error)) (*cacheEntry, error) {
	if v, ok := c.describes.Load(key); ok {
		if e := v.(*cacheEntry); time.Now().Before(e.exp) {
			return e, nil
		}
	}
	ch := c.flight.DoChan(key, func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.flightTimeout())
		defer cancel()
		e, err := load(fctx)
		if err != nil {
			return nil, err
		}
		e.exp = time.Now().Add(c.cfg.DescribeTTL)
		c.describes.Store(key, e)
		return e, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*cacheEntry), nil
	case <-ctx.Done():
		return nil, ctxError(strings.SplitN(key, ":", 2)[0], ctx.Err(), "")
	}
}

// flightTimeout bounds a shared describe/listtypes load: a login plus every
// retry of the call, with slack for waiting on a pooled session.
func (c *Client) flightTimeout() time.Duration {
	return 2 * time.Duration(c.cfg.MaxRetries+3) * (c.cfg.Timeout + c.cfg.RetryBackoff)
}

// RetrieveRelated returns records of relatedType related to id under relatedLabel.
func (c *Client) RetrieveRelated(ctx context.Context, id, relatedType, relatedLabel string) ([]Record, error) {
	if err := checkIdent(relatedType); err != nil {
		return nil, fmt.Errorf("vtiger retrieve_related: %w", err)
	}
	raw, err := c.call(ctx, request{op: "retrieve_related", params: url.Values{
		"id": {id}, "relatedType": {relatedType}, "relatedLabel": {relatedLabel},
	}})
	if err != nil {
		return nil, err
	}
	rows, err := decodeRecords(raw)
	if err != nil {
		return nil, badResult("retrieve_related", err)
	}
	return rows, nil
}

// QueryRelated runs q (no ORDER BY/LIMIT) restricted to records related to id under relatedLabel.
func (c *Client) QueryRelated(ctx context.Context, q *Select, id, relatedLabel string) ([]Record, error) {
	stmt, err := q.related()
	if err != nil {
		return nil, fmt.Errorf("vtiger query_related: %w", err)
	}
	raw, err := c.call(ctx, request{op: "query_related", params: url.Values{
		"query": {stmt}, "id": {id}, "relatedLabel": {relatedLabel},
	}})
	if err != nil {
		return nil, err
	}
	rows, err := decodeRecords(raw)
	if err != nil {
		return nil, badResult("query_related", err)
	}
	return rows, nil
}

// AddRelated relates relatedID to sourceID under label.
func (c *Client) AddRelated(ctx context.Context, sourceID, relatedID, label string) error {
	_, err := c.call(ctx, request{op: "add_related", params: url.Values{
		"sourceRecordId": {sourceID}, "relatedRecordId": {relatedID}, "relationIdLabel": {label},
	}})
	return err
}
