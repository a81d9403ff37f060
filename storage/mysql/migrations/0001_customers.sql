-- Customers and their lists: emails, phones and tags.
--
-- Conventions (see the documentation of storage/sqlstore and of this
-- package):
--   * every table is InnoDB (transactions, foreign keys, row locks) with
--     ROW_FORMAT=DYNAMIC, whose index keys may be 3072 bytes long;
--   * text is utf8mb4 (every Unicode character, emoji included) in a
--     binary NO PAD collation, chosen by the executable comments after
--     COLLATE= below: utf8mb4_nopad_bin on MariaDB, utf8mb4_0900_bin on
--     MySQL 8.0.17 and later. Text then compares byte by byte, case and
--     trailing spaces included, as Go compares strings: an ID 'a' differs
--     from 'a ', a filter matches exactly what CustomerFilter.Match
--     matches, and the prefix ranges of Search use the indexes;
--   * text fields are NOT NULL and '' when empty; the lengths are limits a
--     value longer than which is refused (crm.ErrInvalid), sized so that
--     every index key fits;
--   * times are DATETIME(6): UTC at microsecond precision, NULL when zero;
--   * money is DECIMAL(20,4), an exact decimal, never FLOAT or DOUBLE;
--   * booleans are BOOLEAN (TINYINT(1)) 0 or 1;
--   * name_fold and address_fold are search keys the store writes: each
--     letter case-folded to one representative, searched by prefix;
--   * custom fields are one JSON object whose values are all JSON strings,
--     so nothing in them is ever turned into a float;
--   * foreign keys are table constraints: MySQL ignores a REFERENCES
--     clause written on a column.
-- CREATE TABLE IF NOT EXISTS makes the file safe to run again: MySQL
-- commits each DDL statement on its own, so a migration that failed
-- halfway is finished by the next attempt rather than blocked by what
-- the failed one created.

CREATE TABLE IF NOT EXISTS customers (
    id                    VARCHAR(255)   NOT NULL,
    kind                  VARCHAR(64)    NOT NULL DEFAULT '',
    name                  VARCHAR(500)   NOT NULL DEFAULT '',
    name_fold             VARCHAR(500)   NOT NULL DEFAULT '',
    industry              VARCHAR(255)   NOT NULL DEFAULT '',
    region                VARCHAR(255)   NOT NULL DEFAULT '',
    size                  VARCHAR(64)    NOT NULL DEFAULT '',
    stage                 VARCHAR(64)    NOT NULL DEFAULT '',
    owner_id              VARCHAR(255)   NOT NULL DEFAULT '',
    tax_id                VARCHAR(255)   NOT NULL DEFAULT '',
    credit_rating         VARCHAR(64)    NOT NULL DEFAULT '',
    credit_limit_amount   DECIMAL(20, 4) NULL,
    credit_limit_currency VARCHAR(16)    NOT NULL DEFAULT '',
    risk_level            VARCHAR(64)    NOT NULL DEFAULT '',
    birth_date            DATETIME(6)    NULL,
    consent_email_granted BOOLEAN        NOT NULL DEFAULT FALSE,
    consent_email_at      DATETIME(6)    NULL,
    consent_phone_granted BOOLEAN        NOT NULL DEFAULT FALSE,
    consent_phone_at      DATETIME(6)    NULL,
    consent_sms_granted   BOOLEAN        NOT NULL DEFAULT FALSE,
    consent_sms_at        DATETIME(6)    NULL,
    consent_post_granted  BOOLEAN        NOT NULL DEFAULT FALSE,
    consent_post_at       DATETIME(6)    NULL,
    do_not_contact        BOOLEAN        NOT NULL DEFAULT FALSE,
    source                VARCHAR(255)   NOT NULL DEFAULT '',
    address_street        VARCHAR(1000)  NOT NULL DEFAULT '',
    address_city          VARCHAR(255)   NOT NULL DEFAULT '',
    address_postal_code   VARCHAR(64)    NOT NULL DEFAULT '',
    address_state         VARCHAR(255)   NOT NULL DEFAULT '',
    address_country       VARCHAR(255)   NOT NULL DEFAULT '',
    custom                JSON           NULL,
    archived_at           DATETIME(6)    NULL,
    merged_into           VARCHAR(255)   NOT NULL DEFAULT '',
    created_at            DATETIME(6)    NULL,
    created_by            VARCHAR(255)   NOT NULL DEFAULT '',
    updated_at            DATETIME(6)    NULL,
    updated_by            VARCHAR(255)   NOT NULL DEFAULT '',
    version               BIGINT         NOT NULL,
    PRIMARY KEY (id),
    -- One index per filter of CustomerFilter. Those ending in id serve
    -- "WHERE x IN (...) AND id > cursor ORDER BY id" in index order.
    INDEX customers_owner_id   (owner_id, id),
    INDEX customers_stage      (stage, id),
    INDEX customers_industry   (industry, id),
    INDEX customers_region     (region, id),
    INDEX customers_kind       (kind, id),
    INDEX customers_updated_at (updated_at),
    INDEX customers_tax_id     (tax_id),
    INDEX customers_name_fold  (name_fold)
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4
  COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */;

CREATE TABLE IF NOT EXISTS customer_emails (
    customer_id  VARCHAR(255) NOT NULL,
    position     INT          NOT NULL,
    address      VARCHAR(320) NOT NULL,
    address_fold VARCHAR(320) NOT NULL,
    label        VARCHAR(255) NOT NULL DEFAULT '',
    is_primary   BOOLEAN      NOT NULL DEFAULT FALSE,
    PRIMARY KEY (customer_id, position),
    INDEX customer_emails_address      (address),
    INDEX customer_emails_address_fold (address_fold),
    CONSTRAINT customer_emails_customer FOREIGN KEY (customer_id)
        REFERENCES customers (id) ON DELETE CASCADE
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4
  COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */;

CREATE TABLE IF NOT EXISTS customer_phones (
    customer_id VARCHAR(255) NOT NULL,
    position    INT          NOT NULL,
    number      VARCHAR(64)  NOT NULL,
    label       VARCHAR(255) NOT NULL DEFAULT '',
    is_primary  BOOLEAN      NOT NULL DEFAULT FALSE,
    PRIMARY KEY (customer_id, position),
    INDEX customer_phones_number (number),
    CONSTRAINT customer_phones_customer FOREIGN KEY (customer_id)
        REFERENCES customers (id) ON DELETE CASCADE
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4
  COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */;

CREATE TABLE IF NOT EXISTS customer_tags (
    customer_id VARCHAR(255) NOT NULL,
    position    INT          NOT NULL,
    tag         VARCHAR(255) NOT NULL,
    PRIMARY KEY (customer_id, position),
    INDEX customer_tags_tag (tag, customer_id),
    CONSTRAINT customer_tags_customer FOREIGN KEY (customer_id)
        REFERENCES customers (id) ON DELETE CASCADE
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4
  COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */;
