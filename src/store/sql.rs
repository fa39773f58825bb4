//! The seam that lets one statement text, and one body of code around it, run on either
//! driver: sqlx (PostgreSQL, and an in-memory SQLite) or rusqlite (the SQLite group writer
//! of [`group`](super::group) and the inline reads of [`fastread`](super::fastread)).
//!
//! Why: the SQLite writer thread speaks rusqlite for speed (see `group`), everything else
//! speaks sqlx. Before this seam each write of the conversation path existed twice, once
//! per driver, held together by "keep the two in step" comments. Now a write is one
//! `async fn` generic over [`Exec`]: on sqlx it awaits the driver; on rusqlite every call
//! completes at once, so the writer thread runs the same future to its end in one poll
//! ([`run_now`]) without a runtime.
//!
//! Statements use `$1`, `$2`… in order of first appearance: PostgreSQL's form, which SQLite
//! also reads, numbering `$N` in the order they first appear (checked in debug builds by
//! [`prepare`]).

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use rusqlite::OptionalExtension;
use rusqlite::types::ToSqlOutput;
use sqlx::AnyConnection;

use super::error::{db, is_foreign_key_violation};
use super::group::{is_sqlite_foreign_key_violation, prepare, sqlite_error, writer_gone};
use super::{Columns, Result, Store, StoreError};

/// A value bound to a statement parameter: the only kinds the schema stores (integers,
/// text, each nullable; see the module docs of [`store`](super)).
#[derive(Debug, Clone, Copy)]
pub(super) enum Arg<'a> {
    /// An integer (or `NULL`).
    Int(Option<i64>),
    /// A text (or `NULL`).
    Text(Option<&'a str>),
}

impl From<i64> for Arg<'_> {
    fn from(v: i64) -> Self {
        Arg::Int(Some(v))
    }
}

impl From<Option<i64>> for Arg<'_> {
    fn from(v: Option<i64>) -> Self {
        Arg::Int(v)
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(v: &'a str) -> Self {
        Arg::Text(Some(v))
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(v: &'a String) -> Self {
        Arg::Text(Some(v))
    }
}

impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(v: Option<&'a str>) -> Self {
        Arg::Text(v)
    }
}

impl<'a> From<&'a Option<String>> for Arg<'a> {
    fn from(v: &'a Option<String>) -> Self {
        Arg::Text(v.as_deref())
    }
}

impl rusqlite::ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        match self {
            Arg::Int(v) => v.to_sql(),
            Arg::Text(v) => v.to_sql(),
        }
    }
}

/// The arguments of a statement, in `$N` order.
macro_rules! args {
    ($($v:expr),* $(,)?) => {
        &[$($crate::store::sql::Arg::from($v)),*]
    };
}
pub(super) use args;

/// A failed statement, from either driver, before the caller names what it was doing.
#[derive(Debug)]
pub(super) enum DbError {
    /// sqlx failed.
    Sqlx(sqlx::Error),
    /// rusqlite failed.
    Sqlite(rusqlite::Error),
    /// A row came back but could not be decoded.
    Decode(StoreError),
}

impl DbError {
    /// Whether a referenced row was missing.
    pub(super) fn is_foreign_key_violation(&self) -> bool {
        match self {
            DbError::Sqlx(e) => is_foreign_key_violation(e),
            DbError::Sqlite(e) => is_sqlite_foreign_key_violation(e),
            DbError::Decode(_) => false,
        }
    }

    /// The error as the store reports it, saying what it was doing.
    pub(super) fn context(self, context: &'static str) -> StoreError {
        match self {
            DbError::Sqlx(source) => StoreError::Database { context, source },
            DbError::Sqlite(e) => sqlite_error(context, &e),
            DbError::Decode(e) => e,
        }
    }
}

/// Names what a statement was doing when it failed.
pub(super) trait Ctx<T> {
    /// The result, its error as a [`StoreError`] about `context`.
    fn ctx(self, context: &'static str) -> Result<T>;

    /// As [`Ctx::ctx`], but a foreign-key violation (the row the statement refers to is
    /// missing) is the error `missing` makes, such as [`StoreError::SessionNotFound`].
    fn ctx_or_missing(
        self,
        context: &'static str,
        missing: impl FnOnce() -> StoreError,
    ) -> Result<T>;
}

impl<T> Ctx<T> for std::result::Result<T, DbError> {
    fn ctx(self, context: &'static str) -> Result<T> {
        self.map_err(|e| e.context(context))
    }

    fn ctx_or_missing(
        self,
        context: &'static str,
        missing: impl FnOnce() -> StoreError,
    ) -> Result<T> {
        self.map_err(|e| {
            if e.is_foreign_key_violation() {
                missing()
            } else {
                e.context(context)
            }
        })
    }
}

/// A connection statements run on, of either driver. Every method's future completes in
/// one poll on rusqlite.
pub(super) trait Exec {
    /// Runs a statement; returns the rows it changed.
    async fn execute(&mut self, sql: &'static str, args: &[Arg<'_>]) -> Result<u64, DbError>;

    /// Runs a statement and decodes its first row, if any.
    async fn fetch_optional<T>(
        &mut self,
        sql: &'static str,
        args: &[Arg<'_>],
        decode: impl FnOnce(&dyn Columns) -> Result<T>,
    ) -> Result<Option<T>, DbError>;

    /// Runs a statement and decodes every row.
    async fn fetch_all<T>(
        &mut self,
        sql: &'static str,
        args: &[Arg<'_>],
        decode: impl FnMut(&dyn Columns) -> Result<T>,
    ) -> Result<Vec<T>, DbError>;

    /// Whether an `UPDATE` rewrites the entries of every index on a column it sets, even
    /// when the value stays the same (SQLite decides which indexes to maintain from the
    /// statement's `SET` list; PostgreSQL compares the values). Where it does, a write that
    /// knows a column keeps its value leaves it out of the statement, so the index pages
    /// stay clean and the commit writes fewer pages.
    fn rewrites_indexes_of_set_columns(&self) -> bool;
}

/// An sqlx connection (in a transaction or not).
pub(super) struct OnSqlx<'c>(pub(super) &'c mut AnyConnection);

/// The statement with its arguments bound, for sqlx.
fn bind(
    sql: &'static str,
    args: &[Arg<'_>],
) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
    let mut q = sqlx::query(sql);
    for a in args {
        q = match *a {
            Arg::Int(v) => q.bind(v),
            Arg::Text(v) => q.bind(v),
        };
    }
    q
}

impl Exec for OnSqlx<'_> {
    async fn execute(&mut self, sql: &'static str, args: &[Arg<'_>]) -> Result<u64, DbError> {
        bind(sql, args)
            .execute(&mut *self.0)
            .await
            .map(|r| r.rows_affected())
            .map_err(DbError::Sqlx)
    }

    async fn fetch_optional<T>(
        &mut self,
        sql: &'static str,
        args: &[Arg<'_>],
        decode: impl FnOnce(&dyn Columns) -> Result<T>,
    ) -> Result<Option<T>, DbError> {
        let row = bind(sql, args)
            .fetch_optional(&mut *self.0)
            .await
            .map_err(DbError::Sqlx)?;
        row.map(|r| decode(&r)).transpose().map_err(DbError::Decode)
    }

    async fn fetch_all<T>(
        &mut self,
        sql: &'static str,
        args: &[Arg<'_>],
        decode: impl FnMut(&dyn Columns) -> Result<T>,
    ) -> Result<Vec<T>, DbError> {
        let mut decode = decode;
        let rows = bind(sql, args)
            .fetch_all(&mut *self.0)
            .await
            .map_err(DbError::Sqlx)?;
        rows.iter()
            .map(|r| decode(r))
            .collect::<Result<Vec<_>>>()
            .map_err(DbError::Decode)
    }

    fn rewrites_indexes_of_set_columns(&self) -> bool {
        // sqlx also serves an in-memory SQLite.
        self.0.backend_name() == "SQLite"
    }
}

/// A rusqlite connection (the group writer's transaction, or an inline reader).
pub(super) struct OnSqlite<'c>(pub(super) &'c rusqlite::Connection);

impl Exec for OnSqlite<'_> {
    async fn execute(&mut self, sql: &'static str, args: &[Arg<'_>]) -> Result<u64, DbError> {
        prepare(self.0, sql)
            .and_then(|mut s| s.execute(rusqlite::params_from_iter(args)))
            .map(|n| n as u64)
            .map_err(DbError::Sqlite)
    }

    async fn fetch_optional<T>(
        &mut self,
        sql: &'static str,
        args: &[Arg<'_>],
        decode: impl FnOnce(&dyn Columns) -> Result<T>,
    ) -> Result<Option<T>, DbError> {
        prepare(self.0, sql)
            .and_then(|mut s| {
                s.query_row(rusqlite::params_from_iter(args), |row| Ok(decode(row)))
                    .optional()
            })
            .map_err(DbError::Sqlite)?
            .transpose()
            .map_err(DbError::Decode)
    }

    async fn fetch_all<T>(
        &mut self,
        sql: &'static str,
        args: &[Arg<'_>],
        decode: impl FnMut(&dyn Columns) -> Result<T>,
    ) -> Result<Vec<T>, DbError> {
        let mut decode = decode;
        let decoded = prepare(self.0, sql)
            .and_then(|mut s| {
                let mut rows = s.query(rusqlite::params_from_iter(args))?;
                let mut out = Vec::new();
                while let Some(row) = rows.next()? {
                    out.push(decode(row));
                }
                Ok(out)
            })
            .map_err(DbError::Sqlite)?;
        decoded
            .into_iter()
            .collect::<Result<Vec<_>>>()
            .map_err(DbError::Decode)
    }

    fn rewrites_indexes_of_set_columns(&self) -> bool {
        true
    }
}

/// Runs a future that never waits (a write over [`OnSqlite`]) to its end on this thread.
pub(super) fn run_now<T>(work: impl Future<Output = Result<T>>) -> Result<T> {
    let mut work = pin!(work);
    match work.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        // Only a bug can get here: something other than rusqlite awaited inside a write.
        Poll::Pending => Err(StoreError::Sqlite {
            context: "running a write on the SQLite writer thread",
            detail: "the write waited for something other than SQLite".into(),
        }),
    }
}

/// One write of the store, written once for both drivers: its data (owned, to cross to the
/// SQLite writer thread) and its statements. `Clone`: the PostgreSQL group writer runs a
/// copy, and another after a lock timeout (see [`pggroup`](super::pggroup)).
pub(super) trait Write: Clone + Send + 'static {
    /// What the write returns.
    type Out: Send + 'static;

    /// What the transaction does, for errors of its `COMMIT`.
    const CONTEXT: &'static str;

    /// Runs the write's statements on `tx`.
    async fn run(self, tx: &mut impl Exec) -> Result<Self::Out>;

    /// Whether the writes are kept for this result (else they are rolled back).
    fn keep(out: &Result<Self::Out>) -> bool {
        out.is_ok()
    }
}

impl Store {
    /// Runs `op` in a transaction of its own: on a SQLite file, a savepoint in the group
    /// writer's next transaction, answered once that transaction committed; on PostgreSQL
    /// the same with the group writers of [`pggroup`](super::pggroup); on an in-memory
    /// SQLite an sqlx transaction on the writer pool.
    ///
    /// Why the rarer writes of a conversation (binding a chat, opening a session, recording
    /// a WhatsApp message) go to the group writer rather than through sqlx's writer
    /// connection: two connections writing one SQLite file take turns on its write lock,
    /// and the loser waits in SQLite's busy handler, which sleeps 1, 2, 5, 10… ms between
    /// tries. Under load the writer thread holds the lock almost all the time, so every
    /// such write stalled for tens of milliseconds, and while sqlx held the lock, every
    /// step queued behind it.
    pub(super) async fn write<W: Write>(&self, op: W) -> Result<W::Out> {
        if let Some(group) = &self.group {
            return group
                .write_if(move |tx| run_now(op.run(&mut OnSqlite(tx))), W::keep)
                .await;
        }
        if let Some(pg) = &self.pg {
            return pg.write(op).await;
        }
        let mut tx = self.begin_write().await?;
        let out = op.run(&mut OnSqlx(&mut tx)).await;
        if W::keep(&out) {
            tx.commit().await.map_err(super::error::db(W::CONTEXT))?;
        } else {
            tx.rollback()
                .await
                .map_err(super::error::db("rolling back"))?;
        }
        out
    }
}

impl Store {
    /// Reads the first row of `sql`, if any, on the connections for the per-message reads:
    /// inline on the calling thread over a read-only rusqlite connection on a SQLite file
    /// (see [`fastread`](super::fastread)), else on sqlx's reader pool. The read side of
    /// [`Exec`]: one statement text, bound once, for both drivers.
    pub(super) async fn read_optional<T>(
        &self,
        context: &'static str,
        sql: &'static str,
        args: &[Arg<'_>],
        decode: impl FnOnce(&dyn Columns) -> Result<T>,
    ) -> Result<Option<T>> {
        if let Some(fast) = &self.fast {
            return fast.with(context, |conn| {
                run_now(async {
                    OnSqlite(conn)
                        .fetch_optional(sql, args, decode)
                        .await
                        .ctx(context)
                })
            });
        }
        let mut conn = self.reader.acquire().await.map_err(db(context))?;
        OnSqlx(&mut conn)
            .fetch_optional(sql, args, decode)
            .await
            .ctx(context)
    }

    /// As [`Store::read_optional`], every row.
    pub(super) async fn read_all<T>(
        &self,
        context: &'static str,
        sql: &'static str,
        args: &[Arg<'_>],
        decode: impl FnMut(&dyn Columns) -> Result<T>,
    ) -> Result<Vec<T>> {
        if let Some(fast) = &self.fast {
            return fast.with(context, |conn| {
                run_now(async {
                    OnSqlite(conn)
                        .fetch_all(sql, args, decode)
                        .await
                        .ctx(context)
                })
            });
        }
        let mut conn = self.reader.acquire().await.map_err(db(context))?;
        OnSqlx(&mut conn)
            .fetch_all(sql, args, decode)
            .await
            .ctx(context)
    }

    /// Runs `op` as [`Store::write`] does, but without waiting for its commit where the
    /// store keeps writes in order: the SQLite group writer takes writes in the order they
    /// were queued, so any write queued after this one (by this process) sees it, and a
    /// failure is logged rather than returned. Elsewhere (PostgreSQL, an in-memory SQLite)
    /// this waits for the commit, as `write`.
    pub(super) async fn write_in_order<W: Write<Out = ()>>(&self, op: W) -> Result<()> {
        match &self.group {
            Some(group) => {
                if group.push(move |tx| run_now(op.run(&mut OnSqlite(tx))), W::CONTEXT) {
                    Ok(())
                } else {
                    Err(writer_gone())
                }
            }
            None => self.write(op).await,
        }
    }
}
