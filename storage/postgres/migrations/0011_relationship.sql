-- Relationship management: interactions (calls, emails, meetings, visits
-- and messages logged against a customer), contact claims (the guard
-- against two members of staff reaching out to one customer at once),
-- tasks (the follow-ups of an account manager's plan), the ownership
-- history of customers, leads, opportunities and cases, and a
-- customer's time zone. Same conventions as 0001_customers.sql and
-- 0009_cases.sql: text NOT NULL and '' when empty, IDs, owners and
-- sources COLLATE "C", times TIMESTAMPTZ (UTC at microsecond precision)
-- and NULL when zero.
--
-- contact_id, opportunity_id and case_id have no foreign keys: they are
-- '' when the record names none. A customer's claims are numbered by seq,
-- and the unique index on (customer_id, seq) is what lets only one of two
-- concurrent claims through. A task's source is NULL when it has none,
-- so that the unique index on source keeps one task per source and
-- leaves the tasks with no source out. The ownership history has no
-- foreign key to the record it names: an entry outlives it, and its
-- customer_id is '' for a lead not converted.

ALTER TABLE customers ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';

CREATE TABLE interactions (
    id             TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    customer_id    TEXT COLLATE "C" NOT NULL REFERENCES customers (id),
    contact_id     TEXT COLLATE "C" NOT NULL DEFAULT '',
    opportunity_id TEXT COLLATE "C" NOT NULL DEFAULT '',
    case_id        TEXT COLLATE "C" NOT NULL DEFAULT '',
    channel        TEXT             NOT NULL DEFAULT '',
    direction      TEXT             NOT NULL DEFAULT '',
    occurred_at    TIMESTAMPTZ,
    actor_id       TEXT COLLATE "C" NOT NULL DEFAULT '',
    subject        TEXT             NOT NULL DEFAULT '',
    summary        TEXT             NOT NULL DEFAULT '',
    outcome        TEXT             NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ,
    created_by     TEXT             NOT NULL DEFAULT '',
    updated_at     TIMESTAMPTZ,
    updated_by     TEXT             NOT NULL DEFAULT '',
    version        BIGINT           NOT NULL
);

-- One index per filter of InteractionFilter; the customer's serves the
-- foreign key too, and interactions_last finds a customer's latest
-- interaction (LastContacts) in one step.
CREATE INDEX interactions_customer_id    ON interactions (customer_id, id);
CREATE INDEX interactions_last           ON interactions (customer_id, occurred_at, id);
CREATE INDEX interactions_actor_id       ON interactions (actor_id, id);
CREATE INDEX interactions_channel        ON interactions (channel, id);
CREATE INDEX interactions_opportunity_id ON interactions (opportunity_id, id);
CREATE INDEX interactions_case_id        ON interactions (case_id, id);
CREATE INDEX interactions_occurred_at    ON interactions (occurred_at);

CREATE TABLE contact_claims (
    id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    customer_id TEXT COLLATE "C" NOT NULL REFERENCES customers (id),
    seq         BIGINT           NOT NULL,
    actor_id    TEXT COLLATE "C" NOT NULL DEFAULT '',
    channel     TEXT             NOT NULL DEFAULT '',
    claimed_at  TIMESTAMPTZ,
    expires_at  TIMESTAMPTZ,
    override    BOOLEAN          NOT NULL DEFAULT FALSE,
    overridden  TEXT             NOT NULL DEFAULT '',
    reason      TEXT             NOT NULL DEFAULT ''
);

-- The unique key serves the foreign key and LastContactClaim too.
CREATE UNIQUE INDEX contact_claims_customer_seq ON contact_claims (customer_id, seq);
CREATE INDEX contact_claims_customer_id         ON contact_claims (customer_id, id);
CREATE INDEX contact_claims_actor_id            ON contact_claims (actor_id, id);
CREATE INDEX contact_claims_override            ON contact_claims (override, id);
CREATE INDEX contact_claims_claimed_at          ON contact_claims (claimed_at);

CREATE TABLE tasks (
    id             TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    customer_id    TEXT COLLATE "C" NOT NULL REFERENCES customers (id),
    contact_id     TEXT COLLATE "C" NOT NULL DEFAULT '',
    opportunity_id TEXT COLLATE "C" NOT NULL DEFAULT '',
    case_id        TEXT COLLATE "C" NOT NULL DEFAULT '',
    kind           TEXT             NOT NULL DEFAULT '',
    title          TEXT             NOT NULL DEFAULT '',
    notes          TEXT             NOT NULL DEFAULT '',
    owner_id       TEXT COLLATE "C" NOT NULL DEFAULT '',
    priority       TEXT             NOT NULL DEFAULT '',
    status         TEXT             NOT NULL DEFAULT '',
    due_at         TIMESTAMPTZ,
    done_at        TIMESTAMPTZ,
    source         TEXT COLLATE "C",
    created_at     TIMESTAMPTZ,
    created_by     TEXT             NOT NULL DEFAULT '',
    updated_at     TIMESTAMPTZ,
    updated_by     TEXT             NOT NULL DEFAULT '',
    version        BIGINT           NOT NULL
);

-- One index per filter of TaskFilter; the customer's serves the foreign
-- key too.
CREATE INDEX tasks_customer_id    ON tasks (customer_id, id);
CREATE UNIQUE INDEX tasks_source  ON tasks (source);
CREATE INDEX tasks_kind           ON tasks (kind, id);
CREATE INDEX tasks_status         ON tasks (status, id);
CREATE INDEX tasks_due_at         ON tasks (due_at);
CREATE INDEX tasks_done_at        ON tasks (done_at);
-- An owner's tasks, and their agenda: the tasks of an owner in a status,
-- due or done in a span ([crm.Client.Agenda] asks for both). No index
-- leads with (owner_id, id), or SQLite would walk all of an owner's
-- tasks in ID order rather than the span's.
CREATE INDEX tasks_owner_due      ON tasks (owner_id, status, due_at);
CREATE INDEX tasks_owner_done     ON tasks (owner_id, status, done_at);

CREATE TABLE owner_changes (
    id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    entity      TEXT             NOT NULL DEFAULT '',
    entity_id   TEXT COLLATE "C" NOT NULL DEFAULT '',
    customer_id TEXT COLLATE "C" NOT NULL DEFAULT '',
    from_owner  TEXT COLLATE "C" NOT NULL DEFAULT '',
    to_owner    TEXT COLLATE "C" NOT NULL DEFAULT '',
    changed_at  TIMESTAMPTZ,
    changed_by  TEXT             NOT NULL DEFAULT '',
    reason      TEXT             NOT NULL DEFAULT ''
);

-- One index per filter of OwnerChangeFilter; an owner matches either
-- side of a change, one index each.
CREATE INDEX owner_changes_entity      ON owner_changes (entity, entity_id, id);
CREATE INDEX owner_changes_entity_id   ON owner_changes (entity_id, id);
CREATE INDEX owner_changes_customer_id ON owner_changes (customer_id, id);
CREATE INDEX owner_changes_from_owner  ON owner_changes (from_owner, id);
CREATE INDEX owner_changes_to_owner    ON owner_changes (to_owner, id);
CREATE INDEX owner_changes_changed_at  ON owner_changes (changed_at);
