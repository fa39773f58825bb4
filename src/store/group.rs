//! Group commit for SQLite: one writer thread takes the steps queued by concurrent
//! [`Sessions::commit_step`] callers and commits up to [`MAX_GROUP`] of them in one transaction,
//! then answers every caller.
//!
//! Why a thread of its own with a synchronous SQLite connection (rusqlite) rather than
//! sqlx: sqlx runs each SQLite connection on a worker thread and hands it every statement
//! through a channel, so each statement costs two thread wake-ups. A step is four to six
//! statements; profiling the store benchmark showed about half of all CPU time in the
//! kernel switching threads and under 3% in SQLite itself. Here a step's statements run
//! back to back on the thread that owns the connection: one wake-up to take a batch of
//! steps, one to answer each caller.
//!
//! And why group at all: a commit costs far more than the few statements of a step (the
//! WAL frames of every page touched, the write lock taken and released). Sharing it among
//! the steps waiting anyway multiplies throughput under load; a step arriving alone is
//! committed alone.
//!
//! Semantics are those of one transaction per step: each step runs inside a savepoint, so
//! a [`CommitOutcome::Duplicate`], a [`CommitOutcome::Conflict`] or an error undoes only
//! that step (its caller gets that outcome or error); steps later in the group see the
//! earlier ones, as they would had they been committed one after the other; a caller
//! hears [`CommitOutcome::Applied`] only once the group's `COMMIT` succeeded, and every
//! caller of the group gets the error if it failed.
//!
//! This is the only writer of sessions, answers, events and inbound messages on a SQLite
//! file store, and the other writes of a conversation (binding a chat, opening a session,
//! WhatsApp's message records, the reply outbox) come here too, through
//! [`GroupCommit::write_if`]. The rest (roster imports, waves, reports) go through sqlx's
//! writer connection, and SQLite's busy timeout orders the two. What each write does is
//! written once, beside its aggregate, for both drivers (see [`sql`](super::sql)); this
//! module only runs it.

use std::any::Any;
use std::fmt;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

#[cfg(test)]
use rusqlite::params;
use rusqlite::{Connection, OpenFlags, Transaction};
use tokio::sync::oneshot;

use super::{Result, StoreError};

/// The most steps committed in one transaction. Large enough that a burst of respondents
/// shares a few commits; small enough that the transaction (which holds the write lock)
/// stays short.
pub(super) const MAX_GROUP: usize = 128;

/// How long the writer waits for SQLite's write lock held by another connection (sqlx's
/// writer, another process) before failing: as the sqlx connections' `busy_timeout`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Prepared statements kept per connection: every statement of the conversation path's
/// writes (steps, bindings, sessions, reply outbox, WhatsApp records) stays prepared.
const STATEMENT_CACHE: usize = 32;

/// The queue to the writer thread of one SQLite store.
#[derive(Clone)]
pub(super) struct GroupCommit {
    queue: mpsc::Sender<Job>,
}

impl fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupCommit").finish_non_exhaustive()
    }
}

/// Queued work and where its result goes: a step, or another write of the conversation
/// path (see [`GroupCommit::write_if`]), one queue for both so they share groups.
struct Job {
    /// Runs the work in its own savepoint of the group's transaction.
    work: Work,
    /// Where the result goes; `None` for a write nobody waits for (see
    /// [`GroupCommit::push`]), whose failure the writer logs.
    reply: Option<oneshot::Sender<Result<Box<dyn Any + Send>>>>,
}

/// A job's work; its result is boxed so that every kind of write shares one queue.
type Work = Box<dyn FnOnce(&Transaction<'_>) -> Result<Box<dyn Any + Send>> + Send>;

/// Why the writer could not be started.
#[derive(Debug, thiserror::Error)]
pub(super) enum StartError {
    /// Opening or configuring the connection failed.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// The thread could not be spawned.
    #[error(transparent)]
    Thread(#[from] std::io::Error),
}

impl GroupCommit {
    /// Opens a writing connection to the SQLite file at `path` (already migrated) and starts
    /// the writer thread. The thread ends when every [`Store`](super::Store) clone holding
    /// the queue is gone.
    pub(super) fn start(path: &Path) -> std::result::Result<GroupCommit, StartError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // journal_mode=WAL is a property of the file, set by the migrations' connection.
        //
        // temp_store = MEMORY keeps each write's savepoint journal in memory. In WAL mode
        // every page a write changes inside its savepoint is first copied to that journal
        // (to undo the write alone); past 64 KiB, about 16 pages, which a step with its
        // reply parts reaches, SQLite spilled it to a temporary file in /var/tmp: a file
        // created and unlinked per group and three `pwrite`s per page, four fifths of the
        // writer's system calls in the Telegram benchmark. The journal of one write is
        // small, and it is emptied at each write's `RELEASE`.
        conn.execute_batch(
            "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;",
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let (queue, jobs) = mpsc::channel();
        std::thread::Builder::new()
            .name("jejak-sqlite-writer".into())
            .spawn(move || writer(conn, jobs))?;
        Ok(GroupCommit { queue })
    }

    /// Runs `work` on the writer thread, in a savepoint of the next group's transaction,
    /// keeping its writes only if `keep` says so of its result (see
    /// [`Store::write`](super::Store::write), through which every write comes here). The reply comes after the group's `COMMIT`; a writer that died mid-group
    /// leaves it unknown whether the work was committed, as after a lost connection.
    pub(super) async fn write_if<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Transaction<'_>) -> Result<T> + Send + 'static,
        keep: impl FnOnce(&Result<T>) -> bool + Send + 'static,
    ) -> Result<T> {
        let (reply, result) = oneshot::channel();
        let work: Work = Box::new(move |tx| {
            in_savepoint(tx, work, keep).map(|t| Box::new(t) as Box<dyn Any + Send>)
        });
        if self
            .queue
            .send(Job {
                work,
                reply: Some(reply),
            })
            .is_err()
        {
            return Err(writer_gone());
        }
        let any = result.await.unwrap_or_else(|_| Err(writer_gone()))?;
        any.downcast::<T>()
            .map(|t| *t)
            .map_err(|_| StoreError::Corrupt {
                context: "group commit",
                detail: "a write's result came back with another type".into(),
            })
    }
}

impl GroupCommit {
    /// Queues `work` as [`GroupCommit::write_if`] does, without waiting for it: the writer
    /// takes jobs in the order they were queued, so every write queued after this one (by
    /// anyone) sees it. A failure is logged by the writer. Returns false if the writer is
    /// gone (nothing was queued).
    pub(super) fn push(
        &self,
        work: impl FnOnce(&Transaction<'_>) -> Result<()> + Send + 'static,
        context: &'static str,
    ) -> bool {
        let work: Work = Box::new(move |tx| {
            in_savepoint(tx, work, Result::is_ok)
                .map(|()| Box::new(()) as Box<dyn Any + Send>)
                .inspect_err(|e| tracing::warn!(error = %e, "SQLite write failed while {context}"))
        });
        self.queue.send(Job { work, reply: None }).is_ok()
    }
}

/// The error for a writer thread that is gone.
pub(super) fn writer_gone() -> StoreError {
    StoreError::Database {
        context: "committing a step",
        source: sqlx::Error::WorkerCrashed,
    }
}

/// The writer thread: takes whatever is queued (up to [`MAX_GROUP`] steps) and commits it.
fn writer(mut conn: Connection, jobs: mpsc::Receiver<Job>) {
    while let Ok(first) = jobs.recv() {
        let mut group = Vec::with_capacity(MAX_GROUP);
        group.push(first);
        while group.len() < MAX_GROUP {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        commit_group(&mut conn, group);
    }
}

/// Commits a group and answers its callers.
fn commit_group(conn: &mut Connection, mut group: Vec<Job>) {
    // A caller that gave up waiting (its future was dropped) gets nothing written, as when a
    // `commit_step` future is dropped before its transaction commits.
    group.retain(|job| job.reply.as_ref().is_none_or(|r| !r.is_closed()));
    if group.is_empty() {
        return;
    }
    let tx = match conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => {
            let replies = group.into_iter().filter_map(|job| job.reply).collect();
            return fail_all(replies, "beginning a transaction", &e);
        }
    };
    let mut done = Vec::with_capacity(group.len());
    for job in group {
        done.push((job.reply, (job.work)(&tx)));
    }
    if let Err(e) = tx.commit() {
        // Dropping the transaction rolled it back: nothing of the group was written.
        let replies = done.into_iter().filter_map(|(reply, _)| reply).collect();
        return fail_all(replies, "committing a group of writes", &e);
    }
    for (reply, result) in done {
        if let Some(reply) = reply {
            let _ = reply.send(result);
        }
    }
}

/// Answers every caller of a group that could not be committed.
fn fail_all(
    replies: Vec<oneshot::Sender<Result<Box<dyn Any + Send>>>>,
    context: &'static str,
    e: &rusqlite::Error,
) {
    tracing::warn!(error = %e, writes = replies.len(), "SQLite group commit failed while {context}");
    for reply in replies {
        let _ = reply.send(Err(sqlite_error(context, e)));
    }
}

/// Runs `work` inside a savepoint, keeping its writes only if `keep` says so of its result.
fn in_savepoint<T>(
    tx: &Transaction<'_>,
    work: impl FnOnce(&Transaction<'_>) -> Result<T>,
    keep: impl FnOnce(&Result<T>) -> bool,
) -> Result<T> {
    // Cached statements rather than `execute_batch`, which parses its SQL on every call.
    let sp = |sql: &'static str| {
        tx.prepare_cached(sql)
            .and_then(|mut s| s.execute([]))
            .map_err(|e| sqlite_error("managing a savepoint", &e))
    };
    sp("SAVEPOINT step")?;
    let result = work(tx);
    if keep(&result) {
        sp("RELEASE step")?;
    } else {
        sp("ROLLBACK TO step")?;
        sp("RELEASE step")?;
    }
    result
}

/// Whether a rusqlite error is a foreign-key violation (the session is missing).
pub(super) fn is_sqlite_foreign_key_violation(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY
    )
}

/// Prepares (or takes from the cache) a statement written for both sqlx and rusqlite.
///
/// SQLite numbers `$N` parameters in the order they first appear, while rusqlite binds by
/// that number; a statement whose `$2` appears before its `$1` would silently swap values.
/// Debug builds (the tests) check every statement prepared this way.
pub(super) fn prepare<'c>(
    conn: &'c Connection,
    sql: &str,
) -> rusqlite::Result<rusqlite::CachedStatement<'c>> {
    let stmt = conn.prepare_cached(sql)?;
    debug_assert!(
        (1..=stmt.parameter_count())
            .all(|i| stmt.parameter_name(i) == Some(format!("${i}").as_str())),
        "parameters of {sql:?} are not $1, $2… in order of appearance"
    );
    Ok(stmt)
}

/// A rusqlite error as a [`StoreError`].
pub(super) fn sqlite_error(context: &'static str, e: &rusqlite::Error) -> StoreError {
    StoreError::Sqlite {
        context,
        detail: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_with_table() -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("g.db");
        let conn = Connection::open(&path).expect("open");
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER);",
        )
        .expect("schema");
        (dir, path)
    }

    fn count(path: &Path, k: &str) -> i64 {
        Connection::open(path)
            .expect("open")
            .query_row("SELECT COUNT(*) FROM t WHERE k = ?1", [k], |r| r.get(0))
            .expect("count")
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_write_undoes_only_itself() {
        let (_dir, path) = file_with_table();
        let group = GroupCommit::start(&path).expect("start");
        // Queued together, so they likely share a group; either way the outcome is the same.
        let ok = group.write_if(
            |tx| {
                prepare(tx, "INSERT INTO t (k, v) VALUES ($1, $2)")
                    .and_then(|mut s| s.execute(params!["kept", 1]))
                    .map_err(|e| sqlite_error("test", &e))
            },
            Result::is_ok,
        );
        let failing = group.write_if(
            |tx| {
                prepare(tx, "INSERT INTO t (k, v) VALUES ($1, $2)")
                    .and_then(|mut s| s.execute(params!["undone", 2]))
                    .map_err(|e| sqlite_error("test", &e))?;
                // The second insert breaks the primary key: the whole write must go.
                prepare(tx, "INSERT INTO t (k, v) VALUES ($1, $2)")
                    .and_then(|mut s| s.execute(params!["kept", 3]))
                    .map_err(|e| sqlite_error("test", &e))
            },
            Result::is_ok,
        );
        let (ok, failing) = tokio::join!(ok, failing);
        assert_eq!(ok.expect("first write"), 1);
        assert!(failing.is_err(), "the conflicting write reports its error");
        assert_eq!(count(&path, "kept"), 1);
        assert_eq!(count(&path, "undone"), 0);
        // A write's typed result comes back as it was returned.
        let got = group
            .write_if(
                |tx| {
                    tx.query_row("SELECT v FROM t WHERE k = 'kept'", [], |r| {
                        r.get::<_, i64>(0)
                    })
                    .map_err(|e| sqlite_error("test", &e))
                },
                Result::is_ok,
            )
            .await;
        assert_eq!(got.expect("read back"), 1);
    }

    #[test]
    #[should_panic(expected = "not $1, $2")]
    #[cfg(debug_assertions)]
    fn parameters_out_of_order_are_caught() {
        let (_dir, path) = file_with_table();
        let conn = Connection::open(&path).expect("open");
        let _ = prepare(&conn, "UPDATE t SET v = $2 WHERE k = $1");
    }
}
