//! Retention on SQLite and PostgreSQL with an injected clock: a flow's `retention: 5y`
//! erases exactly the respondents whose sessions ended more than five years ago (completion
//! for a completed survey, the last step for an unfinished one), through `/hapus`'s erasure,
//! so the report's counts stay; a second purge erases nothing; `jejak purge --dry-run`
//! shows counts per flow and cohort without names; the daily job of `jejak run` does it.

#[path = "support/test_db.rs"]
#[macro_use]
mod test_db;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use jejak::channel::console;
use jejak::cli::purge::{self, PurgeArgs};
use jejak::clock::{Clock, ManualClock};
use jejak::conversation::{Content, Conversations, Inbound, Receiver};
use jejak::flow::{Flow, compile};
use jejak::i18n::Catalog;
use jejak::model::{Channel, Lang, RespondentFields};
use jejak::report::response::{GroupBy, response_report};
use jejak::schedule::retention::{self, RetentionJob, Scope};
use jejak::store::{AuditFilter, RespondentId, SentKind, WhatsAppWrite};
use test_db::Db;

both_backends!(
    purge_erases_exactly_what_is_past_retention_and_keeps_the_counts,
    the_daily_job_purges_when_the_time_comes,
);

const FLOW: &str = r#"
flow:
  id: pdp
  version: 1
  title: { id: "Survei PDP", en: "PDP Survey" }
  languages: [id, en]
  retention: 5y
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

fn flow() -> Arc<Flow> {
    Arc::new(compile(FLOW).expect("flow compiles"))
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 10, 9, 0, 0).unwrap()
}

fn years(n: u32) -> chrono::Months {
    chrono::Months::new(n * 12)
}

/// The terminal chat's path without a terminal: the shared receiver at the test's clock.
struct Chat {
    receiver: Receiver,
    seq: Mutex<u64>,
}

impl Chat {
    fn new(db: &Db, clock: Arc<ManualClock>) -> Chat {
        let conv = Conversations {
            store: db.store.clone(),
            flow: flow(),
            catalog: Arc::new(Catalog::embedded().expect("catalog")),
        };
        Chat {
            receiver: Receiver::new(conv, clock).with_open_mode(Some(false)),
            seq: Mutex::new(0),
        }
    }

    async fn say(&self, address: &str, lines: &[&str]) {
        for line in lines {
            let id = {
                let mut s = self.seq.lock().unwrap();
                *s += 1;
                *s
            };
            let inbound = Inbound {
                channel: Channel::Console,
                address: address.into(),
                message_id: Some(format!("m{id}")),
                content: Content::Text((*line).into()),
                language_hint: None,
                profile_name: None,
            };
            self.receiver.receive(&inbound).await.expect("received");
        }
    }
}

/// A respondent of cohort `cohort`, bound to the terminal address `name`.
async fn alumnus(db: &Db, name: &str, cohort: &str) -> RespondentId {
    let fields = RespondentFields {
        name: Some(format!("Nama {name}")),
        external_id: Some(format!("NISN-{name}")),
        cohort: Some(cohort.into()),
        ..Default::default()
    };
    console::respondent(&db.store, name, fields)
        .await
        .expect("respondent")
}

async fn answers(db: &Db, id: RespondentId) -> usize {
    let mut n = 0;
    for s in db.store.sessions().sessions_of(id).await.expect("sessions") {
        n += db
            .store
            .sessions()
            .answer_history(s.id)
            .await
            .expect("history")
            .len();
    }
    n
}

async fn erased(db: &Db, id: RespondentId) -> bool {
    let r = db
        .store
        .respondents()
        .respondent(id)
        .await
        .expect("read")
        .expect("the row stays");
    let gone = db
        .store
        .respondents()
        .erased_at(id)
        .await
        .expect("erased_at")
        .is_some();
    assert_eq!(gone, r.fields.name.is_none(), "name and erased_at disagree");
    gone
}

async fn purge_erases_exactly_what_is_past_retention_and_keeps_the_counts(db: &Db) {
    let clock = Arc::new(ManualClock::new(t0()));
    let chat = Chat::new(db, clock.clone());
    let done_old = alumnus(db, "ani", "2020").await;
    let open_old = alumnus(db, "budi", "2020").await;
    let done_late = alumnus(db, "citra", "2021").await;
    let open_revived = alumnus(db, "dodi", "2021").await;
    let never = alumnus(db, "eka", "2021").await;
    let consent_only = alumnus(db, "gita", "2020").await;

    // 2026-01-10: Ani completes; Budi answers one question and leaves; Dodi starts.
    chat.say("ani", &["/mulai", "ya", "PT Maju", "Banjarmasin"])
        .await;
    chat.say("budi", &["/mulai", "ya", "CV Jaya"]).await;
    chat.say("dodi", &["/mulai", "ya"]).await;
    // Gita sees the consent text and says nothing more: started, no answer.
    chat.say("gita", &["/mulai"]).await;
    // Three years on Dodi answers again (his last activity), and four years on Ani reads
    // her data back: reading does not extend how long her completed survey is kept.
    clock.set(t0() + years(3));
    chat.say("dodi", &["Toko Dodi"]).await;
    clock.set(t0() + years(4));
    chat.say("ani", &["/datasaya"]).await;
    chat.say("citra", &["/mulai", "ya", "PT Citra", "Surabaya"])
        .await;
    assert!(answers(db, done_old).await > 0 && answers(db, open_old).await > 0);

    let flows = vec![flow()];
    let scope = Scope {
        flows: &flows,
        only_flow: None,
    };
    // One day short of five years: nothing is due yet.
    clock.set(t0() + years(5) - chrono::Duration::days(1));
    let plan = retention::plan(&db.store, scope, clock.now())
        .await
        .expect("plan");
    assert!(plan.respondents.is_empty(), "{plan:?}");

    clock.set(t0() + years(5) + chrono::Duration::days(1));
    let before = (
        response_report(&db.store, "pdp", None)
            .await
            .expect("report"),
        response_report(&db.store, "pdp", Some(GroupBy::Cohort))
            .await
            .expect("report"),
    );

    // The dry run: counts per flow and cohort, no names, nothing changed.
    let mut out = Vec::new();
    let args = PurgeArgs {
        dry_run: true,
        ..Default::default()
    };
    let code = purge::run(&db.store, &flows, &args, Lang::Id, clock.now(), &mut out)
        .await
        .expect("dry run");
    let out = String::from_utf8(out).expect("utf-8");
    assert_eq!(code, 0);
    assert!(out.contains("pdp, angkatan 2020: 3 sesi"), "{out}");
    assert!(out.contains("3 responden akan dihapus"), "{out}");
    assert!(!out.contains("2021"), "{out}");
    for name in ["ani", "budi", "Nama", "NISN", "PT Maju"] {
        assert!(!out.contains(name), "{name:?} in the dry run:\n{out}");
    }
    assert!(!erased(db, done_old).await && !erased(db, open_old).await);

    // The purge: exactly Ani, Budi and Gita.
    let mut out = Vec::new();
    let args = PurgeArgs {
        reason: Some("retensi tahunan".into()),
        ..Default::default()
    };
    purge::run(&db.store, &flows, &args, Lang::Id, clock.now(), &mut out)
        .await
        .expect("purge");
    let out = String::from_utf8(out).expect("utf-8");
    assert!(
        out.contains("Data pribadi dan jawaban 3 responden"),
        "{out}"
    );
    for id in [done_old, open_old, consent_only] {
        assert!(erased(db, id).await, "respondent {id} should be erased");
        assert_eq!(answers(db, id).await, 0);
        assert_eq!(
            db.store.respondents().bindings(id).await.expect("bindings"),
            [("erased".to_string(), format!("erased:{id}"))]
        );
    }
    for id in [done_late, open_revived, never] {
        assert!(!erased(db, id).await, "respondent {id} should stay");
    }
    assert_eq!(answers(db, done_late).await, 2);
    assert_eq!(answers(db, open_revived).await, 1);
    let after = (
        response_report(&db.store, "pdp", None)
            .await
            .expect("report"),
        response_report(&db.store, "pdp", Some(GroupBy::Cohort))
            .await
            .expect("report"),
    );
    assert_eq!(before.0.total, after.0.total);
    assert_eq!(before.1.groups, after.1.groups);
    assert_eq!(after.0.total.completed, 2);
    assert_eq!(after.0.total.started, 5);
    assert_eq!(after.0.total.opted_out, 0);

    // Written to the audit log, without personal data.
    let log = db
        .store
        .staff()
        .audit_entries(&AuditFilter {
            action: Some("retention-purge".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("audit");
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].actor, "cli");
    assert!(
        log[0].detail.contains("3 respondent(s) erased"),
        "{}",
        log[0].detail
    );
    assert!(log[0].detail.contains("pdp=3"), "{}", log[0].detail);
    assert!(
        log[0].detail.contains("retensi tahunan"),
        "{}",
        log[0].detail
    );
    assert!(!log[0].detail.contains("Nama"), "{}", log[0].detail);

    // A second purge finds nothing; a year later Dodi (last step at +3y) is due too, and
    // --flow of another flow touches nobody.
    let again = retention::purge(&db.store, scope, clock.now(), "cli", "again", true)
        .await
        .expect("again");
    assert!(
        again.erased.is_empty() && again.plan.respondents.is_empty(),
        "{again:?}"
    );
    clock.set(t0() + years(8) + chrono::Duration::days(1));
    let other = Scope {
        flows: &flows,
        only_flow: Some("lain"),
    };
    let none = retention::purge(&db.store, other, clock.now(), "cli", "x", false)
        .await
        .expect("other flow");
    assert!(none.erased.is_empty());
    let later = retention::purge(&db.store, scope, clock.now(), "cli", "later", true)
        .await
        .expect("later");
    // Eka was invited (bound) but never wrote: no session, outside every flow, kept.
    assert_eq!(later.erased, vec![open_revived], "{later:?}");
    assert!(!erased(db, done_late).await && !erased(db, never).await);
    assert_eq!(
        later.plan.sessions,
        BTreeMap::from([(("pdp".to_string(), Some("2021".to_string())), 1)])
    );
}

async fn the_daily_job_purges_when_the_time_comes(db: &Db) {
    let clock = Arc::new(ManualClock::new(t0()));
    let chat = Chat::new(db, clock.clone());
    let id = alumnus(db, "fajar", "2020").await;
    chat.say("fajar", &["/mulai", "ya", "PT Fajar", "Medan"])
        .await;
    // WhatsApp delivery records: one past the 37 days statuses can still come in, one not.
    let sent = |wamid: &str, days: i64| WhatsAppWrite::Sent {
        wamid: wamid.into(),
        address: "6281234567890".into(),
        kind: SentKind::Text,
        at: t0() - chrono::Duration::days(days),
    };
    db.store
        .whatsapp()
        .whatsapp_apply(&[sent("wamid.old", 38), sent("wamid.recent", 36)])
        .await
        .expect("sent records");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen_by_job = seen.clone();
    let job = RetentionJob {
        store: db.store.clone(),
        flows: vec![flow()],
        clock: clock.clone(),
        every: Duration::from_millis(50),
        on_erased: Some(Box::new(move |id| seen_by_job.lock().unwrap().push(id))),
    };
    let (stop, rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(job.run(rx));
    // It runs at start and every turn; within five years it erases nothing.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!erased(db, id).await);
    let record = |wamid: &'static str| {
        let store = db.store.clone();
        async move {
            store
                .whatsapp()
                .whatsapp_sent(wamid)
                .await
                .expect("read")
                .is_some()
        }
    };
    assert!(!record("wamid.old").await, "older than 37 days: pruned");
    assert!(record("wamid.recent").await, "36 days: kept");
    clock.set(t0() + years(5) + chrono::Duration::hours(1));
    let mut waited = 0;
    while seen.lock().unwrap().is_empty() && waited < 200 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += 1;
    }
    assert_eq!(*seen.lock().unwrap(), vec![id]);
    assert!(erased(db, id).await);
    assert_eq!(answers(db, id).await, 0);
    // Later turns find nothing more to erase.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(*seen.lock().unwrap(), vec![id]);
    stop.send(true).expect("stop");
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the job stops")
        .expect("no panic");
    let log = db
        .store
        .staff()
        .audit_entries(&AuditFilter {
            action: Some("retention-purge".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("audit");
    assert_eq!(
        log.len(),
        1,
        "one record for the one purge that erased: {log:?}"
    );
    assert_eq!(log[0].actor, "retention");
}
