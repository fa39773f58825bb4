//! No personal data in logs (UU No. 27/2022): the real `jejak` binary runs a whole
//! conversation with debug logging for every crate (`JEJAK_LOG=debug`), and everything it
//! printed is scanned for the respondents' names, phone numbers (0812…, 62812…, +62 812…,
//! with or without separators), personal links (tokens), NISNs and answer texts.
//!
//! Covered: `jejak run` with Telegram (long polling against the fake Bot API: `/start
//! <token>`, consent, a typed answer, `/datasaya`, `/hapus` confirmed), WhatsApp (a signed
//! webhook body from a roster number, with the sender's profile name, and the wave's
//! template that names the respondent), the reminder dispatcher; a second run with JSON
//! logs; and `jejak roster import` of a CSV holding the same people. A second scenario
//! (`more_paths_log_no_personal_data`): Telegram in webhook mode with `/ubah`, the web chat,
//! the staff console (search by name and phone, the respondent page, its data rights, an
//! export), sends refused by the platforms (Telegram 400 and 403, Graph API errors quoting
//! the number), and `jejak respondent show|export|delete` and `jejak purge` as processes.

#[path = "support/fake_bot_api.rs"]
mod fake_bot_api;
#[path = "support/fake_graph_api.rs"]
mod fake_graph_api;
#[path = "support/test_db.rs"]
#[macro_use]
mod test_db;
#[path = "support/console.rs"]
mod console_support;
#[path = "support/webchat.rs"]
mod webchat_support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chrono::Utc;
use fake_bot_api::FakeBotApi;
use fake_graph_api::FakeGraphApi;
use jejak::model::{Lang, RespondentFields};
use jejak::schedule::eligibility::{Segment, StatusFilter};
use jejak::store::{NewRespondent, NewWave, Store, WaveTemplate};
use test_db::Db;

both_backends!(
    debug_logs_hold_no_personal_data,
    more_paths_log_no_personal_data
);

const TG_TOKEN: &str = "123456:log-scan-token";
const WA_PHONE_ID: &str = "109876543210";
const WA_TOKEN: &str = "wa-access-token";
const WA_SECRET: &str = "app-secret";
const TG_CHAT: i64 = 515_151;
const WAIT: Duration = Duration::from_secs(20);

/// One seeded respondent and what of theirs must never be logged.
struct Person {
    name: &'static str,
    /// The phone as the roster gives it (international, no separators).
    phone: &'static str,
    nisn: &'static str,
}

const SITI: Person = Person {
    name: "Sitinurbaya Kusumawardhani",
    phone: "+6281311172293",
    nisn: "0098765431",
};
const BAMBANG: Person = Person {
    name: "Bambang Pamungkasjaya",
    phone: "+6285733384457",
    nisn: "0098765432",
};
/// Not on the roster: writes to the WhatsApp number unasked.
const STRANGER: Person = Person {
    name: "Cahyaningrum Wulandari",
    phone: "+6281999887766",
    nisn: "-",
};
/// Everyone's birth date (the open link's identity check asks it), as typed.
const BIRTH_DMY: &str = "17-08-2005";
/// Answer texts typed by the respondents.
const TG_ANSWER: &str = "Toko Bunga Melati Jaya";
const WA_TEXT: &str = "Saya kerja di Bengkel Motor Sumberrejeki";
const WA_TEXT_2: &str = "Warung Soto Kembangarum";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Seeds both people (Bambang bound to WhatsApp) and a wave due now whose template names
/// the respondent; returns their personal-link tokens.
async fn seed(store: &Store) -> Vec<String> {
    let now = Utc::now();
    let mut tokens = Vec::new();
    for p in [&SITI, &BAMBANG] {
        let r = NewRespondent {
            fields: RespondentFields {
                name: Some(p.name.into()),
                external_id: Some(p.nisn.into()),
                phone: Some(p.phone.into()),
                school: Some("SMKN 5 Banjarmasin".into()),
                cohort: Some("2024".into()),
                ..Default::default()
            },
            // The roster phone proper (the one the console's search and a WhatsApp sender's
            // lookup read); `fields.phone` alone is not stored.
            phone: Some(p.phone.into()),
            birth_date: chrono::NaiveDate::parse_from_str(BIRTH_DMY, "%d-%m-%Y").ok(),
            language: Some(Lang::Id),
            ..Default::default()
        };
        let id = store
            .respondents()
            .upsert_respondent(&r, now)
            .await
            .expect("respondent");
        let stored = store
            .respondents()
            .respondent(id)
            .await
            .expect("load")
            .expect("exists");
        tokens.push(stored.token);
        test_db::enrol(store, id, "tracer-smk").await;
        if p.phone == BAMBANG.phone {
            store
                .respondents()
                .bind_channel(id, "whatsapp", p.phone, now)
                .await
                .expect("bind");
        }
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
    tokens
}

/// Every way a phone number may be written: the subscriber digits after the country or
/// trunk prefix are searched in each line with its separators taken out, so 0813…,
/// 62813…, +62 813-1117-2293 and 813.1117.2293 are all caught.
fn subscriber_digits(phone: &str) -> String {
    phone.trim_start_matches("+62").to_string()
}

/// The lines of `log` holding any of `needles` (or a phone's digits behind separators).
fn offending<'a>(log: &'a str, needles: &[String], phones: &[String]) -> Vec<(String, &'a str)> {
    let mut out = Vec::new();
    for line in log.lines() {
        let lower = line.to_lowercase();
        let squeezed: String = line
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '\u{a0}'))
            .collect();
        for n in needles {
            if lower.contains(&n.to_lowercase()) {
                out.push((n.clone(), line));
            }
        }
        for p in phones {
            if squeezed.contains(p.as_str()) {
                out.push((p.clone(), line));
            }
        }
    }
    out
}

/// Fails with the offending lines when `log` holds personal data; fails too when it holds
/// no debug line, so the scan cannot pass because nothing was logged.
fn assert_clean(what: &str, log: &str, needles: &[String], debug: bool) {
    let phones: Vec<String> = [&SITI, &BAMBANG, &STRANGER]
        .iter()
        .map(|p| subscriber_digits(p.phone))
        .collect();
    let found = offending(log, needles, &phones);
    assert!(
        found.is_empty(),
        "{what}: personal data in the log:\n{}",
        found
            .iter()
            .map(|(n, l)| format!("  [{n}] {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(!log.trim().is_empty(), "{what}: nothing was logged");
    if debug {
        assert!(
            log.lines().any(|l| l.contains("DEBUG")),
            "{what}: no debug line in the log:\n{log}"
        );
    }
}

/// Names, NISNs and answers (the phones are searched separately).
fn needles(tokens: &[String]) -> Vec<String> {
    let mut n: Vec<String> = Vec::new();
    for p in [&SITI, &BAMBANG] {
        n.push(p.nisn.into());
    }
    for p in [&SITI, &BAMBANG, &STRANGER] {
        n.push(p.name.into());
        // Each half of the name alone (a log line may hold a first name only).
        n.extend(p.name.split(' ').map(str::to_string));
    }
    // The platforms' credentials too.
    n.extend(
        [
            TG_TOKEN.split(':').nth(1).unwrap_or(TG_TOKEN),
            WA_TOKEN,
            WA_SECRET,
        ]
        .map(String::from),
    );
    n.extend(tokens.iter().cloned());
    n.extend([BIRTH_DMY.into(), "2005-08-17".into()]);
    n.extend([TG_ANSWER, WA_TEXT, WA_TEXT_2].map(String::from));
    // Distinctive words of the answers, should a line cut them.
    n.extend(["Melati", "Sumberrejeki", "Kembangarum"].map(String::from));
    n
}

/// `jejak run` with debug logs (`json`: as JSON lines) into a file of `dir`; `extra` is
/// more environment (Telegram's webhook mode).
fn jejak_run(
    dir: &Path,
    db_url: &str,
    port: u16,
    tg: Option<&FakeBotApi>,
    wa: &FakeGraphApi,
    json: bool,
    extra: &[(&str, String)],
) -> (Child, PathBuf) {
    let config = dir.join("jejak.toml");
    // Quiet hours off, so the wave goes out at any hour.
    std::fs::write(
        &config,
        "[schedule]\nquiet_start = \"00:00\"\nquiet_end = \"00:00\"\n",
    )
    .expect("config");
    let log = dir.join(if json { "run.json.log" } else { "run.log" });
    let mut c = Command::new(env!("CARGO_BIN_EXE_jejak"));
    c.args(["run", "--flow", "flows/tracer-smk.yaml"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("DATABASE_URL", db_url)
        .env("JEJAK_DATA_DIR", dir.join("data"))
        .env_remove("TELEGRAM_WEBHOOK_URL")
        .env_remove("TELEGRAM_BOT_TOKEN")
        .env_remove("TELEGRAM_OPEN_MODE")
        .env("JEJAK_CONFIG", &config)
        .env("JEJAK_LISTEN", format!("127.0.0.1:{port}"))
        .env("WHATSAPP_PHONE_NUMBER_ID", WA_PHONE_ID)
        .env("WHATSAPP_ACCESS_TOKEN", WA_TOKEN)
        .env("WHATSAPP_APP_SECRET", WA_SECRET)
        .env("WHATSAPP_VERIFY_TOKEN", "verify-me")
        .env("WHATSAPP_API_URL", wa.url.as_str())
        .env("JEJAK_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log"));
    if let Some(tg) = tg {
        c.env("TELEGRAM_BOT_TOKEN", TG_TOKEN)
            .env("TELEGRAM_API_URL", tg.url().as_str());
    }
    c.envs(extra.iter().map(|(k, v)| (k, v)));
    if json {
        c.env("JEJAK_LOG_FORMAT", "json");
    } else {
        c.env_remove("JEJAK_LOG_FORMAT");
    }
    (c.spawn().expect("spawn jejak run"), log)
}

/// SIGTERM, then the exit status.
fn stop(mut child: Child) -> std::process::ExitStatus {
    let pid = child.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    child.wait().expect("wait")
}

async fn wait_healthy(port: u16) -> bool {
    let http = reqwest::Client::new();
    for _ in 0..300 {
        if let Ok(r) = http
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
        {
            return r.status().as_u16() == 200;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// A WhatsApp webhook body: a text from `from` whose profile carries the person's name.
fn wa_body(from: &Person, wamid: &str, text: &str) -> String {
    let wa_id = from.phone.trim_start_matches('+');
    serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "1", "changes": [{ "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "15550783881", "phone_number_id": WA_PHONE_ID },
            "contacts": [{ "profile": { "name": from.name }, "wa_id": wa_id }],
            "messages": [{
                "from": wa_id,
                "id": wamid,
                "timestamp": Utc::now().timestamp().to_string(),
                "type": "text",
                "text": { "body": text },
            }],
        }}]}],
    })
    .to_string()
}

/// Posts a signed body and waits for one more message to `from` on the fake Graph API.
async fn whatsapp_says(
    wa: &FakeGraphApi,
    port: u16,
    from: &Person,
    wamid: &str,
    text: &str,
) -> bool {
    let to = from.phone.trim_start_matches('+');
    let before = wa.sent_to(to).len();
    let url = format!("http://127.0.0.1:{port}/webhook/whatsapp");
    let status = fake_graph_api::post_signed(
        &reqwest::Client::new(),
        &url,
        WA_SECRET,
        &wa_body(from, wamid, text),
    )
    .await;
    if status != 200 {
        return false;
    }
    let deadline = std::time::Instant::now() + WAIT;
    while std::time::Instant::now() < deadline {
        if wa.sent_to(to).len() > before {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// Pushes `text` from the Telegram chat and waits until a later message of the bot
/// satisfies `reply`.
async fn telegram_says(
    tg: &FakeBotApi,
    text: &str,
    reply: impl Fn(&fake_bot_api::Sent) -> bool,
) -> bool {
    telegram_says_in(tg, false, TG_CHAT, text, reply).await
}

/// As [`telegram_says`] from `chat`; `hook`: posted to the webhook the bot registered
/// instead of served to its polling, from a profile named as a person.
async fn telegram_says_in(
    tg: &FakeBotApi,
    hook: bool,
    chat: i64,
    text: &str,
    reply: impl Fn(&fake_bot_api::Sent) -> bool,
) -> bool {
    let n = tg.sent_to(chat).len();
    if hook {
        // The sender's Telegram profile carries a person's name, as real ones do.
        let mut update = tg.text_update(chat, text, Some("id"));
        let (first, last) = STRANGER.name.split_once(' ').unwrap_or((STRANGER.name, ""));
        for who in ["from", "chat"] {
            update["message"][who]["first_name"] = first.into();
            update["message"][who]["last_name"] = last.into();
        }
        if tg.deliver(&update).await != 200 {
            return false;
        }
    } else {
        tg.push_text(chat, text, Some("id"));
    }
    tg.wait_until(WAIT, || tg.sent_to(chat).iter().skip(n).any(&reply))
        .await
}

/// The whole scenario against `db` (SQLite file or PostgreSQL schema).
async fn debug_logs_hold_no_personal_data(db: &Db) {
    let tg = FakeBotApi::start(TG_TOKEN).await;
    let wa = FakeGraphApi::start(WA_PHONE_ID, WA_TOKEN).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let tokens = seed(&db.store).await;
    let needles = needles(&tokens);

    // 1. `jejak run`, plain debug logs: Telegram, WhatsApp and the wave.
    let port = free_port();
    let (child, log) = jejak_run(dir.path(), &db.url, port, Some(&tg), &wa, false, &[]);
    let log_text = || std::fs::read_to_string(&log).unwrap_or_default();
    let steps = async {
        assert!(
            wait_healthy(port).await,
            "jejak run is not up\n{}",
            log_text()
        );
        // The wave's template (it carries the name as a parameter) reaches Bambang.
        assert!(
            !wa.wait_for(1, Duration::from_secs(30)).await.is_empty(),
            "no reminder on WhatsApp\n{}",
            log_text()
        );
        // Telegram: the personal link, consent (typed, as the consent question invites), a
        // typed answer the flow refuses and one it takes, the rights.
        let said = |t: &'static str| move |m: &fake_bot_api::Sent| m.text.contains(t);
        let script: [(String, &str, &str); 6] = [
            (
                format!("/start {}", tokens[0]),
                "bersedia",
                "no consent question",
            ),
            ("ya".into(), "Pertanyaan 1", "no first question"),
            (TG_ANSWER.into(), "Maaf", "the answer was not refused"),
            ("1".into(), "Pertanyaan 2", "no second question"),
            (
                "/datasaya".into(),
                SITI.name,
                "/datasaya does not show the data",
            ),
            (
                "/hapus".into(),
                "Yakin ingin menghapus",
                "/hapus asks no confirmation",
            ),
        ];
        for (text, reply, why) in script {
            assert!(
                telegram_says(&tg, &text, said(reply)).await,
                "{why}: {:#?}\n{}",
                tg.sent_to(TG_CHAT),
                log_text()
            );
        }
        assert!(
            telegram_says(&tg, "ya", said("sudah dihapus")).await,
            "/hapus not confirmed: {:#?}",
            tg.sent_to(TG_CHAT)
        );
        // WhatsApp: Bambang writes from his roster number.
        assert!(
            whatsapp_says(&wa, port, &BAMBANG, "wamid.logscan-1", WA_TEXT).await,
            "no WhatsApp reply\n{}",
            log_text()
        );
    };
    let result = futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(steps)).await;
    let status = stop(child);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
    assert!(status.success(), "{status:?}\n{}", log_text());
    // The personal data did travel (so the scan below means something)…
    assert!(
        wa.sent()
            .iter()
            .any(|m| m.body.to_string().contains(BAMBANG.name)),
        "the template names the respondent"
    );
    // …but not into the log.
    assert_clean("jejak run", &log_text(), &needles, true);

    // 2. A second, short run with JSON lines: WhatsApp only, `/datasaya` echoes the data.
    let port = free_port();
    let (child, log) = jejak_run(dir.path(), &db.url, port, None, &wa, true, &[]);
    let log_text = || std::fs::read_to_string(&log).unwrap_or_default();
    let steps = async {
        assert!(
            wait_healthy(port).await,
            "jejak run is not up\n{}",
            log_text()
        );
        assert!(
            whatsapp_says(&wa, port, &BAMBANG, "wamid.logscan-2", WA_TEXT_2).await,
            "no WhatsApp reply\n{}",
            log_text()
        );
        assert!(
            whatsapp_says(&wa, port, &BAMBANG, "wamid.logscan-3", "/datasaya").await,
            "no WhatsApp reply to /datasaya\n{}",
            log_text()
        );
        assert!(
            wa.sent().iter().any(|m| m.text().contains(BAMBANG.name)),
            "/datasaya shows the name: {:#?}",
            wa.sent()
        );
        assert!(
            whatsapp_says(&wa, port, &STRANGER, "wamid.logscan-4", WA_TEXT).await,
            "no WhatsApp reply to a stranger\n{}",
            log_text()
        );
    };
    let result = futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(steps)).await;
    let status = stop(child);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
    assert!(status.success(), "{status:?}\n{}", log_text());
    let text = log_text();
    assert!(
        text.lines()
            .any(|l| l.starts_with('{') && l.contains("\"DEBUG\"")),
        "no JSON debug line:\n{text}"
    );
    assert_clean("jejak run (json)", &text, &needles, true);

    // 3. `jejak roster import` of a CSV with the same people, in other phone formats.
    let csv = dir.path().join("alumni.csv");
    std::fs::write(
        &csv,
        format!(
            "NISN;Nama;No. HP;Tahun Lulus;Kompetensi Keahlian;Sekolah\n\
             {};{};0813-1117-2293;2024;TKJ;SMKN 5 Banjarmasin\n\
             {};{};+62 857 3338 4457;2024;Akuntansi;SMKN 5 Banjarmasin\n\
             0098765433;{} Kedua;12ab;2024;TKJ;SMKN 5 Banjarmasin\n",
            SITI.nisn, SITI.name, BAMBANG.nisn, BAMBANG.name, SITI.name
        ),
    )
    .expect("csv");
    let (out, err) = jejak_cli(
        dir.path(),
        &db.url,
        &[
            "roster",
            "import",
            &csv.display().to_string(),
            "--flow",
            "flows/tracer-smk.yaml",
        ],
    );
    assert!(out.contains("2 dimuat"), "the import ran: {out}");
    assert_clean("jejak roster import", &err, &needles, true);
}

/// A Telegram chat whose sends fail: first 400, then 403 (blocked).
const TG_BLOCKED: i64 = 626_262;
/// The staff member of the console scenario.
const STAFF: &str = "operator@smkn5.sch.id";

/// Runs `jejak ARGS` to its end with debug logs; returns stdout and stderr.
fn jejak_cli(dir: &Path, db_url: &str, args: &[&str]) -> (String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_jejak"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("DATABASE_URL", db_url)
        .env_remove("JEJAK_LOG_FORMAT")
        .env("JEJAK_DATA_DIR", dir.join("data"))
        .env("JEJAK_CONFIG", dir.join("jejak.toml"))
        .env("JEJAK_LOG", "debug")
        .output()
        .expect("run jejak");
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The paths the first scenario does not walk, each with debug logs scanned: the web chat,
/// the staff console (search by name and phone, the respondent page, its data rights, an
/// export), `/ubah` on Telegram in webhook mode, sends the platforms refuse (Telegram's 400
/// and 403, a Graph API error quoting the number), then `jejak respondent show|export|
/// delete` and `jejak purge` as processes of their own.
async fn more_paths_log_no_personal_data(db: &Db) {
    let tg = FakeBotApi::start(TG_TOKEN).await;
    let wa = FakeGraphApi::start(WA_PHONE_ID, WA_TOKEN).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let tokens = seed(&db.store).await;
    let needles = needles(&tokens);
    let password = console_support::create_account(
        &db.store,
        STAFF,
        jejak::store::Role::Operator,
        &["SMKN 5 Banjarmasin"],
    )
    .await;
    // The wave's template to Bambang is refused with his number in the error text.
    wa.inject(fake_graph_api::Inject::QuotingRecipient(131026));

    let port = free_port();
    let hook = format!("http://127.0.0.1:{port}/hook");
    // Plain lines on SQLite, JSON lines on PostgreSQL: each format sees every path once.
    let json = db.store.backend() == jejak::store::Backend::Postgres;
    let (child, log) = jejak_run(
        dir.path(),
        &db.url,
        port,
        Some(&tg),
        &wa,
        json,
        &[
            ("TELEGRAM_WEBHOOK_URL", hook.clone()),
            ("TELEGRAM_WEBHOOK_SECRET", "log_scan-secret".into()),
            // Strangers may start (the web chat's open link, the identity check).
            ("TELEGRAM_OPEN_MODE", "true".into()),
            ("TELEGRAM_OPEN_IDENTITY", "true".into()),
        ],
    );
    let log_text = || std::fs::read_to_string(&log).unwrap_or_default();
    let base = format!("http://127.0.0.1:{port}");
    let steps = async {
        assert!(
            tg.wait_until(WAIT, || tg.webhook().is_some()).await,
            "no setWebhook\n{}",
            log_text()
        );
        assert!(
            wait_healthy(port).await,
            "jejak run is not up\n{}",
            log_text()
        );
        // The refused template was tried (its error is what is scanned).
        assert!(
            tg.wait_until(WAIT, || !wa.attempts().is_empty()).await,
            "the template was never tried\n{}",
            log_text()
        );

        // 1. The web chat: Siti opens her link and answers over the page's API.
        let mut b = webchat_support::Browser::new(&base, "10.9.0.1");
        let token = &tokens[0];
        let page = b.get(&format!("/c/{token}")).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let mut after = 0;
        for (i, content) in [
            serde_json::json!({ "kind": "start" }),
            serde_json::json!({ "kind": "text", "text": "ya" }),
            serde_json::json!({ "kind": "text", "text": TG_ANSWER }),
            serde_json::json!({ "kind": "text", "text": "1" }),
        ]
        .into_iter()
        .enumerate()
        {
            let a = b
                .send(serde_json::json!({
                    "token": token, "id": format!("m-logscan-{i:04}"), "after": after,
                    "content": content,
                }))
                .await;
            assert_eq!(a.status, 200, "{}", a.body);
            after = a.reply_ids().last().copied().unwrap_or(after);
        }
        assert!(
            b.get(&format!("/c/api/replies?token={token}&after=0"))
                .await
                .body
                .contains("Pertanyaan 2"),
            "the web chat did not go on"
        );

        // The flow's open link (open mode, identity check on): a stranger claims Siti's
        // NISN with a wrong birth date, then with hers (typed as the check asks); the match
        // is refused, as her link is already in use (the web chat above).
        let mut open = webchat_support::Browser::new(&base, "10.9.0.2");
        assert_eq!(open.get("/c/open/tracer-smk").await.status, 200);
        let mut after = 0;
        let mut said = String::new();
        let wrong = format!("{} 01-01-2004", SITI.nisn);
        let right = format!("{} {BIRTH_DMY}", SITI.nisn);
        for (i, (text, expect)) in [
            ("", ""),
            ("ya", "NISN/NIM dan tanggal lahir"),
            (wrong.as_str(), "tidak cocok"),
            (right.as_str(), "sudah dipakai di peramban"),
        ]
        .into_iter()
        .enumerate()
        {
            if i == 1 && said.contains(expect) {
                continue; // the identity question came before consent
            }
            let content = if text.is_empty() {
                serde_json::json!({ "kind": "start" })
            } else {
                serde_json::json!({ "kind": "text", "text": text })
            };
            let a = open
                .send(serde_json::json!({
                    "flow": "tracer-smk", "id": format!("m-logscan-open-{i:02}"),
                    "after": after, "content": content,
                }))
                .await;
            assert_eq!(a.status, 200, "{}", a.body);
            assert!(
                a.body.contains(expect),
                "{text:?}: no {expect:?}: {}",
                a.body
            );
            after = a.reply_ids().last().copied().unwrap_or(after);
            said = a.body;
        }

        // 2. Telegram by webhook: Bambang starts, answers, and changes an answer (/ubah).
        let said = |t: &'static str| move |m: &fake_bot_api::Sent| m.text.contains(t);
        let script: [(String, &str, &str); 6] = [
            (
                format!("/start {}", tokens[1]),
                "bersedia",
                "no consent question",
            ),
            ("ya".into(), "Pertanyaan 1", "no first question"),
            ("1".into(), "Pertanyaan 2", "no second question"),
            ("/ubah".into(), "Jawaban mana", "/ubah lists no answers"),
            ("1".into(), "jawab lagi", "/ubah does not ask again"),
            ("1".into(), "sudah diubah", "/ubah did not change it"),
        ];
        for (text, reply, why) in script {
            assert!(
                telegram_says_in(&tg, true, TG_CHAT, &text, said(reply)).await,
                "{why}: {:#?}\n{}",
                tg.sent_to(TG_CHAT),
                log_text()
            );
        }
        // A chat whose sends fail: 400 once, then blocked (403).
        let refused = |status: u16| {
            tg.calls("sendmessage")
                .iter()
                .any(|c| c.status == status && c.params["chat_id"].as_i64() == Some(TG_BLOCKED))
        };
        tg.inject("sendmessage", fake_bot_api::Fault::BadRequest, 1);
        assert_eq!(
            tg.deliver(&tg.text_update(TG_BLOCKED, "/start", Some("id")))
                .await,
            200
        );
        assert!(tg.wait_until(WAIT, || refused(400)).await, "no 400");
        tg.block(TG_BLOCKED);
        assert_eq!(
            tg.deliver(&tg.text_update(TG_BLOCKED, "halo", Some("id")))
                .await,
            200
        );
        assert!(tg.wait_until(WAIT, || refused(403)).await, "no 403");

        // A WhatsApp reply refused with Bambang's number in Meta's error text.
        let tried = wa.attempts().len();
        wa.inject(fake_graph_api::Inject::QuotingRecipient(100));
        let status = fake_graph_api::post_signed(
            &reqwest::Client::new(),
            &format!("{base}/webhook/whatsapp"),
            WA_SECRET,
            &wa_body(&BAMBANG, "wamid.logscan-more-1", WA_TEXT),
        )
        .await;
        assert_eq!(status, 200);
        assert!(
            tg.wait_until(WAIT, || wa
                .attempts()
                .iter()
                .skip(tried)
                .any(|a| a.1 == Some(100)))
                .await,
            "the WhatsApp reply was never tried\n{}",
            log_text()
        );

        // 3. The staff console: search by name and by phone, the respondent page, its data
        // rights (show, export), and an answers export.
        let mut staff = console_support::sign_in_at(&base, STAFF, &password).await;
        let by_name = staff
            .get(&format!(
                "/console/respondents?flow=tracer-smk&q={}",
                BAMBANG.name.replace(' ', "+")
            ))
            .await;
        assert_eq!(by_name.status, 200);
        let id = db
            .store
            .respondents()
            .respondent_by_token(&tokens[1])
            .await
            .expect("read")
            .expect("Bambang")
            .id;
        let link = format!("/console/respondents/{id}\"");
        assert!(
            by_name.text().contains(&link),
            "not found by name: {}",
            by_name.text()
        );
        let by_phone = staff
            .get("/console/respondents?flow=tracer-smk&q=0857-3338-4457")
            .await;
        assert!(
            by_phone.text().contains(&link),
            "not found by phone: {}",
            by_phone.text()
        );
        let page = staff.get(&format!("/console/respondents/{id}")).await;
        assert!(page.text().contains(BAMBANG.name), "the respondent page");
        let shown = staff
            .get(&format!(
                "/console/respondents/{id}/data?reason=Surat+{}",
                BAMBANG.name.replace(' ', "+")
            ))
            .await;
        assert_eq!(shown.status, 200, "{}", shown.text());
        assert!(
            shown.text().contains(BAMBANG.name) && shown.text().contains(BAMBANG.nisn),
            "the data shown: {}",
            shown.text()
        );
        let export = staff
            .post(
                &format!("/console/respondents/{id}/export"),
                &[("reason", "Permintaan lewat surel")],
            )
            .await;
        assert_eq!(export.status, 200, "{}", export.text());
        assert!(
            export.text().contains(BAMBANG.name),
            "the export holds the data"
        );
        let csv = staff
            .get("/console/exports/download?flow=tracer-smk&kind=answers-csv")
            .await;
        assert_eq!(csv.status, 200, "{}", csv.text());
        assert!(csv.text().contains(BAMBANG.nisn), "{}", csv.text());
    };
    let result = futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(steps)).await;
    let status = stop(child);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
    assert!(status.success(), "{status:?}\n{}", log_text());
    if json {
        assert!(
            log_text().lines().any(|l| l.starts_with('{')),
            "no JSON line:\n{}",
            log_text()
        );
    }
    assert_clean(
        "jejak run (web chat, console, webhook)",
        &log_text(),
        &needles,
        true,
    );

    // 4. The staff command line, each command a process of its own.
    for args in [
        &["respondent", "show", BAMBANG.nisn, "--reason", "surat 12"][..],
        &["respondent", "export", BAMBANG.nisn, "--reason", "surat 12"],
        &["respondent", "delete", BAMBANG.nisn, "--reason", "surat 13"],
        &["purge", "--dry-run"],
        &["purge", "--reason", "retensi"],
    ] {
        let (out, err) = jejak_cli(dir.path(), &db.url, args);
        if args[1] == "show" {
            assert!(
                out.contains(BAMBANG.name),
                "show shows the data: {out}\n{err}"
            );
        }
        assert_clean(&format!("jejak {}", args.join(" ")), &err, &needles, true);
    }
}

/// The scan itself: a name in any case, and a phone written 0…, 62…, +62 with spaces,
/// dashes or dots, are all caught; ids and counts are not.
#[test]
fn the_scan_catches_every_form() {
    let needles = needles(&["tok3n_ABC".to_string()]);
    let phones = vec![subscriber_digits(BAMBANG.phone)];
    for line in [
        "DEBUG sent to name=\"bambang pamungkasjaya\"",
        "WARN from 085733384457",
        "WARN from=6285733384457",
        "INFO to +62 857-3338-4457",
        "INFO to 857.3338.4457",
        "DEBUG start token=tok3n_ABC",
        "DEBUG text=\"Toko Bunga Melati Jaya\"",
    ] {
        assert!(!offending(line, &needles, &phones).is_empty(), "{line}");
    }
    let clean = "DEBUG respondent=12 channel=whatsapp update=8573 kind=text";
    assert!(offending(clean, &needles, &phones).is_empty());
}
