-- The audit history and the event outbox (crm.WithAudit, crm.WithEvents),
-- and the checkpoints of event consumers. Same conventions as
-- 0001_customers.sql: IDs COLLATE "C", times TIMESTAMPTZ.
--
-- log_heads holds one row per log, with the last Seq handed out and, for
-- the audit log, the hash of its last entry. An append updates the row
-- first, so appenders wait for each other's commits and number entries
-- in commit order (no sequence: its numbers are handed out before commit,
-- out of commit order). changes and data are JSON kept as TEXT, byte for
-- byte as the library wrote them (jsonb would rewrite them): the audit
-- hashes cover those bytes.

CREATE TABLE log_heads (
    name TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    seq  BIGINT           NOT NULL,
    hash TEXT             NOT NULL DEFAULT ''
);

INSERT INTO log_heads (name, seq, hash) VALUES ('audit', 0, ''), ('events', 0, '');

CREATE TABLE audit_log (
    seq       BIGINT           NOT NULL PRIMARY KEY,
    at        TIMESTAMPTZ,
    actor_id  TEXT COLLATE "C" NOT NULL DEFAULT '',
    entity    TEXT COLLATE "C" NOT NULL,
    entity_id TEXT COLLATE "C" NOT NULL,
    action    TEXT             NOT NULL,
    changes   TEXT             NOT NULL,
    prev_hash TEXT             NOT NULL DEFAULT '',
    hash      TEXT             NOT NULL
);

-- A record's history (Client.History), in order.
CREATE INDEX audit_log_record ON audit_log (entity, entity_id, seq);

CREATE TABLE events (
    seq       BIGINT           NOT NULL PRIMARY KEY,
    type      TEXT             NOT NULL,
    at        TIMESTAMPTZ,
    actor_id  TEXT COLLATE "C" NOT NULL DEFAULT '',
    entity    TEXT COLLATE "C" NOT NULL,
    entity_id TEXT COLLATE "C" NOT NULL,
    data      TEXT             NOT NULL
);

CREATE TABLE event_checkpoints (
    consumer TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    seq      BIGINT           NOT NULL
);
