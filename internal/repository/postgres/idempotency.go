package postgres

import (
	"context"
	"time"

	"github.com/portalcrm/vtiger-portal/internal/domain"
)

// IdempotencyStore keeps the answers to POST writes sent with an
// Idempotency-Key, per user, until they expire.
type IdempotencyStore struct{ db *DB }

// NewIdempotencyStore returns the idempotency-key store on db.
func NewIdempotencyStore(db *DB) *IdempotencyStore { return &IdempotencyStore{db: db} }

// Claim reserves (userID, key) for a request that is about to run. It
// succeeds when the key is new, expired, or held by a request that started
// more than staleAfter ago (its process died); otherwise it returns the
// existing row: the stored answer, or Done false while that request runs.
func (s *IdempotencyStore) Claim(ctx context.Context, userID int64, key string, ttl, staleAfter time.Duration) (bool, *domain.IdempotentAnswer, error) {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	tag, err := s.db.pool.Exec(ctx, `
		INSERT INTO idempotency_keys (user_id, key, expires_at)
		VALUES ($1, $2, now() + $3::interval)
		ON CONFLICT (user_id, key) DO UPDATE
			SET request_hash = NULL, status = NULL, content_type = '', body = NULL,
				created_at = now(), expires_at = EXCLUDED.expires_at
			WHERE idempotency_keys.expires_at <= now()
				OR (idempotency_keys.status IS NULL AND idempotency_keys.created_at < now() - $4::interval)`,
		userID, key, ttl, staleAfter)
	if err != nil {
		return false, nil, mapErr(err, "claim idempotency key")
	}
	if tag.RowsAffected() == 1 {
		return true, nil, nil
	}
	var a domain.IdempotentAnswer
	var status *int32
	err = s.db.pool.QueryRow(ctx, `
		SELECT request_hash, status, content_type, body FROM idempotency_keys
		WHERE user_id = $1 AND key = $2`, userID, key,
	).Scan(&a.RequestHash, &status, &a.ContentType, &a.Body)
	if err != nil {
		return false, nil, mapErr(err, "read idempotency key")
	}
	if status != nil {
		a.Status, a.Done = int(*status), true
	}
	return false, &a, nil
}

// Complete stores the first answer of the request that claimed the key.
func (s *IdempotencyStore) Complete(ctx context.Context, userID int64, key string, a domain.IdempotentAnswer) error {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	_, err := s.db.pool.Exec(ctx, `
		UPDATE idempotency_keys SET request_hash = $3, status = $4, content_type = $5, body = $6
		WHERE user_id = $1 AND key = $2 AND status IS NULL`,
		userID, key, a.RequestHash, a.Status, a.ContentType, a.Body)
	return mapErr(err, "complete idempotency key")
}

// Release forgets a claimed key whose answer is not worth keeping (a
// failure the client should retry), so the next request with it runs.
func (s *IdempotencyStore) Release(ctx context.Context, userID int64, key string) error {
	ctx, cancel := s.db.withTimeout(ctx)
	defer cancel()
	_, err := s.db.pool.Exec(ctx, `DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND status IS NULL`, userID, key)
	return mapErr(err, "release idempotency key")
}

// DeleteExpired prunes expired keys (the idempotency-cleanup job).
func (s *IdempotencyStore) DeleteExpired(ctx context.Context) (int64, error) {
	return s.db.execCount(ctx, "delete expired idempotency keys", `DELETE FROM idempotency_keys WHERE expires_at <= now()`)
}
