//! What running the server needs from the database: a reachability check, whether every
//! migration of this build is applied (`GET /readyz`, `jejak doctor`), and the reminder
//! outbox's depth and the age of its oldest due row (`GET /metrics`); and the online backup
//! of a SQLite file (`jejak backup`).

use chrono::{DateTime, Utc};

use super::error::db;
use super::{Backend, POSTGRES_MIGRATIONS, Result, SQLITE_MIGRATIONS, get, to_ms};

handle!(
    Ops,
    ops,
    "Operations: health of the database connection and the schema, outbox gauges."
);

/// The reminder outbox at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxLoad {
    /// Rows still to send or in flight (pending or sending) of active or finished waves.
    pub open: i64,
    /// The earliest `not_before` among pending rows already due, if any.
    pub oldest_due: Option<DateTime<Utc>>,
}

impl Ops<'_> {
    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .fetch_one(&self.store.reader)
            .await
            .map_err(db("pinging the database"))?;
        Ok(())
    }

    /// The versions of this build's migrations that the database has not applied (empty
    /// when the schema is current).
    pub async fn missing_migrations(&self) -> Result<Vec<i64>> {
        let rows = sqlx::query(APPLIED_MIGRATIONS)
            .fetch_all(&self.store.reader)
            .await
            .map_err(db("reading the applied migrations"))?;
        missing(self.store.backend, &rows)
    }

    /// Writes a consistent copy of the SQLite database to `out` (which must not exist) with
    /// `VACUUM INTO`: it reads one snapshot in a read transaction, so a bot writing to the
    /// file meanwhile (WAL mode) neither waits nor shows half in the copy. `None` on
    /// PostgreSQL, which has `pg_dump` for this.
    pub async fn backup_sqlite(&self, out: &std::path::Path) -> Result<Option<()>> {
        if self.store.backend != Backend::Sqlite {
            return Ok(None);
        }
        sqlx::query("VACUUM INTO $1")
            .bind(out.to_string_lossy().into_owned())
            .execute(&self.store.writer)
            .await
            .map_err(db("writing the backup (VACUUM INTO)"))?;
        Ok(Some(()))
    }

    /// The outbox's depth and oldest due row at `now`.
    pub async fn outbox_load(&self, now: DateTime<Utc>) -> Result<OutboxLoad> {
        let open = self.store.waves().outbox_open().await?;
        let row = sqlx::query(
            "SELECT min(o.not_before) AS t FROM outbox o JOIN waves w ON w.id = o.wave_id \
             WHERE o.status = 'pending' AND w.state IN ('active', 'finished') \
             AND o.not_before <= $1",
        )
        .bind(to_ms(now))
        .fetch_one(&self.store.reader)
        .await
        .map_err(db("finding the oldest due message"))?;
        let oldest_due = get::<Option<i64>>(&row, "t")?
            .map(|ms| super::from_ms(ms, "outbox not_before"))
            .transpose()?;
        Ok(OutboxLoad { open, oldest_due })
    }
}

/// What `jejak doctor` found of the database at a URL, read without changing it (no file
/// created, no migration applied: [`Store::connect`](super::Store::connect) would do both).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaState {
    /// The database answers; these migrations of this build are not applied yet (`jejak
    /// run` applies them at its start).
    Reachable {
        /// Versions missing, empty when the schema is current.
        missing: Vec<i64>,
    },
    /// A SQLite file that does not exist yet (`jejak run` creates it).
    NoFileYet,
}

/// Inspects the database at `url` (`sqlite:…` or `postgres://…`) without changing it.
pub async fn inspect_schema(url: &str) -> Result<SchemaState> {
    use sqlx::Connection as _;
    let backend = Backend::from_url(url)?;
    sqlx::any::install_default_drivers();
    let url = match backend {
        Backend::Sqlite => {
            let (url, file) = super::sqlite_url_and_file(url);
            if file.as_deref().is_some_and(|f| !f.exists()) {
                return Ok(SchemaState::NoFileYet);
            }
            // Read-only: looking must not create or change the file.
            url.replace("mode=rwc", "mode=ro")
        }
        Backend::Postgres => url.to_string(),
    };
    let mut conn = sqlx::AnyConnection::connect(&url)
        .await
        .map_err(|source| super::StoreError::Connect { backend, source })?;
    // A database no `jejak` ever migrated has no `_sqlx_migrations` table: all are missing.
    let rows = match sqlx::query(APPLIED_MIGRATIONS).fetch_all(&mut conn).await {
        Ok(rows) => rows,
        Err(sqlx::Error::Database(_)) => Vec::new(),
        Err(e) => return Err(db("reading the applied migrations")(e)),
    };
    let _ = conn.close().await;
    Ok(SchemaState::Reachable {
        missing: missing(backend, &rows)?,
    })
}

/// The migrations the database has applied (one row per version).
const APPLIED_MIGRATIONS: &str = "SELECT version FROM _sqlx_migrations WHERE success = TRUE";

/// This build's migrations for `backend` that are not among the `applied` rows.
fn missing(backend: Backend, applied: &[sqlx::any::AnyRow]) -> Result<Vec<i64>> {
    let applied: Vec<i64> = applied
        .iter()
        .map(|r| get::<i64>(r, "version"))
        .collect::<Result<_>>()?;
    let migrator = match backend {
        Backend::Sqlite => &SQLITE_MIGRATIONS,
        Backend::Postgres => &POSTGRES_MIGRATIONS,
    };
    Ok(migrator
        .iter()
        .map(|m| m.version)
        .filter(|v| !applied.contains(v))
        .collect())
}
