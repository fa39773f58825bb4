//! `cargo bench --bench console`: the staff console over 150,000 respondents (issue 11's
//! target: the overview, the respondent search and the wave dry run each answer in ≤ 300 ms,
//! p95 over 50 requests; the console adds ≤ 15 MB to the process).
//!
//! Options (environment): `CONSOLE_BENCH_RESPONDENTS` (default 150000),
//! `CONSOLE_BENCH_REQUESTS` (default 50), `DATABASE_URL` (a PostgreSQL URL runs against a
//! fresh schema of it, dropped afterwards; default a temporary SQLite file),
//! `CONSOLE_BENCH_PROCESS=1` (the console is served by a separate `jejak run` process over
//! the same database, and its memory is read from that process's `/proc/PID/status`: the
//! product's own figure, without this benchmark's loader and HTTP client in it).

/// The same allocator as the `jejak` binary, so the numbers are the product's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use jejak::console::{ConsoleSettings, ConsoleState};
use jejak::i18n::Catalog;
use jejak::store::{NewAccount, Role};
use sqlx::Connection as _;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A field of `/proc/PID/status` (`pid`: `self` for this process; `VmRSS`: resident now;
/// `VmHWM`: the peak since the last [`reset_peak_of`]), in MiB.
fn proc_status_mib(pid: &str, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

unsafe extern "C" {
    /// mimalloc's: frees what it can and returns unused pages to the system.
    fn mi_collect(force: bool);
    /// glibc's: returns the free memory of its arenas to the system. SQLite allocates
    /// through the C library's `malloc`, not through Rust's global allocator.
    fn malloc_trim(pad: usize) -> i32;
    /// SQLite's: bytes it has allocated and not freed (all connections of the process).
    fn sqlite3_memory_used() -> i64;
}

/// Returns the memory the allocators hold but nobody uses to the system, so a resident
/// figure counts live memory rather than what an earlier phase freed but an allocator kept.
fn settle() {
    // SAFETY: both only walk their allocator's own heaps; they are safe at any time.
    unsafe {
        mi_collect(true);
        malloc_trim(0);
    }
}

/// SQLite's live allocations, in MiB.
fn sqlite_mib() -> f64 {
    // SAFETY: a read of SQLite's global counter; safe from any thread.
    unsafe { sqlite3_memory_used() as f64 / 1024.0 / 1024.0 }
}

/// Starts a new peak (`VmHWM`) of the process `pid` from its current resident size
/// (Linux ≥ 4.0).
fn reset_peak_of(pid: &str) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

/// A `jejak run` serving the console over the benchmark's database; killed when dropped.
struct Server {
    child: std::process::Child,
    pid: String,
    base: String,
}

impl Server {
    /// Starts `jejak run` (no channel configured: console and dispatcher only) on a free
    /// local port and waits until its sign-in page answers.
    async fn start(url: &str) -> anyhow::Result<Server> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_jejak"));
        cmd.arg("run")
            .env("DATABASE_URL", url)
            .env("JEJAK_LISTEN", format!("127.0.0.1:{port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        for var in [
            "TELEGRAM_BOT_TOKEN",
            "WHATSAPP_PHONE_NUMBER_ID",
            "WHATSAPP_ACCESS_TOKEN",
        ] {
            cmd.env_remove(var);
        }
        let child = cmd.spawn()?;
        let server = Server {
            pid: child.id().to_string(),
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        for _ in 0..600 {
            let up = client
                .get(format!("{}/console/login", server.base))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if up {
                return Ok(server);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        anyhow::bail!("jejak run did not start serving the console within a minute")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `n` respondents over 200 schools, each on the SMK flow's roster: 40 % still invited,
/// 30 % answering (with one answer), 25 % completed over the last 30 days, 5 % opted out;
/// 2 % unreachable; one sent wave message for a third of them.
async fn bulk_data(url: &str, n: u64) -> anyhow::Result<()> {
    let mut conn = sqlx::AnyConnection::connect(url).await?;
    let now = Utc::now().timestamp_millis();
    let chunk = 500u64;
    let mut tx = sqlx::Connection::begin(&mut conn).await?;
    let mut i = 0;
    while i < n {
        let end = (i + chunk).min(n);
        let mut sql = String::from(
            "INSERT INTO respondents (external_id, name, phone, cohort, programme, school, \
             timezone, language, unreachable, created_at, updated_at, token) VALUES ",
        );
        let mut p = 0;
        for k in i..end {
            if k > i {
                sql.push(',');
            }
            let unreachable = i64::from(k % 50 == 0);
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, 'Asia/Jakarta', 'id', {unreachable}, {now}, {now}, ${})",
                p + 1,
                p + 2,
                p + 3,
                p + 4,
                p + 5,
                p + 6,
                p + 7
            ));
            p += 7;
        }
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for k in i..end {
            q = q
                .bind(format!("{:010}", 1_000_000 + k))
                .bind(format!("Alumni Nomor {k}"))
                .bind(format!("+62812{:08}", k))
                .bind(["2023", "2024", "2025"][(k % 3) as usize])
                .bind(["TKJ", "AKL", "TBSM", "RPL"][(k % 4) as usize])
                .bind(format!("SMK {}", k % 200))
                .bind(format!("bench{k}"));
        }
        q.execute(&mut *tx).await?;
        i = end;
    }
    // PostgreSQL reads a bare 86400000 as a 32-bit integer: products of it are cast.
    let day = 86_400_000i64;
    let sql = format!(
        "INSERT INTO sessions (respondent_id, flow_id, flow_version, status, state, created_at, \
             updated_at, completed_at) \
         SELECT id, 'tracer-smk', 1, \
             CASE WHEN id % 20 < 8 THEN 'invited' WHEN id % 20 < 14 THEN 'answering' \
                  WHEN id % 20 < 19 THEN 'completed' ELSE 'opted_out' END, '{{}}', {now}, {now}, \
             CASE WHEN id % 20 >= 14 AND id % 20 < 19 THEN {now} - (id % 30) * CAST({day} AS BIGINT) END \
         FROM respondents"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&mut *tx)
        .await?;
    let sql = format!(
        "INSERT INTO answers (session_id, code, iteration, raw, value, flow_version, answered_at) \
         SELECT id, 'f8', 0, '1', '\"1\"', 1, {now} FROM sessions WHERE status <> 'invited'"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&mut *tx)
        .await?;
    let sql = format!(
        "INSERT INTO waves (flow_id, name, message_id, at_ms, segment, state, created_at) \
         VALUES ('tracer-smk', 'pengingat-1', 'reminder-1', {now}, '{{}}', 'finished', {now})"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&mut *tx)
        .await?;
    let sql = format!(
        "INSERT INTO wave_runs (wave_id, due_at, planned_at, planned) \
         SELECT id, {now}, {now}, 0 FROM waves"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&mut *tx)
        .await?;
    let sql = format!(
        "INSERT INTO outbox (run_id, wave_id, respondent_id, channel, address, status, \
             not_before, sent_at) \
         SELECT 1, 1, id, 'telegram', CAST(id AS TEXT), 'sent', {now}, {now} - 40 * CAST({day} AS BIGINT) \
         FROM respondents WHERE id % 3 = 0"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    conn.close().await?;
    Ok(())
}

/// Signs in and returns the session cookie.
async fn sign_in(client: &reqwest::Client, base: &str, email: &str, password: &str) -> String {
    let res = client
        .post(format!("{base}/console/login"))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .expect("sign in");
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("jejak_staff="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_string()
}

/// Times `n` GETs of `path`; returns (p50, p95, max) in ms.
async fn time_gets(
    client: &reqwest::Client,
    base: &str,
    cookie: &str,
    path: &str,
    n: u64,
) -> (f64, f64, f64) {
    let mut ms = Vec::new();
    for _ in 0..n {
        let t = Instant::now();
        let res = client
            .get(format!("{base}{path}"))
            .header("cookie", cookie)
            .send()
            .await
            .expect("GET");
        assert_eq!(res.status().as_u16(), 200, "{path}");
        let _ = res.bytes().await.expect("body");
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() as f64 * q).ceil() as usize).saturating_sub(1)];
    (at(0.5), at(0.95), at(1.0))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // As the `jejak` binary does, before the first database is opened (the runtime's
    // threads exist but none has touched SQLite).
    // SAFETY: no thread uses SQLite yet.
    unsafe { jejak::memory::configure() };
    let n = env_num("CONSOLE_BENCH_RESPONDENTS", 150_000);
    let requests = env_num("CONSOLE_BENCH_REQUESTS", 50);
    let db =
        jejak::cli::bench::BenchDb::open(std::env::var("DATABASE_URL").ok().as_deref()).await?;
    let t = Instant::now();
    bulk_data(&db.url, n).await?;
    let store = db.store.clone();
    println!(
        "{n} respondents on {} loaded in {:.1} s",
        store.backend(),
        t.elapsed().as_secs_f64()
    );
    let mut accounts = Vec::new();
    for (email, role, schools) in [
        ("admin@bench", Role::Admin, vec![]),
        ("op@bench", Role::Operator, vec!["SMK 7".to_string()]),
    ] {
        let password = "sandi bench panjang";
        let hash = jejak::console::auth::hash_password(password)?;
        store
            .staff()
            .create_account(
                &NewAccount {
                    email,
                    role,
                    schools: &schools,
                    password_hash: &hash,
                    must_change_password: false,
                },
                Utc::now(),
            )
            .await?;
        accounts.push((email, password));
    }
    let flows = jejak::cli::wave::load_flows(std::path::Path::new("flows"));
    let separate = std::env::var("CONSOLE_BENCH_PROCESS").is_ok_and(|v| v == "1");
    // In-process, the baseline is the loaded database and the store's pools, with what the
    // load freed handed back (see docs/benchmarks.md for what this measure includes). In a
    // separate process it is that process just started, its sign-in page served once.
    let server = if separate {
        Some(Server::start(&db.url).await?)
    } else {
        None
    };
    let pid = server
        .as_ref()
        .map_or("self".to_string(), |s| s.pid.clone());
    settle();
    let rss_base = proc_status_mib(&pid, "VmRSS");
    let sqlite_base = sqlite_mib();
    let base = match &server {
        Some(s) => s.base.clone(),
        None => {
            let state = Arc::new(ConsoleState {
                store: store.clone(),
                catalog: Arc::new(Catalog::embedded()?),
                flows,
                clock: Arc::new(jejak::clock::SystemClock),
                settings: ConsoleSettings::default(),
                scratch: std::env::temp_dir().join("jejak-console-bench"),
            });
            let router = jejak::console::router(state);
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let base = format!("http://{}", listener.local_addr()?);
            tokio::spawn(async move {
                let app = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
                let _ = axum::serve(listener, app).await;
            });
            base
        }
    };
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(120))
        .build()?;
    let peak_reset = reset_peak_of(&pid);
    let admin = sign_in(&client, &base, accounts[0].0, accounts[0].1).await;
    let op = sign_in(&client, &base, accounts[1].0, accounts[1].1).await;
    // Signing in hashes with Argon2id (19 MiB of memory each, freed afterwards): its peak
    // is reported on its own, and the pages' peak is measured from here.
    let peak_sign_in = proc_status_mib(&pid, "VmHWM");
    settle();
    let peak_reset = peak_reset && reset_peak_of(&pid);
    // A weekly wave for everyone who has not finished, with a cap and a gap so every
    // exclusion rule does real work; made through the same builder as `jejak wave add`.
    let catalog = Catalog::embedded()?;
    let spec = jejak::schedule::admin::build(
        &jejak::schedule::admin::WaveInput {
            flow_id: "tracer-smk".into(),
            cron: Some("0 9 * * 1".into()),
            tz: "Asia/Jakarta".into(),
            status: "pending".into(),
            message: "reminder-1".into(),
            max_per_person: Some(2),
            min_gap: Some("3d".into()),
            name: Some("bench weekly".into()),
            template_lang: "id".into(),
            ..Default::default()
        },
        &catalog,
    )?;
    let wave = store.waves().create_wave(&spec, Utc::now()).await?;
    let cases: Vec<(&str, &str, String)> = vec![
        (
            "overview, admin, all schools",
            &admin,
            "/console/overview?flow=tracer-smk&by=school".into(),
        ),
        (
            "overview, operator, one school",
            &op,
            "/console/overview?flow=tracer-smk&by=school".into(),
        ),
        (
            "wave dry run, admin",
            &admin,
            format!("/console/waves/{wave}"),
        ),
        (
            "search by name, admin",
            &admin,
            "/console/respondents?flow=tracer-smk&q=Alumni+Nomor+12345".into(),
        ),
        (
            "search by NISN prefix, admin",
            &admin,
            "/console/respondents?flow=tracer-smk&q=000110".into(),
        ),
        (
            "search by status, admin",
            &admin,
            "/console/respondents?flow=tracer-smk&status=completed".into(),
        ),
        (
            "search by name, operator",
            &op,
            "/console/respondents?flow=tracer-smk&q=Alumni".into(),
        ),
    ];
    println!("| case | request | p50 ms | p95 ms | max ms |\n|---|---|---|---|---|");
    for (name, cookie, path) in &cases {
        let (p50, p95, max) = time_gets(&client, &base, cookie, path, requests).await;
        println!("| {name} | `{path}` | {p50:.0} | {p95:.0} | {max:.0} |");
    }
    let total = requests * cases.len() as u64;
    let peak = proc_status_mib(&pid, "VmHWM");
    let steady = proc_status_mib(&pid, "VmRSS");
    let sqlite_steady = sqlite_mib();
    settle();
    let settled = proc_status_mib(&pid, "VmRSS");
    drop(server);
    println!("resident memory (MiB; the console's share is the difference from the baseline):");
    println!("| measure | MiB | over baseline |\n|---|---|---|");
    if separate {
        println!("| baseline: `jejak run` started, sign-in page served | {rss_base:.1} | – |");
    } else {
        println!("| baseline: data loaded, console not started | {rss_base:.1} | – |");
    }
    if peak_reset {
        println!(
            "| peak while signing in (Argon2id) | {peak_sign_in:.1} | +{:.1} |",
            peak_sign_in - rss_base
        );
        println!(
            "| peak during the {total} page requests | {peak:.1} | +{:.1} |",
            peak - rss_base
        );
    } else {
        println!("| peak | not measured: /proc/self/clear_refs is not writable | – |");
    }
    println!(
        "| after the requests | {steady:.1} | +{:.1} |",
        steady - rss_base
    );
    // Another process's allocators cannot be asked to return what they hold, nor its
    // SQLite asked what it allocated: those two lines are for the in-process measure.
    if !separate {
        println!(
            "| after the requests, freed memory returned | {settled:.1} | +{:.1} |",
            settled - rss_base
        );
        println!(
            "SQLite's own allocations (sqlite3_memory_used): {sqlite_base:.1} MiB at the \
             baseline, {sqlite_steady:.1} MiB after the requests"
        );
    }
    db.close().await;
    Ok(())
}
