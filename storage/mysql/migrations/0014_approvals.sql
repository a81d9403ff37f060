-- Approval requests: sensitive operations held for a second actor
-- (crm.WithApprovals). Same conventions as 0001_customers.sql: times
-- DATETIME(6) in UTC, binary collation. operation is the operation as
-- JSON, kept as LONGTEXT. No foreign key to customers: a request
-- outlives the customer it named (an archived or merged one). CREATE
-- TABLE IF NOT EXISTS, so that a migration run again over its own work
-- finishes (DDL commits implicitly here).

CREATE TABLE IF NOT EXISTS approval_requests (
    id           VARCHAR(255)  NOT NULL,
    kind         VARCHAR(64)   NOT NULL,
    customer_id  VARCHAR(255)  NOT NULL DEFAULT '',
    operation    LONGTEXT      NOT NULL,
    status       VARCHAR(64)   NOT NULL,
    requested_by VARCHAR(255)  NOT NULL DEFAULT '',
    requested_at DATETIME(6)   NULL,
    expires_at   DATETIME(6)   NULL,
    decided_by   VARCHAR(255)  NOT NULL DEFAULT '',
    decided_at   DATETIME(6)   NULL,
    comment      VARCHAR(2000) NOT NULL DEFAULT '',
    version      BIGINT        NOT NULL,
    PRIMARY KEY (id),
    -- One index per filter of ApprovalFilter.
    INDEX approval_requests_customer_id  (customer_id, id),
    INDEX approval_requests_status       (status, id),
    INDEX approval_requests_kind         (kind, id),
    INDEX approval_requests_requested_by (requested_by, id)
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4
  COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */;
