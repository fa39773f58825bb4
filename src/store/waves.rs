//! Reminder waves, their runs and the outbox (see `migrations/*/0004_waves.sql`).
//!
//! The outbox is the delivery guarantee: a row goes `pending` → `sending` (committed before
//! the platform is called) → `sent` / `failed` / `unreachable`. A worker that dies leaves
//! its in-flight row in `sending`; the next recovery records it as `uncertain` and it is not
//! sent again (see ARCHITECTURE.md, "Reminder waves").

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row as _};

use super::error::db;
use super::{Backend, RespondentId, Result, Scope, StoreError, from_ms, get, to_ms};
use crate::schedule::eligibility::{Audience, Exclusion, REMINDER_CHANNELS, Segment, StatusFilter};

/// A wave's id.
pub type WaveId = i64;

/// Whether a wave plans and sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaveState {
    /// Plans due runs and sends them.
    Active,
    /// Plans nothing and sends nothing until resumed; queued messages wait.
    Paused,
    /// Stopped for good; queued messages were skipped.
    Cancelled,
    /// Every run is planned (a one-off after its run, a cron wave past `--until`); queued
    /// messages are still sent.
    Finished,
}

impl WaveState {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            WaveState::Active => "active",
            WaveState::Paused => "paused",
            WaveState::Cancelled => "cancelled",
            WaveState::Finished => "finished",
        }
    }

    fn parse(s: &str) -> Result<WaveState> {
        Ok(match s {
            "active" => WaveState::Active,
            "paused" => WaveState::Paused,
            "cancelled" => WaveState::Cancelled,
            "finished" => WaveState::Finished,
            other => {
                return Err(StoreError::Corrupt {
                    context: "wave state",
                    detail: other.to_owned(),
                });
            }
        })
    }
}

/// A WhatsApp template for a wave: name, language and the respondent fields that fill its
/// body parameters, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaveTemplate {
    /// Approved template name.
    pub name: String,
    /// Template language code.
    pub language: String,
    /// Respondent field names (`name`, `cohort`, `extra.nisn`, …).
    pub params: Vec<String>,
}

/// A wave as created by `jejak wave add`.
#[derive(Debug, Clone)]
pub struct NewWave {
    /// The flow it reminds about.
    pub flow_id: String,
    /// A name staff recognise (the report shows it).
    pub name: String,
    /// The Fluent message id of the reminder text.
    pub message_id: String,
    /// One-off due time…
    pub at: Option<DateTime<Utc>>,
    /// …or a 5-field cron pattern.
    pub cron: Option<String>,
    /// IANA zone of `cron` (and of how `at` was given).
    pub tz: Option<String>,
    /// No run is planned after this.
    pub until: Option<DateTime<Utc>>,
    /// Roster filter.
    pub segment: Segment,
    /// Progress filter.
    pub status: StatusFilter,
    /// Reminders of this wave per person.
    pub max_per_person: Option<i64>,
    /// Seconds since the last reminder of any wave.
    pub min_gap_secs: Option<i64>,
    /// WhatsApp template, for respondents outside the 24-hour window.
    pub template: Option<WaveTemplate>,
}

/// A stored wave.
#[derive(Debug, Clone)]
pub struct Wave {
    /// The wave's id.
    pub id: WaveId,
    /// Everything it was created with.
    pub spec: NewWave,
    /// Whether it plans and sends.
    pub state: WaveState,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl Wave {
    /// The audience rules of a run due at `due`.
    pub fn audience(&self, due: DateTime<Utc>) -> Audience {
        Audience {
            wave_id: self.id,
            segment: self.spec.segment.clone(),
            status: self.spec.status,
            max_per_person: self.spec.max_per_person,
            gap_cutoff_ms: self.spec.min_gap_secs.map(|g| to_ms(due) - g * 1000),
        }
    }
}

/// The outcome of planning one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Planned {
    /// The run's id.
    pub run_id: i64,
    /// Outbox rows inserted.
    pub messages: u64,
}

/// Where a wave's messages are (see [`Waves::wave_progress`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WaveProgress {
    /// Queued and due: go out as the rate allows.
    pub pending: i64,
    /// Queued for later: it is night where the respondent lives.
    pub held: i64,
    /// Queued for later after a failed attempt or a rate limit.
    pub retrying: i64,
    /// Being sent right now.
    pub sending: i64,
    /// Delivered to the platform.
    pub sent: i64,
    /// Refused by the platform, or attempts ran out.
    pub failed: i64,
    /// The address is dead (blocked the bot).
    pub unreachable: i64,
    /// Not sent: finished, stopped or the wave was cancelled before it went out.
    pub skipped: i64,
    /// The dispatcher stopped while sending: may or may not have arrived; not resent.
    pub uncertain: i64,
    /// Any other status (none today).
    pub other: i64,
}

impl WaveProgress {
    /// Every message of the wave.
    pub fn total(&self) -> i64 {
        self.pending
            + self.held
            + self.retrying
            + self.sending
            + self.sent
            + self.failed
            + self.unreachable
            + self.skipped
            + self.uncertain
            + self.other
    }
}

/// How many outbox rows of a wave are in each status.
pub type OutboxCounts = BTreeMap<String, i64>;

/// A claimed outbox row with everything needed to send it.
#[derive(Debug, Clone)]
pub struct OutboxItem {
    /// The row's id.
    pub id: i64,
    /// The wave.
    pub wave_id: WaveId,
    /// The recipient.
    pub respondent_id: RespondentId,
    /// `telegram` or `whatsapp`.
    pub channel: String,
    /// The chat id or phone number.
    pub address: String,
    /// Attempts so far.
    pub attempts: i64,
    /// The reminder's Fluent id.
    pub message_id: String,
    /// The wave's flow.
    pub flow_id: String,
    /// The wave's WhatsApp template.
    pub template: Option<WaveTemplate>,
    /// The respondent's roster fields (for piping and template parameters).
    pub fields: crate::model::RespondentFields,
    /// The respondent's stored zone.
    pub timezone: Option<String>,
    /// The respondent's stored language.
    pub language: Option<String>,
    /// Marked unreachable since planning.
    pub unreachable: bool,
    /// Status of the latest session of the flow, if any.
    pub session_status: Option<String>,
    /// Its engine state (JSON), for the question they are at.
    pub session_state: Option<String>,
    /// The flow version that session runs (it keeps the version it started), so the
    /// reminder re-asks that version's question, not the newest one's.
    pub session_version: Option<i64>,
}

/// What a dispatcher does with an outbox row after trying to send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settle {
    /// Delivered; the platform's message id.
    Sent(Option<String>),
    /// Try again after this instant (rate limit, temporary failure).
    Retry(DateTime<Utc>, String),
    /// Will not go out: the platform refused, or attempts ran out.
    Failed(String),
    /// The address is dead (blocked the bot): the respondent is marked unreachable.
    Unreachable(String),
    /// The request left but its answer never came (timeout, connection lost): the message
    /// may have been delivered; recorded `uncertain` and not sent again.
    Uncertain(String),
}

const WAVE_COLUMNS: &str = "id, flow_id, name, message_id, at_ms, cron, tz, until_ms, segment, \
     status_filter, max_per_person, min_gap_secs, template_name, template_language, \
     template_params, state, created_at";

handle!(Waves, waves, "Reminder waves and their outbox.");

impl Waves<'_> {
    /// Stores a new wave (state active).
    pub async fn create_wave(&self, w: &NewWave, now: DateTime<Utc>) -> Result<WaveId> {
        self.create_wave_by(w, now, None).await
    }

    /// Stores a new wave (state active) made by staff account `created_by` (`None`: the
    /// command line). The school its segment targets is kept in its own column too, so a
    /// staff member's scope is checked in SQL ([`Waves::waves_in`]).
    pub async fn create_wave_by(
        &self,
        w: &NewWave,
        now: DateTime<Utc>,
        created_by: Option<i64>,
    ) -> Result<WaveId> {
        let segment = serde_json::to_string(&w.segment).map_err(|source| StoreError::Encode {
            context: "wave segment",
            source,
        })?;
        let params = serde_json::to_string(
            &w.template
                .as_ref()
                .map(|t| t.params.clone())
                .unwrap_or_default(),
        )
        .map_err(|source| StoreError::Encode {
            context: "template parameters",
            source,
        })?;
        let row = sqlx::query(
            "INSERT INTO waves (flow_id, name, message_id, at_ms, cron, tz, until_ms, segment, \
                 status_filter, max_per_person, min_gap_secs, template_name, \
                 template_language, template_params, state, created_at, school, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'active', $15, \
                 $16, $17) \
             RETURNING id",
        )
        .bind(&w.flow_id)
        .bind(&w.name)
        .bind(&w.message_id)
        .bind(w.at.map(to_ms))
        .bind(w.cron.as_deref())
        .bind(w.tz.as_deref())
        .bind(w.until.map(to_ms))
        .bind(segment)
        .bind(w.status.as_str())
        .bind(w.max_per_person)
        .bind(w.min_gap_secs)
        .bind(w.template.as_ref().map(|t| t.name.clone()))
        .bind(w.template.as_ref().map(|t| t.language.clone()))
        .bind(params)
        .bind(to_ms(now))
        .bind(w.segment.0.get("school").cloned())
        .bind(created_by)
        .fetch_one(&self.store.writer)
        .await
        .map_err(db("storing a wave"))?;
        get(&row, "id")
    }

    /// One wave.
    pub async fn wave(&self, id: WaveId) -> Result<Option<Wave>> {
        let sql = format!("SELECT {WAVE_COLUMNS} FROM waves WHERE id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.store.reader)
            .await
            .map_err(db("loading a wave"))?;
        row.as_ref().map(wave_from_row).transpose()
    }

    /// Every wave, oldest first; only those of `flow_id` when given.
    pub async fn list(&self, flow_id: Option<&str>) -> Result<Vec<Wave>> {
        let sql =
            format!("SELECT {WAVE_COLUMNS} FROM waves WHERE ($1 = '' OR flow_id = $1) ORDER BY id");
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(flow_id.unwrap_or(""))
            .fetch_all(&self.store.reader)
            .await
            .map_err(db("listing waves"))?;
        rows.iter().map(wave_from_row).collect()
    }

    /// The waves a staff member with `scope` may see, newest first. A wave belongs to the
    /// school its segment names; a wave without a school targets every school, so only a
    /// member who sees every school sees it.
    pub async fn waves_in(&self, scope: &Scope) -> Result<Vec<Wave>> {
        let (cond, binds) = scope.sql("school", 1);
        let sql = format!("SELECT {WAVE_COLUMNS} FROM waves WHERE {cond} ORDER BY id DESC");
        let mut q = sqlx::query(AssertSqlSafe(sql));
        q = super::scope::bind(q, binds);
        let rows = q
            .fetch_all(&self.store.reader)
            .await
            .map_err(db("listing waves"))?;
        rows.iter().map(wave_from_row).collect()
    }

    /// One wave, if it exists and is inside `scope` (see [`Waves::waves_in`]).
    pub async fn wave_in(&self, id: WaveId, scope: &Scope) -> Result<Option<Wave>> {
        let (cond, binds) = scope.sql("school", 2);
        let sql = format!("SELECT {WAVE_COLUMNS} FROM waves WHERE id = $1 AND {cond}");
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(id);
        q = super::scope::bind(q, binds);
        let row = q
            .fetch_optional(&self.store.reader)
            .await
            .map_err(db("loading a wave"))?;
        row.as_ref().map(wave_from_row).transpose()
    }

    /// The e-mail of the staff member who made a wave in the console (`None`: made on the
    /// command line, or the account is gone).
    pub async fn wave_creator(&self, id: WaveId) -> Result<Option<String>> {
        let row = sqlx::query(
            "SELECT a.email FROM waves w JOIN staff_accounts a ON a.id = w.created_by \
             WHERE w.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.store.reader)
        .await
        .map_err(db("loading a wave's author"))?;
        row.as_ref().map(|r| get(r, "email")).transpose()
    }

    /// The schools of the roster inside `scope`, as written in the roster, sorted: what a
    /// wave's segment may target.
    pub async fn roster_schools(&self, scope: &Scope) -> Result<Vec<String>> {
        let (cond, binds) = scope.sql("school", 1);
        let sql = format!(
            "SELECT DISTINCT school FROM respondents WHERE school IS NOT NULL AND school <> '' \
             AND {cond} ORDER BY school"
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        q = super::scope::bind(q, binds);
        let rows = q
            .fetch_all(&self.store.reader)
            .await
            .map_err(db("listing the roster's schools"))?;
        rows.iter().map(|r| get(r, "school")).collect()
    }

    /// Where a wave's messages are at `now`: the outbox rows by status, with the pending
    /// ones split into due, held back by quiet hours (not before a later instant, set by the
    /// planner or by a dispatcher that found the respondent's night) and waiting to retry
    /// (a later instant after a failed attempt or a rate limit).
    pub async fn wave_progress(&self, wave: WaveId, now: DateTime<Utc>) -> Result<WaveProgress> {
        let rows = sqlx::query(
            "SELECT CASE WHEN status <> 'pending' THEN status \
                 WHEN not_before <= $2 THEN 'pending' \
                 WHEN error IS NULL OR error = 'quiet hours' THEN 'held' \
                 ELSE 'retrying' END AS k, count(*) AS n \
             FROM outbox WHERE wave_id = $1 GROUP BY 1",
        )
        .bind(wave)
        .bind(to_ms(now))
        .fetch_all(&self.store.reader)
        .await
        .map_err(db("counting a wave's messages"))?;
        let mut p = WaveProgress::default();
        for r in &rows {
            let k: String = get(r, "k")?;
            let n: i64 = get(r, "n")?;
            let slot = match k.as_str() {
                "pending" => &mut p.pending,
                "held" => &mut p.held,
                "retrying" => &mut p.retrying,
                "sending" => &mut p.sending,
                "sent" => &mut p.sent,
                "failed" => &mut p.failed,
                "unreachable" => &mut p.unreachable,
                "skipped" => &mut p.skipped,
                "uncertain" => &mut p.uncertain,
                _ => &mut p.other,
            };
            *slot += n;
        }
        Ok(p)
    }

    /// Waves that may have runs to plan (active ones).
    pub async fn active_waves(&self) -> Result<Vec<Wave>> {
        let sql = format!("SELECT {WAVE_COLUMNS} FROM waves WHERE state = 'active' ORDER BY id");
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(&self.store.writer)
            .await
            .map_err(db("listing active waves"))?;
        rows.iter().map(wave_from_row).collect()
    }

    /// Moves a wave from one of `from` to `to`; false when it was in none of them (or does
    /// not exist). Cancelling also skips every message still queued.
    pub async fn set_wave_state(
        &self,
        id: WaveId,
        from: &[WaveState],
        to: WaveState,
    ) -> Result<bool> {
        let mut tx = self.store.begin_write().await?;
        let states: Vec<String> = from.iter().map(|s| format!("'{}'", s.as_str())).collect();
        let sql = format!(
            "UPDATE waves SET state = $1 WHERE id = $2 AND state IN ({})",
            states.join(", ")
        );
        let n = sqlx::query(AssertSqlSafe(sql))
            .bind(to.as_str())
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db("changing a wave's state"))?
            .rows_affected();
        if n == 1 && to == WaveState::Cancelled {
            sqlx::query(
                "UPDATE outbox SET status = 'skipped', error = 'wave cancelled', \
                     claimed_by = NULL, claimed_until = NULL \
                 WHERE wave_id = $1 AND status = 'pending'",
            )
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db("skipping a cancelled wave's messages"))?;
        }
        tx.commit().await.map_err(db("committing a wave's state"))?;
        Ok(n == 1)
    }

    /// The due time of a wave's latest planned run.
    pub async fn last_run_due(&self, wave: WaveId) -> Result<Option<DateTime<Utc>>> {
        let row = sqlx::query("SELECT max(due_at) AS due FROM wave_runs WHERE wave_id = $1")
            .bind(wave)
            .fetch_one(&self.store.writer)
            .await
            .map_err(db("loading a wave's last run"))?;
        get::<Option<i64>>(&row, "due")?
            .map(|ms| from_ms(ms, "wave run due_at"))
            .transpose()
    }

    /// Plans the run of `wave` due at `due`: in one transaction, records the run (unique per
    /// wave and due time, so a second planner's attempt is a no-op and gives `None`) and
    /// inserts one outbox row per eligible respondent with one set-based `INSERT … SELECT`.
    /// `not_before(zone)` gives, per respondent time zone (the stored name; `None` = unset),
    /// the first instant the message may go out (quiet hours).
    pub async fn plan_run(
        &self,
        wave: &Wave,
        due: DateTime<Utc>,
        now: DateTime<Utc>,
        not_before: &(dyn Fn(Option<&str>) -> DateTime<Utc> + Sync),
    ) -> Result<Option<Planned>> {
        super::stats::refresh_planner_statistics(self.store).await?;
        let mut tx = self.store.begin_write().await?;
        let run = sqlx::query(
            "INSERT INTO wave_runs (wave_id, due_at, planned_at) VALUES ($1, $2, $3) \
             ON CONFLICT (wave_id, due_at) DO NOTHING RETURNING id",
        )
        .bind(wave.id)
        .bind(to_ms(due))
        .bind(to_ms(now))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db("recording a wave run"))?;
        let Some(run) = run else {
            tx.rollback()
                .await
                .map_err(db("ending a planning transaction"))?;
            return Ok(None);
        };
        let run_id: i64 = get(&run, "id")?;
        let aud = wave.audience(due);
        let fw = aud.from_where();
        let n = fw.binds.len();
        // Quiet hours differ by zone: each zone present gets its first allowed instant,
        // written by the INSERT itself through a CASE on the respondent's zone (an UPDATE
        // per zone afterwards made PostgreSQL join 135,000 fresh outbox rows it had no
        // statistics for: minutes instead of a second).
        let zones = sqlx::query("SELECT DISTINCT timezone AS tz FROM respondents")
            .fetch_all(&mut *tx)
            .await
            .map_err(db("listing the respondents' zones"))?;
        let due_ms = to_ms(due);
        let mut zone_binds: Vec<String> = Vec::new();
        let mut not_before_sql = String::from("CASE");
        for z in &zones {
            let tz: Option<String> = get(z, "tz")?;
            let tz = tz.filter(|t| !t.is_empty());
            let nb = to_ms(not_before(tz.as_deref()).max(due));
            if nb == due_ms {
                continue;
            }
            match tz {
                Some(t) => {
                    zone_binds.push(t);
                    // Placeholders after $1 (flow), the segment's and the due time's.
                    let p = n + 2 + zone_binds.len();
                    not_before_sql.push_str(&format!(" WHEN r.timezone = ${p} THEN {nb}"));
                }
                None => not_before_sql.push_str(&format!(
                    " WHEN r.timezone IS NULL OR r.timezone = '' THEN {nb}"
                )),
            }
        }
        let not_before_sql = if not_before_sql == "CASE" {
            // No zone is in quiet hours: everything may go at the due time.
            format!("${}", n + 2)
        } else {
            format!("{not_before_sql} ELSE ${} END", n + 2)
        };
        // The newest binding of a respondent on a reminder channel: where they last talked.
        // The CTE goes first (`WITH … INSERT`), a form both backends read.
        let sql = format!(
            "{with}INSERT INTO outbox (run_id, wave_id, respondent_id, channel, address, status, \
                 not_before) \
             SELECT {run_id}, {wave}, r.id, b.channel, b.address, 'pending', {not_before_sql} \
             {from} {eligible} \
             AND b.respondent_id = r.id \
             ON CONFLICT (run_id, respondent_id) DO NOTHING",
            wave = wave.id,
            from = fw.text.replacen(
                "WHERE 1 = 1",
                &format!(
                    "JOIN channel_bindings b ON b.respondent_id = r.id \
                       AND b.channel IN {REMINDER_CHANNELS} \
                       AND NOT EXISTS (SELECT 1 FROM channel_bindings b2 \
                         WHERE b2.respondent_id = r.id AND b2.channel IN {REMINDER_CHANNELS} \
                         AND (b2.bound_at > b.bound_at OR (b2.bound_at = b.bound_at AND \
                           (b2.channel > b.channel OR (b2.channel = b.channel \
                            AND b2.address > b.address))))) \
                     WHERE 1 = 1"
                ),
                1
            ),
            eligible = aud.eligible_conditions(),
            with = aud.with_clause(),
        );
        if self.store.backend() == Backend::Postgres {
            // As for the dry run: no JIT compiling (the estimate of a whole-roster statement
            // is in the millions, which switches it on for seconds of compiling), and hash
            // tables of 1,500,000 respondents in memory rather than spilled to disk. And no
            // nested loops: PostgreSQL estimates the audience at one row (the `ob` join's
            // outer-joined columns under COALESCE), so it probed the bindings and the
            // progress by index once per respondent, 1,500,000 random reads each: the
            // SELECT alone took 109 of the 197 s at 1,500,000 and every join hashed takes
            // it to 18 s (docs/benchmarks.md). A small segment pays a scan of the tables
            // instead of a few probes: a second or two, once per run. Only for this
            // transaction.
            for set in [
                "SET LOCAL jit = off",
                "SET LOCAL work_mem = '64MB'",
                "SET LOCAL enable_nestloop = off",
            ] {
                sqlx::query(set)
                    .execute(&mut *tx)
                    .await
                    .map_err(db("setting up a wave's planning"))?;
            }
        }
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(wave.spec.flow_id.clone());
        for b in &fw.binds {
            q = q.bind(b.clone());
        }
        q = q.bind(due_ms);
        for t in zone_binds {
            q = q.bind(t);
        }
        let inserted = q
            .execute(&mut *tx)
            .await
            .map_err(db("planning a wave run"))?
            .rows_affected();
        sqlx::query("UPDATE wave_runs SET planned = $1 WHERE id = $2")
            .bind(inserted as i64)
            .bind(run_id)
            .execute(&mut *tx)
            .await
            .map_err(db("recording a run's size"))?;
        tx.commit().await.map_err(db("committing a wave run"))?;
        Ok(Some(Planned {
            run_id,
            messages: inserted,
        }))
    }

    /// The dry run of a wave at `due`: how many respondents of its segment fall under each
    /// exclusion reason, and how many are eligible, per stored time zone (`None` = unset).
    pub async fn classify_audience(
        &self,
        wave: &Wave,
        due: DateTime<Utc>,
    ) -> Result<Vec<(Option<Exclusion>, Option<String>, i64)>> {
        super::stats::refresh_stale_planner_statistics(self.store).await?;
        let aud = wave.audience(due);
        let fw = aud.from_where();
        let sql = format!(
            "{with}SELECT reason, tz, count(*) AS n FROM (SELECT {case} AS reason, \
                 r.timezone AS tz {from}) c GROUP BY reason, tz",
            with = aud.with_clause(),
            case = aud.classify_case(),
            from = fw.text,
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(wave.spec.flow_id.clone());
        for b in &fw.binds {
            q = q.bind(b.clone());
        }
        let mut tx = self
            .store
            .reader
            .begin()
            .await
            .map_err(db("starting a dry run"))?;
        if self.store.backend() == Backend::Postgres {
            // A whole-roster statement's cost estimate is in the millions, which switches
            // on JIT compilation: seconds of compiling for a query that runs in a fraction
            // of that. The hash tables of 150,000 respondents also spill to disk at the
            // default work_mem. And the planner tends to expect one group per respondent
            // rather than a handful of reasons and sorts every row to group them; with
            // sorting off it counts them in a hash table instead (a third less CPU time at
            // 150,000, docs/benchmarks.md). All three only for this transaction, which
            // holds this one statement.
            for set in [
                "SET LOCAL jit = off",
                "SET LOCAL work_mem = '64MB'",
                "SET LOCAL enable_sort = off",
            ] {
                sqlx::query(set)
                    .execute(&mut *tx)
                    .await
                    .map_err(db("setting up a dry run"))?;
            }
        }
        let rows = q
            .fetch_all(&mut *tx)
            .await
            .map_err(db("counting a wave's audience"))?;
        tx.commit().await.map_err(db("ending a dry run"))?;
        rows.iter()
            .map(|r| {
                let reason: String = get(r, "reason")?;
                let tz: Option<String> = get(r, "tz")?;
                let n: i64 = get(r, "n")?;
                Ok((Exclusion::from_code(&reason), tz, n))
            })
            .collect()
    }

    /// How many outbox rows of a wave are in each status.
    pub async fn outbox_counts(&self, wave: WaveId) -> Result<OutboxCounts> {
        let rows = sqlx::query(
            "SELECT status, count(*) AS n FROM outbox WHERE wave_id = $1 GROUP BY status",
        )
        .bind(wave)
        .fetch_all(&self.store.reader)
        .await
        .map_err(db("counting a wave's messages"))?;
        rows.iter()
            .map(|r| Ok((get::<String>(r, "status")?, get::<i64>(r, "n")?)))
            .collect()
    }

    /// Records that dispatcher `worker` is alive and returns how many workers are (those
    /// that beat after `live_since`, this one included). Forgets long-dead workers.
    pub async fn worker_heartbeat(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        live_since: DateTime<Utc>,
    ) -> Result<i64> {
        sqlx::query(
            "INSERT INTO dispatch_workers (id, started_at, heartbeat_at) VALUES ($1, $2, $2) \
             ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at",
        )
        .bind(worker)
        .bind(to_ms(now))
        .execute(&self.store.writer)
        .await
        .map_err(db("recording a dispatcher heartbeat"))?;
        let row =
            sqlx::query("SELECT count(*) AS n FROM dispatch_workers WHERE heartbeat_at >= $1")
                .bind(to_ms(live_since))
                .fetch_one(&self.store.writer)
                .await
                .map_err(db("counting live dispatchers"))?;
        get(&row, "n")
    }

    /// Removes a worker that stops cleanly (its share of the rate goes to the others at once).
    pub async fn worker_stopped(&self, worker: &str) -> Result<()> {
        sqlx::query("DELETE FROM dispatch_workers WHERE id = $1")
            .bind(worker)
            .execute(&self.store.writer)
            .await
            .map_err(db("removing a dispatcher"))?;
        Ok(())
    }

    /// Cleans up after dead workers (no heartbeat since `live_since`): rows they left in
    /// `sending` become `uncertain` (the platform may or may not have the message; they are
    /// not sent again), rows they had claimed but not started go back to the queue. Returns
    /// how many rows became uncertain. A row in `sending` since before `stale_before` is
    /// uncertain too, whoever holds it (its send cannot take that long).
    pub async fn recover_outbox(
        &self,
        live_since: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> Result<u64> {
        let mut tx = self.store.begin_write().await?;
        let live = "(SELECT id FROM dispatch_workers WHERE heartbeat_at >= $1)";
        let sql = format!(
            "UPDATE outbox SET status = 'uncertain', \
                 error = 'the dispatcher stopped while sending; not resent' \
             WHERE status = 'sending' AND (claimed_by IS NULL OR claimed_by NOT IN {live} \
                 OR attempt_at < $2)"
        );
        let uncertain = sqlx::query(AssertSqlSafe(sql))
            .bind(to_ms(live_since))
            .bind(to_ms(stale_before))
            .execute(&mut *tx)
            .await
            .map_err(db("recording uncertain messages"))?
            .rows_affected();
        let sql = format!(
            "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL \
             WHERE status = 'pending' AND claimed_by IS NOT NULL AND claimed_by NOT IN {live}"
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(to_ms(live_since))
            .execute(&mut *tx)
            .await
            .map_err(db("releasing claims of stopped dispatchers"))?;
        tx.commit()
            .await
            .map_err(db("committing outbox recovery"))?;
        Ok(uncertain)
    }

    /// Claims up to `limit` due rows (pending, `not_before` passed, wave active or
    /// finished, unclaimed or claim expired) for `worker` until `lease_until`, and returns
    /// them with what is needed to send them. On PostgreSQL concurrent workers skip each
    /// other's rows (`FOR UPDATE SKIP LOCKED`); SQLite has one writer at a time.
    pub async fn claim_outbox(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
        channels: &[&'static str],
    ) -> Result<Vec<OutboxItem>> {
        // Channel names come from the code (`Outbound::channel`), never from input.
        let channels: Vec<String> = channels
            .iter()
            .filter(|c| c.bytes().all(|b| b.is_ascii_lowercase()))
            .map(|c| format!("'{c}'"))
            .collect();
        if channels.is_empty() {
            return Ok(Vec::new());
        }
        let channels = channels.join(", ");
        let lock = match self.store.backend {
            super::Backend::Postgres => "FOR UPDATE OF o SKIP LOCKED",
            super::Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE outbox SET claimed_by = $1, claimed_until = $2 WHERE id IN (\
                 SELECT o.id FROM outbox o JOIN waves w ON w.id = o.wave_id \
                 WHERE o.status = 'pending' AND o.not_before <= $3 \
                   AND (o.claimed_until IS NULL OR o.claimed_until < $3) \
                   AND w.state IN ('active', 'finished') AND o.channel IN ({channels}) \
                 ORDER BY o.not_before, o.id LIMIT {limit} {lock})"
        );
        let mut tx = self.store.begin_write().await?;
        sqlx::query(AssertSqlSafe(sql))
            .bind(worker)
            .bind(to_ms(lease_until))
            .bind(to_ms(now))
            .execute(&mut *tx)
            .await
            .map_err(db("claiming outbox messages"))?;
        let rows = sqlx::query(
            "SELECT o.id, o.wave_id, o.respondent_id, o.channel, o.address, o.attempts, \
                 w.message_id, w.flow_id, w.template_name, w.template_language, \
                 w.template_params, r.name, r.external_id, r.cohort, r.programme, r.school, \
                 r.province, r.extra, r.timezone, r.language, r.unreachable, \
                 (SELECT s.status FROM sessions s WHERE s.respondent_id = r.id \
                     AND s.flow_id = w.flow_id ORDER BY s.id DESC LIMIT 1) AS session_status, \
                 (SELECT s.state FROM sessions s WHERE s.respondent_id = r.id \
                     AND s.flow_id = w.flow_id ORDER BY s.id DESC LIMIT 1) AS session_state, \
                 (SELECT s.flow_version FROM sessions s WHERE s.respondent_id = r.id \
                     AND s.flow_id = w.flow_id ORDER BY s.id DESC LIMIT 1) AS session_version \
             FROM outbox o JOIN waves w ON w.id = o.wave_id \
             JOIN respondents r ON r.id = o.respondent_id \
             WHERE o.claimed_by = $1 AND o.claimed_until = $2 AND o.status = 'pending' \
             ORDER BY o.not_before, o.id",
        )
        .bind(worker)
        .bind(to_ms(lease_until))
        .fetch_all(&mut *tx)
        .await
        .map_err(db("loading claimed messages"))?;
        tx.commit().await.map_err(db("committing a claim"))?;
        rows.iter().map(item_from_row).collect()
    }

    /// Marks a claimed row as being sent, committed before the platform is called. False
    /// when the row is no longer this worker's pending row (nothing to send then).
    pub async fn outbox_sending(&self, id: i64, worker: &str, now: DateTime<Utc>) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1, attempt_at = $3 \
             WHERE id = $1 AND claimed_by = $2 AND status = 'pending'",
        )
        .bind(id)
        .bind(worker)
        .bind(to_ms(now))
        .execute(&self.store.writer)
        .await
        .map_err(db("marking a message as sending"))?
        .rows_affected();
        Ok(n == 1)
    }

    /// Puts a claimed pending row back in the queue, due at `not_before` (quiet hours, the
    /// per-chat limit). `note` says why.
    pub async fn outbox_release(
        &self,
        id: i64,
        worker: &str,
        not_before: DateTime<Utc>,
        note: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL, not_before = $3, \
                 error = COALESCE($4, error) \
             WHERE id = $1 AND claimed_by = $2 AND status = 'pending'",
        )
        .bind(id)
        .bind(worker)
        .bind(to_ms(not_before))
        .bind(note)
        .execute(&self.store.writer)
        .await
        .map_err(db("releasing a message"))?;
        Ok(())
    }

    /// Skips a claimed pending row that should no longer go out (completed, opted out,
    /// unreachable since planning).
    pub async fn outbox_skip(&self, id: i64, worker: &str, reason: &str) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET status = 'skipped', error = $3, claimed_by = NULL, \
                 claimed_until = NULL \
             WHERE id = $1 AND claimed_by = $2 AND status = 'pending'",
        )
        .bind(id)
        .bind(worker)
        .bind(reason)
        .execute(&self.store.writer)
        .await
        .map_err(db("skipping a message"))?;
        Ok(())
    }

    /// Records the result of sending a row that was in `sending` (or that recovery had
    /// already called `uncertain` while this worker was cut off from the database: the
    /// result is known after all).
    pub async fn outbox_settle(
        &self,
        id: i64,
        respondent: RespondentId,
        outcome: &Settle,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let from = "status IN ('sending', 'uncertain')";
        match outcome {
            Settle::Sent(pid) => {
                let sql = format!(
                    "UPDATE outbox SET status = 'sent', sent_at = $2, platform_message_id = $3, \
                         error = NULL WHERE id = $1 AND {from}"
                );
                sqlx::query(AssertSqlSafe(sql))
                    .bind(id)
                    .bind(to_ms(now))
                    .bind(pid.as_deref())
                    .execute(&self.store.writer)
                    .await
                    .map_err(db("recording a sent message"))?;
            }
            Settle::Retry(at, why) => {
                let sql = format!(
                    "UPDATE outbox SET status = 'pending', not_before = $2, error = $3, \
                         claimed_by = NULL, claimed_until = NULL WHERE id = $1 AND {from}"
                );
                sqlx::query(AssertSqlSafe(sql))
                    .bind(id)
                    .bind(to_ms(*at))
                    .bind(why.as_str())
                    .execute(&self.store.writer)
                    .await
                    .map_err(db("requeueing a message"))?;
            }
            Settle::Uncertain(why) => {
                let sql = format!(
                    "UPDATE outbox SET status = 'uncertain', error = $2 WHERE id = $1 AND {from}"
                );
                sqlx::query(AssertSqlSafe(sql))
                    .bind(id)
                    .bind(why.as_str())
                    .execute(&self.store.writer)
                    .await
                    .map_err(db("recording an uncertain message"))?;
            }
            Settle::Failed(why) => {
                let sql = format!(
                    "UPDATE outbox SET status = 'failed', error = $2 WHERE id = $1 AND {from}"
                );
                sqlx::query(AssertSqlSafe(sql))
                    .bind(id)
                    .bind(why.as_str())
                    .execute(&self.store.writer)
                    .await
                    .map_err(db("recording a failed message"))?;
            }
            Settle::Unreachable(why) => {
                let mut tx = self.store.begin_write().await?;
                let sql = format!(
                    "UPDATE outbox SET status = 'unreachable', error = $2, sent_at = NULL \
                     WHERE id = $1 AND {from}"
                );
                sqlx::query(AssertSqlSafe(sql))
                    .bind(id)
                    .bind(why.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(db("recording an unreachable address"))?;
                sqlx::query("UPDATE respondents SET unreachable = 1 WHERE id = $1")
                    .bind(respondent)
                    .execute(&mut *tx)
                    .await
                    .map_err(db("marking a respondent unreachable"))?;
                tx.commit()
                    .await
                    .map_err(db("committing an unreachable address"))?;
            }
        }
        Ok(())
    }

    /// Whether any row is still to be sent or in flight (pending or sending), for waves
    /// that are active or finished.
    pub async fn outbox_open(&self) -> Result<i64> {
        let row = sqlx::query(
            "SELECT count(*) AS n FROM outbox o JOIN waves w ON w.id = o.wave_id \
             WHERE o.status IN ('pending', 'sending') AND w.state IN ('active', 'finished')",
        )
        .fetch_one(&self.store.reader)
        .await
        .map_err(db("counting open messages"))?;
        get(&row, "n")
    }

    /// The earliest `not_before` of a pending row, for sleeping until there is work.
    pub async fn outbox_next_due(&self) -> Result<Option<DateTime<Utc>>> {
        let row = sqlx::query(
            "SELECT min(o.not_before) AS t FROM outbox o JOIN waves w ON w.id = o.wave_id \
             WHERE o.status = 'pending' AND w.state IN ('active', 'finished')",
        )
        .fetch_one(&self.store.writer)
        .await
        .map_err(db("finding the next due message"))?;
        get::<Option<i64>>(&row, "t")?
            .map(|ms| from_ms(ms, "outbox not_before"))
            .transpose()
    }
}

fn wave_from_row(row: &AnyRow) -> Result<Wave> {
    let segment: String = get(row, "segment")?;
    let segment: Segment = serde_json::from_str(&segment).map_err(|e| StoreError::Corrupt {
        context: "wave segment",
        detail: e.to_string(),
    })?;
    let status = get::<Option<String>>(row, "status_filter")?
        .map(|s| {
            StatusFilter::parse(&s).map_err(|e| StoreError::Corrupt {
                context: "wave status filter",
                detail: e.to_string(),
            })
        })
        .transpose()?
        .unwrap_or_default();
    let template = template_from_row(row)?;
    let ms = |c: &'static str| -> Result<Option<DateTime<Utc>>> {
        get::<Option<i64>>(row, c)?
            .map(|v| from_ms(v, c))
            .transpose()
    };
    Ok(Wave {
        id: get(row, "id")?,
        spec: NewWave {
            flow_id: get(row, "flow_id")?,
            name: get(row, "name")?,
            message_id: get(row, "message_id")?,
            at: ms("at_ms")?,
            cron: get(row, "cron")?,
            tz: get(row, "tz")?,
            until: ms("until_ms")?,
            segment,
            status,
            max_per_person: get(row, "max_per_person")?,
            min_gap_secs: get(row, "min_gap_secs")?,
            template,
        },
        state: WaveState::parse(&get::<String>(row, "state")?)?,
        created_at: from_ms(get(row, "created_at")?, "wave created_at")?,
    })
}

fn template_from_row(row: &AnyRow) -> Result<Option<WaveTemplate>> {
    let name: Option<String> = get(row, "template_name")?;
    let Some(name) = name else { return Ok(None) };
    let params: String = get(row, "template_params")?;
    let params: Vec<String> = serde_json::from_str(&params).map_err(|e| StoreError::Corrupt {
        context: "template parameters",
        detail: e.to_string(),
    })?;
    Ok(Some(WaveTemplate {
        name,
        language: get::<Option<String>>(row, "template_language")?.unwrap_or_else(|| "id".into()),
        params,
    }))
}

fn item_from_row(row: &AnyRow) -> Result<OutboxItem> {
    let extra: String = get(row, "extra")?;
    let extra: BTreeMap<String, String> = serde_json::from_str(&extra).unwrap_or_default();
    Ok(OutboxItem {
        id: get(row, "id")?,
        wave_id: get(row, "wave_id")?,
        respondent_id: get(row, "respondent_id")?,
        channel: get::<Option<String>>(row, "channel")?.unwrap_or_default(),
        address: get::<Option<String>>(row, "address")?.unwrap_or_default(),
        attempts: get(row, "attempts")?,
        message_id: get(row, "message_id")?,
        flow_id: get(row, "flow_id")?,
        template: template_from_row(row)?,
        fields: crate::model::RespondentFields {
            name: get(row, "name")?,
            external_id: get(row, "external_id")?,
            cohort: get(row, "cohort")?,
            programme: get(row, "programme")?,
            school: get(row, "school")?,
            province: get(row, "province")?,
            extra,
            ..Default::default()
        },
        timezone: get(row, "timezone")?,
        language: get(row, "language")?,
        unreachable: row.try_get::<i64, _>("unreachable").unwrap_or(0) != 0,
        session_status: get(row, "session_status")?,
        session_state: get(row, "session_state")?,
        session_version: get(row, "session_version")?,
    })
}
