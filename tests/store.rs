//! Store integration tests. Every test body runs against SQLite (in a temporary directory)
//! and PostgreSQL (in a fresh schema of `JEJAK_TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`). Without a PostgreSQL server the PostgreSQL
//! variants print why and pass, unless `JEJAK_REQUIRE_POSTGRES=1`.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use jejak::model::{AnswerKey, Lang, RespondentFields, SessionStatus, Value};
use jejak::store::{
    AnswerOp, Backend, CommitOutcome, NewEvent, NewRespondent, RespondentId, SessionRecord,
    StepCommit, Store, StoreError,
};
use serde_json::json;
use sqlx::Connection;

#[path = "support/test_db.rs"]
#[macro_use]
mod test_db;

use test_db::Db;

both_backends!(
    any_driver_binds_dollar_placeholders_by_number,
    migrations_are_idempotent,
    upsert_by_external_id_updates_in_place,
    upsert_without_external_id_inserts,
    enrolment_tokens,
    channel_binding,
    respondent_by_phone_needs_exactly_one,
    mark_unreachable,
    one_open_session_under_concurrency,
    open_session_rejects_closed_status,
    latest_session_prefers_open,
    commit_step_writes_everything,
    duplicate_inbound_changes_nothing,
    stale_revision_conflicts_and_changes_nothing,
    concurrent_commits_one_wins,
    concurrent_commits_keep_per_step_semantics,
    set_twice_keeps_history,
    retract_and_retract_all,
    completed_at_follows_status,
    failed_commit_leaves_nothing,
    unknown_session_is_an_error,
    values_round_trip,
    prune_inbound_messages,
);

fn t(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_750_000_000 + secs, 0)
        .single()
        .expect("valid time")
}

fn roster(external_id: Option<&str>, name: &str) -> NewRespondent {
    NewRespondent {
        fields: RespondentFields {
            name: Some(name.into()),
            external_id: external_id.map(Into::into),
            cohort: Some("2022".into()),
            programme: Some("TKJ".into()),
            school: Some("SMKN 1 Contoh".into()),
            province: Some("Jawa Barat".into()),
            extra: BTreeMap::from([("nisn".to_string(), "0012345678".to_string())]),
            ..RespondentFields::default()
        },
        phone: Some("+6281234567890".into()),
        email: None,
        timezone: Some("Asia/Jakarta".into()),
        language: Some(Lang::Id),
        birth_date: NaiveDate::from_ymd_opt(2004, 2, 29),
    }
}

async fn new_respondent(db: &Db, name: &str) -> RespondentId {
    db.store
        .respondents()
        .upsert_respondent(&roster(None, name), t(0))
        .await
        .expect("upsert")
}

async fn new_session(db: &Db, flow: &str) -> SessionRecord {
    let r = new_respondent(db, "Budi").await;
    db.store
        .sessions()
        .open_session(
            r,
            flow,
            1,
            SessionStatus::Invited,
            r#"{"at":"start"}"#,
            t(1),
        )
        .await
        .expect("open session")
}

fn set(code: &str, iteration: u32, raw: &str, value: Value) -> AnswerOp {
    AnswerOp::Set {
        key: AnswerKey {
            code: code.into(),
            iteration,
        },
        raw: raw.into(),
        value,
    }
}

#[allow(clippy::too_many_arguments)] // a test helper mirroring StepCommit
fn step<'a>(
    s: &SessionRecord,
    expected_revision: i64,
    status: SessionStatus,
    state_json: &'a str,
    answers: &'a [AnswerOp],
    events: &'a [NewEvent],
    inbound: Option<(&'a str, &'a str)>,
    now: DateTime<Utc>,
) -> StepCommit<'a> {
    StepCommit {
        session_id: s.id,
        expected_revision,
        status,
        state_json,
        flow_version: s.flow_version,
        answers,
        events,
        inbound,
        now,
    }
}

/// Everything a commit could have touched, for before/after comparisons.
async fn snapshot(db: &Db, s: &SessionRecord) -> String {
    format!(
        "{:?}\n{:?}\n{:?}",
        db.store.sessions().session(s.id).await.expect("session"),
        db.store
            .sessions()
            .answer_history(s.id)
            .await
            .expect("history"),
        db.store.sessions().events(s.id).await.expect("events"),
    )
}

// ---------------------------------------------------------------------------------------

async fn any_driver_binds_dollar_placeholders_by_number(db: &Db) {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&db.url)
        .await
        .expect("connect");
    let row: (String, i64, String) = sqlx::query_as("SELECT $2, $1, $2")
        .bind(7_i64)
        .bind("two")
        .fetch_one(&mut conn)
        .await
        .expect("query with $N placeholders");
    assert_eq!(row, ("two".to_string(), 7, "two".to_string()));
    conn.close().await.expect("close");
}

async fn migrations_are_idempotent(db: &Db) {
    let id = new_respondent(db, "Siti").await;
    for _ in 0..2 {
        let again = Store::connect(&db.url)
            .await
            .expect("reconnect and re-run migrations");
        let r = again
            .respondents()
            .respondent(id)
            .await
            .expect("load")
            .expect("still there");
        assert_eq!(r.fields.name.as_deref(), Some("Siti"));
        again.close().await;
    }
}

async fn upsert_by_external_id_updates_in_place(db: &Db) {
    let store = &db.store;
    let first = store
        .respondents()
        .upsert_respondent(&roster(Some("NISN-1"), "Budi"), t(0))
        .await
        .expect("insert");
    let mut update = NewRespondent {
        fields: RespondentFields {
            name: Some("Budi Santoso".into()),
            external_id: Some("NISN-1".into()),
            ..Default::default()
        },
        email: Some("budi@example.id".into()),
        language: Some(Lang::En),
        ..Default::default()
    };
    let second = store
        .respondents()
        .upsert_respondent(&update, t(10))
        .await
        .expect("update");
    assert_eq!(first, second, "same external id, same respondent");

    let r = store
        .respondents()
        .respondent(first)
        .await
        .expect("load")
        .expect("exists");
    assert_eq!(r.fields.name.as_deref(), Some("Budi Santoso"));
    assert_eq!(r.email.as_deref(), Some("budi@example.id"));
    assert_eq!(r.language, Some(Lang::En));
    // Not given in the update: kept.
    assert_eq!(r.fields.cohort.as_deref(), Some("2022"));
    assert_eq!(r.phone.as_deref(), Some("+6281234567890"));
    assert_eq!(r.birth_date, NaiveDate::from_ymd_opt(2004, 2, 29));
    assert_eq!(
        r.fields.extra.get("nisn").map(String::as_str),
        Some("0012345678")
    );
    assert_eq!(r.created_at, t(0));
    assert_eq!(r.updated_at, t(10));
    assert!(!r.unreachable);

    update.fields.extra = BTreeMap::from([("kelas".to_string(), "XII".to_string())]);
    store
        .respondents()
        .upsert_respondent(&update, t(20))
        .await
        .expect("update extra");
    let r = store
        .respondents()
        .respondent(first)
        .await
        .expect("load")
        .expect("exists");
    assert_eq!(
        r.fields.extra, update.fields.extra,
        "non-empty extra replaces"
    );

    let other = store
        .respondents()
        .upsert_respondent(&roster(Some("NISN-2"), "Ani"), t(30))
        .await
        .expect("insert");
    assert_ne!(other, first);
    assert!(
        store
            .respondents()
            .respondent(other + 1000)
            .await
            .expect("load")
            .is_none()
    );
}

async fn upsert_without_external_id_inserts(db: &Db) {
    let a = new_respondent(db, "Budi").await;
    let b = new_respondent(db, "Budi").await;
    assert_ne!(a, b);
    let r = db
        .store
        .respondents()
        .respondent(b)
        .await
        .expect("load")
        .expect("exists");
    assert_eq!(r.fields.external_id, None);
    // A loaded respondent's fields also carry the roster's phone, e-mail and birth date
    // (what `/datasaya` shows back).
    let row = roster(None, "Budi");
    let expected = RespondentFields {
        phone: row.phone.clone(),
        email: row.email.clone(),
        birth_date: row.birth_date.map(|d| d.format("%Y-%m-%d").to_string()),
        ..row.fields
    };
    assert_eq!(r.fields, expected);
}

async fn enrolment_tokens(db: &Db) {
    let store = &db.store;
    let id = store
        .respondents()
        .upsert_respondent(&roster(Some("NISN-T"), "Budi"), t(0))
        .await
        .expect("insert");
    let other = new_respondent(db, "Ani").await;
    let token = store
        .respondents()
        .respondent(id)
        .await
        .expect("load")
        .expect("exists")
        .token;
    assert_eq!(token.len(), 22, "128 random bits in base64url: {token}");
    assert!(jejak::store::is_valid_token(&token));
    let other_token = store
        .respondents()
        .respondent(other)
        .await
        .expect("load")
        .expect("exists")
        .token;
    assert_ne!(token, other_token);

    // A roster re-import keeps the token the alumni already received.
    store
        .respondents()
        .upsert_respondent(&roster(Some("NISN-T"), "Budi Santoso"), t(10))
        .await
        .expect("update");
    let found = store
        .respondents()
        .respondent_by_token(&token)
        .await
        .expect("lookup")
        .expect("found");
    assert_eq!(found.id, id);
    assert_eq!(found.token, token);
    assert_eq!(found.fields.name.as_deref(), Some("Budi Santoso"));

    for bad in ["", "no such token", "x", &"a".repeat(65), "tok'en"] {
        assert!(
            store
                .respondents()
                .respondent_by_token(bad)
                .await
                .expect("lookup")
                .is_none(),
            "{bad:?}"
        );
    }
}

async fn channel_binding(db: &Db) {
    let store = &db.store;
    let budi = new_respondent(db, "Budi").await;
    let ani = new_respondent(db, "Ani").await;
    assert_eq!(
        store
            .respondents()
            .respondent_by_channel("console", "budi")
            .await
            .expect("lookup"),
        None
    );
    store
        .respondents()
        .bind_channel(budi, "console", "budi", t(1))
        .await
        .expect("bind");
    store
        .respondents()
        .bind_channel(budi, "console", "budi", t(2))
        .await
        .expect("idempotent");
    store
        .respondents()
        .bind_channel(budi, "telegram", "12345", t(3))
        .await
        .expect("second channel");
    assert_eq!(
        store
            .respondents()
            .respondent_by_channel("console", "budi")
            .await
            .expect("lookup"),
        Some(budi)
    );
    assert_eq!(
        store
            .respondents()
            .respondent_by_channel("telegram", "12345")
            .await
            .expect("lookup"),
        Some(budi)
    );
    assert_eq!(
        store
            .respondents()
            .respondent_by_channel("whatsapp", "12345")
            .await
            .expect("lookup"),
        None
    );

    match store
        .respondents()
        .bind_channel(ani, "console", "budi", t(4))
        .await
    {
        Err(StoreError::AlreadyBound { owner, .. }) => assert_eq!(owner, budi),
        other => panic!("expected AlreadyBound, got {other:?}"),
    }
    assert_eq!(
        store
            .respondents()
            .respondent_by_channel("console", "budi")
            .await
            .expect("lookup"),
        Some(budi)
    );
    // Foreign keys are enforced (on SQLite too).
    match store
        .respondents()
        .bind_channel(ani + 1000, "console", "ghost", t(5))
        .await
    {
        Err(StoreError::RespondentNotFound(id)) => assert_eq!(id, ani + 1000),
        other => panic!("expected RespondentNotFound, got {other:?}"),
    }
}

/// A number identifies a respondent only when exactly one roster row has it.
async fn respondent_by_phone_needs_exactly_one(db: &Db) {
    let store = &db.store;
    let mut siti = roster(Some("S-1"), "Siti");
    siti.phone = Some("+6281111111111".into());
    let siti = store
        .respondents()
        .upsert_respondent(&siti, t(0))
        .await
        .expect("upsert");
    // Budi and Ani share the default phone of `roster`.
    new_respondent(db, "Budi").await;
    new_respondent(db, "Ani").await;
    let respondents = store.respondents();
    let by = |phone: &'static str| respondents.respondent_by_phone(phone);
    assert_eq!(by("+6281111111111").await.expect("lookup"), Some(siti));
    assert_eq!(by("+6281234567890").await.expect("lookup"), None);
    assert_eq!(by("+6289999999999").await.expect("lookup"), None);
}

async fn mark_unreachable(db: &Db) {
    let id = new_respondent(db, "Budi").await;
    db.store
        .respondents()
        .mark_unreachable(id, true)
        .await
        .expect("mark");
    assert!(
        db.store
            .respondents()
            .respondent(id)
            .await
            .expect("load")
            .expect("exists")
            .unreachable
    );
    db.store
        .respondents()
        .mark_unreachable(id, false)
        .await
        .expect("unmark");
    assert!(
        !db.store
            .respondents()
            .respondent(id)
            .await
            .expect("load")
            .expect("exists")
            .unreachable
    );
    assert!(matches!(
        db.store
            .respondents()
            .mark_unreachable(id + 1000, true)
            .await,
        Err(StoreError::RespondentNotFound(_))
    ));
}

async fn one_open_session_under_concurrency(db: &Db) {
    let r = new_respondent(db, "Budi").await;
    let other = new_respondent(db, "Ani").await;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = db.store.clone();
        let who = if i % 4 == 3 { other } else { r };
        tasks.push(tokio::spawn(async move {
            store
                .sessions()
                .open_session(who, "tracer", 3, SessionStatus::Invited, "{}", t(i))
                .await
        }));
    }
    let mut ids = BTreeMap::new();
    for task in tasks {
        let s = task.await.expect("join").expect("open_session");
        ids.entry(s.respondent_id)
            .or_insert_with(Vec::new)
            .push(s.id);
    }
    for (who, sessions) in &ids {
        assert!(
            sessions.iter().all(|id| *id == sessions[0]),
            "{who}: {sessions:?}"
        );
    }
    assert_eq!(
        db.store
            .sessions()
            .sessions_for_flow("tracer")
            .await
            .expect("list")
            .len(),
        2
    );
    // Another flow is another session.
    let s = db
        .store
        .sessions()
        .open_session(r, "other", 1, SessionStatus::Consent, "{}", t(0))
        .await
        .expect("open");
    assert_eq!(s.status, SessionStatus::Consent);
    assert_eq!(s.revision, 0);
    assert_eq!(s.flow_version, 1);
    assert_eq!(
        db.store
            .sessions()
            .sessions_for_flow("tracer")
            .await
            .expect("list")
            .len(),
        2
    );
    assert!(matches!(
        db.store
            .sessions()
            .open_session(r + 1000, "tracer", 1, SessionStatus::Invited, "{}", t(0))
            .await,
        Err(StoreError::RespondentNotFound(_))
    ));
}

async fn open_session_rejects_closed_status(db: &Db) {
    let r = new_respondent(db, "Budi").await;
    let err = db
        .store
        .sessions()
        .open_session(r, "tracer", 1, SessionStatus::Completed, "{}", t(0))
        .await
        .expect_err("closed status");
    assert!(
        matches!(
            err,
            StoreError::ClosedStatus {
                status: "completed"
            }
        ),
        "{err:?}"
    );
}

async fn latest_session_prefers_open(db: &Db) {
    let store = &db.store;
    let s1 = new_session(db, "tracer").await;
    let r = s1.respondent_id;
    assert_eq!(
        store
            .sessions()
            .latest_session(r, "tracer")
            .await
            .expect("latest")
            .map(|s| s.id),
        Some(s1.id)
    );
    assert_eq!(
        store
            .sessions()
            .latest_session(r, "nope")
            .await
            .expect("latest"),
        None
    );

    let c = step(&s1, 0, SessionStatus::Completed, "{}", &[], &[], None, t(5));
    assert_eq!(
        store.sessions().commit_step(&c).await.expect("commit"),
        CommitOutcome::Applied { revision: 1 }
    );
    let closed = store
        .sessions()
        .latest_session(r, "tracer")
        .await
        .expect("latest")
        .expect("closed one");
    assert_eq!(
        (closed.id, closed.status),
        (s1.id, SessionStatus::Completed)
    );

    // Closed sessions do not block a new one, and the open one comes first.
    let s2 = store
        .sessions()
        .open_session(r, "tracer", 2, SessionStatus::Invited, "{}", t(6))
        .await
        .expect("open");
    assert_ne!(s2.id, s1.id);
    assert_eq!(
        store
            .sessions()
            .latest_session(r, "tracer")
            .await
            .expect("latest")
            .map(|s| s.id),
        Some(s2.id)
    );
    let c = step(&s2, 0, SessionStatus::OptedOut, "{}", &[], &[], None, t(7));
    store.sessions().commit_step(&c).await.expect("commit");
    assert_eq!(
        store
            .sessions()
            .latest_session(r, "tracer")
            .await
            .expect("latest")
            .map(|s| s.id),
        Some(s2.id)
    );
    let s3 = store
        .sessions()
        .open_session(r, "tracer", 2, SessionStatus::Invited, "{}", t(8))
        .await
        .expect("open");
    let s1_again = store
        .sessions()
        .session(s1.id)
        .await
        .expect("load")
        .expect("exists");
    assert_eq!(s1_again.status, SessionStatus::Completed);
    assert_eq!(
        store
            .sessions()
            .sessions_for_flow("tracer")
            .await
            .expect("list")
            .iter()
            .map(|s| s.id)
            .collect::<Vec<_>>(),
        vec![s1.id, s2.id, s3.id]
    );
}

async fn commit_step_writes_everything(db: &Db) {
    let store = &db.store;
    let s = new_session(db, "tracer").await;
    assert_eq!(s.revision, 0);
    assert_eq!(s.state_json, r#"{"at":"start"}"#);
    assert_eq!(s.completed_at, None);

    let answers = [
        set("f8", 0, "1", Value::Choice("1".into())),
        set("f505", 0, "Rp 4,5 juta", Value::Money(4_500_000)),
        set("job_employer", 2, "PT Maju", Value::Text("PT Maju".into())),
    ];
    let events = [
        NewEvent {
            kind: "consent_given".into(),
            detail: json!({"via": "console"}),
        },
        NewEvent {
            kind: "answered".into(),
            detail: json!({"codes": ["f8", "f505"]}),
        },
    ];
    let c = step(
        &s,
        0,
        SessionStatus::Answering,
        r#"{"at":"f9"}"#,
        &answers,
        &events,
        Some(("console", "m1")),
        t(10),
    );
    assert_eq!(
        store.sessions().commit_step(&c).await.expect("commit"),
        CommitOutcome::Applied { revision: 1 }
    );

    let after = store
        .sessions()
        .session(s.id)
        .await
        .expect("load")
        .expect("exists");
    assert_eq!(after.revision, 1);
    assert_eq!(after.status, SessionStatus::Answering);
    assert_eq!(after.state_json, r#"{"at":"f9"}"#);
    assert_eq!(after.created_at, t(1));
    assert_eq!(after.updated_at, t(10));
    assert_eq!(after.completed_at, None);

    let current = store
        .sessions()
        .current_answers(s.id)
        .await
        .expect("answers");
    let got: Vec<_> = current
        .iter()
        .map(|a| {
            (
                a.key.column(),
                a.raw.as_str(),
                a.value.clone(),
                a.flow_version,
                a.answered_at,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("f8".to_string(), "1", Value::Choice("1".into()), 1, t(10)),
            (
                "f505".to_string(),
                "Rp 4,5 juta",
                Value::Money(4_500_000),
                1,
                t(10)
            ),
            (
                "job_employer_2".to_string(),
                "PT Maju",
                Value::Text("PT Maju".into()),
                1,
                t(10)
            ),
        ]
    );
    let ev = store.sessions().events(s.id).await.expect("events");
    assert_eq!(
        ev,
        vec![
            (
                "consent_given".to_string(),
                json!({"via": "console"}),
                t(10)
            ),
            (
                "answered".to_string(),
                json!({"codes": ["f8", "f505"]}),
                t(10)
            ),
        ]
    );

    // A step without inbound message, answers or events still bumps the revision.
    let c = step(
        &after,
        1,
        SessionStatus::Answering,
        r#"{"at":"f10"}"#,
        &[],
        &[],
        None,
        t(11),
    );
    assert_eq!(
        store.sessions().commit_step(&c).await.expect("commit"),
        CommitOutcome::Applied { revision: 2 }
    );
    assert_eq!(
        store
            .sessions()
            .current_answers(s.id)
            .await
            .expect("answers")
            .len(),
        3
    );
}

async fn duplicate_inbound_changes_nothing(db: &Db) {
    let store = &db.store;
    let s = new_session(db, "tracer").await;
    let answers = [set("f8", 0, "1", Value::Choice("1".into()))];
    let c = step(
        &s,
        0,
        SessionStatus::Answering,
        "{\"n\":1}",
        &answers,
        &[],
        Some(("telegram", "100")),
        t(10),
    );
    assert_eq!(
        store.sessions().commit_step(&c).await.expect("commit"),
        CommitOutcome::Applied { revision: 1 }
    );
    let before = snapshot(db, &s).await;

    // Redelivered with the right revision, or with the stale one: either way a duplicate.
    let answers = [set("f8", 0, "2", Value::Choice("2".into()))];
    let events = [NewEvent {
        kind: "answered".into(),
        detail: json!({}),
    }];
    for rev in [1, 0] {
        let c = step(
            &s,
            rev,
            SessionStatus::Completed,
            "{\"n\":2}",
            &answers,
            &events,
            Some(("telegram", "100")),
            t(20),
        );
        assert_eq!(
            store.sessions().commit_step(&c).await.expect("commit"),
            CommitOutcome::Duplicate
        );
        assert_eq!(snapshot(db, &s).await, before);
    }

    // The same id on another channel is another message.
    let c = step(
        &s,
        1,
        SessionStatus::Answering,
        "{\"n\":3}",
        &[],
        &[],
        Some(("whatsapp", "100")),
        t(30),
    );
    assert_eq!(
        store.sessions().commit_step(&c).await.expect("commit"),
        CommitOutcome::Applied { revision: 2 }
    );
}

async fn stale_revision_conflicts_and_changes_nothing(db: &Db) {
    let store = &db.store;
    let s = new_session(db, "tracer").await;
    let c = step(
        &s,
        0,
        SessionStatus::Answering,
        "{\"n\":1}",
        &[],
        &[],
        None,
        t(10),
    );
    assert_eq!(
        store.sessions().commit_step(&c).await.expect("commit"),
        CommitOutcome::Applied { revision: 1 }
    );
    let before = snapshot(db, &s).await;

    let answers = [set("f8", 0, "1", Value::Choice("1".into()))];
    let events = [NewEvent {
        kind: "answered".into(),
        detail: json!({}),
    }];
    for stale in [0, 2, -1] {
        let c = step(
            &s,
            stale,
            SessionStatus::Completed,
            "{\"n\":2}",
            &answers,
            &events,
            Some(("console", "m7")),
            t(20),
        );
        assert_eq!(
            store.sessions().commit_step(&c).await.expect("commit"),
            CommitOutcome::Conflict
        );
        assert_eq!(snapshot(db, &s).await, before);
    }
    // The conflicting attempt did not consume the message id: the retry goes through.
    let c = step(
        &s,
        1,
        SessionStatus::Completed,
        "{\"n\":2}",
        &answers,
        &events,
        Some(("console", "m7")),
        t(21),
    );
    assert_eq!(
        store.sessions().commit_step(&c).await.expect("commit"),
        CommitOutcome::Applied { revision: 2 }
    );
}

async fn concurrent_commits_one_wins(db: &Db) {
    let s = new_session(db, "tracer").await;
    let mut tasks = Vec::new();
    for i in 0..8_i64 {
        let store = db.store.clone();
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let answers = [set("f8", 0, &i.to_string(), Value::Integer(i))];
            let state = format!("{{\"winner\":{i}}}");
            let msg = format!("m{i}");
            let c = step(
                &s,
                0,
                SessionStatus::Answering,
                &state,
                &answers,
                &[],
                Some(("console", &msg)),
                t(i),
            );
            store.sessions().commit_step(&c).await
        }));
    }
    let mut applied = 0;
    for task in tasks {
        match task.await.expect("join").expect("commit") {
            CommitOutcome::Applied { revision } => {
                assert_eq!(revision, 1);
                applied += 1;
            }
            CommitOutcome::Conflict => {}
            CommitOutcome::Duplicate => panic!("distinct message ids"),
        }
    }
    assert_eq!(applied, 1);
    let after = db
        .store
        .sessions()
        .session(s.id)
        .await
        .expect("load")
        .expect("exists");
    let history = db
        .store
        .sessions()
        .answer_history(s.id)
        .await
        .expect("history");
    assert_eq!(history.len(), 1, "only the winner's answer");
    assert_eq!(
        after.state_json,
        format!("{{\"winner\":{}}}", history[0].0.raw)
    );
}

/// Many steps at once (on SQLite they are committed in groups, several per transaction):
/// conflicts, duplicate messages and a failing step in one group must each behave as if the
/// step had been committed alone.
async fn concurrent_commits_keep_per_step_semantics(db: &Db) {
    let mut sessions = Vec::new();
    for _ in 0..6 {
        sessions.push(new_session(db, "tracer").await);
    }
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(sessions.len() * 4));
    let mut tasks = Vec::new();
    for (i, s) in sessions.iter().enumerate() {
        // a: a good step; b: a competing good step; c: a redelivery of a; d: a step that
        // fails on a CHECK constraint (after recording its message and updating the session).
        // Queued in a different order for each session, so some groups meet the failing step
        // first.
        let mut kinds = ["a", "b", "c", "d"];
        kinds.rotate_left(i % 4);
        for kind in kinds {
            let (store, s, barrier) = (db.store.clone(), s.clone(), barrier.clone());
            tasks.push(tokio::spawn(async move {
                let msg = match kind {
                    "c" => format!("a{i}"),
                    k => format!("{k}{i}"),
                };
                let code = if kind == "d" { "" } else { "f8" };
                let answers = [set(code, 0, kind, Value::Text(kind.into()))];
                let state = format!("{{\"by\":\"{kind}\"}}");
                let c = step(
                    &s,
                    0,
                    SessionStatus::Answering,
                    &state,
                    &answers,
                    &[],
                    Some(("group", &msg)),
                    t(10),
                );
                barrier.wait().await;
                (i, kind, msg.clone(), store.sessions().commit_step(&c).await)
            }));
        }
    }
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.expect("join"));
    }
    for (i, s) in sessions.iter().enumerate() {
        let mine: Vec<_> = results.iter().filter(|r| r.0 == i).collect();
        let winners: Vec<_> = mine
            .iter()
            .filter(|r| matches!(r.3, Ok(CommitOutcome::Applied { revision: 1 })))
            .collect();
        assert_eq!(winners.len(), 1, "session {i}: {mine:?}");
        let winner = winners[0];
        assert!(winner.1 != "d", "the failing step cannot win");
        for r in &mine {
            match &r.3 {
                Ok(CommitOutcome::Applied { .. }) => {}
                Ok(CommitOutcome::Conflict) => {}
                Ok(CommitOutcome::Duplicate) => {
                    assert_eq!(r.2, winner.2, "only the winner's redelivery is a duplicate")
                }
                Err(e) => {
                    assert_eq!(r.1, "d", "{e:?}");
                    assert!(e.db_context() == Some("storing an answer"), "{e:?}");
                }
            }
        }
        let after = db
            .store
            .sessions()
            .session(s.id)
            .await
            .expect("load")
            .expect("exists");
        assert_eq!(after.revision, 1);
        assert_eq!(after.state_json, format!("{{\"by\":\"{}\"}}", winner.1));
        let history = db
            .store
            .sessions()
            .answer_history(s.id)
            .await
            .expect("history");
        assert_eq!(history.len(), 1, "only the winner's answer");
        assert_eq!(history[0].0.raw, winner.1);
        // No losing step consumed its message id; the winner's is taken.
        let mut revision = 1;
        for msg in [format!("a{i}"), format!("b{i}"), format!("d{i}")] {
            let c = step(
                s,
                revision,
                SessionStatus::Answering,
                "{}",
                &[],
                &[],
                Some(("group", &msg)),
                t(20),
            );
            let outcome = db.store.sessions().commit_step(&c).await.expect("retry");
            if msg == winner.2 {
                assert_eq!(outcome, CommitOutcome::Duplicate);
            } else {
                revision += 1;
                assert_eq!(outcome, CommitOutcome::Applied { revision });
            }
        }
    }
}

async fn set_twice_keeps_history(db: &Db) {
    let store = &db.store;
    let s = new_session(db, "tracer").await;
    let first = [set("f8", 0, "1", Value::Choice("1".into()))];
    let c = step(
        &s,
        0,
        SessionStatus::Answering,
        "{}",
        &first,
        &[],
        None,
        t(10),
    );
    store.sessions().commit_step(&c).await.expect("commit");
    let second = [set("f8", 0, "bekerja", Value::Choice("2".into()))];
    let mut c = step(
        &s,
        1,
        SessionStatus::Answering,
        "{}",
        &second,
        &[],
        None,
        t(20),
    );
    c.flow_version = 2;
    store.sessions().commit_step(&c).await.expect("commit");

    let current = store
        .sessions()
        .current_answers(s.id)
        .await
        .expect("answers");
    assert_eq!(current.len(), 1);
    assert_eq!(
        (
            current[0].raw.as_str(),
            &current[0].value,
            current[0].flow_version
        ),
        ("bekerja", &Value::Choice("2".into()), 2)
    );
    let history = store
        .sessions()
        .answer_history(s.id)
        .await
        .expect("history");
    assert_eq!(history.len(), 2);
    assert_eq!(
        (history[0].0.raw.as_str(), history[0].1),
        ("1", Some(t(20)))
    );
    assert_eq!((history[1].0.raw.as_str(), history[1].1), ("bekerja", None));
    assert_eq!(
        store
            .sessions()
            .session(s.id)
            .await
            .expect("load")
            .expect("exists")
            .flow_version,
        2
    );

    // Setting the same key twice within one step also works.
    let twice = [
        set("f9", 0, "a", Value::Text("a".into())),
        set("f9", 0, "b", Value::Text("b".into())),
    ];
    let c = step(
        &s,
        2,
        SessionStatus::Answering,
        "{}",
        &twice,
        &[],
        None,
        t(30),
    );
    store.sessions().commit_step(&c).await.expect("commit");
    let current = store
        .sessions()
        .current_answers(s.id)
        .await
        .expect("answers");
    assert_eq!(
        current.iter().map(|a| a.raw.as_str()).collect::<Vec<_>>(),
        vec!["bekerja", "b"]
    );
}

async fn retract_and_retract_all(db: &Db) {
    let store = &db.store;
    let s = new_session(db, "tracer").await;
    let answers = [
        set("a", 0, "1", Value::Integer(1)),
        set("b", 1, "2", Value::Integer(2)),
        set("b", 2, "3", Value::Integer(3)),
    ];
    store
        .sessions()
        .commit_step(&step(
            &s,
            0,
            SessionStatus::Answering,
            "{}",
            &answers,
            &[],
            None,
            t(10),
        ))
        .await
        .expect("commit");
    let ops = [
        AnswerOp::Retract {
            key: AnswerKey {
                code: "b".into(),
                iteration: 1,
            },
        },
        AnswerOp::Retract {
            key: AnswerKey::plain("never-answered"),
        },
    ];
    store
        .sessions()
        .commit_step(&step(
            &s,
            1,
            SessionStatus::Answering,
            "{}",
            &ops,
            &[],
            None,
            t(20),
        ))
        .await
        .expect("commit");
    let current: Vec<_> = store
        .sessions()
        .current_answers(s.id)
        .await
        .expect("answers")
        .into_iter()
        .map(|a| a.key.column())
        .collect();
    assert_eq!(current, vec!["a", "b_2"]);

    let ops = [AnswerOp::RetractAll, set("a", 0, "9", Value::Integer(9))];
    store
        .sessions()
        .commit_step(&step(
            &s,
            2,
            SessionStatus::Answering,
            "{}",
            &ops,
            &[],
            None,
            t(30),
        ))
        .await
        .expect("commit");
    let current = store
        .sessions()
        .current_answers(s.id)
        .await
        .expect("answers");
    assert_eq!(current.len(), 1);
    assert_eq!(
        (current[0].key.column(), &current[0].value),
        ("a".to_string(), &Value::Integer(9))
    );
    let history = store
        .sessions()
        .answer_history(s.id)
        .await
        .expect("history");
    let retracted: Vec<_> = history
        .iter()
        .map(|(a, at)| (a.key.column(), *at))
        .collect();
    assert_eq!(
        retracted,
        vec![
            ("a".to_string(), Some(t(30))),
            ("b_1".to_string(), Some(t(20))),
            ("b_2".to_string(), Some(t(30))),
            ("a".to_string(), None),
        ]
    );
}

async fn completed_at_follows_status(db: &Db) {
    let store = &db.store;
    let s = new_session(db, "tracer").await;
    store
        .sessions()
        .commit_step(&step(
            &s,
            0,
            SessionStatus::Answering,
            "{}",
            &[],
            &[],
            None,
            t(10),
        ))
        .await
        .expect("commit");
    assert_eq!(
        store
            .sessions()
            .session(s.id)
            .await
            .expect("load")
            .expect("exists")
            .completed_at,
        None
    );
    store
        .sessions()
        .commit_step(&step(
            &s,
            1,
            SessionStatus::Completed,
            "{}",
            &[],
            &[],
            None,
            t(20),
        ))
        .await
        .expect("commit");
    let done = store
        .sessions()
        .session(s.id)
        .await
        .expect("load")
        .expect("exists");
    assert_eq!(
        (done.status, done.completed_at),
        (SessionStatus::Completed, Some(t(20)))
    );
    // A later step that stays completed (e.g. a thank-you re-sent) keeps the first time.
    store
        .sessions()
        .commit_step(&step(
            &s,
            2,
            SessionStatus::Completed,
            "{}",
            &[],
            &[],
            None,
            t(30),
        ))
        .await
        .expect("commit");
    let done = store
        .sessions()
        .session(s.id)
        .await
        .expect("load")
        .expect("exists");
    assert_eq!((done.completed_at, done.updated_at), (Some(t(20)), t(30)));
    // Leaving the completed status clears it.
    store
        .sessions()
        .commit_step(&step(
            &s,
            3,
            SessionStatus::OptedOut,
            "{}",
            &[],
            &[],
            None,
            t(40),
        ))
        .await
        .expect("commit");
    assert_eq!(
        store
            .sessions()
            .session(s.id)
            .await
            .expect("load")
            .expect("exists")
            .completed_at,
        None
    );
}

async fn failed_commit_leaves_nothing(db: &Db) {
    let store = &db.store;
    let s = new_session(db, "tracer").await;
    let before = snapshot(db, &s).await;

    // The empty code violates a CHECK constraint after the inbound message, the session
    // update and the first answer were written; everything must roll back.
    let answers = [
        set("f8", 0, "1", Value::Choice("1".into())),
        set("", 0, "x", Value::Text("x".into())),
    ];
    let events = [NewEvent {
        kind: "answered".into(),
        detail: json!({}),
    }];
    let c = step(
        &s,
        0,
        SessionStatus::Completed,
        "{\"broken\":true}",
        &answers,
        &events,
        Some(("console", "m1")),
        t(10),
    );
    let err = store
        .sessions()
        .commit_step(&c)
        .await
        .expect_err("check violation");
    assert!(err.db_context() == Some("storing an answer"), "{err:?}");
    assert_eq!(snapshot(db, &s).await, before);

    // Same with a bad event, after all answers went in.
    let answers = [set("f8", 0, "1", Value::Choice("1".into()))];
    let events = [
        NewEvent {
            kind: "ok".into(),
            detail: json!(1),
        },
        NewEvent {
            kind: String::new(),
            detail: json!({}),
        },
    ];
    let c = step(
        &s,
        0,
        SessionStatus::Completed,
        "{\"broken\":true}",
        &answers,
        &events,
        Some(("console", "m1")),
        t(10),
    );
    let err = store
        .sessions()
        .commit_step(&c)
        .await
        .expect_err("check violation");
    assert!(err.db_context() == Some("recording an event"), "{err:?}");
    assert_eq!(snapshot(db, &s).await, before);

    // The store is still usable and the message id was not consumed.
    let c = step(
        &s,
        0,
        SessionStatus::Answering,
        "{}",
        &answers,
        &[],
        Some(("console", "m1")),
        t(11),
    );
    assert_eq!(
        store.sessions().commit_step(&c).await.expect("commit"),
        CommitOutcome::Applied { revision: 1 }
    );
}

async fn unknown_session_is_an_error(db: &Db) {
    let s = new_session(db, "tracer").await;
    let mut ghost = s.clone();
    ghost.id += 1000;
    for inbound in [None, Some(("console", "m1"))] {
        let c = step(
            &ghost,
            0,
            SessionStatus::Answering,
            "{}",
            &[],
            &[],
            inbound,
            t(10),
        );
        let err = db
            .store
            .sessions()
            .commit_step(&c)
            .await
            .expect_err("no such session");
        assert!(
            matches!(err, StoreError::SessionNotFound(id) if id == ghost.id),
            "{err:?}"
        );
    }
    assert_eq!(
        db.store.sessions().session(ghost.id).await.expect("load"),
        None
    );
    let c = step(
        &s,
        0,
        SessionStatus::Answering,
        "{}",
        &[],
        &[],
        Some(("console", "m1")),
        t(10),
    );
    assert_eq!(
        db.store.sessions().commit_step(&c).await.expect("commit"),
        CommitOutcome::Applied { revision: 1 }
    );
}

async fn values_round_trip(db: &Db) {
    let s = new_session(db, "tracer").await;
    let values = [
        Value::Text("Insinyur \"sipil\" — ✓".into()),
        Value::Integer(-3),
        Value::Decimal(3.75),
        Value::Money(12_000_000),
        Value::Choice("a".into()),
        Value::Choices(vec!["a".into(), "c".into()]),
        Value::Scale(5),
        Value::Bool(true),
        Value::Date(NaiveDate::from_ymd_opt(2023, 7, 1).expect("date")),
        Value::MonthYear {
            year: 2024,
            month: 2,
        },
        Value::Phone("+6281234567890".into()),
        Value::Email("budi@example.id".into()),
        Value::Skipped,
    ];
    let ops: Vec<_> = values
        .iter()
        .enumerate()
        .map(|(i, v)| set(&format!("q{i}"), 0, "raw", v.clone()))
        .collect();
    db.store
        .sessions()
        .commit_step(&step(
            &s,
            0,
            SessionStatus::Answering,
            "{}",
            &ops,
            &[],
            None,
            t(10),
        ))
        .await
        .expect("commit");
    let got: Vec<_> = db
        .store
        .sessions()
        .current_answers(s.id)
        .await
        .expect("answers")
        .into_iter()
        .map(|a| a.value)
        .collect();
    assert_eq!(got, values);
}

async fn prune_inbound_messages(db: &Db) {
    let s = new_session(db, "tracer").await;
    db.store
        .sessions()
        .commit_step(&step(
            &s,
            0,
            SessionStatus::Answering,
            "{}",
            &[],
            &[],
            Some(("telegram", "1")),
            t(10),
        ))
        .await
        .expect("commit");
    db.store
        .sessions()
        .commit_step(&step(
            &s,
            1,
            SessionStatus::Answering,
            "{}",
            &[],
            &[],
            Some(("telegram", "2")),
            t(100),
        ))
        .await
        .expect("commit");
    assert_eq!(
        db.store
            .sessions()
            .prune_inbound_messages(t(50))
            .await
            .expect("prune"),
        1
    );
    // Message 2 is still remembered.
    let c = step(
        &s,
        2,
        SessionStatus::Answering,
        "{}",
        &[],
        &[],
        Some(("telegram", "2")),
        t(101),
    );
    assert_eq!(
        db.store.sessions().commit_step(&c).await.expect("commit"),
        CommitOutcome::Duplicate
    );
}

// ---------------------------------------------------------------------------------------
// SQLite only.

#[tokio::test]
async fn sqlite_file_created_in_missing_directory_with_wal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("not").join("yet there");
    let store = Store::open_data_dir(&data).await.expect("open data dir");
    assert_eq!(store.backend(), Backend::Sqlite);
    let file = data.join("jejak.db");
    assert!(file.is_file(), "{} created", file.display());
    let id = store
        .respondents()
        .upsert_respondent(&roster(None, "Budi"), t(0))
        .await
        .expect("write");
    store.close().await;

    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite:{}", file.display()))
        .await
        .expect("connect");
    let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
        .fetch_one(&mut conn)
        .await
        .expect("pragma");
    assert_eq!(mode, "wal");
    conn.close().await.expect("close");

    let again = Store::open_data_dir(&data).await.expect("reopen");
    assert!(
        again
            .respondents()
            .respondent(id)
            .await
            .expect("load")
            .is_some()
    );
}

#[tokio::test]
async fn sqlite_url_variants() {
    let dir = tempfile::tempdir().expect("tempdir");
    let nested = dir.path().join("a").join("b.db");
    let store = Store::connect(&format!("sqlite://{}", nested.display()))
        .await
        .expect("sqlite://");
    assert!(nested.is_file());
    store.close().await;
    let memory = Store::connect("sqlite::memory:").await.expect("memory");
    new_respondent_in(&memory).await;
    assert!(matches!(
        Store::connect("mysql://x").await,
        Err(StoreError::UnsupportedUrl { .. })
    ));
}

async fn new_respondent_in(store: &Store) {
    store
        .respondents()
        .upsert_respondent(&roster(None, "Budi"), t(0))
        .await
        .expect("write");
}
