-- Saved segments and snapshots of their members. Same conventions as
-- 0001_customers.sql. A segment's rule is kept in its text form
-- (crm.Condition.String), which crm.ParseCondition reads back. A
-- snapshot's members are one row each, so that a snapshot is written and
-- read page by page; customer_id has no foreign key, a snapshot being a
-- record of the past.

CREATE TABLE segments (
    id          TEXT    NOT NULL PRIMARY KEY,
    name        TEXT    NOT NULL DEFAULT '',
    description TEXT    NOT NULL DEFAULT '',
    rule        TEXT    NOT NULL DEFAULT '',
    created_at  TEXT,
    created_by  TEXT    NOT NULL DEFAULT '',
    updated_at  TEXT,
    updated_by  TEXT    NOT NULL DEFAULT '',
    version     INTEGER NOT NULL
) STRICT;

CREATE TABLE segment_snapshots (
    id              TEXT    NOT NULL PRIMARY KEY,
    segment_id      TEXT    NOT NULL REFERENCES segments (id),
    segment_version INTEGER NOT NULL,
    members         INTEGER NOT NULL DEFAULT 0,
    taken_at        TEXT,
    taken_by        TEXT    NOT NULL DEFAULT ''
) STRICT;

-- The latest snapshot of a segment; also the foreign key's index.
CREATE INDEX segment_snapshots_latest ON segment_snapshots (segment_id, taken_at, id);

CREATE TABLE segment_snapshot_members (
    snapshot_id TEXT NOT NULL REFERENCES segment_snapshots (id) ON DELETE CASCADE,
    customer_id TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, customer_id)
) STRICT, WITHOUT ROWID;
