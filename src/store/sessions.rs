//! Sessions, answers, events and the one-transaction step commit.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

use rusqlite::OptionalExtension;

use super::error::{db, is_foreign_key_violation};
use super::group::{prepare, sqlite_error};
use super::{
    AnswerOp, Columns, CommitOutcome, EventRecord, RespondentId, Result, SessionId, SessionRecord,
    StepCommit, Store, StoreError, StoredAnswer, from_ms, get, to_ms,
};
use crate::model::{AnswerKey, SessionStatus, Value};

/// The columns of a [`SessionRecord`], in the order [`session_from_row`] reads them by name.
macro_rules! session_columns {
    () => {
        "id, respondent_id, flow_id, flow_version, status, state, revision, created_at, \
         updated_at, completed_at"
    };
}

/// The columns of a [`StoredAnswer`] plus `retracted_at`.
macro_rules! answer_columns {
    () => {
        "code, iteration, raw, value, flow_version, answered_at, retracted_at"
    };
}

/// A respondent's open session in a flow (`$1` respondent, `$2` flow).
const OPEN_SESSION: &str = concat!(
    "SELECT ",
    session_columns!(),
    " FROM sessions WHERE respondent_id = $1 AND flow_id = $2 \
      AND status IN ('invited', 'consent', 'answering')"
);

/// Creates a session at revision 0 unless the respondent has an open one in the flow.
const CREATE_SESSION: &str = concat!(
    "INSERT INTO sessions (respondent_id, flow_id, flow_version, status, state, \
         revision, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, 0, $6, $6) \
     ON CONFLICT DO NOTHING RETURNING ",
    session_columns!()
);

/// How often `open_session` retries when a concurrent caller closes the session it raced
/// against between its insert and its select.
const OPEN_SESSION_ATTEMPTS: usize = 5;

impl Store {
    /// Returns the respondent's open session (status invited, consent or answering) for
    /// `flow_id` if there is one; otherwise creates one with the given version, status and
    /// state at revision 0. Safe under concurrency: the database allows one open session per
    /// respondent and flow, so concurrent callers all get the same session.
    ///
    /// `status` must be an open status ([`StoreError::ClosedStatus`] otherwise).
    pub async fn open_session(
        &self,
        respondent: RespondentId,
        flow_id: &str,
        flow_version: i64,
        status: SessionStatus,
        state_json: &str,
        now: DateTime<Utc>,
    ) -> Result<SessionRecord> {
        if status.is_closed() {
            return Err(StoreError::ClosedStatus {
                status: status.as_str(),
            });
        }
        if let Some(group) = &self.group {
            // On the writer thread nobody races between the select and the insert.
            let flow_id = flow_id.to_owned();
            let state_json = state_json.to_owned();
            let status = status.as_str();
            let now = to_ms(now);
            return group
                .write(move |tx| {
                    let open = prepare(tx, OPEN_SESSION)
                        .and_then(|mut s| {
                            s.query_row(rusqlite::params![respondent, flow_id], |row| {
                                Ok(session_from_row(row))
                            })
                            .optional()
                        })
                        .map_err(|e| sqlite_error("loading the open session", &e))?;
                    if let Some(open) = open {
                        return open;
                    }
                    prepare(tx, CREATE_SESSION)
                        .and_then(|mut s| {
                            s.query_row(
                                rusqlite::params![
                                    respondent,
                                    flow_id,
                                    flow_version,
                                    status,
                                    state_json,
                                    now
                                ],
                                |row| Ok(session_from_row(row)),
                            )
                        })
                        .map_err(|e| {
                            if super::group::is_foreign_key_violation(&e) {
                                StoreError::RespondentNotFound(respondent)
                            } else {
                                sqlite_error("creating a session", &e)
                            }
                        })?
                })
                .await;
        }
        for _ in 0..OPEN_SESSION_ATTEMPTS {
            if let Some(open) = self.open_session_of(respondent, flow_id).await? {
                return Ok(open);
            }
            // Any conflict here is the one-open-session index: someone else just opened it.
            let created = sqlx::query(CREATE_SESSION)
                .bind(respondent)
                .bind(flow_id)
                .bind(flow_version)
                .bind(status.as_str())
                .bind(state_json)
                .bind(to_ms(now))
                .fetch_optional(&self.writer)
                .await
                .map_err(|e| {
                    if is_foreign_key_violation(&e) {
                        StoreError::RespondentNotFound(respondent)
                    } else {
                        db("creating a session")(e)
                    }
                })?;
            if let Some(row) = created {
                return session_from_row(&row);
            }
        }
        Err(StoreError::Corrupt {
            context: "sessions",
            detail: format!(
                "no open session for respondent {respondent} in flow {flow_id:?} after \
                 {OPEN_SESSION_ATTEMPTS} attempts to create one"
            ),
        })
    }

    /// The open session of a respondent in a flow, if any.
    async fn open_session_of(
        &self,
        respondent: RespondentId,
        flow_id: &str,
    ) -> Result<Option<SessionRecord>> {
        let row = sqlx::query(OPEN_SESSION)
            .bind(respondent)
            .bind(flow_id)
            .fetch_optional(&self.reader)
            .await
            .map_err(db("loading the open session"))?;
        row.as_ref().map(session_from_row).transpose()
    }

    /// The respondent's open session in a flow if there is one, else the most recently
    /// created closed one.
    pub async fn latest_session(
        &self,
        respondent: RespondentId,
        flow_id: &str,
    ) -> Result<Option<SessionRecord>> {
        const SQL: &str = concat!(
            "SELECT ",
            session_columns!(),
            " FROM sessions WHERE respondent_id = $1 AND flow_id = $2 \
              ORDER BY CASE WHEN status IN ('invited', 'consent', 'answering') THEN 0 ELSE 1 END, \
                       id DESC \
              LIMIT 1"
        );
        if let Some(fast) = &self.fast {
            return fast.query_opt(
                "loading the latest session",
                SQL,
                rusqlite::params![respondent, flow_id],
                |row| session_from_row(row),
            );
        }
        let row = sqlx::query(SQL)
            .bind(respondent)
            .bind(flow_id)
            .fetch_optional(&self.reader)
            .await
            .map_err(db("loading the latest session"))?;
        row.as_ref().map(session_from_row).transpose()
    }

    /// Looks a session up by id.
    pub async fn session(&self, id: SessionId) -> Result<Option<SessionRecord>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            session_columns!(),
            " FROM sessions WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.reader)
        .await
        .map_err(db("loading a session"))?;
        row.as_ref().map(session_from_row).transpose()
    }

    /// All sessions of a flow (any status, any version), oldest first.
    pub async fn sessions_for_flow(&self, flow_id: &str) -> Result<Vec<SessionRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            session_columns!(),
            " FROM sessions WHERE flow_id = $1 ORDER BY id"
        ))
        .bind(flow_id)
        .fetch_all(&self.reader)
        .await
        .map_err(db("listing the sessions of a flow"))?;
        rows.iter().map(session_from_row).collect()
    }

    /// The sessions of a flow whose respondents are inside `scope` (the console's exports),
    /// oldest first. `Scope::All` is [`Store::sessions_for_flow`].
    pub async fn sessions_for_flow_in(
        &self,
        flow_id: &str,
        scope: &super::Scope,
    ) -> Result<Vec<SessionRecord>> {
        if *scope == super::Scope::All {
            return self.sessions_for_flow(flow_id).await;
        }
        let (cond, schools) = scope.sql("r.school", 2);
        let sql = format!(
            concat!(
                "SELECT ",
                session_columns!(),
                " FROM sessions WHERE flow_id = $1 AND respondent_id IN \
                 (SELECT r.id FROM respondents r WHERE {}) ORDER BY id"
            ),
            cond
        );
        // Only the scope's placeholders are spliced in; every value is bound.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(flow_id);
        for school in schools {
            q = q.bind(school);
        }
        let rows = q
            .fetch_all(&self.reader)
            .await
            .map_err(db("listing the sessions of a flow in a scope"))?;
        rows.iter().map(session_from_row).collect()
    }

    /// Commits one engine step in a single transaction: records the inbound message (if
    /// any), checks and bumps the session's revision, stores the new status, state and flow
    /// version, applies the answer operations in order and records the events. Either all of
    /// it is written or none of it.
    ///
    /// `completed_at` is set when the status becomes [`SessionStatus::Completed`] (kept if
    /// it already was) and cleared for any other status.
    ///
    /// Returns [`CommitOutcome::Duplicate`] if the inbound message was seen before and
    /// [`CommitOutcome::Conflict`] if the session's revision is not `expected_revision`; in
    /// both cases nothing is written. A missing session is [`StoreError::SessionNotFound`].
    pub async fn commit_step(&self, c: &StepCommit<'_>) -> Result<CommitOutcome> {
        self.commit_step_with_replies(c, None).await
    }

    /// [`Store::commit_step`], queueing `replies` in the reply outbox in the same
    /// transaction: the step and what the bot answers to it are written together or not at
    /// all (a duplicate or a conflict queues nothing).
    pub async fn commit_step_with_replies(
        &self,
        c: &StepCommit<'_>,
        replies: Option<&super::ReplyBatch>,
    ) -> Result<CommitOutcome> {
        // Encode before touching the database, so bad input cannot leave a transaction open.
        let encoded = Encoded::new(c)?;
        if let Some(group) = &self.group {
            return group.commit(c, encoded, replies.cloned()).await;
        }
        self.commit_alone(c, &encoded, replies).await
    }

    /// Commits one step in a transaction of its own.
    async fn commit_alone(
        &self,
        c: &StepCommit<'_>,
        encoded: &Encoded,
        replies: Option<&super::ReplyBatch>,
    ) -> Result<CommitOutcome> {
        let mut tx = self.begin_write().await?;
        let outcome = write_step(&mut tx, c, encoded).await?;
        if let (CommitOutcome::Applied { .. }, Some(replies)) = (outcome, replies)
            && let Err(e) = replies.write_sqlx(&mut tx, to_ms(c.now)).await
        {
            rollback(tx).await?;
            return Err(e);
        }
        match outcome {
            CommitOutcome::Applied { .. } => {
                tx.commit().await.map_err(db("committing a step"))?;
            }
            CommitOutcome::Duplicate | CommitOutcome::Conflict => rollback(tx).await?,
        }
        Ok(outcome)
    }

    /// The session's current (non-retracted) answers, in the order they were given.
    pub async fn current_answers(&self, session: SessionId) -> Result<Vec<StoredAnswer>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            answer_columns!(),
            " FROM answers WHERE session_id = $1 AND retracted_at IS NULL \
              ORDER BY answered_at, id"
        ))
        .bind(session)
        .fetch_all(&self.reader)
        .await
        .map_err(db("loading current answers"))?;
        rows.iter().map(answer_from_row).collect()
    }

    /// Every answer the session ever stored, retracted ones included, oldest first, each
    /// with the time it was retracted (`None` for current answers).
    pub async fn answer_history(
        &self,
        session: SessionId,
    ) -> Result<Vec<(StoredAnswer, Option<DateTime<Utc>>)>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            answer_columns!(),
            " FROM answers WHERE session_id = $1 ORDER BY id"
        ))
        .bind(session)
        .fetch_all(&self.reader)
        .await
        .map_err(db("loading answer history"))?;
        rows.iter()
            .map(|row| {
                let retracted_at = get::<Option<i64>>(row, "retracted_at")?
                    .map(|ms| from_ms(ms, "answer retracted_at"))
                    .transpose()?;
                Ok((answer_from_row(row)?, retracted_at))
            })
            .collect()
    }

    /// The session's events (kind, detail, time), oldest first.
    pub async fn events(&self, session: SessionId) -> Result<Vec<EventRecord>> {
        let rows =
            sqlx::query("SELECT kind, detail, at FROM events WHERE session_id = $1 ORDER BY id")
                .bind(session)
                .fetch_all(&self.reader)
                .await
                .map_err(db("loading events"))?;
        rows.iter()
            .map(|row| {
                let detail: String = get(row, "detail")?;
                let detail = serde_json::from_str(&detail).map_err(|e| StoreError::Corrupt {
                    context: "event detail",
                    detail: e.to_string(),
                })?;
                Ok((
                    get(row, "kind")?,
                    detail,
                    from_ms(get(row, "at")?, "event time")?,
                ))
            })
            .collect()
    }

    /// Forgets inbound message ids received before `before`, returning how many were
    /// removed. Platforms redeliver updates only for a limited time (Telegram: 24 hours), so
    /// old ids no longer protect against anything.
    pub async fn prune_inbound_messages(&self, before: DateTime<Utc>) -> Result<u64> {
        let removed = sqlx::query("DELETE FROM inbound_messages WHERE received_at < $1")
            .bind(to_ms(before))
            .execute(&self.writer)
            .await
            .map_err(db("pruning inbound messages"))?
            .rows_affected();
        Ok(removed)
    }
}

/// A step's answer values and event details, encoded as stored.
pub(super) struct Encoded {
    answer_values: Vec<Option<String>>,
    event_details: Vec<String>,
}

impl Encoded {
    /// Each answer operation's encoded value (`None` for retractions).
    pub(super) fn answer_values(&self) -> &[Option<String>] {
        &self.answer_values
    }

    /// Each event's encoded detail.
    pub(super) fn event_details(&self) -> &[String] {
        &self.event_details
    }

    pub(super) fn new(c: &StepCommit<'_>) -> Result<Encoded> {
        let answer_values = c
            .answers
            .iter()
            .map(|op| match op {
                AnswerOp::Set { value, .. } => encode_json(value, "an answer value").map(Some),
                AnswerOp::Retract { .. } | AnswerOp::RetractAll => Ok(None),
            })
            .collect::<Result<Vec<_>>>()?;
        let event_details = c
            .events
            .iter()
            .map(|e| encode_json(&e.detail, "an event detail"))
            .collect::<Result<Vec<_>>>()?;
        Ok(Encoded {
            answer_values,
            event_details,
        })
    }
}

/// Writes one step inside the open transaction `tx`. On [`CommitOutcome::Duplicate`] nothing
/// was written; on [`CommitOutcome::Conflict`] the inbound message may have been recorded, so
/// the caller must roll back (the transaction, or the step's savepoint).
pub(super) async fn write_step(
    tx: &mut Transaction<'static, Any>,
    c: &StepCommit<'_>,
    encoded: &Encoded,
) -> Result<CommitOutcome> {
    let now = to_ms(c.now);

    // 1. Exactly-once: the first transaction to record the message wins; later ones
    //    (and concurrent ones, which wait for the first to finish) see the conflict.
    if let Some((channel, message_id)) = c.inbound {
        let recorded = sqlx::query(
            "INSERT INTO inbound_messages (channel, message_id, session_id, received_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (channel, message_id) DO NOTHING",
        )
        .bind(channel)
        .bind(message_id)
        .bind(c.session_id)
        .bind(now)
        .execute(&mut **tx)
        .await
        .map_err(|e| {
            if is_foreign_key_violation(&e) {
                StoreError::SessionNotFound(c.session_id)
            } else {
                db("recording an inbound message")(e)
            }
        })?
        .rows_affected();
        if recorded == 0 {
            return Ok(CommitOutcome::Duplicate);
        }
    }

    // 2. Optimistic concurrency: only the holder of the current revision may write.
    let updated = sqlx::query(
        "UPDATE sessions SET status = $1, state = $2, flow_version = $3, \
             revision = revision + 1, updated_at = $4, \
             completed_at = CASE WHEN $1 = 'completed' THEN COALESCE(completed_at, $4) \
                                 ELSE NULL END \
         WHERE id = $5 AND revision = $6 \
         RETURNING revision, respondent_id",
    )
    .bind(c.status.as_str())
    .bind(c.state_json)
    .bind(c.flow_version)
    .bind(now)
    .bind(c.session_id)
    .bind(c.expected_revision)
    .fetch_optional(&mut **tx)
    .await
    .map_err(db("updating a session"))?;
    let Some(updated) = updated else {
        let exists = sqlx::query("SELECT id FROM sessions WHERE id = $1")
            .bind(c.session_id)
            .fetch_optional(&mut **tx)
            .await
            .map_err(db("checking a session"))?
            .is_some();
        return if exists {
            Ok(CommitOutcome::Conflict)
        } else {
            Err(StoreError::SessionNotFound(c.session_id))
        };
    };
    let revision: i64 = get(&updated, "revision")?;
    let respondent_id: RespondentId = get(&updated, "respondent_id")?;

    // 3. Answers, append-only: retract the current row, then add the new one.
    for (op, value) in c.answers.iter().zip(&encoded.answer_values) {
        match op {
            AnswerOp::Set { key, raw, .. } => {
                retract(tx, c.session_id, Some(key), now).await?;
                sqlx::query(
                    "INSERT INTO answers (session_id, code, iteration, raw, value, \
                         flow_version, answered_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(c.session_id)
                .bind(key.code.as_str())
                .bind(i64::from(key.iteration))
                .bind(raw.as_str())
                .bind(value.as_deref())
                .bind(c.flow_version)
                .bind(now)
                .execute(&mut **tx)
                .await
                .map_err(db("storing an answer"))?;
            }
            AnswerOp::Retract { key } => retract(tx, c.session_id, Some(key), now).await?,
            AnswerOp::RetractAll => retract(tx, c.session_id, None, now).await?,
        }
    }

    // 4. Events.
    for (event, detail) in c.events.iter().zip(&encoded.event_details) {
        sqlx::query(
            "INSERT INTO events (respondent_id, session_id, kind, detail, at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(respondent_id)
        .bind(c.session_id)
        .bind(event.kind.as_str())
        .bind(detail)
        .bind(now)
        .execute(&mut **tx)
        .await
        .map_err(db("recording an event"))?;
    }

    Ok(CommitOutcome::Applied { revision })
}

/// Retracts the current answer with `key` (every current answer for `None`).
async fn retract(
    tx: &mut Transaction<'static, Any>,
    session: SessionId,
    key: Option<&AnswerKey>,
    now: i64,
) -> Result<()> {
    match key {
        Some(key) => sqlx::query(
            "UPDATE answers SET retracted_at = $1 \
             WHERE session_id = $2 AND code = $3 AND iteration = $4 AND retracted_at IS NULL",
        )
        .bind(now)
        .bind(session)
        .bind(key.code.as_str())
        .bind(i64::from(key.iteration)),
        None => sqlx::query(
            "UPDATE answers SET retracted_at = $1 WHERE session_id = $2 AND retracted_at IS NULL",
        )
        .bind(now)
        .bind(session),
    }
    .execute(&mut **tx)
    .await
    .map_err(db("retracting answers"))?;
    Ok(())
}

/// Rolls a transaction back, reporting failures.
async fn rollback(tx: Transaction<'static, Any>) -> Result<()> {
    tx.rollback().await.map_err(db("rolling back a step"))
}

/// Serialises a value for a TEXT column.
fn encode_json<T: serde::Serialize>(value: &T, context: &'static str) -> Result<String> {
    serde_json::to_string(value).map_err(|source| StoreError::Encode { context, source })
}

/// Decodes a `sessions` row.
pub(super) fn session_from_row(row: &impl Columns) -> Result<SessionRecord> {
    let status = row.text("status")?;
    let status = SessionStatus::parse(&status).ok_or_else(|| StoreError::Corrupt {
        context: "session status",
        detail: format!("unknown status {status:?}"),
    })?;
    Ok(SessionRecord {
        id: row.int("id")?,
        respondent_id: row.int("respondent_id")?,
        flow_id: row.text("flow_id")?,
        flow_version: row.int("flow_version")?,
        status,
        state_json: row.text("state")?,
        revision: row.int("revision")?,
        created_at: from_ms(row.int("created_at")?, "session created_at")?,
        updated_at: from_ms(row.int("updated_at")?, "session updated_at")?,
        completed_at: row
            .int_opt("completed_at")?
            .map(|ms| from_ms(ms, "session completed_at"))
            .transpose()?,
    })
}

/// Decodes an `answers` row (without `retracted_at`).
fn answer_from_row(row: &AnyRow) -> Result<StoredAnswer> {
    let iteration: i64 = get(row, "iteration")?;
    let iteration = u32::try_from(iteration).map_err(|_| StoreError::Corrupt {
        context: "answer iteration",
        detail: format!("{iteration} is not a valid iteration"),
    })?;
    let value: String = get(row, "value")?;
    let value: Value = serde_json::from_str(&value).map_err(|e| StoreError::Corrupt {
        context: "answer value",
        detail: format!("{value:?}: {e}"),
    })?;
    Ok(StoredAnswer {
        key: AnswerKey {
            code: get(row, "code")?,
            iteration,
        },
        raw: get(row, "raw")?,
        value,
        flow_version: get(row, "flow_version")?,
        answered_at: from_ms(get(row, "answered_at")?, "answer answered_at")?,
    })
}
