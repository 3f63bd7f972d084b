-- Profile pictures uploaded through PUT /users/my. Stock Vtiger ignores the
-- image fields of a webservice revise, so the portal keeps the picture
-- itself, keyed by the Vtiger Contact id (colleagues are looked up by
-- contact, and a contact keeps its picture across portal re-registrations).
CREATE TABLE avatars (
    contact_id text        PRIMARY KEY CHECK (contact_id ~ '^[0-9]+x[0-9]+$'),
    name       text        NOT NULL,
    mime_type  text        NOT NULL CHECK (mime_type IN ('image/png', 'image/jpeg', 'image/gif', 'image/webp')),
    content    bytea       NOT NULL CHECK (octet_length(content) BETWEEN 1 AND 1048576),
    updated_at timestamptz NOT NULL DEFAULT now()
);
