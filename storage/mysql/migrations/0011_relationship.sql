-- Relationship management: interactions (calls, emails, meetings, visits
-- and messages logged against a customer), contact claims (the guard
-- against two members of staff reaching out to one customer at once),
-- tasks (the follow-ups of an account manager's plan), the ownership
-- history of customers, leads, opportunities and cases, and a
-- customer's time zone. Same conventions as 0001_customers.sql and
-- 0009_cases.sql: text NOT NULL and '' when empty, times DATETIME(6) in
-- UTC and NULL when zero, foreign keys as table constraints.
--
-- contact_id, opportunity_id and case_id have no foreign keys: they are
-- '' when the record names none. A customer's claims are numbered by seq,
-- and the unique index on (customer_id, seq) is what lets only one of two
-- concurrent claims through. A task's source is NULL when it has none,
-- so that the unique index on source keeps one task per source and
-- leaves the tasks with no source out. The ownership history has no
-- foreign key to the record it names: an entry outlives it, and its
-- customer_id is '' for a lead not converted.
--
-- MySQL has no ADD COLUMN IF NOT EXISTS (MariaDB has), so the column is
-- added only when information_schema lacks it, and the tables are
-- CREATE TABLE IF NOT EXISTS: a migration run again over its own work
-- must finish.
SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE customers ADD COLUMN time_zone VARCHAR(64) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'customers' AND column_name = 'time_zone');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

CREATE TABLE IF NOT EXISTS interactions (
    id             VARCHAR(255) NOT NULL,
    customer_id    VARCHAR(255) NOT NULL,
    contact_id     VARCHAR(255) NOT NULL DEFAULT '',
    opportunity_id VARCHAR(255) NOT NULL DEFAULT '',
    case_id        VARCHAR(255) NOT NULL DEFAULT '',
    channel        VARCHAR(64)  NOT NULL DEFAULT '',
    direction      VARCHAR(64)  NOT NULL DEFAULT '',
    occurred_at    DATETIME(6)  NULL,
    actor_id       VARCHAR(255) NOT NULL DEFAULT '',
    subject        VARCHAR(255) NOT NULL DEFAULT '',
    summary        TEXT         NOT NULL,
    outcome        VARCHAR(255) NOT NULL DEFAULT '',
    created_at     DATETIME(6)  NULL,
    created_by     VARCHAR(255) NOT NULL DEFAULT '',
    updated_at     DATETIME(6)  NULL,
    updated_by     VARCHAR(255) NOT NULL DEFAULT '',
    version        BIGINT       NOT NULL,
    PRIMARY KEY (id),
    -- One index per filter of InteractionFilter; the customer's serves
    -- the foreign key too, and interactions_last finds a customer's
    -- latest interaction (LastContacts) in one step.
    INDEX interactions_customer_id    (customer_id, id),
    INDEX interactions_last           (customer_id, occurred_at, id),
    INDEX interactions_actor_id       (actor_id, id),
    INDEX interactions_channel        (channel, id),
    INDEX interactions_opportunity_id (opportunity_id, id),
    INDEX interactions_case_id        (case_id, id),
    INDEX interactions_occurred_at    (occurred_at),
    CONSTRAINT interactions_customer FOREIGN KEY (customer_id)
        REFERENCES customers (id)
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4
  COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */;

CREATE TABLE IF NOT EXISTS contact_claims (
    id          VARCHAR(255)  NOT NULL,
    customer_id VARCHAR(255)  NOT NULL,
    seq         BIGINT        NOT NULL,
    actor_id    VARCHAR(255)  NOT NULL DEFAULT '',
    channel     VARCHAR(64)   NOT NULL DEFAULT '',
    claimed_at  DATETIME(6)   NULL,
    expires_at  DATETIME(6)   NULL,
    override    BOOLEAN       NOT NULL DEFAULT FALSE,
    overridden  TEXT          NOT NULL,
    reason      VARCHAR(1000) NOT NULL DEFAULT '',
    PRIMARY KEY (id),
    -- The unique key serves the foreign key and LastContactClaim too.
    UNIQUE INDEX contact_claims_customer_seq (customer_id, seq),
    INDEX contact_claims_customer_id         (customer_id, id),
    INDEX contact_claims_actor_id            (actor_id, id),
    INDEX contact_claims_override            (override, id),
    INDEX contact_claims_claimed_at          (claimed_at),
    CONSTRAINT contact_claims_customer FOREIGN KEY (customer_id)
        REFERENCES customers (id)
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4
  COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */;

CREATE TABLE IF NOT EXISTS tasks (
    id             VARCHAR(255) NOT NULL,
    customer_id    VARCHAR(255) NOT NULL,
    contact_id     VARCHAR(255) NOT NULL DEFAULT '',
    opportunity_id VARCHAR(255) NOT NULL DEFAULT '',
    case_id        VARCHAR(255) NOT NULL DEFAULT '',
    kind           VARCHAR(64)  NOT NULL DEFAULT '',
    title          VARCHAR(255) NOT NULL DEFAULT '',
    notes          TEXT         NOT NULL,
    owner_id       VARCHAR(255) NOT NULL DEFAULT '',
    priority       VARCHAR(64)  NOT NULL DEFAULT '',
    status         VARCHAR(64)  NOT NULL DEFAULT '',
    due_at         DATETIME(6)  NULL,
    done_at        DATETIME(6)  NULL,
    source         VARCHAR(255) NULL,
    created_at     DATETIME(6)  NULL,
    created_by     VARCHAR(255) NOT NULL DEFAULT '',
    updated_at     DATETIME(6)  NULL,
    updated_by     VARCHAR(255) NOT NULL DEFAULT '',
    version        BIGINT       NOT NULL,
    PRIMARY KEY (id),
    -- One index per filter of TaskFilter; the customer's serves the
    -- foreign key too.
    INDEX tasks_customer_id    (customer_id, id),
    UNIQUE INDEX tasks_source  (source),
    INDEX tasks_kind           (kind, id),
    INDEX tasks_status         (status, id),
    INDEX tasks_due_at         (due_at),
    INDEX tasks_done_at        (done_at),
    -- An owner's tasks, and their agenda: the tasks of an owner in a
    -- status, due or done in a span.
    INDEX tasks_owner_due      (owner_id, status, due_at),
    INDEX tasks_owner_done     (owner_id, status, done_at),
    CONSTRAINT tasks_customer FOREIGN KEY (customer_id)
        REFERENCES customers (id)
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4
  COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */;

CREATE TABLE IF NOT EXISTS owner_changes (
    id          VARCHAR(255)  NOT NULL,
    entity      VARCHAR(64)   NOT NULL DEFAULT '',
    entity_id   VARCHAR(255)  NOT NULL DEFAULT '',
    customer_id VARCHAR(255)  NOT NULL DEFAULT '',
    from_owner  VARCHAR(255)  NOT NULL DEFAULT '',
    to_owner    VARCHAR(255)  NOT NULL DEFAULT '',
    changed_at  DATETIME(6)   NULL,
    changed_by  VARCHAR(255)  NOT NULL DEFAULT '',
    reason      VARCHAR(1000) NOT NULL DEFAULT '',
    PRIMARY KEY (id),
    -- One index per filter of OwnerChangeFilter; an owner matches either
    -- side of a change, one index each.
    INDEX owner_changes_entity      (entity, entity_id, id),
    INDEX owner_changes_entity_id   (entity_id, id),
    INDEX owner_changes_customer_id (customer_id, id),
    INDEX owner_changes_from_owner  (from_owner, id),
    INDEX owner_changes_to_owner    (to_owner, id),
    INDEX owner_changes_changed_at  (changed_at)
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4
  COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */;
