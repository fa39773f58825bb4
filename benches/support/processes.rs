//! `WAVES_BENCH_WORKERS=N` of `benches/waves.rs`: N real `jejak dispatch` processes (the
//! binary cargo built beside the benchmark) send the planned wave through the fake Bot API
//! enforcing 30 sendMessage per rolling second, on the benchmark's database (one SQLite
//! file shared by the processes, or the PostgreSQL schema). Each process calls the fake
//! through a path of its own (`…/w<i>/bot<token>/…`), so every delivery is known by sender.
//!
//! Timeline: start the processes; from the first delivery wait `WAVES_BENCH_WARMUP` seconds
//! (default 5: all have joined), measure `WAVES_BENCH_SECONDS` of steady sending, then
//! SIGKILL worker 0 (unless `WAVES_BENCH_KILL=0` or N = 1), go on for
//! `WAVES_BENCH_AFTER_KILL` seconds (default 12), SIGTERM the rest. `WAVES_BENCH_RATE_MARGIN`
//! sets the workers' `[schedule] rate_margin`.
//!
//! Printed: the steady rate as a share of 30/s (and each worker's part), the 429 replies by
//! phase, chats that got two reminders, and for the kill: the victim's last heartbeat, when
//! each survivor noticed (its own log line "dispatchers sharing the send rate" with the new
//! count, `JEJAK_LOG_FORMAT=json`), the first delivery after that from which one second
//! holds 97 % of the limit again, the rate over the five seconds after the last survivor
//! noticed, and the deliveries second by second around the kill.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use jejak::store::{Store, WaveId};
use sqlx::{Connection as _, Row as _};

use crate::fake_bot_api::{Call, FakeBotApi};
use crate::{LIMIT, TOKEN, env_num, load_average};

/// What the survivors log when the count of live workers changes (src/schedule/dispatcher.rs).
const SHARING: &str = "dispatchers sharing the send rate";

struct Worker {
    child: Child,
    tag: String,
    log: PathBuf,
}

fn spawn(
    url: &str,
    api: &FakeBotApi,
    config: &Path,
    dir: &Path,
    i: usize,
) -> anyhow::Result<Worker> {
    let tag = format!("w{i}");
    let log = dir.join(format!("{tag}.log"));
    let child = Command::new(env!("CARGO_BIN_EXE_jejak"))
        .arg("dispatch")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("DATABASE_URL", url)
        .env("TELEGRAM_BOT_TOKEN", TOKEN)
        .env(
            "TELEGRAM_API_URL",
            format!("{}/{tag}", api.url().as_str().trim_end_matches('/')),
        )
        .env("JEJAK_CONFIG", config)
        .env("JEJAK_LOG", "warn,jejak::schedule::dispatcher=info")
        .env("JEJAK_LOG_FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log)?)
        .spawn()?;
    Ok(Worker { child, tag, log })
}

fn wall_ms(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// When `log` says the worker first saw `count` live workers at or after `since_ms`.
fn noticed(log: &Path, count: i64, since_ms: i64) -> Option<i64> {
    let text = std::fs::read_to_string(log).ok()?;
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v.pointer("/fields/message").and_then(|m| m.as_str()) == Some(SHARING))
        .filter(|v| v.pointer("/fields/workers").and_then(|w| w.as_i64()) == Some(count))
        .filter_map(|v| {
            let ts = v.get("timestamp")?.as_str()?;
            chrono::DateTime::parse_from_rfc3339(ts)
                .ok()
                .map(|t| t.timestamp_millis())
        })
        .find(|ms| *ms >= since_ms)
}

/// Deliveries in the second ending at `t` (`(t - 1 s, t]`; `ok` sorted).
fn in_second(ok: &[Instant], t: Instant) -> usize {
    let from = t.checked_sub(Duration::from_secs(1)).unwrap_or(t);
    ok.partition_point(|x| *x <= t) - ok.partition_point(|x| *x <= from)
}

fn between(ok: &[Instant], from: Instant, to: Instant) -> usize {
    ok.partition_point(|x| *x < to) - ok.partition_point(|x| *x < from)
}

/// Runs the benchmark on the wave `wave` already planned (`planned` rows) in `store` at `url`.
pub async fn run(
    url: &str,
    store: &Store,
    wave: WaveId,
    n: usize,
    seconds: u64,
    planned: u64,
) -> anyhow::Result<()> {
    let warmup = env_num("WAVES_BENCH_WARMUP", 5);
    let after = env_num("WAVES_BENCH_AFTER_KILL", 12);
    let kill = n >= 2 && env_num("WAVES_BENCH_KILL", 1) != 0;
    let needed = (warmup + seconds + after + 5) * u64::from(LIMIT);
    if planned < needed {
        println!(
            "warning: {planned} rows planned, about {needed} needed to keep sending to the end \
             (raise WAVES_BENCH_RESPONDENTS)"
        );
    }
    let api = FakeBotApi::start(TOKEN).await;
    api.set_rate_limit(Some(LIMIT));
    let dir = tempfile::tempdir()?;
    let config = dir.path().join("jejak.toml");
    // Quiet hours off, so the figures do not depend on the hour; `WAVES_BENCH_RATE_MARGIN`
    // sets the workers' `rate_margin` (default: the dispatcher's own).
    let margin = std::env::var("WAVES_BENCH_RATE_MARGIN")
        .ok()
        .and_then(|m| m.parse::<f64>().ok())
        .map(|m| format!("rate_margin = {m}\n"))
        .unwrap_or_default();
    std::fs::write(
        &config,
        format!(
            "[schedule]\nquiet_start = \"00:00\"\nquiet_end = \"00:00\"\n\
             telegram_rate_per_second = {LIMIT}\n{margin}"
        ),
    )?;
    let started = Instant::now();
    let mut workers = (0..n)
        .map(|i| spawn(url, &api, &config, dir.path(), i))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let ok_at = |calls: &[Call]| -> Vec<Instant> {
        calls
            .iter()
            .filter(|c| c.status == 200)
            .map(|c| c.at)
            .collect()
    };
    if !api
        .wait_until(Duration::from_secs(120), || {
            api.calls("sendMessage").iter().any(|c| c.status == 200)
        })
        .await
    {
        for w in &mut workers {
            let _ = w.child.kill();
            let _ = w.child.wait();
            eprintln!("{}", std::fs::read_to_string(&w.log).unwrap_or_default());
        }
        let calls = api.calls("sendMessage");
        anyhow::bail!(
            "no delivery within 120 s of starting the workers ({} sendMessage calls, statuses {:?}; \
             outbox {:?})",
            calls.len(),
            calls.iter().map(|c| c.status).take(5).collect::<Vec<_>>(),
            store.waves().outbox_counts(wave).await?
        );
    }
    let first = ok_at(&api.calls("sendMessage"))
        .first()
        .copied()
        .unwrap_or_else(Instant::now);
    println!(
        "workers: {n} `jejak dispatch` processes; first delivery {:.2} s after they were started",
        first.duration_since(started).as_secs_f64()
    );
    let steady_from = first + Duration::from_secs(warmup);
    let steady_to = steady_from + Duration::from_secs(seconds);
    tokio::time::sleep_until(steady_to.into()).await;
    let load_steady = load_average();
    let mut kill_info = None;
    if kill {
        let victim = &mut workers[0];
        let pid = victim.child.id();
        let kill_at = Instant::now();
        let kill_wall = wall_ms(SystemTime::now());
        victim.child.kill()?;
        victim.child.wait()?;
        let beat = last_heartbeat(url, pid).await?;
        kill_info = Some((kill_at, kill_wall, beat));
        tokio::time::sleep(Duration::from_secs(after)).await;
    }
    let end = Instant::now();
    let load_end = load_average();
    let remaining = store.waves().outbox_open().await?;
    for w in workers.iter_mut().skip(usize::from(kill)) {
        let pid = w.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status()?;
    }
    let mut survivors: Vec<Worker> = workers.drain(usize::from(kill)..).collect();
    let survivors = tokio::task::spawn_blocking(move || {
        for w in &mut survivors {
            let _ = w.child.wait();
        }
        survivors
    })
    .await?;

    let calls = api.calls("sendMessage");
    let mut ok = ok_at(&calls);
    ok.sort();
    let steady = between(&ok, steady_from, steady_to);
    let rate = steady as f64 / seconds as f64;
    let shares: Vec<String> = (0..n)
        .map(|i| {
            let tag = format!("w{i}");
            let c = calls
                .iter()
                .filter(|c| c.status == 200 && c.via.as_deref() == Some(tag.as_str()))
                .filter(|c| c.at >= steady_from && c.at < steady_to)
                .count();
            format!("{tag} {:.2}/s", c as f64 / seconds as f64)
        })
        .collect();
    println!(
        "steady: {steady} messages in {seconds} s (from {warmup} s after the first delivery) = \
         {rate:.2} msg/s = {:.1}% of {LIMIT}/s (load {load_steady}); by worker: {}",
        100.0 * rate / f64::from(LIMIT),
        shares.join(", ")
    );
    let limited = |from: Instant, to: Instant| {
        calls
            .iter()
            .filter(|c| c.status == 429 && c.at >= from && c.at < to)
            .count()
    };
    println!(
        "429 replies: {} in all ({} while starting, {} steady, {} after the kill)",
        api.rate_limited(),
        limited(started, steady_from),
        limited(steady_from, steady_to),
        limited(steady_to, end + Duration::from_secs(3600)),
    );
    // Whose request each 429 was, and who filled the second before it: a worker with 11
    // there had its own requests bunched (commit or HTTP jitter), not the shares wrong.
    for c in calls.iter().filter(|c| c.status == 429) {
        let from = c.at.checked_sub(Duration::from_secs(1)).unwrap_or(c.at);
        let mine = |tag: &str| {
            calls
                .iter()
                .filter(|d| d.status == 200 && d.via.as_deref() == Some(tag))
                .filter(|d| d.at > from && d.at <= c.at)
                .map(|d| d.at)
                .collect::<Vec<_>>()
        };
        let by: Vec<String> = (0..n)
            .map(|i| format!("w{i} {}", mine(&format!("w{i}")).len()))
            .collect();
        let tag = c.via.clone().unwrap_or_default();
        let gap = mine(&tag)
            .last()
            .map(|p| format!("{} ms", c.at.duration_since(*p).as_millis()))
            .unwrap_or_else(|| "none".into());
        println!(
            "429 at {:+.3} s from the first delivery: {tag}'s request ({gap} after its previous \
             delivery); the second before it: {}",
            if c.at >= first {
                c.at.duration_since(first).as_secs_f64()
            } else {
                -first.duration_since(c.at).as_secs_f64()
            },
            by.join(", ")
        );
    }
    let busiest = ok.iter().map(|t| in_second(&ok, *t)).max().unwrap_or(0);
    println!("busiest rolling second: {busiest} deliveries");
    let counts = api.send_counts();
    let twice = counts.values().filter(|c| **c > 1).count();
    let db = store.waves().outbox_counts(wave).await?;
    let status = |s: &str| db.get(s).copied().unwrap_or(0);
    println!(
        "duplicates: {twice} chats got more than one reminder ({} deliveries; outbox: {} sent, \
         {} uncertain, {} still open at the end)",
        ok.len(),
        status("sent"),
        status("uncertain"),
        remaining
    );
    if remaining == 0 {
        println!("warning: the wave ran out before the end; the rates after that are not a limit");
    }

    if let Some((kill_at, kill_wall, beat)) = kill_info {
        let at = |ms: i64| {
            if ms >= kill_wall {
                kill_at + Duration::from_millis((ms - kill_wall) as u64)
            } else {
                kill_at
                    .checked_sub(Duration::from_millis((kill_wall - ms) as u64))
                    .unwrap_or(kill_at)
            }
        };
        let rel = |t: Instant| {
            if t >= kill_at {
                t.duration_since(kill_at).as_secs_f64()
            } else {
                -kill_at.duration_since(t).as_secs_f64()
            }
        };
        match beat {
            Some(ms) => println!(
                "kill: worker w0 SIGKILLed; its last heartbeat was {:.3} s before",
                (kill_wall - ms) as f64 / 1000.0
            ),
            None => println!("kill: worker w0 SIGKILLed; its heartbeat row was not found"),
        }
        let mut notices = Vec::new();
        for w in &survivors {
            match noticed(&w.log, n as i64 - 1, kill_wall) {
                Some(ms) => {
                    let t = at(ms);
                    let stale = beat.map(|b| {
                        format!(
                            ", {:.3} s after its last heartbeat",
                            (ms - b) as f64 / 1000.0
                        )
                    });
                    println!(
                        "noticed: {} saw {} live workers {:.3} s after the kill{}",
                        w.tag,
                        n - 1,
                        rel(t),
                        stale.unwrap_or_default()
                    );
                    notices.push(t);
                }
                None => println!("noticed: {} never logged {} live workers", w.tag, n - 1),
            }
        }
        let full = (f64::from(LIMIT) * 0.97).floor() as usize;
        if let (Some(first_notice), Some(last_notice)) =
            (notices.iter().min().copied(), notices.iter().max().copied())
        {
            let before = in_second(&ok, first_notice);
            // The first delivery after the first notice that starts a second holding 97 %
            // of the limit.
            match ok.iter().copied().find(|t| {
                *t >= first_notice && between(&ok, *t, *t + Duration::from_secs(1)) >= full
            }) {
                Some(t) => println!(
                    "full rate again (the second from then on holds {full}+ deliveries): {:.3} s \
                     after the kill, {:.3} s after the first survivor noticed, {:+.3} s from the \
                     last ({before} in the second before the first noticed)",
                    rel(t),
                    rel(t) - rel(first_notice),
                    rel(t) - rel(last_notice),
                ),
                None => println!("full rate again: never within {after} s of the kill"),
            }
            let five = between(&ok, last_notice, last_notice + Duration::from_secs(5));
            println!(
                "after the kill: {:.2} msg/s = {:.1}% of {LIMIT}/s over the 5 s after the last \
                 survivor noticed; {} deliveries between the kill and the first notice ({:.2}/s) \
                 (load {load_end})",
                five as f64 / 5.0,
                100.0 * five as f64 / 5.0 / f64::from(LIMIT),
                between(&ok, kill_at, first_notice),
                between(&ok, kill_at, first_notice) as f64 / rel(first_notice).max(0.001),
            );
        }
        let series: Vec<String> = (-3..after as i64)
            .map(|s| {
                let from = if s < 0 {
                    kill_at.checked_sub(Duration::from_secs((-s) as u64))
                } else {
                    Some(kill_at + Duration::from_secs(s as u64))
                };
                from.map(|f| between(&ok, f, f + Duration::from_secs(1)).to_string())
                    .unwrap_or_default()
            })
            .collect();
        println!(
            "deliveries per second from 3 s before the kill (| = the kill): {} | {}",
            series[..3].join(" "),
            series[3..].join(" ")
        );
    }
    // Exactly-once is a correctness property, not a timing: it fails the benchmark.
    anyhow::ensure!(twice == 0, "{twice} chats got the reminder more than once");
    Ok(())
}

/// The worker's last heartbeat (epoch ms) in `dispatch_workers`, found by its process id
/// (worker ids are `<pid>-<random>`).
async fn last_heartbeat(url: &str, pid: u32) -> anyhow::Result<Option<i64>> {
    let mut conn = sqlx::AnyConnection::connect(url).await?;
    // A process id is a number: safe to inline.
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT heartbeat_at FROM dispatch_workers WHERE id LIKE '{pid}-%'"
    )))
    .fetch_optional(&mut conn)
    .await?;
    conn.close().await?;
    Ok(row.map(|r| r.get::<i64, _>("heartbeat_at")))
}
