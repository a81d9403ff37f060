-- Customers and their lists: emails, phones and tags.
--
-- Conventions (see the documentation of storage/sqlstore):
--   * text fields are NOT NULL and '' when empty;
--   * times are TIMESTAMPTZ (UTC, microsecond precision), NULL when zero;
--   * money is NUMERIC(20,4), an exact decimal, never a float; the store
--     reads it as text;
--   * custom fields are one JSONB object, each value
--     {"type": "number", "value": "12.50"}, NULL when there are none;
--   * ids, and the columns naming them, compare byte by byte
--     (COLLATE "C"), so that listings come in the order of Go's strings
--     whatever the database's locale, and keyset pages agree with it;
--   * name_fold and address_fold are search keys the store writes: each
--     letter case-folded to one representative, searched by prefix with
--     range conditions, which the "C" collation lets a plain B-tree
--     index serve.
-- No sequences, no extensions. (CockroachDB cannot yet create COLLATE "C"
-- columns; its strings compare bytewise anyway, so a schema for it would
-- leave the clause out.)

CREATE TABLE customers (
    id                    TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    kind                  TEXT             NOT NULL DEFAULT '',
    name                  TEXT             NOT NULL DEFAULT '',
    name_fold             TEXT COLLATE "C" NOT NULL DEFAULT '',
    industry              TEXT             NOT NULL DEFAULT '',
    region                TEXT             NOT NULL DEFAULT '',
    size                  TEXT             NOT NULL DEFAULT '',
    stage                 TEXT             NOT NULL DEFAULT '',
    owner_id              TEXT             NOT NULL DEFAULT '',
    tax_id                TEXT             NOT NULL DEFAULT '',
    credit_rating         TEXT             NOT NULL DEFAULT '',
    credit_limit_amount   NUMERIC(20,4),
    credit_limit_currency TEXT             NOT NULL DEFAULT '',
    risk_level            TEXT             NOT NULL DEFAULT '',
    birth_date            TIMESTAMPTZ,
    consent_email_granted BOOLEAN          NOT NULL DEFAULT FALSE,
    consent_email_at      TIMESTAMPTZ,
    consent_phone_granted BOOLEAN          NOT NULL DEFAULT FALSE,
    consent_phone_at      TIMESTAMPTZ,
    consent_sms_granted   BOOLEAN          NOT NULL DEFAULT FALSE,
    consent_sms_at        TIMESTAMPTZ,
    consent_post_granted  BOOLEAN          NOT NULL DEFAULT FALSE,
    consent_post_at       TIMESTAMPTZ,
    do_not_contact        BOOLEAN          NOT NULL DEFAULT FALSE,
    source                TEXT             NOT NULL DEFAULT '',
    address_street        TEXT             NOT NULL DEFAULT '',
    address_city          TEXT             NOT NULL DEFAULT '',
    address_postal_code   TEXT             NOT NULL DEFAULT '',
    address_state         TEXT             NOT NULL DEFAULT '',
    address_country       TEXT             NOT NULL DEFAULT '',
    custom                JSONB            CHECK (custom IS NULL OR jsonb_typeof(custom) = 'object'),
    archived_at           TIMESTAMPTZ,
    merged_into           TEXT COLLATE "C" NOT NULL DEFAULT '',
    created_at            TIMESTAMPTZ,
    created_by            TEXT             NOT NULL DEFAULT '',
    updated_at            TIMESTAMPTZ,
    updated_by            TEXT             NOT NULL DEFAULT '',
    version               BIGINT           NOT NULL
);

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
    customer_id  TEXT COLLATE "C" NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    position     INTEGER          NOT NULL,
    address      TEXT             NOT NULL,
    address_fold TEXT COLLATE "C" NOT NULL,
    label        TEXT             NOT NULL DEFAULT '',
    is_primary   BOOLEAN          NOT NULL DEFAULT FALSE,
    PRIMARY KEY (customer_id, position)
);

CREATE INDEX customer_emails_address      ON customer_emails (address);
CREATE INDEX customer_emails_address_fold ON customer_emails (address_fold);

CREATE TABLE customer_phones (
    customer_id TEXT COLLATE "C" NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    position    INTEGER          NOT NULL,
    number      TEXT             NOT NULL,
    label       TEXT             NOT NULL DEFAULT '',
    is_primary  BOOLEAN          NOT NULL DEFAULT FALSE,
    PRIMARY KEY (customer_id, position)
);

CREATE INDEX customer_phones_number ON customer_phones (number);

CREATE TABLE customer_tags (
    customer_id TEXT COLLATE "C" NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    position    INTEGER          NOT NULL,
    tag         TEXT             NOT NULL,
    PRIMARY KEY (customer_id, position)
);

CREATE INDEX customer_tags_tag ON customer_tags (tag, customer_id);
