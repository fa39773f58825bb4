//! The read paths of the national-scale outputs (the answers export and the invitation
//! sheet): page by page in key order, so a roster of 1,500,000 is never in memory at once.
//!
//! Every page is its own statement on one pooled connection, so a page never waits for a
//! second connection (an in-memory SQLite database has only one) and no reader holds a
//! connection while the caller writes its file. The pages are not one snapshot: a session
//! created while an export runs is listed if its id comes after the page being read, and an
//! answer given meanwhile is in the file if its session's page was read after it. That is
//! what the earlier reads (one per respondent) gave too.

use std::collections::BTreeSet;

use futures_util::TryStreamExt as _;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;

use super::error::db;
use super::respondents::respondent_from_row;
use super::{
    Columns, InviteRow, Respondent, RespondentId, Result, Scope, SessionId, SessionRecord,
    StoreError, get,
};
use crate::model::{AnswerKey, Value};

/// How many sessions (or invitation rows) one page reads. A page of the answers export
/// holds these sessions with their respondents and current answers (about 1,000 × 60
/// answers): a few megabytes, and few enough statements that each page's planning is
/// nothing beside its reading.
pub const EXPORT_PAGE: usize = 1000;

/// One session of the answers export with its respondent.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportSession {
    /// The session.
    pub session: SessionRecord,
    /// Its respondent.
    pub respondent: Respondent,
}

/// One current answer of a session, as the export reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionAnswer {
    /// The session.
    pub session_id: SessionId,
    /// The question and repeat iteration.
    pub key: AnswerKey,
    /// The typed value.
    pub value: Value,
}

handle!(
    Export,
    export,
    "Paged reads of the answers export and the invitation sheet."
);

impl Export<'_> {
    /// Up to [`EXPORT_PAGE`] sessions of `flow_id` with an id above `after` whose respondent
    /// is inside `scope`, each with its respondent, in session id order (one statement: the
    /// session and its respondent cannot disagree about the scope).
    pub async fn sessions_page(
        &self,
        flow_id: &str,
        scope: &Scope,
        after: SessionId,
    ) -> Result<Vec<ExportSession>> {
        let (cond, schools) = scope.sql("rs.school", 3);
        // The scope picks the respondents by its index on `lower(trim(school))`, as the
        // other scoped reads do; without a scope the condition is `1 = 1`.
        let within = match scope {
            Scope::All => String::new(),
            Scope::Schools(_) => {
                format!("AND s.respondent_id IN (SELECT rs.id FROM respondents rs WHERE {cond})")
            }
        };
        let sql = format!(
            concat!(
                "SELECT ",
                session_columns_as_s!(),
                ", ",
                respondent_columns!(r),
                " FROM sessions s JOIN respondents r ON r.id = s.respondent_id \
                  WHERE s.flow_id = $1 AND s.id > $2 {within} \
                  ORDER BY s.id LIMIT {EXPORT_PAGE}"
            ),
            within = within,
            EXPORT_PAGE = EXPORT_PAGE
        );
        // Only the scope's placeholders and the page size are spliced in; values are bound.
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(flow_id).bind(after);
        q = super::scope::bind(q, schools);
        let rows = q
            .fetch_all(&self.store.reader)
            .await
            .map_err(db("reading a page of the answers export"))?;
        rows.iter()
            .map(|row| {
                let respondent = respondent_from_row(row)?;
                Ok(ExportSession {
                    session: super::sessions::session_named(row, &super::sessions::PREFIXED_S)?,
                    respondent,
                })
            })
            .collect()
    }

    /// The current answers of `sessions`, by session id and then in the order they were
    /// stored (one statement per call; callers pass at most [`EXPORT_PAGE`] ids).
    pub async fn current_answers_of(&self, sessions: &[SessionId]) -> Result<Vec<SessionAnswer>> {
        if sessions.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (1..=sessions.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT session_id, code, iteration, value FROM answers \
             WHERE session_id IN ({}) AND retracted_at IS NULL \
             ORDER BY session_id, id",
            marks.join(",")
        );
        // Only numbered placeholders are spliced in.
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for id in sessions {
            q = q.bind(*id);
        }
        let rows = q
            .fetch_all(&self.store.reader)
            .await
            .map_err(db("reading the answers of an export page"))?;
        rows.iter().map(answer_of).collect()
    }

    /// The extra roster keys of the respondents with a session of `flow_id` inside `scope`
    /// (the answers export's header needs them all before its first row). One statement,
    /// streamed: each respondent's `extra` text is read once and only its keys are kept.
    pub async fn extra_keys(&self, flow_id: &str, scope: &Scope) -> Result<BTreeSet<String>> {
        let (cond, schools) = scope.sql("r.school", 2);
        let sql = format!(
            "SELECT r.extra FROM respondents r \
             WHERE r.extra <> '{{}}' AND {cond} \
               AND EXISTS (SELECT 1 FROM sessions s \
                           WHERE s.respondent_id = r.id AND s.flow_id = $1)"
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(flow_id);
        q = super::scope::bind(q, schools);
        let mut rows = q.fetch(&self.store.reader);
        let mut keys = BTreeSet::new();
        while let Some(row) = rows
            .try_next()
            .await
            .map_err(db("reading the extra roster columns"))?
        {
            let text = row.text("extra")?;
            // Only the names: the values are skipped without being copied.
            let fields: std::collections::BTreeMap<String, serde::de::IgnoredAny> =
                serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
                    context: "respondent extra fields",
                    detail: e.to_string(),
                })?;
            keys.extend(fields.into_keys());
        }
        Ok(keys)
    }

    /// Up to [`EXPORT_PAGE`] respondents with a session of `flow_id`, inside `scope`, with
    /// an id above `after`, in id order: one page of the invitation sheet (the first page,
    /// `after` 0, refreshes PostgreSQL's statistics when they are missing or stale).
    pub async fn invite_page(
        &self,
        flow_id: &str,
        scope: &Scope,
        after: RespondentId,
    ) -> Result<Vec<InviteRow>> {
        if after == 0 {
            // Once per sheet: this plan, like the report's, needs statistics; right after a
            // bulk load (none yet) PostgreSQL hashed every session of the flow on each page
            // (5.5 s a page at 1,500,000).
            super::stats::refresh_stale_planner_statistics(self.store).await?;
        }
        let (cond, schools) = scope.sql("r.school", 3);
        // `s.respondent_id > $2` repeats the page's lower bound inside the EXISTS:
        // PostgreSQL does not carry `r.id > $2` across the join, and without it its merge
        // semi-join scanned the sessions from the first id on every page (364 ms a page at
        // 750,000 respondents, the sheet quadratic; 0.75 ms with it).
        let sql = format!(
            "SELECT r.id, r.external_id, r.name, r.phone, r.cohort, r.programme, r.school, \
                 r.token \
             FROM respondents r \
             WHERE r.id > $2 AND {cond} \
               AND EXISTS (SELECT 1 FROM sessions s \
                           WHERE s.respondent_id = r.id AND s.respondent_id > $2 \
                             AND s.flow_id = $1) \
             ORDER BY r.id LIMIT {EXPORT_PAGE}"
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(flow_id).bind(after);
        q = super::scope::bind(q, schools);
        let rows = q
            .fetch_all(&self.store.reader)
            .await
            .map_err(db("reading a page of the invitation sheet"))?;
        rows.iter().map(super::search::invite_row).collect()
    }
}

/// A row of [`Export::current_answers_of`].
fn answer_of(row: &AnyRow) -> Result<SessionAnswer> {
    let (key, value) = super::sessions::answer_key_value(row)?;
    Ok(SessionAnswer {
        session_id: get(row, "session_id")?,
        key,
        value,
    })
}
