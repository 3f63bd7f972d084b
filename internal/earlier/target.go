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
	rows, err := tx.Query(ctx, `SELECT id, contact_id, email, otp_enabled FROM users`)
	if err != nil {
		return nil, fmt.Errorf("earlier: read portal users: %w", err)
	}
	for rows.Next() {
		var u pgUser
		if err := rows.Scan(&u.ID, &u.ContactID, &u.Email, &u.OTPEnabled); err != nil {
			rows.Close()
			return nil, fmt.Errorf("earlier: read portal users: %w", err)
		}
		t.users = append(t.users, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("earlier: read portal users: %w", err)
	}

	rows, err = tx.Query(ctx, `SELECT user_id, COALESCE(crm_id, ''), module, label, description, created_at FROM notifications`)
	if err != nil {
		return nil, fmt.Errorf("earlier: read notifications: %w", err)
	}
	for rows.Next() {
		var uid int64
		var crmID, module, label, desc string
		var created time.Time
		if err := rows.Scan(&uid, &crmID, &module, &label, &desc, &created); err != nil {
			rows.Close()
			return nil, fmt.Errorf("earlier: read notifications: %w", err)
		}
		t.notifications[notificationKey(uid, notificationContent(crmID, module, label, desc, created))] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("earlier: read notifications: %w", err)
	}

	rows, err = tx.Query(ctx, `SELECT stripe_payment_id FROM payments`)
	if err != nil {
		return nil, fmt.Errorf("earlier: read payments: %w", err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("earlier: read payments: %w", err)
		}
		t.payments[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("earlier: read payments: %w", err)
	}
	return t, nil
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
	prog := newProgress(o.Progress, o.ProgressEvery, "users", "written", len(p.newUsers))
	for _, nu := range p.newUsers {
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
			users.Insert--
			users.Present++
			if nu.secret != "" {
				otp.Insert--
				otp.Present++
			}
			prog.step()
			continue
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
		prog.step()
	}
	prog.done()
	return nil
}

// writeNotifications inserts the new notifications of the users written.
func (p *plan) writeNotifications(ctx context.Context, tx pgx.Tx, o Options, notes *Table) error {
	prog := newProgress(o.Progress, o.ProgressEvery, "notifications", "written", len(p.newNotifications))
	for _, nn := range p.newNotifications {
		n := nn.src
		if nn.user.ID == 0 {
			// Its user lost an insert race: no row to attach it to.
			notes.Insert--
			notes.skip(reasonNoPortalUser, fmt.Sprintf("#%d %s", n.ID, n.ContactID))
			prog.step()
			continue
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
			notes.Insert--
			notes.Present++
		}
		prog.step()
	}
	prog.done()
	return nil
}

// writePayments inserts the new payments; succeeded ones count as already
// told to the CRM.
func (p *plan) writePayments(ctx context.Context, tx pgx.Tx, o Options, pays *Table) error {
	prog := newProgress(o.Progress, o.ProgressEvery, "payments", "written", len(p.newPayments))
	for _, np := range p.newPayments {
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
			pays.Insert--
			pays.Present++
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
