//! Telegram throughput: N simulated chats answer the SMK flow at once, in webhook mode,
//! through the real bot (teloxide client, store, engine) and a fake Bot API on 127.0.0.1.
//!
//! `cargo bench --bench telegram -- [--chats N] [--backend sqlite|postgres]`
//! (PostgreSQL from `JEJAK_TEST_POSTGRES_URL`, default postgres://postgres@127.0.0.1:5432/test,
//! in a fresh schema dropped afterwards.)
//!
//! Each chat replays a transcript of flows/tests/tracer-smk/ by typing (`/start <token>`
//! first). Latency is from posting an update to the webhook until the webhook answers, which
//! is after the step is committed and every reply was accepted by the (fake) Bot API.

#[path = "../tests/support/fake_bot_api.rs"]
mod fake_bot_api;
#[path = "../tests/support/test_db.rs"]
mod test_db;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use jejak::channel::telegram::TelegramBot;
use jejak::conversation::Conversations;
use jejak::flow::transcript::Transcript;
use jejak::i18n::Catalog;
use jejak::model::RespondentFields;
use jejak::server::HttpServer;
use jejak::store::NewRespondent;

const TOKEN: &str = "123456789:AAH-bench_token";
const SECRET: &str = "bench_secret";

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn scripts() -> Vec<Vec<String>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/flows/tests/tracer-smk");
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("transcripts")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        let src = std::fs::read_to_string(&p).expect("read transcript");
        let t: Transcript = serde_saphyr::from_str(&src).expect("transcript parses");
        if t.language.is_some() {
            continue;
        }
        out.push(t.steps.into_iter().skip(1).map(|s| s.say).collect());
    }
    out
}

fn main() {
    // `cargo bench` passes `--bench`; ignore it.
    let chats: usize = arg("--chats").and_then(|s| s.parse().ok()).unwrap_or(200);
    let backend = arg("--backend").unwrap_or_else(|| "sqlite".into());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(bench(chats, &backend));
}

async fn bench(chats: usize, backend: &str) {
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
    let api = Arc::new(fake_bot_api::FakeBotApi::start(TOKEN).await);
    let bot = Arc::new(TelegramBot::new(
        teloxide::Bot::new(TOKEN).set_api_url(api.url()),
        conv,
        Some(false),
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!(
        "http://{}/telegram/webhook",
        listener.local_addr().expect("addr")
    );
    let server = HttpServer::new().merge(
        "telegram",
        bot.clone()
            .webhook_router("/telegram/webhook", SECRET.to_string()),
    );
    tokio::spawn(async move {
        let _ = server.serve(listener, std::future::pending()).await;
    });

    let scripts = scripts();
    let mut tokens = Vec::with_capacity(chats);
    let mut ids = Vec::with_capacity(chats);
    for i in 0..chats {
        let new = NewRespondent {
            fields: RespondentFields {
                name: Some(format!("Alumni {i}")),
                external_id: Some(format!("bench-{i}")),
                school: Some("SMKN 5 Banjarmasin".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let id = db
            .store
            .upsert_respondent(&new, Utc::now())
            .await
            .expect("respondent");
        ids.push(id);
        tokens.push(
            db.store
                .respondent(id)
                .await
                .expect("load")
                .expect("exists")
                .token,
        );
    }
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(chats)
        .build()
        .expect("client");

    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (i, token) in tokens.into_iter().enumerate() {
        let script = scripts[i % scripts.len()].clone();
        let api = api.clone();
        let http = http.clone();
        let url = url.clone();
        tasks.spawn(async move {
            let chat = 1_000_000 + i as i64;
            let mut lat = Vec::with_capacity(script.len() + 1);
            let mut failures = 0u64;
            let inputs = std::iter::once(format!("/start {token}")).chain(script);
            for say in inputs {
                let update = api.text_update(chat, &say, Some("id"));
                let t0 = Instant::now();
                let ok = http
                    .post(&url)
                    .header("X-Telegram-Bot-Api-Secret-Token", SECRET)
                    .json(&update)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                lat.push(t0.elapsed());
                failures += u64::from(!ok);
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
    all.sort();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or(Duration::ZERO)
    };
    let sends: u64 = api.send_counts().values().sum();
    // Answers kept in the store at the end (a `/kembali` replaces one, a refusal keeps none).
    let mut answers = 0usize;
    for id in ids {
        if let Some(s) = db
            .store
            .latest_session(id, "tracer-smk")
            .await
            .expect("session")
        {
            answers += db.store.current_answers(s.id).await.expect("answers").len();
        }
    }
    println!(
        "telegram webhook bench ({}): {chats} chats, {} updates in {:.2} s → {:.0} updates/s, \
         {answers} answers stored → {:.0} answers/s; update→reply p50 {:.1} ms, p99 {:.1} ms, \
         max {:.1} ms; {sends} messages sent; {failures} failed updates; peak RSS {:.0} MiB \
         (bot + fake API + client in one process)",
        db.store.backend(),
        all.len(),
        elapsed.as_secs_f64(),
        all.len() as f64 / elapsed.as_secs_f64(),
        answers as f64 / elapsed.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0,
        all.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
        peak_rss_mib(),
    );
}
