//! Bulk roster upserts, invitation bookkeeping, open-link identity attempts and the rows the
//! response-rate report is computed from.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;

use super::error::db;
use super::respondents::new_token;
use super::{Backend, NewRespondent, RespondentId, Result, Scope, StoreError, get, to_ms};
use crate::model::Lang;

/// Rows per multi-row `INSERT … ON CONFLICT` statement. At 13–15 parameters a row a batch of
/// 500 binds at most 7,500 parameters: far below SQLite's 32,766 and PostgreSQL's 65,535, and
/// large enough that the per-statement cost disappears (see docs/benchmarks.md).
pub const ROSTER_BATCH_ROWS: usize = 500;

/// The SQLite writer connection's settings during a roster import. Set by each batch (a
/// no-op when already set), put back by [`Roster::end_import`] ([`SQLITE_IMPORT_END`]).
///
/// Each new respondent goes into the token, name and phone indexes at random places, so a
/// 500-row batch dirties about 1,600 pages (6.5 MB) whatever else it does. Profiled at
/// 1,500,000 rows (`perf record` of `jejak bench roster --rows 1500000`, docs/benchmarks.md):
/// with SQLite's defaults the writer thread spent 23 % of its time checkpointing (the WAL
/// passed 1,000 pages at every commit, so every batch was written twice and synced), 12 %
/// in `fsync` and 10 % writing statement journals to temporary files. Hence:
/// - `cache_size` 64 MiB (instead of 2 MB): the batch's dirty pages stay in memory until
///   the commit instead of spilling to the WAL mid-transaction;
/// - `wal_autocheckpoint` 100,000 pages (up to ~400 MB of WAL on disk during the import):
///   a checkpoint then writes each page once for many batches and syncs once;
/// - `temp_store = MEMORY`: the multi-row upsert's statement journal (what undoes a
///   half-done statement) stays in memory (a few MB) instead of a file created, written
///   and deleted per batch.
///
/// 11,940 → 21,332 rows/s for the first import of 1,500,000 rows, same peak memory.
const SQLITE_IMPORT_SETTINGS: &str = "PRAGMA cache_size = -65536; \
     PRAGMA wal_autocheckpoint = 100000; PRAGMA temp_store = MEMORY";

/// The writer connection's usual settings, put back after an import (SQLite's defaults:
/// 2,000 KiB of page cache, a checkpoint past 1,000 WAL pages, temporary files for
/// temporary data: a wave's planning must not build its temporary tables in memory), and
/// one checkpoint that writes the import's WAL into the database and truncates the file,
/// so the bot's next commit does not inherit a checkpoint of hundreds of megabytes. When a
/// reader holds the WAL the checkpoint does what it can and the next one finishes it.
const SQLITE_IMPORT_END: &str = "PRAGMA cache_size = -2000; PRAGMA wal_autocheckpoint = 1000; \
     PRAGMA temp_store = DEFAULT; PRAGMA wal_checkpoint(TRUNCATE)";

/// Parameters bound per roster row besides `now` (see [`upsert_sql`]).
const PARAMS_PER_ROW: usize = 13;

/// Where imported respondents are enrolled: each gets an `invited` session of the flow
/// unless they already have a session of it, so the flow's roster is "everyone with a
/// session of the flow" (the waves and the report count from there).
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// The flow's id.
    pub flow_id: String,
    /// The flow's version, stored on the new sessions.
    pub flow_version: i64,
    /// The engine state (JSON) of a fresh session for respondents whose language is English.
    pub state_en: String,
    /// The engine state (JSON) of a fresh session for everyone else.
    pub state_default: String,
}

/// What one roster batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    /// Respondents that did not exist before.
    pub inserted: usize,
    /// Respondents updated in place (matched by external id).
    pub updated: usize,
    /// Sessions of the enrolment's flow created for them.
    pub enrolled: usize,
}

/// One respondent of a flow, as `jejak invite` lists them.
#[derive(Debug, Clone, PartialEq)]
pub struct InviteRow {
    /// The store's id.
    pub id: RespondentId,
    /// NISN/NIM or similar.
    pub external_id: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Phone (E.164).
    pub phone: Option<String>,
    /// Cohort.
    pub cohort: Option<String>,
    /// Programme.
    pub programme: Option<String>,
    /// School or unit.
    pub school: Option<String>,
    /// Enrolment token of the personal links.
    pub token: String,
}

/// The respondent column a report breaks down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportColumn {
    /// `respondents.cohort`.
    Cohort,
    /// `respondents.programme`.
    Programme,
    /// `respondents.school`.
    School,
}

/// Respondents of one group sharing completion and credited wave, counted by the database
/// (see [`Roster::report_cells`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportCell {
    /// The group's raw label (`None`: no breakdown, or the field is empty).
    pub label: Option<String>,
    /// Whether these respondents completed.
    pub completed: bool,
    /// The wave their completion followed (only for completed ones).
    pub after_wave: Option<i64>,
    /// How many respondents.
    pub roster: u64,
    /// Of them invited.
    pub invited: u64,
    /// Of them unreachable.
    pub unreachable: u64,
    /// Of them started.
    pub started: u64,
    /// Of them opted out (and not completed).
    pub opted_out: u64,
}

/// The stored state of failed identity checks from one chat address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdentityAttempts {
    /// Failed attempts counted so far.
    pub failures: i64,
    /// Unix ms until which the address is locked out.
    pub locked_until: Option<i64>,
}

/// The SQL of a roster upsert of `rows` rows.
///
/// PostgreSQL gets numbered placeholders (`$1` the shared `now`, then 13 per row). SQLite gets
/// anonymous `?` placeholders (13 per row plus `now` twice): sqlx looks up the name of every
/// numbered SQLite parameter, and SQLite finds a parameter's name by a linear scan, so 6,500
/// numbered parameters cost 6,500² steps per statement (about 1 s under load); anonymous
/// ones are bound by position.
fn upsert_sql(rows: usize, backend: Backend) -> String {
    let mut sql = String::with_capacity(200 + rows * 80);
    sql.push_str(
        "INSERT INTO respondents (external_id, name, phone, email, cohort, programme, school, \
             province, timezone, language, birth_date, extra, token, unreachable, created_at, \
             updated_at) VALUES ",
    );
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..PARAMS_PER_ROW {
            match backend {
                Backend::Sqlite => sql.push_str("?,"),
                Backend::Postgres => sql.push_str(&format!("${},", 2 + r * PARAMS_PER_ROW + c)),
            }
        }
        match backend {
            Backend::Sqlite => sql.push_str("0,?,?)"),
            Backend::Postgres => sql.push_str("0,$1,$1)"),
        }
    }
    sql.push_str(concat!(
        " ON CONFLICT (external_id) DO UPDATE SET ",
        super::respondents::respondent_upsert_set!(),
        " RETURNING id, created_at"
    ));
    sql
}

/// The SQL enrolling up to `ids` respondents into a flow: `$1` flow id, `$2` version,
/// `$3` English state, `$4` default state, `$5` now, then the ids.
fn enrol_sql(ids: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO sessions (respondent_id, flow_id, flow_version, status, state, revision, \
             created_at, updated_at) \
         SELECT r.id, $1, $2, 'invited', \
                CASE WHEN r.language = 'en' THEN $3 ELSE $4 END, 0, $5, $5 \
         FROM respondents r \
         WHERE NOT EXISTS (SELECT 1 FROM sessions s \
                           WHERE s.respondent_id = r.id AND s.flow_id = $1) \
           AND r.id IN (",
    );
    for i in 0..ids {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str(&format!("${}", 6 + i));
    }
    sql.push(')');
    sql
}

/// The statement text for a full batch, built once per backend.
fn full_batch_sql(backend: Backend) -> &'static str {
    static SQLITE: OnceLock<String> = OnceLock::new();
    static POSTGRES: OnceLock<String> = OnceLock::new();
    let cell = match backend {
        Backend::Sqlite => &SQLITE,
        Backend::Postgres => &POSTGRES,
    };
    cell.get_or_init(|| upsert_sql(ROSTER_BATCH_ROWS, backend))
}

/// The enrolment statement for a full batch, built once.
fn full_enrol_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| enrol_sql(ROSTER_BATCH_ROWS))
}

/// A row's extra fields as the JSON text stored in `respondents.extra`.
fn extra_json(r: &NewRespondent) -> Result<String> {
    serde_json::to_string(&r.fields.extra).map_err(|source| StoreError::Encode {
        context: "respondent extra fields",
        source,
    })
}

/// One roster row as [`PG_BATCH_SQL`] reads it (`json_to_recordset`): the columns of the
/// upsert, a fresh token for a new respondent (kept ones win, see the statement).
#[derive(serde::Serialize)]
struct JsonRow<'a> {
    external_id: Option<&'a str>,
    name: Option<&'a str>,
    phone: Option<&'a str>,
    email: Option<&'a str>,
    cohort: Option<&'a str>,
    programme: Option<&'a str>,
    school: Option<&'a str>,
    province: Option<&'a str>,
    timezone: Option<&'a str>,
    language: Option<&'static str>,
    birth_date: Option<String>,
    extra: String,
    token: String,
}

/// A roster batch as one JSON array of [`JsonRow`]s.
fn batch_json(rows: &[NewRespondent]) -> Result<String> {
    let list = rows
        .iter()
        .map(|r| {
            Ok(JsonRow {
                external_id: r.fields.external_id.as_deref(),
                name: r.fields.name.as_deref(),
                phone: r.phone.as_deref(),
                email: r.email.as_deref(),
                cohort: r.fields.cohort.as_deref(),
                programme: r.fields.programme.as_deref(),
                school: r.fields.school.as_deref(),
                province: r.fields.province.as_deref(),
                timezone: r.timezone.as_deref(),
                language: r.language.map(Lang::tag),
                birth_date: r.birth_date.map(|d| d.format("%Y-%m-%d").to_string()),
                extra: extra_json(r)?,
                token: new_token(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    serde_json::to_string(&list).map_err(|source| StoreError::Encode {
        context: "a roster batch",
        source,
    })
}

/// Index probes, not hash joins, for the statements of one roster batch (this transaction
/// only). The batch's session inserts fire `flow_progress_refresh_many` (migration 0011),
/// whose `DELETE … USING unnest(…)` and `INSERT … SELECT … JOIN sessions` PostgreSQL
/// planned as hash joins over a whole seq scan of `flow_progress` and `sessions` while the
/// tables were below ~200,000 rows: each batch read every row loaded before it. Measured
/// with `auto_explain` at 110,000 rows (load ~10): DELETE 24.9 → 1.2 ms, INSERT 27.0 →
/// 8.2 ms per 500-row batch. The batch's own statement plans nested loops either way.
///
/// And `synchronous_commit` off for the batch: its COMMIT returns without waiting for the
/// WAL to reach the disk (3,000 flushes fewer for 1,500,000 rows). Nothing is lost to a
/// crash of jejak; a crash of the database server itself may lose the last batches an
/// import reported, which leaves the same state as an interrupted import (a prefix of the
/// file, each respondent with their session) and is completed by running the same import
/// again. Other transactions keep their durability.
const PG_IMPORT_PLANS: &str = "SELECT set_config('enable_hashjoin', 'off', true), \
     set_config('enable_mergejoin', 'off', true), set_config('synchronous_commit', 'off', true)";

/// A roster batch on PostgreSQL in one statement: `$1` now, `$2` the rows as a JSON array
/// ([`batch_json`]), `$3`–`$6` the enrolment (flow id, version, English state, default
/// state; all `NULL` for none). The upsert's `RETURNING` feeds the enrolment (the
/// respondent's language after the merge picks the session's state, as in [`enrol_sql`]),
/// and the last `SELECT` counts both. Enrolment reads `sessions` as it was before the
/// statement, which is right: the statement's own inserts go to respondents that had no
/// session of the flow, and each respondent appears once per batch (the importer merges
/// repeated ids).
///
/// "Has no session of the flow" is a `LATERAL … LIMIT 1` probe, not `NOT EXISTS`: with
/// statistics taken while the flow had a few dozen sessions, PostgreSQL planned the
/// `NOT EXISTS` as an anti join against every session of the flow, materialized and
/// filtered per row. Each batch then read all the sessions loaded before it, and an import
/// of 1,500,000 rows fell from ~14,000 to 200 rows/s at 150,000 (seen with `auto_explain`,
/// 500 ms a batch and growing). A subquery with `LIMIT` cannot be flattened into a join,
/// so it is one index probe per row whatever the statistics say.
const PG_BATCH_SQL: &str = concat!(
    "WITH input AS (\
         SELECT * FROM json_to_recordset($2::json) AS x(external_id TEXT, name TEXT, \
             phone TEXT, email TEXT, cohort TEXT, programme TEXT, school TEXT, \
             province TEXT, timezone TEXT, language TEXT, birth_date TEXT, extra TEXT, \
             token TEXT)), \
     up AS (\
         INSERT INTO respondents (external_id, name, phone, email, cohort, programme, \
             school, province, timezone, language, birth_date, extra, token, unreachable, \
             created_at, updated_at) \
         SELECT external_id, name, phone, email, cohort, programme, school, province, \
             timezone, language, birth_date, extra, token, 0, $1, $1 FROM input \
         ON CONFLICT (external_id) DO UPDATE SET ",
    super::respondents::respondent_upsert_set!(),
    " RETURNING id, created_at, language), \
     en AS (\
         INSERT INTO sessions (respondent_id, flow_id, flow_version, status, state, \
             revision, created_at, updated_at) \
         SELECT u.id, $3, $4, 'invited', \
             CASE WHEN u.language = 'en' THEN $5 ELSE $6 END, 0, $1, $1 \
         FROM up u \
         LEFT JOIN LATERAL (SELECT 1 AS found FROM sessions s \
             WHERE s.respondent_id = u.id AND s.flow_id = $3 LIMIT 1) e ON true \
         WHERE $3::text IS NOT NULL AND e.found IS NULL \
         RETURNING 1) \
     SELECT (SELECT COUNT(*) FROM up) AS loaded, \
         (SELECT COUNT(*) FROM up WHERE created_at = $1) AS inserted, \
         (SELECT COUNT(*) FROM en) AS enrolled"
);

handle!(
    Roster,
    roster,
    "The roster: imports, invitations, report cells and the open-link identity check."
);

impl Roster<'_> {
    /// Upserts up to [`ROSTER_BATCH_ROWS`] roster rows in one transaction, keyed by external
    /// id, with the same merge rules as
    /// [`upsert_respondent`](Respondents::upsert_respondent) (cells left empty keep the stored
    /// value; tokens of existing respondents are kept, new ones get a fresh token), and
    /// enrols them in `enrol`'s flow.
    ///
    /// Every row must have an external id, and no external id may appear twice in one batch
    /// (PostgreSQL refuses to update a row twice in one statement): the roster importer
    /// merges such rows before they get here.
    pub async fn upsert_roster_batch(
        &self,
        rows: &[NewRespondent],
        enrol: Option<&Enrolment>,
        now: DateTime<Utc>,
    ) -> Result<BatchOutcome> {
        if rows.is_empty() {
            return Ok(BatchOutcome::default());
        }
        if rows.iter().any(|r| r.fields.external_id.is_none()) {
            return Err(StoreError::Corrupt {
                context: "roster row",
                detail: "a roster row without an external id".into(),
            });
        }
        match self.store.backend {
            Backend::Postgres => self.upsert_roster_batch_pg(rows, enrol, now).await,
            Backend::Sqlite => self.upsert_roster_batch_values(rows, enrol, now).await,
        }
    }

    /// [`Roster::upsert_roster_batch`] on PostgreSQL: the whole batch is one JSON text
    /// bound to one parameter, and one statement ([`PG_BATCH_SQL`]) upserts it, enrols the
    /// rows and counts what it did. One round trip per batch instead of two statements of
    /// 6,500 parameters each (sqlx's `Any` driver converts every one, and PostgreSQL
    /// parses and plans a 500-row `VALUES` list anew each time). See docs/benchmarks.md,
    /// "National scale".
    async fn upsert_roster_batch_pg(
        &self,
        rows: &[NewRespondent],
        enrol: Option<&Enrolment>,
        now: DateTime<Utc>,
    ) -> Result<BatchOutcome> {
        let now_ms = to_ms(now);
        let json = batch_json(rows)?;
        let (flow_id, version, state_en, state_default) = match enrol {
            Some(e) => (
                Some(e.flow_id.as_str()),
                Some(e.flow_version),
                Some(e.state_en.as_str()),
                Some(e.state_default.as_str()),
            ),
            None => (None, None, None, None),
        };
        let mut tx = self.store.begin_write().await?;
        sqlx::query(PG_IMPORT_PLANS)
            .execute(&mut *tx)
            .await
            .map_err(db("setting up a roster batch"))?;
        let row = sqlx::query(PG_BATCH_SQL)
            .bind(now_ms)
            .bind(json)
            .bind(flow_id)
            .bind(version)
            .bind(state_en)
            .bind(state_default)
            .fetch_one(&mut *tx)
            .await
            .map_err(db("importing roster rows"))?;
        let count = |c: &'static str| -> Result<usize> {
            Ok(usize::try_from(get::<i64>(&row, c)?).unwrap_or(0))
        };
        let loaded = count("loaded")?;
        let inserted = count("inserted")?;
        let outcome = BatchOutcome {
            inserted,
            updated: loaded.saturating_sub(inserted),
            enrolled: count("enrolled")?,
        };
        tx.commit().await.map_err(db("committing roster rows"))?;
        Ok(outcome)
    }

    /// [`Roster::upsert_roster_batch`] as multi-row `VALUES` statements (SQLite).
    async fn upsert_roster_batch_values(
        &self,
        rows: &[NewRespondent],
        enrol: Option<&Enrolment>,
        now: DateTime<Utc>,
    ) -> Result<BatchOutcome> {
        let mut outcome = BatchOutcome::default();
        let now_ms = to_ms(now);
        let mut tx = self.store.begin_write().await?;
        sqlx::query(SQLITE_IMPORT_SETTINGS)
            .execute(&mut *tx)
            .await
            .map_err(db("setting up the writer for a roster import"))?;
        let mut ids: Vec<RespondentId> = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(ROSTER_BATCH_ROWS) {
            let owned;
            let sql: &str = if chunk.len() == ROSTER_BATCH_ROWS {
                full_batch_sql(self.store.backend)
            } else {
                owned = upsert_sql(chunk.len(), self.store.backend);
                &owned
            };
            let sqlite = self.store.backend == Backend::Sqlite;
            let mut q = sqlx::query(AssertSqlSafe(sql));
            if !sqlite {
                q = q.bind(now_ms);
            }
            for r in chunk {
                let extra = extra_json(r)?;
                q = q
                    .bind(r.fields.external_id.clone())
                    .bind(r.fields.name.clone())
                    .bind(r.phone.clone())
                    .bind(r.email.clone())
                    .bind(r.fields.cohort.clone())
                    .bind(r.fields.programme.clone())
                    .bind(r.fields.school.clone())
                    .bind(r.fields.province.clone())
                    .bind(r.timezone.clone())
                    .bind(r.language.map(Lang::tag))
                    .bind(r.birth_date.map(|d| d.format("%Y-%m-%d").to_string()))
                    .bind(extra)
                    .bind(new_token());
                if sqlite {
                    q = q.bind(now_ms).bind(now_ms);
                }
            }
            let returned = q
                .fetch_all(&mut *tx)
                .await
                .map_err(db("importing roster rows"))?;
            for row in &returned {
                ids.push(get(row, "id")?);
                if get::<i64>(row, "created_at")? == now_ms {
                    outcome.inserted += 1;
                } else {
                    outcome.updated += 1;
                }
            }
        }
        if let Some(e) = enrol {
            for chunk in ids.chunks(ROSTER_BATCH_ROWS) {
                let owned;
                let sql: &str = if chunk.len() == ROSTER_BATCH_ROWS {
                    full_enrol_sql()
                } else {
                    owned = enrol_sql(chunk.len());
                    &owned
                };
                let mut q = sqlx::query(AssertSqlSafe(sql))
                    .bind(e.flow_id.as_str())
                    .bind(e.flow_version)
                    .bind(e.state_en.as_str())
                    .bind(e.state_default.as_str())
                    .bind(now_ms);
                for id in chunk {
                    q = q.bind(*id);
                }
                outcome.enrolled += q
                    .execute(&mut *tx)
                    .await
                    .map_err(db("enrolling roster rows in a flow"))?
                    .rows_affected() as usize;
            }
        }
        tx.commit().await.map_err(db("committing roster rows"))?;
        Ok(outcome)
    }

    /// Ends a roster import: on SQLite, gives the writer connection its usual settings back
    /// and checkpoints the import's WAL (see [`SQLITE_IMPORT_SETTINGS`]). Nothing to do on
    /// PostgreSQL. An import that is dropped half-way without this leaves the import's
    /// settings until the next import ends: memory and a larger WAL, never a wrong result.
    pub async fn end_import(&self) -> Result<()> {
        if self.store.backend == Backend::Sqlite {
            sqlx::query(SQLITE_IMPORT_END)
                .execute(&self.store.writer)
                .await
                .map_err(db("restoring the writer's settings after a roster import"))?;
        }
        Ok(())
    }

    /// Records that the personal links of `ids` were exported for `flow_id` (they count as
    /// invited from now on).
    pub async fn mark_invited(
        &self,
        flow_id: &str,
        ids: &[RespondentId],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.store.begin_write().await?;
        for chunk in ids.chunks(ROSTER_BATCH_ROWS) {
            let mut sql = String::from(
                "INSERT INTO roster_invites (flow_id, respondent_id, first_at, last_at) VALUES ",
            );
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!("($1, ${}, $2, $2)", 3 + i));
            }
            sql.push_str(
                " ON CONFLICT (flow_id, respondent_id) DO UPDATE SET last_at = excluded.last_at",
            );
            let mut q = sqlx::query(AssertSqlSafe(sql))
                .bind(flow_id)
                .bind(to_ms(now));
            for id in chunk {
                q = q.bind(*id);
            }
            q.execute(&mut *tx)
                .await
                .map_err(db("recording exported invitations"))?;
        }
        tx.commit()
            .await
            .map_err(db("committing exported invitations"))
    }

    /// The response report's counts of a flow within `scope`, summed in the database (one
    /// statement, whatever the roster's size): one row per group label (the raw `column` of
    /// [`ReportColumn`], `None` without a breakdown), completion and the wave a completion
    /// followed. The definitions are those of `report::response`:
    /// - on the roster: has a session of the flow;
    /// - invited: has a token and had their links exported for the flow, or is bound to a
    ///   channel, or was sent a wave message of the flow;
    /// - started: a session left `invited` (or expired after at least one answer);
    /// - completed: a completed session; its first completion time picks the wave credited:
    ///   the last wave message of the flow sent at or before it (`None` when there is none);
    /// - opted out: an opted-out session and no completed one.
    pub async fn report_cells(
        &self,
        flow_id: &str,
        by: Option<ReportColumn>,
        scope: &Scope,
    ) -> Result<Vec<ReportCell>> {
        let label = match by {
            None => "NULL",
            Some(ReportColumn::Cohort) => "r.cohort",
            Some(ReportColumn::Programme) => "r.programme",
            Some(ReportColumn::School) => "r.school",
        };
        // Every per-respondent fact is a column of `flow_progress` (kept by the triggers of
        // migration 0011 with exactly the definitions above), so the statement is one pass
        // over a flow's progress rows joined to the respondents for the group label, the
        // token and `unreachable`. The scope picks the respondents first (index on
        // `lower(trim(school))`) and their progress rows by key, so an operator's
        // statement reads only their schools (as a plain condition on `r`, SQLite scanned
        // the whole flow instead).
        let (cond, schools) = scope.sql("rs.school", 2);
        let within = match scope {
            Scope::All => String::new(),
            Scope::Schools(_) => {
                format!("AND p.respondent_id IN (SELECT rs.id FROM respondents rs WHERE {cond})")
            }
        };
        let sql = format!(
            "SELECT {label} AS label, p.completed, p.after_wave, COUNT(*) AS roster, \
                 SUM(CASE WHEN r.token IS NOT NULL AND p.reached = 1 THEN 1 ELSE 0 END) \
                     AS invited, \
                 SUM(r.unreachable) AS unreachable, SUM(p.started) AS started, \
                 SUM(CASE WHEN p.opted_out = 1 AND p.completed = 0 THEN 1 ELSE 0 END) \
                     AS opted_out \
             FROM flow_progress p JOIN respondents r ON r.id = p.respondent_id \
             WHERE p.flow_id = $1 {within} \
             GROUP BY 1, 2, 3"
        );
        // Only the column name and the scope's placeholders are spliced in; values are bound.
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(flow_id);
        q = super::scope::bind(q, schools);
        // The plan depends on the statistics of `flow_progress` and `respondents`, which a
        // bulk load leaves missing or stale (see the method).
        super::stats::refresh_stale_planner_statistics(self.store).await?;
        let mut tx = self
            .store
            .reader
            .begin()
            .await
            .map_err(db("starting the response report"))?;
        if self.store.backend() == Backend::Postgres {
            // As for the wave dry run: a whole roster's join is costed high enough to
            // switch on JIT compilation (seconds, for a statement that runs in a fraction
            // of that), and hashing 150,000 respondents spills to disk at the default
            // work_mem. Both only for this transaction.
            for set in ["SET LOCAL jit = off", "SET LOCAL work_mem = '64MB'"] {
                sqlx::query(set)
                    .execute(&mut *tx)
                    .await
                    .map_err(db("setting up the response report"))?;
            }
        }
        let rows = q
            .fetch_all(&mut *tx)
            .await
            .map_err(db("counting the response report"))?;
        tx.commit()
            .await
            .map_err(db("ending the response report"))?;
        let count = |row: &sqlx::any::AnyRow, c: &'static str| -> Result<u64> {
            // SUM over no rows is NULL; counts are never negative.
            Ok(u64::try_from(get::<Option<i64>>(row, c)?.unwrap_or(0)).unwrap_or(0))
        };
        rows.iter()
            .map(|row| {
                Ok(ReportCell {
                    label: get(row, "label")?,
                    completed: get::<i64>(row, "completed")? != 0,
                    after_wave: get(row, "after_wave")?,
                    roster: count(row, "roster")?,
                    invited: count(row, "invited")?,
                    unreachable: count(row, "unreachable")?,
                    started: count(row, "started")?,
                    opted_out: count(row, "opted_out")?,
                })
            })
            .collect()
    }

    /// The names of a flow's waves, by id.
    pub async fn wave_names(&self, flow_id: &str) -> Result<Vec<(i64, String)>> {
        let rows = sqlx::query("SELECT id, name FROM waves WHERE flow_id = $1 ORDER BY id")
            .bind(flow_id)
            .fetch_all(&self.store.reader)
            .await
            .map_err(db("reading wave names"))?;
        rows.iter()
            .map(|row| Ok((get(row, "id")?, get(row, "name")?)))
            .collect()
    }

    /// The respondent with this external id and their stored birth date (`YYYY-MM-DD`).
    pub async fn identity_of(
        &self,
        external_id: &str,
    ) -> Result<Option<(RespondentId, Option<String>)>> {
        let row = sqlx::query("SELECT id, birth_date FROM respondents WHERE external_id = $1")
            .bind(external_id)
            .fetch_optional(&self.store.reader)
            .await
            .map_err(db("looking up an external id"))?;
        row.map(|row| Ok((get(&row, "id")?, get(&row, "birth_date")?)))
            .transpose()
    }

    /// Failed identity checks recorded for a chat address.
    pub async fn identity_attempts(
        &self,
        channel: &str,
        address: &str,
    ) -> Result<Option<IdentityAttempts>> {
        // Read through the writer: a lock-out written a moment ago must be seen.
        let row = sqlx::query(
            "SELECT failures, locked_until FROM identity_attempts \
             WHERE channel = $1 AND address = $2",
        )
        .bind(channel)
        .bind(address)
        .fetch_optional(&self.store.writer)
        .await
        .map_err(db("reading identity attempts"))?;
        row.map(|row| {
            Ok(IdentityAttempts {
                failures: get(&row, "failures")?,
                locked_until: get(&row, "locked_until")?,
            })
        })
        .transpose()
    }

    /// Counts one failed identity check from a chat address, atomically, once per
    /// platform message: a redelivered `message_id` counts nothing (see
    /// `store/identity.rs`). The count starts again from 1 when the previous lock-out has
    /// ended or the last failure is older than `window_ms`; reaching `max_failures` locks
    /// the address until `now + lockout_ms`.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_identity_failure(
        &self,
        channel: &str,
        address: &str,
        message_id: Option<&str>,
        now: DateTime<Utc>,
        max_failures: i64,
        window_ms: i64,
        lockout_ms: i64,
    ) -> Result<IdentityAttempts> {
        self.store
            .write(super::identity::RecordFailure {
                channel: channel.to_string(),
                address: address.to_string(),
                message_id: message_id.map(str::to_string),
                now: to_ms(now),
                max_failures,
                window_ms,
                lockout_ms,
            })
            .await
    }

    /// Forgets the failed identity checks of a chat address (after a success).
    pub async fn clear_identity_attempts(&self, channel: &str, address: &str) -> Result<()> {
        sqlx::query("DELETE FROM identity_attempts WHERE channel = $1 AND address = $2")
            .bind(channel)
            .bind(address)
            .execute(&self.store.writer)
            .await
            .map_err(db("clearing identity attempts"))?;
        Ok(())
    }
}
