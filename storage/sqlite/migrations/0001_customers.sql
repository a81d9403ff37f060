-- Customers and their lists: emails, phones and tags.
--
-- Conventions (see the documentation of storage/sqlstore):
--   * text fields are NOT NULL and '' when empty;
--   * times are TEXT in UTC at microsecond precision, in the fixed-width
--     form 2006-01-02T15:04:05.000000Z, so that they sort and compare as
--     text; NULL when zero;
--   * money is an exact decimal kept as TEXT, never REAL;
--   * booleans are INTEGER 0 or 1;
--   * name_fold and address_fold are search keys the store writes: each
--     letter case-folded to one representative, searched by prefix.
-- Tables are STRICT, so SQLite never converts a value to another type.

CREATE TABLE customers (
    id                    TEXT    NOT NULL PRIMARY KEY,
    kind                  TEXT    NOT NULL DEFAULT '',
    name                  TEXT    NOT NULL DEFAULT '',
    name_fold             TEXT    NOT NULL DEFAULT '',
    industry              TEXT    NOT NULL DEFAULT '',
    region                TEXT    NOT NULL DEFAULT '',
    size                  TEXT    NOT NULL DEFAULT '',
    stage                 TEXT    NOT NULL DEFAULT '',
    owner_id              TEXT    NOT NULL DEFAULT '',
    tax_id                TEXT    NOT NULL DEFAULT '',
    credit_rating         TEXT    NOT NULL DEFAULT '',
    credit_limit_amount   TEXT,
    credit_limit_currency TEXT    NOT NULL DEFAULT '',
    risk_level            TEXT    NOT NULL DEFAULT '',
    birth_date            TEXT,
    consent_email_granted INTEGER NOT NULL DEFAULT 0 CHECK (consent_email_granted IN (0, 1)),
    consent_email_at      TEXT,
    consent_phone_granted INTEGER NOT NULL DEFAULT 0 CHECK (consent_phone_granted IN (0, 1)),
    consent_phone_at      TEXT,
    consent_sms_granted   INTEGER NOT NULL DEFAULT 0 CHECK (consent_sms_granted IN (0, 1)),
    consent_sms_at        TEXT,
    consent_post_granted  INTEGER NOT NULL DEFAULT 0 CHECK (consent_post_granted IN (0, 1)),
    consent_post_at       TEXT,
    do_not_contact        INTEGER NOT NULL DEFAULT 0 CHECK (do_not_contact IN (0, 1)),
    source                TEXT    NOT NULL DEFAULT '',
    address_street        TEXT    NOT NULL DEFAULT '',
    address_city          TEXT    NOT NULL DEFAULT '',
    address_postal_code   TEXT    NOT NULL DEFAULT '',
    address_state         TEXT    NOT NULL DEFAULT '',
    address_country       TEXT    NOT NULL DEFAULT '',
    custom                TEXT    CHECK (custom IS NULL OR json_valid(custom)),
    archived_at           TEXT,
    merged_into           TEXT    NOT NULL DEFAULT '',
    created_at            TEXT,
    created_by            TEXT    NOT NULL DEFAULT '',
    updated_at            TEXT,
    updated_by            TEXT    NOT NULL DEFAULT '',
    version               INTEGER NOT NULL
) STRICT;

-- One index per filter of CustomerFilter. Those ending in id serve
-- "WHERE x IN (...) AND id > cursor ORDER BY id" in index order.
CREATE INDEX customers_owner_id   ON customers (owner_id, id);
CREATE INDEX customers_stage      ON customers (stage, id);
CREATE INDEX customers_industry   ON customers (industry, id);
CREATE INDEX customers_region     ON customers (region, id);
CREATE INDEX customers_kind       ON customers (kind, id);
CREATE INDEX customers_updated_at ON customers (updated_at);
CREATE INDEX customers_tax_id     ON customers (tax_id);
CREATE INDEX customers_name_fold  ON customers (name_fold);

CREATE TABLE customer_emails (
    customer_id  TEXT    NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    address      TEXT    NOT NULL,
    address_fold TEXT    NOT NULL,
    label        TEXT    NOT NULL DEFAULT '',
    is_primary   INTEGER NOT NULL DEFAULT 0 CHECK (is_primary IN (0, 1)),
    PRIMARY KEY (customer_id, position)
) STRICT, WITHOUT ROWID;

CREATE INDEX customer_emails_address      ON customer_emails (address);
CREATE INDEX customer_emails_address_fold ON customer_emails (address_fold);

CREATE TABLE customer_phones (
    customer_id TEXT    NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    number      TEXT    NOT NULL,
    label       TEXT    NOT NULL DEFAULT '',
    is_primary  INTEGER NOT NULL DEFAULT 0 CHECK (is_primary IN (0, 1)),
    PRIMARY KEY (customer_id, position)
) STRICT, WITHOUT ROWID;

CREATE INDEX customer_phones_number ON customer_phones (number);

CREATE TABLE customer_tags (
    customer_id TEXT    NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    tag         TEXT    NOT NULL,
    PRIMARY KEY (customer_id, position)
) STRICT, WITHOUT ROWID;

CREATE INDEX customer_tags_tag ON customer_tags (tag, customer_id);
