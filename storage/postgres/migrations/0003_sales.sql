-- The sales process: pipelines with their stages and lost reasons,
-- opportunities (deals) and their histories. Same conventions as
-- 0001_customers.sql; amounts are NUMERIC(20,4) (NULL for the zero Money)
-- beside their currency, and a close date is a TIMESTAMPTZ holding
-- midnight UTC of the date, as customers.birth_date is.

CREATE TABLE pipelines (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    name       TEXT             NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ,
    created_by TEXT             NOT NULL DEFAULT '',
    updated_at TIMESTAMPTZ,
    updated_by TEXT             NOT NULL DEFAULT '',
    version    BIGINT           NOT NULL
);

-- A pipeline's stages in their order. requires holds the names of the
-- fields a deal needs to enter the stage, separated by single spaces
-- ('' for none), such as 'amount close_date'.
CREATE TABLE pipeline_stages (
    pipeline_id TEXT COLLATE "C" NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
    position    INTEGER          NOT NULL,
    stage_key   TEXT             NOT NULL,
    name        TEXT             NOT NULL DEFAULT '',
    probability INTEGER          NOT NULL DEFAULT 0,
    category    TEXT             NOT NULL DEFAULT '',
    requires    TEXT             NOT NULL DEFAULT '',
    PRIMARY KEY (pipeline_id, position)
);

CREATE TABLE pipeline_lost_reasons (
    pipeline_id TEXT COLLATE "C" NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
    position    INTEGER          NOT NULL,
    reason      TEXT             NOT NULL,
    PRIMARY KEY (pipeline_id, position)
);

-- contact_id and lead_id have no foreign key: they are '' when the deal
-- has no contact or came from no lead.
CREATE TABLE opportunities (
    id               TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    name             TEXT             NOT NULL DEFAULT '',
    customer_id      TEXT COLLATE "C" NOT NULL REFERENCES customers (id),
    contact_id       TEXT COLLATE "C" NOT NULL DEFAULT '',
    lead_id          TEXT COLLATE "C" NOT NULL DEFAULT '',
    pipeline_id      TEXT COLLATE "C" NOT NULL REFERENCES pipelines (id),
    stage            TEXT             NOT NULL DEFAULT '',
    status           TEXT             NOT NULL DEFAULT '',
    amount           NUMERIC(20,4),
    amount_currency  TEXT             NOT NULL DEFAULT '',
    probability      INTEGER          NOT NULL DEFAULT 0,
    close_date       TIMESTAMPTZ,
    owner_id         TEXT             NOT NULL DEFAULT '',
    lost_reason      TEXT             NOT NULL DEFAULT '',
    next_step        TEXT             NOT NULL DEFAULT '',
    stage_entered_at TIMESTAMPTZ,
    closed_at        TIMESTAMPTZ,
    created_at       TIMESTAMPTZ,
    created_by       TEXT             NOT NULL DEFAULT '',
    updated_at       TIMESTAMPTZ,
    updated_by       TEXT             NOT NULL DEFAULT '',
    version          BIGINT           NOT NULL
);

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
    opportunity_id  TEXT COLLATE "C" NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
    version         BIGINT           NOT NULL,
    changed_at      TIMESTAMPTZ,
    changed_by      TEXT             NOT NULL DEFAULT '',
    from_stage      TEXT             NOT NULL DEFAULT '',
    to_stage        TEXT             NOT NULL DEFAULT '',
    status          TEXT             NOT NULL DEFAULT '',
    amount          NUMERIC(20,4),
    amount_currency TEXT             NOT NULL DEFAULT '',
    probability     INTEGER          NOT NULL DEFAULT 0,
    close_date      TIMESTAMPTZ,
    owner_id        TEXT             NOT NULL DEFAULT '',
    PRIMARY KEY (opportunity_id, version)
);
