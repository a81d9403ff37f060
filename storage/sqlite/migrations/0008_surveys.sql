-- Surveys and their responses. Same conventions as 0001_customers.sql.
-- A survey's kind is 'nps', 'csat', 'ces' or 'custom', its scale
-- scale_min–scale_max; period is '' or a period unit ('month', 'quarter',
-- 'year'). Nothing here depends on 0004 to 0007.

CREATE TABLE surveys (
    id         TEXT    NOT NULL PRIMARY KEY,
    kind       TEXT    NOT NULL DEFAULT '',
    name       TEXT    NOT NULL DEFAULT '',
    question   TEXT    NOT NULL DEFAULT '',
    scale_min  INTEGER NOT NULL DEFAULT 0,
    scale_max  INTEGER NOT NULL DEFAULT 0,
    wave       TEXT    NOT NULL DEFAULT '',
    period     TEXT    NOT NULL DEFAULT '',
    created_at TEXT,
    created_by TEXT    NOT NULL DEFAULT '',
    updated_at TEXT,
    updated_by TEXT    NOT NULL DEFAULT '',
    version    INTEGER NOT NULL
) STRICT;

-- kind is the survey's, kept with each response so that scores group by
-- it without a join. respondent_id is the customer that gave the
-- response; customer_id is where a merge has moved it. contact_id,
-- case_id and opportunity_id have no foreign key: they are '' when not
-- given.
CREATE TABLE responses (
    id             TEXT    NOT NULL PRIMARY KEY,
    survey_id      TEXT    NOT NULL REFERENCES surveys (id),
    kind           TEXT    NOT NULL DEFAULT '',
    customer_id    TEXT    NOT NULL REFERENCES customers (id),
    respondent_id  TEXT    NOT NULL DEFAULT '',
    contact_id     TEXT    NOT NULL DEFAULT '',
    case_id        TEXT    NOT NULL DEFAULT '',
    opportunity_id TEXT    NOT NULL DEFAULT '',
    score          INTEGER NOT NULL,
    comment        TEXT    NOT NULL DEFAULT '',
    channel        TEXT    NOT NULL DEFAULT '',
    answered_at    TEXT,
    wave           TEXT    NOT NULL DEFAULT '',
    created_at     TEXT,
    created_by     TEXT    NOT NULL DEFAULT '',
    updated_at     TEXT,
    updated_by     TEXT    NOT NULL DEFAULT '',
    version        INTEGER NOT NULL
) STRICT;

-- One response per respondent and wave of a survey, for every writer.
CREATE UNIQUE INDEX responses_respondent ON responses (survey_id, wave, respondent_id);
-- One index per filter of ResponseFilter, serving "WHERE x IN (...) AND
-- id > cursor ORDER BY id" in index order; the customer's also serves the
-- foreign key and merges.
CREATE INDEX responses_survey_id   ON responses (survey_id, id);
CREATE INDEX responses_customer_id ON responses (customer_id, id);
CREATE INDEX responses_wave        ON responses (wave, id);
CREATE INDEX responses_channel     ON responses (channel, id);
CREATE INDEX responses_answered_at ON responses (answered_at);
-- Scores (ResponseScores) of surveys, over a time range or not, read this
-- index alone: kind and score ride along.
CREATE INDEX responses_scores ON responses (survey_id, answered_at, kind, score);
