package ticketmail

import (
	"context"
	"fmt"
	"slices"

	"github.com/portalcrm/vtiger-portal/internal/vtiger"
)

// CRM is the Vtiger access the detector needs (*vtiger.Client).
type CRM interface {
	Query(ctx context.Context, q *vtiger.Select) ([]vtiger.Record, error)
	QueryAll(ctx context.Context, q *vtiger.Select, max int) ([]vtiger.Record, error)
	UserID(ctx context.Context) (string, error)
}

var _ CRM = (*vtiger.Client)(nil)

// maxCommentsPerRun bounds one run; a longer backlog is read on the next
// runs because the watermark moves only over what was handled.
const maxCommentsPerRun = 500

// inBatch bounds an IN (…) list so the VTQL stays short.
const inBatch = 50

// newestCommentTime is the createdtime of the newest comment ("" when there is none).
func newestCommentTime(ctx context.Context, c CRM) (string, error) {
	rows, err := c.Query(ctx, vtiger.NewSelect("id", "createdtime").From("ModComments").OrderBy("createdtime", true).Limit(0, 1))
	if err != nil {
		return "", fmt.Errorf("newest comment: %w", err)
	}
	if len(rows) == 0 {
		return "", nil
	}
	return rows[0].String("createdtime"), nil
}

// commentsSince lists comments created at or after since, oldest first.
// At or after: several comments can share a second, and the claims table
// makes seeing one again harmless. SELECT *: which of is_private,
// from_portal and customer exist depends on the Vtiger version, and naming
// a missing one fails the whole query.
//
// At most maxCommentsPerRun come back (paged by hand, not QueryAll, whose
// limit is an error): after a long outage the backlog is worked off over
// several runs instead of failing every run.
func commentsSince(ctx context.Context, c CRM, since string) ([]vtiger.Record, error) {
	var all []vtiger.Record
	for offset := 0; offset < maxCommentsPerRun; offset += vtiger.PageSize {
		q := vtiger.NewSelect().From("ModComments").
			Where(vtiger.Ge("createdtime", since)).OrderBy("createdtime", false).Limit(offset, vtiger.PageSize)
		page, err := c.Query(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("comments since %s: %w", since, err)
		}
		all = append(all, page...)
		if len(page) < vtiger.PageSize {
			break
		}
	}
	return all, nil
}

// byIDs runs SELECT fields FROM module WHERE id IN (ids) in batches and
// returns the rows by id; ids of other modules simply do not come back.
func byIDs(ctx context.Context, c CRM, module string, fields []string, ids []string) (map[string]vtiger.Record, error) {
	out := make(map[string]vtiger.Record, len(ids))
	for chunk := range slices.Chunk(ids, inBatch) {
		rows, err := c.QueryAll(ctx, vtiger.NewSelect(fields...).From(module).Where(vtiger.In("id", chunk...)).OrderBy("id", false), len(chunk))
		if err != nil {
			return nil, fmt.Errorf("%s by id: %w", module, err)
		}
		for _, r := range rows {
			out[r.String("id")] = r
		}
	}
	return out, nil
}
