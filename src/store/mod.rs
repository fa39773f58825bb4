//! Persistence: respondents, their channel addresses, per-flow sessions with append-only
//! answer history, events, and exactly-once bookkeeping of inbound platform messages.
//!
//! One [`Store`] speaks to SQLite (the default: one embedded file, zero set-up) or PostgreSQL
//! through sqlx's `Any` driver, so every query is written once. To stay within the types
//! `Any` maps on both backends, timestamps are stored as BIGINT unix milliseconds, booleans
//! as integers 0/1 and JSON as TEXT. Placeholders are written `$1`, `$2`, …: PostgreSQL's
//! native form, which SQLite also accepts (sqlx binds SQLite's `$NNN` parameters by number).
//!
//! Timestamps are truncated to whole milliseconds on the way in.

#![warn(missing_docs)]

/// Declares the handle on one aggregate of the store: a borrowed view whose methods are that
/// aggregate's statements (all in the aggregate's own file), and `Store::$method()` to get it.
/// Callers name the part of the store they use (`store.sessions().commit_step(…)`); `Store`
/// itself keeps only the connections and the write plumbing, which a handle's code reaches
/// through its private `store` field (`self.store.reader`, `self.store.write(…)`). A handle
/// does not deref to the store: another aggregate's statements are reached by naming it
/// (`self.store.respondents()…`), shared internals live in modules of their own (`stats`).
macro_rules! handle {
    ($name:ident, $method:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy)]
        pub struct $name<'a> {
            store: &'a $crate::store::Store,
        }

        impl $crate::store::Store {
            #[doc = $doc]
            pub fn $method(&self) -> $name<'_> {
                $name { store: self }
            }
        }
    };
}

/// The columns of a [`Respondent`], as `respondents::respondent_from_row` reads them by
/// name: `respondent_columns!()` unqualified, `respondent_columns!(r)` qualified by the alias
/// `r` (a join). One list, so a column added to the row is selected everywhere it is read.
macro_rules! respondent_columns {
    () => {
        respondent_columns!(@list "")
    };
    ($t:ident) => {
        respondent_columns!(@list concat!(stringify!($t), "."))
    };
    (@list $p:expr) => {
        respondent_columns!(@join $p;
            id, external_id, name, phone, email, cohort, programme, school, province, timezone,
            language, birth_date, extra, unreachable, created_at, updated_at, token)
    };
    (@join $p:expr; $first:ident $(, $c:ident)*) => {
        concat!($p, stringify!($first) $(, ", ", $p, stringify!($c))*)
    };
}

/// The columns of a session joined with its respondent, selected `s.x AS s_x` so they do not
/// clash with the respondent's (`sessions::PREFIXED_S` reads them).
macro_rules! session_columns_as_s {
    () => {
        "s.id AS s_id, s.respondent_id AS s_respondent_id, s.flow_id AS s_flow_id, \
         s.flow_version AS s_flow_version, s.status AS s_status, s.state AS s_state, \
         s.revision AS s_revision, s.created_at AS s_created_at, \
         s.updated_at AS s_updated_at, s.completed_at AS s_completed_at"
    };
}

mod error;
mod export;
mod fastread;
mod flows;
mod group;
mod identity;
mod ops;
mod overview;
mod pggroup;
mod replies;
mod respondents;
mod retention;
mod roster;
mod scope;
mod search;
mod sessions;
mod sql;
mod staff;
mod stats;
mod telegram;
mod types;
mod waves;
mod whatsapp;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyPool, Row, Transaction};

use error::db;
pub use error::{Result, StoreError};
pub use export::{EXPORT_PAGE, Export, ExportSession, SessionAnswer};
pub use flows::{FlowSources, Remembered};
pub use ops::{Ops, OutboxLoad, SchemaState, inspect_schema};
pub use overview::Overview;
pub use replies::{Lease, QueuedReply, Replies, ReplyBatch, Settled};
pub use respondents::is_valid_token;
pub use respondents::{AddressMove, Respondents};
pub use retention::{DueRespondent, RETENTION_BATCH, Retention, RetentionRule};
pub use roster::Roster;
pub use roster::{
    BatchOutcome, Enrolment, IdentityAttempts, InviteRow, ROSTER_BATCH_ROWS, ReportCell,
    ReportColumn,
};
pub use scope::{Scope, normalise_field};
pub use search::Search;
pub use search::{
    BoundChannel, Reminder, RespondentHit, RespondentSearch, SEARCH_PAGE, SearchPage, Standing,
};
pub use sessions::Sessions;
pub use staff::{
    Account, AccountId, AccountRule, AuditEntry, AuditFilter, LiveSession, LockoutRule, NewAccount,
    NewAudit, Role, StaffStore, check_account, normalise_email,
};
pub use telegram::TelegramBind;
pub use types::{
    AnswerOp, CommitOutcome, EventRecord, NewEvent, NewRespondent, Respondent, RespondentId,
    SessionId, SessionRecord, StepCommit, StoredAnswer,
};
pub use waves::Waves;
pub use waves::{
    NewWave, OutboxCounts, OutboxItem, Planned, Settle, Wave, WaveId, WaveProgress, WaveState,
    WaveTemplate,
};
pub use whatsapp::{
    DEAD_REASON_MAX, DeadLetter, Delivery, SENT_KEPT_DAYS, SentKind, SentRecord, WhatsAppRecords,
    WhatsAppWrite,
};

/// The schema migrations for SQLite, embedded at compile time.
static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");

/// The schema migrations for PostgreSQL, embedded at compile time.
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// Connections that write to a SQLite file. SQLite runs one writer at a time; concurrent
/// writers on several connections contend for the lock, which SQLite resolves by sleeping
/// whole milliseconds in its busy handler (tail latencies of hundreds of milliseconds in a
/// benchmark with 32 concurrent respondents). One writer connection queues callers in the
/// pool instead: best throughput and tail latency for the bot's short transactions.
const SQLITE_WRITE_CONNECTIONS: u32 = 1;

/// Read-only connections to a SQLite file: one per core, at least 2 and at most 4. In WAL
/// mode readers neither block nor wait for the writer, so reads run beside writes; the
/// console's reads are CPU-bound scans, so readers beyond the cores only add memory (each
/// keeps its own schema, statements and page cache on its own thread's malloc arena: about
/// 3.5 MiB each after the overview at 150,000 respondents, docs/benchmarks.md).
fn sqlite_read_connections() -> u32 {
    std::thread::available_parallelism()
        .map_or(2, |n| u32::try_from(n.get()).unwrap_or(4))
        .clamp(2, 4)
}

/// Connections in a PostgreSQL pool.
const POSTGRES_MAX_CONNECTIONS: u32 = 8;

/// Group-commit writers on PostgreSQL, each with a connection of its own besides the pool
/// (see [`pggroup`]). More than one, so that a group is taken and run while another waits
/// for its `COMMIT` to reach the disk.
const POSTGRES_WRITERS: usize = 2;

/// Connections on PostgreSQL that only mark reply parts sent (see
/// [`Replies::settle`](replies::Replies::settle)), with `synchronous_commit` off.
const POSTGRES_MARK_CONNECTIONS: u32 = 2;

/// Settings applied to every SQLite connection.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;";

/// Settings applied to every SQLite reading connection: as for writers, plus a guard that
/// turns an accidental write through the wrong pool into an error, and a page cache of
/// 256 KiB instead of SQLite's 2 MB. The readers serve the staff console, whose statements
/// scan a whole flow (150,000 rows, 24 MB of pages at that size) and never find it in a
/// 2 MB cache anyway (6,000 misses either way, the file is in the system's cache), while
/// readers each keeping 2 MB of pages and up to as much again for their sorts (the
/// sorter's memory follows `cache_size`) cost the process up to 17 MB. Same CPU time per
/// report either way (measured with the `sqlite3` shell); 512 → 256 KiB took the console's
/// peak from +14.4 to +12.0 MiB with every page's p95 unchanged (docs/benchmarks.md).
const SQLITE_READ_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA query_only = ON; \
     PRAGMA cache_size = -256;";

/// The file name of the SQLite database inside a data directory.
pub const SQLITE_FILE_NAME: &str = "jejak.db";

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Backend {
    /// Picks the backend from a database URL (`sqlite:`, `postgres:` or `postgresql:`).
    pub fn from_url(url: &str) -> Result<Backend> {
        let scheme = url.split(':').next().unwrap_or("").to_ascii_lowercase();
        match scheme.as_str() {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            _ => Err(StoreError::UnsupportedUrl { scheme }),
        }
    }

    /// A human-readable name (`SQLite`, `PostgreSQL`).
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The bot's database. Cloning is cheap: clones share the connection pools.
#[derive(Debug, Clone)]
pub struct Store {
    /// Connections for statements that write. On SQLite one connection (see
    /// [`SQLITE_WRITE_CONNECTIONS`]); on PostgreSQL the same pool as `reader`.
    writer: AnyPool,
    /// Connections for plain reads. On SQLite read-only connections beside the writer; the
    /// writer itself for an in-memory database (which each connection would see afresh).
    reader: AnyPool,
    backend: Backend,
    /// On SQLite, the queue to the writer task that commits concurrent steps together (see
    /// [`group`]); `None` on PostgreSQL and for an in-memory database.
    group: Option<group::GroupCommit>,
    /// On PostgreSQL, the queue to the writers that commit concurrent writes together (see
    /// [`pggroup`]).
    pg: Option<pggroup::PgGroup>,
    /// On a SQLite file, the inline read path for the per-message reads (see [`fastread`]).
    fast: Option<std::sync::Arc<fastread::Readers>>,
    /// On PostgreSQL, connections of their own for marking a reply part sent the moment the
    /// platform took it: not queued behind the steps on `writer`, and not waiting for the
    /// WAL to reach the disk (`synchronous_commit = off`). A mark lost to a crash of the
    /// database server costs that part sent again, never a lost one; a kill of the bot
    /// loses no committed mark.
    marks: Option<AnyPool>,
    /// Compiled flows of this database, by (id, version) (see [`flows`]).
    flow_cache: flows::FlowCache,
}

impl Store {
    /// Connects to `url` (`sqlite:path/to/file.db`, `postgres://user@host/db`, …) and brings
    /// the schema up to date.
    ///
    /// For SQLite the file and its parent directory are created if missing (unless the URL
    /// sets its own `mode`), and every connection runs in WAL mode with `synchronous=NORMAL`,
    /// foreign keys enforced and a 5 s busy timeout.
    pub async fn connect(url: &str) -> Result<Store> {
        let backend = Backend::from_url(url)?;
        sqlx::any::install_default_drivers();
        let connect_err = |source| StoreError::Connect { backend, source };
        match backend {
            Backend::Sqlite => {
                let (url, file) = prepare_sqlite_url(url)?;
                let in_memory = file.is_none();
                let writer = sqlite_pool(SQLITE_WRITE_CONNECTIONS, SQLITE_PRAGMAS)
                    .connect(&url)
                    .await
                    .map_err(connect_err)?;
                migrate(&writer, &SQLITE_MIGRATIONS, backend).await?;
                // Readers connect after the migrations, so they find the file in WAL mode.
                let reader = if in_memory {
                    writer.clone()
                } else {
                    sqlite_pool(sqlite_read_connections(), SQLITE_READ_PRAGMAS)
                        .connect(&url)
                        .await
                        .map_err(connect_err)?
                };
                let store = Store {
                    writer,
                    reader,
                    backend,
                    group: None,
                    pg: None,
                    fast: None,
                    marks: None,
                    flow_cache: flows::FlowCache::default(),
                };
                // An in-memory database exists only inside sqlx's one connection, so its
                // steps commit through sqlx; so do those of a file the writer cannot open.
                let group = file.as_deref().and_then(|path| match group::GroupCommit::start(path) {
                    Ok(group) => Some(group),
                    Err(e) => {
                        tracing::warn!(error = %e, "SQLite group commit unavailable; committing steps one by one");
                        None
                    }
                });
                let fast = file.as_deref().and_then(|path| match fastread::Readers::open(path) {
                    Ok(r) => Some(std::sync::Arc::new(r)),
                    Err(e) => {
                        tracing::warn!(error = %e, "SQLite inline reads unavailable; reading through the pool");
                        None
                    }
                });
                Ok(Store {
                    group,
                    fast,
                    ..store
                })
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(POSTGRES_MAX_CONNECTIONS)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect(url)
                    .await
                    .map_err(connect_err)?;
                migrate(&pool, &POSTGRES_MIGRATIONS, backend).await?;
                // Opened now, not at the first mark: a process restarted after a crash
                // sends at once what the dead one left, and a connection opened in the
                // middle of that (tens of milliseconds on a loaded machine) is that much
                // longer that a part the platform took stays unmarked.
                let marks = AnyPoolOptions::new()
                    .max_connections(POSTGRES_MARK_CONNECTIONS)
                    .min_connections(POSTGRES_MARK_CONNECTIONS)
                    .acquire_timeout(Duration::from_secs(10))
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            sqlx::raw_sql("SET synchronous_commit = off")
                                .execute(&mut *conn)
                                .await?;
                            Ok(())
                        })
                    })
                    .connect(url)
                    .await
                    .map_err(connect_err)?;
                let pg = pggroup::PgGroup::start(url, POSTGRES_WRITERS).await?;
                Ok(Store {
                    writer: pool.clone(),
                    reader: pool,
                    backend,
                    group: None,
                    pg: Some(pg),
                    fast: None,
                    marks: Some(marks),
                    flow_cache: flows::FlowCache::default(),
                })
            }
        }
    }

    /// Opens (creating if needed) the SQLite database `jejak.db` in `dir`.
    pub async fn open_data_dir(dir: &Path) -> Result<Store> {
        Store::connect(&data_dir_url(dir)).await
    }

    /// The backend this store talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes the connections, waiting for those in use to be returned. Every clone of the
    /// store is closed with it.
    pub async fn close(&self) {
        if let Some(pg) = &self.pg {
            pg.close().await;
        }
        self.reader.close().await;
        self.writer.close().await;
        if let Some(marks) = &self.marks {
            marks.close().await;
        }
    }

    /// Begins a transaction that will write. SQLite takes the write lock up front
    /// (`BEGIN IMMEDIATE`), so a transaction that reads first cannot fail half-way with
    /// `SQLITE_BUSY` when it upgrades to writing; PostgreSQL uses a plain `BEGIN` (READ
    /// COMMITTED, row locks).
    async fn begin_write(&self) -> Result<Transaction<'static, Any>> {
        match self.backend {
            Backend::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.writer.begin().await,
        }
        .map_err(db("beginning a transaction"))
    }
}

/// Pool options for SQLite connections running `pragmas` on connect.
fn sqlite_pool(max_connections: u32, pragmas: &'static str) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max_connections)
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                sqlx::raw_sql(pragmas).execute(&mut *conn).await?;
                Ok(())
            })
        })
}

/// Brings the schema up to date.
async fn migrate(pool: &AnyPool, migrator: &Migrator, backend: Backend) -> Result<()> {
    migrator
        .run(pool)
        .await
        .map_err(|source| StoreError::Migrate { backend, source })
}

/// The URL of the SQLite database `jejak.db` in `dir` (created on first connection).
pub fn data_dir_url(dir: &Path) -> String {
    let path = dir.join(SQLITE_FILE_NAME);
    format!("sqlite:{}?mode=rwc", encode_sqlite_path(&path))
}

/// Creates the SQLite file's parent directory and makes sure the URL asks for the file to
/// be created (`mode=rwc`) unless it chooses a mode itself. Also gives the file's path
/// (`None` for an in-memory database).
fn prepare_sqlite_url(url: &str) -> Result<(String, Option<PathBuf>)> {
    let (url, file) = sqlite_url_and_file(url);
    if let Some(parent) = file
        .as_deref()
        .and_then(Path::parent)
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(|source| StoreError::CreateDir {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    Ok((url, file))
}

/// [`prepare_sqlite_url`] without touching the disk: the URL with `mode=rwc` unless it
/// chooses a mode itself, and the file's (percent-decoded) path, `None` in memory.
fn sqlite_url_and_file(url: &str) -> (String, Option<PathBuf>) {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let (database, params) = match rest.split_once('?') {
        Some((database, params)) => (database, Some(params)),
        None => (rest, None),
    };
    let in_memory = database.is_empty()
        || database == ":memory:"
        || params.is_some_and(|p| p.split('&').any(|kv| kv == "mode=memory"));
    if in_memory {
        return (url.to_owned(), None);
    }
    let has_mode = params.is_some_and(|p| p.split('&').any(|kv| kv.starts_with("mode=")));
    let url = match (params, has_mode) {
        (_, true) => url.to_owned(),
        (Some(_), false) => format!("{url}&mode=rwc"),
        (None, false) => format!("{url}?mode=rwc"),
    };
    (url, Some(PathBuf::from(percent_decode(database))))
}

/// Escapes the characters sqlx's SQLite URL parser would take as syntax (`%`, `?`, `#`).
fn encode_sqlite_path(path: &Path) -> String {
    let mut out = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3F"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out
}

/// Undoes `%XX` escapes (as sqlx does for SQLite file names); invalid escapes stay as they are.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                // Two hex digits always fit a byte.
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A timestamp as stored: unix milliseconds.
fn to_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// A stored timestamp back as a `DateTime`.
fn from_ms(ms: i64, context: &'static str) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| StoreError::Corrupt {
        context,
        detail: format!("timestamp {ms} ms is out of range"),
    })
}

/// Reading a column by name from a row of either driver (sqlx's `AnyRow`, rusqlite's `Row`
/// on the SQLite fast read path), so one decoder per record type serves both.
trait Columns {
    /// An integer column.
    fn int(&self, column: &'static str) -> Result<i64>;
    /// A nullable integer column.
    fn int_opt(&self, column: &'static str) -> Result<Option<i64>>;
    /// A text column.
    fn text(&self, column: &'static str) -> Result<String>;
    /// A nullable text column.
    fn text_opt(&self, column: &'static str) -> Result<Option<String>>;
}

impl Columns for AnyRow {
    fn int(&self, column: &'static str) -> Result<i64> {
        get(self, column)
    }
    fn int_opt(&self, column: &'static str) -> Result<Option<i64>> {
        get(self, column)
    }
    fn text(&self, column: &'static str) -> Result<String> {
        get(self, column)
    }
    fn text_opt(&self, column: &'static str) -> Result<Option<String>> {
        get(self, column)
    }
}

/// Reads a column, reporting failures as corrupt data.
fn get<'r, T>(row: &'r AnyRow, column: &'static str) -> Result<T>
where
    T: sqlx::Decode<'r, Any> + sqlx::Type<Any>,
{
    row.try_get(column).map_err(|e| StoreError::Corrupt {
        context: column,
        detail: e.to_string(),
    })
}

#[cfg(test)]
mod column_list_tests {
    /// The qualified list is the plain one with the alias before every column, so a join
    /// reads the same row as a plain select.
    #[test]
    fn qualified_respondent_columns_are_the_plain_ones_with_the_alias() {
        let plain: Vec<&str> = respondent_columns!().split(", ").collect();
        let qualified: Vec<String> = plain.iter().map(|c| format!("r.{c}")).collect();
        assert_eq!(respondent_columns!(r), qualified.join(", "));
        assert_eq!(plain.first(), Some(&"id"));
        assert_eq!(plain.last(), Some(&"token"));
        assert_eq!(plain.len(), 17);
    }
}
