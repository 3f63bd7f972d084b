-- The activity trail of portal writes (issue 15 part 4): one row per
-- successful authenticated POST/PUT/PATCH/DELETE. Append-only: the code has
-- no UPDATE path and the trigger below refuses one; the only DELETE is the
-- retention prune (audit.retention). No foreign key to users on purpose: the
-- trail outlives a deleted portal account, so who it was is kept as a copy.
CREATE TABLE activity (
    id          bigserial   PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    user_id     bigint      NOT NULL,
    email       text        NOT NULL DEFAULT '',
    name        text        NOT NULL DEFAULT '',
    contact_id  text        NOT NULL DEFAULT '',
    account_id  text        NOT NULL DEFAULT '',   -- '' for a contact without an organisation
    method      text        NOT NULL,
    route       text        NOT NULL,              -- chi route pattern, never the raw path
    module      text        NOT NULL DEFAULT '',
    action      text        NOT NULL DEFAULT '',
    record_id   text        NOT NULL DEFAULT '',
    changes     jsonb       NOT NULL DEFAULT '[]', -- [{field, new, old?, redacted?}], secrets never stored
    status      smallint    NOT NULL,
    client_ip   text        NOT NULL DEFAULT '',
    request_id  text        NOT NULL DEFAULT ''
);

CREATE INDEX activity_account_created_idx ON activity (account_id, created_at DESC, id DESC);
CREATE INDEX activity_account_record_idx ON activity (account_id, record_id, created_at DESC, id DESC);
CREATE INDEX activity_email_created_idx ON activity (lower(email), created_at DESC);
CREATE INDEX activity_created_idx ON activity (created_at);

CREATE FUNCTION activity_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'activity is append-only';
END;
$$;

CREATE TRIGGER activity_no_update BEFORE UPDATE ON activity
    FOR EACH ROW EXECUTE FUNCTION activity_append_only();
