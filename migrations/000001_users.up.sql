-- Keeps updated_at honest no matter which statement touches a row.
CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

CREATE TABLE users (
    id            bigserial   PRIMARY KEY,
    contact_id    text        NOT NULL,
    account_id    text        NOT NULL DEFAULT '',
    email         text        NOT NULL,
    password_hash text        NOT NULL,
    first_name    text        NOT NULL DEFAULT '',
    last_name     text        NOT NULL DEFAULT '',
    otp_secret    bytea,                                -- AES-GCM encrypted TOTP secret
    otp_enabled   boolean     NOT NULL DEFAULT false,
    otp_verified  boolean     NOT NULL DEFAULT false,
    otp_last_step bigint      NOT NULL DEFAULT 0,       -- last accepted TOTP time step (replay protection)
    is_active     boolean     NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_contact_id_key UNIQUE (contact_id),
    CONSTRAINT users_email_not_blank CHECK (btrim(email) <> '')
);

-- E-mails are case-insensitive: one account per address however it is spelt.
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));
CREATE INDEX users_account_id_idx ON users (account_id) WHERE account_id <> '';

CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
