-- Erasure keeps the report's "started" (keep in step with the other backend's
-- 0016_erased_started.sql). An expired session counts as started when it has an answer
-- (0011); erasing a respondent (`/hapus`, `jejak respondent delete`, the retention purge)
-- deletes the answers, which dropped it from "started", and the retention purge ends open
-- sessions as expired, which did the same to a session in `consent`. `erased_started`
-- remembers, at the erasure, that the session counted as started; the progress row reads it
-- first. The refresh trigger below is 0011's with that one line added.
ALTER TABLE sessions ADD COLUMN erased_started INTEGER NOT NULL DEFAULT 0
    CHECK (erased_started IN (0, 1));

DROP TRIGGER flow_progress_refresh_row;
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
            MAX(CASE WHEN s.erased_started = 1 THEN 1
                     WHEN s.status IN ('consent', 'answering', 'completed', 'opted_out') THEN 1
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
