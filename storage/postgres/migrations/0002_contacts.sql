-- Contacts, the people at organisation customers, and their emails and
-- phones. Same conventions as 0001_customers.sql.

CREATE TABLE contacts (
    id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    customer_id TEXT COLLATE "C" NOT NULL REFERENCES customers (id),
    name        TEXT             NOT NULL DEFAULT '',
    job_title   TEXT             NOT NULL DEFAULT '',
    role        TEXT             NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ,
    created_by  TEXT             NOT NULL DEFAULT '',
    updated_at  TIMESTAMPTZ,
    updated_by  TEXT             NOT NULL DEFAULT '',
    version     BIGINT           NOT NULL
);

-- ContactFilter.CustomerID, in ID order; also the foreign key's index.
CREATE INDEX contacts_customer_id ON contacts (customer_id, id);

CREATE TABLE contact_emails (
    contact_id TEXT COLLATE "C" NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    position   INTEGER          NOT NULL,
    address    TEXT             NOT NULL,
    label      TEXT             NOT NULL DEFAULT '',
    is_primary BOOLEAN          NOT NULL DEFAULT FALSE,
    PRIMARY KEY (contact_id, position)
);

CREATE TABLE contact_phones (
    contact_id TEXT COLLATE "C" NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    position   INTEGER          NOT NULL,
    number     TEXT             NOT NULL,
    label      TEXT             NOT NULL DEFAULT '',
    is_primary BOOLEAN          NOT NULL DEFAULT FALSE,
    PRIMARY KEY (contact_id, position)
);
