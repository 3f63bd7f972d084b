-- Single-use recovery codes, stored hashed.
CREATE TABLE otp_recovery_codes (
    id         bigserial   PRIMARY KEY,
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  bytea       NOT NULL,
    used_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT otp_recovery_codes_user_code_key UNIQUE (user_id, code_hash)
);

-- A generated but not yet confirmed TOTP secret (encrypted). It only becomes
-- the user's secret once a code generated from it is verified in time.
CREATE TABLE otp_pending (
    user_id    bigint      PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret     bytea       NOT NULL,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
