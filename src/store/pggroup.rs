//! Group commit for PostgreSQL: the writes of concurrent conversations
//! ([`Store::write`](super::Store::write): steps, inbound claims, bindings, the reply
//! outbox…) queue to a few writers, each holding a connection of its own; a writer takes what
//! is queued (up to [`MAX_GROUP`] writes), runs it in one transaction, each write in its own
//! savepoint, commits, and then answers every caller.
//!
//! Why: with one transaction per write, every write paid its own `BEGIN` and `COMMIT` round
//! trips and its own flush of the WAL to the disk (`synchronous_commit` is on, as it should
//! be: a committed answer must survive a crash of the server; 2.5 ms per `fdatasync` on the
//! benchmark machine). Sharing one commit among the writes that were waiting anyway divides
//! both by the size of the group. A write arriving alone is committed alone, at once.
//!
//! Semantics are those of one transaction per write, as on the SQLite group writer
//! ([`group`](super::group)): each write runs inside a savepoint, so a
//! [`CommitOutcome::Duplicate`](super::CommitOutcome::Duplicate), a
//! [`CommitOutcome::Conflict`](super::CommitOutcome::Conflict) or an error undoes only that
//! write; writes later in the group see the earlier ones, as they would had they been
//! committed one after the other; a caller hears of its write only once the group's `COMMIT`
//! succeeded, and every caller of the group gets the error if it failed. Writes in one group
//! come from callers that were waiting at the same time, so no order among them was promised.
//!
//! Round trips: a write alone is `BEGIN`, its statements, `COMMIT` (as before). In a group the
//! first savepoint rides on the `BEGIN` and each following write's `RELEASE`/`SAVEPOINT` is
//! one round trip (a simple query of two statements); `COMMIT` releases the last one.
//!
//! What is new on PostgreSQL (SQLite has one writer per file): locks. A write's row locks are
//! now held until its group commits, and another process's group (or this process's other
//! writer) may wait for them while holding locks this group then waits for: two processes
//! that both got the same Telegram updates insert the same inbound ids in different orders.
//! PostgreSQL would find that deadlock only after `deadlock_timeout` (1 s) and fail one
//! statement. Instead the writers' connections set a short `lock_timeout`
//! ([`SET_LOCK_TIMEOUT`]): a write that waits longer for a lock is rolled back to its savepoint
//! (the rest of its group goes on and commits, releasing what the other side waits for) and
//! runs again at the head of the writer's next group, up to [`MAX_ATTEMPTS`] times; a
//! redelivered update run again then finds its inbound id taken and is a duplicate. A real
//! deadlock error (another transaction's view) is retried the same way.
//!
//! The writers run on a thread of their own with a single-threaded runtime: a write's
//! future (an `async fn` generic over [`Exec`](super::sql::Exec)) is not known to be `Send`
//! for every write type, so it cannot be spawned on the caller's runtime; on a thread of its
//! own it need not be, and the writers work whatever runtime (if any) the callers run on.

use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use sqlx::{AnyConnection, Connection};
use tokio::sync::{mpsc, oneshot};

use super::sql::{OnSqlx, Write};
use super::{Result, StoreError};

/// The most writes committed in one transaction. Below 64: PostgreSQL keeps the ids of up
/// to 64 subtransactions (savepoints that wrote) per backend in shared memory; beyond that
/// every other session's snapshot must look subtransactions up in `pg_subtrans` while the
/// transaction runs. 32 steps already share a commit 32 ways.
pub(super) const MAX_GROUP: usize = 32;

/// How long a write waits for a row lock held by another transaction before it is rolled
/// back to its savepoint and run again in the writer's next group. Long enough that the
/// usual wait (another process's group committing, a few milliseconds) ends first; short
/// enough that a lock cycle between two groups costs a tenth of a second, not
/// `deadlock_timeout`'s second, and that a group is not held up long by one write.
const SET_LOCK_TIMEOUT: &str = "SET lock_timeout = '100ms'";

/// How many times a write is run before its caller gets the lock timeout: a write waiting
/// behind a long transaction (a roster import) waits at least this many
/// [`SET_LOCK_TIMEOUT`]s, 2 s, as it could have waited before.
const MAX_ATTEMPTS: u32 = 20;

/// SQLSTATEs after which a write is run again: `deadlock_detected`, `lock_not_available`
/// (our `lock_timeout`) and `serialization_failure`.
const RETRYABLE: [&str; 3] = ["40P01", "55P03", "40001"];

/// The queue to the writers of one PostgreSQL store.
#[derive(Clone)]
pub(super) struct PgGroup {
    queue: mpsc::UnboundedSender<Msg>,
}

impl fmt::Debug for PgGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgGroup").finish_non_exhaustive()
    }
}

/// What the writers receive.
enum Msg {
    /// A write to run.
    Job(Job),
    /// [`PgGroup::close`]: finish what is queued, close the connections, then answer.
    Close(oneshot::Sender<()>),
}

/// A queued write and where its result goes.
struct Job {
    /// Runs (a copy of) the write on a connection in a transaction; may run again after a
    /// lock timeout (see [`RETRYABLE`]).
    work: Work,
    /// Where the result goes.
    reply: oneshot::Sender<Result<Box<dyn Any + Send>>>,
    /// How many times the write ran.
    attempts: u32,
}

/// A job's work: its result is boxed so that every kind of write shares one queue.
type Work = Box<
    dyn for<'c> FnMut(&'c mut AnyConnection) -> Pin<Box<dyn Future<Output = Done> + 'c>> + Send,
>;

/// Boxes a job's work (and gives the closure its signature, which Rust does not infer
/// for a closure whose result borrows its argument).
fn work<F>(f: F) -> Work
where
    F: for<'c> FnMut(&'c mut AnyConnection) -> Pin<Box<dyn Future<Output = Done> + 'c>>
        + Send
        + 'static,
{
    Box::new(f)
}

/// A write that ran: its result, and whether its changes are kept (else they are rolled
/// back to its savepoint).
struct Done {
    out: Result<Box<dyn Any + Send>>,
    keep: bool,
}

impl PgGroup {
    /// Starts `writers` writers, each with a connection to `url` of its own (the database is
    /// already migrated), on a thread of their own. They end when [`PgGroup::close`] is
    /// called or every [`Store`](super::Store) clone holding the queue is gone.
    pub(super) async fn start(url: &str, writers: usize) -> Result<PgGroup> {
        let (queue, jobs) = mpsc::unbounded_channel();
        let (ready, started) = oneshot::channel();
        let url = url.to_owned();
        let spawned = std::thread::Builder::new()
            .name("jejak-pg-writer".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready.send(Err(thread_error(&e)));
                        return;
                    }
                };
                let local = tokio::task::LocalSet::new();
                local.block_on(&rt, run(url, writers.max(1), jobs, ready));
            });
        if let Err(e) = spawned {
            return Err(thread_error(&e));
        }
        started.await.unwrap_or_else(|_| Err(writer_gone()))?;
        Ok(PgGroup { queue })
    }

    /// Runs `op` in a savepoint of the next group's transaction (alone in a transaction if
    /// nothing else is queued), keeping its changes only if [`Write::keep`] says so of its
    /// result. The answer comes after the group's `COMMIT`; a connection lost mid-group
    /// leaves it unknown whether the write was committed, as with any lost connection.
    pub(super) async fn write<W: Write>(&self, op: W) -> Result<W::Out> {
        let (reply, result) = oneshot::channel();
        let work = work(move |conn| {
            // A copy per attempt: a write runs again after a lock timeout.
            let op = op.clone();
            Box::pin(async move {
                let out = op.run(&mut OnSqlx(conn)).await;
                // An error leaves PostgreSQL's transaction aborted: it must be rolled back
                // whatever the write would keep.
                let keep = out.is_ok() && W::keep(&out);
                Done {
                    out: out.map(|t| Box::new(t) as Box<dyn Any + Send>),
                    keep,
                }
            })
        });
        let job = Job {
            work,
            reply,
            attempts: 0,
        };
        if self.queue.send(Msg::Job(job)).is_err() {
            return Err(writer_gone());
        }
        let any = result.await.unwrap_or_else(|_| Err(writer_gone()))?;
        any.downcast::<W::Out>()
            .map(|t| *t)
            .map_err(|_| StoreError::Corrupt {
                context: "group commit",
                detail: "a write's result came back with another type".into(),
            })
    }

    /// Lets the writers finish what is queued, closes their connections and waits for
    /// that. Writes queued afterwards (through any clone) fail.
    pub(super) async fn close(&self) {
        let (ack, closed) = oneshot::channel();
        if self.queue.send(Msg::Close(ack)).is_ok() {
            let _ = closed.await;
        }
    }
}

/// The error for writers that are gone (closed, or their thread ended).
fn writer_gone() -> StoreError {
    StoreError::Database {
        context: "committing a write",
        source: sqlx::Error::WorkerCrashed,
    }
}

/// The error for a writer thread (or its runtime) that could not be started.
fn thread_error(e: &std::io::Error) -> StoreError {
    StoreError::Grouped {
        context: "starting the PostgreSQL writer",
        detail: e.to_string(),
    }
}

/// What the writers of one store share on their thread.
struct Shared {
    /// The queue; a writer holds the lock while it takes a group from it.
    jobs: tokio::sync::Mutex<mpsc::UnboundedReceiver<Msg>>,
    /// Who waits for [`PgGroup::close`].
    closing: RefCell<Vec<oneshot::Sender<()>>>,
    /// Where a writer whose connection failed connects again.
    url: String,
}

/// The writer thread's work: connects, reports whether that worked, runs the writers
/// until the queue is closed, then answers whoever asked for that.
async fn run(
    url: String,
    writers: usize,
    jobs: mpsc::UnboundedReceiver<Msg>,
    ready: oneshot::Sender<Result<()>>,
) {
    let mut conns = Vec::with_capacity(writers);
    for _ in 0..writers {
        match connect(&url).await {
            Ok(c) => conns.push(c),
            Err(e) => {
                let _ = ready.send(Err(StoreError::Connect {
                    backend: super::Backend::Postgres,
                    source: e,
                }));
                return;
            }
        }
    }
    if ready.send(Ok(())).is_err() {
        return;
    }
    let shared = Rc::new(Shared {
        jobs: tokio::sync::Mutex::new(jobs),
        closing: RefCell::new(Vec::new()),
        url,
    });
    let tasks: Vec<_> = conns
        .into_iter()
        .map(|c| tokio::task::spawn_local(writer(shared.clone(), Some(c))))
        .collect();
    for task in tasks {
        let _ = task.await;
    }
    for ack in shared.closing.borrow_mut().drain(..) {
        let _ = ack.send(());
    }
}

/// A writer's connection: as the pool's, plus the lock timeout (see [`SET_LOCK_TIMEOUT`]).
async fn connect(url: &str) -> std::result::Result<AnyConnection, sqlx::Error> {
    let mut conn = AnyConnection::connect(url).await?;
    sqlx::raw_sql(SET_LOCK_TIMEOUT).execute(&mut conn).await?;
    Ok(conn)
}

/// One writer: takes a group from the queue (the writes it must run again first), commits
/// it, answers its callers; until the queue is closed and empty.
async fn writer(shared: Rc<Shared>, mut conn: Option<AnyConnection>) {
    let mut again: Vec<Job> = Vec::new();
    loop {
        let mut group = std::mem::take(&mut again);
        {
            let mut jobs = shared.jobs.lock().await;
            if group.is_empty() {
                match jobs.recv().await {
                    Some(msg) => take(&shared, &mut jobs, msg, &mut group),
                    None => break,
                }
            }
            while group.len() < MAX_GROUP {
                match jobs.try_recv() {
                    Ok(msg) => take(&shared, &mut jobs, msg, &mut group),
                    Err(_) => break,
                }
            }
        }
        again = commit_group(&shared.url, &mut conn, group).await;
    }
    if let Some(conn) = conn {
        let _ = conn.close().await;
    }
}

/// Adds a message to the group being taken: a job joins it; a close closes the queue (what
/// is queued still runs; later writes fail at once).
fn take(shared: &Shared, jobs: &mut mpsc::UnboundedReceiver<Msg>, msg: Msg, group: &mut Vec<Job>) {
    match msg {
        Msg::Job(job) => group.push(job),
        Msg::Close(ack) => {
            jobs.close();
            shared.closing.borrow_mut().push(ack);
        }
    }
}

/// Commits a group and answers its callers; returns the writes to run again (after a lock
/// timeout or a deadlock). A connection that failed is dropped (PostgreSQL rolls back what
/// it had open) and opened again for the next group.
async fn commit_group(
    url: &str,
    conn: &mut Option<AnyConnection>,
    mut group: Vec<Job>,
) -> Vec<Job> {
    // A caller that gave up waiting (its future was dropped) gets nothing written, as when a
    // transaction's future is dropped before it commits.
    group.retain(|job| !job.reply.is_closed());
    if group.is_empty() {
        return Vec::new();
    }
    let mut c = match conn.take() {
        Some(c) => c,
        None => match connect(url).await {
            Ok(c) => c,
            Err(e) => {
                fail_all(group, "connecting the PostgreSQL writer", &e);
                return Vec::new();
            }
        },
    };
    let done = match transact(&mut c, &mut group).await {
        Ok(done) => done,
        Err(e) => {
            // Dropped, not given back: what it had open is rolled back by the server.
            drop(c);
            fail_all(group, "committing a group of writes", &e);
            return Vec::new();
        }
    };
    *conn = Some(c);
    let mut again = Vec::new();
    for (mut job, done) in group.into_iter().zip(done) {
        job.attempts += 1;
        if job.attempts < MAX_ATTEMPTS && done.out.as_ref().is_err_and(is_retryable) {
            again.push(job);
        } else {
            let _ = job.reply.send(done.out);
        }
    }
    again
}

/// Runs the group's writes in one transaction, each in a savepoint (a write alone in none),
/// and commits. An error is one of the transaction's own statements failing: nothing of the
/// group is known to be committed.
async fn transact(
    c: &mut AnyConnection,
    group: &mut [Job],
) -> std::result::Result<Vec<Done>, sqlx::Error> {
    let alone = group.len() == 1;
    control(c, if alone { "BEGIN" } else { "BEGIN; SAVEPOINT w" }).await?;
    let mut done = Vec::with_capacity(group.len());
    for (i, job) in group.iter_mut().enumerate() {
        if i > 0 {
            control(c, "RELEASE SAVEPOINT w; SAVEPOINT w").await?;
        }
        let d = (job.work)(c).await;
        if !d.keep {
            if alone {
                control(c, "ROLLBACK").await?;
                done.push(d);
                return Ok(done);
            }
            control(c, "ROLLBACK TO SAVEPOINT w").await?;
        }
        done.push(d);
    }
    control(c, "COMMIT").await?;
    Ok(done)
}

/// Runs a statement of transaction control (a simple query; two statements in one round
/// trip where the text has two).
async fn control(c: &mut AnyConnection, sql: &'static str) -> std::result::Result<(), sqlx::Error> {
    sqlx::raw_sql(sql).execute(&mut *c).await.map(|_| ())
}

/// Answers every caller of a group that could not be committed.
fn fail_all(group: Vec<Job>, context: &'static str, e: &sqlx::Error) {
    tracing::warn!(error = %e, writes = group.len(), "PostgreSQL group commit failed while {context}");
    for job in group {
        let _ = job.reply.send(Err(StoreError::Grouped {
            context,
            detail: e.to_string(),
        }));
    }
}

/// Whether a write failed only because of another transaction's locks (see [`RETRYABLE`]).
fn is_retryable(e: &StoreError) -> bool {
    match e {
        StoreError::Database {
            source: sqlx::Error::Database(db),
            ..
        } => db.code().is_some_and(|code| RETRYABLE.contains(&&*code)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    //! On the PostgreSQL of `JEJAK_TEST_POSTGRES_URL` (default
    //! `postgres://postgres@127.0.0.1:5432/test`), in a schema of their own; without a server
    //! they print why and pass, unless `JEJAK_REQUIRE_POSTGRES=1`.

    use std::sync::Arc;
    use std::task::Poll;

    use tokio::sync::Semaphore;

    use super::super::sql::{Ctx, Exec, args};
    use super::*;

    /// A fresh schema with the tables the tests write, dropped on drop.
    struct Schema {
        admin: String,
        name: String,
        url: String,
    }

    impl Schema {
        async fn new() -> Option<Schema> {
            sqlx::any::install_default_drivers();
            let admin = std::env::var("JEJAK_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
            let mut conn = match AnyConnection::connect(&admin).await {
                Ok(c) => c,
                Err(e) => {
                    let required = std::env::var("JEJAK_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
                    assert!(
                        !required,
                        "JEJAK_REQUIRE_POSTGRES=1 but PostgreSQL is unavailable: {e}"
                    );
                    eprintln!("skipping a PostgreSQL test: {e}");
                    return None;
                }
            };
            let name = format!(
                "jejak_pggroup_{}_{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos())
            );
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "CREATE SCHEMA {name}; \
                 CREATE TABLE {name}.t (k TEXT PRIMARY KEY, v INTEGER NOT NULL DEFAULT 0); \
                 CREATE TABLE {name}.d (k TEXT, CONSTRAINT d_once UNIQUE (k) \
                     DEFERRABLE INITIALLY DEFERRED); \
                 INSERT INTO {name}.t (k) VALUES ('before'), ('held');"
            )))
            .execute(&mut conn)
            .await
            .expect("test schema");
            let _ = conn.close().await;
            let sep = if admin.contains('?') { '&' } else { '?' };
            let url = format!("{admin}{sep}options=-c%20search_path%3D{name}");
            Some(Schema { admin, name, url })
        }

        async fn keys(&self, table: &str) -> Vec<String> {
            let mut conn = AnyConnection::connect(&self.url).await.expect("connect");
            let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT k FROM {table} ORDER BY k"
            )))
            .fetch_all(&mut conn)
            .await
            .expect("keys");
            rows.into_iter().map(|(k,)| k).collect()
        }
    }

    impl Drop for Schema {
        fn drop(&mut self) {
            let (admin, name) = (self.admin.clone(), self.name.clone());
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(rt) = rt {
                    rt.block_on(async {
                        if let Ok(mut c) = AnyConnection::connect(&admin).await {
                            let sql = format!("DROP SCHEMA IF EXISTS {name} CASCADE");
                            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                                .execute(&mut c)
                                .await;
                            let _ = c.close().await;
                        }
                    });
                }
            })
            .join();
        }
    }

    /// A test write. Each returns what became of it and the id of the (top-level)
    /// transaction it ran in.
    #[derive(Clone)]
    enum Op {
        /// Says it started, then holds its writer (and its transaction) until the gate opens.
        Gate {
            started: Arc<Semaphore>,
            open: Arc<Semaphore>,
        },
        /// Inserts a key: applied.
        Insert(&'static str),
        /// Inserts a key unless present; present, it is a duplicate (nothing to keep).
        Once(&'static str),
        /// Inserts a key, then finds its revision taken: a conflict, to be undone.
        Conflict(&'static str),
        /// Inserts a key, then breaks the primary key: an error, to be undone.
        Fail(&'static str),
        /// Inserts a key into the table whose uniqueness is checked at `COMMIT`.
        Deferred(&'static str),
        /// Bumps a row another transaction may hold locked.
        Bump(&'static str),
    }

    impl Write for Op {
        type Out = (&'static str, i64);
        const CONTEXT: &'static str = "testing";

        async fn run(self, tx: &mut impl Exec) -> Result<Self::Out> {
            let insert = "INSERT INTO t (k) VALUES ($1)";
            let what = match self {
                Op::Gate { started, open } => {
                    started.add_permits(1);
                    let _ = open.acquire().await;
                    "gate"
                }
                Op::Insert(k) => {
                    tx.execute(insert, args![k]).await.ctx("insert")?;
                    "applied"
                }
                Op::Once(k) => {
                    let sql = "INSERT INTO t (k) VALUES ($1) ON CONFLICT DO NOTHING";
                    match tx.execute(sql, args![k]).await.ctx("insert once")? {
                        0 => "duplicate",
                        _ => "applied",
                    }
                }
                Op::Conflict(k) => {
                    tx.execute(insert, args![k]).await.ctx("insert")?;
                    "conflict"
                }
                Op::Fail(k) => {
                    tx.execute(insert, args![k]).await.ctx("insert")?;
                    tx.execute(insert, args!["before"]).await.ctx("breaking")?;
                    "applied"
                }
                Op::Deferred(k) => {
                    let sql = "INSERT INTO d (k) VALUES ($1)";
                    tx.execute(sql, args![k]).await.ctx("deferred")?;
                    "applied"
                }
                Op::Bump(k) => {
                    let sql = "UPDATE t SET v = v + 1 WHERE k = $1";
                    tx.execute(sql, args![k]).await.ctx("bump")?;
                    "applied"
                }
            };
            let xid = tx
                .fetch_optional("SELECT txid_current() AS x", args![], |r| r.int("x"))
                .await
                .ctx("txid")?
                .unwrap_or_default();
            Ok((what, xid))
        }

        fn keep(out: &Result<Self::Out>) -> bool {
            matches!(out, Ok(("applied" | "gate", _)))
        }
    }

    /// Polls `fut` once, so a write is queued before what follows.
    async fn queue<F: Future>(fut: &mut Pin<Box<F>>) {
        std::future::poll_fn(|cx| {
            assert!(
                fut.as_mut().poll(cx).is_pending(),
                "answered before the gate"
            );
            Poll::Ready(())
        })
        .await;
    }

    /// Starts a gate write on the only writer and waits until it runs: what is queued next
    /// forms the writer's next group.
    async fn hold(
        group: &PgGroup,
    ) -> (
        Arc<Semaphore>,
        impl Future<Output = Result<(&'static str, i64)>> + '_,
    ) {
        let (started, open) = (Arc::new(Semaphore::new(0)), Arc::new(Semaphore::new(0)));
        let gate = group.write(Op::Gate {
            started: started.clone(),
            open: open.clone(),
        });
        let mut gate = Box::pin(gate);
        queue(&mut gate).await;
        let _ = started.acquire().await.expect("gate started");
        (open, gate)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writes_queued_together_share_a_commit_and_keep_their_own_outcomes() {
        let Some(schema) = Schema::new().await else {
            return;
        };
        let group = PgGroup::start(&schema.url, 1).await.expect("start");
        let (open, gate) = hold(&group).await;
        let mut a = Box::pin(group.write(Op::Insert("a")));
        let mut dup = Box::pin(group.write(Op::Once("before")));
        let mut conflict = Box::pin(group.write(Op::Conflict("c")));
        let mut fail = Box::pin(group.write(Op::Fail("f")));
        let mut b = Box::pin(group.write(Op::Insert("b")));
        queue(&mut a).await;
        queue(&mut dup).await;
        queue(&mut conflict).await;
        queue(&mut fail).await;
        queue(&mut b).await;
        open.add_permits(1);
        let gate = gate.await.expect("gate");
        let (a, dup, conflict, fail, b) = tokio::join!(a, dup, conflict, fail, b);
        let (a, dup, conflict, b) = (
            a.expect("a"),
            dup.expect("dup"),
            conflict.expect("conflict"),
            b.expect("b"),
        );
        assert_eq!(
            (a.0, dup.0, conflict.0, b.0),
            ("applied", "duplicate", "conflict", "applied")
        );
        let e = fail.expect_err("the failing write reports its error");
        assert_eq!(e.db_context(), Some("breaking"), "{e:?}");
        // One transaction for the five, after the gate's own.
        assert_eq!([dup.1, conflict.1, b.1], [a.1; 3]);
        assert_ne!(a.1, gate.1);
        // What was undone is gone; what was kept is there, every caller answered after COMMIT.
        assert_eq!(schema.keys("t").await, ["a", "b", "before", "held"]);
        group.close().await;
        assert!(group.write(Op::Insert("late")).await.is_err(), "closed");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_commit_fails_every_write_of_its_group() {
        let Some(schema) = Schema::new().await else {
            return;
        };
        let group = PgGroup::start(&schema.url, 1).await.expect("start");
        let (open, gate) = hold(&group).await;
        let mut a = Box::pin(group.write(Op::Insert("a")));
        let mut d1 = Box::pin(group.write(Op::Deferred("same")));
        let mut d2 = Box::pin(group.write(Op::Deferred("same")));
        queue(&mut a).await;
        queue(&mut d1).await;
        queue(&mut d2).await;
        open.add_permits(1);
        gate.await.expect("gate");
        let (a, d1, d2) = tokio::join!(a, d1, d2);
        for r in [a, d1, d2] {
            let e = r.expect_err("the group's COMMIT failed");
            assert_eq!(
                e.db_context(),
                Some("committing a group of writes"),
                "{e:?}"
            );
        }
        assert_eq!(schema.keys("t").await, ["before", "held"]);
        assert!(schema.keys("d").await.is_empty());
        // The writer goes on, on a new connection.
        let alone = group.write(Op::Insert("after")).await.expect("alone");
        assert_eq!(alone.0, "applied");
        assert_eq!(schema.keys("t").await, ["after", "before", "held"]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_waiting_for_a_lock_runs_again_and_others_go_on() {
        let Some(schema) = Schema::new().await else {
            return;
        };
        let group = PgGroup::start(&schema.url, 1).await.expect("start");
        let mut other = AnyConnection::connect(&schema.url).await.expect("connect");
        sqlx::raw_sql("BEGIN; UPDATE t SET v = 10 WHERE k = 'held'")
            .execute(&mut other)
            .await
            .expect("lock the row");
        let mut bump = Box::pin(group.write(Op::Bump("held")));
        queue(&mut bump).await;
        // Writes queued meanwhile commit although the bump waits (each time for at most
        // the lock timeout) in front of them.
        for k in ["x", "y"] {
            assert_eq!(
                group.write(Op::Insert(k)).await.expect("insert").0,
                "applied"
            );
        }
        assert_eq!(schema.keys("t").await, ["before", "held", "x", "y"]);
        sqlx::raw_sql("COMMIT")
            .execute(&mut other)
            .await
            .expect("release the row");
        assert_eq!(bump.await.expect("bump ran again").0, "applied");
        let v: (i32,) = sqlx::query_as("SELECT v FROM t WHERE k = 'held'")
            .fetch_one(&mut other)
            .await
            .expect("v");
        assert_eq!(
            v.0, 11,
            "the other transaction's change, then the bump, once"
        );
    }
}
