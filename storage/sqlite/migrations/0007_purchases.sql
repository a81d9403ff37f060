-- Purchase summaries (PurchaseSummaries) read a page of customers'
-- counted orders in customer, currency and time order. The index covers
-- the query: status and total ride along, so SQLite never visits the
-- table.
CREATE INDEX orders_purchases ON orders (customer_id, currency, ordered_at, status, total);
