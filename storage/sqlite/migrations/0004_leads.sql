-- Leads. Same conventions as 0001_customers.sql. behaviours holds the
-- behaviour counts as "kind:count" pairs in ascending order of kind,
-- separated by single spaces ('' for none), such as
-- 'demo_request:1 email_open:3'. customer_id, contact_id and
-- opportunity_id have no foreign key: they are '' until the lead is
-- converted, and the Client checks them when it converts.

CREATE TABLE leads (
    id                  TEXT    NOT NULL PRIMARY KEY,
    name                TEXT    NOT NULL DEFAULT '',
    company             TEXT    NOT NULL DEFAULT '',
    title               TEXT    NOT NULL DEFAULT '',
    email               TEXT    NOT NULL DEFAULT '',
    phone               TEXT    NOT NULL DEFAULT '',
    source              TEXT    NOT NULL DEFAULT '',
    status              TEXT    NOT NULL DEFAULT '',
    owner_id            TEXT    NOT NULL DEFAULT '',
    score               INTEGER NOT NULL DEFAULT 0,
    industry            TEXT    NOT NULL DEFAULT '',
    region              TEXT    NOT NULL DEFAULT '',
    behaviours          TEXT    NOT NULL DEFAULT '',
    disqualified_reason TEXT    NOT NULL DEFAULT '',
    converted_at        TEXT,
    customer_id         TEXT    NOT NULL DEFAULT '',
    contact_id          TEXT    NOT NULL DEFAULT '',
    opportunity_id      TEXT    NOT NULL DEFAULT '',
    created_at          TEXT,
    created_by          TEXT    NOT NULL DEFAULT '',
    updated_at          TEXT,
    updated_by          TEXT    NOT NULL DEFAULT '',
    version             INTEGER NOT NULL
) STRICT;

-- One index per filter of LeadFilter, serving "WHERE x IN (...) AND id >
-- cursor ORDER BY id" in index order; the customer's also serves merges.
CREATE INDEX leads_status      ON leads (status, id);
CREATE INDEX leads_owner_id    ON leads (owner_id, id);
CREATE INDEX leads_source      ON leads (source, id);
CREATE INDEX leads_customer_id ON leads (customer_id, id);
