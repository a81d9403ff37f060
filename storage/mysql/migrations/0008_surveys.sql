-- Surveys and their responses. Same conventions as 0001_customers.sql.
-- A survey's kind is 'nps', 'csat', 'ces' or 'custom', its scale
-- scale_min–scale_max; period is '' or a period unit ('month', 'quarter',
-- 'year'). Nothing here depends on 0004 to 0007.

CREATE TABLE IF NOT EXISTS surveys (
    id         VARCHAR(255)  NOT NULL,
    kind       VARCHAR(16)   NOT NULL DEFAULT '',
    name       VARCHAR(500)  NOT NULL DEFAULT '',
    question   VARCHAR(1000) NOT NULL DEFAULT '',
    scale_min  INT           NOT NULL DEFAULT 0,
    scale_max  INT           NOT NULL DEFAULT 0,
    wave       VARCHAR(200)  NOT NULL DEFAULT '',
    period     VARCHAR(16)   NOT NULL DEFAULT '',
    created_at DATETIME(6)   NULL,
    created_by VARCHAR(255)  NOT NULL DEFAULT '',
    updated_at DATETIME(6)   NULL,
    updated_by VARCHAR(255)  NOT NULL DEFAULT '',
    version    BIGINT        NOT NULL,
    PRIMARY KEY (id)
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4
  COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */;

-- kind is the survey's, kept with each response so that scores group by
-- it without a join. respondent_id is the customer that gave the
-- response; customer_id is where a merge has moved it. contact_id,
-- case_id and opportunity_id have no foreign key: they are '' when not
-- given.
CREATE TABLE IF NOT EXISTS responses (
    id             VARCHAR(255)  NOT NULL,
    survey_id      VARCHAR(255)  NOT NULL,
    kind           VARCHAR(16)   NOT NULL DEFAULT '',
    customer_id    VARCHAR(255)  NOT NULL,
    respondent_id  VARCHAR(255)  NOT NULL DEFAULT '',
    contact_id     VARCHAR(255)  NOT NULL DEFAULT '',
    case_id        VARCHAR(255)  NOT NULL DEFAULT '',
    opportunity_id VARCHAR(255)  NOT NULL DEFAULT '',
    score          INT           NOT NULL,
    comment        VARCHAR(4000) NOT NULL DEFAULT '',
    channel        VARCHAR(64)   NOT NULL DEFAULT '',
    answered_at    DATETIME(6)   NULL,
    wave           VARCHAR(200)  NOT NULL DEFAULT '',
    created_at     DATETIME(6)   NULL,
    created_by     VARCHAR(255)  NOT NULL DEFAULT '',
    updated_at     DATETIME(6)   NULL,
    updated_by     VARCHAR(255)  NOT NULL DEFAULT '',
    version        BIGINT        NOT NULL,
    PRIMARY KEY (id),
    -- One response per respondent and wave of a survey, for every writer.
    UNIQUE INDEX responses_respondent (survey_id, wave, respondent_id),
    -- One index per filter of ResponseFilter, serving "WHERE x IN (...)
    -- AND id > cursor ORDER BY id" in index order; the customer's also
    -- serves the foreign key and merges.
    INDEX responses_survey_id   (survey_id, id),
    INDEX responses_customer_id (customer_id, id),
    INDEX responses_wave        (wave, id),
    INDEX responses_channel     (channel, id),
    INDEX responses_answered_at (answered_at),
    -- Scores (ResponseScores) of surveys, over a time range or not, read
    -- this index alone: kind and score ride along.
    INDEX responses_scores (survey_id, answered_at, kind, score),
    CONSTRAINT responses_survey FOREIGN KEY (survey_id)
        REFERENCES surveys (id),
    CONSTRAINT responses_customer FOREIGN KEY (customer_id)
        REFERENCES customers (id)
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4
  COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */;
