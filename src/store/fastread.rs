//! The hottest reads on a SQLite file store (a respondent, their latest session: two per
//! chat message) run on the calling thread over a synchronous rusqlite connection.
//!
//! Why not through sqlx like every other read: sqlx hands each SQLite statement to the
//! connection's worker thread through a channel, two thread wake-ups per statement. Once
//! the step commit moved to its own writer thread (see `group`), these two reads were most
//! of the context switches left per message. A read of one row by index in WAL mode takes
//! microseconds and never waits for the writer (WAL readers see the last commit), so
//! running it inline on a runtime thread blocks that thread no longer than a cheap
//! computation would. The rare exception is SQLite's busy handler during WAL recovery,
//! bounded by the same busy timeout as every other connection.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::{Columns, Result, StoreError};

/// Idle connections kept for reuse; more are opened when more threads read at once.
const MAX_IDLE: usize = 8;

/// As the other SQLite connections' busy timeout.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 8;

/// A small pool of read-only rusqlite connections to one SQLite file.
pub(super) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readers").finish_non_exhaustive()
    }
}

impl Readers {
    /// Opens one connection to `path` (already migrated, in WAL mode) to fail early.
    pub(super) fn open(path: &Path) -> rusqlite::Result<Readers> {
        let first = connect(path)?;
        Ok(Readers {
            path: path.to_owned(),
            idle: Mutex::new(vec![first]),
        })
    }

    /// Runs `read` on one of the connections (opening another when all are in use).
    pub(super) fn with<T>(
        &self,
        context: &'static str,
        read: impl FnOnce(&Connection) -> Result<T>,
    ) -> Result<T> {
        let conn = match self.take() {
            Some(c) => c,
            None => connect(&self.path).map_err(|e| StoreError::Sqlite {
                context,
                detail: e.to_string(),
            })?,
        };
        let result = read(&conn);
        self.put(conn);
        result
    }

    fn take(&self) -> Option<Connection> {
        // A poisoned lock only means another reader panicked while holding the list;
        // the connections in it are still sound.
        self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop()
    }

    fn put(&self, conn: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
    }
}

fn connect(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

impl Columns for rusqlite::Row<'_> {
    fn int(&self, column: &'static str) -> Result<i64> {
        self.get(column).map_err(|e| corrupt(column, e))
    }
    fn int_opt(&self, column: &'static str) -> Result<Option<i64>> {
        self.get(column).map_err(|e| corrupt(column, e))
    }
    fn text(&self, column: &'static str) -> Result<String> {
        self.get(column).map_err(|e| corrupt(column, e))
    }
    fn text_opt(&self, column: &'static str) -> Result<Option<String>> {
        self.get(column).map_err(|e| corrupt(column, e))
    }
}

fn corrupt(column: &'static str, e: rusqlite::Error) -> StoreError {
    StoreError::Corrupt {
        context: column,
        detail: e.to_string(),
    }
}
