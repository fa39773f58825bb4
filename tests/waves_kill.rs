//! The delivery guarantee: the real `jejak dispatch` binary sends a wave of 1,200 reminders
//! through the fake Bot API while it is killed with SIGKILL at random moments and restarted,
//! again and again. Afterwards every respondent has exactly one reminder, except messages
//! recorded as `uncertain` (in flight at a kill), which reached the platform at most once
//! and were never sent again. How many uncertain rows never reached the platform is
//! printed (a row is `sending` only once its slot is taken, so only a kill between that
//! commit and the request leaving makes one). On SQLite with one worker; on PostgreSQL with two workers at
//! once, killed in turn.

#[path = "support/fake_bot_api.rs"]
mod fake_bot_api;
#[path = "support/test_db.rs"]
mod test_db;

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use fake_bot_api::FakeBotApi;
use jejak::model::{Lang, RespondentFields};
use jejak::schedule::eligibility::{Segment, StatusFilter};
use jejak::store::{NewRespondent, NewWave, Store};
use sqlx::Row as _;
use test_db::Db;

const TOKEN: &str = "123456:kill-test-token";
const RESPONDENTS: i64 = 1200;
const KILLS: usize = 6;
/// Chat ids start here.
const CHAT0: i64 = 500_000;

fn random_ms(lo: u64, hi: u64) -> u64 {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).expect("randomness");
    lo + u64::from_le_bytes(b) % (hi - lo).max(1)
}

async fn seed(store: &Store) -> i64 {
    let now = Utc::now();
    for i in 0..RESPONDENTS {
        let r = NewRespondent {
            fields: RespondentFields {
                name: Some(format!("Alumni {i}")),
                external_id: Some(format!("K{i}")),
                cohort: Some("2025".into()),
                ..Default::default()
            },
            language: Some(Lang::Id),
            // All three zones; quiet hours are switched off for this test below.
            timezone: Some(
                ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"][i as usize % 3].into(),
            ),
            ..Default::default()
        };
        let id = store
            .respondents()
            .upsert_respondent(&r, now)
            .await
            .expect("respondent");
        store
            .respondents()
            .bind_channel(id, "telegram", &(CHAT0 + i).to_string(), now)
            .await
            .expect("bind");
        test_db::enrol(store, id, "tracer-smk").await;
    }
    let w = NewWave {
        flow_id: "tracer-smk".into(),
        name: "kill test".into(),
        message_id: "reminder-1".into(),
        at: Some(now - chrono::Duration::minutes(1)),
        cron: None,
        tz: Some("Asia/Jakarta".into()),
        until: None,
        segment: Segment::default(),
        status: StatusFilter::Pending,
        max_per_person: Some(1),
        min_gap_secs: None,
        template: None,
    };
    store.waves().create_wave(&w, now).await.expect("wave")
}

struct Worker {
    child: Child,
    log: std::path::PathBuf,
}

fn spawn(
    db_url: &str,
    api: &FakeBotApi,
    config: &std::path::Path,
    log_dir: &std::path::Path,
    n: usize,
) -> Worker {
    let log = log_dir.join(format!("worker-{n}.log"));
    let file = std::fs::File::create(&log).expect("log file");
    let child = Command::new(env!("CARGO_BIN_EXE_jejak"))
        .arg("dispatch")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("DATABASE_URL", db_url)
        .env("TELEGRAM_BOT_TOKEN", TOKEN)
        .env("TELEGRAM_API_URL", api.url().as_str())
        .env("JEJAK_CONFIG", config)
        .env("JEJAK_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(file)
        .spawn()
        .expect("spawn jejak dispatch");
    Worker { child, log }
}

async fn open_rows(store: &Store) -> i64 {
    store.waves().outbox_open().await.expect("count open")
}

async fn run_kill_test(db: &Db, workers: usize) {
    let api = FakeBotApi::start(TOKEN).await;
    // A generous platform limit keeps the test short; the dispatcher is told the same.
    api.set_rate_limit(Some(300));
    let wave = seed(&db.store).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("jejak.toml");
    std::fs::write(
        &config,
        "[schedule]\nquiet_start = \"00:00\"\nquiet_end = \"00:00\"\ntelegram_rate_per_second = 300\n",
    )
    .expect("config");
    let mut procs: Vec<Worker> = (0..workers)
        .map(|n| spawn(&db.url, &api, &config, dir.path(), n))
        .collect();
    let started = Instant::now();
    for k in 0..KILLS {
        // Let the (re)started worker get going (connect, migrate, join) and send, then
        // kill it at a random moment of its sending (on a busy machine starting takes
        // longer than a fixed wait).
        let before: u64 = api.send_counts().values().sum();
        api.wait_until(Duration::from_secs(30), || {
            api.send_counts().values().sum::<u64>() > before
        })
        .await;
        tokio::time::sleep(Duration::from_millis(random_ms(100, 900))).await;
        let victim = k % workers;
        let sent_so_far: u64 = api.send_counts().values().sum();
        procs[victim].child.kill().expect("kill -9");
        let _ = procs[victim].child.wait();
        eprintln!("kill {k}: worker {victim} killed after {sent_so_far} deliveries");
        procs[victim] = spawn(&db.url, &api, &config, dir.path(), workers + k);
    }
    // Let the survivors finish: uncertain rows are settled once the dead workers' heartbeats
    // are stale (3 s).
    let deadline = Instant::now() + Duration::from_secs(60);
    while open_rows(&db.store).await > 0 {
        if Instant::now() > deadline {
            for p in &procs {
                eprintln!("{}", std::fs::read_to_string(&p.log).unwrap_or_default());
            }
            panic!("the outbox never drained");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // SIGTERM stops a worker cleanly: it finishes its batch and leaves the worker table.
    for p in &mut procs {
        let pid = p.child.id().to_string();
        let term = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(term.is_ok_and(|s| s.success()), "kill -TERM {pid}");
    }
    for p in &mut procs {
        let status = p.child.wait().expect("wait");
        assert!(
            status.success(),
            "jejak dispatch exits 0 on SIGTERM: {status:?}\n{}",
            std::fs::read_to_string(&p.log).unwrap_or_default()
        );
    }
    let elapsed = started.elapsed();
    let rows = sqlx::query(
        "SELECT o.status, b.address FROM outbox o JOIN channel_bindings b \
         ON b.respondent_id = o.respondent_id WHERE o.wave_id = $1",
    )
    .bind(wave)
    .fetch_all(&pool(db).await)
    .await
    .expect("outbox rows");
    let counts: HashMap<i64, u64> = api.send_counts();
    let mut by_status: HashMap<String, i64> = HashMap::new();
    let mut uncertain_delivered = 0;
    let mut uncertain_missing = 0;
    for r in &rows {
        let status: String = r.get("status");
        let chat: i64 = r.get::<String, _>("address").parse().expect("chat id");
        let delivered = counts.get(&chat).copied().unwrap_or(0);
        match status.as_str() {
            "sent" => assert_eq!(delivered, 1, "chat {chat} is recorded sent"),
            "uncertain" => {
                assert!(delivered <= 1, "chat {chat} got {delivered} reminders");
                if delivered == 1 {
                    uncertain_delivered += 1;
                } else {
                    uncertain_missing += 1;
                }
            }
            other => panic!("chat {chat}: row left in {other}"),
        }
        *by_status.entry(status).or_default() += 1;
    }
    assert_eq!(rows.len() as i64, RESPONDENTS, "one row per respondent");
    let total: u64 = counts.values().sum();
    assert!(counts.values().all(|n| *n <= 1), "nobody got two reminders");
    assert_eq!(
        total as i64,
        by_status.get("sent").copied().unwrap_or(0) + uncertain_delivered,
        "every delivery is a sent row or an uncertain one"
    );
    let uncertain = by_status.get("uncertain").copied().unwrap_or(0);
    // At most the sends in flight at each kill (32 per worker).
    assert!(
        uncertain <= (KILLS * 32) as i64,
        "{uncertain} uncertain rows"
    );
    eprintln!(
        "{workers} worker(s), {KILLS} kills, {:.1} s: {} sent, {uncertain} uncertain \
         ({uncertain_delivered} reached the platform, {uncertain_missing} did not), \
         {} rate-limited replies",
        elapsed.as_secs_f64(),
        by_status.get("sent").copied().unwrap_or(0),
        api.rate_limited()
    );
}

async fn pool(db: &Db) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&db.url)
        .await
        .expect("pool")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_one_worker_killed_repeatedly() {
    let db = test_db::sqlite_db().await;
    run_kill_test(&db, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_two_workers_killed_repeatedly() {
    let Some(db) = test_db::postgres_db().await else {
        return;
    };
    run_kill_test(&db, 2).await;
}
