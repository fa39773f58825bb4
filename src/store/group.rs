//! Group commit for SQLite: one writer task takes the steps queued by concurrent
//! [`Store::commit_step`] callers and commits up to [`MAX_GROUP`] of them in one transaction,
//! then answers every caller.
//!
//! SQLite runs one writer at a time and a commit costs far more than the few statements of a
//! step (WAL frames written for every page touched, the write lock taken and released, a
//! round trip to the connection's worker thread for `BEGIN` and `COMMIT`). Sharing that cost
//! among the steps waiting anyway multiplies throughput under load; a step arriving alone is
//! committed alone, exactly as before.
//!
//! Semantics are those of one transaction per step:
//! - a [`CommitOutcome::Duplicate`] or [`CommitOutcome::Conflict`] undoes only that step
//!   (see [`try_group`]); steps later in the group see the earlier ones, as they would had
//!   they been committed one after the other;
//! - a caller hears [`CommitOutcome::Applied`] only once the group's `COMMIT` succeeded;
//! - if anything in the group fails (a database error in one step, or the `COMMIT`), the
//!   whole group is rolled back and every step of it is committed again on its own, so each
//!   caller gets exactly the result (or error) it would have got without grouping.

use std::fmt;

use tokio::sync::{mpsc, oneshot};

use super::sessions::{Encoded, write_step};
use super::{AnswerOp, CommitOutcome, NewEvent, Result, SessionId, StepCommit, Store, StoreError};
use crate::model::SessionStatus;
use chrono::{DateTime, Utc};

/// The most steps committed in one transaction. Large enough that a burst of respondents
/// shares a few commits; small enough that the transaction (which holds the write lock)
/// stays short.
pub(super) const MAX_GROUP: usize = 128;

/// The queue to the writer task of one SQLite store.
#[derive(Clone)]
pub(super) struct GroupCommit {
    queue: mpsc::UnboundedSender<Job>,
}

impl fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupCommit")
            .field("open", &!self.queue.is_closed())
            .finish()
    }
}

/// A queued step and where its result goes.
struct Job {
    step: OwnedStep,
    encoded: Encoded,
    reply: oneshot::Sender<Result<CommitOutcome>>,
}

/// A [`StepCommit`] that owns its data, to cross to the writer task.
struct OwnedStep {
    session_id: SessionId,
    expected_revision: i64,
    status: SessionStatus,
    state_json: String,
    flow_version: i64,
    answers: Vec<AnswerOp>,
    events: Vec<NewEvent>,
    inbound: Option<(String, String)>,
    now: DateTime<Utc>,
}

impl OwnedStep {
    fn new(c: &StepCommit<'_>) -> OwnedStep {
        OwnedStep {
            session_id: c.session_id,
            expected_revision: c.expected_revision,
            status: c.status,
            state_json: c.state_json.to_owned(),
            flow_version: c.flow_version,
            answers: c.answers.to_vec(),
            events: c.events.to_vec(),
            inbound: c.inbound.map(|(ch, id)| (ch.to_owned(), id.to_owned())),
            now: c.now,
        }
    }

    fn as_commit(&self) -> StepCommit<'_> {
        StepCommit {
            session_id: self.session_id,
            expected_revision: self.expected_revision,
            status: self.status,
            state_json: &self.state_json,
            flow_version: self.flow_version,
            answers: &self.answers,
            events: &self.events,
            inbound: self
                .inbound
                .as_ref()
                .map(|(ch, id)| (ch.as_str(), id.as_str())),
            now: self.now,
        }
    }
}

impl GroupCommit {
    /// Starts the writer for `store` (which must not group itself) on a thread of its own,
    /// running a single-task Tokio runtime; `None` if that cannot be set up, in which case
    /// steps are committed one by one.
    ///
    /// Not a task on the caller's runtime: there it would wait behind every ready task each
    /// time SQLite answered one of its statements (wake-ups from SQLite's worker thread go
    /// to the back of the runtime's queue), and the writer is what every step waits for.
    pub(super) fn start(store: Store) -> Option<GroupCommit> {
        debug_assert!(store.group.is_none());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok()?;
        let (queue, jobs) = mpsc::unbounded_channel();
        std::thread::Builder::new()
            .name("jejak-sqlite-writer".into())
            .spawn(move || runtime.block_on(writer(store, jobs)))
            .ok()?;
        Some(GroupCommit { queue })
    }

    /// Queues a step and waits for its result. Falls back to committing it alone if the
    /// writer task is gone (its runtime shut down).
    pub(super) async fn commit(
        &self,
        c: &StepCommit<'_>,
        encoded: Encoded,
        alone: &Store,
    ) -> Result<CommitOutcome> {
        let (reply, result) = oneshot::channel();
        let job = Job {
            step: OwnedStep::new(c),
            encoded,
            reply,
        };
        if let Err(mpsc::error::SendError(job)) = self.queue.send(job) {
            return alone.commit_alone(c, &job.encoded).await;
        }
        // The writer dropping the reply means it died mid-group: whether the step was
        // committed is unknown, as after a lost connection.
        result.await.unwrap_or_else(|_| {
            Err(StoreError::Database {
                context: "committing a step",
                source: sqlx::Error::WorkerCrashed,
            })
        })
    }
}

/// The writer task: takes whatever is queued (up to [`MAX_GROUP`] steps) and commits it.
/// Ends when every [`Store`] clone holding the queue is gone.
async fn writer(store: Store, mut jobs: mpsc::UnboundedReceiver<Job>) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while jobs.recv_many(&mut group, MAX_GROUP).await > 0 {
        commit_group(&store, std::mem::take(&mut group)).await;
    }
}

/// Commits a group and answers its callers.
async fn commit_group(store: &Store, mut group: Vec<Job>) {
    // A caller that gave up waiting (its future was dropped) gets nothing written, as when a
    // `commit_step` future is dropped before its transaction commits.
    group.retain(|job| !job.reply.is_closed());
    if group.is_empty() {
        return;
    }
    if group.len() == 1
        && let Some(job) = group.pop()
    {
        let result = store
            .commit_alone(&job.step.as_commit(), &job.encoded)
            .await;
        let _ = job.reply.send(result);
        return;
    }
    match try_group(store, &group).await {
        Ok(outcomes) => {
            for (job, outcome) in group.into_iter().zip(outcomes) {
                let _ = job.reply.send(Ok(outcome));
            }
        }
        Err(e) => {
            tracing::debug!(error = %e, steps = group.len(), "group commit failed; committing its steps one by one");
            for job in group {
                if job.reply.is_closed() {
                    continue;
                }
                let result = store
                    .commit_alone(&job.step.as_commit(), &job.encoded)
                    .await;
                let _ = job.reply.send(result);
            }
        }
    }
}

/// Writes every step of a group in one transaction. Any error rolls the whole transaction
/// back (dropping it does).
///
/// A step that is not applied is undone without a savepoint (which would cost two more
/// statements for every step): a [`CommitOutcome::Duplicate`] wrote nothing, and a
/// [`CommitOutcome::Conflict`] wrote only its inbound message row, which no other step can
/// have written (a message seen before is a duplicate), so deleting it restores the
/// database exactly.
async fn try_group(store: &Store, group: &[Job]) -> Result<Vec<CommitOutcome>> {
    let mut tx = store.begin_write().await?;
    let mut outcomes = Vec::with_capacity(group.len());
    for job in group {
        let step = job.step.as_commit();
        let outcome = write_step(&mut tx, &step, &job.encoded).await?;
        if outcome == CommitOutcome::Conflict
            && let Some((channel, message_id)) = step.inbound
        {
            sqlx::query("DELETE FROM inbound_messages WHERE channel = $1 AND message_id = $2")
                .bind(channel)
                .bind(message_id)
                .execute(&mut *tx)
                .await
                .map_err(super::error::db("undoing a conflicting step"))?;
        }
        outcomes.push(outcome);
    }
    tx.commit()
        .await
        .map_err(super::error::db("committing a group of steps"))?;
    Ok(outcomes)
}
