-- Planning a wave at national scale (issue 14; keep in step with the other backend's
-- 0019_outbox_planning.sql, which says why): three outbox indexes become partial (only rows
-- a dispatcher has claimed, sent or given a platform message id are in them; planned rows
-- are none of these), and its three foreign keys are dropped (planning inserts only the
-- run it has just inserted and respondents it has just read; jejak deletes neither a
-- respondent nor a wave); triggers keep what ON DELETE CASCADE did for a DELETE by hand.
--
-- SQLite cannot drop a foreign key: the table is rebuilt. Not by the usual "create
-- outbox_next, drop outbox, rename outbox_next to outbox": the rename re-checks every
-- trigger, and the triggers of `waves`, `sessions` … that read `outbox` fail with "no such
-- table: main.outbox" while it is gone. So the rows go to a plain copy, the table is
-- created again under its own name and filled from the copy, with its ids (the ids are
-- what `wave_runs`, the console and WhatsApp statuses know the rows by). Nothing refers to
-- `outbox` by a foreign key, so dropping it deletes nothing elsewhere; its own triggers go
-- with it and are created again below, as migration 0011 wrote them.
CREATE TABLE outbox_copy AS SELECT * FROM outbox;
DROP TABLE outbox;

CREATE TABLE outbox (
    id                  INTEGER PRIMARY KEY,
    run_id              BIGINT NOT NULL,
    wave_id             BIGINT NOT NULL,                   -- CONTRACT (the run's wave)
    respondent_id       BIGINT NOT NULL,                   -- CONTRACT
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
INSERT INTO outbox (id, run_id, wave_id, respondent_id, channel, address, status,
    not_before, attempts, claimed_by, claimed_until, attempt_at, sent_at,
    platform_message_id, delivery, delivery_error, error)
SELECT id, run_id, wave_id, respondent_id, channel, address, status,
    not_before, attempts, claimed_by, claimed_until, attempt_at, sent_at,
    platform_message_id, delivery, delivery_error, error
FROM outbox_copy ORDER BY id;
DROP TABLE outbox_copy;

CREATE INDEX outbox_due ON outbox (status, not_before);
CREATE INDEX outbox_respondent ON outbox (respondent_id, wave_id);
CREATE INDEX outbox_platform_message ON outbox (platform_message_id)
    WHERE platform_message_id IS NOT NULL;
CREATE INDEX outbox_claimed ON outbox (claimed_by, status) WHERE claimed_by IS NOT NULL;
CREATE INDEX outbox_respondent_sent ON outbox (respondent_id, status, sent_at, wave_id)
    WHERE status = 'sent';

-- Migration 0011's triggers, unchanged.
CREATE TRIGGER flow_progress_outbox_insert AFTER INSERT ON outbox
WHEN NEW.status = 'sent'
BEGIN
    INSERT INTO flow_progress_refresh
    SELECT w.flow_id, NEW.respondent_id FROM waves w WHERE w.id = NEW.wave_id;
END;
CREATE TRIGGER flow_progress_outbox_update AFTER UPDATE ON outbox
WHEN (OLD.status = 'sent' OR NEW.status = 'sent')
    AND (OLD.status IS NOT NEW.status OR OLD.sent_at IS NOT NEW.sent_at
         OR OLD.wave_id IS NOT NEW.wave_id OR OLD.respondent_id IS NOT NEW.respondent_id)
BEGIN
    INSERT INTO flow_progress_refresh
    SELECT w.flow_id, OLD.respondent_id FROM waves w WHERE w.id = OLD.wave_id;
    INSERT INTO flow_progress_refresh
    SELECT w.flow_id, NEW.respondent_id FROM waves w
    WHERE w.id = NEW.wave_id
      AND (NEW.wave_id IS NOT OLD.wave_id OR NEW.respondent_id IS NOT OLD.respondent_id);
END;
CREATE TRIGGER flow_progress_outbox_delete AFTER DELETE ON outbox
WHEN OLD.status = 'sent'
BEGIN
    INSERT INTO flow_progress_refresh
    SELECT w.flow_id, OLD.respondent_id FROM waves w WHERE w.id = OLD.wave_id;
END;

-- What ON DELETE CASCADE did: a deleted respondent's or run's reminders go too (a deleted
-- wave's runs still cascade, and with them their reminders).
CREATE TRIGGER outbox_respondent_delete AFTER DELETE ON respondents
BEGIN
    DELETE FROM outbox WHERE respondent_id = OLD.id;
END;
CREATE TRIGGER outbox_run_delete AFTER DELETE ON wave_runs
BEGIN
    DELETE FROM outbox WHERE run_id = OLD.id;
END;
