-- Service cases and their histories. Same conventions as
-- 0003_sales.sql. source is NULL when the case has none, so that the
-- unique index on (customer_id, source) keeps one case per source of a
-- customer and leaves the cases with no source out. The SLA facts have
-- columns of their own, for reports that need not replay histories: the
-- times of the first response, resolution and closing, the business time
-- each clock had counted then (first_response_time_ns,
-- resolution_time_ns, in nanoseconds), and the due time of each clock
-- (NULL when it cannot breach as things stand). Nothing here depends on
-- 0004 to 0008.

-- contact_id has no foreign key: it is '' when the case has no contact.
CREATE TABLE cases (
    id                     TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    customer_id            TEXT COLLATE "C" NOT NULL REFERENCES customers (id),
    contact_id             TEXT COLLATE "C" NOT NULL DEFAULT '',
    kind                   TEXT             NOT NULL DEFAULT '',
    priority               TEXT             NOT NULL DEFAULT '',
    status                 TEXT             NOT NULL DEFAULT '',
    subject                TEXT             NOT NULL DEFAULT '',
    description            TEXT             NOT NULL DEFAULT '',
    owner_id               TEXT COLLATE "C" NOT NULL DEFAULT '',
    channel                TEXT             NOT NULL DEFAULT '',
    source                 TEXT COLLATE "C",
    opened_at              TIMESTAMPTZ,
    status_changed_at      TIMESTAMPTZ,
    first_responded_at     TIMESTAMPTZ,
    resolved_at            TIMESTAMPTZ,
    closed_at              TIMESTAMPTZ,
    reopened               INTEGER          NOT NULL DEFAULT 0,
    first_response_time_ns BIGINT           NOT NULL DEFAULT 0,
    resolution_time_ns     BIGINT           NOT NULL DEFAULT 0,
    first_response_due     TIMESTAMPTZ,
    resolution_due         TIMESTAMPTZ,
    created_at             TIMESTAMPTZ,
    created_by             TEXT             NOT NULL DEFAULT '',
    updated_at             TIMESTAMPTZ,
    updated_by             TEXT             NOT NULL DEFAULT '',
    version                BIGINT           NOT NULL
);

-- One index per filter of CaseFilter; the customer's serves the foreign
-- key too, and the two due times serve the breach query (one OR side
-- each).
CREATE INDEX cases_customer_id            ON cases (customer_id, id);
CREATE UNIQUE INDEX cases_customer_source ON cases (customer_id, source);
CREATE INDEX cases_source                 ON cases (source, id);
CREATE INDEX cases_owner_id               ON cases (owner_id, id);
CREATE INDEX cases_kind                   ON cases (kind, id);
CREATE INDEX cases_priority               ON cases (priority, id);
CREATE INDEX cases_status                 ON cases (status, id);
CREATE INDEX cases_opened_at              ON cases (opened_at);
CREATE INDEX cases_resolved_at            ON cases (resolved_at);
CREATE INDEX cases_first_response_due     ON cases (first_response_due);
CREATE INDEX cases_resolution_due         ON cases (resolution_due);

-- A case's history: its values after each change, one row per version
-- of the case that made one. The key orders a history as it is listed.
CREATE TABLE case_changes (
    case_id     TEXT COLLATE "C" NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    version     BIGINT           NOT NULL,
    changed_at  TIMESTAMPTZ,
    changed_by  TEXT             NOT NULL DEFAULT '',
    from_status TEXT             NOT NULL DEFAULT '',
    to_status   TEXT             NOT NULL DEFAULT '',
    priority    TEXT             NOT NULL DEFAULT '',
    owner_id    TEXT             NOT NULL DEFAULT '',
    responded   BOOLEAN          NOT NULL DEFAULT FALSE,
    PRIMARY KEY (case_id, version)
);
