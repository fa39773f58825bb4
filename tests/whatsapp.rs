//! The WhatsApp channel over real HTTP on 127.0.0.1: signed webhook requests built from the
//! documented payload shapes go to the channel's router (served by `server::HttpServer`),
//! and replies go to a fake Graph API that records them. Every store-touching test runs on
//! SQLite and PostgreSQL.

#[path = "support/fake_graph_api.rs"]
mod fake_graph_api;
#[path = "support/test_db.rs"]
#[macro_use]
mod test_db;

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use fake_graph_api::{FakeGraphApi, Inject, Sent};
use jejak::channel::whatsapp::clock::ManualClock;
use jejak::channel::whatsapp::config::{RetryPolicy, WhatsAppConfig};
use jejak::channel::whatsapp::{self, WEBHOOK_PATH, webhook};
use jejak::channel::{Outbound, OutboundMessage, SendError, Template};
use jejak::conversation::Conversations;
use jejak::engine::Reply;
use jejak::i18n::Catalog;
use jejak::model::{Lang, RespondentFields, SessionStatus};
use jejak::server::HttpServer;
use jejak::store::{Delivery, NewRespondent, RespondentId};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use test_db::Db;

const PHONE_ID: &str = "106540352242922";
const TOKEN: &str = "EAAG-test-access-token";
const APP_SECRET: &str = "test-app-secret";
const VERIFY: &str = "test-verify-token";
const WAIT: Duration = Duration::from_secs(20);

/// The channel running against a store and a fake Graph API.
struct Harness {
    base: String,
    http: reqwest::Client,
    fake: FakeGraphApi,
    clock: Arc<ManualClock>,
    outbound: Arc<whatsapp::WhatsAppOutbound>,
    retry: whatsapp::RetryQueue,
    shutdown: tokio::sync::watch::Sender<bool>,
    seq: AtomicU64,
}

fn t0() -> DateTime<Utc> {
    // Inside the flow's open period.
    DateTime::parse_from_rfc3339("2026-11-30T03:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

impl Harness {
    async fn start(db: &Db) -> Harness {
        let fake = FakeGraphApi::start(PHONE_ID, TOKEN).await;
        let env = |k: &str| -> Option<String> {
            Some(
                match k {
                    "WHATSAPP_PHONE_NUMBER_ID" => PHONE_ID,
                    "WHATSAPP_ACCESS_TOKEN" => TOKEN,
                    "WHATSAPP_APP_SECRET" => APP_SECRET,
                    "WHATSAPP_VERIFY_TOKEN" => VERIFY,
                    "WHATSAPP_API_URL" => fake.url.as_str(),
                    "WHATSAPP_RATE_PER_SECOND" => "1000",
                    _ => return None,
                }
                .to_string(),
            )
        };
        let mut config = WhatsAppConfig::resolve(None, env).unwrap().unwrap();
        config.retry = RetryPolicy {
            attempts: 5,
            base: Duration::from_millis(50),
            max: Duration::from_millis(400),
        };
        let flow = jejak::flow::load(std::path::Path::new("flows/tracer-smk.yaml")).unwrap();
        let conv = Conversations {
            store: db.store.clone(),
            flow: Arc::new(flow),
            catalog: Arc::new(Catalog::embedded().unwrap()),
        };
        let clock = Arc::new(ManualClock::new(t0()));
        let wa = whatsapp::start(&config, conv, clock.clone()).await.unwrap();
        let (shutdown, rx) = tokio::sync::watch::channel(false);
        tokio::spawn(wa.processor.run(rx.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = HttpServer::new().merge("whatsapp", wa.router);
        let mut srx = rx;
        tokio::spawn(server.serve(listener, async move {
            let _ = srx.wait_for(|v| *v).await;
        }));
        Harness {
            base,
            http: reqwest::Client::new(),
            fake,
            clock,
            outbound: wa.outbound,
            retry: wa.retry,
            shutdown,
            seq: AtomicU64::new(0),
        }
    }

    fn url(&self) -> String {
        format!("{}{WEBHOOK_PATH}", self.base)
    }

    /// POSTs `body` signed with the app secret.
    async fn post_signed(&self, body: &str) -> u16 {
        fake_graph_api::post_signed(&self.http, &self.url(), APP_SECRET, body).await
    }

    fn next_wamid(&self) -> String {
        format!(
            "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFDNB{:08}AA==",
            self.seq.fetch_add(1, Ordering::Relaxed)
        )
    }

    /// A `messages` webhook body from `from` (digits) with one message.
    fn message_body(&self, from: &str, wamid: &str, message: Value) -> String {
        let mut m = message;
        m["from"] = json!(from);
        m["id"] = json!(wamid);
        m["timestamp"] = json!(self.clock_now().timestamp().to_string());
        json!({
            "object": "whatsapp_business_account",
            "entry": [{
                "id": "102290129340398",
                "changes": [{
                    "field": "messages",
                    "value": {
                        "messaging_product": "whatsapp",
                        "metadata": { "display_phone_number": "15550783881", "phone_number_id": PHONE_ID },
                        "contacts": [{ "profile": { "name": "Alumni" }, "wa_id": from }],
                        "messages": [m],
                    },
                }],
            }],
        })
        .to_string()
    }

    fn clock_now(&self) -> DateTime<Utc> {
        use jejak::channel::whatsapp::clock::Clock;
        self.clock.now()
    }

    /// Sends a text; returns the wamid.
    async fn text(&self, from: &str, text: &str) -> String {
        let wamid = self.next_wamid();
        let body = self.message_body(
            from,
            &wamid,
            json!({"type": "text", "text": {"body": text}}),
        );
        assert_eq!(self.post_signed(&body).await, 200);
        wamid
    }

    /// Presses the button / picks the row titled `title` of the last interactive message
    /// sent to `to`, checking it is of `kind` (`button` or `list`).
    async fn choose(&self, from: &str, kind: &str, title: &str) {
        let sent = self.fake.sent();
        let last = sent
            .iter()
            .rev()
            .find(|s| s.to == from && s.kind() == "interactive")
            .unwrap_or_else(|| panic!("no interactive message to choose {title:?} from"));
        assert_eq!(
            last.interactive_type(),
            kind,
            "choosing {title:?} from {}",
            last.body
        );
        let (id, t) = last
            .choices()
            .into_iter()
            .find(|(_, t)| t == title)
            .unwrap_or_else(|| panic!("no choice {title:?} in {:?}", last.choices()));
        let wamid = self.next_wamid();
        let interactive = if kind == "button" {
            json!({"type": "button_reply", "button_reply": {"id": id, "title": t}})
        } else {
            json!({"type": "list_reply", "list_reply": {"id": id, "title": t, "description": ""}})
        };
        let body = self.message_body(
            from,
            &wamid,
            json!({"type": "interactive", "interactive": interactive}),
        );
        assert_eq!(self.post_signed(&body).await, 200);
    }

    /// Waits until every stored webhook body was processed and its writes committed.
    async fn settle(&self, db: &Db) {
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            if db.store.whatsapp().whatsapp_inbound_count().await.unwrap() == 0 {
                // Sent-message records and statuses queued just before the deletion.
                tokio::time::sleep(Duration::from_millis(30)).await;
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "webhook bodies never processed"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Waits for the replies to one message: until processed, then returns what was sent
    /// since `before`.
    async fn replies_since(&self, db: &Db, before: usize) -> Vec<Sent> {
        self.settle(db).await;
        self.fake.sent().split_off(before)
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

async fn roster(db: &Db, name: &str, phone: Option<&str>) -> RespondentId {
    let r = NewRespondent {
        fields: RespondentFields {
            name: Some(name.into()),
            cohort: Some("2024".into()),
            programme: Some("Akuntansi dan Keuangan Lembaga".into()),
            school: Some("SMKN 5 Banjarmasin".into()),
            ..Default::default()
        },
        phone: phone.map(Into::into),
        language: Some(Lang::Id),
        ..NewRespondent::default()
    };
    db.store
        .respondents()
        .upsert_respondent(&r, t0())
        .await
        .unwrap()
}

async fn token_of(db: &Db, id: RespondentId) -> String {
    db.store
        .respondents()
        .respondent(id)
        .await
        .unwrap()
        .unwrap()
        .token
}

/// The respondent's current answers as `code` / `code_iteration` → exported value.
async fn answers_of(db: &Db, id: RespondentId) -> BTreeMap<String, String> {
    let s = db
        .store
        .sessions()
        .latest_session(id, "tracer-smk")
        .await
        .unwrap()
        .expect("a session");
    db.store
        .sessions()
        .current_answers(s.id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| {
            let key = if a.key.iteration == 0 {
                a.key.code.clone()
            } else {
                format!("{}_{}", a.key.code, a.key.iteration)
            };
            (key, a.value.export())
        })
        .collect()
}

both_backends!(
    get_verification,
    forged_and_missing_signatures_change_nothing,
    completes_the_smk_flow_by_buttons_lists_and_text,
    replayed_message_changes_nothing_and_sends_nothing,
    statuses_update_the_delivery_record,
    reminder_after_24_hours_goes_as_template,
    re_engagement_error_falls_back_to_template,
    rate_limits_back_off_and_retry,
    unknown_numbers_and_refused_tokens,
    undeliverable_status_marks_the_number_unreachable,
    rights_in_chat_see_change_delete,
    failing_body_is_dead_lettered_and_the_others_go_on,
);

/// A body whose handling always fails (a trigger refuses its message id in the step's
/// transaction) is tried three times, then dead-lettered with a reason without the number
/// or the text; the messages after it, on the same number and another, are answered; the
/// dead letter is not pending at a restart; staff list it and, once the cause is gone,
/// retry it and it is answered.
async fn failing_body_is_dead_lettered_and_the_others_go_on(db: &Db) {
    let poison = if db.url.starts_with("postgres") {
        "CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN \
           IF NEW.message_id LIKE '%POISON%' THEN RAISE EXCEPTION 'poisoned message id'; END IF; \
           RETURN NEW; END $$ LANGUAGE plpgsql; \
         CREATE TRIGGER poison BEFORE INSERT ON inbound_messages \
           FOR EACH ROW EXECUTE FUNCTION poison();"
    } else {
        "CREATE TRIGGER poison BEFORE INSERT ON inbound_messages \
           WHEN NEW.message_id LIKE '%POISON%' \
           BEGIN SELECT RAISE(ABORT, 'poisoned message id'); END;"
    };
    test_db::exec(db, poison).await;
    let h = Harness::start(db).await;
    let stranger = "6287777777777";
    let body = h.message_body(
        stranger,
        "wamid.POISON.1",
        json!({"type": "text", "text": {"body": "rahasia sekali"}}),
    );
    assert_eq!(h.post_signed(&body).await, 200);
    // Later bodies: the same number (same worker, after the failing one) and another.
    h.text(stranger, "halo lagi").await;
    h.text("6286666666666", "halo").await;
    h.settle(db).await;
    let sent = h.fake.sent();
    assert_eq!(
        sent.iter().filter(|s| s.to == stranger).count(),
        1,
        "the later message of the same number is answered"
    );
    assert_eq!(sent.iter().filter(|s| s.to == "6286666666666").count(), 1);
    let dead = db.store.whatsapp().whatsapp_dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert!(
        dead[0].reason.starts_with("failed 3 times"),
        "{}",
        dead[0].reason
    );
    assert!(
        dead[0].reason.contains("poisoned message id"),
        "{}",
        dead[0].reason
    );
    assert!(!dead[0].reason.contains(stranger) && !dead[0].reason.contains("rahasia"));
    // Not pending: a restart does not try it again.
    assert!(
        db.store
            .whatsapp()
            .whatsapp_pending_inbound()
            .await
            .unwrap()
            .is_empty()
    );
    // The cause mended, staff retry it: processed now by the running channel.
    let unpoison = if db.url.starts_with("postgres") {
        "DROP TRIGGER poison ON inbound_messages"
    } else {
        "DROP TRIGGER poison"
    };
    test_db::exec(db, unpoison).await;
    let id = dead[0].id;
    let retried = whatsapp::RetryQueue::retry(Some(&h.retry), &db.store, id)
        .await
        .unwrap();
    assert_eq!(retried, whatsapp::Retried::Now);
    h.settle(db).await;
    let received: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM inbound_messages WHERE message_id = 'wamid.POISON.1'",
    )
    .fetch_one(&db.raw().await)
    .await
    .unwrap();
    assert_eq!(received, 1, "the retried message was received");
    assert!(
        db.store
            .whatsapp()
            .whatsapp_dead_letters(10)
            .await
            .unwrap()
            .is_empty()
    );
    let again = whatsapp::RetryQueue::retry(Some(&h.retry), &db.store, id)
        .await
        .unwrap();
    assert_eq!(again, whatsapp::Retried::NotDead);
}

/// The rights of UU No. 27/2022 on WhatsApp: `/datasaya`, `/ubah`, `/hapus` typed, the
/// confirmation pressed; after `/hapus` the number is unbound and its phone erased, so
/// writing again finds nobody.
async fn rights_in_chat_see_change_delete(db: &Db) {
    let h = Harness::start(db).await;
    let id = roster(db, "Wati Lestari", Some("+6281222333444")).await;
    let me = "6281222333444";
    h.text(me, "/mulai").await;
    h.settle(db).await;
    h.choose(me, "button", "Ya").await;
    h.settle(db).await;
    h.text(me, "1").await;
    h.settle(db).await;
    let first = answers_of(db, id).await;
    assert_eq!(first.get("f8").map(String::as_str), Some("1"));

    let before = h.fake.count();
    h.text(me, "/datasaya").await;
    let said: String = h
        .replies_since(db, before)
        .await
        .iter()
        .map(|s| s.text())
        .collect();
    assert!(said.contains("Data Anda yang tersimpan"), "{said}");
    assert!(said.contains("Nama: Wati Lestari"), "{said}");
    assert!(said.contains("+6281222333444"), "{said}");

    h.text(me, "/ubah 1").await;
    h.settle(db).await;
    let before = h.fake.count();
    h.text(me, "Belum bekerja").await;
    let said: String = h
        .replies_since(db, before)
        .await
        .iter()
        .map(|s| s.text())
        .collect();
    assert!(said.contains("Jawaban Anda sudah diubah."), "{said}");
    assert_eq!(
        answers_of(db, id).await.get("f8").map(String::as_str),
        Some("2")
    );

    h.text(me, "/hapus").await;
    h.settle(db).await;
    let before = h.fake.count();
    h.choose(me, "button", "Ya").await;
    let said: String = h
        .replies_since(db, before)
        .await
        .iter()
        .map(|s| s.text())
        .collect();
    assert!(said.contains("sudah dihapus"), "{said}");
    assert!(answers_of(db, id).await.is_empty());
    let r = db
        .store
        .respondents()
        .respondent(id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((r.fields.name, r.phone), (None, None));
    assert_eq!(
        db.store
            .respondents()
            .respondent_by_channel("whatsapp", me)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        db.store
            .respondents()
            .respondent_by_phone(me)
            .await
            .unwrap(),
        None
    );
}

/// A recorded-style `failed` status with 131026 (message undeliverable) marks the
/// respondent bound to that number unreachable, as a Telegram 403 does; a failure of
/// another kind (131047, the closed window) does not.
async fn undeliverable_status_marks_the_number_unreachable(db: &Db) {
    let h = Harness::start(db).await;
    let id = roster(db, "Wulan", Some("+6281234567890")).await;
    h.text("6281234567890", "/mulai").await;
    h.settle(db).await;
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/channel/whatsapp/testdata/status_failed.json"
    );
    let window_closed = std::fs::read_to_string(path).unwrap();
    assert_eq!(h.post_signed(&window_closed).await, 200);
    h.settle(db).await;
    assert!(
        !db.store
            .respondents()
            .respondent(id)
            .await
            .unwrap()
            .unwrap()
            .unreachable
    );
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/channel/whatsapp/testdata/status_failed_131026.json"
    );
    let undeliverable = std::fs::read_to_string(path).unwrap();
    assert_eq!(h.post_signed(&undeliverable).await, 200);
    h.settle(db).await;
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

async fn get_verification(db: &Db) {
    let h = Harness::start(db).await;
    let get = |q: String| {
        let h = &h;
        async move {
            let r = h.http.get(format!("{}?{q}", h.url())).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    assert_eq!(
        get(format!(
            "hub.mode=subscribe&hub.verify_token={VERIFY}&hub.challenge=1158201444"
        ))
        .await,
        (200, "1158201444".to_string())
    );
    assert_eq!(
        get("hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1158201444".into())
            .await
            .0,
        403
    );
    assert_eq!(
        get(format!(
            "hub.mode=unsubscribe&hub.verify_token={VERIFY}&hub.challenge=1"
        ))
        .await
        .0,
        403
    );
    assert_eq!(
        get(format!("hub.mode=subscribe&hub.verify_token={VERIFY}"))
            .await
            .0,
        403
    );
}

async fn forged_and_missing_signatures_change_nothing(db: &Db) {
    let h = Harness::start(db).await;
    let id = roster(db, "Siti Rahmawati", Some("+6281234567890")).await;
    let body = h.message_body(
        "6281234567890",
        "wamid.forged",
        json!({"type": "text", "text": {"body": "/mulai"}}),
    );
    let post = |sig: Option<String>| {
        let h = &h;
        let body = body.clone();
        async move {
            let mut r = h.http.post(h.url()).body(body);
            if let Some(s) = sig {
                r = r.header("x-hub-signature-256", s);
            }
            r.send().await.unwrap().status().as_u16()
        }
    };
    assert_eq!(post(None).await, 401);
    assert_eq!(
        post(Some(webhook::sign("not-the-secret", body.as_bytes()))).await,
        403
    );
    assert_eq!(
        post(Some("sha256=".to_string() + &"0".repeat(64))).await,
        403
    );
    assert_eq!(post(Some("garbage".into())).await, 403);
    // Signed for a different body.
    assert_eq!(post(Some(webhook::sign(APP_SECRET, b"{}"))).await, 403);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        db.store.whatsapp().whatsapp_inbound_count().await.unwrap(),
        0
    );
    assert_eq!(h.fake.count(), 0, "nothing sent");
    assert!(
        db.store
            .sessions()
            .latest_session(id, "tracer-smk")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        db.store
            .whatsapp()
            .whatsapp_last_inbound("+6281234567890")
            .await
            .unwrap()
            .is_none()
    );
}

/// The transcript `flows/tests/tracer-smk/bekerja-lengkap.yaml`, answered on WhatsApp.
async fn completes_the_smk_flow_by_buttons_lists_and_text(db: &Db) {
    let h = Harness::start(db).await;
    let id = roster(db, "Siti Rahmawati", None).await;
    let token = token_of(db, id).await;
    let me = "6281234567890";
    enum A {
        T(&'static str),
        B(&'static str),
        L(&'static str),
    }
    use A::*;
    let steps: Vec<(A, &str)> = vec![
        (T("MULAI {token}"), "Pelindungan Data Pribadi"),
        (B("Ya"), "kegiatan utama"),
        (L("Bekerja"), "dalam 6 bulan setelah lulus"),
        (B("Ya"), "Tulis 0 jika sudah bekerja sebelum lulus"),
        (T("2 bulan"), "Di mana Anda bekerja sekarang"),
        (L("Lainnya"), "Sebutkan jenis tempat kerja Anda"),
        (
            T("Koperasi simpan pinjam"),
            "nama perusahaan atau tempat kerja",
        ),
        (T("KSP Sejahtera Bersama"), "termasuk bidang apa"),
        (L("Perkantoran dan keuangan"), "jangkauan tempat kerja"),
        (B("1. Lokal"), "Di provinsi mana"),
        (T("Kalimantan Selatan"), "kabupaten atau kota"),
        (T("Banjarmasin"), "penghasilan bersih"),
        (T("3,5 juta"), "Seberapa erat hubungan pekerjaan Anda"),
        (L("2"), "pendidikan apa yang paling sesuai"),
        (L("Setingkat SMK/SMA"), "KSP Sejahtera Bersama"),
        (B("Ya"), "Tempat kerja ke-1"),
        (T("Toko Elektronik Cahaya"), "Toko Elektronik Cahaya"),
        (T("4 bulan"), "tempat kerja lain sejak lulus"),
        (B("Ya"), "Tempat kerja ke-2"),
        (
            T("KSP Sejahtera Bersama"),
            "Berapa bulan Anda bekerja di KSP Sejahtera Bersama",
        ),
        (T("8"), "tempat kerja lain sejak lulus"),
        (B("Tidak"), "keterampilan praktik"),
        (L("4"), "sikap kerja"),
        (L("5"), "Praktik Kerja Lapangan"),
        (L("4"), "layanan BKK"),
        (B("Ya"), "Seberapa membantu BKK sekolah"),
        (L("5"), "saran Anda untuk SMKN 5 Banjarmasin"),
        (
            T(
                "Tambah praktik pakai aplikasi akuntansi yang dipakai di kantor dan latihan wawancara kerja",
            ),
            "menghubungi Anda lagi",
        ),
        (B("Ya"), "Nomor HP/WhatsApp"),
        (T("0812-3456-7890"), "Alamat email"),
        (T("siti.rahmawati@contoh.id"), "Terima kasih banyak"),
    ];
    let mut kinds = std::collections::BTreeSet::new();
    for (i, (action, expect)) in steps.iter().enumerate() {
        let before = h.fake.count();
        match action {
            T(t) => {
                h.text(me, &t.replace("{token}", &token)).await;
            }
            B(t) => h.choose(me, "button", t).await,
            L(t) => h.choose(me, "list", t).await,
        }
        let replies = h.replies_since(db, before).await;
        let all: String = replies.iter().map(|s| s.text() + "\n").collect();
        assert!(
            all.contains(expect),
            "step {i}: expected {expect:?} in the replies:\n{all}"
        );
        for r in &replies {
            assert_eq!(r.to, me);
            kinds.insert(format!("{}:{}", r.kind(), r.interactive_type()));
            for (_, title) in r.choices() {
                let max = if r.interactive_type() == "button" {
                    20
                } else {
                    24
                };
                assert!(title.chars().count() <= max, "{title:?} too long");
            }
            assert!(r.text().chars().count() <= 4096);
        }
    }
    assert!(kinds.contains("interactive:button"), "{kinds:?}");
    assert!(kinds.contains("interactive:list"), "{kinds:?}");
    let expected: BTreeMap<String, String> = [
        ("f8", "1"),
        ("f504", "1"),
        ("f502", "2"),
        ("f1101", "5"),
        ("f1102", "Koperasi simpan pinjam"),
        ("f5b", "KSP Sejahtera Bersama"),
        ("smk_sektor", "7"),
        ("f5d", "1"),
        ("f5a1", "Kalimantan Selatan"),
        ("f5a2", "Banjarmasin"),
        ("f505", "3500000"),
        ("f14", "2"),
        ("f15", "2"),
        ("smk_dudi_izin", "1"),
        ("job_name_1", "Toko Elektronik Cahaya"),
        ("job_months_1", "4"),
        ("job_name_2", "KSP Sejahtera Bersama"),
        ("job_months_2", "8"),
        ("smk_siap_praktik", "4"),
        ("smk_siap_softskill", "5"),
        ("smk_siap_pkl", "4"),
        ("smk_pakai_bkk", "1"),
        ("smk_bkk", "5"),
        (
            "smk_saran",
            "Tambah praktik pakai aplikasi akuntansi yang dipakai di kantor dan latihan wawancara kerja",
        ),
        ("smk_kontak_izin", "1"),
        ("smk_hp", "+6281234567890"),
        ("smk_email", "siti.rahmawati@contoh.id"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(answers_of(db, id).await, expected);
    let s = db
        .store
        .sessions()
        .latest_session(id, "tracer-smk")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.status, SessionStatus::Completed);
    // The number is bound, and every reply is recorded for delivery statuses.
    assert_eq!(
        db.store
            .respondents()
            .respondent_by_channel("whatsapp", "+6281234567890")
            .await
            .unwrap(),
        Some(id)
    );
    for sent in h.fake.sent() {
        let rec = db
            .store
            .whatsapp()
            .whatsapp_sent(&sent.wamid)
            .await
            .unwrap()
            .expect("recorded");
        assert_eq!(rec.address, "+6281234567890");
        assert_eq!(rec.status, Delivery::Accepted);
    }
}

async fn replayed_message_changes_nothing_and_sends_nothing(db: &Db) {
    let h = Harness::start(db).await;
    let id = roster(db, "Budi Santoso", Some("+6281111111111")).await;
    let me = "6281111111111";
    h.text(me, "/mulai").await;
    h.settle(db).await;
    h.choose(me, "button", "Ya").await;
    h.settle(db).await;
    // The answer to the first question, then Meta delivers it again (same wamid).
    let wamid = h.next_wamid();
    let body = h.message_body(me, &wamid, json!({"type": "text", "text": {"body": "1"}}));
    assert_eq!(h.post_signed(&body).await, 200);
    h.settle(db).await;
    let sent_before = h.fake.count();
    let answers_before = answers_of(db, id).await;
    let session_before = db
        .store
        .sessions()
        .latest_session(id, "tracer-smk")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(answers_before.get("f8").map(String::as_str), Some("1"));
    for _ in 0..3 {
        assert_eq!(h.post_signed(&body).await, 200);
    }
    h.settle(db).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(h.fake.count(), sent_before, "a redelivery sends nothing");
    assert_eq!(answers_of(db, id).await, answers_before);
    let session_after = db
        .store
        .sessions()
        .latest_session(id, "tracer-smk")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session_after.revision, session_before.revision);
    assert_eq!(session_after.state_json, session_before.state_json);
}

fn status_body(wamid: &str, status: &str, ts: i64, error: Option<(i64, &str)>) -> String {
    let mut s = json!({
        "id": wamid, "status": status, "timestamp": ts.to_string(),
        "recipient_id": "6281234567890",
    });
    if let Some((code, title)) = error {
        s["errors"] = json!([{ "code": code, "title": title, "message": title,
            "error_data": { "details": "Message failed to send because more than 24 hours have passed since the customer last replied to this number." } }]);
    }
    json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "102290129340398", "changes": [{ "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "15550783881", "phone_number_id": PHONE_ID },
            "statuses": [s],
        }}]}],
    })
    .to_string()
}

async fn statuses_update_the_delivery_record(db: &Db) {
    let h = Harness::start(db).await;
    let id = roster(db, "Rina", Some("+6281234567890")).await;
    h.text("6281234567890", "/mulai").await;
    let sent = h.replies_since(db, 0).await;
    let first = sent.first().expect("a reply").wamid.clone();
    let last = sent.last().unwrap().wamid.clone();
    // A wave's outbox row for the last message (columns of migration 0004).
    test_db::exec(
        db,
        &format!(
            "INSERT INTO waves (flow_id, name, message_id, at_ms, created_at) VALUES ('tracer-smk', 'w1', 'm', 0, 0);
             INSERT INTO wave_runs (wave_id, due_at, planned_at) VALUES ((SELECT MAX(id) FROM waves), 0, 0);
             INSERT INTO outbox (run_id, wave_id, respondent_id, channel, address, status, not_before, platform_message_id)
               VALUES ((SELECT MAX(id) FROM wave_runs), (SELECT MAX(id) FROM waves), {id}, 'whatsapp', '+6281234567890', 'sent', 0, '{last}');"
        ),
    )
    .await;
    let ts = t0().timestamp();
    // Statuses arrive out of order: read before delivered; a late `sent` never hides `read`.
    for (w, st) in [(&first, "read"), (&first, "delivered"), (&first, "sent")] {
        assert_eq!(h.post_signed(&status_body(w, st, ts, None)).await, 200);
    }
    assert_eq!(
        h.post_signed(&status_body(&last, "sent", ts, None)).await,
        200
    );
    assert_eq!(
        h.post_signed(&status_body(
            &last,
            "failed",
            ts + 5,
            Some((131047, "Re-engagement message"))
        ))
        .await,
        200
    );
    // Replayed, and a delivery reported after the failure: still failed.
    assert_eq!(
        h.post_signed(&status_body(
            &last,
            "failed",
            ts + 5,
            Some((131047, "Re-engagement message"))
        ))
        .await,
        200
    );
    assert_eq!(
        h.post_signed(&status_body(&last, "delivered", ts + 6, None))
            .await,
        200
    );
    h.settle(db).await;
    let r = db
        .store
        .whatsapp()
        .whatsapp_sent(&first)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.status, Delivery::Read);
    let r = db
        .store
        .whatsapp()
        .whatsapp_sent(&last)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.status, Delivery::Failed);
    assert!(
        r.error
            .as_deref()
            .unwrap_or("")
            .starts_with("131047: Re-engagement message"),
        "{r:?}"
    );
    assert_eq!(
        test_db::query_text(
            db,
            &format!("SELECT delivery FROM outbox WHERE platform_message_id = '{last}'")
        )
        .await
        .as_deref(),
        Some("failed")
    );
    let err = test_db::query_text(
        db,
        &format!("SELECT delivery_error FROM outbox WHERE platform_message_id = '{last}'"),
    )
    .await;
    assert!(
        err.as_deref().unwrap_or("").starts_with("131047"),
        "{err:?}"
    );
    // A status of a message that is not ours changes nothing and breaks nothing.
    assert_eq!(
        h.post_signed(&status_body("wamid.unknown", "read", ts, None))
            .await,
        200
    );
    h.settle(db).await;
}

fn reminder(template: bool) -> OutboundMessage {
    OutboundMessage {
        replies: vec![Reply::say(
            "Pengingat: survei penelusuran alumni menunggu jawaban Anda.",
        )],
        template: template.then(|| Template {
            name: "pengingat_survei".into(),
            language: "id".into(),
            params: vec!["Siti".into(), "SMKN 5 Banjarmasin".into()],
        }),
    }
}

async fn reminder_after_24_hours_goes_as_template(db: &Db) {
    let h = Harness::start(db).await;
    roster(db, "Siti", Some("+6281234567890")).await;
    assert_eq!(h.outbound.channel(), "whatsapp");
    // Never wrote: only a template may go.
    let err = h
        .outbound
        .send("+6281234567890", &reminder(false))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SendError::Rejected(m) if m.contains("24 hours")),
        "{err:?}"
    );
    h.text("6281234567890", "/mulai").await;
    h.settle(db).await;
    // Within the window: free-form.
    h.clock.advance(ChronoDuration::hours(23));
    let before = h.fake.count();
    let ids = h
        .outbound
        .send("+6281234567890", &reminder(true))
        .await
        .unwrap();
    let sent = h.fake.sent().split_off(before);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].kind(), "text");
    assert_eq!(ids, vec![sent[0].wamid.clone()]);
    // Past 24 hours: the template, with its parameters.
    h.clock.advance(ChronoDuration::hours(2));
    let before = h.fake.count();
    let ids = h
        .outbound
        .send("6281234567890", &reminder(true))
        .await
        .unwrap();
    let sent = h.fake.sent().split_off(before);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].kind(), "template");
    let t = &sent[0].body["template"];
    assert_eq!(t["name"], "pengingat_survei");
    assert_eq!(t["language"]["code"], "id");
    assert_eq!(
        t["components"][0]["parameters"][1]["text"],
        "SMKN 5 Banjarmasin"
    );
    assert_eq!(sent[0].to, "6281234567890");
    assert_eq!(ids, vec![sent[0].wamid.clone()]);
    h.settle(db).await;
    let rec = db
        .store
        .whatsapp()
        .whatsapp_sent(&ids[0])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rec.kind, "template");
    // Without a template it is refused with the reason, and nothing goes out.
    let before = h.fake.count();
    let err = h
        .outbound
        .send("+6281234567890", &reminder(false))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SendError::Rejected(m) if m.contains("template")),
        "{err:?}"
    );
    assert_eq!(h.fake.count(), before);
    // The respondent writes again: the window reopens.
    h.text("6281234567890", "/bantuan").await;
    h.settle(db).await;
    let before = h.fake.count();
    h.outbound
        .send("+6281234567890", &reminder(false))
        .await
        .unwrap();
    assert_eq!(h.fake.sent().split_off(before)[0].kind(), "text");
}

async fn re_engagement_error_falls_back_to_template(db: &Db) {
    let h = Harness::start(db).await;
    roster(db, "Siti", Some("+6281234567890")).await;
    h.text("6281234567890", "/mulai").await;
    h.settle(db).await;
    // Our record says the window is open, the API says otherwise.
    h.fake.inject(Inject::Code(131047));
    let before = h.fake.count();
    let ids = h
        .outbound
        .send("+6281234567890", &reminder(true))
        .await
        .unwrap();
    let sent = h.fake.sent().split_off(before);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].kind(), "template");
    assert_eq!(ids, vec![sent[0].wamid.clone()]);
    // Without a template: refused, naming the cause.
    h.fake.inject(Inject::Code(131047));
    let err = h
        .outbound
        .send("+6281234567890", &reminder(false))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SendError::Rejected(m) if m.contains("131047")),
        "{err:?}"
    );
}

async fn rate_limits_back_off_and_retry(db: &Db) {
    let h = Harness::start(db).await;
    let id = roster(db, "Siti", Some("+6281234567890")).await;
    h.fake.inject(Inject::Code(130429));
    h.fake.inject(Inject::Code(131056));
    h.fake.inject(Inject::Http(503));
    h.text("6281234567890", "/mulai").await;
    let sent = h.replies_since(db, 0).await;
    assert!(
        sent.iter()
            .any(|s| s.text().contains("Pelindungan Data Pribadi")),
        "the consent text arrived"
    );
    let attempts = h.fake.attempts();
    let codes: Vec<Option<i64>> = attempts.iter().map(|a| a.1).collect();
    assert_eq!(
        &codes[..4],
        &[Some(130429), Some(131056), Some(503), None],
        "{codes:?}"
    );
    // Backed off: 50, 100, 200 ms (the test's policy) between the tries.
    for (i, min_ms) in [(1, 50), (2, 100), (3, 200)] {
        let gap = attempts[i].0 - attempts[i - 1].0;
        assert!(gap >= Duration::from_millis(min_ms - 5), "gap {i}: {gap:?}");
    }
    // The step was stored once.
    let s = db
        .store
        .sessions()
        .latest_session(id, "tracer-smk")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.status, SessionStatus::Consent);
    // The outbound sender does not wait: it tells the dispatcher when to try again.
    h.fake.inject(Inject::Code(130429));
    let err = h
        .outbound
        .send("+6281234567890", &reminder(true))
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::RetryAfter(_)), "{err:?}");
    h.fake.inject(Inject::Http(500));
    let err = h
        .outbound
        .send("+6281234567890", &reminder(true))
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::Transient(_)), "{err:?}");
}

async fn unknown_numbers_and_refused_tokens(db: &Db) {
    let h = Harness::start(db).await;
    let siti = roster(db, "Siti", None).await;
    let token = token_of(db, siti).await;
    // An unknown number without a token: a polite explanation in both languages, once.
    let wamid = h.next_wamid();
    let body = h.message_body(
        "6289999999999",
        &wamid,
        json!({"type": "text", "text": {"body": "halo"}}),
    );
    assert_eq!(h.post_signed(&body).await, 200);
    let sent = h.replies_since(db, 0).await;
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].text().contains("MULAI") && sent[0].text().contains("START"),
        "{}",
        sent[0].text()
    );
    assert_eq!(h.post_signed(&body).await, 200);
    h.settle(db).await;
    assert_eq!(h.fake.count(), 1, "the redelivery is not answered again");
    // An unknown token.
    let before = h.fake.count();
    h.text("6289999999999", "MULAI bukanTokenYangAda").await;
    let sent = h.replies_since(db, before).await;
    assert!(
        sent[0].text().contains("tidak kami kenali"),
        "{}",
        sent[0].text()
    );
    // Siti binds her number with her token.
    let before = h.fake.count();
    h.text("6281234567890", &format!("MULAI {token}")).await;
    let sent = h.replies_since(db, before).await;
    assert!(
        sent.iter()
            .any(|s| s.text().contains("Pelindungan Data Pribadi"))
    );
    // Someone else uses her token from another number: refused, nothing bound.
    let before = h.fake.count();
    h.text("6289999999999", &format!("mulai {token}")).await;
    let sent = h.replies_since(db, before).await;
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].text().contains("nomor WhatsApp lain"),
        "{}",
        sent[0].text()
    );
    assert_eq!(
        db.store
            .respondents()
            .respondent_by_channel("whatsapp", "+6289999999999")
            .await
            .unwrap(),
        None
    );
    // A roster phone is recognised without a token.
    let budi = roster(db, "Budi", Some("+6282222222222")).await;
    let before = h.fake.count();
    h.text("6282222222222", "halo").await;
    let sent = h.replies_since(db, before).await;
    assert!(
        sent.iter().any(|s| s.text().contains("Budi")),
        "{:?}",
        sent.iter().map(|s| s.text()).collect::<Vec<_>>()
    );
    assert_eq!(
        db.store
            .respondents()
            .respondent_by_channel("whatsapp", "+6282222222222")
            .await
            .unwrap(),
        Some(budi)
    );
    // An image gets a polite note, not a crash.
    let before = h.fake.count();
    let wamid = h.next_wamid();
    let body = h.message_body(
        "6282222222222",
        &wamid,
        json!({"type": "image", "image": {"id": "1", "mime_type": "image/jpeg"}}),
    );
    assert_eq!(h.post_signed(&body).await, 200);
    let sent = h.replies_since(db, before).await;
    assert!(sent[0].text().contains("pesan teks"), "{}", sent[0].text());
    // Garbage that is correctly signed is dropped without harm.
    assert_eq!(h.post_signed("this is not json").await, 200);
    h.settle(db).await;
}
