//! The conversation core every channel shares.
//!
//! - [`inbound`]: [`Inbound`], the one shape a channel turns its platform's messages into.
//! - [`receive`]: [`Receiver`], everything between that shape and the engine: who wrote
//!   (binding, roster phone, token, open link with the roster identity check), exactly-once
//!   by `(channel, message id)`, the language, the step, and the replies queued in the reply
//!   outbox in the step's own transaction.
//! - [`send`]: [`ReplySender`], a channel's delivery of the queued replies, in order per
//!   address, each part marked sent once the platform took it.
//! - [`Conversations`] (here): the shell around one step: load a respondent's session, run
//!   one pure step, commit its answers and state in one transaction, retry when another
//!   worker got there first.

pub mod inbound;
pub mod receive;
pub mod send;

pub use inbound::{Content, Inbound, start_token};
pub use receive::{Receipt, ReceiveError, Receiver};
pub use send::{Deliver, DeliverFuture, Flushed, ReplySender};

use crate::engine::{self, Context, Input, Reply, SessionState};
use crate::flow::Flow;
use crate::i18n::Catalog;
use crate::model::{AnswerChange, Channel, SessionStatus};
use crate::store::{
    CommitOutcome, Lease, NewEvent, QueuedReply, ReplyBatch, RespondentId, SessionRecord,
    StepCommit, Store, StoreError,
};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Arc;

/// Why an input could not be handled.
#[derive(Debug, thiserror::Error)]
pub enum ConversationError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The respondent does not exist.
    #[error("respondent {0} does not exist")]
    NoRespondent(RespondentId),
    /// Another worker kept changing the session.
    #[error("session of respondent {0} kept changing under us; gave up after retries")]
    Contended(RespondentId),
    /// The engine state could not be encoded.
    #[error("cannot encode session state: {0}")]
    Encode(#[from] serde_json::Error),
}

/// What handling an input produced.
#[derive(Debug)]
pub enum Handled {
    /// Send these.
    Replies(Vec<Reply>),
    /// The platform redelivered a message already handled: nothing changed, send nothing.
    Duplicate,
}

/// One async lock per key (an address), forgotten once nobody holds or waits for it, so
/// the map holds the addresses active now rather than every address ever seen.
///
/// A guard rather than a function that runs a future under the lock: an `async fn` that
/// takes a future and awaits it keeps room for it twice in its own state (the argument,
/// and the future being awaited), so each such wrapper doubled the size of what it
/// wrapped. Three of them stacked on the Telegram webhook made its future some 50 KB,
/// copied several times per update (about a tenth of the benchmark's instructions).
pub(crate) struct KeyedLocks<K>(std::sync::Mutex<HashMap<K, Arc<tokio::sync::Mutex<()>>>>);

impl<K: std::hash::Hash + Eq + Clone> KeyedLocks<K> {
    pub(crate) fn new() -> Self {
        KeyedLocks(std::sync::Mutex::new(HashMap::new()))
    }

    /// Waits for `key`'s lock; it is held until the guard is dropped.
    pub(crate) async fn lock(&self, key: K) -> KeyGuard<'_, K> {
        let lock = {
            let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
            map.entry(key.clone()).or_default().clone()
        };
        // Made before waiting, so a caller that gives up while waiting still forgets the
        // key when nobody else needs it.
        let mut guard = KeyGuard {
            locks: self,
            key,
            lock,
            held: None,
        };
        guard.held = Some(guard.lock.clone().lock_owned().await);
        guard
    }
}

/// A key's lock held (or being waited for) in [`KeyedLocks`].
pub(crate) struct KeyGuard<'a, K: std::hash::Hash + Eq + Clone> {
    locks: &'a KeyedLocks<K>,
    key: K,
    lock: Arc<tokio::sync::Mutex<()>>,
    held: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl<K: std::hash::Hash + Eq + Clone> Drop for KeyGuard<'_, K> {
    fn drop(&mut self) {
        // Under the map's lock, so nobody takes the key's lock out of the map meanwhile.
        let mut map = self.locks.0.lock().unwrap_or_else(|p| p.into_inner());
        drop(self.held.take());
        // The map's reference and ours: nobody else holds or waits for it.
        if Arc::strong_count(&self.lock) == 2 {
            map.remove(&self.key);
        }
    }
}

/// Where a step's replies go: queued for `address` on `channel`, after `preface` (what
/// the bot says before the step's own replies, such as the welcome after an identity
/// check).
#[derive(Debug, Clone)]
pub(crate) struct ReplyTo<'a> {
    pub(crate) channel: Channel,
    pub(crate) address: &'a str,
    pub(crate) preface: &'a [Reply],
    /// The sender that will deliver the parts, to claim them for in the step's own
    /// transaction (see [`ReplyBatch::claimed`]).
    pub(crate) lease: Option<&'a Lease>,
}

/// Runs conversations of one flow against the store.
#[derive(Clone)]
pub struct Conversations {
    /// The database.
    pub store: Store,
    /// The flow.
    pub flow: Arc<Flow>,
    /// The bot's messages.
    pub catalog: Arc<Catalog>,
}

impl Conversations {
    /// Handles one input from a respondent. `inbound` is the platform message id, for
    /// exactly-once processing of redelivered updates.
    pub async fn handle(
        &self,
        respondent: RespondentId,
        input: &Input,
        inbound: Option<(&str, &str)>,
        now: DateTime<Utc>,
    ) -> Result<Handled, ConversationError> {
        Ok(self.step(respondent, input, inbound, None, now).await?.0)
    }

    /// [`Conversations::handle`], with the replies (after `to.preface`) queued in the reply
    /// outbox for `to`'s address in the step's own transaction. The replies are returned
    /// too, with the parts claimed for `to.lease`'s sender, and whether the step erased the
    /// respondent (`/hapus`: their channel bindings are gone).
    pub(crate) async fn step(
        &self,
        respondent: RespondentId,
        input: &Input,
        inbound: Option<(&str, &str)>,
        to: Option<&ReplyTo<'_>>,
        now: DateTime<Utc>,
    ) -> Result<(Handled, Vec<QueuedReply>, bool), ConversationError> {
        // The respondent and their session in one read; after a conflict the session again.
        let (r, mut latest) = self
            .store
            .sessions()
            .respondent_with_latest(respondent, &self.flow.id)
            .await?
            .ok_or(ConversationError::NoRespondent(respondent))?;
        for _ in 0..8 {
            let session = match latest.take() {
                Some(s) => s,
                None => self.session(respondent, r.language, now).await?,
            };
            let flow = self.flow_of(&session).await?;
            let state = self.state_of(&flow, &session, r.language);
            let cx = Context {
                flow: &flow,
                catalog: &self.catalog,
                respondent: &r.fields,
            };
            let out = engine::step(&cx, state, input, now);
            let state_json = serde_json::to_string(&out.state)?;
            let events: Vec<NewEvent> = out
                .events
                .iter()
                .map(|e| {
                    let detail = serde_json::to_value(e).unwrap_or_default();
                    let kind = detail
                        .get("event")
                        .and_then(|k| k.as_str())
                        .unwrap_or("event")
                        .to_string();
                    NewEvent { kind, detail }
                })
                .collect();
            let commit = StepCommit {
                session_id: session.id,
                expected_revision: session.revision,
                status: out.state.status,
                state_json: &state_json,
                flow_version: flow.version,
                answers: &out.answers,
                events: &events,
                inbound,
                now,
            };
            let batch = match to {
                Some(to) => {
                    let mut all = to.preface.to_vec();
                    all.extend(out.replies.iter().cloned());
                    let batch = ReplyBatch::new(
                        to.channel,
                        to.address,
                        Some(respondent),
                        out.state.lang,
                        &all,
                    )?;
                    Some(match to.lease {
                        Some(lease) => batch.claimed(lease.clone()),
                        None => batch,
                    })
                }
                None => None,
            };
            match self
                .store
                .sessions()
                .commit_step_with_replies(&commit, batch.as_ref())
                .await?
            {
                (CommitOutcome::Applied { .. }, claimed) => {
                    let erased = out.answers.contains(&AnswerChange::EraseRespondent);
                    return Ok((Handled::Replies(out.replies), claimed, erased));
                }
                (CommitOutcome::Duplicate, _) => {
                    return Ok((Handled::Duplicate, Vec::new(), false));
                }
                (CommitOutcome::Conflict, _) => continue,
            }
        }
        Err(ConversationError::Contended(respondent))
    }

    /// The respondent's session of this flow: the open one, else the latest closed one (so a
    /// finished respondent hears "already completed"), else a new one.
    async fn session(
        &self,
        respondent: RespondentId,
        lang: Option<crate::model::Lang>,
        now: DateTime<Utc>,
    ) -> Result<SessionRecord, ConversationError> {
        if let Some(s) = self
            .store
            .sessions()
            .latest_session(respondent, &self.flow.id)
            .await?
        {
            return Ok(s);
        }
        let fresh = SessionState::invited(Self::start_lang(&self.flow, lang));
        let json = serde_json::to_string(&fresh)?;
        Ok(self
            .store
            .sessions()
            .open_session(
                respondent,
                &self.flow.id,
                self.flow.version,
                SessionStatus::Invited,
                &json,
                now,
            )
            .await?)
    }

    fn start_lang(flow: &Flow, lang: Option<crate::model::Lang>) -> crate::model::Lang {
        lang.filter(|l| flow.languages.contains(l))
            .unwrap_or(flow.default_lang())
    }

    /// The flow a session continues with. A session that has begun keeps the version it
    /// started under, compiled from the text the store keeps (cached), so a new version
    /// deployed while a respondent is in the middle does not restart them or move them to
    /// another question; it applies to new sessions, and to invited ones that have not
    /// begun yet (their commit then records the new version). A version whose text the
    /// store does not know (sessions from before migration 0015) takes the loaded flow.
    async fn flow_of(&self, s: &SessionRecord) -> Result<Arc<Flow>, StoreError> {
        if s.flow_version == self.flow.version || s.status == SessionStatus::Invited {
            return Ok(self.flow.clone());
        }
        match self
            .store
            .flow_sources()
            .compiled(&self.flow.id, s.flow_version)
            .await?
        {
            Some(f) => Ok(f),
            None => {
                tracing::warn!(
                    session = s.id,
                    version = s.flow_version,
                    "the session's flow version is not stored; continuing with the loaded one"
                );
                Ok(self.flow.clone())
            }
        }
    }

    /// The flow version `respondent`'s latest session of this flow runs (by the rule of
    /// [`Self::flow_of`]); the loaded flow when they have none. For a channel that must read
    /// a platform payload against the respondent's own version (Telegram's hashed buttons).
    pub(crate) async fn session_flow(
        &self,
        respondent: RespondentId,
    ) -> Result<Arc<Flow>, StoreError> {
        match self
            .store
            .sessions()
            .latest_session(respondent, &self.flow.id)
            .await?
        {
            Some(s) => self.flow_of(&s).await,
            None => Ok(self.flow.clone()),
        }
    }

    /// Decodes a stored state. A state that does not fit the flow (a flow file changed
    /// without a new version) restarts the conversation rather than crashing it; the answers
    /// already stored stay in the database.
    fn state_of(
        &self,
        flow: &Flow,
        s: &SessionRecord,
        lang: Option<crate::model::Lang>,
    ) -> SessionState {
        match serde_json::from_str::<SessionState>(&s.state_json) {
            Ok(st) if st.is_valid(flow.items.len(), flow.groups.len()) => st,
            _ => {
                tracing::warn!(
                    session = s.id,
                    "stored state does not fit the flow; starting over"
                );
                SessionState::invited(Self::start_lang(flow, lang))
            }
        }
    }
}
