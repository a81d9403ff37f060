-- The sales process: pipelines with their stages and lost reasons,
-- opportunities (deals) and their histories. Same conventions as
-- 0001_customers.sql; amounts are exact decimals kept as TEXT (NULL for
-- the zero Money) beside their currency, and a close date is a time
-- column holding midnight UTC of the date, as customers.birth_date is.

CREATE TABLE pipelines (
    id         TEXT    NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL DEFAULT '',
    created_at TEXT,
    created_by TEXT    NOT NULL DEFAULT '',
    updated_at TEXT,
    updated_by TEXT    NOT NULL DEFAULT '',
    version    INTEGER NOT NULL
) STRICT;

-- A pipeline's stages in their order. requires holds the names of the
-- fields a deal needs to enter the stage, separated by single spaces
-- ('' for none), such as 'amount close_date'.
CREATE TABLE pipeline_stages (
    pipeline_id TEXT    NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    stage_key   TEXT    NOT NULL,
    name        TEXT    NOT NULL DEFAULT '',
    probability INTEGER NOT NULL DEFAULT 0,
    category    TEXT    NOT NULL DEFAULT '',
    requires    TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (pipeline_id, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE pipeline_lost_reasons (
    pipeline_id TEXT    NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    reason      TEXT    NOT NULL,
    PRIMARY KEY (pipeline_id, position)
) STRICT, WITHOUT ROWID;

-- contact_id and lead_id have no foreign key: they are '' when the deal
-- has no contact or came from no lead.
CREATE TABLE opportunities (
    id               TEXT    NOT NULL PRIMARY KEY,
    name             TEXT    NOT NULL DEFAULT '',
    customer_id      TEXT    NOT NULL REFERENCES customers (id),
    contact_id       TEXT    NOT NULL DEFAULT '',
    lead_id          TEXT    NOT NULL DEFAULT '',
    pipeline_id      TEXT    NOT NULL REFERENCES pipelines (id),
    stage            TEXT    NOT NULL DEFAULT '',
    status           TEXT    NOT NULL DEFAULT '',
    amount           TEXT,
    amount_currency  TEXT    NOT NULL DEFAULT '',
    probability      INTEGER NOT NULL DEFAULT 0,
    close_date       TEXT,
    owner_id         TEXT    NOT NULL DEFAULT '',
    lost_reason      TEXT    NOT NULL DEFAULT '',
    next_step        TEXT    NOT NULL DEFAULT '',
    stage_entered_at TEXT,
    closed_at        TEXT,
    created_at       TEXT,
    created_by       TEXT    NOT NULL DEFAULT '',
    updated_at       TEXT,
    updated_by       TEXT    NOT NULL DEFAULT '',
    version          INTEGER NOT NULL
) STRICT;

-- One index per filter of OpportunityFilter. Those ending in id serve
-- "WHERE x IN (...) AND id > cursor ORDER BY id" in index order; the
-- customer's and the pipeline's are the foreign keys' indexes too.
CREATE INDEX opportunities_customer_id ON opportunities (customer_id, id);
CREATE INDEX opportunities_pipeline_id ON opportunities (pipeline_id, id);
CREATE INDEX opportunities_owner_id    ON opportunities (owner_id, id);
CREATE INDEX opportunities_stage       ON opportunities (stage, id);
CREATE INDEX opportunities_status      ON opportunities (status, id);
CREATE INDEX opportunities_close_date  ON opportunities (close_date);

-- A deal's history: its values after each change, one row per version
-- of the deal that made one. The key orders a history as it is listed.
CREATE TABLE opportunity_changes (
    opportunity_id  TEXT    NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
    version         INTEGER NOT NULL,
    changed_at      TEXT,
    changed_by      TEXT    NOT NULL DEFAULT '',
    from_stage      TEXT    NOT NULL DEFAULT '',
    to_stage        TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL DEFAULT '',
    amount          TEXT,
    amount_currency TEXT    NOT NULL DEFAULT '',
    probability     INTEGER NOT NULL DEFAULT 0,
    close_date      TEXT,
    owner_id        TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (opportunity_id, version)
) STRICT, WITHOUT ROWID;
