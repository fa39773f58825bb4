//! Test databases for the waves tests: SQLite in a temporary directory, PostgreSQL in a
//! fresh schema of `JEJAK_TEST_POSTGRES_URL` (skipped with a printed reason when
//! unavailable, unless `JEJAK_REQUIRE_POSTGRES=1`).

#![allow(dead_code, unused_macros)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;
use jejak::store::Store;
use sqlx::Connection;

pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A store under test plus what is needed to reconnect to it and clean it up.
pub struct Db {
    pub store: Store,
    pub url: String,
    pub dir: Option<tempfile::TempDir>,
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
        "jejak_waves_{}_{}_{}",
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
    eprintln!("skipping PostgreSQL waves tests: {reason}");
    None
}

/// Runs each named async test body `fn(&Db)` against both backends.
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = crate::waves_db::sqlite_db().await;
                    super::$name(&db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(db) = crate::waves_db::postgres_db().await else { return };
                    super::$name(&db).await;
                }
            )*
        }
    };
}
