-- Purchase summaries (PurchaseSummaries) read a page of customers'
-- counted orders grouped by customer, currency and day. The index keeps
-- them in that order and carries status and total, so an index-only scan
-- serves the query.
CREATE INDEX orders_purchases ON orders (customer_id, currency, ordered_at) INCLUDE (status, total);
