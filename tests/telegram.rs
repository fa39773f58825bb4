//! The Telegram channel end to end: the real teloxide client against a fake Bot API server
//! (real HTTP on 127.0.0.1), the real store on SQLite and PostgreSQL.

#[path = "support/fake_bot_api.rs"]
mod fake_bot_api;
#[path = "support/test_db.rs"]
#[macro_use]
mod test_db;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use fake_bot_api::{FakeBotApi, Fault};
use jejak::channel::telegram::outbound::RetryPolicy;
use jejak::channel::telegram::{TelegramBot, TelegramOutbound, UpdateOutcome};
use jejak::channel::{Outbound, OutboundMessage, SendError};
use jejak::conversation::Conversations;
use jejak::engine::{Input, Prompt, Reply, ReplyOption};
use jejak::flow::transcript::Transcript;
use jejak::i18n::Catalog;
use jejak::model::{Lang, RespondentFields};
use jejak::server::HttpServer;
use jejak::store::{NewRespondent, RespondentId, Store};
use serde_json::Value;
use teloxide::Bot;
use test_db::Db;

const TOKEN: &str = "123456789:AAH-test_token_SECRET";
const WAIT: Duration = Duration::from_secs(20);

/// An update as teloxide reads it off the wire.
fn upd(v: Value) -> Result<teloxide::types::Update, serde_json::Error> {
    serde_json::from_str(&v.to_string())
}

fn flow() -> Arc<jejak::flow::Flow> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/flows/tracer-smk.yaml");
    Arc::new(jejak::flow::load(std::path::Path::new(path)).expect("SMK flow loads"))
}

fn conversations(store: &Store) -> Conversations {
    Conversations {
        store: store.clone(),
        flow: flow(),
        catalog: Arc::new(Catalog::embedded().expect("catalog")),
    }
}

fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        attempts: 4,
        base: Duration::from_millis(20),
        max: Duration::from_secs(1),
    }
}

fn bot_for(api: &FakeBotApi, conv: Conversations, open: Option<bool>) -> Arc<TelegramBot> {
    let bot = Bot::new(TOKEN).set_api_url(api.url());
    Arc::new(
        TelegramBot::new(bot, conv, open)
            .with_retry(quick_retry())
            .with_poll_timeout(1),
    )
}

async fn roster_respondent(store: &Store, name: &str) -> (RespondentId, String) {
    let new = NewRespondent {
        fields: RespondentFields {
            name: Some(name.into()),
            external_id: Some(format!("nisn-{name}")),
            school: Some("SMKN 5 Banjarmasin".into()),
            programme: Some("Akuntansi dan Keuangan Lembaga".into()),
            cohort: Some("2024".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let id = store
        .respondents()
        .upsert_respondent(&new, Utc::now())
        .await
        .expect("upsert");
    let r = store
        .respondents()
        .respondent(id)
        .await
        .expect("load")
        .expect("exists");
    (id, r.token)
}

fn transcript(name: &str) -> Transcript {
    let path = format!(
        "{}/flows/tests/tracer-smk/{name}.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let src = std::fs::read_to_string(&path).expect("transcript");
    serde_saphyr::from_str(&src).expect("transcript parses")
}

/// The update a respondent would produce for a transcript input: a button press when the
/// bot's last message has a matching button (the label itself, the n-th option for a
/// number, Ya/Tidak for yes/no words), else typed text.
fn input_update(api: &FakeBotApi, chat: i64, say: &str) -> (Value, bool) {
    if let Some(last) = api.sent_to(chat).last()
        && !last.buttons().is_empty()
    {
        let buttons = last.buttons();
        let s = say.trim().to_lowercase();
        let pick = buttons
            .iter()
            .position(|(l, _)| l.trim() == say.trim())
            .or_else(|| {
                s.parse::<usize>()
                    .ok()
                    .filter(|n| *n >= 1 && *n <= buttons.len())
                    .map(|n| n - 1)
            })
            .or_else(|| match s.as_str() {
                "ya" | "iya" | "yes" => buttons.iter().position(|(l, _)| l == "Ya"),
                "tidak" | "gak" | "no" => buttons.iter().position(|(l, _)| l == "Tidak"),
                _ => None,
            });
        if let Some(i) = pick {
            return (
                api.callback_update(chat, last.message_id, &buttons[i].1),
                true,
            );
        }
    }
    (api.text_update(chat, say, Some("id")), false)
}

/// The answers of a respondent's session as (code, iteration, value) triples.
async fn answers_of(store: &Store, id: RespondentId) -> Vec<(String, u32, String)> {
    let s = store
        .sessions()
        .latest_session(id, "tracer-smk")
        .await
        .expect("session query")
        .expect("a session");
    let mut v: Vec<_> = store
        .sessions()
        .current_answers(s.id)
        .await
        .expect("answers")
        .into_iter()
        .map(|a| (a.key.code, a.key.iteration, format!("{:?}", a.value)))
        .collect();
    v.sort();
    v
}

/// The same transcript typed through the conversation service directly: the reference.
async fn typed_reference(conv: &Conversations, t: &Transcript) -> Vec<(String, u32, String)> {
    let (id, _) = roster_respondent(&conv.store, "Rujukan").await;
    for step in &t.steps {
        conv.handle(id, &Input::Text(step.say.clone()), None, Utc::now())
            .await
            .expect("step");
    }
    answers_of(&conv.store, id).await
}

enum Mode {
    Polling,
    Webhook,
}

/// Runs a transcript through Telegram; returns how many steps were button presses.
async fn run_transcript(
    api: &FakeBotApi,
    chat: i64,
    token: &str,
    t: &Transcript,
    mode: &Mode,
) -> usize {
    let mut pressed = 0;
    for (i, step) in t.steps.iter().enumerate() {
        let before = api.send_count(chat);
        let (update, is_press) = if i == 0 {
            (
                api.text_update(chat, &format!("/start {token}"), Some("id")),
                false,
            )
        } else {
            input_update(api, chat, &step.say)
        };
        pressed += usize::from(is_press);
        match mode {
            Mode::Polling => {
                api.queue(update);
                assert!(
                    api.wait_until(WAIT, || api.pending_updates() == 0
                        && api.send_count(chat) > before)
                        .await,
                    "no reply to step {i} ({:?})",
                    step.say
                );
            }
            Mode::Webhook => {
                assert_eq!(api.deliver(&update).await, 200, "step {i}");
            }
        }
        let replies: String = api.sent_to(chat)[before as usize..]
            .iter()
            .map(|m| {
                let labels: Vec<String> = m.buttons().into_iter().map(|b| b.0).collect();
                format!("{}\n{}", m.text, labels.join("\n"))
            })
            .collect::<Vec<_>>()
            .join("\n");
        for e in &step.expect {
            let e = jejak::channel::telegram::render::escape_html(e);
            assert!(
                replies.to_lowercase().contains(&e.to_lowercase()),
                "step {i} ({:?}): expected {e:?} in {replies}",
                step.say
            );
        }
    }
    pressed
}

/// A webhook server for `bot` on a free port; returns its URL and the shutdown sender.
async fn serve_webhook(
    bot: Arc<TelegramBot>,
    secret: &str,
) -> (String, tokio::sync::watch::Sender<bool>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, mut rx) = tokio::sync::watch::channel(false);
    let server = HttpServer::new().merge(
        "telegram",
        bot.clone()
            .webhook_router("/telegram/webhook", secret.to_string()),
    );
    tokio::spawn(async move {
        let _ = server
            .serve(listener, async move {
                let _ = rx.wait_for(|v| *v).await;
            })
            .await;
    });
    (format!("http://{addr}/telegram/webhook"), tx)
}

async fn polling_completes_the_smk_flow_with_buttons_and_typing(db: &Db) {
    let api = FakeBotApi::start(TOKEN).await;
    let conv = conversations(&db.store);
    let t = transcript("bekerja-lengkap");
    let reference = typed_reference(&conv, &t).await;
    let bot = bot_for(&api, conv, None);
    bot.set_commands().await.expect("setMyCommands");
    let (stop, rx) = tokio::sync::watch::channel(false);
    let poller = tokio::spawn(bot.clone().run_polling(rx));

    let (id, token) = roster_respondent(&db.store, "Siti Rahmawati").await;
    let chat = 5001;
    let pressed = run_transcript(&api, chat, &token, &t, &Mode::Polling).await;
    assert!(pressed >= 10, "only {pressed} steps were button presses");
    assert_eq!(answers_of(&db.store, id).await, reference);
    let s = db
        .store
        .sessions()
        .latest_session(id, "tracer-smk")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.status, jejak::model::SessionStatus::Completed);

    // Everything was HTML, answered keyboards were edited away, every press answered.
    let sent = api.sent_to(chat);
    assert!(sent.iter().all(|m| m.parse_mode.as_deref() == Some("HTML")));
    assert!(sent.iter().all(|m| m.text.chars().count() <= 4096));
    assert_eq!(api.calls("answerCallbackQuery").len(), pressed);
    assert!(api.calls("editMessageReplyMarkup").len() >= pressed);
    assert!(
        sent.iter().all(|m| m.reply_markup.is_none()),
        "a keyboard was left behind"
    );
    // Commands in Indonesian (default) and English.
    let cmds = api.calls("setMyCommands");
    assert_eq!(cmds.len(), 2);
    assert!(cmds[0].params.get("language_code").is_none());
    assert!(
        cmds[0].params["commands"]
            .to_string()
            .contains("\"bahasa\"")
    );
    assert_eq!(cmds[1].params["language_code"], "en");
    assert!(
        cmds[1].params["commands"]
            .to_string()
            .contains("\"language\"")
    );
    // The data rights are in the menu too (UU No. 27/2022).
    for (i, names) in [["datasaya", "ubah", "hapus"], ["mydata", "edit", "delete"]]
        .iter()
        .enumerate()
    {
        let listed = cmds[i].params["commands"].to_string();
        for name in names {
            assert!(
                listed.contains(&format!("\"{name}\"")),
                "{name} in {listed}"
            );
        }
    }
    assert_eq!(api.calls("deleteWebhook").len(), 1);

    stop.send(true).expect("stop");
    tokio::time::timeout(WAIT, poller)
        .await
        .expect("poller stops")
        .expect("no panic");
}

async fn webhook_completes_the_smk_flow_and_checks_the_secret(db: &Db) {
    let api = FakeBotApi::start(TOKEN).await;
    let conv = conversations(&db.store);
    let t = transcript("bekerja-lengkap");
    let reference = typed_reference(&conv, &t).await;
    let bot = bot_for(&api, conv, None);
    let secret = "s3cret_Webhook-token";
    let (url, stop) = serve_webhook(bot.clone(), secret).await;
    bot.set_webhook(url.parse().unwrap(), secret)
        .await
        .expect("setWebhook");
    assert_eq!(api.webhook(), Some((url.clone(), Some(secret.to_string()))));

    let (id, token) = roster_respondent(&db.store, "Siti Rahmawati").await;
    let chat = 6001;
    // Wrong or missing secret: 401 and no effect.
    let start = api.text_update(chat, &format!("/start {token}"), Some("id"));
    assert_eq!(api.post_webhook(&url, Some("wrong"), &start).await, 401);
    assert_eq!(api.post_webhook(&url, None, &start).await, 401);
    assert_eq!(api.send_count(chat), 0);
    assert_eq!(
        db.store
            .respondents()
            .respondent_by_channel("telegram", "6001")
            .await
            .unwrap(),
        None
    );

    let pressed = run_transcript(&api, chat, &token, &t, &Mode::Webhook).await;
    assert!(pressed >= 10, "only {pressed} presses");
    assert_eq!(answers_of(&db.store, id).await, reference);
    // Answered keyboards went away through the webhook's answers (Telegram makes that call
    // itself), not through requests of the bot.
    assert!(
        api.sent_to(chat).iter().all(|m| m.reply_markup.is_none()),
        "a keyboard was left behind"
    );
    assert!(api.calls("editMessageReplyMarkup").len() >= pressed);
    stop.send(true).ok();
}

async fn redelivered_update_changes_nothing_and_sends_nothing(db: &Db) {
    let api = FakeBotApi::start(TOKEN).await;
    let bot = bot_for(&api, conversations(&db.store), None);
    let (id, token) = roster_respondent(&db.store, "Ani").await;
    let chat = 7001;
    let start = api.text_update(chat, &format!("/start {token}"), Some("id"));
    let u = upd(start.clone()).unwrap();
    assert_eq!(bot.handle_update(&u).await.unwrap(), UpdateOutcome::Handled);
    let consent = api.press_update(chat, "Ya");
    let c = upd(consent).unwrap();
    assert_eq!(bot.handle_update(&c).await.unwrap(), UpdateOutcome::Handled);
    let sent = api.send_count(chat);
    let session = db
        .store
        .sessions()
        .latest_session(id, "tracer-smk")
        .await
        .unwrap()
        .unwrap();
    // Telegram delivers both again (the webhook answer was lost, say).
    assert_eq!(
        bot.handle_update(&u).await.unwrap(),
        UpdateOutcome::Duplicate
    );
    assert_eq!(
        bot.handle_update(&c).await.unwrap(),
        UpdateOutcome::Duplicate
    );
    assert_eq!(api.send_count(chat), sent);
    let after = db
        .store
        .sessions()
        .latest_session(id, "tracer-smk")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.revision, session.revision);
}

async fn stale_button_is_refused(db: &Db) {
    let api = FakeBotApi::start(TOKEN).await;
    let bot = bot_for(&api, conversations(&db.store), None);
    let (id, token) = roster_respondent(&db.store, "Dewi").await;
    let chat = 8001;
    let handle = |v: Value| {
        let bot = bot.clone();
        async move {
            let u = upd(v).unwrap();
            bot.handle_update(&u).await.unwrap()
        }
    };
    handle(api.text_update(chat, &format!("/start {token}"), None)).await;
    handle(api.press_update(chat, "Ya")).await; // consent
    // The first question (main activity) has buttons; keep one of them, answer by typing.
    let (old_msg, old_data) = api
        .find_button(chat, "Wirausaha")
        .expect("activity buttons");
    handle(api.text_update(chat, "1", None)).await;
    let answers = answers_of(&db.store, id).await;
    let before = api.send_count(chat);
    // Pressing the old button now (its keyboard was removed, but clients can lag).
    handle(api.callback_update(chat, old_msg, &old_data)).await;
    assert_eq!(
        answers_of(&db.store, id).await,
        answers,
        "a stale press changed answers"
    );
    let said: Vec<String> = api.sent_to(chat)[before as usize..]
        .iter()
        .map(|m| m.text.clone())
        .collect();
    let stale = Catalog::embedded()
        .unwrap()
        .t(Lang::Id, jejak::i18n::Msg::StaleButton);
    assert!(
        said.iter()
            .any(|t| t.contains(&jejak::channel::telegram::render::escape_html(&stale))),
        "{said:?}"
    );
    // Data this bot never made is answered as stale too, with no step.
    handle(api.callback_update(chat, old_msg, "garbage-data")).await;
    assert_eq!(answers_of(&db.store, id).await, answers);
}

async fn rate_limit_waits_retry_after_then_sends(db: &Db) {
    let api = FakeBotApi::start(TOKEN).await;
    let bot = bot_for(&api, conversations(&db.store), None);
    let (_, token) = roster_respondent(&db.store, "Eko").await;
    let chat = 9001;
    api.inject("sendMessage", Fault::RetryAfter(1), 1);
    let u = upd(api.text_update(chat, &format!("/start {token}"), None)).unwrap();
    let t0 = std::time::Instant::now();
    assert_eq!(bot.handle_update(&u).await.unwrap(), UpdateOutcome::Handled);
    assert!(
        t0.elapsed() >= Duration::from_millis(950),
        "did not wait retry_after"
    );
    let calls = api.calls("sendMessage");
    assert_eq!(calls[0].status, 429);
    assert!(calls[1..].iter().all(|c| c.status == 200));
    assert!(api.send_count(chat) >= 1);
    assert!(
        api.sent_to(chat)[0]
            .text
            .contains("Pelindungan Data Pribadi")
    );
}

async fn blocked_user_is_marked_unreachable(db: &Db) {
    let api = FakeBotApi::start(TOKEN).await;
    let bot = bot_for(&api, conversations(&db.store), None);
    let (id, token) = roster_respondent(&db.store, "Fajar").await;
    let chat = 9101;
    api.block(chat);
    let u = upd(api.text_update(chat, &format!("/start {token}"), None)).unwrap();
    assert_eq!(bot.handle_update(&u).await.unwrap(), UpdateOutcome::Handled);
    assert!(
        db.store
            .respondents()
            .respondent(id)
            .await
            .unwrap()
            .unwrap()
            .unreachable
    );
    // One attempt, no retries of a 403, nothing more sent.
    assert_eq!(api.calls("sendMessage").len(), 1);
    assert_eq!(api.send_count(chat), 0);
}

async fn token_of_another_chat_is_refused_and_open_mode_can_be_off(db: &Db) {
    let api = FakeBotApi::start(TOKEN).await;
    let bot = bot_for(&api, conversations(&db.store), Some(false));
    let (id, token) = roster_respondent(&db.store, "Gita").await;
    let handle = |v: Value| {
        let bot = bot.clone();
        async move {
            let u = upd(v).unwrap();
            bot.handle_update(&u).await.unwrap()
        }
    };
    handle(api.text_update(100, &format!("/start {token}"), Some("en"))).await;
    assert_eq!(
        db.store
            .respondents()
            .respondent_by_channel("telegram", "100")
            .await
            .unwrap(),
        Some(id)
    );
    // First contact in English sets the language of a respondent without one.
    assert_eq!(
        db.store
            .respondents()
            .respondent(id)
            .await
            .unwrap()
            .unwrap()
            .language,
        Some(Lang::En)
    );
    assert_eq!(
        handle(api.text_update(200, &format!("/start {token}"), None)).await,
        UpdateOutcome::Ignored
    );
    assert_eq!(
        db.store
            .respondents()
            .respondent_by_channel("telegram", "200")
            .await
            .unwrap(),
        None
    );
    assert!(
        api.sent_to(200)[0].text.contains("sudah dipakai"),
        "{:?}",
        api.sent_to(200)
    );
    // Open mode off: a plain /start from an unknown chat is asked for the personal link.
    handle(api.text_update(300, "/start", None)).await;
    assert_eq!(
        db.store
            .respondents()
            .respondent_by_channel("telegram", "300")
            .await
            .unwrap(),
        None
    );
    assert!(api.sent_to(300)[0].text.contains("tautan pribadi"));
    // An unknown token is refused.
    handle(api.text_update(400, "/start nosuchtoken", None)).await;
    assert!(api.sent_to(400)[0].text.contains("tidak dikenal"));
}

async fn open_mode_starts_an_anonymous_respondent(db: &Db) {
    let api = FakeBotApi::start(TOKEN).await;
    let bot = bot_for(&api, conversations(&db.store), Some(true));
    let u = upd(api.text_update(500, "/start", Some("en"))).unwrap();
    assert_eq!(bot.handle_update(&u).await.unwrap(), UpdateOutcome::Handled);
    let id = db
        .store
        .respondents()
        .respondent_by_channel("telegram", "500")
        .await
        .unwrap()
        .expect("bound");
    assert_eq!(
        db.store
            .respondents()
            .respondent(id)
            .await
            .unwrap()
            .unwrap()
            .language,
        Some(Lang::En)
    );
    assert!(
        api.sent_to(500)[0]
            .text
            .contains("Personal Data Protection")
            || api.send_count(500) > 0
    );
}

/// An open link with the identity check: the chat is asked for NISN/NIM and birth date,
/// a wrong claim costs an attempt, the right one binds the chat to that roster respondent
/// and starts the survey; after the allowed failures another chat is locked out.
async fn open_mode_with_identity_check_binds_the_roster_respondent(db: &Db) {
    let api = FakeBotApi::start(TOKEN).await;
    let new = NewRespondent {
        fields: RespondentFields {
            name: Some("Siti Aminah".into()),
            external_id: Some("0012345678".into()),
            ..Default::default()
        },
        birth_date: chrono::NaiveDate::from_ymd_opt(2005, 8, 17),
        ..Default::default()
    };
    let id = db
        .store
        .respondents()
        .upsert_respondent(&new, Utc::now())
        .await
        .unwrap();
    let policy = jejak::roster::identity::Policy {
        max_attempts: 2,
        ..Default::default()
    };
    let bot = Arc::new(
        TelegramBot::new(
            Bot::new(TOKEN).set_api_url(api.url()),
            conversations(&db.store),
            Some(true),
        )
        .with_retry(quick_retry())
        .with_identity_check(policy),
    );
    let last = |chat: i64| {
        api.sent_to(chat)
            .last()
            .map(|m| m.text.clone())
            .unwrap_or_default()
    };
    // A plain /start is asked to identify itself; nobody is created or bound.
    let u = upd(api.text_update(700, "/start", None)).unwrap();
    bot.handle_update(&u).await.unwrap();
    assert!(last(700).contains("NISN/NIM"), "{}", last(700));
    assert_eq!(
        db.store
            .respondents()
            .respondent_by_channel("telegram", "700")
            .await
            .unwrap(),
        None
    );
    // A wrong birth date costs an attempt and says how many are left.
    let u = upd(api.text_update(700, "0012345678 18-08-2005", None)).unwrap();
    bot.handle_update(&u).await.unwrap();
    assert!(last(700).contains("Sisa percobaan: 1"), "{}", last(700));
    // Telegram serving the same update again (unconfirmed offset) costs no second attempt.
    bot.handle_update(&u).await.unwrap();
    assert_eq!(
        db.store
            .roster()
            .identity_attempts("telegram", "700")
            .await
            .unwrap()
            .map(|a| a.failures),
        Some(1)
    );
    // The right claim binds the chat to the roster respondent and starts the survey.
    let before = api.send_count(700);
    let u = upd(api.text_update(700, "0012345678 17 Agustus 2005", None)).unwrap();
    assert_eq!(bot.handle_update(&u).await.unwrap(), UpdateOutcome::Handled);
    assert_eq!(
        db.store
            .respondents()
            .respondent_by_channel("telegram", "700")
            .await
            .unwrap(),
        Some(id)
    );
    let sent = api.sent_to(700);
    assert!(
        sent[before as usize].text.contains("Siti Aminah"),
        "{:?}",
        sent[before as usize].text
    );
    assert!(
        sent.len() > before as usize + 1,
        "the survey starts after the greeting"
    );
    let session = db
        .store
        .sessions()
        .latest_session(id, "tracer-smk")
        .await
        .unwrap();
    assert!(
        session.is_some(),
        "a session was opened for the roster respondent"
    );
    // Another chat guessing: two failures lock it out, and then even the right answer
    // is not checked.
    for _ in 0..2 {
        let u = upd(api.text_update(701, "9999999999 01-01-2000", None)).unwrap();
        bot.handle_update(&u).await.unwrap();
    }
    assert!(last(701).contains("menit"), "{}", last(701));
    let u = upd(api.text_update(701, "0012345678 17-08-2005", None)).unwrap();
    bot.handle_update(&u).await.unwrap();
    assert!(last(701).contains("menit"), "{}", last(701));
    assert_eq!(
        db.store
            .respondents()
            .respondent_by_channel("telegram", "701")
            .await
            .unwrap(),
        None
    );
}

async fn multiple_choice_toggles_then_done(db: &Db) {
    let api = FakeBotApi::start(TOKEN).await;
    let conv = conversations(&db.store);
    let flow = conv.flow.clone();
    let bot = bot_for(&api, conv.clone(), None);
    // Find the multiple-choice question and the transcript that reaches it; simpler: render
    // its prompt directly through the outbound path and drive toggles on it.
    let q = flow
        .items
        .iter()
        .find(|q| matches!(q.kind, jejak::flow::Kind::Multi { .. }))
        .expect("the SMK flow has a multiple-choice question");
    let options = q.kind.options();
    let prompt = Prompt {
        id: q.code.clone(),
        options: options
            .iter()
            .map(|o| ReplyOption {
                value: o.code.clone(),
                label: flow.texts.format(Lang::Id, &o.label, None),
            })
            .collect(),
        multi: true,
        numbered: true,
    };
    let out = TelegramOutbound::new(
        Bot::new(TOKEN).set_api_url(api.url()),
        &flow,
        conv.catalog.clone(),
        Lang::Id,
    );
    let chat = 9201;
    let msg = OutboundMessage {
        replies: vec![Reply {
            text: "Pilih".into(),
            prompt: Some(prompt),
        }],
        template: None,
    };
    out.send(&chat.to_string(), &msg).await.expect("sent");
    let (_, token) = roster_respondent(&db.store, "Hana").await;
    let _ = token;
    let first = flow.texts.format(Lang::Id, &options[0].label, None);
    let second = flow.texts.format(Lang::Id, &options[1].label, None);
    for label in [&first, &second, &first] {
        let u: teloxide::types::Update = upd(api.press_update(chat, label)).unwrap();
        bot.handle_update(&u).await.unwrap();
    }
    let kb = api.sent_to(chat)[0].buttons();
    let edits: Vec<(u16, String)> = api
        .calls("editMessageReplyMarkup")
        .iter()
        .map(|c| (c.status, c.params.to_string()))
        .collect();
    assert!(
        !edits.is_empty() && edits.iter().all(|e| e.0 == 200),
        "{edits:?}"
    );
    assert!(
        kb.iter()
            .any(|(l, _)| l.starts_with('✅') && l.contains(&second)),
        "{kb:?}"
    );
    assert!(
        kb.iter()
            .all(|(l, _)| !(l.starts_with('✅') && l.contains(&first))),
        "{kb:?}"
    );
    // Toggles are not steps: nothing stored, no messages.
    assert_eq!(api.send_count(chat), 1);
    assert!(kb.iter().any(|(l, _)| l.contains("Selesai")));
}

fn payload(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/src/channel/telegram/testdata/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("payload")
}

async fn recorded_payloads_are_handled(db: &Db) {
    let api = FakeBotApi::start(TOKEN).await;
    let bot = bot_for(&api, conversations(&db.store), Some(false));
    let (id, token) = roster_respondent(&db.store, "Siti Rahmawati").await;
    let chat = 5_123_456_789_i64;
    let read = |name: &str| -> teloxide::types::Update {
        let text = payload(name).replace("Zk3_q9-LmT2xVb8nRw4yHc", &token);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let start = read("start_with_token");
    assert_eq!(
        bot.handle_update(&start).await.unwrap(),
        UpdateOutcome::Handled
    );
    assert_eq!(
        db.store
            .respondents()
            .respondent_by_channel("telegram", &chat.to_string())
            .await
            .unwrap(),
        Some(id)
    );
    assert!(
        api.sent_to(chat)
            .iter()
            .any(|m| m.text.contains("Siti Rahmawati"))
    );
    let press = read("callback_press");
    assert_eq!(
        bot.handle_update(&press).await.unwrap(),
        UpdateOutcome::Handled
    );
    assert!(
        api.sent_to(chat)
            .last()
            .unwrap()
            .text
            .contains("Pertanyaan 1")
    );
    assert_eq!(api.calls("answerCallbackQuery").len(), 1);
    let n = api.send_count(chat);
    assert_eq!(
        bot.handle_update(&read("photo")).await.unwrap(),
        UpdateOutcome::Ignored
    );
    assert_eq!(
        api.send_count(chat),
        n + 1,
        "a photo gets the text-only hint"
    );
    assert!(
        api.sent_to(chat)
            .last()
            .unwrap()
            .text
            .contains("hanya bisa membaca teks")
    );
    assert_eq!(
        bot.handle_update(&read("group_message")).await.unwrap(),
        UpdateOutcome::Ignored
    );
    assert_eq!(api.send_count(-1001234567890), 0);
    assert_eq!(
        bot.handle_update(&read("edited_message")).await.unwrap(),
        UpdateOutcome::Ignored
    );
    assert_eq!(api.send_count(chat), n + 1);
    assert_eq!(
        bot.handle_update(&read("blocked_by_user")).await.unwrap(),
        UpdateOutcome::Ignored
    );
    assert!(
        db.store
            .respondents()
            .respondent(id)
            .await
            .unwrap()
            .unwrap()
            .unreachable
    );
}

/// A teloxide bot whose HTTP requests give up after `timeout` (Telegram's default is 17 s).
fn bot_with_timeout(api: &FakeBotApi, timeout: Duration) -> Bot {
    let client = teloxide::net::default_reqwest_settings()
        .timeout(timeout)
        .build()
        .expect("HTTP client");
    Bot::with_client(TOKEN, client).set_api_url(api.url())
}

/// A conversation reply whose answer comes after the HTTP timeout (Telegram delivered it,
/// the bot never heard): recorded uncertain and not sent again, by the retry policy or by
/// the sweep; the next parts still go.
async fn reply_answered_after_the_timeout_is_not_sent_again(db: &Db) {
    let api = FakeBotApi::start(TOKEN).await;
    let bot = Arc::new(
        TelegramBot::new(
            bot_with_timeout(&api, Duration::from_millis(400)),
            conversations(&db.store),
            None,
        )
        .with_retry(quick_retry())
        .with_poll_timeout(1),
    );
    let (_, token) = roster_respondent(&db.store, "Gita").await;
    let chat = 9301;
    api.answer_late("sendMessage", Duration::from_millis(1500));
    let u = upd(api.text_update(chat, &format!("/start {token}"), None)).unwrap();
    assert_eq!(bot.handle_update(&u).await.unwrap(), UpdateOutcome::Handled);
    // Past every retry the policy would have made, and a sweep of what is left unsent.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    bot.reply_sender().sweep().await;
    let texts: Vec<String> = api.sent_to(chat).into_iter().map(|m| m.text).collect();
    assert!(texts.len() >= 2, "the later parts went: {texts:?}");
    let mut seen = std::collections::HashSet::new();
    for t in &texts {
        assert!(seen.insert(t), "sent twice: {t:?}\n{texts:?}");
    }
    assert!(
        texts[0].contains("Pelindungan Data Pribadi"),
        "the slow part was delivered once: {texts:?}"
    );
    assert_eq!(
        bot.reply_sender().sweep().await,
        0,
        "nothing left to send again"
    );
}

/// A dispatcher stopped dead (its task dropped, as a kill does) while a reminder waits for
/// its send slot leaves that row pending, not `sending`: only a request that has left can
/// become uncertain.
async fn kill_while_waiting_for_a_slot_leaves_the_row_pending(db: &Db) {
    use jejak::schedule::dispatcher::{DispatchConfig, Dispatcher};
    let api = FakeBotApi::start(TOKEN).await;
    let flow = flow();
    let catalog = Arc::new(Catalog::embedded().unwrap());
    let chats = [9501_i64, 9502, 9503];
    let wave = reminder_wave(db, &flow, &chats, "slot").await;
    let dispatcher = |rate: f64| {
        let out = TelegramOutbound::new(
            Bot::new(TOKEN).set_api_url(api.url()),
            &flow,
            catalog.clone(),
            Lang::Id,
        );
        Arc::new(Dispatcher::new(
            db.store.clone(),
            vec![Arc::new(out)],
            catalog.clone(),
            vec![flow.clone()],
            Arc::new(jejak::schedule::SystemClock),
            DispatchConfig {
                quiet: no_quiet_hours(),
                rates: std::collections::HashMap::from([("telegram".into(), rate)]),
                rate_margin: 1.0,
                ..DispatchConfig::default()
            },
        ))
    };
    // One message every two seconds: the first goes about 1 s after the start (a joining
    // worker waits two beats), the second waits for its slot until about 3 s.
    let d = dispatcher(0.5);
    let run = tokio::spawn(d.run(std::future::pending()));
    assert!(
        api.wait_until(WAIT, || api.send_counts().values().sum::<u64>() == 1)
            .await
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    run.abort();
    let _ = run.await;
    let counts = db.store.waves().outbox_counts(wave).await.expect("counts");
    assert_eq!(counts.get("sending"), None, "{counts:?}");
    assert_eq!(counts.get("sent").copied(), Some(1), "{counts:?}");
    assert_eq!(counts.get("pending").copied(), Some(2), "{counts:?}");
    // (Freed once the dead worker's heartbeat is old, they go out later:
    // tests/waves_kill.rs.)
    assert_eq!(api.send_counts().values().sum::<u64>(), 1);
}

fn no_quiet_hours() -> jejak::schedule::quiet::QuietHours {
    jejak::schedule::quiet::QuietHours::new(Some("00:00"), Some("00:00"), &[])
        .expect("no quiet hours")
}

/// A wave due now to roster respondents bound to `chats` on Telegram.
async fn reminder_wave(
    db: &Db,
    flow: &jejak::flow::Flow,
    chats: &[i64],
    name: &str,
) -> jejak::store::WaveId {
    use jejak::schedule::eligibility::{Segment, StatusFilter};
    let now = Utc::now();
    for chat in chats {
        let (id, _) = roster_respondent(&db.store, &format!("{name}{chat}")).await;
        db.store
            .respondents()
            .bind_channel(id, "telegram", &chat.to_string(), now)
            .await
            .expect("bind");
        // A wave reaches only respondents with a session of its flow.
        test_db::enrol(&db.store, id, &flow.id).await;
    }
    db.store
        .waves()
        .create_wave(
            &jejak::store::NewWave {
                flow_id: flow.id.clone(),
                name: name.into(),
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
            },
            now,
        )
        .await
        .expect("wave")
}

/// A reminder whose answer comes after the HTTP timeout: recorded `uncertain` (not
/// retried 2 s later as a temporary failure), the others sent.
async fn reminder_answered_after_the_timeout_is_uncertain(db: &Db) {
    use jejak::schedule::dispatcher::{DispatchConfig, Dispatcher};
    let api = FakeBotApi::start(TOKEN).await;
    let flow = flow();
    let catalog = Arc::new(Catalog::embedded().unwrap());
    let chats = [9401_i64, 9402, 9403];
    let wave = reminder_wave(db, &flow, &chats, "timeout").await;
    let out = TelegramOutbound::new(
        bot_with_timeout(&api, Duration::from_millis(400)),
        &flow,
        catalog.clone(),
        Lang::Id,
    );
    let cfg = DispatchConfig {
        quiet: no_quiet_hours(),
        ..DispatchConfig::default()
    };
    let d = Arc::new(Dispatcher::new(
        db.store.clone(),
        vec![Arc::new(out)],
        catalog,
        vec![flow],
        Arc::new(jejak::schedule::SystemClock),
        cfg,
    ));
    api.answer_late("sendMessage", Duration::from_millis(1500));
    let first = d.run_once().await.expect("first round");
    assert_eq!((first.sent, first.uncertain), (2, 1), "{first:?}");
    // Past the 2 s a temporary failure waits before its next attempt.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let second = d.run_once().await.expect("second round");
    assert_eq!(second.claimed, 0, "{second:?}");
    let total: u64 = chats.iter().map(|c| api.send_count(*c)).sum();
    assert_eq!(total, 3, "each reminder reached Telegram once");
    assert!(chats.iter().all(|c| api.send_count(*c) == 1));
    let counts = db.store.waves().outbox_counts(wave).await.expect("counts");
    assert_eq!(counts.get("uncertain").copied(), Some(1), "{counts:?}");
    assert_eq!(counts.get("sent").copied(), Some(2), "{counts:?}");
}

both_backends!(
    polling_completes_the_smk_flow_with_buttons_and_typing,
    webhook_completes_the_smk_flow_and_checks_the_secret,
    redelivered_update_changes_nothing_and_sends_nothing,
    stale_button_is_refused,
    rate_limit_waits_retry_after_then_sends,
    blocked_user_is_marked_unreachable,
    token_of_another_chat_is_refused_and_open_mode_can_be_off,
    open_mode_starts_an_anonymous_respondent,
    open_mode_with_identity_check_binds_the_roster_respondent,
    multiple_choice_toggles_then_done,
    recorded_payloads_are_handled,
    rights_in_chat_see_change_delete,
    the_same_update_in_two_processes_is_handled_once,
    reply_answered_after_the_timeout_is_not_sent_again,
    reminder_answered_after_the_timeout_is_uncertain,
    kill_while_waiting_for_a_slot_leaves_the_row_pending,
    hashed_button_of_an_older_version_is_read_against_it,
    lookup_matches_are_buttons_and_a_press_answers,
);

/// The rights of UU No. 27/2022 on Telegram: `/datasaya`, `/ubah`, `/hapus` (the engine's
/// commands through the shared receiver); after `/hapus` the chat is unbound, the link dead.
async fn rights_in_chat_see_change_delete(db: &Db) {
    let api = FakeBotApi::start(TOKEN).await;
    let bot = bot_for(&api, conversations(&db.store), None);
    let (id, token) = roster_respondent(&db.store, "Rina").await;
    let chat = 9101;
    let handle = |v: Value| {
        let bot = bot.clone();
        async move {
            let u = upd(v).unwrap();
            bot.handle_update(&u).await.unwrap()
        }
    };
    let since = |n: usize| -> String {
        api.sent_to(chat)[n..]
            .iter()
            .map(|m| m.text.clone())
            .collect::<Vec<_>>()
            .join("\n")
    };
    handle(api.text_update(chat, &format!("/start {token}"), Some("id"))).await;
    handle(api.press_update(chat, "Ya")).await; // consent
    handle(api.text_update(chat, "1", None)).await; // working
    let first = answers_of(&db.store, id).await;
    assert_eq!(first.len(), 1, "{first:?}");

    let n = api.sent_to(chat).len();
    handle(api.text_update(chat, "/datasaya", None)).await;
    let said = since(n);
    assert!(said.contains("Data Anda yang tersimpan"), "{said}");
    assert!(said.contains("Nama: Rina"), "{said}");
    assert!(said.contains("nisn-Rina"), "{said}");

    // /ubah lists the answers as buttons; the first one is asked again and answered.
    let n = api.sent_to(chat).len();
    handle(api.text_update(chat, "/edit", None)).await;
    assert!(since(n).contains("Which answer") || since(n).contains("Jawaban mana"));
    let last = api.sent_to(chat).last().cloned().expect("the list");
    let (_, data) = last.buttons().first().cloned().expect("an answer button");
    handle(api.callback_update(chat, last.message_id, &data)).await;
    let n = api.sent_to(chat).len();
    handle(api.text_update(chat, "Belum bekerja", None)).await;
    assert!(
        since(n).contains("Jawaban Anda sudah diubah."),
        "{}",
        since(n)
    );
    let changed = answers_of(&db.store, id).await;
    assert_ne!(changed, first);

    // /hapus, confirmed by the button.
    handle(api.text_update(chat, "/hapus", None)).await;
    let n = api.sent_to(chat).len();
    handle(api.press_update(chat, "Ya")).await;
    assert!(since(n).contains("sudah dihapus"), "{}", since(n));
    assert_eq!(answers_of(&db.store, id).await, Vec::new());
    assert_eq!(
        db.store
            .respondents()
            .respondent_by_channel("telegram", &chat.to_string())
            .await
            .unwrap(),
        None
    );
    let r = db
        .store
        .respondents()
        .respondent(id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.fields.name, None);
    // The old link no longer finds anyone, and the chat is a stranger's now.
    let n = api.sent_to(chat).len();
    handle(api.text_update(chat, &format!("/start {token}"), None)).await;
    let bad = Catalog::embedded()
        .unwrap()
        .t(Lang::Id, jejak::i18n::Msg::TgBadToken);
    assert!(since(n).contains(&bad), "{}", since(n));
}

/// The outbound channel: rendering as the live bot does, message ids back, each Bot API
/// failure mapped, the token in no error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbound_sends_and_maps_failures() {
    let api = FakeBotApi::start(TOKEN).await;
    let flow = flow();
    let catalog = Arc::new(Catalog::embedded().unwrap());
    let out = TelegramOutbound::new(
        Bot::new(TOKEN).set_api_url(api.url()),
        &flow,
        catalog.clone(),
        Lang::Id,
    );
    assert_eq!(out.channel(), "telegram");
    let msg = OutboundMessage {
        replies: vec![
            Reply::say("Pengingat untuk <Siti> & teman"),
            Reply {
                text: "Apakah Anda bekerja?".into(),
                prompt: Some(Prompt {
                    id: "f5".into(),
                    options: vec![
                        ReplyOption {
                            value: "yes".into(),
                            label: "Ya".into(),
                        },
                        ReplyOption {
                            value: "no".into(),
                            label: "Tidak".into(),
                        },
                    ],
                    multi: false,
                    numbered: false,
                }),
            },
        ],
        template: None,
    };
    let ids = out.send("42", &msg).await.expect("sent");
    assert_eq!(ids, vec!["1".to_string(), "2".to_string()]);
    let sent = api.sent_to(42);
    assert_eq!(sent[0].text, "Pengingat untuk &lt;Siti&gt; &amp; teman");
    assert_eq!(
        sent[1].buttons(),
        vec![
            ("Ya".into(), "cf5|yes".into()),
            ("Tidak".into(), "cf5|no".into())
        ]
    );

    api.inject("sendMessage", Fault::RetryAfter(7), 1);
    assert_eq!(
        out.send("42", &msg).await,
        Err(SendError::RetryAfter(Duration::from_secs(7)))
    );
    api.block(43);
    assert!(matches!(
        out.send("43", &msg).await,
        Err(SendError::Unreachable(_))
    ));
    api.deactivate(44);
    assert!(matches!(
        out.send("44", &msg).await,
        Err(SendError::Unreachable(_))
    ));
    api.inject("sendMessage", Fault::BadRequest, 1);
    assert!(matches!(
        out.send("42", &msg).await,
        Err(SendError::Rejected(_))
    ));
    assert!(matches!(
        out.send("not-a-chat", &msg).await,
        Err(SendError::Rejected(_))
    ));
    api.inject("sendMessage", Fault::Server(502), 1);
    let e = out.send("42", &msg).await.unwrap_err();
    assert!(matches!(e, SendError::Transient(_)), "{e:?}");

    // A network failure: the client's error names the URL, which holds the token.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url: reqwest::Url = format!("http://{}/", closed.local_addr().unwrap())
        .parse()
        .unwrap();
    drop(closed);
    let dead = TelegramOutbound::new(Bot::new(TOKEN).set_api_url(url), &flow, catalog, Lang::Id);
    let e = dead.send("42", &msg).await.unwrap_err();
    assert!(matches!(e, SendError::Transient(_)), "{e:?}");
    let text = format!("{e} {e:?}");
    assert!(!text.contains("test_token_SECRET"), "{text}");
    assert!(!format!("{out:?}").contains("SECRET"));
}

/// `jejak run` as a separate process, environment only.
fn jejak_run(data: &std::path::Path, envs: &[(&str, String)]) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_jejak"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("DATABASE_URL")
        .env_remove("TELEGRAM_BOT_TOKEN")
        .env_remove("TELEGRAM_WEBHOOK_URL")
        .env_remove("JEJAK_LISTEN")
        .env("JEJAK_CONFIG", data.join("none.toml"))
        .env("JEJAK_LOG", "debug")
        .arg("--data-dir")
        .arg(data)
        .arg("run")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in envs {
        c.env(k, v);
    }
    c
}

/// With no channel configured `jejak run` keeps running for the staff console: it says
/// which channels are off and what to set, prints the console's address, and serves it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_without_channels_says_which_are_off_and_serves_the_console() {
    use std::io::BufRead as _;
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cmd = jejak_run(dir.path(), &[("JEJAK_LISTEN", format!("127.0.0.1:{port}"))]);
    for k in [
        "WHATSAPP_PHONE_NUMBER_ID",
        "WHATSAPP_ACCESS_TOKEN",
        "WHATSAPP_APP_SECRET",
        "WHATSAPP_VERIFY_TOKEN",
    ] {
        cmd.env_remove(k);
    }
    let mut child = Child(cmd.spawn().expect("jejak run starts"), None);
    // Read stderr on a thread until the console's address is printed.
    let stderr = child.0.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = std::time::Instant::now() + WAIT;
    let mut err = String::new();
    let console_url = loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                err.push_str(&line);
                err.push('\n');
                if let Some(i) = line.find("http://") {
                    break line[i..].trim().to_string();
                }
            }
            Err(_) => panic!("no console address from jejak run:\n{err}"),
        }
    };
    assert!(
        err.contains("Telegram off") && err.contains("TELEGRAM_BOT_TOKEN"),
        "{err}"
    );
    assert!(
        err.contains("WhatsApp off") && err.contains("WHATSAPP_ACCESS_TOKEN"),
        "{err}"
    );
    assert!(
        console_url.starts_with(&format!("http://127.0.0.1:{port}/console")),
        "{console_url}"
    );
    assert!(
        child.0.try_wait().unwrap().is_none(),
        "jejak run exited:\n{err}"
    );
    let res = reqwest::get(format!("http://127.0.0.1:{port}/console/login"))
        .await
        .expect("the console answers");
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.text().await.unwrap().contains("name=\"password\""));
    drop(child);
}

/// Stops a child process on drop, so a failed assertion leaves nothing running; with a
/// thread that has been reading its stderr since the start (see [`Child::drained`]).
struct Child(std::process::Child, Option<std::thread::JoinHandle<String>>);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Child {
    /// `child` with its stderr read on a thread from the start: at `JEJAK_LOG=debug` an
    /// unread pipe fills its buffer (64 KiB) within a second or two and the process then
    /// blocks on its next log line.
    fn drained(mut child: std::process::Child) -> Child {
        let reader = child.stderr.take().map(|mut e| {
            std::thread::spawn(move || {
                use std::io::Read;
                let mut err = String::new();
                let _ = e.read_to_string(&mut err);
                err
            })
        });
        Child(child, reader)
    }

    /// Sends SIGTERM-like termination (kill) and returns stderr.
    fn stop(mut self) -> String {
        let _ = self.0.kill();
        let _ = self.0.wait();
        let mut err = String::new();
        if let Some(r) = self.1.take() {
            err = r.join().unwrap_or_default();
        } else if let Some(mut e) = self.0.stderr.take() {
            use std::io::Read;
            let _ = e.read_to_string(&mut err);
        }
        err
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_polls_and_never_logs_the_token() {
    let api = FakeBotApi::start(TOKEN).await;
    let dir = tempfile::tempdir().unwrap();
    let child = Child::drained(
        jejak_run(
            dir.path(),
            &[
                ("TELEGRAM_BOT_TOKEN", TOKEN.to_string()),
                ("TELEGRAM_API_URL", api.url().to_string()),
                ("TELEGRAM_OPEN_MODE", "true".into()),
            ],
        )
        .spawn()
        .expect("jejak run starts"),
    );
    // A rate limit and a refused message on the way, so errors get logged.
    api.inject("sendMessage", Fault::RetryAfter(1), 1);
    api.push_text(31, "/start", Some("id"));
    assert!(
        api.wait_until(WAIT, || api.find_button(31, "Ya").is_some())
            .await,
        "no consent question from jejak run"
    );
    let before = api.send_count(31);
    api.press(31, "Ya");
    assert!(
        api.wait_for_sends(31, before + 1, WAIT).await,
        "no reply to the consent button"
    );
    assert!(
        api.sent_to(31)
            .last()
            .unwrap()
            .text
            .contains("Pertanyaan 1")
    );
    let err = child.stop();
    assert!(
        !err.contains("test_token_SECRET"),
        "token in the log:\n{err}"
    );
    assert!(api.calls("deleteWebhook").len() == 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_in_webhook_mode_serves_the_webhook() {
    let api = FakeBotApi::start(TOKEN).await;
    let dir = tempfile::tempdir().unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let child = Child::drained(
        jejak_run(
            dir.path(),
            &[
                ("TELEGRAM_BOT_TOKEN", TOKEN.to_string()),
                ("TELEGRAM_API_URL", api.url().to_string()),
                ("TELEGRAM_OPEN_MODE", "true".into()),
                (
                    "TELEGRAM_WEBHOOK_URL",
                    format!("http://127.0.0.1:{port}/hook"),
                ),
                ("TELEGRAM_WEBHOOK_SECRET", "abc_DEF-123".into()),
                ("JEJAK_LISTEN", format!("127.0.0.1:{port}")),
            ],
        )
        .spawn()
        .expect("jejak run starts"),
    );
    assert!(
        api.wait_until(WAIT, || api.webhook().is_some()).await,
        "no setWebhook"
    );
    assert_eq!(
        api.webhook(),
        Some((
            format!("http://127.0.0.1:{port}/hook"),
            Some("abc_DEF-123".into())
        ))
    );
    let start = api.text_update(32, "/start", Some("en"));
    // The server binds after setWebhook: retry briefly until it answers.
    let mut status = 0;
    for _ in 0..100 {
        status = api.deliver(&start).await;
        if status != 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, 200);
    assert!(api.send_count(32) >= 1);
    assert!(
        api.sent_to(32)[0].text.contains("Personal Data Protection") || !api.sent_to(32).is_empty()
    );
    let wrong = api.text_update(32, "ya", None);
    assert_eq!(
        api.post_webhook(
            &format!("http://127.0.0.1:{port}/hook"),
            Some("nope"),
            &wrong
        )
        .await,
        401
    );
    let err = child.stop();
    assert!(!err.contains("test_token_SECRET"), "{err}");
}

/// Two `jejak run` processes sharing one database (issue 14: several workers on PostgreSQL)
/// both receive every update of a crowd of chats at the same instant (a webhook retried
/// to another worker, say): each update is one step in one of them and a duplicate in the
/// other; every answer is stored once and every reply is sent once, in order, exactly as
/// one process alone would have sent it.
async fn the_same_update_in_two_processes_is_handled_once(db: &Db) {
    let api = Arc::new(FakeBotApi::start(TOKEN).await);
    // The second process: its own store (connections, writer, caches) on the same database.
    let other = Store::connect(&db.url).await.expect("second store");
    let bot_a = bot_for(&api, conversations(&db.store), None);
    let bot_b = bot_for(&api, conversations(&other), None);
    let t = Arc::new(transcript("bekerja-lengkap"));
    let reference = typed_reference(&conversations(&db.store), &t).await;

    // One chat answered by one process alone: what every chat must receive.
    let (_, token) = roster_respondent(&db.store, "Satu").await;
    let alone = 8000;
    run_pair(&api, None, &bot_a, alone, &token, &t).await;
    let expected: Vec<String> = api
        .sent_to(alone)
        .iter()
        .map(|m| m.text.replace("Satu", "NAMA"))
        .collect();
    assert!(expected.len() > t.steps.len(), "the lone chat got replies");

    let mut crowd = Vec::new();
    for i in 0..12_i64 {
        let name = format!("Dua{i:02}");
        let (id, token) = roster_respondent(&db.store, &name).await;
        crowd.push((8001 + i, id, token, name));
    }
    let mut tasks = tokio::task::JoinSet::new();
    for (chat, _, token, _) in crowd.clone() {
        let (api, a, b, t) = (api.clone(), bot_a.clone(), bot_b.clone(), t.clone());
        tasks.spawn(async move { run_pair(&api, Some(&b), &a, chat, &token, &t).await });
    }
    let mut handled = [0usize; 2];
    while let Some(r) = tasks.join_next().await {
        let counts = r.expect("no panic");
        handled[0] += counts[0];
        handled[1] += counts[1];
    }
    assert!(
        handled[0] > 0 && handled[1] > 0,
        "both processes handled some updates: {handled:?}"
    );
    for (chat, id, _, name) in &crowd {
        assert_eq!(&answers_of(&db.store, *id).await, &reference, "{name}");
        let got: Vec<String> = api
            .sent_to(*chat)
            .iter()
            .map(|m| m.text.replace(name.as_str(), "NAMA"))
            .collect();
        assert_eq!(got, expected, "{name} got every reply once, in order");
    }
}

/// Runs a transcript in `chat`, each update given to `a` and, when `b` is there, to `b` at
/// the same instant. Returns how many updates each process handled (a step ran there).
async fn run_pair(
    api: &FakeBotApi,
    b: Option<&Arc<TelegramBot>>,
    a: &Arc<TelegramBot>,
    chat: i64,
    token: &str,
    t: &Transcript,
) -> [usize; 2] {
    let mut handled = [0usize; 2];
    for (i, step) in t.steps.iter().enumerate() {
        let update = if i == 0 {
            api.text_update(chat, &format!("/start {token}"), Some("id"))
        } else {
            input_update(api, chat, &step.say).0
        };
        let u = upd(update).expect("update reads");
        let (ra, rb) = match b {
            Some(b) => {
                let (ra, rb) = tokio::join!(a.handle_update(&u), b.handle_update(&u));
                (ra, Some(rb))
            }
            None => (a.handle_update(&u).await, None),
        };
        let ra = ra.expect("process A");
        let rb = rb.map(|r| r.expect("process B"));
        match (ra, rb) {
            (UpdateOutcome::Handled, None | Some(UpdateOutcome::Duplicate)) => handled[0] += 1,
            (UpdateOutcome::Duplicate, Some(UpdateOutcome::Handled)) => handled[1] += 1,
            other => panic!("step {i} ({:?}): outcomes {other:?}", step.say),
        }
    }
    handled
}

/// A flow whose question code is so long that its buttons carry hashed callback data.
/// `code` and `version` vary between the two versions of the test below.
fn long_code_flow(version: i64, code: &str) -> Arc<jejak::flow::Flow> {
    let src = format!(
        r#"flow:
  id: panjang
  version: {version}
  title: {{ id: "Survei", en: "Survey" }}
  languages: [id, en]
  intro: {{ id: "Halo!", en: "Hi!" }}
  consent:
    purpose: {{ id: "Uji.", en: "Test." }}
    data: {{ id: "Jawaban.", en: "Answers." }}
    retention: {{ id: "Sehari.", en: "A day." }}
    rights: {{ id: "Boleh berhenti.", en: "You may stop." }}
  outro: {{ id: "Selesai.", en: "Done." }}
sections:
  - id: utama
    title: {{ id: "Utama", en: "Main" }}
    questions:
      - code: {code}
        type: single
        text: {{ id: "Kegiatan utama versi {version}?", en: "Main activity v{version}?" }}
        options:
          - {{ code: "bekerja_sebagai_karyawan_tetap", label: {{ id: "Bekerja", en: "Working" }} }}
          - {{ code: "melanjutkan_pendidikan_tinggi", label: {{ id: "Kuliah", en: "Studying" }} }}
      - code: saran
        type: text
        text: {{ id: "Saran Anda?", en: "Any advice?" }}
"#
    );
    Arc::new(jejak::flow::compile(&src).expect("long-code flow compiles"))
}

/// A respondent who began under version 1 presses a button of version 1's question after
/// version 2 (which renamed that question) is deployed: the hashed button is resolved
/// against their own version and answers it, instead of being refused as stale.
async fn hashed_button_of_an_older_version_is_read_against_it(db: &Db) {
    let old_code = "kegiatan_utama_alumni_setelah_lulus_dari_sekolah_menengah_kejuruan";
    let v1 = long_code_flow(1, old_code);
    let v2 = long_code_flow(2, "kegiatan_utama_alumni_sesudah_tamat_versi_dua_yang_baru");
    let now = Utc::now();
    db.store
        .flow_sources()
        .remember(&v1, now)
        .await
        .expect("v1");
    db.store
        .flow_sources()
        .remember(&v2, now)
        .await
        .expect("v2");
    let catalog = Arc::new(Catalog::embedded().expect("catalog"));
    let conv = |flow: Arc<jejak::flow::Flow>| Conversations {
        store: db.store.clone(),
        flow,
        catalog: catalog.clone(),
    };
    let api = FakeBotApi::start(TOKEN).await;
    let (id, token) = roster_respondent(&db.store, "Wulan").await;
    let chat = 8101;
    let old_bot = bot_for(&api, conv(v1.clone()), None);
    let start = api.text_update(chat, &format!("/start {token}"), None);
    old_bot.handle_update(&upd(start).unwrap()).await.unwrap();
    let consent = api.press_update(chat, "Ya");
    old_bot.handle_update(&upd(consent).unwrap()).await.unwrap();
    let (msg, data) = api
        .find_button(chat, "Kuliah")
        .expect("version 1's buttons");
    assert!(data.contains('~'), "the button's data is hashed: {data}");
    // Version 2 is deployed; the respondent presses the button they still see.
    let new_bot = bot_for(&api, conv(v2), None);
    let before = api.send_count(chat);
    new_bot
        .handle_update(&upd(api.callback_update(chat, msg, &data)).unwrap())
        .await
        .unwrap();
    let session = db
        .store
        .sessions()
        .latest_session(id, "panjang")
        .await
        .unwrap()
        .expect("session");
    assert_eq!(session.flow_version, 1);
    let answers: Vec<(String, String)> = db
        .store
        .sessions()
        .current_answers(session.id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.key.code, format!("{:?}", a.value)))
        .collect();
    assert_eq!(answers.len(), 1, "{answers:?}");
    assert_eq!(answers[0].0, old_code);
    assert!(
        answers[0].1.contains("melanjutkan_pendidikan_tinggi"),
        "{answers:?}"
    );
    let said: Vec<String> = api.sent_to(chat)[before as usize..]
        .iter()
        .map(|m| m.text.clone())
        .collect();
    assert!(said.iter().any(|t| t.contains("Saran Anda?")), "{said:?}");
}

/// A lookup on Telegram (the national Dikti flow's province, f5a1): a few letters typed get
/// the matching rows as buttons under the question, a press answers with the row's code and
/// the next message confirms which row was kept.
async fn lookup_matches_are_buttons_and_a_press_answers(db: &Db) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/flows/tracer-dikti.yaml");
    let dikti = Arc::new(jejak::flow::load(std::path::Path::new(path)).expect("Dikti flow loads"));
    let conv = Conversations {
        store: db.store.clone(),
        flow: dikti,
        catalog: Arc::new(Catalog::embedded().expect("catalog")),
    };
    let api = FakeBotApi::start(TOKEN).await;
    let bot = bot_for(&api, conv, None);
    let (id, token) = roster_respondent(&db.store, "Rani").await;
    let chat = 8201;
    let handle = |v: Value| {
        let bot = bot.clone();
        async move { bot.handle_update(&upd(v).unwrap()).await.unwrap() }
    };
    handle(api.text_update(chat, &format!("/start {token}"), None)).await;
    handle(api.press_update(chat, "Ya")).await;
    for say in ["1", "iya", "3 bulan", "5,5 juta"] {
        handle(api.text_update(chat, say, None)).await;
    }
    assert!(
        api.sent_to(chat)
            .last()
            .is_some_and(|m| m.text.contains("provinsi mana")),
        "{:?}",
        api.sent_to(chat).last()
    );
    handle(api.text_update(chat, "jawa", None)).await;
    let offer = api.sent_to(chat).last().cloned().expect("the offer");
    let labels: Vec<String> = offer.buttons().into_iter().map(|(l, _)| l).collect();
    assert_eq!(
        labels,
        ["Jawa Barat", "Jawa Tengah", "Jawa Timur"],
        "{offer:?}"
    );
    let (msg, data) = api
        .find_button(chat, "Jawa Timur")
        .expect("a Jawa Timur button");
    handle(api.callback_update(chat, msg, &data)).await;
    let s = db
        .store
        .sessions()
        .latest_session(id, "tracer-dikti")
        .await
        .unwrap()
        .expect("session");
    let f5a1 = db
        .store
        .sessions()
        .current_answers(s.id)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.key.code == "f5a1")
        .map(|a| a.value.export());
    assert_eq!(f5a1.as_deref(), Some("35"));
    let next = api
        .sent_to(chat)
        .last()
        .cloned()
        .expect("the next question");
    // Fluent marks the pasted name and code with isolation characters.
    let said = next.text.replace(['\u{2068}', '\u{2069}'], "");
    assert!(
        said.contains("Tercatat: Jawa Timur (35)") && said.contains("kabupaten/kota"),
        "{next:?}"
    );
}

/// Option codes so long that a button carries a hash of the code: the keyboard is made with
/// the loaded version's codec and read with the codec of the respondent's version, and the
/// two list the options in a different order; the press still means the same option. The
/// older index form is read against the codec's own list.
#[test]
fn a_hashed_option_means_the_same_option_in_every_version() {
    use jejak::channel::telegram::render::{CallbackCodec, MAX_CALLBACK, Press};
    let a = "bekerja_sebagai_karyawan_tetap_di_perusahaan_swasta_nasional_atau_asing";
    let b = "melanjutkan_pendidikan_ke_perguruan_tinggi_dalam_atau_luar_negeri";
    let make = |version: i64, first: &str, second: &str| {
        let src = format!(
            r#"flow:
  id: urut
  version: {version}
  title: {{ id: "Survei", en: "Survey" }}
  languages: [id, en]
  consent:
    purpose: {{ id: "Uji.", en: "Test." }}
    data: {{ id: "Jawaban.", en: "Answers." }}
    retention: {{ id: "Sehari.", en: "A day." }}
    rights: {{ id: "Boleh berhenti.", en: "You may stop." }}
sections:
  - id: utama
    title: {{ id: "Utama", en: "Main" }}
    questions:
      - code: kegiatan
        type: single
        text: {{ id: "Kegiatan?", en: "Activity?" }}
        options:
          - {{ code: "{first}", label: {{ id: "Satu", en: "One" }} }}
          - {{ code: "{second}", label: {{ id: "Dua", en: "Two" }} }}
"#
        );
        CallbackCodec::new(&jejak::flow::compile(&src).expect("compiles"))
    };
    let (v1, v2) = (make(1, a, b), make(2, b, a));
    let press = Press::Choose {
        prompt: "kegiatan".into(),
        value: a.into(),
    };
    let data = v2.encode(&press);
    assert!(data.len() <= MAX_CALLBACK && data.contains("|#="), "{data}");
    assert_eq!(v1.decode(&data), Some(press.clone()));
    assert_eq!(v2.decode(&data), Some(press));
    let (prompt, _) = data.split_once('|').expect("prompt|value");
    assert_eq!(
        v1.decode(&format!("{prompt}|#1")),
        Some(Press::Choose {
            prompt: "kegiatan".into(),
            value: b.into()
        })
    );
    assert_eq!(v1.decode(&format!("{prompt}|#=0000000000")), None);
}
