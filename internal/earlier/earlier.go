// Package earlier moves the portal users, their 2FA settings,
// notifications and payment history of the earlier (gin + MySQL) backend
// into the portal's PostgreSQL database (`portal import earlier`).
//
// The import is a plan followed, with Apply, by writes in one transaction:
// every row is matched on its natural key (users: Contact id and e-mail;
// notifications: CRM id or content per user; payments: Stripe PaymentIntent
// id), rows already in PostgreSQL are left alone and the inserts use
// ON CONFLICT DO NOTHING, so running it again changes nothing.
package earlier

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Sealer encrypts a base32 TOTP secret for the portal user id the way the
// OTP store expects it (accounts.Cipher with auth.encryptionKey).
type Sealer interface {
	SealTOTPSecret(userID int64, secret string) ([]byte, error)
}

// Options are what an import needs.
type Options struct {
	Source *sql.DB       // the earlier MySQL database (OpenSource)
	Target *pgxpool.Pool // the portal's PostgreSQL, migrated
	Sealer Sealer        // re-encrypts TOTP secrets
	Apply  bool          // false: plan only, inside a read-only transaction
	// Progress receives a line every ProgressEvery rows of a large table
	// (stderr in the command); nil prints nothing.
	Progress      io.Writer
	ProgressEvery int // default 1000
	Now           func() time.Time
}

// lockKey serialises imports ("portal" + 0xee01), so two operators running
// --apply at once cannot both insert the same rows.
const lockKey int64 = 0x706f7274616cee01

// Run reads the earlier database, compares it with PostgreSQL and, with
// Apply, writes the missing rows in one transaction. The report says per
// table what was found, inserted (or would be), already present and skipped.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Source == nil || o.Target == nil {
		return nil, errors.New("earlier: Source and Target are required")
	}
	if o.Sealer == nil {
		return nil, errors.New("earlier: a Sealer (auth.encryptionKey) is required")
	}
	if o.ProgressEvery == 0 {
		o.ProgressEvery = 1000
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	// One InnoDB snapshot for all tables, so an earlier backend still
	// serving cannot add a notification whose user the import did not see.
	stx, err := o.Source.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("earlier: begin MySQL transaction: %w", err)
	}
	data, err := readSource(ctx, source{db: stx}, o)
	_ = stx.Rollback()
	if err != nil {
		return nil, err
	}

	access := pgx.ReadOnly
	if o.Apply {
		access = pgx.ReadWrite
	}
	tx, err := o.Target.BeginTx(ctx, pgx.TxOptions{AccessMode: access})
	if err != nil {
		return nil, fmt.Errorf("earlier: begin transaction: %w", err)
	}
	// Rolling back a committed transaction is a no-op; this covers every
	// early return and the dry run.
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if o.Apply {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockKey); err != nil {
			return nil, fmt.Errorf("earlier: import lock: %w", err)
		}
	}
	// The plan is made inside the transaction (after the lock), so what it
	// counts as present is what the writes see.
	existing, err := readTarget(ctx, tx)
	if err != nil {
		return nil, err
	}
	p := makePlan(data, existing, o.Now())
	rep := p.report(o.Apply)
	if !o.Apply {
		return rep, nil
	}
	if err := p.write(ctx, tx, o, rep); err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("earlier: commit: %w", err)
	}
	return rep, nil
}

type sourceData struct {
	users         []srcUser
	notifications []srcNotification
	payments      []srcPayment
}

func readSource(ctx context.Context, src source, o Options) (*sourceData, error) {
	var d sourceData
	var err error
	pu := newProgress(o.Progress, o.ProgressEvery, "users", "read", 0)
	if d.users, err = src.users(ctx, pu); err != nil {
		return nil, err
	}
	pu.done()
	pn := newProgress(o.Progress, o.ProgressEvery, "notifications", "read", 0)
	if d.notifications, err = src.notifications(ctx, pn); err != nil {
		return nil, err
	}
	pn.done()
	pp := newProgress(o.Progress, o.ProgressEvery, "payments", "read", 0)
	if d.payments, err = src.payments(ctx, pp); err != nil {
		return nil, err
	}
	pp.done()
	return &d, nil
}
