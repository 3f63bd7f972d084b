package earlier

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portalcrm/vtiger-portal/internal/domain"
)

// readTarget loads the natural keys already in PostgreSQL.
func readTarget(ctx context.Context, tx pgx.Tx) (*targetState, error) {
	t := &targetState{notifications: map[string]bool{}, payments: map[string]bool{}}
	var u pgUser
	if err := readEach(ctx, tx, "portal users", `SELECT id, contact_id, email, otp_enabled FROM users`,
		[]any{&u.ID, &u.ContactID, &u.Email, &u.OTPEnabled}, func() { t.users = append(t.users, u) }); err != nil {
		return nil, err
	}

	var uid int64
	var crmID, module, label, desc string
	var created time.Time
	if err := readEach(ctx, tx, "notifications", `SELECT user_id, COALESCE(crm_id, ''), module, label, description, created_at FROM notifications`,
		[]any{&uid, &crmID, &module, &label, &desc, &created}, func() {
			t.notifications[notificationKey(uid, notificationContent(crmID, module, label, desc, created))] = true
		}); err != nil {
		return nil, err
	}

	var stripeID string
	if err := readEach(ctx, tx, "payments", `SELECT stripe_payment_id FROM payments`,
		[]any{&stripeID}, func() { t.payments[stripeID] = true }); err != nil {
		return nil, err
	}
	return t, nil
}

// readEach runs query and calls row after each row is scanned into dest;
// errors name what was read.
func readEach(ctx context.Context, tx pgx.Tx, what, query string, dest []any, row func()) error {
	rows, err := tx.Query(ctx, query)
	if err != nil {
		return fmt.Errorf("earlier: read %s: %w", what, err)
	}
	_, err = pgx.ForEachRow(rows, dest, func() error { row(); return nil })
	if err != nil {
		return fmt.Errorf("earlier: read %s: %w", what, err)
	}
	return nil
}

// write inserts the planned rows and corrects the report's counts with
// what PostgreSQL actually took (a conflict the plan could not see is
// counted as present).
func (p *plan) write(ctx context.Context, tx pgx.Tx, o Options, rep *Report) error {
	users, otp, notes, pays := &rep.Tables[0], &rep.Tables[1], &rep.Tables[2], &rep.Tables[3]
	if err := p.writeUsers(ctx, tx, o, users, otp); err != nil {
		return err
	}
	if err := p.writeNotifications(ctx, tx, o, notes); err != nil {
		return err
	}
	return p.writePayments(ctx, tx, o, pays)
}

// writeUsers inserts the new users and seals their TOTP secrets.
func (p *plan) writeUsers(ctx context.Context, tx pgx.Tx, o Options, users, otp *Table) error {
	return writeEach(o, "users", p.newUsers, func(nu *newUser) error {
		u := nu.src
		err := tx.QueryRow(ctx, `
			INSERT INTO users (contact_id, account_id, email, password_hash, first_name, last_name,
				otp_enabled, otp_verified, is_active, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, false, false, $7, $8, $9)
			ON CONFLICT DO NOTHING
			RETURNING id`,
			u.ContactID, u.AccountID, u.Email, u.Password, u.FirstName, u.LastName, u.IsActive,
			p.orNow(u.CreatedAt), p.orNow(u.UpdatedAt)).Scan(&nu.ref.ID)
		if errors.Is(err, pgx.ErrNoRows) {
			alreadyPresent(users)
			if nu.secret != "" {
				alreadyPresent(otp)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("earlier: insert user #%d: %w", u.ID, err)
		}
		if nu.secret != "" {
			// The ciphertext is bound to the new row's id, so it can only
			// be sealed once the id exists.
			sealed, err := o.Sealer.SealTOTPSecret(nu.ref.ID, nu.secret)
			if err != nil {
				return fmt.Errorf("earlier: encrypt TOTP secret of user #%d: %w", u.ID, err)
			}
			if _, err := tx.Exec(ctx, `UPDATE users SET otp_secret = $2, otp_enabled = true, otp_verified = true WHERE id = $1`,
				nu.ref.ID, sealed); err != nil {
				return fmt.Errorf("earlier: store TOTP secret of user #%d: %w", u.ID, err)
			}
		}
		return nil
	})
}

// writeNotifications inserts the new notifications of the users written.
func (p *plan) writeNotifications(ctx context.Context, tx pgx.Tx, o Options, notes *Table) error {
	return writeEach(o, "notifications", p.newNotifications, func(nn newNotification) error {
		n := nn.src
		if nn.user.ID == 0 {
			// Its user lost an insert race: no row to attach it to.
			notes.Insert--
			notes.skip(reasonNoPortalUser, fmt.Sprintf("#%d %s", n.ID, n.ContactID))
			return nil
		}
		tag, err := tx.Exec(ctx, `
			INSERT INTO notifications (crm_id, user_id, account_id, contact_id, module, label, description,
				related_id, assigned_user_id, is_read, created_at, updated_at)
			VALUES (NULLIF($1, ''), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
			ON CONFLICT (crm_id, user_id) DO NOTHING`,
			n.CRMID, nn.user.ID, n.AccountID, n.ContactID, n.Module, n.Label, n.Description,
			n.ParentID, n.AssignedUserID, n.IsRead, p.orNow(n.CreatedAt), p.orNow(n.UpdatedAt))
		if err != nil {
			return fmt.Errorf("earlier: insert notification #%d: %w", n.ID, err)
		}
		if tag.RowsAffected() == 0 {
			alreadyPresent(notes)
		}
		return nil
	})
}

// writePayments inserts the new payments; succeeded ones count as already
// told to the CRM.
func (p *plan) writePayments(ctx context.Context, tx pgx.Tx, o Options, pays *Table) error {
	return writeEach(o, "payments", p.newPayments, func(np newPayment) error {
		s := np.src
		var userID *int64
		if np.user != nil && np.user.ID != 0 {
			userID = &np.user.ID
		}
		method := s.Method
		if method == "" {
			method = "card"
		}
		// History, not work: the earlier backend already told Vtiger about
		// succeeded payments, and the CRM retry job must not do it again.
		synced := domain.PaymentStatus(s.Status) == domain.PaymentSucceeded
		tag, err := tx.Exec(ctx, `
			INSERT INTO payments (stripe_payment_id, user_id, contact_id, account_id, parent_id, amount_minor,
				currency, payment_method, status, crm_synced, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
			ON CONFLICT (stripe_payment_id) DO NOTHING`,
			s.StripeID, userID, s.ContactID, s.AccountID, s.ParentID, np.amount,
			s.Currency, method, s.Status, synced, p.orNow(s.CreatedAt), p.orNow(s.UpdatedAt))
		if err != nil {
			return fmt.Errorf("earlier: insert payment #%d: %w", s.ID, err)
		}
		if tag.RowsAffected() == 0 {
			alreadyPresent(pays)
		}
		return nil
	})
}

// alreadyPresent recounts a planned insert that PostgreSQL did not take
// (a conflict the plan could not see) as a row already present.
func alreadyPresent(t *Table) {
	t.Insert--
	t.Present++
}

// writeEach writes the planned rows of table one at a time, a progress
// step each; the first error ends the import (the transaction is rolled
// back, so no final count is printed).
func writeEach[T any](o Options, table string, rows []T, write func(T) error) error {
	prog := newProgress(o.Progress, o.ProgressEvery, table, "written", len(rows))
	for _, r := range rows {
		if err := write(r); err != nil {
			return err
		}
		prog.step()
	}
	prog.done()
	return nil
}

// orNow replaces MySQL's zero date ('0000-00-00', read as the zero time)
// with the import time.
func (p *plan) orNow(t time.Time) time.Time {
	if t.IsZero() || t.Year() < 1971 {
		return p.now
	}
	return t
}
