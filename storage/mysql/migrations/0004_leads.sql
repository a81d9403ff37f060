-- Leads. Same conventions as 0001_customers.sql. behaviours holds the
-- behaviour counts as "kind:count" pairs in ascending order of kind,
-- separated by single spaces ('' for none), such as
-- 'demo_request:1 email_open:3'. customer_id, contact_id and
-- opportunity_id have no foreign key: they are '' until the lead is
-- converted, and the Client checks them when it converts.

CREATE TABLE IF NOT EXISTS leads (
    id                  VARCHAR(255)  NOT NULL,
    name                VARCHAR(500)  NOT NULL DEFAULT '',
    company             VARCHAR(500)  NOT NULL DEFAULT '',
    title               VARCHAR(500)  NOT NULL DEFAULT '',
    email               VARCHAR(500)  NOT NULL DEFAULT '',
    phone               VARCHAR(64)   NOT NULL DEFAULT '',
    source              VARCHAR(255)  NOT NULL DEFAULT '',
    status              VARCHAR(64)   NOT NULL DEFAULT '',
    owner_id            VARCHAR(255)  NOT NULL DEFAULT '',
    score               INT           NOT NULL DEFAULT 0,
    industry            VARCHAR(500)  NOT NULL DEFAULT '',
    region              VARCHAR(500)  NOT NULL DEFAULT '',
    behaviours          VARCHAR(2000) NOT NULL DEFAULT '',
    disqualified_reason VARCHAR(1000) NOT NULL DEFAULT '',
    converted_at        DATETIME(6)   NULL,
    customer_id         VARCHAR(255)  NOT NULL DEFAULT '',
    contact_id          VARCHAR(255)  NOT NULL DEFAULT '',
    opportunity_id      VARCHAR(255)  NOT NULL DEFAULT '',
    created_at          DATETIME(6)   NULL,
    created_by          VARCHAR(255)  NOT NULL DEFAULT '',
    updated_at          DATETIME(6)   NULL,
    updated_by          VARCHAR(255)  NOT NULL DEFAULT '',
    version             BIGINT        NOT NULL,
    PRIMARY KEY (id),
    -- One index per filter of LeadFilter, serving "WHERE x IN (...) AND
    -- id > cursor ORDER BY id" in index order; the customer's also serves
    -- merges.
    INDEX leads_status      (status, id),
    INDEX leads_owner_id    (owner_id, id),
    INDEX leads_source      (source, id),
    INDEX leads_customer_id (customer_id, id)
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4
  COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */;
