//! Bulk benchmark data shared by `benches/waves.rs` and `benches/export.rs`: a roster built
//! inside the database (the import's own speed is measured elsewhere).

#![allow(dead_code)]

use std::time::Instant;

use chrono::Utc;
use sqlx::Connection as _;

/// Which sessions the roster gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mix {
    /// A session of `tracer-smk` for everyone: a tenth completed, the rest answering (the
    /// export benchmark: one row per respondent).
    EveryoneOnTheFlow,
    /// A session of `tracer-smk` for nineteen in twenty (a tenth of them completed, two in
    /// five answering, the rest invited), and for the twentieth only a session of another
    /// flow, so the roster spans flows as a national one does (the wave benchmark).
    AcrossFlows,
}

/// Builds a roster of `n` respondents with a Telegram chat each, in three `INSERT … SELECT`s
/// over a recursive counter (the same text on both backends; no row crosses the connection,
/// so 1,500,000 take a minute or two rather than the half hour of row-by-row inserts), with
/// sessions as `mix` says.
pub async fn bulk_roster(url: &str, n: u64, mix: Mix) -> anyhow::Result<()> {
    let mut conn = sqlx::AnyConnection::connect(url).await?;
    let now = Utc::now().timestamp_millis();
    let mut tx = sqlx::Connection::begin(&mut conn).await?;
    // `n` is a number from the environment, parsed as u64: safe to inline.
    let counter = format!(
        "WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i + 1 < {n}) "
    );
    let (flow, status) = match mix {
        Mix::EveryoneOnTheFlow => (
            "'tracer-smk'",
            "CASE WHEN id % 10 = 0 THEN 'completed' ELSE 'answering' END",
        ),
        Mix::AcrossFlows => (
            "CASE WHEN id % 20 = 19 THEN 'other-flow' ELSE 'tracer-smk' END",
            "CASE WHEN id % 10 = 0 THEN 'completed' WHEN id % 5 IN (1, 3) THEN 'answering' \
             ELSE 'invited' END",
        ),
    };
    let steps = [
        (
            "respondents",
            format!(
                "{counter}INSERT INTO respondents (external_id, name, cohort, programme, school, \
                     timezone, language, created_at, updated_at, token) \
                 SELECT 'NIM' || CAST(10000000 + i AS TEXT), 'Alumni ' || CAST(i AS TEXT), \
                     CASE i % 3 WHEN 0 THEN '2023' WHEN 1 THEN '2024' ELSE '2025' END, \
                     CASE i % 4 WHEN 0 THEN 'TKJ' WHEN 1 THEN 'AKL' WHEN 2 THEN 'TBSM' \
                         ELSE 'RPL' END, \
                     'SMK ' || CAST(i % 200 AS TEXT), \
                     CASE i % 3 WHEN 0 THEN 'Asia/Jakarta' WHEN 1 THEN 'Asia/Makassar' \
                         ELSE 'Asia/Jayapura' END, \
                     'id', {now}, {now}, 'bench' || CAST(i AS TEXT) \
                 FROM k"
            ),
        ),
        (
            "Telegram chats",
            "INSERT INTO channel_bindings (respondent_id, channel, address, bound_at) \
             SELECT id, 'telegram', CAST(id AS TEXT), 0 FROM respondents"
                .to_owned(),
        ),
        (
            "sessions",
            format!(
                "INSERT INTO sessions (respondent_id, flow_id, flow_version, status, state, \
                     created_at, updated_at, completed_at) \
                 SELECT id, {flow}, 1, {status}, '{{}}', 0, 0, \
                     CASE WHEN id % 10 = 0 THEN 0 END \
                 FROM respondents"
            ),
        ),
    ];
    for (what, sql) in steps {
        let t = Instant::now();
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await?;
        println!("  {what}: {:.1} s", t.elapsed().as_secs_f64());
    }
    tx.commit().await?;
    conn.close().await?;
    Ok(())
}
