-- Reminder waves (postgres flavour; keep in step with the other backend's 0004_waves.sql).
-- The columns marked CONTRACT are read by other parts (the report's "which wave each
-- completion followed", WhatsApp delivery statuses): rename them only together with those.

CREATE TABLE waves (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    flow_id           TEXT NOT NULL,                       -- CONTRACT
    name              TEXT NOT NULL,                       -- CONTRACT
    message_id        TEXT NOT NULL,
    at_ms             BIGINT,
    cron              TEXT,
    tz                TEXT,
    until_ms          BIGINT,
    segment           TEXT NOT NULL DEFAULT '{}',
    status_filter     TEXT,
    max_per_person    BIGINT,
    min_gap_secs      BIGINT,
    template_name     TEXT,
    template_language TEXT,
    template_params   TEXT NOT NULL DEFAULT '[]',
    state             TEXT NOT NULL DEFAULT 'active'
                      CHECK (state IN ('active', 'paused', 'cancelled', 'finished')),
    created_at        BIGINT NOT NULL,
    CHECK ((at_ms IS NULL) <> (cron IS NULL))
);

-- One row per due time of a wave; planned once (the unique key makes a second planner's
-- insert a no-op, which is what lets several workers share the scheduler).
CREATE TABLE wave_runs (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    wave_id    BIGINT NOT NULL REFERENCES waves (id) ON DELETE CASCADE,
    due_at     BIGINT NOT NULL,
    planned_at BIGINT NOT NULL,
    UNIQUE (wave_id, due_at)
);

-- One message to one respondent for one wave run.
CREATE TABLE outbox (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id              BIGINT NOT NULL REFERENCES wave_runs (id) ON DELETE CASCADE,
    wave_id             BIGINT NOT NULL REFERENCES waves (id) ON DELETE CASCADE, -- CONTRACT
    respondent_id       BIGINT NOT NULL REFERENCES respondents (id) ON DELETE CASCADE, -- CONTRACT
    channel             TEXT,
    address             TEXT,
    status              TEXT NOT NULL DEFAULT 'pending'   -- CONTRACT ('sent')
                        CHECK (status IN ('pending', 'sending', 'sent', 'failed',
                                          'unreachable', 'skipped', 'uncertain')),
    not_before          BIGINT NOT NULL,
    attempts            BIGINT NOT NULL DEFAULT 0,
    claimed_by          TEXT,
    claimed_until       BIGINT,
    sent_at             BIGINT,                            -- CONTRACT (unix ms)
    platform_message_id TEXT,                              -- CONTRACT (wamid, Telegram id)
    delivery            TEXT,                              -- CONTRACT (delivered/read/failed)
    delivery_error      TEXT,                              -- CONTRACT
    error               TEXT,
    UNIQUE (run_id, respondent_id)
);
CREATE INDEX outbox_due ON outbox (status, not_before);
CREATE INDEX outbox_respondent ON outbox (respondent_id, wave_id);
CREATE INDEX outbox_platform_message ON outbox (platform_message_id);
