//! The records the store reads and writes.

use chrono::{DateTime, NaiveDate, Utc};

use crate::model::{AnswerKey, Lang, RespondentFields, SessionStatus, Value};

/// A respondent's id in the store.
pub type RespondentId = i64;

/// A session's id in the store.
pub type SessionId = i64;

/// A respondent as given to [`Respondents::upsert_respondent`](super::Respondents::upsert_respondent):
/// a roster row, or someone who turned up on a channel.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewRespondent {
    /// Roster fields; `fields.external_id` is the key for updates.
    pub fields: RespondentFields,
    /// Phone number, preferably E.164.
    pub phone: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// IANA time zone (`Asia/Jakarta`).
    pub timezone: Option<String>,
    /// Preferred language.
    pub language: Option<Lang>,
    /// Date of birth.
    pub birth_date: Option<NaiveDate>,
}

/// A stored respondent.
#[derive(Debug, Clone, PartialEq)]
pub struct Respondent {
    /// The store's id.
    pub id: RespondentId,
    /// Roster fields.
    pub fields: RespondentFields,
    /// Phone number.
    pub phone: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// IANA time zone.
    pub timezone: Option<String>,
    /// Preferred language.
    pub language: Option<Lang>,
    /// Date of birth.
    pub birth_date: Option<NaiveDate>,
    /// Whether messages to the respondent keep failing (blocked the bot, number gone, …).
    pub unreachable: bool,
    /// The unguessable enrolment token of the respondent's personal links (Telegram
    /// `/start <token>`, WhatsApp `MULAI <token>`). Kept across roster re-imports.
    pub token: String,
    /// When the respondent was first stored.
    pub created_at: DateTime<Utc>,
    /// When the respondent was last changed by an upsert.
    pub updated_at: DateTime<Utc>,
}

/// A stored session: one respondent's run through one flow.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    /// The store's id.
    pub id: SessionId,
    /// Whose session it is.
    pub respondent_id: RespondentId,
    /// The flow's id.
    pub flow_id: String,
    /// The flow version the state refers to.
    pub flow_version: i64,
    /// Where the respondent stands.
    pub status: SessionStatus,
    /// The engine's state, opaque JSON.
    pub state_json: String,
    /// Incremented by every applied [`StepCommit`]; used for optimistic concurrency.
    pub revision: i64,
    /// When the session was created.
    pub created_at: DateTime<Utc>,
    /// When the session last changed.
    pub updated_at: DateTime<Utc>,
    /// When the session became [`SessionStatus::Completed`]; `None` unless it is completed.
    pub completed_at: Option<DateTime<Utc>>,
}

/// A change to the stored answers (the engine's `AnswerChange`).
pub use crate::model::AnswerChange as AnswerOp;

/// Something worth recording about a respondent's progress (consent given, reminder sent, …).
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// A short machine-readable kind (`consent_given`); must not be empty.
    pub kind: String,
    /// Any JSON detail.
    pub detail: serde_json::Value,
}

/// Everything one engine step changes, committed atomically by
/// [`Sessions::commit_step`](super::Sessions::commit_step).
#[derive(Debug, Clone)]
pub struct StepCommit<'a> {
    /// The session the step belongs to.
    pub session_id: SessionId,
    /// The revision the engine loaded; the commit is refused if the session has moved on.
    pub expected_revision: i64,
    /// The new status.
    pub status: SessionStatus,
    /// The new engine state.
    pub state_json: &'a str,
    /// The flow version the step ran against; stored on the session and on new answers.
    pub flow_version: i64,
    /// Answer changes, applied in order.
    pub answers: &'a [AnswerOp],
    /// Events to record, in order.
    pub events: &'a [NewEvent],
    /// The platform message that caused the step, as `(channel, message_id)`, for
    /// exactly-once processing; `None` for steps not caused by a message (timers, admin).
    pub inbound: Option<(&'a str, &'a str)>,
    /// The time of the step.
    pub now: DateTime<Utc>,
}

/// The result of [`Sessions::commit_step`](super::Sessions::commit_step).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitOutcome {
    /// Everything was written; the session now has this revision.
    Applied {
        /// The session's new revision.
        revision: i64,
    },
    /// The inbound message was processed before; nothing changed.
    Duplicate,
    /// The session's revision is no longer `expected_revision`; nothing changed. Reload the
    /// session and run the step again.
    Conflict,
}

/// One stored answer.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAnswer {
    /// Question code and repeat iteration.
    pub key: AnswerKey,
    /// What the respondent typed.
    pub raw: String,
    /// The normalised value.
    pub value: Value,
    /// The flow version the answer was given under.
    pub flow_version: i64,
    /// When it was given.
    pub answered_at: DateTime<Utc>,
}

/// A recorded event, as returned by [`Sessions::events`](super::Sessions::events): kind, detail and
/// time.
pub type EventRecord = (String, serde_json::Value, DateTime<Utc>);
