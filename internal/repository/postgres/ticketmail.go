package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
)

// TicketMailStore remembers which CRM comments a customer was mailed about
// and how far the detection job has read.
type TicketMailStore struct{ db *DB }

// NewTicketMailStore returns the store on db.
func NewTicketMailStore(db *DB) *TicketMailStore { return &TicketMailStore{db: db} }

// TicketMail is one claimed "ticket answered" mail.
type TicketMail struct {
	CommentID, TicketID, ContactID, Email string
}

// Claim records m and reports whether this call inserted it: false means
// the comment was mailed (or is being mailed) already.
func (s *TicketMailStore) Claim(ctx context.Context, m TicketMail) (bool, error) {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	tag, err := s.db.pool.Exec(ctx, `
		INSERT INTO ticket_comment_mails (comment_id, ticket_id, contact_id, email)
		VALUES ($1, $2, $3, $4) ON CONFLICT (comment_id) DO NOTHING`,
		m.CommentID, m.TicketID, m.ContactID, m.Email)
	if err != nil {
		return false, mapErr(err, "claim ticket comment mail")
	}
	return tag.RowsAffected() == 1, nil
}

// Unclaim forgets a claim whose mail could not be queued, so the next run
// tries again.
func (s *TicketMailStore) Unclaim(ctx context.Context, commentID string) error {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	if _, err := s.db.pool.Exec(ctx, `DELETE FROM ticket_comment_mails WHERE comment_id = $1`, commentID); err != nil {
		return mapErr(err, "unclaim ticket comment mail")
	}
	return nil
}

// Sent lists the claimed mails of a ticket, oldest first (tests, support).
func (s *TicketMailStore) Sent(ctx context.Context, ticketID string) ([]TicketMail, error) {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	rows, err := s.db.pool.Query(ctx, `
		SELECT comment_id, ticket_id, contact_id, email FROM ticket_comment_mails
		WHERE ticket_id = $1 ORDER BY sent_at, comment_id`, ticketID)
	if err != nil {
		return nil, mapErr(err, "list ticket comment mails")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (TicketMail, error) {
		var m TicketMail
		err := r.Scan(&m.CommentID, &m.TicketID, &m.ContactID, &m.Email)
		return m, err
	})
	if err != nil {
		return nil, mapErr(err, "list ticket comment mails")
	}
	return out, nil
}

// Watermark returns the createdtime the job has read up to; ok is false
// before the first run.
func (s *TicketMailStore) Watermark(ctx context.Context) (created string, ok bool, err error) {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	err = s.db.pool.QueryRow(ctx, `SELECT created FROM ticket_comment_watermark WHERE id = 1`).Scan(&created)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, mapErr(err, "read ticket comment watermark")
	}
	return created, true, nil
}

// SetWatermark moves the watermark forward (never back).
func (s *TicketMailStore) SetWatermark(ctx context.Context, created string) error {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	_, err := s.db.pool.Exec(ctx, `
		INSERT INTO ticket_comment_watermark (id, created) VALUES (1, $1)
		ON CONFLICT (id) DO UPDATE SET created = GREATEST(ticket_comment_watermark.created, EXCLUDED.created), updated_at = now()`,
		created)
	if err != nil {
		return mapErr(err, "set ticket comment watermark")
	}
	return nil
}
