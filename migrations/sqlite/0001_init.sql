-- Jejak store schema, SQLite flavour. Keep in step with migrations/postgres/0001_init.sql:
-- the two files differ only in how surrogate keys are generated.
-- Conventions (shared with PostgreSQL, so one set of queries works through sqlx's Any driver):
-- timestamps are BIGINT unix milliseconds, booleans are INTEGER 0/1, JSON is TEXT.

CREATE TABLE respondents (
    id          INTEGER PRIMARY KEY,
    external_id TEXT UNIQUE,
    name        TEXT,
    phone       TEXT,
    email       TEXT,
    cohort      TEXT,
    programme   TEXT,
    school      TEXT,
    province    TEXT,
    timezone    TEXT,
    language    TEXT,
    birth_date  TEXT,
    extra       TEXT NOT NULL DEFAULT '{}',
    unreachable INTEGER NOT NULL DEFAULT 0 CHECK (unreachable IN (0, 1)),
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE channel_bindings (
    respondent_id BIGINT NOT NULL REFERENCES respondents (id) ON DELETE CASCADE,
    channel       TEXT NOT NULL CHECK (length(channel) > 0),
    address       TEXT NOT NULL CHECK (length(address) > 0),
    bound_at      BIGINT NOT NULL,
    PRIMARY KEY (channel, address)
);
CREATE INDEX channel_bindings_respondent ON channel_bindings (respondent_id);

CREATE TABLE sessions (
    id            INTEGER PRIMARY KEY,
    respondent_id BIGINT NOT NULL REFERENCES respondents (id) ON DELETE CASCADE,
    flow_id       TEXT NOT NULL,
    flow_version  BIGINT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN
                      ('invited', 'consent', 'answering', 'completed', 'opted_out', 'expired')),
    state         TEXT NOT NULL,
    revision      BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    completed_at  BIGINT
);
-- At most one open session per respondent and flow.
CREATE UNIQUE INDEX sessions_one_open ON sessions (respondent_id, flow_id)
    WHERE status IN ('invited', 'consent', 'answering');
CREATE INDEX sessions_respondent_flow ON sessions (respondent_id, flow_id, id);
CREATE INDEX sessions_flow ON sessions (flow_id, id);

-- Append-only answer history: a new answer retracts the previous current row.
CREATE TABLE answers (
    id           INTEGER PRIMARY KEY,
    session_id   BIGINT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    code         TEXT NOT NULL CHECK (length(code) > 0),
    iteration    BIGINT NOT NULL DEFAULT 0 CHECK (iteration >= 0),
    raw          TEXT NOT NULL,
    value        TEXT NOT NULL,
    flow_version BIGINT NOT NULL,
    answered_at  BIGINT NOT NULL,
    retracted_at BIGINT
);
-- At most one current (non-retracted) answer per question and repeat iteration.
CREATE UNIQUE INDEX answers_current ON answers (session_id, code, iteration)
    WHERE retracted_at IS NULL;
CREATE INDEX answers_session ON answers (session_id, id);

CREATE TABLE events (
    id            INTEGER PRIMARY KEY,
    respondent_id BIGINT NOT NULL REFERENCES respondents (id) ON DELETE CASCADE,
    session_id    BIGINT REFERENCES sessions (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (length(kind) > 0),
    detail        TEXT NOT NULL DEFAULT '{}',
    at            BIGINT NOT NULL
);
CREATE INDEX events_session ON events (session_id, id);
CREATE INDEX events_respondent ON events (respondent_id, id);

-- Platform updates already processed, for exactly-once handling of redeliveries.
CREATE TABLE inbound_messages (
    channel     TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    session_id  BIGINT REFERENCES sessions (id) ON DELETE SET NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (channel, message_id)
);
CREATE INDEX inbound_messages_received ON inbound_messages (received_at);
