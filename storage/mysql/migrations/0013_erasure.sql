-- Erasure of personal data (crm.Client.EraseCustomer). Same conventions
-- as 0001_customers.sql and 0012_audit.sql.
--
-- audit_log.salt salts the digests of an entry's values that the audit
-- hashes cover; erasure clears it together with the values, which it
-- replaces by their digests inside changes. customers.erased_at marks an
-- erased customer (NULL when not erased). events_record finds the events
-- of the records erased.
--
-- MySQL has no ADD COLUMN IF NOT EXISTS nor CREATE INDEX IF NOT EXISTS,
-- so each change is made only when information_schema lacks it: a
-- migration run again over its own work must finish.
SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE audit_log ADD COLUMN salt VARCHAR(64) NOT NULL DEFAULT ''''',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'audit_log' AND column_name = 'salt');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE customers ADD COLUMN erased_at DATETIME(6) NULL',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'customers' AND column_name = 'erased_at');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;

SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'CREATE INDEX events_record ON events (entity, entity_id)',
    'DO 0')
  FROM information_schema.statistics
  WHERE table_schema = DATABASE() AND table_name = 'events' AND index_name = 'events_record');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;
