-- The lead conversion KPI lists the leads created in a period
-- (LeadFilter.CreatedFrom, CreatedBefore) in ID order.
CREATE INDEX leads_created_at ON leads (created_at, id);
