-- One row per recipient portal user: an account-wide CRM notification is
-- fanned out at import, so read state is simply is_read on the row.
CREATE TABLE notifications (
    id               bigserial   PRIMARY KEY,
    crm_id           text,                          -- the Vtiger record it came from; NULL for portal-made ones
    user_id          bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id       text        NOT NULL DEFAULT '',
    contact_id       text        NOT NULL DEFAULT '',
    module           text        NOT NULL DEFAULT '',
    label            text        NOT NULL DEFAULT '',
    description      text        NOT NULL DEFAULT '',
    related_id       text        NOT NULL DEFAULT '',
    assigned_user_id text        NOT NULL DEFAULT '',
    is_read          boolean     NOT NULL DEFAULT false,
    -- Deleting only hides the row, so a re-import of the same CRM record
    -- does not bring back what the customer dismissed.
    is_deleted       boolean     NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    -- Re-importing the same CRM record never duplicates a user's notification.
    CONSTRAINT notifications_crm_user_key UNIQUE (crm_id, user_id)
);

CREATE INDEX notifications_user_created_idx ON notifications (user_id, created_at DESC, id DESC) WHERE NOT is_deleted;
CREATE INDEX notifications_user_unread_idx ON notifications (user_id) WHERE NOT is_read AND NOT is_deleted;

CREATE TRIGGER notifications_set_updated_at BEFORE UPDATE ON notifications
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
