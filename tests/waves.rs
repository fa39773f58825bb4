//! Reminder waves end to end against a real store (SQLite and PostgreSQL): planning,
//! eligibility and its dry run, time zones and quiet hours, cron waves across days, caps
//! and gaps, pause/resume/cancel, skipping respondents who finished after planning,
//! rate-limit and blocked-bot replies, resuming mid-survey respondents at their question,
//! and two dispatchers sharing one outbox. The clock is a `ManualClock`; the platform is an
//! in-process `Outbound` that records what it was asked to send.

#[path = "support/test_db.rs"]
#[macro_use]
mod test_db;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use jejak::channel::{Outbound, OutboundMessage, SendError, SendFuture};
use jejak::conversation::Conversations;
use jejak::engine::Input;
use jejak::i18n::Catalog;
use jejak::model::{Lang, RespondentFields, SessionStatus};
use jejak::schedule::dispatcher::{DispatchConfig, Dispatcher};
use jejak::schedule::eligibility::{Exclusion, Segment, StatusFilter};
use jejak::schedule::quiet::QuietHours;
use jejak::schedule::{ManualClock, spec};
use jejak::store::{NewRespondent, NewWave, RespondentId, StepCommit, Store, WaveState};
use test_db::Db;

both_backends!(
    quiet_hours_hold_each_zone_until_its_morning,
    cron_wave_runs_across_days_with_cap,
    min_gap_spans_waves,
    pause_resume_cancel,
    completed_after_planning_is_skipped,
    retry_after_and_blocked_bot,
    mid_survey_reminder_ends_with_their_question,
    dry_run_counts_every_reason,
    two_dispatchers_send_each_message_once,
    planning_twice_plans_once,
    unfinished_wave_continues_after_quiet_hours,
    template_params_come_from_the_roster,
    waves_reach_only_respondents_of_their_flow,
    interrupted_planning_plans_all_or_nothing,
    reminder_asks_the_question_of_the_sessions_own_version,
    deleting_by_hand_takes_the_reminders_along,
    an_aborted_dispatcher_stops_beating,
    segments_ignore_case_and_spaces,
);

/// An in-process platform: records every send, and answers with scripted errors per
/// address first.
#[derive(Default)]
struct FakeOutbound {
    sent: Mutex<Vec<(String, String)>>,
    templates: Mutex<Vec<Option<jejak::channel::Template>>>,
    script: Mutex<HashMap<String, VecDeque<SendError>>>,
}

impl FakeOutbound {
    fn count_for(&self, address: &str) -> usize {
        self.sent
            .lock()
            .expect("lock")
            .iter()
            .filter(|(a, _)| a == address)
            .count()
    }
    fn total(&self) -> usize {
        self.sent.lock().expect("lock").len()
    }
    fn texts_for(&self, address: &str) -> Vec<String> {
        self.sent
            .lock()
            .expect("lock")
            .iter()
            .filter(|(a, _)| a == address)
            .map(|(_, t)| t.clone())
            .collect()
    }
    fn fail(&self, address: &str, errors: Vec<SendError>) {
        self.script
            .lock()
            .expect("lock")
            .insert(address.to_owned(), errors.into());
    }
}

impl Outbound for FakeOutbound {
    fn channel(&self) -> &'static str {
        "telegram"
    }
    fn send<'a>(&'a self, address: &'a str, message: &'a OutboundMessage) -> SendFuture<'a> {
        Box::pin(async move {
            let scripted = self
                .script
                .lock()
                .expect("lock")
                .get_mut(address)
                .and_then(VecDeque::pop_front);
            if let Some(e) = scripted {
                return Err(e);
            }
            let text = message
                .replies
                .iter()
                .map(|r| r.plain())
                .collect::<Vec<_>>()
                .join("\n---\n");
            self.templates
                .lock()
                .expect("lock")
                .push(message.template.clone());
            let mut sent = self.sent.lock().expect("lock");
            sent.push((address.to_owned(), text));
            Ok(vec![format!("m{}", sent.len())])
        })
    }
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("valid time")
        .with_timezone(&Utc)
}

const FLOW: &str = "tracer-smk";

fn flow() -> Arc<jejak::flow::Flow> {
    Arc::new(jejak::flow::load(std::path::Path::new("flows/tracer-smk.yaml")).expect("flow loads"))
}

/// Adds a respondent in `tz` with a Telegram chat `chat`.
async fn person(
    store: &Store,
    name: &str,
    tz: Option<&str>,
    chat: &str,
    cohort: &str,
) -> RespondentId {
    let r = NewRespondent {
        fields: RespondentFields {
            name: Some(name.into()),
            external_id: Some(format!("ext-{chat}")),
            cohort: Some(cohort.into()),
            programme: Some("TKJ".into()),
            school: Some("SMKN 1 Contoh".into()),
            ..Default::default()
        },
        timezone: tz.map(Into::into),
        language: Some(Lang::Id),
        ..Default::default()
    };
    let id = store
        .respondents()
        .upsert_respondent(&r, utc("2026-11-01T00:00:00Z"))
        .await
        .expect("respondent");
    store
        .respondents()
        .bind_channel(id, "telegram", chat, utc("2026-11-01T00:00:00Z"))
        .await
        .expect("bind");
    test_db::enrol(store, id, FLOW).await;
    id
}

/// Puts a respondent's session of the flow in `status`.
async fn set_status(store: &Store, id: RespondentId, status: SessionStatus, now: DateTime<Utc>) {
    let mut st = jejak::engine::SessionState::invited(Lang::Id);
    let s = store
        .sessions()
        .open_session(
            id,
            FLOW,
            1,
            SessionStatus::Invited,
            &serde_json::to_string(&st).expect("json"),
            now,
        )
        .await
        .expect("session");
    st.status = status;
    let json = serde_json::to_string(&st).expect("json");
    store
        .sessions()
        .commit_step(&StepCommit {
            session_id: s.id,
            expected_revision: s.revision,
            status,
            state_json: &json,
            flow_version: 1,
            answers: &[],
            events: &[],
            inbound: None,
            now,
        })
        .await
        .expect("commit");
}

fn wave(at: Option<DateTime<Utc>>, cron: Option<&str>, tz: &str) -> NewWave {
    NewWave {
        flow_id: FLOW.into(),
        name: "test wave".into(),
        message_id: "reminder-1".into(),
        at,
        cron: cron.map(Into::into),
        tz: Some(tz.into()),
        until: None,
        segment: Segment::default(),
        status: StatusFilter::Pending,
        max_per_person: None,
        min_gap_secs: None,
        template: None,
    }
}

struct Rig {
    clock: Arc<ManualClock>,
    fake: Arc<FakeOutbound>,
    dispatcher: Arc<Dispatcher>,
}

fn rig(store: &Store, start: DateTime<Utc>) -> Rig {
    let clock = Arc::new(ManualClock::new(start));
    let fake = Arc::new(FakeOutbound::default());
    let dispatcher = dispatcher(store, &clock, &fake);
    Rig {
        clock,
        fake,
        dispatcher,
    }
}

fn dispatcher(
    store: &Store,
    clock: &Arc<ManualClock>,
    fake: &Arc<FakeOutbound>,
) -> Arc<Dispatcher> {
    dispatcher_with(store, clock, fake, flow())
}

fn dispatcher_with(
    store: &Store,
    clock: &Arc<ManualClock>,
    fake: &Arc<FakeOutbound>,
    flow: Arc<jejak::flow::Flow>,
) -> Arc<Dispatcher> {
    let cfg = DispatchConfig {
        rates: HashMap::from([("telegram".into(), 2000.0)]),
        per_chat_interval: StdDuration::from_millis(1),
        ..DispatchConfig::default()
    };
    Arc::new(Dispatcher::new(
        store.clone(),
        vec![fake.clone() as Arc<dyn Outbound>],
        Arc::new(Catalog::embedded().expect("catalog")),
        vec![flow],
        clock.clone(),
        cfg,
    ))
}

impl Rig {
    /// Runs rounds until one claims nothing.
    async fn drain(&self) {
        for _ in 0..50 {
            let r = self.dispatcher.run_once().await.expect("dispatch");
            if r.claimed == 0 {
                return;
            }
        }
        panic!("the outbox did not drain");
    }
}

async fn counts(store: &Store, wave: i64) -> BTreeMap<String, i64> {
    store.waves().outbox_counts(wave).await.expect("counts")
}

async fn quiet_hours_hold_each_zone_until_its_morning(db: &Db) {
    let s = &db.store;
    person(s, "Budi", Some("Asia/Jakarta"), "100", "2025").await;
    person(s, "Made", Some("Asia/Makassar"), "200", "2025").await;
    person(s, "Yosef", Some("Asia/Jayapura"), "300", "2025").await;
    person(s, "Sari", None, "400", "2025").await; // no zone: WIB
    // 20:30 WIB = 21:30 WITA = 22:30 WIT.
    let due = spec::parse_at("2026-12-01 20:30", chrono_tz::Asia::Jakarta).expect("at");
    let r = rig(s, due);
    let w = s
        .waves()
        .create_wave(
            &wave(Some(due), None, "Asia/Jakarta"),
            due - Duration::days(1),
        )
        .await
        .expect("wave");
    r.drain().await;
    assert_eq!(r.fake.count_for("100"), 1, "WIB is still awake at 20:30");
    assert_eq!(r.fake.count_for("400"), 1, "no zone means WIB");
    assert_eq!(r.fake.count_for("200"), 0, "21:30 WITA is quiet");
    assert_eq!(r.fake.count_for("300"), 0, "22:30 WIT is quiet");
    // 06:59 WIT is still quiet; 07:00 WIT = 22:00 UTC goes.
    r.clock.set(utc("2026-12-01T21:59:00Z"));
    r.drain().await;
    assert_eq!(r.fake.count_for("300"), 0);
    r.clock.set(utc("2026-12-01T22:00:00Z"));
    r.drain().await;
    assert_eq!(r.fake.count_for("300"), 1, "07:00 WIT");
    assert_eq!(r.fake.count_for("200"), 0, "06:00 WITA");
    r.clock.set(utc("2026-12-01T23:00:00Z"));
    r.drain().await;
    assert_eq!(r.fake.count_for("200"), 1, "07:00 WITA");
    assert_eq!(counts(s, w).await.get("sent"), Some(&4));
    assert_eq!(r.fake.total(), 4);
    // A one-off wave is finished once planned.
    assert_eq!(
        s.waves().wave(w).await.expect("load").expect("wave").state,
        WaveState::Finished
    );
}

async fn cron_wave_runs_across_days_with_cap(db: &Db) {
    let s = &db.store;
    person(s, "A", Some("Asia/Makassar"), "1", "2025").await;
    let b = person(s, "B", Some("Asia/Makassar"), "2", "2025").await;
    person(s, "C", Some("Asia/Makassar"), "3", "2024").await; // other cohort
    let created = utc("2026-11-30T00:00:00Z"); // 08:00 WITA Monday
    let mut w = wave(None, Some("0 9 * * *"), "Asia/Makassar");
    w.max_per_person = Some(3);
    w.segment = Segment::parse("cohort=2025").expect("segment");
    w.until = Some(spec::parse_until("2026-12-04", chrono_tz::Asia::Makassar).expect("until"));
    let r = rig(s, created);
    let id = s.waves().create_wave(&w, created).await.expect("wave");
    r.drain().await;
    assert_eq!(r.fake.total(), 0, "not due before 09:00 WITA");
    // Day 1..5 at 09:00 WITA (01:00 UTC), plus a check at 08:59 each day.
    for day in 0..5 {
        let nine = utc("2026-11-30T01:00:00Z") + Duration::days(day);
        r.clock.set(nine - Duration::minutes(1));
        r.drain().await;
        let before = r.fake.total();
        r.clock.set(nine);
        r.drain().await;
        if day == 1 {
            // B finishes on day 2 after the reminder.
            set_status(s, b, SessionStatus::Completed, nine + Duration::hours(1)).await;
        }
        let after = r.fake.total();
        match day {
            0 => assert_eq!(after - before, 2, "day 1: A and B"),
            1 => assert_eq!(after - before, 2, "day 2: A and B"),
            2 => assert_eq!(after - before, 1, "day 3: A only, B completed"),
            _ => assert_eq!(
                after - before,
                0,
                "day 4 capped at 3; day 5 is past --until"
            ),
        }
    }
    assert_eq!(r.fake.count_for("1"), 3);
    assert_eq!(r.fake.count_for("2"), 2);
    assert_eq!(r.fake.count_for("3"), 0);
    assert_eq!(
        s.waves().wave(id).await.expect("load").expect("wave").state,
        WaveState::Finished
    );
}

async fn min_gap_spans_waves(db: &Db) {
    let s = &db.store;
    person(s, "A", None, "1", "2025").await;
    let t0 = utc("2026-12-01T03:00:00Z"); // 10:00 WIB
    let r = rig(s, t0);
    s.waves()
        .create_wave(&wave(Some(t0), None, "Asia/Jakarta"), t0)
        .await
        .expect("wave");
    r.drain().await;
    assert_eq!(r.fake.count_for("1"), 1);
    let mut second = wave(Some(t0 + Duration::days(1)), None, "Asia/Jakarta");
    second.min_gap_secs = Some(3 * 86_400);
    let w2 = s.waves().create_wave(&second, t0).await.expect("wave");
    let mut third = wave(Some(t0 + Duration::days(4)), None, "Asia/Jakarta");
    third.min_gap_secs = Some(3 * 86_400);
    s.waves().create_wave(&third, t0).await.expect("wave");
    r.clock.set(t0 + Duration::days(1));
    let dry = jejak::cli::wave::dry_run(
        s,
        &s.waves().wave(w2).await.expect("load").expect("wave"),
        &QuietHours::default(),
        r.clock.now_utc(),
    )
    .await
    .expect("dry run");
    assert_eq!(dry.excluded.get(&Exclusion::TooSoon), Some(&1));
    r.drain().await;
    assert_eq!(r.fake.count_for("1"), 1, "one day after: too soon");
    r.clock.set(t0 + Duration::days(4));
    r.drain().await;
    assert_eq!(r.fake.count_for("1"), 2, "four days after: sent");
}

trait NowUtc {
    fn now_utc(&self) -> DateTime<Utc>;
}
impl NowUtc for ManualClock {
    fn now_utc(&self) -> DateTime<Utc> {
        jejak::schedule::Clock::now(self)
    }
}

async fn pause_resume_cancel(db: &Db) {
    let s = &db.store;
    for i in 0..5 {
        person(s, &format!("P{i}"), None, &format!("{i}"), "2025").await;
    }
    let t0 = utc("2026-12-01T03:00:00Z");
    let r = rig(s, t0);
    let id = s
        .waves()
        .create_wave(
            &wave(None, Some("0 10 * * *"), "Asia/Jakarta"),
            t0 - Duration::hours(1),
        )
        .await
        .expect("wave");
    // Plan the run, then pause before sending.
    r.dispatcher.heartbeat().await.expect("beat");
    r.dispatcher.plan().await.expect("plan");
    assert_eq!(counts(s, id).await.get("pending"), Some(&5));
    assert!(
        s.waves()
            .set_wave_state(id, &[WaveState::Active], WaveState::Paused)
            .await
            .expect("pause")
    );
    r.drain().await;
    assert_eq!(r.fake.total(), 0, "paused: nothing sent");
    // A paused cron wave plans nothing either.
    r.clock.set(t0 + Duration::days(1));
    r.drain().await;
    assert_eq!(r.fake.total(), 0);
    assert!(
        s.waves()
            .set_wave_state(id, &[WaveState::Paused], WaveState::Active)
            .await
            .expect("resume")
    );
    r.drain().await;
    assert_eq!(
        r.fake.total(),
        5,
        "resumed: the queued run goes out, the missed day collapses into it"
    );
    // Next day: plan, then cancel: the queue is skipped.
    r.clock.set(t0 + Duration::days(2));
    r.dispatcher.plan().await.expect("plan");
    assert_eq!(counts(s, id).await.get("pending"), Some(&5));
    assert!(
        s.waves()
            .set_wave_state(
                id,
                &[WaveState::Active, WaveState::Paused],
                WaveState::Cancelled
            )
            .await
            .expect("cancel")
    );
    r.drain().await;
    assert_eq!(r.fake.total(), 5);
    assert_eq!(counts(s, id).await.get("skipped"), Some(&5));
    assert!(
        !s.waves()
            .set_wave_state(id, &[WaveState::Paused], WaveState::Active)
            .await
            .expect("resume cancelled")
    );
}

async fn completed_after_planning_is_skipped(db: &Db) {
    let s = &db.store;
    let a = person(s, "A", None, "1", "2025").await;
    let b = person(s, "B", None, "2", "2025").await;
    person(s, "C", None, "3", "2025").await;
    let t0 = utc("2026-12-01T03:00:00Z");
    let r = rig(s, t0);
    let id = s
        .waves()
        .create_wave(&wave(Some(t0), None, "Asia/Jakarta"), t0)
        .await
        .expect("wave");
    r.dispatcher.heartbeat().await.expect("beat");
    r.dispatcher.plan().await.expect("plan");
    assert_eq!(counts(s, id).await.get("pending"), Some(&3));
    set_status(s, a, SessionStatus::Completed, t0).await;
    set_status(s, b, SessionStatus::OptedOut, t0).await;
    r.drain().await;
    assert_eq!(r.fake.count_for("1"), 0);
    assert_eq!(r.fake.count_for("2"), 0);
    assert_eq!(r.fake.count_for("3"), 1);
    let c = counts(s, id).await;
    assert_eq!(c.get("skipped"), Some(&2));
    assert_eq!(c.get("sent"), Some(&1));
}

async fn retry_after_and_blocked_bot(db: &Db) {
    let s = &db.store;
    person(s, "A", None, "1", "2025").await;
    let b = person(s, "B", None, "2", "2025").await;
    person(s, "C", None, "3", "2025").await;
    let t0 = utc("2026-12-01T03:00:00Z");
    let r = rig(s, t0);
    r.fake.fail(
        "1",
        vec![SendError::RetryAfter(StdDuration::from_millis(300))],
    );
    r.fake.fail(
        "2",
        vec![SendError::Unreachable("bot was blocked by the user".into())],
    );
    r.fake.fail(
        "3",
        vec![
            SendError::Transient("502".into()),
            SendError::Transient("502".into()),
        ],
    );
    let id = s
        .waves()
        .create_wave(&wave(Some(t0), None, "Asia/Jakarta"), t0)
        .await
        .expect("wave");
    let started = std::time::Instant::now();
    r.drain().await;
    assert_eq!(r.fake.total(), 0, "nothing got through on the first try");
    // Retry-after is honoured: the row waits 300 ms; the pacer pauses as long.
    r.clock.set(t0 + Duration::milliseconds(300));
    r.drain().await;
    assert!(started.elapsed() >= StdDuration::from_millis(300));
    assert_eq!(r.fake.count_for("1"), 1);
    // Transient failures back off 2 s, then 4 s.
    r.clock.set(t0 + Duration::seconds(3));
    r.drain().await;
    assert_eq!(r.fake.count_for("3"), 0);
    r.clock.set(t0 + Duration::seconds(10));
    r.drain().await;
    assert_eq!(r.fake.count_for("3"), 1);
    assert_eq!(r.fake.count_for("2"), 0);
    let c = counts(s, id).await;
    assert_eq!(c.get("unreachable"), Some(&1));
    assert_eq!(c.get("sent"), Some(&2));
    assert!(
        s.respondents()
            .respondent(b)
            .await
            .expect("load")
            .expect("exists")
            .unreachable
    );
    // An unreachable respondent is excluded from the next wave.
    let w2 = s
        .waves()
        .create_wave(
            &wave(Some(t0 + Duration::days(1)), None, "Asia/Jakarta"),
            t0,
        )
        .await
        .expect("wave");
    r.clock.set(t0 + Duration::days(1));
    r.drain().await;
    assert_eq!(counts(s, w2).await.get("sent"), Some(&2));
    assert_eq!(r.fake.count_for("2"), 0);
}

async fn mid_survey_reminder_ends_with_their_question(db: &Db) {
    let s = &db.store;
    let a = person(s, "Ayu", None, "1", "2025").await;
    person(s, "Bayu", None, "2", "2025").await;
    let t0 = utc("2026-12-01T03:00:00Z");
    let conv = Conversations {
        store: s.clone(),
        flow: flow(),
        catalog: Arc::new(Catalog::embedded().expect("catalog")),
    };
    conv.handle(a, &Input::Text("/mulai".into()), None, t0)
        .await
        .expect("start");
    let jejak::conversation::Handled::Replies(replies) = conv
        .handle(a, &Input::Text("ya".into()), None, t0)
        .await
        .expect("consent")
    else {
        panic!("replies expected");
    };
    let question = replies.last().expect("a question").text.clone();
    let r = rig(s, t0);
    s.waves()
        .create_wave(&wave(Some(t0), None, "Asia/Jakarta"), t0)
        .await
        .expect("wave");
    r.drain().await;
    let texts = r.fake.texts_for("1");
    assert_eq!(texts.len(), 1);
    assert!(texts[0].starts_with("Halo Ayu!"), "{}", texts[0]);
    assert!(
        texts[0].contains(&question),
        "the reminder repeats {question:?}: {}",
        texts[0]
    );
    let other = r.fake.texts_for("2");
    assert!(other[0].starts_with("Halo Bayu!") && !other[0].contains(&question));
    // Answering the reminder answers that question: the session moves on.
    let before = s
        .sessions()
        .latest_session(a, FLOW)
        .await
        .expect("load")
        .expect("session")
        .revision;
    conv.handle(a, &Input::Text("1".into()), None, t0)
        .await
        .expect("answer");
    let after = s
        .sessions()
        .latest_session(a, FLOW)
        .await
        .expect("load")
        .expect("session");
    assert!(after.revision > before);
    assert_eq!(
        s.sessions()
            .current_answers(after.id)
            .await
            .expect("answers")
            .len(),
        1
    );
}

async fn dry_run_counts_every_reason(db: &Db) {
    let s = &db.store;
    let t0 = utc("2026-12-01T13:30:00Z"); // 20:30 WIB, 21:30 WITA
    let done = person(s, "done", None, "1", "2025").await;
    set_status(s, done, SessionStatus::Completed, t0).await;
    let out = person(s, "out", None, "2", "2025").await;
    set_status(s, out, SessionStatus::OptedOut, t0).await;
    let dead = person(s, "dead", None, "3", "2025").await;
    s.respondents()
        .mark_unreachable(dead, true)
        .await
        .expect("mark");
    let nochat = s
        .respondents()
        .upsert_respondent(
            &NewRespondent {
                fields: RespondentFields {
                    name: Some("x".into()),
                    cohort: Some("2025".into()),
                    ..Default::default()
                },
                ..Default::default()
            },
            t0,
        )
        .await
        .expect("respondent");
    // On the flow (a session) but with no chat: excluded for that reason.
    test_db::enrol(s, nochat, FLOW).await;
    let started = person(s, "started", None, "5", "2025").await;
    set_status(s, started, SessionStatus::Answering, t0).await;
    person(s, "wib", Some("Asia/Jakarta"), "6", "2025").await;
    person(s, "wita", Some("Asia/Makassar"), "7", "2025").await;
    person(s, "other cohort", None, "8", "2024").await;
    let mut w = wave(Some(t0), None, "Asia/Jakarta");
    w.segment = Segment::parse("cohort=2025").expect("segment");
    w.status = StatusFilter::NotStarted;
    let id = s.waves().create_wave(&w, t0).await.expect("wave");
    let wave = s.waves().wave(id).await.expect("load").expect("wave");
    let d = jejak::cli::wave::dry_run(s, &wave, &QuietHours::default(), t0)
        .await
        .expect("dry run");
    assert_eq!(d.eligible_now, 1, "{d:?}");
    let e = |x| d.excluded.get(&x).copied().unwrap_or(0);
    assert_eq!(e(Exclusion::Completed), 1);
    assert_eq!(e(Exclusion::OptedOut), 1);
    assert_eq!(e(Exclusion::Unreachable), 1);
    assert_eq!(e(Exclusion::NoChannel), 1);
    assert_eq!(e(Exclusion::OtherStatus), 1);
    assert_eq!(e(Exclusion::QuietHours), 1);
    assert_eq!(d.quiet_by_zone.get("WITA"), Some(&1));
    let text = jejak::cli::wave::show(s, &wave, &QuietHours::default(), t0, jejak::model::Lang::En)
        .await
        .expect("show");
    assert!(text.contains("would receive it now: 1"), "{text}");
    assert!(text.contains("quiet hours   1 (WITA 1"), "{text}");
    // The staff default, Indonesian: the same numbers in a teacher's words.
    let text = jejak::cli::wave::show(s, &wave, &QuietHours::default(), t0, jejak::model::Lang::Id)
        .await
        .expect("show");
    assert!(text.contains("akan menerima sekarang: 1"), "{text}");
    assert!(
        text.contains("jam tenang     1 (WITA 1; dikirim setelah jam tenang berakhir)"),
        "{text}"
    );
    assert!(text.contains("(aktif)"), "{text}");
    // The planner agrees with the dry run: 2 rows (WIB now, WITA held).
    let r = rig(s, t0);
    r.drain().await;
    assert_eq!(counts(s, id).await.values().sum::<i64>(), 2);
    assert_eq!(r.fake.total(), 1);
}

async fn two_dispatchers_send_each_message_once(db: &Db) {
    let s = &db.store;
    for i in 0..200 {
        person(s, &format!("P{i}"), None, &format!("{i}"), "2025").await;
    }
    let t0 = utc("2026-12-01T03:00:00Z");
    let clock = Arc::new(ManualClock::new(t0));
    let fake = Arc::new(FakeOutbound::default());
    // A second connection pool, as a second process would have.
    let other = Store::connect(&db.url).await.expect("second store");
    let d1 = dispatcher(s, &clock, &fake);
    let d2 = dispatcher(&other, &clock, &fake);
    let id = s
        .waves()
        .create_wave(&wave(Some(t0), None, "Asia/Jakarta"), t0)
        .await
        .expect("wave");
    let run = |d: Arc<Dispatcher>| async move {
        for _ in 0..200 {
            let r = d.run_once().await.expect("dispatch");
            if r.claimed == 0 {
                break;
            }
        }
    };
    tokio::join!(run(d1), run(d2));
    assert_eq!(fake.total(), 200);
    for i in 0..200 {
        assert_eq!(fake.count_for(&i.to_string()), 1, "chat {i}");
    }
    assert_eq!(counts(s, id).await.get("sent"), Some(&200));
    other.close().await;
}

async fn planning_twice_plans_once(db: &Db) {
    let s = &db.store;
    for i in 0..50 {
        person(s, &format!("P{i}"), None, &format!("{i}"), "2025").await;
    }
    let t0 = utc("2026-12-01T03:00:00Z");
    let id = s
        .waves()
        .create_wave(&wave(Some(t0), None, "Asia/Jakarta"), t0)
        .await
        .expect("wave");
    let other = Store::connect(&db.url).await.expect("second store");
    let q = QuietHours::default();
    let (a, b) = tokio::join!(
        jejak::schedule::planner::plan_due(s, &q, t0),
        jejak::schedule::planner::plan_due(&other, &q, t0)
    );
    let planned = a.expect("plan").len() + b.expect("plan").len();
    assert_eq!(planned, 1, "exactly one planner planned the run");
    assert_eq!(counts(s, id).await.get("pending"), Some(&50));
    other.close().await;
}

/// A roster spans flows: a wave goes only to respondents with a session of its flow, not
/// to one enrolled in another flow only, nor to one with a chat and no session at all.
async fn waves_reach_only_respondents_of_their_flow(db: &Db) {
    let s = &db.store;
    let t0 = utc("2026-12-01T03:00:00Z"); // 10:00 WIB
    let mine = person(s, "mine", None, "1", "2025").await;
    let mut others = Vec::new();
    for (i, flow) in [(2, Some("other-flow")), (3, None)] {
        let id = s
            .respondents()
            .upsert_respondent(
                &NewRespondent {
                    fields: RespondentFields {
                        name: Some(format!("not mine {i}")),
                        external_id: Some(format!("ext-{i}")),
                        cohort: Some("2025".into()),
                        ..Default::default()
                    },
                    ..Default::default()
                },
                t0,
            )
            .await
            .expect("respondent");
        s.respondents()
            .bind_channel(id, "telegram", &i.to_string(), t0)
            .await
            .expect("bind");
        if let Some(f) = flow {
            test_db::enrol(s, id, f).await;
        }
        others.push(id);
    }
    let id = s
        .waves()
        .create_wave(&wave(Some(t0), None, "Asia/Jakarta"), t0)
        .await
        .expect("wave");
    let w = s.waves().wave(id).await.expect("load").expect("wave");
    let d = jejak::cli::wave::dry_run(s, &w, &QuietHours::default(), t0)
        .await
        .expect("dry run");
    assert_eq!(d.eligible_now, 1, "{d:?}");
    assert_eq!(d.excluded.values().sum::<i64>(), 0, "{d:?}");
    let planned = jejak::schedule::planner::plan_due(s, &QuietHours::default(), t0)
        .await
        .expect("plan");
    assert_eq!(planned.len(), 1);
    assert_eq!(planned[0].1.messages, 1);
    let r = rig(s, t0);
    r.drain().await;
    assert_eq!(r.fake.count_for("1"), 1);
    assert_eq!(r.fake.count_for("2") + r.fake.count_for("3"), 0);
    let _ = (mine, others);
}

/// Planning stopped part-way (the future dropped, as Ctrl-C or a lost connection does)
/// leaves the run either planned in full or not at all, never a run with part of its
/// messages; the next planner then plans it once.
async fn interrupted_planning_plans_all_or_nothing(db: &Db) {
    let s = &db.store;
    let n: i64 = 300;
    for i in 0..n {
        person(s, &format!("P{i}"), None, &format!("{i}"), "2025").await;
    }
    let t0 = utc("2026-12-01T03:00:00Z");
    let id = s
        .waves()
        .create_wave(&wave(Some(t0), None, "Asia/Jakarta"), t0)
        .await
        .expect("wave");
    let q = QuietHours::default();
    let mut interrupted = 0;
    let mut budget = StdDuration::from_micros(50);
    loop {
        let attempt =
            tokio::time::timeout(budget, jejak::schedule::planner::plan_due(s, &q, t0)).await;
        // Whatever happened, what is stored is a whole run or none. Both counts in one
        // statement (one snapshot): the commit of an attempt cut off just after it sent
        // `COMMIT` lands when it lands, possibly between two reads.
        let both = test_db::query_text(
            db,
            &format!(
                "SELECT CAST((SELECT count(*) FROM wave_runs WHERE wave_id = {id}) AS TEXT) \
                     || ':' || CAST((SELECT count(*) FROM outbox WHERE wave_id = {id}) AS TEXT)"
            ),
        )
        .await
        .unwrap_or_default();
        let (runs, rows) = both.split_once(':').unwrap_or(("?", "0"));
        let rows: i64 = rows.parse().unwrap_or(-1);
        match runs {
            "0" => assert_eq!(rows, 0, "messages without their run"),
            "1" => assert_eq!(rows, n, "a run with part of its messages"),
            other => panic!("{other} runs of a one-off wave"),
        }
        match attempt {
            Ok(planned) => {
                planned.expect("plan");
                break;
            }
            Err(_) => {
                interrupted += 1;
                budget *= 2;
            }
        }
    }
    assert!(interrupted > 0, "planning was never interrupted");
    // Done once: another planner finds nothing left to plan.
    assert!(
        jejak::schedule::planner::plan_due(s, &q, t0)
            .await
            .expect("plan")
            .is_empty()
    );
    assert_eq!(counts(s, id).await.get("pending"), Some(&n));
}

async fn unfinished_wave_continues_after_quiet_hours(db: &Db) {
    let s = &db.store;
    for i in 0..3 {
        person(
            s,
            &format!("P{i}"),
            Some("Asia/Jakarta"),
            &format!("{i}"),
            "2025",
        )
        .await;
    }
    // Planned at 20:59 WIB; by the time the dispatcher gets to the rows it is 21:00.
    let due = utc("2026-12-01T13:59:00Z");
    let r = rig(s, due);
    let id = s
        .waves()
        .create_wave(&wave(Some(due), None, "Asia/Jakarta"), due)
        .await
        .expect("wave");
    r.dispatcher.heartbeat().await.expect("beat");
    r.dispatcher.plan().await.expect("plan");
    r.clock.set(utc("2026-12-01T14:00:00Z"));
    r.drain().await;
    assert_eq!(r.fake.total(), 0, "21:00 WIB: held");
    assert_eq!(counts(s, id).await.get("pending"), Some(&3));
    r.clock.set(utc("2026-12-01T23:59:00Z")); // 06:59 WIB
    r.drain().await;
    assert_eq!(r.fake.total(), 0);
    r.clock.set(utc("2026-12-02T00:00:00Z")); // 07:00 WIB
    r.drain().await;
    assert_eq!(r.fake.total(), 3, "the wave continues in the next window");
    assert_eq!(counts(s, id).await.get("sent"), Some(&3));
}

async fn template_params_come_from_the_roster(db: &Db) {
    let s = &db.store;
    person(s, "Wulan", None, "1", "2025").await;
    let t0 = utc("2026-12-01T03:00:00Z");
    let r = rig(s, t0);
    let mut w = wave(Some(t0), None, "Asia/Jakarta");
    w.template = Some(jejak::store::WaveTemplate {
        name: "pengingat_survei".into(),
        language: "id".into(),
        params: vec!["name".into(), "school".into(), "cohort".into()],
    });
    s.waves().create_wave(&w, t0).await.expect("wave");
    r.drain().await;
    let templates = r.fake.templates.lock().expect("lock").clone();
    let t = templates[0].clone().expect("a template");
    assert_eq!(t.name, "pengingat_survei");
    assert_eq!(t.params, vec!["Wulan", "SMKN 1 Contoh", "2025"]);
}

/// Version 2 of the shipped flow with f8's question reworded: what a deploy while
/// respondents are in the middle of version 1 looks like.
fn flow_v2() -> Arc<jejak::flow::Flow> {
    let src = std::fs::read_to_string("flows/tracer-smk.yaml").expect("flow text");
    let v1_header = "  id: tracer-smk\n  version: 1\n";
    assert!(src.contains(v1_header) && src.contains(V1_F8));
    let src = src
        .replace(v1_header, "  id: tracer-smk\n  version: 2\n")
        .replace(V1_F8, V2_F8);
    Arc::new(jejak::flow::compile(&src).expect("version 2 compiles"))
}

const V1_F8: &str = "Apa kegiatan utama Anda saat ini?";
const V2_F8: &str = "Sekarang kegiatan utama Anda apa?";

async fn reminder_asks_the_question_of_the_sessions_own_version(db: &Db) {
    let s = &db.store;
    let a = person(s, "Ayu", None, "1", "2025").await;
    let b = person(s, "Bayu", None, "2", "2025").await;
    let t0 = utc("2026-12-01T03:00:00Z");
    let v1 = flow();
    s.flow_sources().remember(&v1, t0).await.expect("v1 stored");
    let catalog = Arc::new(Catalog::embedded().expect("catalog"));
    let conv = |flow: Arc<jejak::flow::Flow>| Conversations {
        store: s.clone(),
        flow,
        catalog: catalog.clone(),
    };
    // Ayu begins under version 1 and stops at f8.
    let old = conv(v1.clone());
    for text in ["/mulai", "ya"] {
        old.handle(a, &Input::Text(text.into()), None, t0)
            .await
            .expect("step");
    }
    // Version 2 is deployed; Bayu begins under it.
    let v2 = flow_v2();
    s.flow_sources().remember(&v2, t0).await.expect("v2 stored");
    let new = conv(v2.clone());
    for text in ["/mulai", "ya"] {
        new.handle(b, &Input::Text(text.into()), None, t0)
            .await
            .expect("step");
    }
    // The running process knows only version 2; the store holds version 1's text.
    let clock = Arc::new(ManualClock::new(t0));
    let fake = Arc::new(FakeOutbound::default());
    let r = Rig {
        dispatcher: dispatcher_with(s, &clock, &fake, v2),
        clock,
        fake,
    };
    s.waves()
        .create_wave(&wave(Some(t0), None, "Asia/Jakarta"), t0)
        .await
        .expect("wave");
    r.drain().await;
    let ayu = r.fake.texts_for("1");
    assert_eq!(ayu.len(), 1);
    assert!(
        ayu[0].contains(V1_F8) && !ayu[0].contains(V2_F8),
        "Ayu is reminded of version 1's f8: {}",
        ayu[0]
    );
    let bayu = r.fake.texts_for("2");
    assert_eq!(bayu.len(), 1);
    assert!(
        bayu[0].contains(V2_F8) && !bayu[0].contains(V1_F8),
        "Bayu is reminded of version 2's f8: {}",
        bayu[0]
    );
    // Ayu's answer to the reminder is read against version 1 and recorded under it.
    new.handle(a, &Input::Text("1".into()), None, t0)
        .await
        .expect("answer");
    let after = s
        .sessions()
        .latest_session(a, FLOW)
        .await
        .expect("load")
        .expect("session");
    assert_eq!(after.flow_version, 1);
    assert_eq!(
        s.sessions()
            .current_answers(after.id)
            .await
            .expect("answers")
            .len(),
        1
    );
}

/// The outbox has no foreign keys since migration 0019 (planning checked them for every row
/// it inserted); its triggers keep what their `ON DELETE CASCADE` did when someone deletes
/// by hand: a respondent's reminders go with them, a wave's with its runs.
async fn deleting_by_hand_takes_the_reminders_along(db: &Db) {
    let s = &db.store;
    let t0 = utc("2026-12-01T03:00:00Z"); // 10:00 WIB
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(person(s, &format!("P{i}"), None, &format!("{i}"), "2025").await);
    }
    let id = s
        .waves()
        .create_wave(&wave(Some(t0), None, "Asia/Jakarta"), t0)
        .await
        .expect("wave");
    jejak::schedule::planner::plan_due(s, &QuietHours::default(), t0)
        .await
        .expect("plan");
    assert_eq!(counts(s, id).await.get("pending"), Some(&3));
    let pool = db.raw().await;
    let rows = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&pool)
                .await
                .expect("count")
        }
    };
    sqlx::query("DELETE FROM respondents WHERE id = $1")
        .bind(ids[0])
        .execute(&pool)
        .await
        .expect("delete a respondent");
    assert_eq!(rows("SELECT count(*) FROM outbox").await, 2);
    assert_eq!(
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM outbox WHERE respondent_id = $1")
            .bind(ids[0])
            .fetch_one(&pool)
            .await
            .expect("count"),
        0,
        "the deleted respondent's reminder is gone"
    );
    sqlx::query("DELETE FROM waves WHERE id = $1")
        .bind(id)
        .execute(&pool)
        .await
        .expect("delete the wave");
    assert_eq!(rows("SELECT count(*) FROM wave_runs").await, 0);
    assert_eq!(
        rows("SELECT count(*) FROM outbox").await,
        0,
        "the wave's reminders are gone"
    );
}

/// A dispatcher whose `run` is dropped half-way (its task aborted) stops beating: a worker
/// nobody runs must not look alive to the others (they would keep leaving it a share of the
/// rate).
async fn an_aborted_dispatcher_stops_beating(db: &Db) {
    let s = &db.store;
    let t0 = utc("2026-12-01T03:00:00Z");
    let clock = Arc::new(ManualClock::new(t0));
    let fake = Arc::new(FakeOutbound::default());
    let cfg = DispatchConfig {
        heartbeat_every: StdDuration::from_millis(20),
        ..DispatchConfig::default()
    };
    let d = Arc::new(Dispatcher::new(
        s.clone(),
        vec![fake as Arc<dyn Outbound>],
        Arc::new(Catalog::embedded().expect("catalog")),
        vec![flow()],
        clock.clone(),
        cfg,
    ));
    let pool = db.raw().await;
    let last_beat = || {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT max(heartbeat_at) FROM dispatch_workers")
                .fetch_one(&pool)
                .await
                .expect("heartbeat")
        }
    };
    let task = tokio::spawn(d.run(std::future::pending::<()>()));
    // Past the join wait (two beats), into the loop with its beat every 20 ms.
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    clock.advance(Duration::seconds(10));
    tokio::time::sleep(StdDuration::from_millis(200)).await;
    let running = last_beat().await;
    assert!(
        running >= (t0 + Duration::seconds(10)).timestamp_millis(),
        "it beats while it runs"
    );
    task.abort();
    assert!(task.await.expect_err("aborted").is_cancelled());
    clock.advance(Duration::seconds(10));
    // Ten beats' time: a beat left behind would record the new time.
    tokio::time::sleep(StdDuration::from_millis(200)).await;
    assert_eq!(last_beat().await, running, "no beat after the abort");
    pool.close().await;
}

/// A segment typed by hand matches the roster's values whatever their case and surrounding
/// spaces, as the staff scope matches schools; a different value still does not.
async fn segments_ignore_case_and_spaces(db: &Db) {
    let s = &db.store;
    person(s, "A", Some("Asia/Jakarta"), "1", "2025").await; // school "SMKN 1 Contoh", TKJ
    person(s, "B", Some("Asia/Jakarta"), "2", "2024").await;
    let t0 = utc("2026-12-01T03:00:00Z"); // 10:00 WIB
    for (segment, expected) in [
        ("school= smkn 1 CONTOH ", 2),
        ("programme=tkj, cohort=2025", 1),
        ("school=SMKN 2 Contoh", 0),
    ] {
        let mut w = wave(Some(t0), None, "Asia/Jakarta");
        w.segment = Segment::parse(segment).expect("segment");
        let id = s.waves().create_wave(&w, t0).await.expect("wave");
        let wave = s.waves().wave(id).await.expect("load").expect("wave");
        let d = jejak::cli::wave::dry_run(s, &wave, &QuietHours::default(), t0)
            .await
            .expect("dry run");
        assert_eq!(d.eligible_now, expected, "{segment}: {d:?}");
    }
}
