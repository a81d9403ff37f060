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
CREATE TABLE IF NOT EXISTS cases (
    id                     VARCHAR(255)  NOT NULL,
    customer_id            VARCHAR(255)  NOT NULL,
    contact_id             VARCHAR(255)  NOT NULL DEFAULT '',
    kind                   VARCHAR(64)   NOT NULL DEFAULT '',
    priority               VARCHAR(64)   NOT NULL DEFAULT '',
    status                 VARCHAR(64)   NOT NULL DEFAULT '',
    subject                VARCHAR(255)  NOT NULL DEFAULT '',
    description            TEXT          NOT NULL,
    owner_id               VARCHAR(255)  NOT NULL DEFAULT '',
    channel                VARCHAR(64)   NOT NULL DEFAULT '',
    source                 VARCHAR(255)  NULL,
    opened_at              DATETIME(6)   NULL,
    status_changed_at      DATETIME(6)   NULL,
    first_responded_at     DATETIME(6)   NULL,
    resolved_at            DATETIME(6)   NULL,
    closed_at              DATETIME(6)   NULL,
    reopened               INT           NOT NULL DEFAULT 0,
    first_response_time_ns BIGINT        NOT NULL DEFAULT 0,
    resolution_time_ns     BIGINT        NOT NULL DEFAULT 0,
    first_response_due     DATETIME(6)   NULL,
    resolution_due         DATETIME(6)   NULL,
    created_at             DATETIME(6)   NULL,
    created_by             VARCHAR(255)  NOT NULL DEFAULT '',
    updated_at             DATETIME(6)   NULL,
    updated_by             VARCHAR(255)  NOT NULL DEFAULT '',
    version                BIGINT        NOT NULL,
    PRIMARY KEY (id),
    -- One index per filter of CaseFilter; the customer's serves the
    -- foreign key too, and the two due times serve the breach query (one
    -- OR side each).
    INDEX cases_customer_id               (customer_id, id),
    UNIQUE INDEX cases_customer_source    (customer_id, source),
    INDEX cases_source                    (source, id),
    INDEX cases_owner_id                  (owner_id, id),
    INDEX cases_kind                      (kind, id),
    INDEX cases_priority                  (priority, id),
    INDEX cases_status                    (status, id),
    INDEX cases_opened_at                 (opened_at),
    INDEX cases_resolved_at               (resolved_at),
    INDEX cases_first_response_due        (first_response_due),
    INDEX cases_resolution_due            (resolution_due),
    CONSTRAINT cases_customer FOREIGN KEY (customer_id)
        REFERENCES customers (id)
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4
  COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */;

-- A case's history: its values after each change, one row per version
-- of the case that made one. The key orders a history as it is listed.
CREATE TABLE IF NOT EXISTS case_changes (
    case_id     VARCHAR(255) NOT NULL,
    version     BIGINT       NOT NULL,
    changed_at  DATETIME(6)  NULL,
    changed_by  VARCHAR(255) NOT NULL DEFAULT '',
    from_status VARCHAR(64)  NOT NULL DEFAULT '',
    to_status   VARCHAR(64)  NOT NULL DEFAULT '',
    priority    VARCHAR(64)  NOT NULL DEFAULT '',
    owner_id    VARCHAR(255) NOT NULL DEFAULT '',
    responded   BOOLEAN      NOT NULL DEFAULT FALSE,
    PRIMARY KEY (case_id, version),
    CONSTRAINT case_changes_case FOREIGN KEY (case_id)
        REFERENCES cases (id) ON DELETE CASCADE
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4
  COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */;
