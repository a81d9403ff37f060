-- The sales process: pipelines with their stages and lost reasons,
-- opportunities (deals) and their histories. Same conventions as
-- 0001_customers.sql; amounts are DECIMAL(20,4) (NULL for the zero Money)
-- beside their currency, and a close date is a DATETIME(6) holding
-- midnight UTC of the date, as customers.birth_date is.

CREATE TABLE IF NOT EXISTS pipelines (
    id         VARCHAR(255) NOT NULL,
    name       VARCHAR(500) NOT NULL DEFAULT '',
    created_at DATETIME(6)  NULL,
    created_by VARCHAR(255) NOT NULL DEFAULT '',
    updated_at DATETIME(6)  NULL,
    updated_by VARCHAR(255) NOT NULL DEFAULT '',
    version    BIGINT       NOT NULL,
    PRIMARY KEY (id)
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4
  COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */;

-- A pipeline's stages in their order. requires holds the names of the
-- fields a deal needs to enter the stage, separated by single spaces
-- ('' for none), such as 'amount close_date'.
CREATE TABLE IF NOT EXISTS pipeline_stages (
    pipeline_id VARCHAR(255)  NOT NULL,
    position    INT           NOT NULL,
    stage_key   VARCHAR(255)  NOT NULL,
    name        VARCHAR(500)  NOT NULL DEFAULT '',
    probability INT           NOT NULL DEFAULT 0,
    category    VARCHAR(64)   NOT NULL DEFAULT '',
    requires    VARCHAR(1000) NOT NULL DEFAULT '',
    PRIMARY KEY (pipeline_id, position),
    CONSTRAINT pipeline_stages_pipeline FOREIGN KEY (pipeline_id)
        REFERENCES pipelines (id) ON DELETE CASCADE
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4
  COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */;

CREATE TABLE IF NOT EXISTS pipeline_lost_reasons (
    pipeline_id VARCHAR(255) NOT NULL,
    position    INT          NOT NULL,
    reason      VARCHAR(255) NOT NULL,
    PRIMARY KEY (pipeline_id, position),
    CONSTRAINT pipeline_lost_reasons_pipeline FOREIGN KEY (pipeline_id)
        REFERENCES pipelines (id) ON DELETE CASCADE
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4
  COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */;

-- contact_id and lead_id have no foreign key: they are '' when the deal
-- has no contact or came from no lead.
CREATE TABLE IF NOT EXISTS opportunities (
    id               VARCHAR(255)   NOT NULL,
    name             VARCHAR(500)   NOT NULL DEFAULT '',
    customer_id      VARCHAR(255)   NOT NULL,
    contact_id       VARCHAR(255)   NOT NULL DEFAULT '',
    lead_id          VARCHAR(255)   NOT NULL DEFAULT '',
    pipeline_id      VARCHAR(255)   NOT NULL,
    stage            VARCHAR(255)   NOT NULL DEFAULT '',
    status           VARCHAR(64)    NOT NULL DEFAULT '',
    amount           DECIMAL(20, 4) NULL,
    amount_currency  VARCHAR(16)    NOT NULL DEFAULT '',
    probability      INT            NOT NULL DEFAULT 0,
    close_date       DATETIME(6)    NULL,
    owner_id         VARCHAR(255)   NOT NULL DEFAULT '',
    lost_reason      VARCHAR(255)   NOT NULL DEFAULT '',
    next_step        VARCHAR(1000)  NOT NULL DEFAULT '',
    stage_entered_at DATETIME(6)    NULL,
    closed_at        DATETIME(6)    NULL,
    created_at       DATETIME(6)    NULL,
    created_by       VARCHAR(255)   NOT NULL DEFAULT '',
    updated_at       DATETIME(6)    NULL,
    updated_by       VARCHAR(255)   NOT NULL DEFAULT '',
    version          BIGINT         NOT NULL,
    PRIMARY KEY (id),
    -- One index per filter of OpportunityFilter. Those ending in id serve
    -- "WHERE x IN (...) AND id > cursor ORDER BY id" in index order; the
    -- customer's and the pipeline's are the foreign keys' indexes too.
    INDEX opportunities_customer_id (customer_id, id),
    INDEX opportunities_pipeline_id (pipeline_id, id),
    INDEX opportunities_owner_id    (owner_id, id),
    INDEX opportunities_stage       (stage, id),
    INDEX opportunities_status      (status, id),
    INDEX opportunities_close_date  (close_date),
    CONSTRAINT opportunities_customer FOREIGN KEY (customer_id)
        REFERENCES customers (id),
    CONSTRAINT opportunities_pipeline FOREIGN KEY (pipeline_id)
        REFERENCES pipelines (id)
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4
  COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */;

-- A deal's history: its values after each change, one row per version
-- of the deal that made one. The key orders a history as it is listed.
CREATE TABLE IF NOT EXISTS opportunity_changes (
    opportunity_id  VARCHAR(255)   NOT NULL,
    version         BIGINT         NOT NULL,
    changed_at      DATETIME(6)    NULL,
    changed_by      VARCHAR(255)   NOT NULL DEFAULT '',
    from_stage      VARCHAR(255)   NOT NULL DEFAULT '',
    to_stage        VARCHAR(255)   NOT NULL DEFAULT '',
    status          VARCHAR(64)    NOT NULL DEFAULT '',
    amount          DECIMAL(20, 4) NULL,
    amount_currency VARCHAR(16)    NOT NULL DEFAULT '',
    probability     INT            NOT NULL DEFAULT 0,
    close_date      DATETIME(6)    NULL,
    owner_id        VARCHAR(255)   NOT NULL DEFAULT '',
    PRIMARY KEY (opportunity_id, version),
    CONSTRAINT opportunity_changes_opportunity FOREIGN KEY (opportunity_id)
        REFERENCES opportunities (id) ON DELETE CASCADE
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4
  COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */;
