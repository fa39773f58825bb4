//! The web chat in a real browser (Chromium over WebDriver, `support/browser.rs`), on SQLite
//! and PostgreSQL: an alumna opens her personal link, answers the whole SMK survey by
//! pressing buttons and typing, reloads the page in the middle (the history and the current
//! question come back, and she goes on), and finishes; the store then holds her answers and a
//! completed session. The page fits a 360 px wide phone without sideways scrolling.
//!
//! With `JEJAK_SCREENSHOTS=1` the test also writes the README's screenshots of the chat into
//! `docs/screenshots/`.

#[path = "support/test_db.rs"]
#[macro_use]
mod test_db;
#[path = "support/browser.rs"]
mod browser;
#[path = "support/webchat.rs"]
mod webchat_support;

use std::time::{Duration, Instant};

use browser::{Driver, Session, screenshot_path, screenshots_wanted};
use jejak::model::{SessionStatus, Value};
use test_db::Db;
use webchat_support::WebChat;

/// How many messages of the bot the page shows.
async fn bot_count(b: &Session) -> usize {
    b.script("return document.querySelectorAll('#log li.bot').length;")
        .await
        .as_u64()
        .unwrap_or(0) as usize
}

/// The text of the bot's last message.
async fn last_bot(b: &Session) -> String {
    b.script(
        "var l = document.querySelectorAll('#log li.bot'); \
         return l.length ? l[l.length - 1].textContent : '';",
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_string()
}

/// Waits until the bot has said more than `before` messages and nothing is being sent, and
/// the page shows `expect`; gives the new count.
async fn wait_reply(b: &Session, before: usize, expect: &str) -> usize {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let n = bot_count(b).await;
        let pending = b
            .script("return document.querySelectorAll('#log li.pending').length;")
            .await
            .as_u64()
            .unwrap_or(1);
        if n > before && pending == 0 && b.body_text().await.contains(expect) {
            return n;
        }
        if Instant::now() > deadline {
            panic!(
                "no reply showing {expect:?} after {before} messages; last: {:?}",
                last_bot(b).await
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Presses the button of the question asked that says `label`.
async fn press(b: &Session, label: &str) {
    let label_json = serde_json::to_string(label).unwrap();
    let pressed = b
        .script(&format!(
            "var bs = document.querySelectorAll('#log .choices button'); \
             for (var i = 0; i < bs.length; i++) {{ \
               if (bs[i].textContent.trim() === {label_json}) {{ bs[i].click(); return true; }} \
             }} return false;"
        ))
        .await;
    assert_eq!(
        pressed,
        serde_json::Value::Bool(true),
        "no button {label:?} under {:?}",
        last_bot(b).await
    );
}

/// Types `text` and sends it.
async fn type_answer(b: &Session, text: &str) {
    b.fill("msg", text).await;
    b.click("#send").await;
}

/// One answer: `act`, then wait for the reply that shows `expect`.
async fn answer(b: &Session, act: Act<'_>, expect: &str) {
    let before = bot_count(b).await;
    match act {
        Act::Press(label) => press(b, label).await,
        Act::Type(text) => type_answer(b, text).await,
    }
    wait_reply(b, before, expect).await;
}

/// Saves a PNG of the bottom of the chat as a phone (390×844) shows it, for the README.
async fn phone_shot(b: &Session, name: &str) {
    b.cdp(
        "Emulation.setDeviceMetricsOverride",
        serde_json::json!({ "width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": true }),
    )
    .await;
    b.script("window.scrollTo(0, document.body.scrollHeight); return 0;")
        .await;
    b.screenshot(&screenshot_path(name)).await;
    b.cdp(
        "Emulation.clearDeviceMetricsOverride",
        serde_json::json!({}),
    )
    .await;
}

enum Act<'a> {
    Press(&'a str),
    Type(&'a str),
}

async fn a_whole_survey_by_buttons_and_typing_survives_a_reload(db: &Db) {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let chat = WebChat::start(db.store.clone()).await;
    let b = driver.session().await;
    let link = chat.link("0077000001");
    b.goto(&link).await;
    wait_reply(&b, 0, "Persetujuan penggunaan data").await;
    assert!(b.body_text().await.contains("Nur Aisyah"));
    // The emphasis of the engine's section title is bold, not stars.
    let bold = b
        .script("var e = document.querySelector('#log b'); return e ? e.textContent : '';")
        .await;
    assert_eq!(bold.as_str(), Some("Persetujuan penggunaan data"));
    assert!(!b.body_text().await.contains("*Persetujuan"));

    use Act::{Press, Type};
    answer(&b, Press("Ya"), "Apa kegiatan utama Anda saat ini?").await;
    if screenshots_wanted() {
        phone_shot(&b, "webchat-phone.png").await;
    }
    answer(&b, Press("Belum bekerja"), "alasan utama").await;
    // Typed instead of pressed: the number of an option.
    answer(&b, Type("6"), "Sebutkan alasannya").await;
    answer(
        &b,
        Type("Masih mengumpulkan biaya untuk kuliah tahun depan"),
        "pelatihan kerja gratis",
    )
    .await;
    answer(&b, Press("Tidak"), "keterampilan praktik").await;
    answer(&b, Type("4"), "sikap kerja").await;

    // Reload in the middle: the conversation so far comes back, with her own messages,
    // and the question she is at still has its buttons.
    let bots_before = bot_count(&b).await;
    b.goto(&link).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while bot_count(&b).await < bots_before {
        assert!(Instant::now() < deadline, "the history did not come back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(bot_count(&b).await, bots_before, "nothing said twice");
    assert!(last_bot(&b).await.contains("sikap kerja"));
    let mine = b
        .script(
            "return Array.prototype.map.call(document.querySelectorAll('#log li.me'), \
             function (e) { return e.textContent; });",
        )
        .await;
    let mine: Vec<String> = serde_json::from_value(mine).unwrap();
    assert_eq!(
        mine,
        [
            "Ya",
            "Belum bekerja",
            "6",
            "Masih mengumpulkan biaya untuk kuliah tahun depan",
            "Tidak",
            "4"
        ]
    );

    answer(&b, Type("4"), "Praktik Kerja Lapangan").await;
    answer(&b, Type("5"), "layanan BKK").await;
    answer(&b, Press("Tidak"), "saran Anda").await;
    answer(
        &b,
        Type("Semoga ada kelas wirausaha busana dan cara jualan online."),
        "menghubungi Anda lagi",
    )
    .await;
    answer(&b, Press("Ya"), "Nomor HP/WhatsApp").await;
    answer(&b, Type("/lewati"), "email").await;
    answer(&b, Type("/lewati"), "Terima kasih banyak").await;

    // A 360 px phone: nothing wider than the screen.
    b.cdp(
        "Emulation.setDeviceMetricsOverride",
        serde_json::json!({ "width": 360, "height": 740, "deviceScaleFactor": 2, "mobile": true }),
    )
    .await;
    let width = b
        .script("return document.documentElement.scrollWidth;")
        .await
        .as_u64()
        .unwrap_or(9999);
    assert!(
        width <= 360,
        "the page is {width} px wide on a 360 px phone"
    );
    b.cdp(
        "Emulation.clearDeviceMetricsOverride",
        serde_json::json!({}),
    )
    .await;
    if screenshots_wanted() {
        phone_shot(&b, "webchat-done.png").await;
    }
    b.quit().await;

    let r = db
        .store
        .respondents()
        .respondent_by_token(&chat.token("0077000001"))
        .await
        .unwrap()
        .unwrap();
    let s = db
        .store
        .sessions()
        .latest_session(r.id, "tracer-smk")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.status, SessionStatus::Completed);
    let answers = db.store.sessions().current_answers(s.id).await.unwrap();
    let value = |code: &str| {
        answers
            .iter()
            .find(|a| a.key.code == code)
            .map(|a| a.value.clone())
            .unwrap_or_else(|| panic!("no answer {code}: {answers:?}"))
    };
    assert_eq!(value("f8"), Value::Choice("2".into()));
    assert_eq!(value("smk_alasan_belum"), Value::Choice("6".into()));
    assert_eq!(value("smk_minat_pelatihan"), Value::Bool(false));
    assert_eq!(value("smk_kontak_izin"), Value::Bool(true));
    assert_eq!(
        value("smk_saran"),
        Value::Text("Semoga ada kelas wirausaha busana dan cara jualan online.".into())
    );
    // Every part the page showed counts as delivered.
    let unsent = db
        .store
        .replies()
        .pending(jejak::model::Channel::Web, 1000)
        .await
        .unwrap();
    assert!(
        unsent.len() <= 3,
        "parts the page has are marked sent: {unsent:?}"
    );
}

both_backends!(a_whole_survey_by_buttons_and_typing_survives_a_reload);
