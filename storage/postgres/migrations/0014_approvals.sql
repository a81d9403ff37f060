-- Approval requests: sensitive operations held for a second actor
-- (crm.WithApprovals). Same conventions as 0001_customers.sql: IDs
-- COLLATE "C", times TIMESTAMPTZ. operation is the operation as JSON,
-- kept as TEXT. No foreign key to customers: a request outlives the
-- customer it named (an archived or merged one).

CREATE TABLE approval_requests (
    id           TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    kind         TEXT COLLATE "C" NOT NULL,
    customer_id  TEXT COLLATE "C" NOT NULL DEFAULT '',
    operation    TEXT             NOT NULL,
    status       TEXT COLLATE "C" NOT NULL,
    requested_by TEXT COLLATE "C" NOT NULL DEFAULT '',
    requested_at TIMESTAMPTZ,
    expires_at   TIMESTAMPTZ,
    decided_by   TEXT COLLATE "C" NOT NULL DEFAULT '',
    decided_at   TIMESTAMPTZ,
    comment      TEXT             NOT NULL DEFAULT '',
    version      BIGINT           NOT NULL
);

-- One index per filter of ApprovalFilter.
CREATE INDEX approval_requests_customer_id  ON approval_requests (customer_id, id);
CREATE INDEX approval_requests_status       ON approval_requests (status, id);
CREATE INDEX approval_requests_kind         ON approval_requests (kind, id);
CREATE INDEX approval_requests_requested_by ON approval_requests (requested_by, id);
