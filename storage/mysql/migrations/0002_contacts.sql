-- Contacts, the people at organisation customers, and their emails and
-- phones. Same conventions as 0001_customers.sql.

CREATE TABLE IF NOT EXISTS contacts (
    id          VARCHAR(255) NOT NULL,
    customer_id VARCHAR(255) NOT NULL,
    name        VARCHAR(500) NOT NULL DEFAULT '',
    job_title   VARCHAR(255) NOT NULL DEFAULT '',
    role        VARCHAR(255) NOT NULL DEFAULT '',
    created_at  DATETIME(6)  NULL,
    created_by  VARCHAR(255) NOT NULL DEFAULT '',
    updated_at  DATETIME(6)  NULL,
    updated_by  VARCHAR(255) NOT NULL DEFAULT '',
    version     BIGINT       NOT NULL,
    PRIMARY KEY (id),
    -- ContactFilter.CustomerID, in ID order; also the foreign key's index.
    INDEX contacts_customer_id (customer_id, id),
    CONSTRAINT contacts_customer FOREIGN KEY (customer_id)
        REFERENCES customers (id)
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4
  COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */;

CREATE TABLE IF NOT EXISTS contact_emails (
    contact_id VARCHAR(255) NOT NULL,
    position   INT          NOT NULL,
    address    VARCHAR(320) NOT NULL,
    label      VARCHAR(255) NOT NULL DEFAULT '',
    is_primary BOOLEAN      NOT NULL DEFAULT FALSE,
    PRIMARY KEY (contact_id, position),
    CONSTRAINT contact_emails_contact FOREIGN KEY (contact_id)
        REFERENCES contacts (id) ON DELETE CASCADE
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4
  COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */;

CREATE TABLE IF NOT EXISTS contact_phones (
    contact_id VARCHAR(255) NOT NULL,
    position   INT          NOT NULL,
    number     VARCHAR(64)  NOT NULL,
    label      VARCHAR(255) NOT NULL DEFAULT '',
    is_primary BOOLEAN      NOT NULL DEFAULT FALSE,
    PRIMARY KEY (contact_id, position),
    CONSTRAINT contact_phones_contact FOREIGN KEY (contact_id)
        REFERENCES contacts (id) ON DELETE CASCADE
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4
  COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */;
