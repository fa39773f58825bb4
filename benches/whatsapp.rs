//! `cargo bench --bench whatsapp`: N simulated WhatsApp numbers answer the SMK flow at once
//! through the signed webhook (real HTTP on 127.0.0.1, served by `server::HttpServer`),
//! and the replies go to the fake Graph API (real HTTP too). Reports answers per second,
//! the latency from webhook POST to the last reply of that message reaching the fake
//! server (p50/p99), and peak RSS (of the whole process: bot, fake API and clients).
//!
//! Options (after `--`): `--numbers N` at once (default 40), `--respondents M` in all (default
//! 2,000; a number that finishes is replaced by the next respondent, so the run measures a
//! steady state rather than its start-up), `--backend sqlite|postgres|both`
//! (default both; PostgreSQL from JEJAK_TEST_POSTGRES_URL, default
//! postgres://postgres@127.0.0.1:5432/test, in a fresh schema dropped afterwards).
//!
//! The number's send rate is raised to 1,000,000/s here: with Meta's default 80 messages/s
//! the bot would be measured against Meta's limit, not its own speed.

#[path = "support/common.rs"]
mod common;
#[path = "../tests/support/fake_graph_api.rs"]
mod fake_graph_api;

/// The same allocator as the `jejak` binary, so the numbers are the product's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use chrono::{DateTime, Utc};
use fake_graph_api::FakeGraphApi;
use jejak::channel::whatsapp::clock::ManualClock;
use jejak::channel::whatsapp::config::WhatsAppConfig;
use jejak::channel::whatsapp::{self, WEBHOOK_PATH, render, webhook};
use jejak::cli::bench::{Script, load};
use jejak::conversation::Conversations;
use jejak::engine::{self, AnswerChange, Context, SessionState};
use jejak::flow::Flow;
use jejak::i18n::Catalog;
use jejak::server::HttpServer;
use jejak::store::{NewRespondent, Store};
use serde_json::json;
use sqlx::Connection;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

const PHONE_ID: &str = "106540352242922";
const TOKEN: &str = "bench-token";
const SECRET: &str = "bench-app-secret";

fn main() -> anyhow::Result<()> {
    // As the `jejak` binary does, before any thread could open a database.
    // SAFETY: no other thread exists yet.
    unsafe { jejak::memory::configure() };
    use common::arg;
    let numbers: usize = arg("--numbers").map_or(Ok(40), |v| v.parse())?;
    let respondents: usize = arg("--respondents")
        .map_or(Ok(2_000), |v| v.parse())?
        .max(numbers);
    let backend = arg("--backend").unwrap_or_else(|| "both".into());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        if backend == "sqlite" || backend == "both" {
            let dir = tempfile::tempdir()?;
            let store = Store::open_data_dir(dir.path()).await?;
            println!("== SQLite (fresh file in {})", dir.path().display());
            run(store.clone(), numbers, respondents).await?;
            store.close().await;
        }
        if backend == "postgres" || backend == "both" {
            let url = std::env::var("JEJAK_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
            let schema = format!("jejak_wa_bench_{}", std::process::id());
            match sqlx::PgConnection::connect(&url).await {
                Err(e) => println!("== PostgreSQL skipped: {e}"),
                Ok(mut admin) => {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                        .execute(&mut admin)
                        .await?;
                    let sep = if url.contains('?') { '&' } else { '?' };
                    let store =
                        Store::connect(&format!("{url}{sep}options=-c%20search_path%3D{schema}"))
                            .await?;
                    println!("== PostgreSQL (fresh schema {schema})");
                    let r = run(store.clone(), numbers, respondents).await;
                    store.close().await;
                    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                        "DROP SCHEMA IF EXISTS {schema} CASCADE"
                    )))
                    .execute(&mut admin)
                    .await?;
                    r?;
                }
            }
        }
        anyhow::Ok(())
    })
}

/// Messages the bot sends for each input of `s` at `now`, and the answers it stores.
fn expected(flow: &Flow, catalog: &Catalog, s: &Script, now: DateTime<Utc>) -> (Vec<usize>, usize) {
    let cx = Context {
        flow,
        catalog,
        respondent: &s.fields,
    };
    let mut state = SessionState::invited(s.lang);
    let mut counts = Vec::new();
    let mut answers = 0;
    for input in &s.inputs {
        let out = engine::step(&cx, state, input, now);
        counts.push(
            out.replies
                .iter()
                .flat_map(|r| render::render(r, "Pilih / Choose"))
                .filter(|o| !matches!(o, render::Outgoing::Text(t) if t.trim().is_empty()))
                .count(),
        );
        if out
            .answers
            .iter()
            .any(|a| matches!(a, AnswerChange::Set { .. }))
        {
            answers += 1;
        }
        state = out.state;
    }
    (counts, answers)
}

async fn run(store: Store, numbers: usize, respondents: usize) -> anyhow::Result<()> {
    let catalog = Catalog::embedded()?;
    let (flow, scripts) = load(std::path::Path::new("flows/tracer-smk.yaml"), &catalog)?;
    let now = scripts[0].now;
    let plans: Vec<(Vec<usize>, usize)> = scripts
        .iter()
        .map(|s| expected(&flow, &catalog, s, now))
        .collect();

    let fake = FakeGraphApi::start(PHONE_ID, TOKEN).await;
    let (hook_tx, mut hook_rx) = mpsc::unbounded_channel::<(String, Instant)>();
    fake.set_hook(hook_tx);
    let env = |k: &str| -> Option<String> {
        Some(
            match k {
                "WHATSAPP_PHONE_NUMBER_ID" => PHONE_ID,
                "WHATSAPP_ACCESS_TOKEN" => TOKEN,
                "WHATSAPP_APP_SECRET" => SECRET,
                "WHATSAPP_VERIFY_TOKEN" => "v",
                "WHATSAPP_API_URL" => fake.url.as_str(),
                "WHATSAPP_RATE_PER_SECOND" => "1000000",
                _ => return None,
            }
            .to_string(),
        )
    };
    let config = WhatsAppConfig::resolve(None, env)?.expect("configured");
    let conv = Conversations {
        store: store.clone(),
        flow: Arc::new(flow),
        catalog: Arc::new(catalog),
    };
    let wa = whatsapp::start(&config, conv.clone(), Arc::new(ManualClock::new(now))).await?;
    let (shutdown, rx) = tokio::sync::watch::channel(false);
    let processor = tokio::spawn(wa.processor.run(rx.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}{WEBHOOK_PATH}", listener.local_addr()?);
    let mut srx = rx;
    let server = tokio::spawn(HttpServer::new().merge("whatsapp", wa.router).serve(
        listener,
        async move {
            let _ = srx.wait_for(|v| *v).await;
        },
    ));

    // Set-up (untimed): the roster, one phone per simulated number.
    let mut routes: HashMap<String, mpsc::UnboundedSender<Instant>> = HashMap::new();
    let mut people = Vec::new();
    let mut expected_answers = 0;
    for i in 0..respondents {
        let k = i % scripts.len();
        let s = &scripts[k];
        let digits = format!("62899{i:08}");
        let r = NewRespondent {
            fields: s.fields.clone(),
            phone: Some(format!("+{digits}")),
            language: Some(s.lang),
            ..NewRespondent::default()
        };
        store.respondents().upsert_respondent(&r, now).await?;
        let (tx, rx) = mpsc::unbounded_channel();
        routes.insert(digits.clone(), tx);
        people.push((digits, k, rx));
        expected_answers += plans[k].1;
    }
    tokio::spawn(async move {
        while let Some((to, at)) = hook_rx.recv().await {
            if let Some(tx) = routes.get(&to) {
                let _ = tx.send(at);
            }
        }
    });
    let scripts = Arc::new(scripts);
    let plans = Arc::new(plans);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(numbers)
        .build()?;
    let ts = now.timestamp().to_string();

    println!(
        "{respondents} respondents, {numbers} numbers at once, {} transcript scripts, {} webhook messages",
        scripts.len(),
        (0..respondents)
            .map(|i| scripts[i % scripts.len()].inputs.len())
            .sum::<usize>()
    );
    let start = Instant::now();
    let queue = Arc::new(std::sync::Mutex::new(people));
    let mut tasks = Vec::new();
    for _ in 0..numbers {
        let (scripts, plans, http, url, ts, queue) = (
            scripts.clone(),
            plans.clone(),
            http.clone(),
            url.clone(),
            ts.clone(),
            queue.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut lat: Vec<u32> = Vec::new();
            let mut lost = 0usize;
            loop {
                let next = queue.lock().unwrap_or_else(|p| p.into_inner()).pop();
                let Some((digits, k, mut replies)) = next else {
                    break;
                };
                for (step, input) in scripts[k].inputs.iter().enumerate() {
                    let jejak::engine::Input::Text(text) = input else {
                        continue;
                    };
                    let body = json!({
                        "object": "whatsapp_business_account",
                        "entry": [{ "id": "1", "changes": [{ "field": "messages", "value": {
                            "messaging_product": "whatsapp",
                            "metadata": { "display_phone_number": "15550783881", "phone_number_id": PHONE_ID },
                            "contacts": [{ "profile": { "name": "x" }, "wa_id": digits }],
                            "messages": [{ "from": digits, "id": format!("wamid.{digits}.{step}"),
                                "timestamp": ts, "type": "text", "text": { "body": text } }],
                        }}]}],
                    })
                    .to_string();
                    let sig = webhook::sign(SECRET, body.as_bytes());
                    let t = Instant::now();
                    let status = http
                        .post(&url)
                        .header("x-hub-signature-256", sig)
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await
                        .map(|r| r.status().as_u16())
                        .unwrap_or(0);
                    assert_eq!(status, 200, "webhook answered {status}");
                    let mut last = t;
                    for _ in 0..plans[k].0[step] {
                        match tokio::time::timeout(Duration::from_secs(30), replies.recv()).await {
                            Ok(Some(at)) => last = at,
                            _ => {
                                lost += 1;
                                break;
                            }
                        }
                    }
                    lat.push(u32::try_from(last.duration_since(t).as_micros()).unwrap_or(u32::MAX));
                }
            }
            (lat, lost)
        }));
    }
    let mut latencies = Vec::new();
    let mut lost = 0;
    for t in tasks {
        let (l, x) = t.await?;
        latencies.extend(l);
        lost += x;
    }
    let elapsed = start.elapsed();

    let mut stored = 0usize;
    for s in store.sessions().sessions_for_flow(&conv.flow.id).await? {
        stored += store.sessions().answer_history(s.id).await?.len();
    }
    let _ = shutdown.send(true);
    let _ = processor.await;
    let _ = server.await;

    latencies.sort_unstable();
    let pct = |q: f64| {
        let i = ((latencies.len().saturating_sub(1)) as f64 * q).round() as usize;
        latencies.get(i).copied().unwrap_or(0) as f64 / 1000.0
    };
    let secs = elapsed.as_secs_f64();
    println!("elapsed:        {secs:.2} s");
    println!(
        "messages:       {} webhook POSTs, {:.0}/s; {} replies waited for in vain",
        latencies.len(),
        latencies.len() as f64 / secs,
        lost
    );
    println!(
        "answers:        {stored} stored (expected {expected_answers}), {:.0} answers/s",
        stored as f64 / secs
    );
    println!(
        "POST → last reply at the fake API: p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
    println!(
        "peak RSS:       {}",
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .map(|v| v.trim().to_string()))
            .unwrap_or_else(|| "unknown".into())
    );
    if stored != expected_answers || lost > 0 {
        anyhow::bail!(
            "stored {stored} answers (expected {expected_answers}), {lost} replies missing"
        );
    }
    Ok(())
}
