//! `cargo bench --bench waves`: a roster of 150,000 (one year of MOOC Pintar graduates;
//! `WAVES_BENCH_RESPONDENTS=1500000` for a national one), the dry run of one wave for all of
//! them, planning it, then dispatching against the fake Bot API enforcing 30 messages per
//! second for about a minute.
//!
//! Options (environment): `WAVES_BENCH_RESPONDENTS` (default 150000),
//! `WAVES_BENCH_SECONDS` (dispatch time, default 60; 0 skips the dispatch), `DATABASE_URL`
//! (a PostgreSQL URL runs against a fresh schema of it, dropped afterwards; default a
//! temporary SQLite file).
//!
//! `WAVES_BENCH_WORKERS=3`: instead of one dispatcher in this process, that many real
//! `jejak dispatch` processes (the release binary) share the wave and the 30/s, on the
//! same database (on SQLite one file); after `WAVES_BENCH_SECONDS` of steady sending one of
//! them is killed with SIGKILL (`WAVES_BENCH_KILL=0`: not) and the others are watched taking
//! its share over. See `processes` below for what is printed.

#[path = "support/bulk.rs"]
mod bulk;
#[path = "support/common.rs"]
mod common;
#[path = "../tests/support/fake_bot_api.rs"]
mod fake_bot_api;
#[path = "support/processes.rs"]
mod processes;

/// The same allocator as the `jejak` binary, so the numbers are the product's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use fake_bot_api::FakeBotApi;
use jejak::channel::Outbound;
use jejak::channel::telegram::TelegramOutbound;
use jejak::i18n::Catalog;
use jejak::schedule::dispatcher::{DispatchConfig, Dispatcher};
use jejak::schedule::eligibility::{Segment, StatusFilter};
use jejak::schedule::quiet::QuietHours;
use jejak::schedule::{SystemClock, planner};
use jejak::store::{NewWave, Store};
use sqlx::Connection as _;

const TOKEN: &str = "123456:bench-token";
const LIMIT: u32 = 30;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The load average (`/proc/loadavg`, first three fields): the machine is shared.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

async fn fresh_db() -> anyhow::Result<(String, Option<tempfile::TempDir>, Option<(String, String)>)>
{
    match std::env::var("DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            let schema = format!("jejak_wavebench_{}", std::process::id());
            let mut admin = sqlx::PgConnection::connect(&url).await?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                .execute(&mut admin)
                .await?;
            admin.close().await?;
            let sep = if url.contains('?') { '&' } else { '?' };
            let with = format!("{url}{sep}options=-c%20search_path%3D{schema}");
            Ok((with, None, Some((url, schema))))
        }
        _ => {
            let dir = tempfile::tempdir()?;
            let url = format!("sqlite:{}", dir.path().join("bench.db").display());
            Ok((url, Some(dir), None))
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // As the `jejak` binary does, before the first database is opened (the runtime's
    // threads exist but none has touched SQLite).
    // SAFETY: no thread uses SQLite yet.
    unsafe { jejak::memory::configure() };
    let n = env_num("WAVES_BENCH_RESPONDENTS", 150_000);
    let seconds = env_num("WAVES_BENCH_SECONDS", 60);
    let (url, _dir, pg) = fresh_db().await?;
    let store = Store::connect(&url).await?;
    println!("backend: {}", store.backend());

    println!("load average at the start: {}", load_average());
    let t = Instant::now();
    bulk::bulk_roster(&url, n, bulk::Mix::AcrossFlows).await?;
    println!(
        "roster: {n} respondents with Telegram chats and sessions built in {:.2} s",
        t.elapsed().as_secs_f64()
    );

    let now = Utc::now();
    let wave = NewWave {
        flow_id: "tracer-smk".into(),
        name: "bench".into(),
        message_id: "reminder-1".into(),
        at: Some(now),
        cron: None,
        tz: Some("Asia/Jakarta".into()),
        until: None,
        segment: Segment::default(),
        status: StatusFilter::Pending,
        max_per_person: Some(3),
        min_gap_secs: Some(3 * 86_400),
        template: None,
    };
    let id = store.waves().create_wave(&wave, now).await?;
    let stored = store
        .waves()
        .wave(id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the wave just made is gone"))?;
    // The dry run (`jejak wave show`, the console's wave page): the same eligibility text as
    // a GROUP BY. The first one after the load also analyses the tables it finds stale.
    let mut eligible = 0;
    for label in ["first, after the load", "again"] {
        let t = Instant::now();
        let classes = store.waves().classify_audience(&stored, now).await?;
        let s = t.elapsed().as_secs_f64();
        eligible = classes
            .iter()
            .filter(|(reason, _, _)| reason.is_none())
            .map(|(_, _, n)| *n)
            .sum::<i64>();
        println!(
            "dry run ({label}): {eligible} eligible in {s:.2} s (load {})",
            load_average()
        );
    }
    // Quiet hours off, so the numbers do not depend on the hour the bench runs at.
    let quiet = QuietHours::new(Some("00:00"), Some("00:00"), &[])?;
    let t = Instant::now();
    let planned = planner::plan_due(&store, &quiet, now).await?;
    let plan_s = t.elapsed().as_secs_f64();
    let messages: u64 = planned.iter().map(|(_, p)| p.messages).sum();
    println!(
        "planning: one wave run, {messages} outbox rows (of {n}; completed and other flow excluded) in {plan_s:.2} s ({:.0} rows/s, load {})",
        messages as f64 / plan_s,
        load_average()
    );
    let counts = store.waves().outbox_counts(id).await?;
    assert_eq!(counts.get("pending").copied().unwrap_or(0) as u64, messages);
    // The planner and the dry run agree.
    assert_eq!(messages as i64, eligible, "planner and dry run disagree");
    let t = Instant::now();
    store.waves().classify_audience(&stored, now).await?;
    println!(
        "dry run (after planning, {messages} rows queued): {:.2} s",
        t.elapsed().as_secs_f64()
    );
    if seconds == 0 {
        println!("dispatch: skipped (WAVES_BENCH_SECONDS=0)");
        println!("peak RSS: {:.1} MiB", common::peak_rss_mib());
        store.close().await;
        drop_schema(pg).await?;
        return Ok(());
    }

    let workers = env_num("WAVES_BENCH_WORKERS", 0);
    if workers > 0 {
        let result = processes::run(&url, &store, id, workers as usize, seconds, messages).await;
        store.close().await;
        drop_schema(pg).await?;
        return result;
    }

    let api = FakeBotApi::start(TOKEN).await;
    api.set_rate_limit(Some(LIMIT));
    let flow = jejak::flow::load(std::path::Path::new("flows/tracer-smk.yaml"))?;
    let catalog = Arc::new(Catalog::embedded()?);
    let bot = teloxide::Bot::new(TOKEN).set_api_url(api.url());
    let outbound: Arc<dyn Outbound> = Arc::new(TelegramOutbound::new(
        bot,
        &flow,
        catalog.clone(),
        jejak::model::Lang::Id,
    ));
    let cfg = DispatchConfig {
        quiet,
        rates: HashMap::from([("telegram".into(), f64::from(LIMIT))]),
        ..DispatchConfig::default()
    };
    let dispatcher = Arc::new(Dispatcher::new(
        store.clone(),
        vec![outbound],
        catalog,
        vec![Arc::new(flow)],
        Arc::new(SystemClock),
        cfg,
    ));
    let started = Instant::now();
    let run = tokio::spawn(
        dispatcher
            .clone()
            .run(tokio::time::sleep(Duration::from_secs(seconds + 3))),
    );
    run.await??;
    let calls = api.calls("sendMessage");
    let ok: Vec<Instant> = calls
        .iter()
        .filter(|c| c.status == 200)
        .map(|c| c.at)
        .collect();
    let first = ok.first().copied().unwrap_or(started);
    // The sustained rate over `seconds` from the first delivery (start-up excluded).
    let window_end = first + Duration::from_secs(seconds);
    let in_window = ok.iter().filter(|t| **t < window_end).count();
    let rate = in_window as f64 / seconds as f64;
    println!(
        "dispatch: {in_window} messages in {seconds} s from the first = {rate:.2} msg/s = {:.1}% of the {LIMIT}/s limit; {} replies 429; {} sent in total",
        100.0 * rate / f64::from(LIMIT),
        api.rate_limited(),
        ok.len()
    );
    println!("peak RSS: {:.1} MiB", common::peak_rss_mib());
    store.close().await;
    drop_schema(pg).await
}

/// Drops the benchmark's PostgreSQL schema, if it made one.
async fn drop_schema(pg: Option<(String, String)>) -> anyhow::Result<()> {
    if let Some((admin, schema)) = pg {
        let mut c = sqlx::PgConnection::connect(&admin).await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
            .execute(&mut c)
            .await?;
    }
    Ok(())
}
