//! Telegram throughput: N simulated chats answer the SMK flow at once, in webhook mode,
//! through the real bot (teloxide client, store, engine) and a fake Bot API on 127.0.0.1.
//!
//! `cargo bench --bench telegram -- [--chats N] [--respondents M] [--backend sqlite|postgres]
//! [--processes P]`
//! (PostgreSQL from `JEJAK_TEST_POSTGRES_URL`, default postgres://postgres@127.0.0.1:5432/test,
//! in a fresh schema dropped afterwards.)
//!
//! M respondents (default 2,000) each replay a transcript of flows/tests/tracer-smk/ by typing
//! (`/start <token>` first), N of them at any moment (default 40, the `max_connections`
//! Telegram uses for a webhook unless told otherwise): a chat that finishes is replaced by the
//! next respondent, so the run measures a steady state rather than its start-up.
//!
//! Latency is from posting an update to the webhook until the webhook answers, which is after
//! the step is committed and every reply was accepted by the (fake) Bot API. The webhook's
//! answer may carry one more call (removing the answered keyboard), which the bench then
//! makes on the fake API, as Telegram would.
//!
//! `--processes P` (default 1) runs P bots as P `jejak run` processes would be deployed
//! behind one load balancer: each with its own store (connection pools, SQLite writer,
//! caches) on the same database and its own webhook server, the updates handed to them in
//! turn (a chat's successive updates reach different bots). They share this process's
//! runtime and allocator, so it measures the database's side of several workers, not the
//! CPU of several machines.

#[path = "support/common.rs"]
mod common;
#[path = "../tests/support/fake_bot_api.rs"]
mod fake_bot_api;
#[path = "../tests/support/test_db.rs"]
mod test_db;

/// The same allocator as the `jejak` binary, so the numbers are the product's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;
use std::time::Instant;

use jejak::channel::telegram::TelegramBot;
use jejak::conversation::Conversations;
use jejak::i18n::Catalog;
use jejak::server::HttpServer;

const TOKEN: &str = "123456789:AAH-bench_token";
const SECRET: &str = "bench_secret";

fn main() {
    // As the `jejak` binary does, before any thread could open a database.
    // SAFETY: no other thread exists yet.
    unsafe { jejak::memory::configure() };
    // `cargo bench` passes `--bench`; ignore it.
    let chats: usize = common::arg("--chats")
        .and_then(|s| s.parse().ok())
        .unwrap_or(40);
    let respondents: usize = common::arg("--respondents")
        .and_then(|s| s.parse().ok())
        .unwrap_or(2_000)
        .max(chats);
    let backend = common::arg("--backend").unwrap_or_else(|| "sqlite".into());
    let processes: usize = common::arg("--processes")
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
        .max(1);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(bench(chats, respondents, &backend, processes));
}

async fn bench(chats: usize, respondents: usize, backend: &str, processes: usize) {
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
    let api = Arc::new(fake_bot_api::FakeBotApi::start(TOKEN).await);
    // The fake stands in for Telegram's servers: its test log is not the bot's work.
    api.forget_calls();
    let mut urls = Vec::new();
    for p in 0..processes {
        let store = if p == 0 {
            db.store.clone()
        } else {
            jejak::store::Store::connect(&db.url)
                .await
                .expect("another process's store")
        };
        let conv = Conversations {
            store,
            flow: flow.clone(),
            catalog: Arc::new(Catalog::embedded().expect("catalog")),
        };
        let bot = Arc::new(TelegramBot::new(
            teloxide::Bot::new(TOKEN).set_api_url(api.url()),
            conv,
            Some(false),
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        urls.push(format!(
            "http://{}/telegram/webhook",
            listener.local_addr().expect("addr")
        ));
        let server = HttpServer::new().merge(
            "telegram",
            bot.webhook_router("/telegram/webhook", SECRET.to_string()),
        );
        tokio::spawn(async move {
            let _ = server.serve(listener, std::future::pending()).await;
        });
    }
    let urls = Arc::new(urls);

    let scripts = common::smk_scripts();
    let (ids, tokens) = common::seed_respondents(&db.store, respondents).await;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(chats)
        .build()
        .expect("client");

    // The respondents still to start, taken in turn by the N chat workers.
    let queue = Arc::new(std::sync::Mutex::new(
        tokens.into_iter().enumerate().collect::<Vec<_>>(),
    ));
    let scripts = Arc::new(scripts);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..chats {
        let queue = queue.clone();
        let scripts = scripts.clone();
        let api = api.clone();
        let http = http.clone();
        let urls = urls.clone();
        tasks.spawn(async move {
            let mut lat = Vec::new();
            let mut failures = 0u64;
            loop {
                let next = queue.lock().unwrap_or_else(|p| p.into_inner()).pop();
                let Some((i, token)) = next else { break };
                let chat = 1_000_000 + i as i64;
                let script = scripts[i % scripts.len()].clone();
                let inputs = std::iter::once(format!("/start {token}")).chain(script);
                for (n, say) in inputs.enumerate() {
                    let url = &urls[(i + n) % urls.len()];
                    let update = api.text_update(chat, &say, Some("id"));
                    let t0 = Instant::now();
                    let res = http
                        .post(url)
                        .header("X-Telegram-Bot-Api-Secret-Token", SECRET)
                        .json(&update)
                        .send()
                        .await;
                    let body = match res {
                        Ok(r) if r.status().is_success() => r.bytes().await.ok(),
                        _ => None,
                    };
                    lat.push(t0.elapsed());
                    failures += u64::from(body.is_none());
                    // What Telegram does with a webhook's answer: make the call it names.
                    if let Some(body) = body {
                        api.webhook_answer(&body).await;
                    }
                }
            }
            (lat, failures)
        });
    }
    let mut all = Vec::new();
    let mut failures = 0;
    while let Some(r) = tasks.join_next().await {
        let (lat, f) = r.expect("chat task");
        all.extend(lat);
        failures += f;
    }
    let elapsed = started.elapsed();
    let all = common::Latencies::new(all);
    let sends: u64 = api.send_counts().values().sum();
    let answers = common::stored_answers(&db.store, &ids).await;
    println!(
        "telegram webhook bench ({}, {processes} process(es)): {respondents} respondents, {chats} chats at once, {} updates in {:.2} s → {:.0} updates/s, \
         {answers} answers stored → {:.0} answers/s; update→reply p50 {:.1} ms, p99 {:.1} ms, \
         max {:.1} ms; {sends} messages sent; {failures} failed updates; peak RSS {:.0} MiB \
         (bot + fake API + client in one process)",
        db.store.backend(),
        all.len(),
        elapsed.as_secs_f64(),
        all.len() as f64 / elapsed.as_secs_f64(),
        answers as f64 / elapsed.as_secs_f64(),
        all.ms(0.50),
        all.ms(0.99),
        all.max_ms(),
        common::peak_rss_mib(),
    );
}
