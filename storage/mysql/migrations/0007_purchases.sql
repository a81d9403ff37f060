-- Purchase summaries (PurchaseSummaries) read a page of customers'
-- counted orders grouped by customer, currency and day. The index keeps
-- them in that order and covers the query.
--
-- MySQL has no CREATE INDEX IF NOT EXISTS (MariaDB has), so the index is
-- created only when information_schema lacks it: a migration run again
-- over its own work must finish.
SET @crm_stmt = (SELECT IF(COUNT(*) = 0,
    'CREATE INDEX orders_purchases ON orders (customer_id, currency, ordered_at, status, total)',
    'DO 0')
  FROM information_schema.statistics
  WHERE table_schema = DATABASE() AND table_name = 'orders' AND index_name = 'orders_purchases');
PREPARE crm_stmt FROM @crm_stmt;
EXECUTE crm_stmt;
DEALLOCATE PREPARE crm_stmt;
