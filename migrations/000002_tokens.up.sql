-- Only the SHA-256 of a bearer token is stored; the plaintext never is.
CREATE TABLE tokens (
    hash       bytea       PRIMARY KEY,
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scope      text        NOT NULL,
    expiry     timestamptz NOT NULL,
    otp_passed boolean     NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tokens_hash_len CHECK (octet_length(hash) = 32)
);

CREATE INDEX tokens_user_scope_idx ON tokens (user_id, scope);
CREATE INDEX tokens_expiry_idx ON tokens (expiry);
