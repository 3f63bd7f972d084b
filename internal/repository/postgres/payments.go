package postgres

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/portalcrm/vtiger-portal/internal/domain"
)

// PaymentStore keeps Stripe payments and the webhook events already handled.
type PaymentStore struct{ db *DB }

// NewPaymentStore returns the payments store on db.
func NewPaymentStore(db *DB) *PaymentStore { return &PaymentStore{db: db} }

const paymentColumns = `id, stripe_payment_id, COALESCE(user_id, 0), contact_id, account_id, parent_id,
	parent_module, amount_minor, currency, payment_method, status, crm_synced, crm_attempts, last_error,
	mismatch, created_at, updated_at`

func scanPayment(row scanner) (domain.Payment, error) {
	var p domain.Payment
	err := row.Scan(&p.ID, &p.StripePaymentID, &p.UserID, &p.ContactID, &p.AccountID, &p.ParentID,
		&p.ParentModule, &p.AmountMinor, &p.Currency, &p.PaymentMethod, &p.Status, &p.CRMSynced,
		&p.CRMAttempts, &p.LastError, &p.Mismatch, &p.CreatedAt, &p.UpdatedAt)
	return p, err
}

// Insert stores p and returns the stored row. It is idempotent on
// StripePaymentID: inserting an id that exists returns the existing row
// unchanged (created=false), so the caller can check it belongs to the
// same customer and parent before trusting it.
func (s *PaymentStore) Insert(ctx context.Context, p domain.Payment) (stored domain.Payment, created bool, err error) {
	if strings.TrimSpace(p.StripePaymentID) == "" {
		return domain.Payment{}, false, domain.Invalid("stripe_payment_id", "payment id is required")
	}
	if strings.TrimSpace(p.ParentID) == "" {
		return domain.Payment{}, false, domain.Invalid("parent_id", "invoice or sales order id is required")
	}
	if p.AmountMinor <= 0 {
		return domain.Payment{}, false, domain.Invalid("amount", "amount must be positive")
	}
	if !p.Status.Valid() {
		return domain.Payment{}, false, domain.Invalid("status", "unknown payment status %d", p.Status)
	}
	if p.PaymentMethod == "" {
		p.PaymentMethod = "card"
	}
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	var userID *int64
	if p.UserID != 0 {
		userID = &p.UserID
	}
	stored, err = scanPayment(s.db.pool.QueryRow(ctx, `
		INSERT INTO payments (stripe_payment_id, user_id, contact_id, account_id, parent_id, parent_module,
			amount_minor, currency, payment_method, status)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (stripe_payment_id) DO NOTHING
		RETURNING `+paymentColumns,
		p.StripePaymentID, userID, p.ContactID, p.AccountID, p.ParentID, p.ParentModule,
		p.AmountMinor, p.Currency, p.PaymentMethod, int(p.Status)))
	if err == nil {
		return stored, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return domain.Payment{}, false, mapErr(err, "insert payment")
	}
	// Conflict: DO NOTHING returns no row; the existing one is the answer.
	stored, err = s.ByStripeID(ctx, p.StripePaymentID)
	return stored, false, err
}

// ByStripeID returns the payment of a PaymentIntent id.
func (s *PaymentStore) ByStripeID(ctx context.Context, stripeID string) (domain.Payment, error) {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	p, err := scanPayment(s.db.pool.QueryRow(ctx,
		`SELECT `+paymentColumns+` FROM payments WHERE stripe_payment_id = $1`, stripeID))
	if err != nil {
		return domain.Payment{}, notFound(err, "payment", "get payment")
	}
	return p, nil
}

// UpdateStatus sets the status of a payment from Stripe. Succeeded is
// final: a late or out-of-order event never moves a paid payment back
// (changed=false then). Use MarkPaid to record success.
func (s *PaymentStore) UpdateStatus(ctx context.Context, stripeID string, status domain.PaymentStatus) (changed bool, err error) {
	if !status.Valid() {
		return false, domain.Invalid("status", "unknown payment status %d", status)
	}
	if status == domain.PaymentSucceeded {
		return s.MarkPaid(ctx, stripeID)
	}
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	tag, err := s.db.pool.Exec(ctx, `
		UPDATE payments SET status = $2
		WHERE stripe_payment_id = $1 AND status <> $2 AND status <> 1`, stripeID, int(status))
	if err != nil {
		return false, mapErr(err, "update payment status")
	}
	if tag.RowsAffected() == 1 {
		return true, nil
	}
	return false, s.exists(ctx, stripeID)
}

// MarkPaid records that Stripe reports the payment succeeded. changed is
// true only for the call that moved it to succeeded, so exactly one caller
// (webhook or /confirm, whichever comes first) goes on to update Vtiger;
// crm_synced stays false until MarkCRMSynced.
func (s *PaymentStore) MarkPaid(ctx context.Context, stripeID string) (changed bool, err error) {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	tag, err := s.db.pool.Exec(ctx,
		`UPDATE payments SET status = 1 WHERE stripe_payment_id = $1 AND status <> 1`, stripeID)
	if err != nil {
		return false, mapErr(err, "mark payment paid")
	}
	if tag.RowsAffected() == 1 {
		return true, nil
	}
	return false, s.exists(ctx, stripeID)
}

// RecordMismatch notes that Stripe reported a different amount or currency
// as received for a payment not yet succeeded; the status is left alone,
// so neither the CRM update nor the retry job ever sees it as paid.
func (s *PaymentStore) RecordMismatch(ctx context.Context, stripeID, what string) (recorded bool, err error) {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	tag, err := s.db.pool.Exec(ctx,
		`UPDATE payments SET mismatch = $2 WHERE stripe_payment_id = $1 AND status <> 1`, stripeID, what)
	if err != nil {
		return false, mapErr(err, "record payment mismatch")
	}
	if tag.RowsAffected() == 1 {
		return true, nil
	}
	return false, s.exists(ctx, stripeID)
}

// MarkCRMSynced records that Vtiger now shows the parent as paid.
func (s *PaymentStore) MarkCRMSynced(ctx context.Context, id int64) error {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	tag, err := s.db.pool.Exec(ctx, `UPDATE payments SET crm_synced = true, last_error = '' WHERE id = $1`, id)
	if err != nil {
		return mapErr(err, "mark payment crm synced")
	}
	if tag.RowsAffected() == 0 {
		return domain.NotFound("payment")
	}
	return nil
}

// RecordCRMFailure counts a failed attempt to update Vtiger and keeps the
// message for operators.
func (s *PaymentStore) RecordCRMFailure(ctx context.Context, id int64, msg string) error {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	tag, err := s.db.pool.Exec(ctx,
		`UPDATE payments SET crm_attempts = crm_attempts + 1, last_error = $2 WHERE id = $1`, id, msg)
	if err != nil {
		return mapErr(err, "record payment crm failure")
	}
	if tag.RowsAffected() == 0 {
		return domain.NotFound("payment")
	}
	return nil
}

// PendingCRMSync returns up to limit paid payments Vtiger has not been told
// about, least-tried and oldest first, for the retry job.
func (s *PaymentStore) PendingCRMSync(ctx context.Context, limit int) ([]domain.Payment, error) {
	if limit <= 0 {
		limit = 50
	}
	return s.list(ctx, "list payments pending crm sync", `
		SELECT `+paymentColumns+` FROM payments
		WHERE status = 1 AND NOT crm_synced
		ORDER BY crm_attempts, updated_at, id
		LIMIT $1`, limit)
}

// ListByAccount returns a page of an account's payments, newest first, and
// the total. An empty accountID matches nothing.
func (s *PaymentStore) ListByAccount(ctx context.Context, accountID string, limit, offset int) ([]domain.Payment, int, error) {
	if accountID == "" {
		return []domain.Payment{}, 0, nil
	}
	return s.page(ctx, "account_id = $1", accountID, limit, offset)
}

// ListByUser returns a page of a user's payments, newest first, and the total.
func (s *PaymentStore) ListByUser(ctx context.Context, userID int64, limit, offset int) ([]domain.Payment, int, error) {
	return s.page(ctx, "user_id = $1", userID, limit, offset)
}

// SucceededTotal returns what was paid through the portal on a record: the
// sum of its succeeded payments in currency (0 when there are none). It is
// summed in the database so the answer is exact however many payments the
// customer has; a payment in another currency is not money towards this
// total.
func (s *PaymentStore) SucceededTotal(ctx context.Context, parentID, currency string) (int64, error) {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	var total int64
	// SUM of bigint is numeric: cast back so an overflow errors instead of
	// being truncated while scanning.
	err := s.db.pool.QueryRow(ctx, `
		SELECT COALESCE(SUM(amount_minor), 0)::bigint FROM payments
		WHERE parent_id = $1 AND status = 1 AND currency = $2`, parentID, currency).Scan(&total)
	if err != nil {
		return 0, mapErr(err, "sum succeeded payments")
	}
	return total, nil
}

// ListByParentUser returns every payment a user started on a record, newest
// first: the attempts a new payment must not collide with or may resume.
func (s *PaymentStore) ListByParentUser(ctx context.Context, parentID string, userID int64) ([]domain.Payment, error) {
	return s.list(ctx, "list payments of record", `
		SELECT `+paymentColumns+` FROM payments
		WHERE parent_id = $1 AND user_id = $2
		ORDER BY created_at DESC, id DESC`, parentID, userID)
}

// RecordStripeEvent remembers a webhook event id; first is false when the
// event was seen before (Stripe redelivers), so the caller skips it.
func (s *PaymentStore) RecordStripeEvent(ctx context.Context, eventID, eventType string) (first bool, err error) {
	if eventID == "" {
		return false, domain.Invalid("id", "event id is required")
	}
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	tag, err := s.db.pool.Exec(ctx,
		`INSERT INTO stripe_events (id, type) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, eventID, eventType)
	if err != nil {
		return false, mapErr(err, "record stripe event")
	}
	return tag.RowsAffected() == 1, nil
}

// page runs a filtered, paged, newest-first listing; where is a fixed
// condition on $1 (never user text).
func (s *PaymentStore) page(ctx context.Context, where string, arg any, limit, offset int) ([]domain.Payment, int, error) {
	if limit <= 0 {
		limit = 20
	}
	offset = max(offset, 0)
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	var total int
	if err := s.db.pool.QueryRow(ctx, `SELECT count(*) FROM payments WHERE `+where, arg).Scan(&total); err != nil {
		return nil, 0, mapErr(err, "count payments")
	}
	items, err := s.list(ctx, "list payments", `
		SELECT `+paymentColumns+` FROM payments WHERE `+where+`
		ORDER BY created_at DESC, id DESC
		LIMIT $2 OFFSET $3`, arg, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	return items, total, nil
}

func (s *PaymentStore) list(ctx context.Context, op, query string, args ...any) ([]domain.Payment, error) {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	rows, err := s.db.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, mapErr(err, op)
	}
	defer rows.Close()
	items := []domain.Payment{}
	for rows.Next() {
		p, err := scanPayment(rows)
		if err != nil {
			return nil, mapErr(err, op)
		}
		items = append(items, p)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err, op)
	}
	return items, nil
}

func (s *PaymentStore) exists(ctx context.Context, stripeID string) error {
	var one int
	err := s.db.pool.QueryRow(ctx, `SELECT 1 FROM payments WHERE stripe_payment_id = $1`, stripeID).Scan(&one)
	return notFound(err, "payment", "check payment")
}
