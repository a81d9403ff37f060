-- Tenants: every table the store writes gets tenant_id, the tenant of
-- the record (crm.TenantFrom of the context it was written in; '' is a
-- tenant too, and the one of the rows written before this migration).
-- Every statement of the store names its tenant. IDs stay unique across
-- tenants (the primary keys on id are unchanged), so a child row can
-- only point at a parent of its own tenant, which the store checks before
-- it writes one.
--
-- The logs are per tenant: log_heads is keyed by (tenant_id, name),
-- audit_log and events are numbered per tenant, keyed by (tenant_id,
-- seq), and event_checkpoints by (tenant_id, consumer). The unique index
-- on tasks.source, the one business key that named no tenant-scoped
-- record, becomes (source, tenant_id). The indexes of a record's
-- history and events lead with tenant_id.
--
-- SQLite cannot change a primary key in place: the four log tables are
-- made anew and their rows copied. Same conventions as 0001_customers.sql.

ALTER TABLE customers ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE customer_emails ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE customer_phones ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE customer_tags ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE contact_emails ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE contact_phones ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE pipelines ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE pipeline_stages ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE pipeline_lost_reasons ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE opportunities ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE opportunity_changes ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE leads ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE order_lines ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE segments ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE segment_snapshots ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE segment_snapshot_members ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE surveys ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE responses ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE case_changes ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE interactions ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE contact_claims ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE owner_changes ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE approval_requests ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';

DROP INDEX tasks_source;
CREATE UNIQUE INDEX tasks_source ON tasks (source, tenant_id);

CREATE TABLE log_heads_new (
    tenant_id TEXT    NOT NULL DEFAULT '',
    name      TEXT    NOT NULL,
    seq       INTEGER NOT NULL,
    hash      TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, name)
) STRICT;
INSERT INTO log_heads_new (tenant_id, name, seq, hash) SELECT '', name, seq, hash FROM log_heads;
DROP TABLE log_heads;
ALTER TABLE log_heads_new RENAME TO log_heads;

CREATE TABLE audit_log_new (
    tenant_id TEXT    NOT NULL DEFAULT '',
    seq       INTEGER NOT NULL,
    at        TEXT,
    actor_id  TEXT    NOT NULL DEFAULT '',
    entity    TEXT    NOT NULL,
    entity_id TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    changes   TEXT    NOT NULL,
    prev_hash TEXT    NOT NULL DEFAULT '',
    hash      TEXT    NOT NULL,
    salt      TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, seq)
) STRICT;
INSERT INTO audit_log_new (tenant_id, seq, at, actor_id, entity, entity_id, action, changes, prev_hash, hash, salt)
    SELECT '', seq, at, actor_id, entity, entity_id, action, changes, prev_hash, hash, salt FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_new RENAME TO audit_log;
CREATE INDEX audit_log_record ON audit_log (tenant_id, entity, entity_id, seq);

CREATE TABLE events_new (
    tenant_id TEXT    NOT NULL DEFAULT '',
    seq       INTEGER NOT NULL,
    type      TEXT    NOT NULL,
    at        TEXT,
    actor_id  TEXT    NOT NULL DEFAULT '',
    entity    TEXT    NOT NULL,
    entity_id TEXT    NOT NULL,
    data      TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, seq)
) STRICT;
INSERT INTO events_new (tenant_id, seq, type, at, actor_id, entity, entity_id, data)
    SELECT '', seq, type, at, actor_id, entity, entity_id, data FROM events;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
CREATE INDEX events_record ON events (tenant_id, entity, entity_id);

CREATE TABLE event_checkpoints_new (
    tenant_id TEXT    NOT NULL DEFAULT '',
    consumer  TEXT    NOT NULL,
    seq       INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, consumer)
) STRICT;
INSERT INTO event_checkpoints_new (tenant_id, consumer, seq) SELECT '', consumer, seq FROM event_checkpoints;
DROP TABLE event_checkpoints;
ALTER TABLE event_checkpoints_new RENAME TO event_checkpoints;
