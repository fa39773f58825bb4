//! Test databases for the WhatsApp tests: SQLite in a temporary directory, PostgreSQL in a
//! fresh schema of `JEJAK_TEST_POSTGRES_URL` (skipped with a printed reason when unreachable,
//! unless `JEJAK_REQUIRE_POSTGRES=1`). As in tests/store.rs.
#![allow(dead_code)]

use chrono::Utc;
use jejak::store::Store;
use sqlx::Connection;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A store under test and its URL (for raw SQL the store does not offer).
pub struct Db {
    pub store: Store,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg_schema: Option<(String, String)>,
}

impl Drop for Db {
    fn drop(&mut self) {
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
        "jejak_wa_{}_{}_{}",
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
        _dir: None,
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
    eprintln!("skipping PostgreSQL WhatsApp tests: {reason}");
    None
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
