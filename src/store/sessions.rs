//! Sessions, answers, events and the one-transaction step commit.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;

use super::error::db;
use super::replies::ClaimInbound;
use super::sql::{Ctx, Exec, Write, args};
use super::{
    AnswerOp, Columns, CommitOutcome, EventRecord, RespondentId, Result, SessionId, SessionRecord,
    StepCommit, StoreError, StoredAnswer, from_ms, get, to_ms,
};
use crate::model::{AnswerKey, SessionStatus, Value};

/// The columns of a [`SessionRecord`], in the order [`session_from_row`] reads them by name.
macro_rules! session_columns {
    () => {
        "id, respondent_id, flow_id, flow_version, status, state, revision, created_at, \
         updated_at, completed_at"
    };
}

/// Which of a respondent's sessions of a flow is "their session": the open one, else the
/// latest closed one. Ends a `SELECT … FROM sessions WHERE …` (unqualified columns).
macro_rules! latest_first {
    () => {
        " ORDER BY CASE WHEN status IN ('invited', 'consent', 'answering') THEN 0 ELSE 1 END, \
           id DESC LIMIT 1"
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

handle!(
    Sessions,
    sessions,
    "Sessions, answers, events and the exactly-once record of inbound messages."
);

impl Sessions<'_> {
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
        self.store
            .write(OpenSession {
                respondent,
                flow_id: flow_id.to_owned(),
                flow_version,
                status: status.as_str(),
                state_json: state_json.to_owned(),
                now: to_ms(now),
            })
            .await
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
            " FROM sessions WHERE respondent_id = $1 AND flow_id = $2",
            latest_first!()
        );
        self.store
            .read_optional(
                "loading the latest session",
                SQL,
                args![respondent, flow_id],
                |row| session_from_row(row),
            )
            .await
    }

    /// A respondent with their session of a flow as [`Sessions::latest_session`] picks it,
    /// in one statement: the two reads every message starts with (on PostgreSQL one round
    /// trip instead of two). `None` when there is no such respondent.
    pub async fn respondent_with_latest(
        &self,
        respondent: RespondentId,
        flow_id: &str,
    ) -> Result<Option<(super::Respondent, Option<SessionRecord>)>> {
        const SQL: &str = concat!(
            "SELECT ",
            respondent_columns!(r),
            ", ",
            session_columns_as_s!(),
            " FROM respondents r LEFT JOIN sessions s ON s.id = ( \
                SELECT id FROM sessions WHERE respondent_id = r.id AND flow_id = $1",
            latest_first!(),
            ") WHERE r.id = $2"
        );
        // `$1` before `$2` in the text: SQLite numbers them in order of appearance.
        self.store
            .read_optional(
                "loading a respondent and their session",
                SQL,
                args![flow_id, respondent],
                |row| {
                    let r = super::respondents::respondent_from_row(row)?;
                    let session = match row.int_opt("s_id")? {
                        Some(_) => Some(session_named(row, &PREFIXED_S)?),
                        None => None,
                    };
                    Ok((r, session))
                },
            )
            .await
    }

    /// Looks a session up by id.
    pub async fn session(&self, id: SessionId) -> Result<Option<SessionRecord>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            session_columns!(),
            " FROM sessions WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.store.reader)
        .await
        .map_err(db("loading a session"))?;
        row.as_ref().map(session_from_row).transpose()
    }

    /// All sessions of a respondent, in every flow, oldest first.
    pub async fn sessions_of(&self, respondent: RespondentId) -> Result<Vec<SessionRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            session_columns!(),
            " FROM sessions WHERE respondent_id = $1 ORDER BY id"
        ))
        .bind(respondent)
        .fetch_all(&self.store.reader)
        .await
        .map_err(db("listing a respondent's sessions"))?;
        rows.iter().map(session_from_row).collect()
    }

    /// All sessions of a flow (any status, any version), oldest first.
    pub async fn sessions_for_flow(&self, flow_id: &str) -> Result<Vec<SessionRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            session_columns!(),
            " FROM sessions WHERE flow_id = $1 ORDER BY id"
        ))
        .bind(flow_id)
        .fetch_all(&self.store.reader)
        .await
        .map_err(db("listing the sessions of a flow"))?;
        rows.iter().map(session_from_row).collect()
    }

    /// The sessions of a flow whose respondents are inside `scope` (the console's exports),
    /// oldest first. `Scope::All` is [`Sessions::sessions_for_flow`].
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
        q = super::scope::bind(q, schools);
        let rows = q
            .fetch_all(&self.store.reader)
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
        Ok(self.commit_step_with_replies(c, None).await?.0)
    }

    /// [`Sessions::commit_step`], queueing `replies` in the reply outbox in the same
    /// transaction: the step and what the bot answers to it are written together or not at
    /// all (a duplicate or a conflict queues nothing). Also returns the parts claimed with
    /// the batch's lease, if it has one (see [`ReplyBatch::claimed`](super::ReplyBatch::claimed)).
    pub async fn commit_step_with_replies(
        &self,
        c: &StepCommit<'_>,
        replies: Option<&super::ReplyBatch>,
    ) -> Result<(CommitOutcome, Vec<super::QueuedReply>)> {
        // Encode before touching the database, so bad input cannot leave a transaction open.
        let encoded = Encoded::new(c)?;
        self.store
            .write(Step {
                session_id: c.session_id,
                expected_revision: c.expected_revision,
                status: c.status.as_str(),
                state_json: c.state_json.to_owned(),
                flow_version: c.flow_version,
                answers: c.answers.to_vec(),
                inbound: c.inbound.map(|(ch, id)| (ch.to_owned(), id.to_owned())),
                now: to_ms(c.now),
                encoded,
                replies: replies.cloned(),
            })
            .await
    }

    /// Records a platform message handled outside a conversation step (a greeting to an
    /// unknown number), for exactly-once handling of redeliveries. True if it is new.
    pub async fn claim_inbound(
        &self,
        channel: &str,
        message_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let claim = ClaimInbound {
            channel: channel.to_owned(),
            message_id: message_id.to_owned(),
            now: to_ms(now),
        };
        self.store.write(claim).await
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
        .fetch_all(&self.store.reader)
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
        .fetch_all(&self.store.reader)
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
                .fetch_all(&self.store.reader)
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
            .execute(&self.store.writer)
            .await
            .map_err(db("pruning inbound messages"))?
            .rows_affected();
        Ok(removed)
    }
}

/// Records an inbound message as handled by a step (`$1` channel, `$2` message id,
/// `$3` session, `$4` when); changes no row for a message recorded before.
const RECORD_INBOUND: &str = "INSERT INTO inbound_messages \
     (channel, message_id, session_id, received_at) VALUES ($1, $2, $3, $4) \
     ON CONFLICT (channel, message_id) DO NOTHING";

/// Moves a session to its next revision (`$1` status, `$2` state, `$3` flow version, `$4`
/// when, `$5` session, `$6` the revision the step was computed from).
const ADVANCE_SESSION: &str = "UPDATE sessions SET status = $1, state = $2, flow_version = $3, \
         revision = revision + 1, updated_at = $4, \
         completed_at = CASE WHEN $1 = 'completed' THEN COALESCE(completed_at, $4) \
                             ELSE NULL END \
     WHERE id = $5 AND revision = $6 \
     RETURNING revision, respondent_id";

/// Moves a session to its next revision when its status and completion time stay as they
/// are (`$1` state, `$2` flow version, `$3` when, `$4` session, `$5` the revision the step
/// was computed from, `$6` the status, which the row must already have, with a completion
/// time exactly when it is `completed`): [`ADVANCE_SESSION`] without the columns the
/// session's indexes hold, for most steps (see [`Exec::rewrites_indexes_of_set_columns`]).
/// No row when the status changes, as when the revision moved on.
const ADVANCE_STATE: &str = "UPDATE sessions SET state = $1, flow_version = $2, \
         revision = revision + 1, updated_at = $3 \
     WHERE id = $4 AND revision = $5 AND status = $6 \
       AND (CASE WHEN $6 = 'completed' THEN completed_at IS NOT NULL \
                 ELSE completed_at IS NULL END) \
     RETURNING revision, respondent_id";

/// Whether a session exists (`$1` session).
const SESSION_EXISTS: &str = "SELECT id FROM sessions WHERE id = $1";

/// Adds an answer (`$1` session, `$2` code, `$3` iteration, `$4` raw, `$5` value, `$6` flow
/// version, `$7` when).
const INSERT_ANSWER: &str = "INSERT INTO answers \
     (session_id, code, iteration, raw, value, flow_version, answered_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// Retracts the current answer to one question (`$1` when, `$2` session, `$3` code,
/// `$4` iteration).
const RETRACT_ANSWER: &str = "UPDATE answers SET retracted_at = $1 \
     WHERE session_id = $2 AND code = $3 AND iteration = $4 AND retracted_at IS NULL";

/// Retracts every current answer of a session (`$1` when, `$2` session).
const RETRACT_ALL: &str =
    "UPDATE answers SET retracted_at = $1 WHERE session_id = $2 AND retracted_at IS NULL";

/// Deletes every answer of a session, retracted ones included (`$1` session).
const ERASE_ALL: &str = "DELETE FROM answers WHERE session_id = $1";

/// Records an event (`$1` respondent, `$2` session, `$3` kind, `$4` detail, `$5` when).
const INSERT_EVENT: &str = "INSERT INTO events (respondent_id, session_id, kind, detail, at) \
     VALUES ($1, $2, $3, $4, $5)";

/// A step's event kinds, answer values and event details, encoded as stored.
#[derive(Clone)]
pub(super) struct Encoded {
    answer_values: Vec<Option<String>>,
    event_kinds: Vec<String>,
    event_details: Vec<String>,
}

impl Encoded {
    pub(super) fn new(c: &StepCommit<'_>) -> Result<Encoded> {
        let answer_values = c
            .answers
            .iter()
            .map(|op| match op {
                AnswerOp::Set { value, .. } => encode_json(value, "an answer value").map(Some),
                AnswerOp::Retract { .. }
                | AnswerOp::RetractAll
                | AnswerOp::EraseAll
                | AnswerOp::EraseRespondent => Ok(None),
            })
            .collect::<Result<Vec<_>>>()?;
        let event_details = c
            .events
            .iter()
            .map(|e| encode_json(&e.detail, "an event detail"))
            .collect::<Result<Vec<_>>>()?;
        Ok(Encoded {
            answer_values,
            event_kinds: c.events.iter().map(|e| e.kind.clone()).collect(),
            event_details,
        })
    }
}

/// [`Sessions::open_session`]'s write.
#[derive(Clone)]
struct OpenSession {
    respondent: RespondentId,
    flow_id: String,
    flow_version: i64,
    status: &'static str,
    state_json: String,
    now: i64,
}

impl Write for OpenSession {
    type Out = SessionRecord;
    const CONTEXT: &'static str = "opening a session";

    async fn run(self, tx: &mut impl Exec) -> Result<SessionRecord> {
        // On the SQLite writer nobody races between the select and the insert; on
        // PostgreSQL a concurrent caller may open (and even close) the session in between,
        // and each statement sees what others committed before it.
        for _ in 0..OPEN_SESSION_ATTEMPTS {
            let open = tx
                .fetch_optional(OPEN_SESSION, args![self.respondent, &self.flow_id], |r| {
                    session_from_row(r)
                })
                .await
                .ctx("loading the open session")?;
            if let Some(open) = open {
                return Ok(open);
            }
            // Any conflict here is the one-open-session index: someone else just opened it.
            let created = tx
                .fetch_optional(
                    CREATE_SESSION,
                    args![
                        self.respondent,
                        &self.flow_id,
                        self.flow_version,
                        self.status,
                        &self.state_json,
                        self.now
                    ],
                    |r| session_from_row(r),
                )
                .await
                .ctx_or_missing("creating a session", || {
                    StoreError::RespondentNotFound(self.respondent)
                })?;
            if let Some(created) = created {
                return Ok(created);
            }
        }
        Err(StoreError::Corrupt {
            context: "sessions",
            detail: format!(
                "no open session for respondent {} in flow {:?} after \
                 {OPEN_SESSION_ATTEMPTS} attempts to create one",
                self.respondent, self.flow_id
            ),
        })
    }
}

/// One step of a conversation, owning its data (see [`StepCommit`]), with the replies
/// queued with it.
#[derive(Clone)]
struct Step {
    session_id: SessionId,
    expected_revision: i64,
    status: &'static str,
    state_json: String,
    flow_version: i64,
    answers: Vec<AnswerOp>,
    inbound: Option<(String, String)>,
    now: i64,
    encoded: Encoded,
    replies: Option<super::ReplyBatch>,
}

impl Write for Step {
    type Out = (CommitOutcome, Vec<super::QueuedReply>);
    const CONTEXT: &'static str = "committing a step";

    async fn run(self, tx: &mut impl Exec) -> Result<Self::Out> {
        let outcome = self.write_step(tx).await?;
        if let (CommitOutcome::Applied { .. }, Some(replies)) = (outcome, &self.replies) {
            let claimed = replies.write(tx, self.now).await?;
            return Ok((outcome, claimed));
        }
        Ok((outcome, Vec::new()))
    }

    /// A duplicate or a conflict leaves nothing behind (the inbound id may already be
    /// written).
    fn keep(out: &Result<Self::Out>) -> bool {
        matches!(out, Ok((CommitOutcome::Applied { .. }, _)))
    }
}

impl Step {
    /// Writes the step. On [`CommitOutcome::Duplicate`] nothing was written; on
    /// [`CommitOutcome::Conflict`] the inbound message may have been recorded, so the
    /// transaction (or savepoint) must be rolled back, as [`Step::keep`] says.
    async fn write_step(&self, tx: &mut impl Exec) -> Result<CommitOutcome> {
        let (session, now) = (self.session_id, self.now);

        // 1. Exactly-once: the first transaction to record the message wins; later ones
        //    (and concurrent ones, which wait for the first to finish) see the conflict.
        if let Some((channel, message_id)) = &self.inbound {
            let recorded = tx
                .execute(RECORD_INBOUND, args![channel, message_id, session, now])
                .await
                .ctx_or_missing("recording an inbound message", || {
                    StoreError::SessionNotFound(session)
                })?;
            if recorded == 0 {
                return Ok(CommitOutcome::Duplicate);
            }
        }

        // 2. Optimistic concurrency: only the holder of the current revision may write.
        //    On SQLite most steps keep the status: then the narrower statement leaves the
        //    session's three indexes that hold it untouched (ten such updates on this
        //    schema wrote 36 pages with the status in the `SET` list, 10 without), and
        //    only a change of status takes the full one.
        let mut updated = None;
        if tx.rewrites_indexes_of_set_columns() {
            updated = tx
                .fetch_optional(
                    ADVANCE_STATE,
                    args![
                        &self.state_json,
                        self.flow_version,
                        now,
                        session,
                        self.expected_revision,
                        self.status
                    ],
                    |r| Ok((r.int("revision")?, r.int("respondent_id")?)),
                )
                .await
                .ctx("updating a session")?;
        }
        if updated.is_none() {
            updated = tx
                .fetch_optional(
                    ADVANCE_SESSION,
                    args![
                        self.status,
                        &self.state_json,
                        self.flow_version,
                        now,
                        session,
                        self.expected_revision
                    ],
                    |r| Ok((r.int("revision")?, r.int("respondent_id")?)),
                )
                .await
                .ctx("updating a session")?;
        }
        let Some((revision, respondent_id)) = updated else {
            let exists = tx
                .fetch_optional(SESSION_EXISTS, args![session], |_| Ok(()))
                .await
                .ctx("checking a session")?
                .is_some();
            return if exists {
                Ok(CommitOutcome::Conflict)
            } else {
                Err(StoreError::SessionNotFound(session))
            };
        };

        // 3. Answers, append-only: retract the current row, then add the new one.
        for (op, value) in self.answers.iter().zip(&self.encoded.answer_values) {
            match op {
                AnswerOp::EraseAll => {
                    tx.execute(ERASE_ALL, args![session])
                        .await
                        .ctx("erasing answers")?;
                    continue;
                }
                AnswerOp::EraseRespondent => {
                    super::respondents::erase_in(
                        tx,
                        respondent_id,
                        session,
                        now,
                        super::respondents::Erasure::Request,
                    )
                    .await?;
                    continue;
                }
                _ => {}
            }
            match op {
                AnswerOp::Set { key, .. } | AnswerOp::Retract { key } => {
                    let (code, iteration) = (&key.code, i64::from(key.iteration));
                    tx.execute(RETRACT_ANSWER, args![now, session, code, iteration])
                        .await
                }
                AnswerOp::RetractAll => tx.execute(RETRACT_ALL, args![now, session]).await,
                AnswerOp::EraseAll | AnswerOp::EraseRespondent => continue,
            }
            .ctx("retracting answers")?;
            if let AnswerOp::Set { key, raw, .. } = op {
                tx.execute(
                    INSERT_ANSWER,
                    args![
                        session,
                        &key.code,
                        i64::from(key.iteration),
                        raw,
                        value.as_deref(),
                        self.flow_version,
                        now
                    ],
                )
                .await
                .ctx("storing an answer")?;
            }
        }

        // 4. Events.
        let events = self
            .encoded
            .event_kinds
            .iter()
            .zip(&self.encoded.event_details);
        for (kind, detail) in events {
            tx.execute(
                INSERT_EVENT,
                args![respondent_id, session, kind, detail, now],
            )
            .await
            .ctx("recording an event")?;
        }

        Ok(CommitOutcome::Applied { revision })
    }
}

/// Serialises a value for a TEXT column.
fn encode_json<T: serde::Serialize>(value: &T, context: &'static str) -> Result<String> {
    serde_json::to_string(value).map_err(|source| StoreError::Encode { context, source })
}

/// The names under which a statement returns a session's columns: a plain `sessions`
/// read, or a join that prefixes them to keep them apart from another table's.
pub(super) struct SessionNames {
    id: &'static str,
    respondent_id: &'static str,
    flow_id: &'static str,
    flow_version: &'static str,
    status: &'static str,
    state: &'static str,
    revision: &'static str,
    created_at: &'static str,
    updated_at: &'static str,
    completed_at: &'static str,
}

/// [`session_columns!`] as they are.
const PLAIN: SessionNames = SessionNames {
    id: "id",
    respondent_id: "respondent_id",
    flow_id: "flow_id",
    flow_version: "flow_version",
    status: "status",
    state: "state",
    revision: "revision",
    created_at: "created_at",
    updated_at: "updated_at",
    completed_at: "completed_at",
};

/// The columns selected `AS s_…` ([`session_columns_as_s!`]: a session joined with its
/// respondent).
pub(super) const PREFIXED_S: SessionNames = SessionNames {
    id: "s_id",
    respondent_id: "s_respondent_id",
    flow_id: "s_flow_id",
    flow_version: "s_flow_version",
    status: "s_status",
    state: "s_state",
    revision: "s_revision",
    created_at: "s_created_at",
    updated_at: "s_updated_at",
    completed_at: "s_completed_at",
};

/// Decodes a `sessions` row.
pub(super) fn session_from_row(row: &(impl Columns + ?Sized)) -> Result<SessionRecord> {
    session_named(row, &PLAIN)
}

/// Decodes a session whose columns come under `names`.
pub(super) fn session_named(
    row: &(impl Columns + ?Sized),
    names: &SessionNames,
) -> Result<SessionRecord> {
    let status = row.text(names.status)?;
    let status = SessionStatus::parse(&status).ok_or_else(|| StoreError::Corrupt {
        context: "session status",
        detail: format!("unknown status {status:?}"),
    })?;
    Ok(SessionRecord {
        id: row.int(names.id)?,
        respondent_id: row.int(names.respondent_id)?,
        flow_id: row.text(names.flow_id)?,
        flow_version: row.int(names.flow_version)?,
        status,
        state_json: row.text(names.state)?,
        revision: row.int(names.revision)?,
        created_at: from_ms(row.int(names.created_at)?, "session created_at")?,
        updated_at: from_ms(row.int(names.updated_at)?, "session updated_at")?,
        completed_at: row
            .int_opt(names.completed_at)?
            .map(|ms| from_ms(ms, "session completed_at"))
            .transpose()?,
    })
}

/// Decodes an `answers` row (without `retracted_at`).
fn answer_from_row(row: &AnyRow) -> Result<StoredAnswer> {
    let (key, value) = answer_key_value(row)?;
    Ok(StoredAnswer {
        key,
        raw: get(row, "raw")?,
        value,
        flow_version: get(row, "flow_version")?,
        answered_at: from_ms(get(row, "answered_at")?, "answer answered_at")?,
    })
}

/// The key (`code`, `iteration`) and the decoded `value` of an `answers` row.
pub(super) fn answer_key_value(row: &AnyRow) -> Result<(AnswerKey, Value)> {
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
    let key = AnswerKey {
        code: get(row, "code")?,
        iteration,
    };
    Ok((key, value))
}
