//! Building blocks of the report and summary tests (`tests/report.rs`,
//! `tests/flow_progress.rs`): respondents of a constructed roster, steps of their sessions at
//! fixed times, and wave messages written the way the dispatcher leaves them.

#![allow(dead_code)]

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use jejak::model::{AnswerKey, RespondentFields, SessionStatus, Value};
use jejak::store::{AnswerOp, Enrolment, NewRespondent, RespondentId, StepCommit, Store};
use sqlx::Row;

/// The flow every session of these tests belongs to, unless a test says otherwise.
pub const FLOW: &str = "tracer-smk";

/// `hours` after 1 October 2026, 00:00 UTC.
pub fn t(hours: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0)
        .single()
        .expect("valid")
        + Duration::hours(hours)
}

/// A roster row named after `ext`.
pub fn person(ext: &str, cohort: Option<&str>, programme: &str, school: &str) -> NewRespondent {
    NewRespondent {
        fields: RespondentFields {
            name: Some(format!("Alumni {ext}")),
            external_id: Some(ext.into()),
            cohort: cohort.map(Into::into),
            programme: Some(programme.into()),
            school: Some(school.into()),
            province: None,
            extra: BTreeMap::new(),
            ..RespondentFields::default()
        },
        ..NewRespondent::default()
    }
}

/// Enrolment of imported rows in `flow` (the states are not read by these tests).
pub fn enrol(flow: &str) -> Enrolment {
    Enrolment {
        flow_id: flow.into(),
        flow_version: 1,
        state_en: "{}".into(),
        state_default: "{}".into(),
    }
}

/// The id of the respondent imported with external id `ext`.
pub async fn id_of(store: &Store, ext: &str) -> RespondentId {
    store.roster().identity_of(ext).await.unwrap().unwrap().0
}

/// One answer to f8 (a choice), as a step would store it.
pub fn f8_answer() -> Vec<AnswerOp> {
    vec![AnswerOp::Set {
        key: AnswerKey {
            code: "f8".into(),
            iteration: 0,
        },
        raw: "1".into(),
        value: Value::Choice("1".into()),
    }]
}

/// Commits one step of the respondent's latest session of FLOW: `status`, with `answers`.
pub async fn step(
    store: &Store,
    r: RespondentId,
    status: SessionStatus,
    answers: &[AnswerOp],
    at: DateTime<Utc>,
) {
    let s = store
        .sessions()
        .latest_session(r, FLOW)
        .await
        .unwrap()
        .expect("session");
    let c = StepCommit {
        session_id: s.id,
        expected_revision: s.revision,
        status,
        state_json: "{}",
        flow_version: s.flow_version,
        answers,
        events: &[],
        inbound: None,
        now: at,
    };
    store.sessions().commit_step(&c).await.unwrap();
}

/// Inserts a wave of `flow` and one run of it; returns (wave id, run id). The waves part
/// owns these tables: only the columns their constraints require are written.
pub async fn wave(pool: &sqlx::AnyPool, flow: &str, name: &str) -> (i64, i64) {
    let w: i64 = sqlx::query(
        "INSERT INTO waves (flow_id, name, message_id, at_ms, created_at) \
         VALUES ($1, $2, 'reminder-1', 0, 0) RETURNING id",
    )
    .bind(flow)
    .bind(name)
    .fetch_one(pool)
    .await
    .unwrap()
    .get(0);
    let run: i64 = sqlx::query(
        "INSERT INTO wave_runs (wave_id, due_at, planned_at) VALUES ($1, 0, 0) RETURNING id",
    )
    .bind(w)
    .fetch_one(pool)
    .await
    .unwrap()
    .get(0);
    (w, run)
}

/// A wave message to `r` in `status`, sent at `sent` when given.
pub async fn outbox(
    pool: &sqlx::AnyPool,
    (wave, run): (i64, i64),
    r: RespondentId,
    status: &str,
    sent: Option<DateTime<Utc>>,
) {
    sqlx::query(
        "INSERT INTO outbox (run_id, wave_id, respondent_id, status, not_before, sent_at) \
         VALUES ($1, $2, $3, $4, 0, $5)",
    )
    .bind(run)
    .bind(wave)
    .bind(r)
    .bind(status)
    .bind(sent.map(|t| t.timestamp_millis()))
    .execute(pool)
    .await
    .unwrap();
}
