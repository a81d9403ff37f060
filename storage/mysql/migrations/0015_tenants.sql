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
-- Same conventions as 0001_customers.sql: the column takes the binary
-- collation of its table. DDL commits implicitly here, so a migration
-- run again over its own work must finish: a column is added only when
-- information_schema lacks it, and a key is dropped and added again in
-- one ALTER TABLE, which ends the same whether or not it ran before.

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE customers ADD COLUMN tenant_id VARCHAR(255) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'customers' AND column_name = 'tenant_id');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE customer_emails ADD COLUMN tenant_id VARCHAR(255) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'customer_emails' AND column_name = 'tenant_id');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE customer_phones ADD COLUMN tenant_id VARCHAR(255) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'customer_phones' AND column_name = 'tenant_id');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE customer_tags ADD COLUMN tenant_id VARCHAR(255) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'customer_tags' AND column_name = 'tenant_id');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE contacts ADD COLUMN tenant_id VARCHAR(255) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'contacts' AND column_name = 'tenant_id');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE contact_emails ADD COLUMN tenant_id VARCHAR(255) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'contact_emails' AND column_name = 'tenant_id');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE contact_phones ADD COLUMN tenant_id VARCHAR(255) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'contact_phones' AND column_name = 'tenant_id');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE pipelines ADD COLUMN tenant_id VARCHAR(255) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'pipelines' AND column_name = 'tenant_id');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE pipeline_stages ADD COLUMN tenant_id VARCHAR(255) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'pipeline_stages' AND column_name = 'tenant_id');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE pipeline_lost_reasons ADD COLUMN tenant_id VARCHAR(255) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'pipeline_lost_reasons' AND column_name = 'tenant_id');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE opportunities ADD COLUMN tenant_id VARCHAR(255) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'opportunities' AND column_name = 'tenant_id');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE opportunity_changes ADD COLUMN tenant_id VARCHAR(255) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'opportunity_changes' AND column_name = 'tenant_id');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE leads ADD COLUMN tenant_id VARCHAR(255) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'leads' AND column_name = 'tenant_id');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE orders ADD COLUMN tenant_id VARCHAR(255) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'orders' AND column_name = 'tenant_id');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE order_lines ADD COLUMN tenant_id VARCHAR(255) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'order_lines' AND column_name = 'tenant_id');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE payments ADD COLUMN tenant_id VARCHAR(255) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'payments' AND column_name = 'tenant_id');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE segments ADD COLUMN tenant_id VARCHAR(255) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'segments' AND column_name = 'tenant_id');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE segment_snapshots ADD COLUMN tenant_id VARCHAR(255) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'segment_snapshots' AND column_name = 'tenant_id');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE segment_snapshot_members ADD COLUMN tenant_id VARCHAR(255) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'segment_snapshot_members' AND column_name = 'tenant_id');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE surveys ADD COLUMN tenant_id VARCHAR(255) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'surveys' AND column_name = 'tenant_id');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE responses ADD COLUMN tenant_id VARCHAR(255) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'responses' AND column_name = 'tenant_id');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE cases ADD COLUMN tenant_id VARCHAR(255) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'cases' AND column_name = 'tenant_id');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE case_changes ADD COLUMN tenant_id VARCHAR(255) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'case_changes' AND column_name = 'tenant_id');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE interactions ADD COLUMN tenant_id VARCHAR(255) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'interactions' AND column_name = 'tenant_id');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE contact_claims ADD COLUMN tenant_id VARCHAR(255) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'contact_claims' AND column_name = 'tenant_id');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE tasks ADD COLUMN tenant_id VARCHAR(255) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'tasks' AND column_name = 'tenant_id');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE owner_changes ADD COLUMN tenant_id VARCHAR(255) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'owner_changes' AND column_name = 'tenant_id');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE approval_requests ADD COLUMN tenant_id VARCHAR(255) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'approval_requests' AND column_name = 'tenant_id');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE log_heads ADD COLUMN tenant_id VARCHAR(255) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'log_heads' AND column_name = 'tenant_id');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE audit_log ADD COLUMN tenant_id VARCHAR(255) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'audit_log' AND column_name = 'tenant_id');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE events ADD COLUMN tenant_id VARCHAR(255) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'events' AND column_name = 'tenant_id');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE event_checkpoints ADD COLUMN tenant_id VARCHAR(255) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'event_checkpoints' AND column_name = 'tenant_id');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

ALTER TABLE log_heads DROP PRIMARY KEY, ADD PRIMARY KEY (tenant_id, name);
ALTER TABLE audit_log DROP PRIMARY KEY, ADD PRIMARY KEY (tenant_id, seq),
    DROP INDEX audit_log_record, ADD INDEX audit_log_record (tenant_id, entity, entity_id, seq);
ALTER TABLE events DROP PRIMARY KEY, ADD PRIMARY KEY (tenant_id, seq),
    DROP INDEX events_record, ADD INDEX events_record (tenant_id, entity, entity_id);
ALTER TABLE event_checkpoints DROP PRIMARY KEY, ADD PRIMARY KEY (tenant_id, consumer);
ALTER TABLE tasks DROP INDEX tasks_source, ADD UNIQUE INDEX tasks_source (source, tenant_id);
