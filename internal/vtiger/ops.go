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

// fetch makes one call and decodes its result; a result that does not decode
// is ErrBadResponse under the operation's name.
func fetch[T any](ctx context.Context, c *Client, req request, decode func(json.RawMessage) (T, error)) (T, error) {
	raw, err := c.call(ctx, req)
	if err != nil {
		var zero T
		return zero, err
	}
	v, err := decode(raw)
	if err != nil {
		var zero T
		return zero, badResult(req.op, err)
	}
	return v, nil
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
	rows, shared, err := collapsed(ctx, c, "query:"+vtql, func(ctx context.Context) ([]Record, error) {
		return fetch(ctx, c, request{op: "query", params: url.Values{"query": {vtql}}}, decodeRecords)
	})
	if err != nil {
		return nil, err
	}
	if !shared {
		return rows, nil
	}
	out := make([]Record, len(rows))
	for i, row := range rows {
		out[i] = maps.Clone(row)
	}
	return out, nil
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
	return fetch(ctx, c, request{op: "retrieve", params: url.Values{"id": {id}}, id: id}, decodeRecord)
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
	return fetch(ctx, c, request{op: "create", params: url.Values{"elementType": {module}, "element": {el}}}, decodeRecord)
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
	return fetch(ctx, c, request{op: op, params: url.Values{"element": {el}}, id: id}, decodeRecord)
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
	return cached(ctx, c, "describe:"+module, func(ctx context.Context) (*Module, error) {
		return fetch(ctx, c, request{op: "describe", params: url.Values{"elementType": {module}}}, decodeModule)
	})
}

// ListTypes returns the module names the CRM user can access (cached like
// Describe; the slice is shared, do not modify it).
func (c *Client) ListTypes(ctx context.Context) ([]string, error) {
	return cached(ctx, c, "listtypes", c.listTypes)
}

func (c *Client) listTypes(ctx context.Context) ([]string, error) {
	return fetch(ctx, c, request{op: "listtypes"}, decodeTypes)
}

// decodeTypes reads listtypes' {"types": [...]}.
func decodeTypes(raw json.RawMessage) ([]string, error) {
	var res struct {
		Types flexList `json:"types"`
	}
	if err := decodeObject(raw, &res); err != nil {
		return nil, err
	}
	types := make([]string, 0, len(res.Types))
	for _, t := range res.Types {
		var s flexString
		if err := json.Unmarshal(t, &s); err != nil {
			return nil, err
		}
		types = append(types, string(s))
	}
	return types, nil
}

// cached serves key from the TTL cache (DescribeTTL), loading a miss through
// collapsed. Keys name what they hold, so each key always holds one T.
func cached[T any](ctx context.Context, c *Client, key string, load func(context.Context) (T, error)) (T, error) {
	if v, ok := c.describes.Load(key); ok {
		if e := v.(*cacheEntry); time.Now().Before(e.exp) {
			return e.val.(T), nil
		}
	}
	v, _, err := collapsed(ctx, c, key, func(ctx context.Context) (T, error) {
		v, err := load(ctx)
		if err != nil {
			return v, err
		}
		c.describes.Store(key, &cacheEntry{val: v, exp: time.Now().Add(c.cfg.DescribeTTL)})
		return v, nil
	})
	return v, err
}

// collapsed runs load once for all concurrent callers of key and reports
// whether the value went to more than one of them. The load runs detached
// from any one caller's cancellation (bounded by its own deadline) so a
// caller giving up does not fail the others; the caller who gives up gets a
// context error under the operation the key starts with ("query:…").
func collapsed[T any](ctx context.Context, c *Client, key string, load func(context.Context) (T, error)) (v T, shared bool, err error) {
	ch := c.flight.DoChan(key, func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.flightTimeout())
		defer cancel()
		return load(fctx)
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return v, false, r.Err
		}
		return r.Val.(T), r.Shared, nil
	case <-ctx.Done():
		return v, false, ctxError(strings.SplitN(key, ":", 2)[0], ctx.Err(), "")
	}
}

// flightTimeout bounds a collapsed query/describe/listtypes load: a login plus every
// retry of the call, with slack for waiting on a pooled session.
func (c *Client) flightTimeout() time.Duration {
	return 2 * time.Duration(c.cfg.MaxRetries+3) * (c.cfg.Timeout + c.cfg.RetryBackoff)
}

// RetrieveRelated returns records of relatedType related to id under relatedLabel.
func (c *Client) RetrieveRelated(ctx context.Context, id, relatedType, relatedLabel string) ([]Record, error) {
	if err := checkIdent(relatedType); err != nil {
		return nil, fmt.Errorf("vtiger retrieve_related: %w", err)
	}
	return fetch(ctx, c, request{op: "retrieve_related", params: url.Values{
		"id": {id}, "relatedType": {relatedType}, "relatedLabel": {relatedLabel},
	}}, decodeRecords)
}

// QueryRelated runs q (no ORDER BY/LIMIT) restricted to records related to id under relatedLabel.
func (c *Client) QueryRelated(ctx context.Context, q *Select, id, relatedLabel string) ([]Record, error) {
	stmt, err := q.related()
	if err != nil {
		return nil, fmt.Errorf("vtiger query_related: %w", err)
	}
	return fetch(ctx, c, request{op: "query_related", params: url.Values{
		"query": {stmt}, "id": {id}, "relatedLabel": {relatedLabel},
	}}, decodeRecords)
}

// AddRelated relates relatedID to sourceID under label.
func (c *Client) AddRelated(ctx context.Context, sourceID, relatedID, label string) error {
	_, err := c.call(ctx, request{op: "add_related", params: url.Values{
		"sourceRecordId": {sourceID}, "relatedRecordId": {relatedID}, "relationIdLabel": {label},
	}})
	return err
}
