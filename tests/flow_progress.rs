//! `flow_progress` (migration 0011), the per-respondent, per-flow summary the response report,
//! the console's overview and the waves read, stays equal to the same facts computed from the
//! base tables through invite, start, answer, complete, opt-out, expiry, unreachable, `/ulang`
//! restart, a new session after a closed one, wave messages being sent, a channel binding and
//! a roster re-import — on SQLite and PostgreSQL. After every step the table is compared row
//! by row with a from-scratch computation, and `report_cells` with the report's statement
//! over the base tables as it was before the summary existed.

#[path = "support/report_data.rs"]
mod report_data;
#[path = "support/test_db.rs"]
#[macro_use]
mod test_db;

use std::collections::BTreeMap;

use jejak::model::SessionStatus;
use jejak::report::response::response_report;
use jejak::store::{AnswerOp, ReportCell, ReportColumn, RespondentId, Scope};
use report_data::{FLOW, enrol, f8_answer, id_of, outbox, person, step, t, wave};
use sqlx::Row;
use test_db::Db;

both_backends!(summary_follows_every_write);

/// The summary's columns computed from the base tables for every (flow, respondent) with a
/// session: the definitions of `report::response`, spelled out independently of the
/// migration's triggers.
const FROM_SCRATCH: &str = "\
    SELECT a.flow_id, a.respondent_id, a.started, a.completed, a.opted_out, a.first_done, \
        CASE WHEN EXISTS (SELECT 1 FROM roster_invites i \
                          WHERE i.flow_id = a.flow_id AND i.respondent_id = a.respondent_id) \
              OR EXISTS (SELECT 1 FROM channel_bindings b WHERE b.respondent_id = a.respondent_id) \
              OR EXISTS (SELECT 1 FROM outbox o JOIN waves w ON w.id = o.wave_id \
                         WHERE o.respondent_id = a.respondent_id AND w.flow_id = a.flow_id \
                           AND o.status = 'sent') \
        THEN 1 ELSE 0 END AS reached, \
        (SELECT o.wave_id FROM outbox o JOIN waves w ON w.id = o.wave_id \
         WHERE o.respondent_id = a.respondent_id AND w.flow_id = a.flow_id \
           AND o.status = 'sent' AND o.sent_at IS NOT NULL AND o.sent_at <= a.first_done \
         ORDER BY o.sent_at DESC, o.wave_id DESC LIMIT 1) AS after_wave, \
        a.latest_session, \
        (SELECT l.status FROM sessions l WHERE l.id = a.latest_session) AS latest_status \
    FROM (SELECT s.flow_id, s.respondent_id, \
              MAX(CASE WHEN s.status IN ('consent', 'answering', 'completed', 'opted_out') \
                       THEN 1 \
                       WHEN s.status = 'expired' \
                            AND EXISTS (SELECT 1 FROM answers x WHERE x.session_id = s.id) \
                       THEN 1 ELSE 0 END) AS started, \
              MAX(CASE WHEN s.status = 'completed' THEN 1 ELSE 0 END) AS completed, \
              MAX(CASE WHEN s.status = 'opted_out' THEN 1 ELSE 0 END) AS opted_out, \
              MIN(CASE WHEN s.status = 'completed' THEN s.completed_at END) AS first_done, \
              MAX(s.id) AS latest_session \
          FROM sessions s GROUP BY s.flow_id, s.respondent_id) a \
    ORDER BY a.flow_id, a.respondent_id";

const STORED: &str = "\
    SELECT flow_id, respondent_id, started, completed, opted_out, first_done, reached, \
        after_wave, latest_session, latest_status \
    FROM flow_progress ORDER BY flow_id, respondent_id";

/// `response_report`'s cells by school, by the statement `report_cells` ran over the base
/// tables before migration 0011 (the reference the summary must keep equal).
const REPORT_FROM_SCRATCH: &str = "\
    SELECT t.label, t.completed, t.after_wave, COUNT(*) AS roster, \
        SUM(t.invited) AS invited, SUM(t.unreachable) AS unreachable, \
        SUM(t.started) AS started, SUM(t.opted_out) AS opted_out \
    FROM ( \
        SELECT r.school AS label, r.unreachable, a.started, a.completed, \
            CASE WHEN a.any_opted_out = 1 AND a.completed = 0 THEN 1 ELSE 0 END AS opted_out, \
            CASE WHEN r.token IS NOT NULL AND ( \
                EXISTS (SELECT 1 FROM roster_invites i \
                        WHERE i.flow_id = $1 AND i.respondent_id = r.id) \
                OR EXISTS (SELECT 1 FROM channel_bindings b WHERE b.respondent_id = r.id) \
                OR EXISTS (SELECT 1 FROM outbox o JOIN waves w ON w.id = o.wave_id \
                           WHERE o.respondent_id = r.id AND w.flow_id = $1 \
                             AND o.status = 'sent')) \
            THEN 1 ELSE 0 END AS invited, \
            CASE WHEN a.first_done IS NULL THEN NULL ELSE ( \
                SELECT o.wave_id FROM outbox o JOIN waves w ON w.id = o.wave_id \
                WHERE o.respondent_id = r.id AND w.flow_id = $1 \
                  AND o.status = 'sent' AND o.sent_at IS NOT NULL \
                  AND o.sent_at <= a.first_done \
                ORDER BY o.sent_at DESC, o.wave_id DESC LIMIT 1) END AS after_wave \
        FROM ( \
            SELECT s.respondent_id AS rid, \
                MAX(CASE WHEN s.status IN ('consent', 'answering', 'completed', 'opted_out') \
                         THEN 1 \
                         WHEN s.status = 'expired' AND EXISTS ( \
                             SELECT 1 FROM answers x WHERE x.session_id = s.id) \
                         THEN 1 ELSE 0 END) AS started, \
                MAX(CASE WHEN s.status = 'completed' THEN 1 ELSE 0 END) AS completed, \
                MAX(CASE WHEN s.status = 'opted_out' THEN 1 ELSE 0 END) AS any_opted_out, \
                MIN(CASE WHEN s.status = 'completed' THEN s.completed_at END) AS first_done \
            FROM sessions s WHERE s.flow_id = $1 GROUP BY s.respondent_id) a \
        JOIN respondents r ON r.id = a.rid) t \
    GROUP BY t.label, t.completed, t.after_wave";

type Progress = (
    String,
    i64,
    i64,
    i64,
    i64,
    Option<i64>,
    i64,
    Option<i64>,
    i64,
    String,
);

async fn progress_rows(pool: &sqlx::AnyPool, sql: &str) -> Vec<Progress> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(pool)
        .await
        .unwrap();
    // Integers read as i64 whatever width the backend computed them in.
    let int = |r: &sqlx::any::AnyRow, c: &str| -> i64 {
        r.try_get::<i64, _>(c)
            .or_else(|_| r.try_get::<i32, _>(c).map(i64::from))
            .unwrap()
    };
    rows.iter()
        .map(|r| {
            (
                r.get::<String, _>("flow_id"),
                int(r, "respondent_id"),
                int(r, "started"),
                int(r, "completed"),
                int(r, "opted_out"),
                r.get::<Option<i64>, _>("first_done"),
                int(r, "reached"),
                r.get::<Option<i64>, _>("after_wave"),
                int(r, "latest_session"),
                r.get::<String, _>("latest_status"),
            )
        })
        .collect()
}

async fn reference_cells(pool: &sqlx::AnyPool) -> Vec<ReportCell> {
    let rows = sqlx::query(REPORT_FROM_SCRATCH)
        .bind(FLOW)
        .fetch_all(pool)
        .await
        .unwrap();
    let count = |r: &sqlx::any::AnyRow, c: &str| -> u64 {
        u64::try_from(r.get::<Option<i64>, _>(c).unwrap_or(0)).unwrap()
    };
    let mut cells: Vec<ReportCell> = rows
        .iter()
        .map(|r| ReportCell {
            label: r.get("label"),
            completed: r.get::<i64, _>("completed") != 0,
            after_wave: r.get("after_wave"),
            roster: count(r, "roster"),
            invited: count(r, "invited"),
            unreachable: count(r, "unreachable"),
            started: count(r, "started"),
            opted_out: count(r, "opted_out"),
        })
        .collect();
    sort(&mut cells);
    cells
}

fn sort(cells: &mut [ReportCell]) {
    cells.sort_by(|a, b| {
        (&a.label, a.completed, a.after_wave).cmp(&(&b.label, b.completed, b.after_wave))
    });
}

/// The summary equals the from-scratch facts, and the report equals the old statement's.
async fn check(db: &Db, pool: &sqlx::AnyPool, when: &str) {
    let stored = progress_rows(pool, STORED).await;
    let fresh = progress_rows(pool, FROM_SCRATCH).await;
    assert_eq!(stored, fresh, "flow_progress after {when}");
    let mut cells = db
        .store
        .roster()
        .report_cells(FLOW, Some(ReportColumn::School), &Scope::All)
        .await
        .unwrap();
    sort(&mut cells);
    assert_eq!(
        cells,
        reference_cells(pool).await,
        "report cells after {when}"
    );
}

/// The status of a respondent's summary row, if any.
async fn latest_status(pool: &sqlx::AnyPool, r: RespondentId) -> Option<String> {
    sqlx::query("SELECT latest_status FROM flow_progress WHERE flow_id = $1 AND respondent_id = $2")
        .bind(FLOW)
        .bind(r)
        .fetch_optional(pool)
        .await
        .unwrap()
        .map(|row| row.get(0))
}

async fn summary_follows_every_write(db: &Db) {
    let s = &db.store;
    let pool = db.raw().await;
    let roster = vec![
        person("a", Some("2025"), "TKJ", "S1"),
        person("b", Some("2025"), "TKJ", "S1"),
        person("c", Some("2025"), "TKJ", "S2"),
        person("d", Some("2025"), "TKJ", "S2"),
    ];
    s.roster()
        .upsert_roster_batch(&roster, Some(&enrol(FLOW)), t(0))
        .await
        .unwrap();
    check(db, &pool, "the import").await;
    let (a, b, c, d) = (
        id_of(s, "a").await,
        id_of(s, "b").await,
        id_of(s, "c").await,
        id_of(s, "d").await,
    );
    assert_eq!(latest_status(&pool, a).await.as_deref(), Some("invited"));

    // Invite: links exported for a, b bound to a chat.
    s.roster().mark_invited(FLOW, &[a], t(1)).await.unwrap();
    check(db, &pool, "exporting links").await;
    s.respondents()
        .bind_channel(b, "telegram", "2002", t(1))
        .await
        .unwrap();
    check(db, &pool, "a channel binding").await;

    // A wave: a pending message to c, then sent (as the dispatcher does), one to a.
    let (w, run) = wave(&pool, FLOW, "pengingat-1").await;
    for r in [a, c] {
        outbox(&pool, (w, run), r, "pending", None).await;
    }
    check(db, &pool, "planning a wave").await;
    sqlx::query("UPDATE outbox SET status = 'sending', attempt_at = $1 WHERE wave_id = $2")
        .bind(t(2).timestamp_millis())
        .bind(w)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE outbox SET status = 'sent', sent_at = $1 WHERE wave_id = $2")
        .bind(t(2).timestamp_millis())
        .bind(w)
        .execute(&pool)
        .await
        .unwrap();
    check(db, &pool, "sending a wave").await;

    // Start, answer, complete (a); opt out (b); unreachable (c).
    step(s, a, SessionStatus::Consent, &[], t(3)).await;
    check(db, &pool, "a consent").await;
    step(s, a, SessionStatus::Answering, &f8_answer(), t(3)).await;
    // A second answer in the same status changes nothing in the summary.
    step(s, a, SessionStatus::Answering, &f8_answer(), t(3)).await;
    check(db, &pool, "answering").await;
    step(s, a, SessionStatus::Completed, &[], t(4)).await;
    check(db, &pool, "a completion").await;
    assert_eq!(latest_status(&pool, a).await.as_deref(), Some("completed"));
    step(s, b, SessionStatus::OptedOut, &[], t(4)).await;
    check(db, &pool, "an opt-out").await;
    s.respondents().mark_unreachable(c, true).await.unwrap();
    check(db, &pool, "unreachable").await;

    // d: answers, then `/ulang` (all answers retracted, back to answering), expires, and
    // later starts again in a new session (the old one stays on the roster's history).
    step(s, d, SessionStatus::Consent, &[], t(5)).await;
    step(s, d, SessionStatus::Answering, &f8_answer(), t(5)).await;
    step(
        s,
        d,
        SessionStatus::Answering,
        &[AnswerOp::RetractAll],
        t(6),
    )
    .await;
    check(db, &pool, "/ulang").await;
    step(s, d, SessionStatus::Expired, &[], t(7)).await;
    check(db, &pool, "an expiry after answering").await;
    s.sessions()
        .open_session(d, FLOW, 1, SessionStatus::Invited, "{}", t(8))
        .await
        .unwrap();
    check(db, &pool, "a new session").await;
    assert_eq!(latest_status(&pool, d).await.as_deref(), Some("invited"));
    step(s, d, SessionStatus::Completed, &[], t(9)).await;
    check(db, &pool, "completing the new session").await;

    // A message sent after a's completion does not change the wave a's completion followed.
    outbox(&pool, (w, run), b, "sent", Some(t(10))).await;
    check(db, &pool, "a message after an opt-out").await;

    // Re-import: c moves school, e is new; nobody's progress is reset.
    let again = vec![
        person("a", Some("2025"), "TKJ", "S1"),
        person("b", Some("2025"), "TKJ", "S1"),
        person("c", Some("2025"), "TKJ", "S1"),
        person("d", Some("2025"), "TKJ", "S2"),
        person("e", Some("2025"), "TKJ", "S2"),
    ];
    s.roster()
        .upsert_roster_batch(&again, Some(&enrol(FLOW)), t(11))
        .await
        .unwrap();
    check(db, &pool, "a re-import").await;

    // Another flow's enrolment keeps its own rows.
    s.roster()
        .upsert_roster_batch(
            &[person("a", Some("2025"), "TKJ", "S1")],
            Some(&enrol("other")),
            t(12),
        )
        .await
        .unwrap();
    check(db, &pool, "another flow's enrolment").await;

    // The numbers themselves, for the record: a (completed after w), b (opted out), c
    // (unreachable, reached by w), d (completed, no wave), e (new).
    let r = response_report(s, FLOW, None).await.unwrap();
    let total = &r.total;
    assert_eq!(
        (
            total.roster,
            total.invited,
            total.started,
            total.completed,
            total.opted_out,
            total.unreachable
        ),
        (5, 3, 3, 2, 1, 1)
    );
    let want: BTreeMap<Option<i64>, u64> = [(Some(w), 1), (None, 1)].into();
    assert_eq!(total.after_wave, want);
    pool.close().await;
}
