-- "Your ticket was answered" mails: one row per CRM comment a customer was
-- mailed about, so a comment is mailed once however often (and on however
-- many instances) the detection job runs. The row is claimed before the
-- mail is queued and removed again if queueing fails.
CREATE TABLE ticket_comment_mails (
    comment_id text        PRIMARY KEY,          -- ModComments webservice id
    ticket_id  text        NOT NULL,             -- HelpDesk webservice id
    contact_id text        NOT NULL,
    email      text        NOT NULL,
    sent_at    timestamptz NOT NULL DEFAULT now()
);

-- Where the detection job has read up to: the createdtime (as Vtiger
-- writes it) of the newest comment seen. One row; empty until the first
-- run, which only records the newest existing comment, so that turning the
-- feature on never mails customers about old comments.
CREATE TABLE ticket_comment_watermark (
    id         smallint    PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    created    text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
