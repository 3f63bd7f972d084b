-- Answers to POST writes sent with an Idempotency-Key, so a client that
-- timed out can retry without applying the write twice. A row is claimed
-- (status NULL) when the first request starts and completed with its
-- answer; expired rows are pruned by a background job.
CREATE TABLE idempotency_keys (
    user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key          text        NOT NULL,
    request_hash bytea,                 -- SHA-256 of method, path and body; NULL while running
    status       integer,               -- HTTP status of the first answer; NULL while running
    content_type text        NOT NULL DEFAULT '',
    body         bytea,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (user_id, key),
    CONSTRAINT idempotency_keys_key_length CHECK (length(key) BETWEEN 1 AND 255)
);

CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);

-- A signed payment_intent.succeeded whose amount_received or currency is
-- not what the portal asked for: the payment is not marked paid and the
-- CRM is not touched; this says what Stripe reported instead.
ALTER TABLE payments ADD COLUMN mismatch text NOT NULL DEFAULT '';
