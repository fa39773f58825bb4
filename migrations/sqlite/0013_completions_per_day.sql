-- Kept in step with the PostgreSQL migration of the same number, which adds a partial index
-- of the completed progress rows for the overview's completions per day. SQLite does not
-- need it: its planner, without statistics, reads a flow's rows by the primary key of
-- `flow_progress` either way (checked with EXPLAIN QUERY PLAN), and that range scan is
-- already the cheap part of the overview here. Nothing to change.
SELECT 1;
