-- The audit history and the event outbox (crm.WithAudit, crm.WithEvents),
-- and the checkpoints of event consumers. Same conventions as
-- 0001_customers.sql.
--
-- log_heads holds one row per log, with the last Seq handed out and, for
-- the audit log, the hash of its last entry. An append updates the row
-- first, so appenders wait for each other's commits and number entries
-- in commit order. changes and data are JSON kept as TEXT, byte for byte
-- as the library wrote them: the audit hashes cover those bytes.

CREATE TABLE log_heads (
    name TEXT    NOT NULL PRIMARY KEY,
    seq  INTEGER NOT NULL,
    hash TEXT    NOT NULL DEFAULT ''
) STRICT;

INSERT INTO log_heads (name, seq, hash) VALUES ('audit', 0, ''), ('events', 0, '');

CREATE TABLE audit_log (
    seq       INTEGER NOT NULL PRIMARY KEY,
    at        TEXT,
    actor_id  TEXT    NOT NULL DEFAULT '',
    entity    TEXT    NOT NULL,
    entity_id TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    changes   TEXT    NOT NULL,
    prev_hash TEXT    NOT NULL DEFAULT '',
    hash      TEXT    NOT NULL
) STRICT;

-- A record's history (Client.History), in order.
CREATE INDEX audit_log_record ON audit_log (entity, entity_id, seq);

CREATE TABLE events (
    seq       INTEGER NOT NULL PRIMARY KEY,
    type      TEXT    NOT NULL,
    at        TEXT,
    actor_id  TEXT    NOT NULL DEFAULT '',
    entity    TEXT    NOT NULL,
    entity_id TEXT    NOT NULL,
    data      TEXT    NOT NULL
) STRICT;

CREATE TABLE event_checkpoints (
    consumer TEXT    NOT NULL PRIMARY KEY,
    seq      INTEGER NOT NULL
) STRICT;
