//! Personal data protection (UU No. 27 Tahun 2022) end to end, on SQLite and PostgreSQL:
//! consent that means it and the rights in chat, through the terminal chat (`jejak chat`'s
//! own loop, the shared `Receiver` and the reply outbox), and the staff's `jejak respondent
//! show|export|delete` with its audit record. Telegram's and WhatsApp's own tests send the
//! same commands through their fake platforms (tests/telegram.rs, tests/whatsapp.rs).

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use jejak::channel::console::{self, Identity, Terminal};
use jejak::cli::respondent::{self, RespondentAction};
use jejak::conversation::Conversations;
use jejak::flow::compile;
use jejak::i18n::Catalog;
use jejak::model::{Lang, RespondentFields, SessionStatus};
use jejak::store::{AuditFilter, NewRespondent, RespondentId};

#[path = "support/test_db.rs"]
#[macro_use]
mod test_db;

use test_db::Db;

both_backends!(
    stopping_asks_consent_again_and_keeps_or_deletes_as_chosen,
    seeing_changing_and_deleting_in_the_terminal_chat,
    staff_show_export_delete_are_audited,
);

const FLOW: &str = r#"
flow:
  id: pdp
  version: 1
  title: { id: "Survei PDP", en: "PDP Survey" }
  languages: [id, en]
  consent:
    purpose: { id: "Untuk sekolah.", en: "For the school." }
    data: { id: "Jawaban Anda.", en: "Your answers." }
    retention: { id: "Lima tahun.", en: "Five years." }
    rights: { id: "Anda boleh melihat, mengubah dan menghapus data Anda.", en: "You may see, change and delete your data." }
sections:
  - id: kerja
    title: { id: "Pekerjaan", en: "Work" }
    questions:
      - code: kantor
        type: text
        text: { id: "Di mana Anda bekerja?", en: "Where do you work?" }
      - code: kota
        type: text
        text: { id: "Di kota mana kantor Anda?", en: "In which city?" }
"#;

fn conv(db: &Db) -> Conversations {
    Conversations {
        store: db.store.clone(),
        flow: Arc::new(compile(FLOW).expect("flow compiles")),
        catalog: Arc::new(Catalog::embedded().expect("catalog")),
    }
}

fn term(address: &str) -> Terminal {
    Terminal {
        bold: false,
        command: "jejak chat".into(),
        identity: Identity::resolve(Some(address), Some("Siti"), None),
        name: Some("Siti".into()),
    }
}

/// A respondent of the roster chatting in the terminal as `address`.
async fn siti(db: &Db, address: &str) -> RespondentId {
    let fields = RespondentFields {
        name: Some("Siti Aminah".into()),
        external_id: Some(format!("NISN-{address}")),
        cohort: Some("2024".into()),
        school: Some("SMKN 1 Contoh".into()),
        extra: BTreeMap::from([("kelas".to_string(), "XII TKJ 2".to_string())]),
        ..Default::default()
    };
    let id = console::respondent(&db.store, address, fields)
        .await
        .expect("respondent");
    // The roster's contact fields, as an import stores them.
    db.store
        .respondents()
        .upsert_respondent(
            &NewRespondent {
                fields: RespondentFields {
                    external_id: Some(format!("NISN-{address}")),
                    ..Default::default()
                },
                phone: Some("+6281299990000".into()),
                email: Some("siti@example.id".into()),
                timezone: None,
                language: Some(Lang::Id),
                birth_date: chrono::NaiveDate::from_ymd_opt(2006, 5, 17),
            },
            Utc::now(),
        )
        .await
        .expect("contact fields");
    id
}

/// One `jejak chat` session: the lines typed, what the terminal printed.
async fn chat(conv: &Conversations, id: RespondentId, address: &str, lines: &[&str]) -> String {
    let input = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
    let mut out = Vec::new();
    console::run(conv, id, &term(address), input.as_bytes(), &mut out)
        .await
        .expect("chat runs");
    String::from_utf8(out).expect("utf-8")
}

async fn status(conv: &Conversations, id: RespondentId) -> SessionStatus {
    conv.store
        .sessions()
        .latest_session(id, "pdp")
        .await
        .expect("session")
        .expect("a session")
        .status
}

/// Every answer row of the respondent's session, retracted ones included, as `code=raw`.
async fn stored(conv: &Conversations, id: RespondentId) -> Vec<String> {
    let s = conv
        .store
        .sessions()
        .latest_session(id, "pdp")
        .await
        .expect("session")
        .expect("a session");
    conv.store
        .sessions()
        .answer_history(s.id)
        .await
        .expect("history")
        .into_iter()
        .map(|(a, _)| format!("{}={}", a.key.code, a.raw))
        .collect()
}

async fn stopping_asks_consent_again_and_keeps_or_deletes_as_chosen(db: &Db) {
    let conv = conv(db);
    let id = siti(db, "siti").await;

    // Declined consent stores nothing, whatever is typed after it.
    let said = chat(&conv, id, "siti", &["tidak", "PT Maju"]).await;
    assert!(said.contains("Anda sudah berhenti"), "{said}");
    assert_eq!(stored(&conv, id).await, Vec::<String>::new());

    // Agree, answer, stop, keep.
    let said = chat(
        &conv,
        id,
        "siti",
        &["ya", "PT Maju", "/berhenti", "ya", "ya"],
    )
    .await;
    assert!(
        said.contains("simpan jawaban yang sudah Anda berikan?"),
        "{said}"
    );
    assert!(
        said.contains("jawaban yang sudah Anda berikan tetap disimpan"),
        "{said}"
    );
    assert_eq!(status(&conv, id).await, SessionStatus::OptedOut);
    assert_eq!(stored(&conv, id).await, ["kantor=PT Maju"]);

    // Coming back (the chat sends /mulai) asks for consent again, not the next question.
    let said = chat(&conv, id, "siti", &[]).await;
    assert!(said.contains("Persetujuan penggunaan data"), "{said}");
    assert!(!said.contains("Selamat datang kembali"), "{said}");
    assert!(!said.contains("Di kota mana"), "{said}");
    assert_eq!(status(&conv, id).await, SessionStatus::Consent);

    // Agreeing resumes where they stopped, with the kept answer.
    let said = chat(&conv, id, "siti", &["ya"]).await;
    assert!(said.contains("Selamat datang kembali"), "{said}");
    assert!(said.contains("Di kota mana kantor Anda?"), "{said}");

    // Stop again and choose to delete: no answer row is left, retracted ones included.
    let said = chat(&conv, id, "siti", &["/berhenti", "ya", "tidak"]).await;
    assert!(said.contains("jawaban Anda sudah dihapus"), "{said}");
    assert_eq!(stored(&conv, id).await, Vec::<String>::new());
    assert_eq!(status(&conv, id).await, SessionStatus::OptedOut);
}

async fn seeing_changing_and_deleting_in_the_terminal_chat(db: &Db) {
    let conv = conv(db);
    let id = siti(db, "aminah").await;
    let flow_id = "pdp";
    let said = chat(
        &conv,
        id,
        "aminah",
        &[
            "ya",
            "PT Maju",
            "/datasaya",
            "/ubah 1",
            "CV Jaya",
            "Banjarmasin",
            "/ringkasan",
        ],
    )
    .await;
    for shown in [
        "Data Anda yang tersimpan",
        "Nama: Siti Aminah",
        "Nomor induk (NISN/NIM): NISN-aminah",
        "Tanggal lahir: 2006-05-17",
        "Nomor telepon: +6281299990000",
        "Email: siti@example.id",
        "Angkatan: 2024",
        "kelas: XII TKJ 2",
        "Di mana Anda bekerja? PT Maju",
        "Jawaban Anda sudah diubah.",
        "Di mana Anda bekerja? CV Jaya",
        "Di kota mana kantor Anda? Banjarmasin",
    ] {
        assert!(said.contains(shown), "missing {shown:?} in:\n{said}");
    }
    assert_eq!(status(&conv, id).await, SessionStatus::Completed);
    let current: Vec<String> = {
        let s = conv
            .store
            .sessions()
            .latest_session(id, flow_id)
            .await
            .expect("session")
            .expect("a session");
        conv.store
            .sessions()
            .current_answers(s.id)
            .await
            .expect("answers")
            .into_iter()
            .map(|a| format!("{}={}", a.key.code, a.raw))
            .collect()
    };
    assert_eq!(current, ["kantor=CV Jaya", "kota=Banjarmasin"]);
    let before = jejak::report::response::response_report(&db.store, flow_id, None)
        .await
        .expect("report");

    // Delete: asked first, then everything personal goes.
    let said = chat(&conv, id, "aminah", &["/hapus", "ya", "/datasaya"]).await;
    assert!(said.contains("Yakin ingin menghapus"), "{said}");
    assert!(said.contains("sudah dihapus"), "{said}");
    // The address is no longer bound: the next message is a stranger's.
    assert!(said.contains("tautan pribadi"), "{said}");
    let after_said = said.split("sudah dihapus").nth(1).unwrap_or_default();
    assert!(!after_said.contains("Siti"), "{after_said}");

    let r = db
        .store
        .respondents()
        .respondent(id)
        .await
        .expect("read")
        .expect("the tombstone stays");
    assert_eq!(r.fields.name, None);
    assert_eq!(r.fields.external_id, None);
    assert_eq!(r.phone, None);
    assert_eq!(r.email, None);
    assert_eq!(r.birth_date, None);
    assert!(r.fields.extra.is_empty());
    assert!(r.token.starts_with("erased:"), "{}", r.token);
    assert!(!jejak::store::is_valid_token(&r.token));
    assert!(
        db.store
            .respondents()
            .erased_at(id)
            .await
            .expect("erased_at")
            .is_some()
    );
    let bindings = db.store.respondents().bindings(id).await.expect("bindings");
    assert_eq!(bindings, [("erased".to_string(), format!("erased:{id}"))]);
    assert_eq!(stored(&conv, id).await, Vec::<String>::new());
    assert_eq!(status(&conv, id).await, SessionStatus::Completed);
    // Nothing the bot said to her before is kept (it quoted her name and answers).
    let raw = db.raw().await;
    let texts: Vec<String> = sqlx::query_scalar("SELECT reply FROM reply_outbox")
        .fetch_all(&raw)
        .await
        .expect("outbox");
    for personal in ["Siti", "PT Maju", "CV Jaya", "Banjarmasin", "6281299990000"] {
        assert!(
            texts.iter().all(|t| !t.contains(personal)),
            "{personal:?} is still in the reply outbox"
        );
    }
    let states: Vec<String> = sqlx::query_scalar("SELECT state FROM sessions")
        .fetch_all(&raw)
        .await
        .expect("sessions");
    assert!(states.iter().all(|s| !s.contains("CV Jaya")), "{states:?}");
    // The report counts her as before.
    let after = jejak::report::response::response_report(&db.store, flow_id, None)
        .await
        .expect("report");
    assert_eq!(before.total, after.total);
    assert_eq!(after.total.completed, 1);
}

async fn staff_show_export_delete_are_audited(db: &Db) {
    let conv = conv(db);
    let id = siti(db, "budi").await;
    chat(&conv, id, "budi", &["ya", "PT Maju"]).await;
    let now = Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap();
    let run = |action: RespondentAction| {
        let store = db.store.clone();
        async move {
            let (mut out, mut err) = (Vec::new(), Vec::new());
            let code = respondent::run(&store, action, Lang::Id, now, &mut out, &mut err)
                .await
                .expect("runs");
            (
                code,
                String::from_utf8(out).expect("utf-8"),
                String::from_utf8(err).expect("utf-8"),
            )
        }
    };

    // No reason, no access.
    let (code, _, err) = run(RespondentAction::Show {
        id: id.to_string(),
        reason: "  ".into(),
    })
    .await;
    assert_eq!(code, 2);
    assert!(err.contains("--reason"), "{err}");
    let (code, _, _) = run(RespondentAction::Show {
        id: "999999".into(),
        reason: "surat".into(),
    })
    .await;
    assert_eq!(code, 1);

    let (code, out, _) = run(RespondentAction::Show {
        id: "NISN-budi".into(),
        reason: "surat tanggal 1 Desember".into(),
    })
    .await;
    assert_eq!(code, 0);
    for shown in [
        "Siti Aminah",
        "+6281299990000",
        "console: budi",
        "kantor: PT Maju",
    ] {
        assert!(out.contains(shown), "missing {shown:?} in:\n{out}");
    }

    let (code, out, _) = run(RespondentAction::Export {
        id: id.to_string(),
        reason: "permintaan salinan data lewat email".into(),
        out: None,
    })
    .await;
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&out).expect("export is JSON");
    assert_eq!(doc["roster"]["name"], "Siti Aminah");
    assert_eq!(doc["roster"]["email"], "siti@example.id");
    assert_eq!(doc["sessions"][0]["answers"][0]["answer"], "PT Maju");
    assert_eq!(doc["channels"][0]["address"], "budi");

    let (code, out, _) = run(RespondentAction::Delete {
        id: id.to_string(),
        reason: "permintaan penghapusan, surat 2 Desember".into(),
    })
    .await;
    assert_eq!(code, 0, "{out}");
    let r = db
        .store
        .respondents()
        .respondent(id)
        .await
        .expect("read")
        .expect("tombstone");
    assert_eq!(r.fields.name, None);
    assert_eq!(r.phone, None);
    assert_eq!(stored(&conv, id).await, Vec::<String>::new());
    // The terminal address is free again: the chat no longer finds her.
    assert_eq!(
        db.store
            .respondents()
            .respondent_by_channel("console", "budi")
            .await
            .expect("lookup"),
        None
    );

    // Who, when, what, why — and no personal data of hers in the log.
    let log = db
        .store
        .staff()
        .audit_entries(&AuditFilter {
            limit: 100,
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    let mine: Vec<_> = log
        .iter()
        .filter(|e| e.action.starts_with("respondent-"))
        .collect();
    let mut actions: Vec<&str> = mine.iter().map(|e| e.action.as_str()).collect();
    actions.sort_unstable();
    assert_eq!(
        actions,
        ["respondent-delete", "respondent-export", "respondent-show"]
    );
    for e in &mine {
        assert_eq!(e.actor, "cli");
        assert_eq!(e.at, now);
        assert!(
            e.detail.contains(&format!("respondent {id}")),
            "{}",
            e.detail
        );
        assert!(e.detail.contains("reason: "), "{}", e.detail);
        assert!(!e.detail.contains("Siti"), "{}", e.detail);
    }
    assert!(mine.iter().any(|e| {
        e.detail
            .contains("permintaan penghapusan, surat 2 Desember")
    }));
}
