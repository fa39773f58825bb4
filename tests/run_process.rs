//! `jejak run` as one process with every part joined: the Telegram bot (long polling against
//! the fake Bot API), the WhatsApp webhook and processor (against the fake Graph API), and
//! the reminder dispatcher, all behind one HTTP server. A wave due now reaches a Telegram
//! respondent as a message and a WhatsApp respondent (outside the 24-hour window) as the
//! wave's template; the WhatsApp webhook and `/healthz` answer on the shared server;
//! SIGTERM stops everything with exit code 0.

#[path = "support/fake_bot_api.rs"]
mod fake_bot_api;
#[path = "support/fake_graph_api.rs"]
mod fake_graph_api;

use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::Utc;
use fake_bot_api::FakeBotApi;
use fake_graph_api::FakeGraphApi;
use jejak::model::{Lang, RespondentFields};
use jejak::schedule::eligibility::{Segment, StatusFilter};
use jejak::store::{NewRespondent, NewWave, Store, WaveTemplate};

const TG_TOKEN: &str = "123456:run-process-token";
const WA_PHONE_ID: &str = "109876543210";
const WA_TOKEN: &str = "wa-access-token";
const WA_VERIFY: &str = "verify-me";
const TG_CHAT: i64 = 424_242;
const WA_NUMBER: &str = "+6281234567890";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

async fn seed(store: &Store) {
    let now = Utc::now();
    for (i, (channel, address)) in [
        ("telegram", TG_CHAT.to_string()),
        ("whatsapp", WA_NUMBER.into()),
    ]
    .iter()
    .enumerate()
    {
        let r = NewRespondent {
            fields: RespondentFields {
                name: Some(format!("Alumni {i}")),
                external_id: Some(format!("R{i}")),
                ..Default::default()
            },
            language: Some(Lang::Id),
            ..Default::default()
        };
        let id = store
            .respondents()
            .upsert_respondent(&r, now)
            .await
            .expect("respondent");
        store
            .respondents()
            .bind_channel(id, channel, address, now)
            .await
            .expect("bind");
        // Enrolled in the flow, as `jejak roster import --flow` does: a wave reaches only
        // respondents with a session of its flow.
        let invited = jejak::engine::SessionState::invited(Lang::Id);
        store
            .sessions()
            .open_session(
                id,
                "tracer-smk",
                1,
                jejak::model::SessionStatus::Invited,
                &serde_json::to_string(&invited).expect("json"),
                now,
            )
            .await
            .expect("enrol");
    }
    let wave = NewWave {
        flow_id: "tracer-smk".into(),
        name: "pengingat pertama".into(),
        message_id: "reminder-1".into(),
        at: Some(now - chrono::Duration::minutes(1)),
        cron: None,
        tz: Some("Asia/Jakarta".into()),
        until: None,
        segment: Segment::default(),
        status: StatusFilter::Pending,
        max_per_person: Some(1),
        min_gap_secs: None,
        template: Some(WaveTemplate {
            name: "pengingat_tracer".into(),
            language: "id".into(),
            params: vec!["name".into()],
        }),
    };
    store.waves().create_wave(&wave, now).await.expect("wave");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_joins_telegram_whatsapp_and_reminders_in_one_process() {
    let tg = FakeBotApi::start(TG_TOKEN).await;
    let wa = FakeGraphApi::start(WA_PHONE_ID, WA_TOKEN).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let store = Store::open_data_dir(&data).await.expect("store");
    seed(&store).await;
    store.close().await;

    let config = dir.path().join("jejak.toml");
    // Quiet hours off, so the test passes at any hour.
    std::fs::write(
        &config,
        "[schedule]\nquiet_start = \"00:00\"\nquiet_end = \"00:00\"\n",
    )
    .expect("config");
    let port = free_port();
    let log = dir.path().join("run.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_jejak"))
        .args(["run", "--flow", "flows/tracer-smk.yaml"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("DATABASE_URL")
        .env("JEJAK_DATA_DIR", &data)
        .env("JEJAK_CONFIG", &config)
        .env("JEJAK_LISTEN", format!("127.0.0.1:{port}"))
        .env("TELEGRAM_BOT_TOKEN", TG_TOKEN)
        .env("TELEGRAM_API_URL", tg.url().as_str())
        .env_remove("TELEGRAM_WEBHOOK_URL")
        .env("WHATSAPP_PHONE_NUMBER_ID", WA_PHONE_ID)
        .env("WHATSAPP_ACCESS_TOKEN", WA_TOKEN)
        .env("WHATSAPP_APP_SECRET", "app-secret")
        .env("WHATSAPP_VERIFY_TOKEN", WA_VERIFY)
        .env("WHATSAPP_API_URL", wa.url.as_str())
        .env("JEJAK_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log"))
        .spawn()
        .expect("spawn jejak run");
    let log_text = || std::fs::read_to_string(&log).unwrap_or_default();

    // The reminder reaches the Telegram respondent…
    let got_tg = tg.wait_for_sends(TG_CHAT, 1, Duration::from_secs(30)).await;
    // …and the WhatsApp respondent, who never wrote (window closed), as the template.
    let wa_sent = wa.wait_for(1, Duration::from_secs(30)).await;
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let health = http.get(format!("{base}/healthz")).send().await;
    let verify = http
        .get(format!(
            "{base}/webhook/whatsapp?hub.mode=subscribe&hub.verify_token={WA_VERIFY}&hub.challenge=31337"
        ))
        .send()
        .await;
    let wrong = http
        .get(format!(
            "{base}/webhook/whatsapp?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1"
        ))
        .send()
        .await;

    let pid = child.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let status = child.wait().expect("wait");

    assert!(got_tg, "no reminder on Telegram\n{}", log_text());
    let sent = tg.sent_to(TG_CHAT);
    assert!(
        sent.iter().any(|m| !m.text.is_empty()),
        "the Telegram reminder has a text"
    );
    assert_eq!(wa_sent.len(), 1, "one WhatsApp message\n{}", log_text());
    assert_eq!(wa_sent[0].kind(), "template", "{:?}", wa_sent[0].body);
    assert_eq!(wa_sent[0].to, WA_NUMBER.trim_start_matches('+'));
    assert_eq!(
        wa_sent[0].body["template"]["name"].as_str(),
        Some("pengingat_tracer")
    );
    let health = health.expect("healthz answers");
    assert_eq!(health.status().as_u16(), 200);
    let verify = verify.expect("webhook verification answers");
    assert_eq!(verify.status().as_u16(), 200);
    assert_eq!(verify.text().await.expect("body"), "31337");
    assert_eq!(wrong.expect("answers").status().as_u16(), 403);
    assert!(
        status.success(),
        "exit 0 on SIGTERM: {status:?}\n{}",
        log_text()
    );
    // Nothing is sent twice, and the bot token stays out of the log.
    assert_eq!(tg.send_count(TG_CHAT), 1);
    assert!(!log_text().contains(TG_TOKEN.split(':').nth(1).unwrap_or(TG_TOKEN)));
}

/// One sample of `GET /metrics` (a line's value; 0 when the line is missing).
fn metric(text: &str, line: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(line)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

/// The operations endpoints of `jejak run` (WhatsApp only): `/healthz`, `/readyz` (database,
/// migrations, channels) and `/metrics`, whose counters move after a webhook: an update
/// received, an engine step, a reply sent, a refused signature. The logs are JSON lines
/// with `JEJAK_LOG_FORMAT=json`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ops_endpoints_and_metrics_move_after_a_webhook() {
    let wa = FakeGraphApi::start(WA_PHONE_ID, WA_TOKEN).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let store = Store::open_data_dir(&data).await.expect("store");
    seed(&store).await;
    store.close().await;
    let config = dir.path().join("jejak.toml");
    std::fs::write(
        &config,
        "[schedule]\nquiet_start = \"00:00\"\nquiet_end = \"00:00\"\n",
    )
    .expect("config");
    let port = free_port();
    let log = dir.path().join("run.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_jejak"))
        .args(["run", "--flow", "flows/tracer-smk.yaml"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("DATABASE_URL")
        .env_remove("TELEGRAM_BOT_TOKEN")
        .env("JEJAK_DATA_DIR", &data)
        .env("JEJAK_CONFIG", &config)
        .env("JEJAK_LISTEN", format!("127.0.0.1:{port}"))
        .env("WHATSAPP_PHONE_NUMBER_ID", WA_PHONE_ID)
        .env("WHATSAPP_ACCESS_TOKEN", WA_TOKEN)
        .env("WHATSAPP_APP_SECRET", "app-secret")
        .env("WHATSAPP_VERIFY_TOKEN", WA_VERIFY)
        .env("WHATSAPP_API_URL", wa.url.as_str())
        .env("JEJAK_LOG", "info")
        .env("JEJAK_LOG_FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log"))
        .spawn()
        .expect("spawn jejak run");
    let log_text = || std::fs::read_to_string(&log).unwrap_or_default();
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    // Up once /healthz answers (the process starts in the background).
    let mut up = false;
    for _ in 0..300 {
        if let Ok(r) = http.get(format!("{base}/healthz")).send().await {
            up = r.status().as_u16() == 200;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let scrape = || async {
        http.get(format!("{base}/metrics"))
            .send()
            .await
            .expect("metrics answer")
            .text()
            .await
            .expect("metrics body")
    };
    let outcome = async {
        assert!(up, "healthz\n{}", log_text());
        let ready = http
            .get(format!("{base}/readyz"))
            .send()
            .await
            .expect("readyz");
        assert_eq!(ready.status().as_u16(), 200);
        let ready: serde_json::Value = ready.json().await.expect("json");
        assert_eq!(ready["database"], "ok", "{ready}");
        assert_eq!(
            ready["missing_migrations"],
            serde_json::json!([]),
            "{ready}"
        );
        assert_eq!(ready["ready"], true);
        let channels = ready["channels"].as_array().expect("channels");
        assert!(channels.iter().any(|c| c == "whatsapp"), "{ready}");
        assert!(!channels.iter().any(|c| c == "telegram"), "{ready}");

        let before = scrape().await;
        assert!(
            before.contains("# TYPE jejak_step_duration_seconds histogram"),
            "{before}"
        );
        assert!(before.contains("jejak_outbox_depth "), "{before}");
        assert!(before.contains("jejak_database_up 1"), "{before}");
        let updates = "jejak_updates_received_total{channel=\"whatsapp\"}";
        let steps = "jejak_engine_steps_total";
        let sent = "jejak_sends_total{channel=\"whatsapp\",result=\"ok\"}";
        let refused = "jejak_webhook_rejected_total{channel=\"whatsapp\"}";
        let count = "jejak_step_duration_seconds_count";

        let body = serde_json::json!({
            "object": "whatsapp_business_account",
            "entry": [{ "id": "1", "changes": [{ "field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": { "display_phone_number": "15550783881", "phone_number_id": WA_PHONE_ID },
                "contacts": [{ "profile": { "name": "Alumni" }, "wa_id": WA_NUMBER.trim_start_matches('+') }],
                "messages": [{
                    "from": WA_NUMBER.trim_start_matches('+'),
                    "id": "wamid.ops-metrics-1",
                    "timestamp": Utc::now().timestamp().to_string(),
                    "type": "text",
                    "text": { "body": "halo" },
                }],
            }}]}],
        })
        .to_string();
        let url = format!("{base}/webhook/whatsapp");
        assert_eq!(
            fake_graph_api::post_signed(&http, &url, "app-secret", &body).await,
            200
        );
        assert_eq!(
            fake_graph_api::post_signed(&http, &url, "wrong-secret", &body).await,
            403
        );
        // The processor handles the stored body in the background: wait for its reply.
        let replies = wa.wait_for(2, Duration::from_secs(30)).await;
        assert!(replies.len() >= 2, "a reminder and a reply\n{}", log_text());
        let mut after = scrape().await;
        for _ in 0..100 {
            if metric(&after, sent) >= metric(&before, sent) + 1.0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            after = scrape().await;
        }
        assert_eq!(
            metric(&after, updates),
            metric(&before, updates) + 1.0,
            "{after}"
        );
        assert_eq!(
            metric(&after, steps),
            metric(&before, steps) + 1.0,
            "{after}"
        );
        assert_eq!(metric(&after, count), metric(&after, steps), "{after}");
        assert!(
            metric(&after, sent) >= metric(&before, sent) + 1.0,
            "{after}"
        );
        assert_eq!(
            metric(&after, refused),
            metric(&before, refused) + 1.0,
            "{after}"
        );
    };
    // Stop the process whatever the checks found, then report them.
    let result = futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(outcome)).await;
    let pid = child.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let status = child.wait().expect("wait");
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
    assert!(status.success(), "{status:?}\n{}", log_text());
    // Structured logs: every line is one JSON object with a level and a message.
    let text = log_text();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty());
    for l in lines.iter().filter(|l| l.starts_with('{')) {
        let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
        assert!(v["level"].is_string() && v["fields"].is_object(), "{l}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l.contains("HTTP server listening") && l.starts_with('{')),
        "{text}"
    );
}

/// `jejak backup --out FILE` while another process writes to the database: the copy opens
/// as a database of its own and holds the data; an existing file is not overwritten; on
/// PostgreSQL it refuses and names pg_dump.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_is_online_and_consistent_and_refuses_postgres() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let store = Store::open_data_dir(&data).await.expect("store");
    seed(&store).await;
    // The "bot": keeps writing respondents while the backup runs.
    let writer = store.clone();
    let (stop_tx, mut stop) = tokio::sync::watch::channel(false);
    let writing = tokio::spawn(async move {
        let mut n = 0u32;
        while !*stop.borrow() {
            let r = NewRespondent {
                fields: RespondentFields {
                    external_id: Some(format!("W{n}")),
                    ..Default::default()
                },
                ..Default::default()
            };
            writer
                .respondents()
                .upsert_respondent(&r, Utc::now())
                .await
                .expect("write during the backup");
            n += 1;
            tokio::select! {
                _ = stop.changed() => {}
                _ = tokio::time::sleep(Duration::from_millis(2)) => {}
            }
        }
        n
    });
    let out = dir.path().join("cadangan.db");
    let backup =
        move |data: std::path::PathBuf, out: std::path::PathBuf, extra: &[(&str, &str)]| {
            let mut c = Command::new(env!("CARGO_BIN_EXE_jejak"));
            c.args(["backup", "--out", &out.display().to_string()])
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .env_remove("DATABASE_URL")
                .env_remove("JEJAK_LANG")
                .env_remove("LANG")
                .env("JEJAK_CONFIG", data.join("none.toml"))
                .env("JEJAK_DATA_DIR", data);
            for (k, v) in extra {
                c.env(k, v);
            }
            c.output().expect("run jejak backup")
        };
    let o = tokio::task::spawn_blocking({
        let (data, out) = (data.clone(), out.clone());
        move || backup(data, out, &[])
    })
    .await
    .expect("backup ran");
    let _ = stop_tx.send(true);
    let written = writing.await.expect("writer");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout.contains("Cadangan tersimpan"), "{stdout}");
    store.close().await;

    // Restore: the copy is a database of its own, with the seeded data and a prefix of the
    // writes (never a torn one: the integrity check passes).
    let copy = Store::connect(&format!("sqlite:{}", out.display()))
        .await
        .expect("the backup opens");
    let seeded = copy
        .roster()
        .identity_of("R0")
        .await
        .expect("read the copy");
    assert!(seeded.is_some(), "the seeded respondent is in the backup");
    copy.close().await;
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", out.display()))
        .await
        .expect("pool");
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .expect("integrity");
    assert_eq!(check, "ok");
    let copied: i64 =
        sqlx::query_scalar("SELECT count(*) FROM respondents WHERE external_id LIKE 'W%'")
            .fetch_one(&pool)
            .await
            .expect("count");
    pool.close().await;
    assert!(copied <= i64::from(written), "{copied} of {written}");

    // The same file again: refused, the first backup kept.
    let o = backup(data.clone(), out.clone(), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("sudah ada"));
    // PostgreSQL: refused before connecting, pointing at pg_dump (in English too).
    std::fs::remove_file(&out).expect("rm");
    let o = backup(
        data.clone(),
        out.clone(),
        &[
            ("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none"),
            ("JEJAK_LANG", "en"),
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("pg_dump") && err.contains("SQLite only"),
        "{err}"
    );
    assert!(!out.exists());
}
