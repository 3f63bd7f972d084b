package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/domain"
)

// ActivityStore keeps the append-only trail of portal writes. It has no
// update path; DeleteBefore (retention) is its only delete.
type ActivityStore struct{ db *DB }

// NewActivityStore returns the activity store on db.
func NewActivityStore(db *DB) *ActivityStore { return &ActivityStore{db: db} }

// Insert appends a; ID and CreatedAt are filled in (CreatedAt is kept when set).
func (s *ActivityStore) Insert(ctx context.Context, a *domain.Activity) error {
	changes := a.Changes
	if changes == nil {
		changes = []domain.FieldChange{}
	}
	raw, err := json.Marshal(changes)
	if err != nil {
		return fmt.Errorf("postgres: encode activity changes: %w", err)
	}
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	err = s.db.pool.QueryRow(ctx, `
		INSERT INTO activity (created_at, user_id, email, name, contact_id, account_id, method, route, module,
			action, record_id, changes, status, client_ip, request_id)
		VALUES (COALESCE($1, now()), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		RETURNING id, created_at`,
		nullTime(a.CreatedAt), a.UserID, a.Email, a.Name, a.ContactID, a.AccountID, a.Method, a.Route, a.Module,
		a.Action, a.RecordID, raw, a.Status, a.ClientIP, a.RequestID).Scan(&a.ID, &a.CreatedAt)
	if err != nil {
		return mapErr(err, "insert activity")
	}
	return nil
}

// List returns the entries q selects, newest first, and how many there are
// in all.
func (s *ActivityStore) List(ctx context.Context, q domain.ActivityQuery) ([]domain.Activity, int, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if q.Scoped {
		if q.AccountID != "" {
			private := q.PrivateModules
			if private == nil {
				private = []string{}
			}
			where = append(where, fmt.Sprintf("account_id = %s AND (NOT module = ANY(%s::text[]) OR contact_id = %s)",
				arg(q.AccountID), arg(private), arg(q.ContactID)))
		} else {
			where = append(where, fmt.Sprintf("account_id = '' AND contact_id = %s", arg(q.ContactID)))
		}
		if q.ContactID == "" {
			where = append(where, "false") // a scoped query without a contact sees nothing
		}
	}
	if q.RecordID != "" {
		where = append(where, "record_id = "+arg(q.RecordID))
	}
	if q.Email != "" {
		where = append(where, "lower(email) = lower("+arg(q.Email)+")")
	}
	if !q.Since.IsZero() {
		where = append(where, "created_at >= "+arg(q.Since))
	}
	cond := "true"
	if len(where) > 0 {
		cond = strings.Join(where, " AND ")
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	var total int
	if err := s.db.pool.QueryRow(ctx, `SELECT count(*) FROM activity WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, mapErr(err, "count activity")
	}
	rows, err := s.db.pool.Query(ctx, `
		SELECT id, created_at, user_id, email, name, contact_id, account_id, method, route, module, action,
			record_id, changes, status, client_ip, request_id
		FROM activity WHERE `+cond+`
		ORDER BY created_at DESC, id DESC
		LIMIT `+arg(limit)+` OFFSET `+arg(max(q.Offset, 0)), args...)
	if err != nil {
		return nil, 0, mapErr(err, "list activity")
	}
	defer rows.Close()
	out := []domain.Activity{}
	for rows.Next() {
		var a domain.Activity
		var raw []byte
		if err := rows.Scan(&a.ID, &a.CreatedAt, &a.UserID, &a.Email, &a.Name, &a.ContactID, &a.AccountID,
			&a.Method, &a.Route, &a.Module, &a.Action, &a.RecordID, &raw, &a.Status, &a.ClientIP, &a.RequestID); err != nil {
			return nil, 0, mapErr(err, "scan activity")
		}
		if err := json.Unmarshal(raw, &a.Changes); err != nil {
			return nil, 0, fmt.Errorf("postgres: decode activity %d changes: %w", a.ID, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, mapErr(err, "list activity")
	}
	return out, total, nil
}

// DeleteBefore removes entries older than cutoff (the retention prune, the
// trail's only delete) and reports how many went.
func (s *ActivityStore) DeleteBefore(ctx context.Context, cutoff time.Time) (int64, error) {
	return s.db.execCount(ctx, "prune activity", `DELETE FROM activity WHERE created_at < $1`, cutoff)
}
