-- Purchase records: orders with their lines, and the payments received
-- for them. Same conventions as 0003_sales.sql; amounts are
-- DECIMAL(20,4) (NULL for the zero Money). An order keeps its currency
-- once, in currency: its total, the amount paid, its lines' prices and
-- discounts are all in it. Nothing here depends on 0004_leads.sql.

-- opportunity_id has no foreign key: it is '' when the order was not won
-- with a deal.
CREATE TABLE IF NOT EXISTS orders (
    id             VARCHAR(255)   NOT NULL,
    number         VARCHAR(255)   NOT NULL DEFAULT '',
    customer_id    VARCHAR(255)   NOT NULL,
    opportunity_id VARCHAR(255)   NOT NULL DEFAULT '',
    status         VARCHAR(64)    NOT NULL DEFAULT '',
    currency       VARCHAR(16)    NOT NULL DEFAULT '',
    total          DECIMAL(20, 4) NULL,
    paid           DECIMAL(20, 4) NULL,
    ordered_at     DATETIME(6)    NULL,
    created_at     DATETIME(6)    NULL,
    created_by     VARCHAR(255)   NOT NULL DEFAULT '',
    updated_at     DATETIME(6)    NULL,
    updated_by     VARCHAR(255)   NOT NULL DEFAULT '',
    version        BIGINT         NOT NULL,
    PRIMARY KEY (id),
    -- One index per filter of OrderFilter. The customer's serves the
    -- foreign key and the exposure sum (WHERE customer_id = ? GROUP BY
    -- currency) too.
    INDEX orders_customer_id    (customer_id, id),
    INDEX orders_opportunity_id (opportunity_id, id),
    INDEX orders_status         (status, id),
    INDEX orders_ordered_at     (ordered_at),
    CONSTRAINT orders_customer FOREIGN KEY (customer_id)
        REFERENCES customers (id)
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4
  COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */;

-- An order's lines in their order. discount is NULL for none.
CREATE TABLE IF NOT EXISTS order_lines (
    order_id    VARCHAR(255)   NOT NULL,
    position    INT            NOT NULL,
    sku         VARCHAR(255)   NOT NULL DEFAULT '',
    description VARCHAR(1000)  NOT NULL DEFAULT '',
    quantity    DECIMAL(20, 4) NOT NULL,
    unit_price  DECIMAL(20, 4) NULL,
    discount    DECIMAL(20, 4) NULL,
    PRIMARY KEY (order_id, position),
    CONSTRAINT order_lines_order FOREIGN KEY (order_id)
        REFERENCES orders (id) ON DELETE CASCADE
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4
  COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */;

CREATE TABLE IF NOT EXISTS payments (
    id          VARCHAR(255)   NOT NULL,
    order_id    VARCHAR(255)   NOT NULL,
    customer_id VARCHAR(255)   NOT NULL,
    amount      DECIMAL(20, 4) NULL,
    currency    VARCHAR(16)    NOT NULL DEFAULT '',
    received_at DATETIME(6)    NULL,
    method      VARCHAR(255)   NOT NULL DEFAULT '',
    reference   VARCHAR(255)   NOT NULL DEFAULT '',
    created_at  DATETIME(6)    NULL,
    created_by  VARCHAR(255)   NOT NULL DEFAULT '',
    updated_at  DATETIME(6)    NULL,
    updated_by  VARCHAR(255)   NOT NULL DEFAULT '',
    version     BIGINT         NOT NULL,
    PRIMARY KEY (id),
    -- PaymentFilter's fields, in ID order; also the foreign keys' indexes.
    INDEX payments_order_id    (order_id, id),
    INDEX payments_customer_id (customer_id, id),
    CONSTRAINT payments_order FOREIGN KEY (order_id)
        REFERENCES orders (id),
    CONSTRAINT payments_customer FOREIGN KEY (customer_id)
        REFERENCES customers (id)
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4
  COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */;
