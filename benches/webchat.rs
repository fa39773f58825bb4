//! Web chat throughput: N browsers answer the SMK flow at once through the real web chat
//! router (HTTP on 127.0.0.1, the shared Receiver, the store, the reply outbox).
//!
//! `cargo bench --bench webchat -- [--browsers N] [--respondents M] [--backend sqlite|postgres]`
//! (PostgreSQL from `JEJAK_TEST_POSTGRES_URL`, default postgres://postgres@127.0.0.1:5432/test,
//! in a fresh schema dropped afterwards.)
//!
//! M respondents (default 2,000) each open their personal link (the page, which sets the
//! browser cookie), start, and replay a transcript of flows/tests/tracer-smk/ by typing, N
//! of them at any moment (default 40): a browser that finishes takes the next respondent.
//! Latency is from posting a message to `/c/api/send` until its answer, which carries the
//! replies the step queued (so it includes the step's commit and the outbox read).

#[path = "support/common.rs"]
mod common;
#[path = "../tests/support/test_db.rs"]
mod test_db;

/// The same allocator as the `jejak` binary, so the numbers are the product's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;
use std::time::Instant;

use jejak::channel::web::limit::LimitSettings;
use jejak::channel::web::{self, WebSettings, WebState};
use jejak::conversation::{Conversations, Receiver};
use jejak::i18n::Catalog;
use jejak::server::HttpServer;

fn main() {
    // As the `jejak` binary does, before any thread could open a database.
    // SAFETY: no other thread exists yet.
    unsafe { jejak::memory::configure() };
    let browsers: usize = common::arg("--browsers")
        .and_then(|s| s.parse().ok())
        .unwrap_or(40);
    let respondents: usize = common::arg("--respondents")
        .and_then(|s| s.parse().ok())
        .unwrap_or(2_000)
        .max(browsers);
    let backend = common::arg("--backend").unwrap_or_else(|| "sqlite".into());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(bench(browsers, respondents, &backend));
}

async fn bench(browsers: usize, respondents: usize, backend: &str) {
    let db = match backend {
        "postgres" => match test_db::postgres_db().await {
            Some(db) => db,
            None => return,
        },
        _ => test_db::sqlite_db().await,
    };
    let flow = Arc::new(
        jejak::flow::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/flows/tracer-smk.yaml"
        )))
        .expect("flow"),
    );
    let conv = Conversations {
        store: db.store.clone(),
        flow,
        catalog: Arc::new(Catalog::embedded().expect("catalog")),
    };
    let catalog = conv.catalog.clone();
    let receiver = Arc::new(Receiver::new(conv, Arc::new(jejak::clock::SystemClock)));
    // Everyone comes from 127.0.0.1 and answers in milliseconds here: no budget should stop
    // the bench (people take seconds per answer; the budgets are for machines).
    let limits = LimitSettings {
        per_address_per_minute: u32::MAX,
        per_address_burst: u32::MAX,
        per_link_per_minute: u32::MAX,
        per_link_burst: u32::MAX,
    };
    let state = Arc::new(WebState::new(
        receiver,
        db.store.clone(),
        catalog,
        WebSettings {
            limits,
            ..WebSettings::default()
        },
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let server = HttpServer::new().merge("web", web::router(state));
    tokio::spawn(async move {
        let _ = server.serve(listener, std::future::pending()).await;
    });

    let (ids, tokens) = common::seed_respondents(&db.store, respondents).await;
    let queue = Arc::new(std::sync::Mutex::new(
        tokens.into_iter().enumerate().collect::<Vec<_>>(),
    ));
    let scripts = Arc::new(common::smk_scripts());
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..browsers {
        let queue = queue.clone();
        let scripts = scripts.clone();
        let base = base.clone();
        tasks.spawn(async move {
            let http = reqwest::Client::new();
            let mut lat = Vec::new();
            let mut failures = 0u64;
            loop {
                let next = queue.lock().unwrap_or_else(|p| p.into_inner()).pop();
                let Some((i, token)) = next else { break };
                // A new browser: the page gives it its cookie.
                let page = http.get(format!("{base}/c/{token}")).send().await;
                let Some(cookie) = page.ok().and_then(|r| {
                    r.headers()
                        .get("set-cookie")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.split(';').next())
                        .map(str::to_string)
                }) else {
                    failures += 1;
                    continue;
                };
                let mut cursor = 0i64;
                let script = &scripts[i % scripts.len()];
                let contents = std::iter::once(serde_json::json!({ "kind": "start" })).chain(
                    script
                        .iter()
                        .map(|say| serde_json::json!({ "kind": "text", "text": say })),
                );
                for (n, content) in contents.enumerate() {
                    let body = serde_json::json!({
                        "token": token, "id": format!("m-bench-{n:06}"), "after": cursor,
                        "content": content,
                    });
                    let t0 = Instant::now();
                    let res = http
                        .post(format!("{base}/c/api/send"))
                        .header("cookie", &cookie)
                        .json(&body)
                        .send()
                        .await;
                    let replies = match res {
                        Ok(r) if r.status().is_success() => {
                            r.json::<serde_json::Value>().await.ok()
                        }
                        _ => None,
                    };
                    lat.push(t0.elapsed());
                    match replies {
                        Some(v) => {
                            if let Some(last) = v["replies"]
                                .as_array()
                                .and_then(|a| a.last())
                                .and_then(|r| r["id"].as_i64())
                            {
                                cursor = last;
                            }
                        }
                        None => failures += 1,
                    }
                }
            }
            (lat, failures)
        });
    }
    let mut all = Vec::new();
    let mut failures = 0;
    while let Some(r) = tasks.join_next().await {
        let (lat, f) = r.expect("browser task");
        all.extend(lat);
        failures += f;
    }
    let elapsed = started.elapsed();
    let all = common::Latencies::new(all);
    let answers = common::stored_answers(&db.store, &ids).await;
    println!(
        "web chat bench ({}): {respondents} respondents, {browsers} browsers at once, {} messages in {:.2} s → {:.0} messages/s, \
         {answers} answers stored → {:.0} answers/s; message→replies p50 {:.1} ms, p99 {:.1} ms, \
         max {:.1} ms; {failures} failed requests (server and client in one process)",
        db.store.backend(),
        all.len(),
        elapsed.as_secs_f64(),
        all.len() as f64 / elapsed.as_secs_f64(),
        answers as f64 / elapsed.as_secs_f64(),
        all.ms(0.50),
        all.ms(0.99),
        all.max_ms(),
    );
}
