-- The audit history and the event outbox (crm.WithAudit, crm.WithEvents),
-- and the checkpoints of event consumers. Same conventions as
-- 0001_customers.sql: times DATETIME(6) in UTC, binary collation.
--
-- log_heads holds one row per log, with the last Seq handed out and, for
-- the audit log, the hash of its last entry. An append updates the row
-- first, so appenders wait for each other's commits and number entries
-- in commit order (no AUTO_INCREMENT: its numbers are handed out before
-- commit, out of commit order). changes and data are JSON kept as
-- LONGTEXT, byte for byte as the library wrote them: the audit hashes
-- cover those bytes. Tables are CREATE TABLE IF NOT EXISTS and the heads
-- INSERT IGNORE, so that a migration run again over its own work
-- finishes (DDL commits implicitly here).

CREATE TABLE IF NOT EXISTS log_heads (
    name VARCHAR(64)  NOT NULL,
    seq  BIGINT       NOT NULL,
    hash VARCHAR(128) NOT NULL DEFAULT '',
    PRIMARY KEY (name)
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4
  COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */;

INSERT IGNORE INTO log_heads (name, seq, hash) VALUES ('audit', 0, ''), ('events', 0, '');

CREATE TABLE IF NOT EXISTS audit_log (
    seq       BIGINT       NOT NULL,
    at        DATETIME(6)  NULL,
    actor_id  VARCHAR(255) NOT NULL DEFAULT '',
    entity    VARCHAR(64)  NOT NULL,
    entity_id VARCHAR(255) NOT NULL,
    action    VARCHAR(64)  NOT NULL,
    changes   LONGTEXT     NOT NULL,
    prev_hash VARCHAR(128) NOT NULL DEFAULT '',
    hash      VARCHAR(128) NOT NULL,
    PRIMARY KEY (seq),
    -- A record's history (Client.History), in order.
    INDEX audit_log_record (entity, entity_id, seq)
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4
  COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */;

CREATE TABLE IF NOT EXISTS events (
    seq       BIGINT       NOT NULL,
    type      VARCHAR(128) NOT NULL,
    at        DATETIME(6)  NULL,
    actor_id  VARCHAR(255) NOT NULL DEFAULT '',
    entity    VARCHAR(64)  NOT NULL,
    entity_id VARCHAR(255) NOT NULL,
    data      LONGTEXT     NOT NULL,
    PRIMARY KEY (seq)
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4
  COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */;

CREATE TABLE IF NOT EXISTS event_checkpoints (
    consumer VARCHAR(255) NOT NULL,
    seq      BIGINT       NOT NULL,
    PRIMARY KEY (consumer)
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4
  COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */;
