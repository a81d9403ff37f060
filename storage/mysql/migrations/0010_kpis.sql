-- The lead conversion KPI lists the leads created in a period
-- (LeadFilter.CreatedFrom, CreatedBefore) in ID order.
--
-- MySQL has no CREATE INDEX IF NOT EXISTS (MariaDB has), so the index is
-- created only when information_schema lacks it: a migration run again
-- over its own work must finish.
SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'CREATE INDEX leads_created_at ON leads (created_at, id)',
    'DO 0')
  FROM information_schema.statistics
  WHERE table_schema = DATABASE() AND table_name = 'leads' AND index_name = 'leads_created_at');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;
