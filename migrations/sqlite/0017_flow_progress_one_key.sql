-- Nothing to do on SQLite: the other backend's 0017 gives PostgreSQL's one-key refresh of
-- flow_progress statements of its own, for how PostgreSQL caches plans in PL/pgSQL.
SELECT 1;
