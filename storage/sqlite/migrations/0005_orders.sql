-- Purchase records: orders with their lines, and the payments received
-- for them. Same conventions as 0003_sales.sql; amounts are exact
-- decimals kept as TEXT (NULL for the zero Money). An order keeps its
-- currency once, in currency: its total, the amount paid, its lines'
-- prices and discounts are all in it. Nothing here depends on
-- 0004_leads.sql.

-- opportunity_id has no foreign key: it is '' when the order was not won
-- with a deal.
CREATE TABLE orders (
    id             TEXT    NOT NULL PRIMARY KEY,
    number         TEXT    NOT NULL DEFAULT '',
    customer_id    TEXT    NOT NULL REFERENCES customers (id),
    opportunity_id TEXT    NOT NULL DEFAULT '',
    status         TEXT    NOT NULL DEFAULT '',
    currency       TEXT    NOT NULL DEFAULT '',
    total          TEXT,
    paid           TEXT,
    ordered_at     TEXT,
    created_at     TEXT,
    created_by     TEXT    NOT NULL DEFAULT '',
    updated_at     TEXT,
    updated_by     TEXT    NOT NULL DEFAULT '',
    version        INTEGER NOT NULL
) STRICT;

-- One index per filter of OrderFilter. The customer's serves the foreign
-- key and the exposure sum (WHERE customer_id = ? GROUP BY currency) too.
CREATE INDEX orders_customer_id    ON orders (customer_id, id);
CREATE INDEX orders_opportunity_id ON orders (opportunity_id, id);
CREATE INDEX orders_status         ON orders (status, id);
CREATE INDEX orders_ordered_at     ON orders (ordered_at);

-- An order's lines in their order. discount is NULL for none.
CREATE TABLE order_lines (
    order_id    TEXT    NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    sku         TEXT    NOT NULL DEFAULT '',
    description TEXT    NOT NULL DEFAULT '',
    quantity    TEXT    NOT NULL,
    unit_price  TEXT,
    discount    TEXT,
    PRIMARY KEY (order_id, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE payments (
    id          TEXT    NOT NULL PRIMARY KEY,
    order_id    TEXT    NOT NULL REFERENCES orders (id),
    customer_id TEXT    NOT NULL REFERENCES customers (id),
    amount      TEXT,
    currency    TEXT    NOT NULL DEFAULT '',
    received_at TEXT,
    method      TEXT    NOT NULL DEFAULT '',
    reference   TEXT    NOT NULL DEFAULT '',
    created_at  TEXT,
    created_by  TEXT    NOT NULL DEFAULT '',
    updated_at  TEXT,
    updated_by  TEXT    NOT NULL DEFAULT '',
    version     INTEGER NOT NULL
) STRICT;

-- PaymentFilter's fields, in ID order; also the foreign keys' indexes.
CREATE INDEX payments_order_id    ON payments (order_id, id);
CREATE INDEX payments_customer_id ON payments (customer_id, id);
