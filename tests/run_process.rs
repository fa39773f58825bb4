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
