package postgres

import (
	"context"

	"github.com/portalcrm/vtiger-portal/internal/domain"
)

// TokenStore keeps bearer tokens by their SHA-256 hash.
type TokenStore struct{ db *DB }

// NewTokenStore returns the tokens store on db.
func NewTokenStore(db *DB) *TokenStore { return &TokenStore{db: db} }

// Insert stores t. CreatedAt is set by the database when zero.
func (s *TokenStore) Insert(ctx context.Context, t domain.Token) error {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	if len(t.Hash) != 32 {
		return domain.Invalid("token", "token hash must be 32 bytes (SHA-256)")
	}
	_, err := s.db.pool.Exec(ctx, `
		INSERT INTO tokens (hash, user_id, scope, expiry, otp_passed, created_at)
		VALUES ($1, $2, $3, $4, $5, COALESCE($6, now()))`,
		t.Hash, t.UserID, t.Scope, t.Expiry, t.OTPPassed, nullTime(t.CreatedAt))
	return mapErr(err, "insert token")
}

// ByHash returns an unexpired token of scope with its user. Unknown,
// expired and wrong-scope tokens are all ENOTFOUND. Inactive users are
// returned: the caller decides how to answer them.
func (s *TokenStore) ByHash(ctx context.Context, hash []byte, scope string) (*domain.Token, *domain.User, error) {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	var t domain.Token
	var u domain.User
	err := s.db.pool.QueryRow(ctx, `
		SELECT t.hash, t.user_id, t.scope, t.expiry, t.otp_passed, t.created_at,
			u.id, u.contact_id, u.account_id, u.email, u.password_hash, u.first_name, u.last_name,
			u.otp_secret, u.otp_enabled, u.otp_verified, u.is_active, u.created_at, u.updated_at
		FROM tokens t JOIN users u ON u.id = t.user_id
		WHERE t.hash = $1 AND t.scope = $2 AND t.expiry > now()`, hash, scope,
	).Scan(&t.Hash, &t.UserID, &t.Scope, &t.Expiry, &t.OTPPassed, &t.CreatedAt,
		&u.ID, &u.ContactID, &u.AccountID, &u.Email, &u.PasswordHash, &u.FirstName, &u.LastName,
		&u.OTPSecret, &u.OTPEnabled, &u.OTPVerified, &u.IsActive, &u.CreatedAt, &u.UpdatedAt)
	if err != nil {
		return nil, nil, notFound(err, "token", "get token")
	}
	return &t, &u, nil
}

// MarkOTPPassed records that this token (only this one) passed TOTP validation.
func (s *TokenStore) MarkOTPPassed(ctx context.Context, hash []byte) error {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	tag, err := s.db.pool.Exec(ctx, `UPDATE tokens SET otp_passed = true WHERE hash = $1 AND expiry > now()`, hash)
	if err != nil {
		return mapErr(err, "mark token otp passed")
	}
	if tag.RowsAffected() == 0 {
		return domain.NotFound("token")
	}
	return nil
}

// Delete removes one token (logout). Deleting a missing token is not an
// error: logging out twice is harmless.
func (s *TokenStore) Delete(ctx context.Context, hash []byte) error {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	_, err := s.db.pool.Exec(ctx, `DELETE FROM tokens WHERE hash = $1`, hash)
	return mapErr(err, "delete token")
}

// DeleteAllForUser removes the user's tokens of scope ("" = every scope),
// e.g. on password change, and reports how many went.
func (s *TokenStore) DeleteAllForUser(ctx context.Context, userID int64, scope string) (int64, error) {
	return s.db.execCount(ctx, "delete user tokens", `DELETE FROM tokens WHERE user_id = $1 AND ($2 = '' OR scope = $2)`, userID, scope)
}

// DeleteOthersForUser removes the user's tokens of scope except keep: "log
// out my other sessions" after a password change.
func (s *TokenStore) DeleteOthersForUser(ctx context.Context, userID int64, scope string, keep []byte) (int64, error) {
	return s.db.execCount(ctx, "delete other user tokens",
		`DELETE FROM tokens WHERE user_id = $1 AND ($2 = '' OR scope = $2) AND ($3::bytea IS NULL OR hash <> $3)`, userID, scope, keep)
}

// DeleteExpired removes every expired token and reports how many went.
func (s *TokenStore) DeleteExpired(ctx context.Context) (int64, error) {
	return s.db.execCount(ctx, "delete expired tokens", `DELETE FROM tokens WHERE expiry <= now()`)
}
