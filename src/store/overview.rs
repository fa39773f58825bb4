//! Reads of the staff console's overview that the response report does not already give.

use chrono::NaiveDate;

use super::error::db;
use super::{Result, Scope, get};

/// Milliseconds WIB is ahead of UTC: a day of the completions chart is a day in WIB.
const WIB_OFFSET_MS: i64 = 7 * 3600 * 1000;
const DAY_MS: i64 = 24 * 3600 * 1000;

handle!(Overview, overview, "The staff console's overview figures.");

impl Overview<'_> {
    /// Completions of a flow per day (WIB) within `scope`, oldest first. A respondent counts
    /// once, on the day of their first completion (as in the report).
    pub async fn completions_per_day(
        &self,
        flow_id: &str,
        scope: &Scope,
    ) -> Result<Vec<(NaiveDate, u64)>> {
        // As in `report_cells`: the first completion per respondent is kept in
        // `flow_progress` (migration 0011); the scope picks the respondents through the
        // index on `lower(trim(school))`, and everyone's needs no respondent row at all.
        let (cond, schools) = scope.sql("r.school", 4);
        let within = match scope {
            Scope::All => String::new(),
            Scope::Schools(_) => {
                format!("AND p.respondent_id IN (SELECT r.id FROM respondents r WHERE {cond})")
            }
        };
        let sql = format!(
            "SELECT (p.first_done + $2) / $3 AS day, COUNT(*) AS n FROM flow_progress p \
             WHERE p.flow_id = $1 AND p.completed = 1 AND p.first_done IS NOT NULL {within} \
             GROUP BY 1 ORDER BY 1"
        );
        // Only the scope's placeholders are spliced in; every value is bound.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(flow_id)
            .bind(WIB_OFFSET_MS)
            .bind(DAY_MS);
        q = super::scope::bind(q, schools);
        // As for the report: one school's completions took 37,500 index probes on tables
        // never analysed since a bulk load instead of a hash join.
        super::stats::refresh_stale_planner_statistics(self.store).await?;
        let rows = q
            .fetch_all(&self.store.reader)
            .await
            .map_err(db("counting completions per day"))?;
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
        rows.iter()
            .map(|row| {
                let day: i64 = get(row, "day")?;
                let n: i64 = get(row, "n")?;
                Ok((
                    epoch + chrono::Days::new(u64::try_from(day).unwrap_or(0)),
                    u64::try_from(n).unwrap_or(0),
                ))
            })
            .collect()
    }
}
