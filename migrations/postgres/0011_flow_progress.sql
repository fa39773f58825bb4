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
);
CREATE INDEX flow_progress_respondent ON flow_progress (respondent_id, flow_id);

-- Recomputes the rows of the pairs (f[i], rid[i]) from the base tables, set-based, so a
-- statement that writes 500 sessions (a roster batch) refreshes them in one pass.
CREATE FUNCTION flow_progress_refresh_many(f TEXT[], rid BIGINT[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM flow_progress p USING unnest(f, rid) AS k(flow_id, respondent_id)
    WHERE p.flow_id = k.flow_id AND p.respondent_id = k.respondent_id;
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
        FROM (SELECT DISTINCT k.flow_id, k.respondent_id
              FROM unnest(f, rid) AS k(flow_id, respondent_id)) k
        JOIN sessions s ON s.flow_id = k.flow_id AND s.respondent_id = k.respondent_id
        GROUP BY s.flow_id, s.respondent_id) a;
END;
$$;

-- Recomputes the row of (f, rid). PL/pgSQL, not SQL: its statements' plans are cached
-- for the session, where an SQL function is planned again on every call.
CREATE FUNCTION flow_progress_refresh(f TEXT, rid BIGINT) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM flow_progress_refresh_many(ARRAY[f], ARRAY[rid]);
END;
$$;

-- Sessions: new ones and removed ones per statement (a roster batch enrols 500 at once);
-- one that changes status or completion time per row (not every answer: the step commit
-- rewrites status on every message, so the WHEN compares old and new).
CREATE FUNCTION flow_progress_on_sessions_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM flow_progress_refresh_many(array_agg(n.flow_id), array_agg(n.respondent_id))
    FROM new_rows n;
    RETURN NULL;
END;
$$;
CREATE TRIGGER flow_progress_session_insert AFTER INSERT ON sessions
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION flow_progress_on_sessions_inserted();
CREATE FUNCTION flow_progress_on_sessions_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM flow_progress_refresh_many(array_agg(o.flow_id), array_agg(o.respondent_id))
    FROM old_rows o;
    RETURN NULL;
END;
$$;
CREATE TRIGGER flow_progress_session_delete AFTER DELETE ON sessions
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION flow_progress_on_sessions_deleted();
CREATE FUNCTION flow_progress_on_session() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM flow_progress_refresh(OLD.flow_id, OLD.respondent_id);
    IF NEW.flow_id IS DISTINCT FROM OLD.flow_id
            OR NEW.respondent_id IS DISTINCT FROM OLD.respondent_id THEN
        PERFORM flow_progress_refresh(NEW.flow_id, NEW.respondent_id);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER flow_progress_session_update AFTER UPDATE ON sessions
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
        OR OLD.completed_at IS DISTINCT FROM NEW.completed_at
        OR OLD.flow_id IS DISTINCT FROM NEW.flow_id
        OR OLD.respondent_id IS DISTINCT FROM NEW.respondent_id)
    EXECUTE FUNCTION flow_progress_on_session();

-- Answers matter only to an expired session ("started" if it had one): one primary-key
-- lookup per stored answer, and no recomputation for answers of open sessions.
CREATE FUNCTION flow_progress_on_answer() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    sid BIGINT;
BEGIN
    IF TG_OP = 'DELETE' THEN sid := OLD.session_id; ELSE sid := NEW.session_id; END IF;
    PERFORM flow_progress_refresh(s.flow_id, s.respondent_id)
    FROM sessions s WHERE s.id = sid AND s.status = 'expired';
    RETURN NULL;
END;
$$;
CREATE TRIGGER flow_progress_answer AFTER INSERT OR DELETE ON answers
    FOR EACH ROW EXECUTE FUNCTION flow_progress_on_answer();

-- Exported links of a flow (`jejak invite` records a whole roster in 500-row statements).
CREATE FUNCTION flow_progress_on_invites_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM flow_progress_refresh_many(array_agg(n.flow_id), array_agg(n.respondent_id))
    FROM new_rows n;
    RETURN NULL;
END;
$$;
CREATE TRIGGER flow_progress_invite_insert AFTER INSERT ON roster_invites
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION flow_progress_on_invites_inserted();
CREATE FUNCTION flow_progress_on_invites_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM flow_progress_refresh_many(array_agg(o.flow_id), array_agg(o.respondent_id))
    FROM old_rows o;
    RETURN NULL;
END;
$$;
CREATE TRIGGER flow_progress_invite_delete AFTER DELETE ON roster_invites
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION flow_progress_on_invites_deleted();

-- A channel binding reaches the respondent in every flow they are on.
CREATE FUNCTION flow_progress_on_binding() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM flow_progress_refresh(p.flow_id, p.respondent_id)
        FROM flow_progress p WHERE p.respondent_id = OLD.respondent_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM flow_progress_refresh(p.flow_id, p.respondent_id)
        FROM flow_progress p WHERE p.respondent_id = NEW.respondent_id;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER flow_progress_binding AFTER INSERT OR DELETE ON channel_bindings
    FOR EACH ROW EXECUTE FUNCTION flow_progress_on_binding();
CREATE TRIGGER flow_progress_binding_update AFTER UPDATE ON channel_bindings
    FOR EACH ROW WHEN (OLD.respondent_id IS DISTINCT FROM NEW.respondent_id)
    EXECUTE FUNCTION flow_progress_on_binding();

-- Wave messages count once sent ("reached", and the wave a completion followed); planning,
-- claiming and retrying rows that are not and were not `sent` does no work here. Inserts
-- and deletes are refreshed per statement (set-based), a change of one row (the dispatcher
-- marking a message sent) per row.
CREATE FUNCTION flow_progress_on_outbox_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM flow_progress_refresh_many(array_agg(w.flow_id), array_agg(n.respondent_id))
    FROM new_rows n JOIN waves w ON w.id = n.wave_id WHERE n.status = 'sent';
    RETURN NULL;
END;
$$;
CREATE TRIGGER flow_progress_outbox_insert AFTER INSERT ON outbox
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION flow_progress_on_outbox_inserted();
CREATE FUNCTION flow_progress_on_outbox_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM flow_progress_refresh_many(array_agg(w.flow_id), array_agg(o.respondent_id))
    FROM old_rows o JOIN waves w ON w.id = o.wave_id WHERE o.status = 'sent';
    RETURN NULL;
END;
$$;
CREATE TRIGGER flow_progress_outbox_delete AFTER DELETE ON outbox
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION flow_progress_on_outbox_deleted();
CREATE FUNCTION flow_progress_on_outbox() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM flow_progress_refresh(w.flow_id, OLD.respondent_id)
    FROM waves w WHERE w.id = OLD.wave_id;
    IF NEW.wave_id IS DISTINCT FROM OLD.wave_id
            OR NEW.respondent_id IS DISTINCT FROM OLD.respondent_id THEN
        PERFORM flow_progress_refresh(w.flow_id, NEW.respondent_id)
        FROM waves w WHERE w.id = NEW.wave_id;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER flow_progress_outbox_update AFTER UPDATE ON outbox
    FOR EACH ROW WHEN ((OLD.status = 'sent' OR NEW.status = 'sent')
        AND (OLD.status IS DISTINCT FROM NEW.status OR OLD.sent_at IS DISTINCT FROM NEW.sent_at
             OR OLD.wave_id IS DISTINCT FROM NEW.wave_id
             OR OLD.respondent_id IS DISTINCT FROM NEW.respondent_id))
    EXECUTE FUNCTION flow_progress_on_outbox();

-- A wave moved to another flow or deleted (jejak does neither; kept exact all the same).
-- The outbox rows a deleted wave takes along are gone by the time this runs.
CREATE FUNCTION flow_progress_on_wave() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM flow_progress_refresh(p.flow_id, p.respondent_id) FROM flow_progress p
        WHERE p.flow_id = OLD.flow_id AND (p.reached = 1 OR p.after_wave = OLD.id);
    ELSE
        PERFORM flow_progress_refresh(p.flow_id, p.respondent_id) FROM flow_progress p
        WHERE p.flow_id IN (OLD.flow_id, NEW.flow_id) AND p.respondent_id IN (
            SELECT o.respondent_id FROM outbox o WHERE o.wave_id = NEW.id AND o.status = 'sent');
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER flow_progress_wave_update AFTER UPDATE ON waves
    FOR EACH ROW WHEN (OLD.flow_id IS DISTINCT FROM NEW.flow_id)
    EXECUTE FUNCTION flow_progress_on_wave();
CREATE TRIGGER flow_progress_wave_delete AFTER DELETE ON waves
    FOR EACH ROW EXECUTE FUNCTION flow_progress_on_wave();

-- The rows of everyone already on a flow.
SELECT flow_progress_refresh_many(array_agg(k.flow_id), array_agg(k.respondent_id))
FROM (SELECT DISTINCT flow_id, respondent_id FROM sessions) k;
