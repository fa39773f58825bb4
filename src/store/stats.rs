//! PostgreSQL's planner statistics of the tables a wave's audience and the console's
//! overview are read from: shared by [`Waves`](super::Waves) (planning, the dry run),
//! [`Overview`](super::Overview), [`Roster`](super::Roster) (the response report) and
//! [`Export`](super::Export) (the invitation sheet).

use sqlx::AssertSqlSafe;

use super::error::db;
use super::{Backend, Result, Store, get};

/// On PostgreSQL, refreshes the statistics of the tables a wave's audience is read
/// from. The plan of the audience query depends on them: right after a large roster
/// import autovacuum has not analysed the tables yet, and with the stale counts
/// PostgreSQL picks nested loops that take minutes at 150,000 respondents instead of a
/// second. ANALYZE samples a fixed number of rows (well under a second here) and runs
/// once per planned run or dry run, so it is simply done every time.
pub(super) async fn refresh_planner_statistics(store: &Store) -> Result<()> {
    if store.backend() == Backend::Postgres {
        sqlx::query("ANALYZE respondents, channel_bindings, sessions, outbox, flow_progress")
            .execute(&store.writer)
            .await
            .map_err(db("analysing the tables a wave is planned from"))?;
    }
    Ok(())
}

/// As [`refresh_planner_statistics`], but only for the tables whose statistics
/// are missing or stale (more than a tenth of their rows changed since they were last
/// analysed, by us or by autovacuum). The dry run and the response report (the
/// console's overview) ask for it on every page a staff member opens; an ANALYZE there
/// each time cost more than the query itself, the check costs under a millisecond.
/// Without it, the overview right after a bulk load (a roster import, or a
/// benchmark's load in one transaction) ran on tables PostgreSQL had never analysed:
/// a sorted group over a bitmap scan for everyone's report (500 ms instead of 150 ms
/// at 150,000 respondents) and 37,500 index probes for one school's completions per
/// day (126 ms instead of 36 ms). PostgreSQL's change counters can lag a few seconds
/// behind a commit, so a read right after a large import may still use the old
/// statistics once.
pub(super) async fn refresh_stale_planner_statistics(store: &Store) -> Result<()> {
    if store.backend() != Backend::Postgres {
        return Ok(());
    }
    const TABLES: [&str; 5] = [
        "respondents",
        "channel_bindings",
        "sessions",
        "outbox",
        "flow_progress",
    ];
    let rows = sqlx::query(
        "SELECT relname::text AS relname FROM pg_stat_user_tables \
         WHERE relid IN ('respondents'::regclass, 'channel_bindings'::regclass, \
             'sessions'::regclass, 'outbox'::regclass, 'flow_progress'::regclass) \
         AND ((last_analyze IS NULL AND last_autoanalyze IS NULL) \
             OR n_mod_since_analyze > n_live_tup / 10 + 500)",
    )
    .fetch_all(&store.reader)
    .await
    .map_err(db("reading the tables' statistics"))?;
    let mut stale = Vec::new();
    for r in &rows {
        let name: String = get(r, "relname")?;
        // Only names from the fixed list reach the statement.
        if let Some(t) = TABLES.iter().find(|t| **t == name) {
            stale.push(*t);
        }
    }
    if !stale.is_empty() {
        sqlx::query(AssertSqlSafe(format!("ANALYZE {}", stale.join(", "))))
            .execute(&store.writer)
            .await
            .map_err(db("analysing the tables a wave is planned from"))?;
    }
    Ok(())
}
