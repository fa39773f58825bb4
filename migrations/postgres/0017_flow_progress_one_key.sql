-- One respondent's flow_progress row recomputed with statements of its own (issue 14).
--
-- Every change of a session's status refreshes one (flow, respondent) pair through
-- `flow_progress_refresh`, which called `flow_progress_refresh_many` with arrays of one.
-- PL/pgSQL caches a statement's plan per connection, and after five calls keeps a generic
-- one made without knowing the array's length: a connection that began while the tables
-- were small (a new deployment, the Telegram benchmark) joined the keys to `sessions` and
-- `flow_progress` by hashing whole tables, and kept doing so as they grew (0.95 ms per
-- status change at 2,000 sessions, 30 % of the database's time in the benchmark;
-- planning each call instead cost 0.9 ms). With the key as plain parameters every
-- statement is an index probe whatever the statistics; the bulk function keeps its joins
-- for roster batches and waves. Keep the two in step (and with 0016's definitions).
CREATE OR REPLACE FUNCTION flow_progress_refresh(f TEXT, rid BIGINT) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM flow_progress p WHERE p.flow_id = f AND p.respondent_id = rid;
    INSERT INTO flow_progress (flow_id, respondent_id, started, completed, opted_out,
        first_done, reached, after_wave, latest_session, latest_status)
    SELECT f, rid, a.started, a.completed, a.opted_out, a.first_done,
        CASE WHEN EXISTS (SELECT 1 FROM roster_invites i
                          WHERE i.flow_id = f AND i.respondent_id = rid)
              OR EXISTS (SELECT 1 FROM channel_bindings b WHERE b.respondent_id = rid)
              OR EXISTS (SELECT 1 FROM outbox o JOIN waves w ON w.id = o.wave_id
                         WHERE o.respondent_id = rid AND w.flow_id = f
                           AND o.status = 'sent')
        THEN 1 ELSE 0 END,
        CASE WHEN a.first_done IS NULL THEN NULL ELSE (
            SELECT o.wave_id FROM outbox o JOIN waves w ON w.id = o.wave_id
            WHERE o.respondent_id = rid AND w.flow_id = f
              AND o.status = 'sent' AND o.sent_at IS NOT NULL AND o.sent_at <= a.first_done
            ORDER BY o.sent_at DESC, o.wave_id DESC LIMIT 1) END,
        a.latest_session,
        (SELECT l.status FROM sessions l WHERE l.id = a.latest_session)
    FROM (
        SELECT
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
        WHERE s.flow_id = f AND s.respondent_id = rid
        HAVING COUNT(*) > 0) a;
END;
$$;

-- A statement that opens one session (a respondent's first message) takes the one-key
-- path too; a roster batch keeps the bulk one.
CREATE OR REPLACE FUNCTION flow_progress_on_sessions_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT COUNT(*) FROM new_rows) = 1 THEN
        PERFORM flow_progress_refresh(n.flow_id, n.respondent_id) FROM new_rows n;
    ELSE
        PERFORM flow_progress_refresh_many(array_agg(n.flow_id), array_agg(n.respondent_id))
        FROM new_rows n;
    END IF;
    RETURN NULL;
END;
$$;
