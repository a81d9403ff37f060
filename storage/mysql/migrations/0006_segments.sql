-- Saved segments and snapshots of their members. Same conventions as
-- 0001_customers.sql. A segment's rule is kept in its text form
-- (crm.Condition.String), which crm.ParseCondition reads back; it may be
-- up to 64 KiB, hence MEDIUMTEXT. A snapshot's members are one row each,
-- so that a snapshot is written and read page by page; customer_id has no
-- foreign key, a snapshot being a record of the past.

CREATE TABLE IF NOT EXISTS segments (
    id          VARCHAR(255)  NOT NULL,
    name        VARCHAR(500)  NOT NULL DEFAULT '',
    description VARCHAR(2000) NOT NULL DEFAULT '',
    rule        MEDIUMTEXT    NOT NULL,
    created_at  DATETIME(6)   NULL,
    created_by  VARCHAR(255)  NOT NULL DEFAULT '',
    updated_at  DATETIME(6)   NULL,
    updated_by  VARCHAR(255)  NOT NULL DEFAULT '',
    version     BIGINT        NOT NULL,
    PRIMARY KEY (id)
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4
  COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */;

CREATE TABLE IF NOT EXISTS segment_snapshots (
    id              VARCHAR(255) NOT NULL,
    segment_id      VARCHAR(255) NOT NULL,
    segment_version BIGINT       NOT NULL,
    members         BIGINT       NOT NULL DEFAULT 0,
    taken_at        DATETIME(6)  NULL,
    taken_by        VARCHAR(255) NOT NULL DEFAULT '',
    PRIMARY KEY (id),
    -- The latest snapshot of a segment; also the foreign key's index.
    INDEX segment_snapshots_latest (segment_id, taken_at, id),
    CONSTRAINT segment_snapshots_segment FOREIGN KEY (segment_id)
        REFERENCES segments (id)
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4
  COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */;

CREATE TABLE IF NOT EXISTS segment_snapshot_members (
    snapshot_id VARCHAR(255) NOT NULL,
    customer_id VARCHAR(255) NOT NULL,
    PRIMARY KEY (snapshot_id, customer_id),
    CONSTRAINT segment_snapshot_members_snapshot FOREIGN KEY (snapshot_id)
        REFERENCES segment_snapshots (id) ON DELETE CASCADE
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4
  COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */;
