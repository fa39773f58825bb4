//! Test databases for the Telegram tests: SQLite in a temporary directory, PostgreSQL in a
//! fresh schema of `JEJAK_TEST_POSTGRES_URL` (skipped with a reason when unreachable unless
//! `JEJAK_REQUIRE_POSTGRES=1`). The same scheme as tests/store.rs.

#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;
use jejak::store::Store;
use sqlx::Connection;

const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A store under test plus what is needed to reconnect to it and clean it up.
pub struct Db {
    /// The store.
    pub store: Store,
    /// Its URL.
    pub url: String,
    /// Keeps the SQLite directory alive for the test's duration.
    _dir: Option<tempfile::TempDir>,
    /// The PostgreSQL admin URL and schema to drop afterwards.
    pg_schema: Option<(String, String)>,
}

impl Drop for Db {
    fn drop(&mut self) {
        // Drop the schema even when the test panicked. The test's runtime is unusable here,
        // so use a private one on a private thread.
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

pub async fn sqlite_db() -> Db {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite:{}", dir.path().join("test.db").display());
    let store = Store::connect(&url).await.expect("connect to SQLite");
    Db {
        store,
        url,
        _dir: Some(dir),
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
        Ok(Err(e)) => return skip_postgres(required, &e.to_string()),
        Err(_) => return skip_postgres(required, "connection timed out"),
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
        store: placeholder_store().await,
        url,
        _dir: None,
        pg_schema: None,
    };
    db.pg_schema = Some((admin_url, schema));
    db.store = Store::connect(&db.url)
        .await
        .expect("connect to PostgreSQL");
    Some(db)
}

/// An in-memory store to fill `Db.store` until the real one is connected (so the schema is
/// dropped even if connecting panics).
async fn placeholder_store() -> Store {
    Store::connect("sqlite::memory:")
        .await
        .expect("in-memory SQLite")
}

fn skip_postgres(required: bool, reason: &str) -> Option<Db> {
    if required {
        panic!("JEJAK_REQUIRE_POSTGRES=1 but PostgreSQL is unavailable: {reason}");
    }
    eprintln!("skipping PostgreSQL store tests: {reason}");
    None
}
