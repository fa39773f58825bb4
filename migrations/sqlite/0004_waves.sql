-- Reminder waves (sqlite flavour; keep in step with the other backend's 0004_waves.sql).
-- The columns marked CONTRACT are read by other parts (the report's "which wave each
-- completion followed", WhatsApp delivery statuses): rename them only together with those.

CREATE TABLE waves (
    id                INTEGER PRIMARY KEY,
    flow_id           TEXT NOT NULL,                       -- CONTRACT
    name              TEXT NOT NULL,                       -- CONTRACT
    message_id        TEXT NOT NULL,                       -- Fluent id in locales/*/waves.ftl
    at_ms             BIGINT,                              -- one-off: due time
    cron              TEXT,                                -- or a 5-field cron in `tz`
    tz                TEXT,                                -- IANA zone of at/cron (NULL = Asia/Jakarta)
    until_ms          BIGINT,                              -- no run is planned after this
    segment           TEXT NOT NULL DEFAULT '{}',          -- JSON {"cohort": "2025", …}
    status_filter     TEXT,                                -- not-started | in-progress | pending
    max_per_person    BIGINT,                              -- reminders of this wave per person
    min_gap_secs      BIGINT,                              -- since the last reminder of any wave
    template_name     TEXT,
    template_language TEXT,
    template_params   TEXT NOT NULL DEFAULT '[]',          -- JSON list of respondent field names
    state             TEXT NOT NULL DEFAULT 'active'
                      CHECK (state IN ('active', 'paused', 'cancelled', 'finished')),
    created_at        BIGINT NOT NULL,
    CHECK ((at_ms IS NULL) <> (cron IS NULL))
);

-- One row per due time of a wave; planned once (the unique key makes a second planner's
-- insert a no-op, which is what lets several workers share the scheduler).
CREATE TABLE wave_runs (
    id         INTEGER PRIMARY KEY,
    wave_id    BIGINT NOT NULL REFERENCES waves (id) ON DELETE CASCADE,
    due_at     BIGINT NOT NULL,
    planned_at BIGINT NOT NULL,
    planned    BIGINT NOT NULL DEFAULT 0,                  -- outbox rows inserted
    UNIQUE (wave_id, due_at)
);

-- One message to one respondent for one wave run. Life of a row: pending (claimed_by a
-- worker for a lease) -> sending (committed before the platform call) -> sent | failed |
-- unreachable; skipped when the respondent finished, stopped or the wave was cancelled
-- before sending; uncertain when its worker died while it was in sending (never resent).
CREATE TABLE outbox (
    id                  INTEGER PRIMARY KEY,
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
    attempt_at          BIGINT,                            -- when it last went to sending
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
CREATE INDEX outbox_claimed ON outbox (claimed_by, status);

-- Dispatcher workers alive now (heartbeat). Each paces its sends at the channel's rate
-- divided by the number of live workers, so together they stay within the platform limit;
-- rows in 'sending' whose worker stopped beating are recorded as uncertain.
CREATE TABLE dispatch_workers (
    id           TEXT PRIMARY KEY,
    started_at   BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL
);
