//! Test databases for every store-touching test and benchmark: SQLite in a temporary
//! directory, PostgreSQL in a fresh schema of `JEJAK_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`), dropped afterwards. Without a PostgreSQL
//! server the PostgreSQL variants print why and pass, unless `JEJAK_REQUIRE_POSTGRES=1`.
//!
//! Include it as `#[path = "support/test_db.rs"] mod test_db;` and list test bodies
//! `async fn(&Db)` in `both_backends!(…)`.

#![allow(dead_code, unused_macros)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;
use jejak::store::Store;
use sqlx::Connection;

pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A store under test plus what is needed to reach it directly and clean it up.
pub struct Db {
    /// The store.
    pub store: Store,
    /// Its URL (for a second, raw connection, or a separate `jejak` process).
    pub url: String,
    /// Keeps the SQLite directory alive for the test's duration.
    pub dir: Option<tempfile::TempDir>,
    /// The PostgreSQL admin URL and schema to drop afterwards.
    pg_schema: Option<(String, String)>,
}

impl Drop for Db {
    fn drop(&mut self) {
        // Drop the schema even when the test panicked: the test's runtime may be unusable
        // here, so use a private one on a thread of its own.
        if let Some((admin_url, schema)) = self.pg_schema.take() {
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(rt) = rt {
                    rt.block_on(async {
                        if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url).await {
                            let sql = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
                            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                                .execute(&mut conn)
                                .await;
                            let _ = conn.close().await;
                        }
                    });
                }
            })
            .join();
        }
    }
}

impl Db {
    /// A raw connection pool to the same database, for rows no store API writes.
    pub async fn raw(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::any::AnyPoolOptions::new()
            .max_connections(1)
            .connect(&self.url)
            .await
            .expect("raw connection")
    }
}

/// Runs raw SQL statements against the test database (set-up the store has no call for).
pub async fn exec(db: &Db, sql: &str) {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&db.url)
        .await
        .expect("raw connection");
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&mut conn)
        .await
        .expect("raw SQL");
    conn.close().await.expect("close");
}

/// One text column of the first row of `sql`.
pub async fn query_text(db: &Db, sql: &str) -> Option<String> {
    use sqlx::Row;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&db.url)
        .await
        .expect("raw connection");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_optional(&mut conn)
        .await
        .expect("raw query");
    let v = row.and_then(|r| r.try_get::<Option<String>, _>(0).ok().flatten());
    conn.close().await.expect("close");
    v
}

/// A fresh SQLite store in a temporary directory.
pub async fn sqlite_db() -> Db {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite:{}", dir.path().join("test.db").display());
    let store = Store::connect(&url).await.expect("connect to SQLite");
    Db {
        store,
        url,
        dir: Some(dir),
        pg_schema: None,
    }
}

/// A store in a fresh schema, or `None` (after saying why) when PostgreSQL is unavailable.
pub async fn postgres_db() -> Option<Db> {
    let admin_url =
        std::env::var("JEJAK_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.into());
    let required = std::env::var("JEJAK_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    let mut admin = match tokio::time::timeout(
        Duration::from_secs(5),
        sqlx::PgConnection::connect(&admin_url),
    )
    .await
    {
        Ok(Ok(conn)) => conn,
        Ok(Err(e)) => return skip(required, &e.to_string()),
        Err(_) => return skip(required, "connection timed out"),
    };
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let nanos = Utc::now().timestamp_nanos_opt().unwrap_or_default();
    let schema = format!(
        "jejak_test_{}_{}_{}",
        std::process::id(),
        nanos.rem_euclid(1_000_000_000),
        SEQ.fetch_add(1, Ordering::Relaxed)
    );
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut admin)
        .await
        .expect("create test schema");
    admin.close().await.expect("close admin connection");
    let sep = if admin_url.contains('?') { '&' } else { '?' };
    let url = format!("{admin_url}{sep}options=-c%20search_path%3D{schema}");
    let mut db = Db {
        store: Store::connect("sqlite::memory:")
            .await
            .expect("placeholder"),
        url,
        dir: None,
        pg_schema: Some((admin_url, schema)),
    };
    db.store = Store::connect(&db.url)
        .await
        .expect("connect to PostgreSQL");
    Some(db)
}

fn skip(required: bool, reason: &str) -> Option<Db> {
    if required {
        panic!("JEJAK_REQUIRE_POSTGRES=1 but PostgreSQL is unavailable: {reason}");
    }
    eprintln!("skipping a PostgreSQL test: {reason}");
    None
}

/// Runs each named async test body `fn(&Db)` against both backends.
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = crate::test_db::sqlite_db().await;
                    assert_eq!(db.store.backend(), jejak::store::Backend::Sqlite);
                    super::$name(&db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(db) = crate::test_db::postgres_db().await else { return };
                    assert_eq!(db.store.backend(), jejak::store::Backend::Postgres);
                    super::$name(&db).await;
                }
            )*
        }
    };
}

/// Enrols respondent `id` in `flow_id` with an `invited` session (what `jejak roster import
/// --flow` does): a wave reaches only respondents with a session of its flow.
pub async fn enrol(store: &Store, id: jejak::store::RespondentId, flow_id: &str) {
    let state = jejak::engine::SessionState::invited(jejak::model::Lang::Id);
    store
        .sessions()
        .open_session(
            id,
            flow_id,
            1,
            jejak::model::SessionStatus::Invited,
            &serde_json::to_string(&state).expect("json"),
            Utc::now(),
        )
        .await
        .expect("enrol in the flow");
}
