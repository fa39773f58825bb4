//! Bulk benchmark data shared by `benches/waves.rs` and `benches/export.rs`: a roster
//! inserted directly in multi-row statements (the import's own speed is measured elsewhere).

#![allow(dead_code)]

use chrono::Utc;
use sqlx::Connection as _;

/// Inserts `n` respondents with a Telegram chat each, in multi-row statements, and sessions
/// of `tracer-smk` for those whose id is a multiple of `every` (the wave benchmark: 2, half
/// of them); a tenth of all ids (multiples of 10) completed.
pub async fn bulk_roster(url: &str, n: u64, every: u64) -> anyhow::Result<()> {
    let mut conn = sqlx::AnyConnection::connect(url).await?;
    let zones = ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"];
    let now = Utc::now().timestamp_millis();
    let chunk = 500u64;
    let mut tx = sqlx::Connection::begin(&mut conn).await?;
    let mut i = 0;
    while i < n {
        let end = (i + chunk).min(n);
        let mut sql = String::from(
            "INSERT INTO respondents (external_id, name, cohort, programme, school, timezone, \
             language, created_at, updated_at, token) VALUES ",
        );
        let mut p = 0;
        for k in i..end {
            if k > i {
                sql.push(',');
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, 'id', {now}, {now}, ${})",
                p + 1,
                p + 2,
                p + 3,
                p + 4,
                p + 5,
                p + 6,
                p + 7
            ));
            p += 7;
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for k in i..end {
            q = q
                .bind(format!("NIM{k:07}"))
                .bind(format!("Alumni {k}"))
                .bind(["2023", "2024", "2025"][(k % 3) as usize])
                .bind(["TKJ", "AKL", "TBSM", "RPL"][(k % 4) as usize])
                .bind(format!("SMK {}", k % 200))
                .bind(zones[(k % 3) as usize])
                .bind(format!("bench{k}"));
        }
        q.execute(&mut *tx).await?;
        i = end;
    }
    sqlx::query(
        "INSERT INTO channel_bindings (respondent_id, channel, address, bound_at) \
         SELECT id, 'telegram', CAST(id AS TEXT), 0 FROM respondents",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO sessions (respondent_id, flow_id, flow_version, status, state, created_at, \
             updated_at, completed_at) \
         SELECT id, 'tracer-smk', 1, \
             CASE WHEN id % 10 = 0 THEN 'completed' ELSE 'answering' END, '{}', 0, 0, \
             CASE WHEN id % 10 = 0 THEN 0 END \
         FROM respondents WHERE id % $1 = 0",
    )
    .bind(i64::try_from(every.max(1))?)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    conn.close().await?;
    Ok(())
}
