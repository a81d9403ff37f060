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
-- Same conventions as 0001_customers.sql: tenant_id COLLATE "C".

ALTER TABLE customers ADD COLUMN IF NOT EXISTS tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE customer_emails ADD COLUMN IF NOT EXISTS tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE customer_phones ADD COLUMN IF NOT EXISTS tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE customer_tags ADD COLUMN IF NOT EXISTS tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN IF NOT EXISTS tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE contact_emails ADD COLUMN IF NOT EXISTS tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE contact_phones ADD COLUMN IF NOT EXISTS tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE pipelines ADD COLUMN IF NOT EXISTS tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE pipeline_stages ADD COLUMN IF NOT EXISTS tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE pipeline_lost_reasons ADD COLUMN IF NOT EXISTS tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE opportunities ADD COLUMN IF NOT EXISTS tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE opportunity_changes ADD COLUMN IF NOT EXISTS tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE leads ADD COLUMN IF NOT EXISTS tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN IF NOT EXISTS tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE order_lines ADD COLUMN IF NOT EXISTS tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN IF NOT EXISTS tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE segments ADD COLUMN IF NOT EXISTS tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE segment_snapshots ADD COLUMN IF NOT EXISTS tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE segment_snapshot_members ADD COLUMN IF NOT EXISTS tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE surveys ADD COLUMN IF NOT EXISTS tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE responses ADD COLUMN IF NOT EXISTS tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN IF NOT EXISTS tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE case_changes ADD COLUMN IF NOT EXISTS tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE interactions ADD COLUMN IF NOT EXISTS tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE contact_claims ADD COLUMN IF NOT EXISTS tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN IF NOT EXISTS tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE owner_changes ADD COLUMN IF NOT EXISTS tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE approval_requests ADD COLUMN IF NOT EXISTS tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE log_heads ADD COLUMN IF NOT EXISTS tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN IF NOT EXISTS tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE event_checkpoints ADD COLUMN IF NOT EXISTS tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '';

ALTER TABLE log_heads DROP CONSTRAINT log_heads_pkey, ADD PRIMARY KEY (tenant_id, name);
ALTER TABLE audit_log DROP CONSTRAINT audit_log_pkey, ADD PRIMARY KEY (tenant_id, seq);
ALTER TABLE events DROP CONSTRAINT events_pkey, ADD PRIMARY KEY (tenant_id, seq);
ALTER TABLE event_checkpoints DROP CONSTRAINT event_checkpoints_pkey, ADD PRIMARY KEY (tenant_id, consumer);

DROP INDEX tasks_source;
CREATE UNIQUE INDEX tasks_source ON tasks (source, tenant_id);
DROP INDEX audit_log_record;
CREATE INDEX audit_log_record ON audit_log (tenant_id, entity, entity_id, seq);
DROP INDEX events_record;
CREATE INDEX events_record ON events (tenant_id, entity, entity_id);
