-- Erasure of personal data (crm.Client.EraseCustomer). Same conventions
-- as 0001_customers.sql and 0012_audit.sql.
--
-- audit_log.salt salts the digests of an entry's values that the audit
-- hashes cover; erasure clears it together with the values, which it
-- replaces by their digests inside changes. customers.erased_at marks an
-- erased customer (NULL when not erased). events_record finds the events
-- of the records erased.

ALTER TABLE audit_log ADD COLUMN salt TEXT NOT NULL DEFAULT '';

ALTER TABLE customers ADD COLUMN erased_at TEXT;

CREATE INDEX events_record ON events (entity, entity_id);
