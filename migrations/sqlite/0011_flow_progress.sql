-- Each respondent's progress in each flow they are on, kept by triggers (keep in step with
-- the other backend's 0011_flow_progress.sql). The staff console's overview, `jejak report`
-- and the wave planner read this narrow table instead of grouping every session and probing
-- the outbox per respondent on every request (see ARCHITECTURE.md, "Flow progress").
--
-- A row exists exactly while the respondent has a session of the flow. Its columns are the
-- definitions of `report::response`, computed from the base tables by
-- `flow_progress_refresh` below whenever a row they depend on changes; the respondent's own
-- columns (token, unreachable, cohort, programme, school) are joined when read, so they
-- need no copy here.
CREATE TABLE flow_progress (
    flow_id        TEXT NOT NULL,
    respondent_id  BIGINT NOT NULL,
    -- A session left `invited` (or expired after at least one answer).
    started        INTEGER NOT NULL,
    -- A completed session.
    completed      INTEGER NOT NULL,
    -- An opted-out session (the report counts it only without a completion).
    opted_out      INTEGER NOT NULL,
    -- The first completion time (unix ms) of a completed session.
    first_done     BIGINT,
    -- Links exported for the flow, bound to a channel, or sent a wave message of the flow
    -- (the report's "invited" when the respondent also has a token).
    reached        INTEGER NOT NULL,
    -- The wave of the last message of the flow sent at or before `first_done`.
    after_wave     BIGINT,
    -- The respondent's latest session of the flow (highest id) and its status: the waves'
    -- `--status` and exclusions are decided on it.
    latest_session BIGINT NOT NULL,
    latest_status  TEXT NOT NULL,
    PRIMARY KEY (flow_id, respondent_id)
) WITHOUT ROWID;
CREATE INDEX flow_progress_respondent ON flow_progress (respondent_id, flow_id);

-- SQLite has no stored procedures: inserting (flow_id, respondent_id) into this view
-- recomputes that row; every trigger below does so for the pairs its change touches.
CREATE VIEW flow_progress_refresh (flow_id, respondent_id) AS
    SELECT flow_id, respondent_id FROM flow_progress WHERE 0;

CREATE TRIGGER flow_progress_refresh_row INSTEAD OF INSERT ON flow_progress_refresh
BEGIN
    DELETE FROM flow_progress
    WHERE flow_id = NEW.flow_id AND respondent_id = NEW.respondent_id;
    INSERT INTO flow_progress (flow_id, respondent_id, started, completed, opted_out,
        first_done, reached, after_wave, latest_session, latest_status)
    SELECT a.flow_id, a.respondent_id, a.started, a.completed, a.opted_out, a.first_done,
        CASE WHEN EXISTS (SELECT 1 FROM roster_invites i
                          WHERE i.flow_id = a.flow_id AND i.respondent_id = a.respondent_id)
              OR EXISTS (SELECT 1 FROM channel_bindings b
                         WHERE b.respondent_id = a.respondent_id)
              OR EXISTS (SELECT 1 FROM outbox o JOIN waves w ON w.id = o.wave_id
                         WHERE o.respondent_id = a.respondent_id AND w.flow_id = a.flow_id
                           AND o.status = 'sent')
        THEN 1 ELSE 0 END,
        CASE WHEN a.first_done IS NULL THEN NULL ELSE (
            SELECT o.wave_id FROM outbox o JOIN waves w ON w.id = o.wave_id
            WHERE o.respondent_id = a.respondent_id AND w.flow_id = a.flow_id
              AND o.status = 'sent' AND o.sent_at IS NOT NULL AND o.sent_at <= a.first_done
            ORDER BY o.sent_at DESC, o.wave_id DESC LIMIT 1) END,
        a.latest_session,
        (SELECT l.status FROM sessions l WHERE l.id = a.latest_session)
    FROM (
        SELECT s.flow_id, s.respondent_id,
            MAX(CASE WHEN s.status IN ('consent', 'answering', 'completed', 'opted_out') THEN 1
                     WHEN s.status = 'expired' AND EXISTS (
                         SELECT 1 FROM answers x WHERE x.session_id = s.id) THEN 1
                     ELSE 0 END) AS started,
            MAX(CASE WHEN s.status = 'completed' THEN 1 ELSE 0 END) AS completed,
            MAX(CASE WHEN s.status = 'opted_out' THEN 1 ELSE 0 END) AS opted_out,
            MIN(CASE WHEN s.status = 'completed' THEN s.completed_at END) AS first_done,
            MAX(s.id) AS latest_session
        FROM sessions s
        WHERE s.flow_id = NEW.flow_id AND s.respondent_id = NEW.respondent_id
        GROUP BY s.flow_id, s.respondent_id) a;
END;

-- Sessions: a new one, one that changes status or completion time (not every answer: the
-- step commit rewrites status on every message, so the WHEN compares old and new), one
-- that goes away.
CREATE TRIGGER flow_progress_session_insert AFTER INSERT ON sessions
BEGIN
    INSERT INTO flow_progress_refresh VALUES (NEW.flow_id, NEW.respondent_id);
END;
CREATE TRIGGER flow_progress_session_update AFTER UPDATE ON sessions
WHEN OLD.status IS NOT NEW.status OR OLD.completed_at IS NOT NEW.completed_at
    OR OLD.flow_id IS NOT NEW.flow_id OR OLD.respondent_id IS NOT NEW.respondent_id
BEGIN
    INSERT INTO flow_progress_refresh VALUES (OLD.flow_id, OLD.respondent_id);
    INSERT INTO flow_progress_refresh SELECT NEW.flow_id, NEW.respondent_id
    WHERE NEW.flow_id IS NOT OLD.flow_id OR NEW.respondent_id IS NOT OLD.respondent_id;
END;
CREATE TRIGGER flow_progress_session_delete AFTER DELETE ON sessions
BEGIN
    INSERT INTO flow_progress_refresh VALUES (OLD.flow_id, OLD.respondent_id);
END;

-- Answers matter only to an expired session ("started" if it had one): one primary-key
-- lookup per stored answer, and no work at all for answers of open sessions.
CREATE TRIGGER flow_progress_answer_insert AFTER INSERT ON answers
WHEN EXISTS (SELECT 1 FROM sessions s WHERE s.id = NEW.session_id AND s.status = 'expired')
BEGIN
    INSERT INTO flow_progress_refresh
    SELECT s.flow_id, s.respondent_id FROM sessions s WHERE s.id = NEW.session_id;
END;
CREATE TRIGGER flow_progress_answer_delete AFTER DELETE ON answers
WHEN EXISTS (SELECT 1 FROM sessions s WHERE s.id = OLD.session_id AND s.status = 'expired')
BEGIN
    INSERT INTO flow_progress_refresh
    SELECT s.flow_id, s.respondent_id FROM sessions s WHERE s.id = OLD.session_id;
END;

-- Exported links of a flow.
CREATE TRIGGER flow_progress_invite_insert AFTER INSERT ON roster_invites
BEGIN
    INSERT INTO flow_progress_refresh VALUES (NEW.flow_id, NEW.respondent_id);
END;
CREATE TRIGGER flow_progress_invite_delete AFTER DELETE ON roster_invites
BEGIN
    INSERT INTO flow_progress_refresh VALUES (OLD.flow_id, OLD.respondent_id);
END;

-- A channel binding reaches the respondent in every flow they are on.
CREATE TRIGGER flow_progress_binding_insert AFTER INSERT ON channel_bindings
BEGIN
    INSERT INTO flow_progress_refresh
    SELECT p.flow_id, p.respondent_id FROM flow_progress p
    WHERE p.respondent_id = NEW.respondent_id;
END;
CREATE TRIGGER flow_progress_binding_update AFTER UPDATE ON channel_bindings
WHEN OLD.respondent_id IS NOT NEW.respondent_id
BEGIN
    INSERT INTO flow_progress_refresh
    SELECT p.flow_id, p.respondent_id FROM flow_progress p
    WHERE p.respondent_id IN (OLD.respondent_id, NEW.respondent_id);
END;
CREATE TRIGGER flow_progress_binding_delete AFTER DELETE ON channel_bindings
BEGIN
    INSERT INTO flow_progress_refresh
    SELECT p.flow_id, p.respondent_id FROM flow_progress p
    WHERE p.respondent_id = OLD.respondent_id;
END;

-- Wave messages count once sent ("reached", and the wave a completion followed); planning,
-- claiming and retrying rows that are not and were not `sent` does no work here.
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

-- A wave moved to another flow or deleted (jejak does neither; kept exact all the same).
-- The outbox rows a deleted wave takes along are gone by the time this runs.
CREATE TRIGGER flow_progress_wave_update AFTER UPDATE ON waves
WHEN OLD.flow_id IS NOT NEW.flow_id
BEGIN
    INSERT INTO flow_progress_refresh
    SELECT p.flow_id, p.respondent_id FROM flow_progress p
    WHERE p.flow_id IN (OLD.flow_id, NEW.flow_id) AND p.respondent_id IN (
        SELECT o.respondent_id FROM outbox o WHERE o.wave_id = NEW.id AND o.status = 'sent');
END;
CREATE TRIGGER flow_progress_wave_delete AFTER DELETE ON waves
BEGIN
    INSERT INTO flow_progress_refresh
    SELECT p.flow_id, p.respondent_id FROM flow_progress p
    WHERE p.flow_id = OLD.flow_id AND (p.reached = 1 OR p.after_wave = OLD.id);
END;

-- The rows of everyone already on a flow.
INSERT INTO flow_progress_refresh SELECT DISTINCT flow_id, respondent_id FROM sessions;
