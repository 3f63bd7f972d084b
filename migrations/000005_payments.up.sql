-- status codes (kept from the earlier backend, the frontend shows them via
-- payments.status.<n>): 0 pending, 1 succeeded, 2 cancelled, 3 processing,
-- 4 requires_action, 5 requires_capture, 6 requires_confirmation,
-- 7 requires_payment_method, 8 created, 9 failed.
CREATE TABLE payments (
    id                bigserial   PRIMARY KEY,
    stripe_payment_id text        NOT NULL,
    user_id           bigint      REFERENCES users (id) ON DELETE SET NULL,
    contact_id        text        NOT NULL DEFAULT '',
    account_id        text        NOT NULL DEFAULT '',
    parent_id         text        NOT NULL,          -- Invoice or SalesOrder webservice id
    parent_module     text        NOT NULL DEFAULT '',
    amount_minor      bigint      NOT NULL,
    currency          text        NOT NULL,
    payment_method    text        NOT NULL DEFAULT 'card',
    status            integer     NOT NULL DEFAULT 0,
    crm_synced        boolean     NOT NULL DEFAULT false, -- paid in Stripe and Vtiger updated
    crm_attempts      integer     NOT NULL DEFAULT 0,
    last_error        text        NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT payments_stripe_payment_id_key UNIQUE (stripe_payment_id),
    CONSTRAINT payments_status_range CHECK (status BETWEEN 0 AND 9),
    CONSTRAINT payments_amount_positive CHECK (amount_minor > 0)
);

CREATE INDEX payments_account_created_idx ON payments (account_id, created_at DESC);
CREATE INDEX payments_user_created_idx ON payments (user_id, created_at DESC);
-- The CRM retry job only ever looks at paid payments Vtiger has not heard of.
CREATE INDEX payments_crm_pending_idx ON payments (updated_at) WHERE status = 1 AND NOT crm_synced;

CREATE TRIGGER payments_set_updated_at BEFORE UPDATE ON payments
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Stripe webhook event ids already handled: Stripe retries deliveries.
CREATE TABLE stripe_events (
    id          text        PRIMARY KEY,
    type        text        NOT NULL DEFAULT '',
    received_at timestamptz NOT NULL DEFAULT now()
);
