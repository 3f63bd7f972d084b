package postgres

import (
	"context"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/domain"
)

// OTPStore keeps TOTP enrolment state: the pending (unconfirmed) secret and
// the recovery codes. The active secret lives on the user (UserStore.SetOTP).
type OTPStore struct{ db *DB }

// NewOTPStore returns the OTP store on db.
func NewOTPStore(db *DB) *OTPStore { return &OTPStore{db: db} }

// SavePending stores a freshly generated (encrypted) secret for userID,
// replacing any earlier one, valid until expires.
func (s *OTPStore) SavePending(ctx context.Context, userID int64, secret []byte, expires time.Time) error {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	if len(secret) == 0 {
		return domain.Invalid("secret", "secret is empty")
	}
	_, err := s.db.pool.Exec(ctx, `
		INSERT INTO otp_pending (user_id, secret, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret, expires_at = EXCLUDED.expires_at, created_at = now()`,
		userID, secret, expires)
	return mapErr(err, "save pending otp secret")
}

// PendingSecret returns the unexpired pending secret without consuming it,
// so a mistyped confirmation code does not force a new QR code.
func (s *OTPStore) PendingSecret(ctx context.Context, userID int64) ([]byte, error) {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	var secret []byte
	err := s.db.pool.QueryRow(ctx,
		`SELECT secret FROM otp_pending WHERE user_id = $1 AND expires_at > now()`, userID).Scan(&secret)
	if err != nil {
		return nil, notFound(err, "pending OTP secret", "get pending otp secret")
	}
	return secret, nil
}

// TakePending removes and returns the pending secret. Missing or expired is
// ENOTFOUND (an expired one is removed as well). Two concurrent takes get it
// at most once.
func (s *OTPStore) TakePending(ctx context.Context, userID int64) ([]byte, error) {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	var secret []byte
	var live bool
	err := s.db.pool.QueryRow(ctx,
		`DELETE FROM otp_pending WHERE user_id = $1 RETURNING secret, expires_at > now()`, userID).Scan(&secret, &live)
	if err != nil {
		return nil, notFound(err, "pending OTP secret", "take pending otp secret")
	}
	if !live {
		return nil, domain.NotFound("pending OTP secret")
	}
	return secret, nil
}

// ActivatePending moves the unexpired pending secret onto the user and
// turns TOTP on (enabled and verified) in one statement, so a secret is
// never half-activated. ENOTFOUND when there is no live pending secret.
func (s *OTPStore) ActivatePending(ctx context.Context, userID int64) error {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	tag, err := s.db.pool.Exec(ctx, `
		WITH p AS (
			DELETE FROM otp_pending WHERE user_id = $1 AND expires_at > now() RETURNING secret
		)
		UPDATE users SET otp_secret = p.secret, otp_enabled = true, otp_verified = true
		FROM p WHERE users.id = $1`, userID)
	if err != nil {
		return mapErr(err, "activate pending otp secret")
	}
	if tag.RowsAffected() == 0 {
		return domain.NotFound("pending OTP secret")
	}
	return nil
}

// DeletePending drops any pending secret (cancelled enrolment, expired clean-up).
func (s *OTPStore) DeletePending(ctx context.Context, userID int64) error {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	_, err := s.db.pool.Exec(ctx, `DELETE FROM otp_pending WHERE user_id = $1`, userID)
	return mapErr(err, "delete pending otp secret")
}

// ReplaceRecoveryCodes swaps the user's recovery codes for hashes (nil or
// empty removes them all) atomically: old codes stop working at the same
// moment the new ones start.
func (s *OTPStore) ReplaceRecoveryCodes(ctx context.Context, userID int64, hashes [][]byte) (err error) {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	tx, err := s.db.pool.Begin(ctx)
	if err != nil {
		return mapErr(err, "begin replace recovery codes")
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if _, err := tx.Exec(ctx, `DELETE FROM otp_recovery_codes WHERE user_id = $1`, userID); err != nil {
		return mapErr(err, "delete recovery codes")
	}
	if len(hashes) > 0 {
		for i, h := range hashes {
			if len(h) == 0 {
				return domain.Invalid("codes", "recovery code %d has an empty hash", i)
			}
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO otp_recovery_codes (user_id, code_hash)
			SELECT $1, h FROM unnest($2::bytea[]) AS h`, userID, hashes); err != nil {
			return mapErr(err, "insert recovery codes")
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return mapErr(err, "commit recovery codes")
	}
	return nil
}

// UseRecoveryCode consumes one unused code. ok=false when the code is
// unknown or already used. The conditional UPDATE makes concurrent uses of
// the same code succeed exactly once.
func (s *OTPStore) UseRecoveryCode(ctx context.Context, userID int64, hash []byte) (ok bool, err error) {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	tag, err := s.db.pool.Exec(ctx, `
		UPDATE otp_recovery_codes SET used_at = now()
		WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`, userID, hash)
	if err != nil {
		return false, mapErr(err, "use recovery code")
	}
	return tag.RowsAffected() == 1, nil
}

// RemainingRecoveryCodes counts the user's unused recovery codes.
func (s *OTPStore) RemainingRecoveryCodes(ctx context.Context, userID int64) (int, error) {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	var n int
	err := s.db.pool.QueryRow(ctx,
		`SELECT count(*) FROM otp_recovery_codes WHERE user_id = $1 AND used_at IS NULL`, userID).Scan(&n)
	if err != nil {
		return 0, mapErr(err, "count recovery codes")
	}
	return n, nil
}
