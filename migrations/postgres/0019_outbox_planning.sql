-- Planning a wave at national scale (issue 14; keep in step with the other backend's
-- 0019_outbox_planning.sql). Planning inserts one outbox row per respondent in one
-- statement (1,275,000 rows for a roster of 1,500,000), and most of its time was spent
-- maintaining what those rows never use (docs/benchmarks.md, "Wave planning at national
-- scale"):
-- - Three indexes only ever searched for rows a dispatcher has touched: by the platform's
--   message id (delivery statuses), by the worker holding a claim, and by respondent for
--   the messages *sent* (flow_progress's "reached" and "after which wave"; every reader
--   says `status = 'sent'`). A planned row is pending, unclaimed and has no message id, so
--   as partial indexes they get an entry only once a row is claimed, sent or given an id.
-- - The three foreign keys. Each checked every inserted row with a query of its own
--   (12 s of the 1,275,000, `EXPLAIN ANALYZE`, for `run_id` alone), and the one to
--   `respondents` took a FOR KEY SHARE lock on every respondent, which writes to every
--   respondent's row (1,275,000 row versions touched to plan one wave). Planning only
--   inserts the run it has just inserted in the same transaction, its wave, and ids it
--   has just read from `respondents`; jejak never deletes a respondent (erasure keeps a
--   tombstone) nor a wave. What the foreign keys' ON DELETE CASCADE did for a DELETE by
--   hand is kept by the triggers below: a respondent's or a run's rows go with it, and a
--   wave's with its runs (`wave_runs.wave_id` still cascades).
DROP INDEX outbox_platform_message;
CREATE INDEX outbox_platform_message ON outbox (platform_message_id)
    WHERE platform_message_id IS NOT NULL;
DROP INDEX outbox_claimed;
CREATE INDEX outbox_claimed ON outbox (claimed_by, status) WHERE claimed_by IS NOT NULL;
DROP INDEX outbox_respondent_sent;
CREATE INDEX outbox_respondent_sent ON outbox (respondent_id, status, sent_at, wave_id)
    WHERE status = 'sent';

ALTER TABLE outbox DROP CONSTRAINT outbox_run_id_fkey;
ALTER TABLE outbox DROP CONSTRAINT outbox_wave_id_fkey;
ALTER TABLE outbox DROP CONSTRAINT outbox_respondent_id_fkey;

-- What ON DELETE CASCADE did: a deleted respondent's or run's reminders go too. Once per
-- statement, so deleting many is one set-based delete.
CREATE FUNCTION outbox_on_respondent_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM outbox o USING old_rows d WHERE o.respondent_id = d.id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER outbox_respondent_delete AFTER DELETE ON respondents
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_on_respondent_deleted();
CREATE FUNCTION outbox_on_run_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM outbox o USING old_rows d WHERE o.run_id = d.id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER outbox_run_delete AFTER DELETE ON wave_runs
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_on_run_deleted();
