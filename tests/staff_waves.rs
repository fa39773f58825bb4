//! Reminder waves in the staff console over HTTP (real server, real database, both
//! backends): waves made through the form are the waves `jejak wave add` makes (the same
//! builder), the plain-words schedule becomes the right cron, the dry run is `jejak wave
//! show`'s, a past one-off is refused, pause / resume / cancel change the state, and scope
//! and roles hold for every route (out of scope = 404, viewers = 403, no CSRF = 403).

#[path = "support/test_db.rs"]
#[macro_use]
mod test_db;
#[path = "support/console.rs"]
mod console_support;

use chrono::{DateTime, Datelike as _, Duration, Utc, Weekday};
use console_support::{Client, Console, TWO_SCHOOLS_CSV, import_csv};
use jejak::model::{Lang, RespondentFields};
use jejak::schedule::admin::{self, WaveInput};
use jejak::schedule::eligibility::Segment;
use jejak::schedule::quiet::QuietHours;
use jejak::store::{AuditFilter, NewRespondent, NewWave, Role, Store, WaveState};
use test_db::Db;

both_backends!(
    form_waves_are_the_command_lines,
    dry_run_is_wave_shows,
    past_one_off_is_refused,
    pause_resume_cancel_change_the_state,
    operator_is_kept_to_their_school,
    viewer_reads_but_does_not_change,
    missing_csrf_changes_nothing,
    progress_refreshes_as_a_fragment,
);

const FLOW: &str = "tracer-smk";

/// A date 30 days ahead in WIB, as the form's date field gives it.
fn future_date() -> String {
    (Utc::now() + Duration::days(30))
        .with_timezone(&chrono_tz::Asia::Jakarta)
        .format("%Y-%m-%d")
        .to_string()
}

/// The id in a `Location: /console/waves/{id}?done=add`.
fn saved_id(location: Option<String>) -> i64 {
    let loc = location.expect("a redirect to the new wave");
    let rest = loc
        .strip_prefix("/console/waves/")
        .unwrap_or_else(|| panic!("unexpected redirect {loc}"));
    rest.split('?')
        .next()
        .expect("id")
        .parse()
        .expect("numeric id")
}

/// The number in `id="{id}">N<`.
fn number(html: &str, id: &str) -> i64 {
    let key = format!("id=\"{id}\">");
    let i = html
        .find(&key)
        .unwrap_or_else(|| panic!("no #{id} in {html}"))
        + key.len();
    let rest = &html[i..];
    rest[..rest.find('<').expect("end")]
        .parse()
        .expect("number")
}

/// Respondents of school 1 with a Telegram chat, so the dry run has someone to count.
async fn with_chats(store: &Store) {
    for i in 0..3 {
        let id = store
            .respondents()
            .upsert_respondent(
                &NewRespondent {
                    fields: RespondentFields {
                        name: Some(format!("Chat {i}")),
                        external_id: Some(format!("chat-{i}")),
                        cohort: Some("2025".into()),
                        programme: Some("TKJ".into()),
                        school: Some("SMKN 1 Contoh".into()),
                        ..Default::default()
                    },
                    timezone: Some(
                        if i == 0 {
                            "Asia/Makassar"
                        } else {
                            "Asia/Jakarta"
                        }
                        .into(),
                    ),
                    language: Some(Lang::Id),
                    ..Default::default()
                },
                Utc::now(),
            )
            .await
            .expect("respondent");
        store
            .respondents()
            .bind_channel(id, "telegram", &format!("{}", 9000 + i), Utc::now())
            .await
            .expect("bind");
        // On the flow: a wave reaches only respondents with a session of its flow.
        test_db::enrol(store, id, FLOW).await;
    }
}

/// A wave straight in the store, as `jejak wave add` would make it.
async fn stored_wave(store: &Store, school: Option<&str>) -> i64 {
    let mut segment = Segment::default();
    if let Some(s) = school {
        segment.0.insert("school".into(), s.into());
    }
    let w = NewWave {
        flow_id: FLOW.into(),
        name: format!("wave for {school:?}"),
        message_id: "reminder-1".into(),
        at: None,
        cron: Some("0 9 * * MON".into()),
        tz: Some("Asia/Jakarta".into()),
        until: None,
        segment,
        status: Default::default(),
        max_per_person: None,
        min_gap_secs: None,
        template: None,
    };
    store
        .waves()
        .create_wave(&w, Utc::now())
        .await
        .expect("wave")
}

async fn audits(store: &Store, action: &str) -> Vec<String> {
    store
        .staff()
        .audit_entries(&AuditFilter {
            actor: None,
            action: Some(action.into()),
            limit: 100,
        })
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.detail)
        .collect()
}

async fn form_waves_are_the_command_lines(db: &Db) {
    import_csv(&db.store, FLOW, TWO_SCHOOLS_CSV).await;
    let console = Console::start(db.store.clone()).await;
    let mut admin = console.staff("admin@dinas.go.id", Role::Admin, &[]).await;
    let catalog = jejak::i18n::Catalog::embedded().expect("catalog");

    // A one-off wave with every option filled in.
    let date = future_date();
    let one_off: Vec<(&str, &str)> = vec![
        ("flow", FLOW),
        ("message", "reminder-2"),
        ("kind", "once"),
        ("date", &date),
        ("time", "10:30"),
        ("tz", "Asia/Makassar"),
        ("until", ""),
        ("school", "SMKN 1 Contoh"),
        ("cohort", "2025"),
        ("programme", "TKJ"),
        ("province", ""),
        ("status", "not-started"),
        ("max_per_person", "2"),
        ("min_gap", "3d"),
        ("name", ""),
        ("template", "tracer_reminder"),
        ("template_lang", "id"),
        ("template_params", "name, school"),
    ];
    let mut preview = one_off.clone();
    preview.push(("step", "preview"));
    let page = admin.post("/console/waves/new", &preview).await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    assert!(html.contains("id=\"dry-eligible\""), "{html}");
    assert!(
        html.contains("id=\"save\""),
        "the preview offers Save: {html}"
    );
    assert!(
        db.store.waves().list(None).await.expect("waves").is_empty(),
        "a preview saves nothing"
    );
    let mut save = one_off.clone();
    save.push(("step", "save"));
    let page = admin.post("/console/waves/new", &save).await;
    assert_eq!(page.status, 303, "{}", page.text());
    let id = saved_id(page.location());
    let stored = db
        .store
        .waves()
        .wave(id)
        .await
        .expect("load")
        .expect("stored");
    let mut segment = Segment::default();
    for (k, v) in [
        ("school", "SMKN 1 Contoh"),
        ("cohort", "2025"),
        ("programme", "TKJ"),
    ] {
        segment.0.insert(k.into(), v.into());
    }
    let cli = admin::build(
        &WaveInput {
            flow_id: FLOW.into(),
            at: Some(format!("{date} 10:30")),
            cron: None,
            tz: "WITA".into(),
            until: None,
            segment,
            status: "not-started".into(),
            message: "reminder-2".into(),
            max_per_person: Some(2),
            min_gap: Some("3d".into()),
            name: None,
            template: Some("tracer_reminder".into()),
            template_lang: "id".into(),
            template_params: vec!["name".into(), "school".into()],
        },
        &catalog,
    )
    .expect("the command line's wave");
    assert_eq!(format!("{:?}", stored.spec), format!("{cli:?}"));
    assert_eq!(stored.state, WaveState::Active);
    assert_eq!(
        db.store
            .waves()
            .wave_creator(id)
            .await
            .expect("creator")
            .as_deref(),
        Some("admin@dinas.go.id"),
        "waves.created_by is the account"
    );
    let added = audits(&db.store, "wave-add").await;
    assert!(
        added.iter().any(|d| d.starts_with(&format!("wave {id} "))),
        "{added:?}"
    );

    // A weekly wave chosen in plain words: Monday and Thursday at 09:00 WIB.
    let page = admin
        .post(
            "/console/waves/new",
            &[
                ("flow", FLOW),
                ("message", "reminder-1"),
                ("kind", "weekly"),
                ("days", "MON"),
                ("days", "THU"),
                ("weekly_time", "09:00"),
                ("tz", "Asia/Jakarta"),
                ("status", "pending"),
                ("step", "save"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.text());
    let weekly_id = saved_id(page.location());
    let weekly = db
        .store
        .waves()
        .wave(weekly_id)
        .await
        .expect("load")
        .expect("stored");
    assert_eq!(weekly.spec.cron.as_deref(), Some("0 9 * * MON,THU"));
    let cli = admin::build(
        &WaveInput {
            flow_id: FLOW.into(),
            cron: Some("0 9 * * MON,THU".into()),
            tz: "Asia/Jakarta".into(),
            status: "pending".into(),
            message: "reminder-1".into(),
            template_lang: "id".into(),
            ..WaveInput::default()
        },
        &catalog,
    )
    .expect("the command line's wave");
    assert_eq!(format!("{:?}", weekly.spec), format!("{cli:?}"));
    // Monday is Monday: the next sends fall on Mondays and Thursdays at 09:00 WIB.
    let next = admin::upcoming(&weekly, None, Utc::now(), 6, None);
    assert_eq!(next.len(), 6);
    for n in &next {
        let local = n.with_timezone(&chrono_tz::Asia::Jakarta);
        assert!(
            matches!(local.weekday(), Weekday::Mon | Weekday::Thu),
            "{local}"
        );
        assert_eq!(local.format("%H:%M").to_string(), "09:00");
    }

    // The list shows both, the schedule in plain words, and the calendar marks the days.
    let list = admin.get("/console/waves").await;
    assert_eq!(list.status, 200);
    let html = list.text();
    assert!(html.contains(&format!("data-wave=\"{id}\"")), "{html}");
    assert!(
        html.contains("setiap Senin dan Kamis pukul 09:00 WIB"),
        "plain words: {html}"
    );
    let monday = next
        .iter()
        .map(|n| n.with_timezone(&chrono_tz::Asia::Jakarta).date_naive())
        .find(|d| d.weekday() == Weekday::Mon)
        .expect("a Monday");
    let cell = format!("data-date=\"{}\" data-sends=\"", monday.format("%Y-%m-%d"));
    let at = html
        .find(&cell)
        .unwrap_or_else(|| panic!("no {cell} in {html}"))
        + cell.len();
    assert_ne!(&html[at..at + 1], "0", "the Monday has a send");
    let tuesday = monday + Duration::days(1);
    assert!(
        html.contains(&format!(
            "data-date=\"{}\" data-sends=\"0\"",
            tuesday.format("%Y-%m-%d")
        )),
        "the Tuesday has none"
    );
    // Next send times in the three zones.
    assert!(
        html.contains("09:00 WIB · 10:00 WITA · 11:00 WIT"),
        "{html}"
    );
}

async fn dry_run_is_wave_shows(db: &Db) {
    import_csv(&db.store, FLOW, TWO_SCHOOLS_CSV).await;
    with_chats(&db.store).await;
    let console = Console::start(db.store.clone()).await;
    let mut admin = console.staff("admin@dinas.go.id", Role::Admin, &[]).await;
    let date = future_date();
    let fields = [
        ("flow", FLOW),
        ("message", "reminder-1"),
        ("kind", "once"),
        ("date", date.as_str()),
        ("time", "09:00"),
        ("tz", "Asia/Jakarta"),
        ("school", "SMKN 1 Contoh"),
        ("status", "pending"),
    ];
    let mut preview = fields.to_vec();
    preview.push(("step", "preview"));
    let html = admin.post("/console/waves/new", &preview).await.text();
    let mut save = fields.to_vec();
    save.push(("step", "save"));
    let id = saved_id(admin.post("/console/waves/new", &save).await.location());
    let wave = db
        .store
        .waves()
        .wave(id)
        .await
        .expect("load")
        .expect("wave");
    let cli = jejak::cli::wave::dry_run(&db.store, &wave, &QuietHours::default(), Utc::now())
        .await
        .expect("dry run");
    assert_eq!(
        cli.segment_size(),
        6,
        "3 imported + 3 with chats in school 1"
    );
    assert_eq!(number(&html, "dry-eligible"), cli.eligible_now, "{html}");
    assert_eq!(number(&html, "dry-segment"), cli.segment_size());
    let page = admin.get(&format!("/console/waves/{id}")).await.text();
    assert_eq!(number(&page, "dry-eligible"), cli.eligible_now);
    let show = jejak::cli::wave::show(
        &db.store,
        &wave,
        &QuietHours::default(),
        Utc::now(),
        jejak::model::Lang::En,
    )
    .await
    .expect("show");
    assert!(
        show.contains(&format!("would receive it now: {}", cli.eligible_now)),
        "{show}"
    );
    for (reason, n) in &cli.excluded {
        let key = format!("data-reason=\"{}\"><th>", reason.code());
        let i = page.find(&key).unwrap_or_else(|| panic!("no {key}")) + key.len();
        let cell = "<td class=\"num\">";
        let j = page[i..].find(cell).expect("count cell") + i + cell.len();
        let shown: i64 = page[j..j + page[j..].find('<').expect("end")]
            .parse()
            .expect("count");
        assert_eq!(shown, *n, "{reason:?}");
    }
    // The imported alumni have no chat yet: that is the reason shown for them.
    assert!(
        cli.excluded
            .get(&jejak::schedule::eligibility::Exclusion::NoChannel)
            >= Some(&3)
    );
}

async fn past_one_off_is_refused(db: &Db) {
    let console = Console::start(db.store.clone()).await;
    let mut admin = console.staff("admin@dinas.go.id", Role::Admin, &[]).await;
    let yesterday = (Utc::now() - Duration::days(1))
        .with_timezone(&chrono_tz::Asia::Jakarta)
        .format("%Y-%m-%d")
        .to_string();
    for step in ["preview", "save"] {
        let page = admin
            .post(
                "/console/waves/new",
                &[
                    ("flow", FLOW),
                    ("message", "reminder-1"),
                    ("kind", "once"),
                    ("date", &yesterday),
                    ("time", "09:00"),
                    ("tz", "Asia/Jakarta"),
                    ("status", "pending"),
                    ("step", step),
                ],
            )
            .await;
        assert_eq!(page.status, 400);
        let html = page.text();
        assert!(
            html.contains(&format!("{yesterday} 09:00 sudah lewat")),
            "a clear message: {html}"
        );
        // The form keeps what was typed.
        assert!(html.contains(&format!("value=\"{yesterday}\"")), "{html}");
    }
    // Weekly without a day, and a bad cron, are refused too.
    let page = admin
        .post(
            "/console/waves/new",
            &[
                ("flow", FLOW),
                ("message", "reminder-1"),
                ("kind", "weekly"),
                ("weekly_time", "09:00"),
                ("step", "save"),
            ],
        )
        .await;
    assert_eq!(page.status, 400);
    let page = admin
        .post(
            "/console/waves/new",
            &[
                ("flow", FLOW),
                ("message", "reminder-1"),
                ("kind", "cron"),
                ("cron", "0 0 9 * * MON"),
                ("step", "save"),
            ],
        )
        .await;
    assert_eq!(page.status, 400);
    assert!(page.text().contains("bukan jadwal cron"), "{}", page.text());
    assert!(db.store.waves().list(None).await.expect("waves").is_empty());
}

async fn pause_resume_cancel_change_the_state(db: &Db) {
    let console = Console::start(db.store.clone()).await;
    let mut admin = console.staff("admin@dinas.go.id", Role::Admin, &[]).await;
    let id = stored_wave(&db.store, None).await;
    let state = |s: &Store| {
        let s = s.clone();
        async move { s.waves().wave(id).await.expect("load").expect("wave").state }
    };
    let page = admin.post(&format!("/console/waves/{id}/pause"), &[]).await;
    assert_eq!(page.status, 303);
    assert_eq!(state(&db.store).await, WaveState::Paused);
    let html = admin
        .get(&format!("/console/waves/{id}?done=pause"))
        .await
        .text();
    assert!(html.contains("Gelombang dijeda"), "{html}");
    assert!(
        html.contains(&format!("/console/waves/{id}/resume")),
        "{html}"
    );
    assert!(
        !html.contains(&format!("/console/waves/{id}/pause\"")),
        "{html}"
    );
    // Pausing twice is refused (the wave is not active), nothing changes.
    let page = admin.post(&format!("/console/waves/{id}/pause"), &[]).await;
    assert_eq!(
        page.location().as_deref(),
        Some(format!("/console/waves/{id}?done=refused").as_str())
    );
    admin
        .post(&format!("/console/waves/{id}/resume"), &[])
        .await;
    assert_eq!(state(&db.store).await, WaveState::Active);
    admin
        .post(&format!("/console/waves/{id}/cancel"), &[])
        .await;
    assert_eq!(state(&db.store).await, WaveState::Cancelled);
    let page = admin
        .post(&format!("/console/waves/{id}/resume"), &[])
        .await;
    assert!(page.location().is_some_and(|l| l.ends_with("done=refused")));
    assert_eq!(state(&db.store).await, WaveState::Cancelled);
    for action in ["wave-pause", "wave-resume", "wave-cancel"] {
        let lines = audits(&db.store, action).await;
        assert_eq!(lines.len(), 1, "{action}: {lines:?}");
        assert!(lines[0].starts_with(&format!("wave {id} ")));
    }
    // Unknown ids and actions are not found, for GET and POST alike.
    assert_eq!(admin.get("/console/waves/999999").await.status, 404);
    assert_eq!(admin.get("/console/waves/abc").await.status, 404);
    assert_eq!(
        admin.post("/console/waves/999999/pause", &[]).await.status,
        404
    );
    assert_eq!(
        admin
            .post(&format!("/console/waves/{id}/explode"), &[])
            .await
            .status,
        404
    );
}

async fn operator_is_kept_to_their_school(db: &Db) {
    import_csv(&db.store, FLOW, TWO_SCHOOLS_CSV).await;
    let console = Console::start(db.store.clone()).await;
    let mut op = console
        .staff("bkk@smkn1.sch.id", Role::Operator, &["smkn 1 contoh"])
        .await;
    let own = stored_wave(&db.store, Some("SMKN 1 Contoh")).await;
    let other = stored_wave(&db.store, Some("SMKN 2 Contoh")).await;
    let everyone = stored_wave(&db.store, None).await;

    let list = op.get("/console/waves").await.text();
    assert!(list.contains(&format!("data-wave=\"{own}\"")), "{list}");
    assert!(!list.contains(&format!("data-wave=\"{other}\"")), "{list}");
    assert!(
        !list.contains(&format!("data-wave=\"{everyone}\"")),
        "a wave for every school is not an operator's: {list}"
    );
    assert_eq!(op.get(&format!("/console/waves/{own}")).await.status, 200);
    for id in [other, everyone] {
        assert_eq!(op.get(&format!("/console/waves/{id}")).await.status, 404);
        let page = op.post(&format!("/console/waves/{id}/pause"), &[]).await;
        assert_eq!(page.status, 404);
        assert_eq!(
            db.store
                .waves()
                .wave(id)
                .await
                .expect("load")
                .expect("wave")
                .state,
            WaveState::Active,
            "nothing changed"
        );
    }
    assert_eq!(
        op.post(&format!("/console/waves/{own}/pause"), &[])
            .await
            .status,
        303
    );

    // The form offers only their school; editing it to school 2, or leaving it out, is
    // refused and stores nothing.
    let form = op.get("/console/waves/new").await.text();
    assert!(
        form.contains("SMKN 1 Contoh") && !form.contains("SMKN 2 Contoh"),
        "{form}"
    );
    let date = future_date();
    let base = [
        ("flow", FLOW),
        ("message", "reminder-1"),
        ("kind", "once"),
        ("date", date.as_str()),
        ("time", "09:00"),
        ("tz", "Asia/Jakarta"),
        ("status", "pending"),
    ];
    let before = db.store.waves().list(None).await.expect("waves").len();
    for (school, status) in [("SMKN 2 Contoh", 403), ("", 400)] {
        for step in ["preview", "save"] {
            let mut f = base.to_vec();
            f.push(("school", school));
            f.push(("step", step));
            let page = op.post("/console/waves/new", &f).await;
            assert_eq!(page.status, status, "{school:?} {step}: {}", page.text());
        }
    }
    assert_eq!(
        db.store.waves().list(None).await.expect("waves").len(),
        before
    );
    // Their own school, in any case, is fine.
    let mut f = base.to_vec();
    f.push(("school", "SMKN 1 Contoh"));
    f.push(("step", "save"));
    let page = op.post("/console/waves/new", &f).await;
    assert_eq!(page.status, 303, "{}", page.text());
    let id = saved_id(page.location());
    assert_eq!(op.get(&format!("/console/waves/{id}")).await.status, 200);
}

async fn viewer_reads_but_does_not_change(db: &Db) {
    let console = Console::start(db.store.clone()).await;
    let mut viewer = console
        .staff("dinas@kemdikbud.go.id", Role::Viewer, &[])
        .await;
    let id = stored_wave(&db.store, Some("SMKN 2 Contoh")).await;
    let list = viewer.get("/console/waves").await;
    assert_eq!(list.status, 200);
    assert!(list.text().contains(&format!("data-wave=\"{id}\"")));
    assert!(!list.text().contains("/console/waves/new"));
    let page = viewer.get(&format!("/console/waves/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(!page.text().contains(&format!("/console/waves/{id}/pause")));
    assert_eq!(viewer.get("/console/waves/new").await.status, 403);
    let date = future_date();
    let page = viewer
        .post(
            "/console/waves/new",
            &[
                ("flow", FLOW),
                ("message", "reminder-1"),
                ("kind", "once"),
                ("date", &date),
                ("time", "09:00"),
                ("step", "save"),
            ],
        )
        .await;
    assert_eq!(page.status, 403);
    assert_eq!(
        viewer
            .post(&format!("/console/waves/{id}/pause"), &[])
            .await
            .status,
        403
    );
    assert_eq!(db.store.waves().list(None).await.expect("waves").len(), 1);
    assert_eq!(
        db.store
            .waves()
            .wave(id)
            .await
            .expect("load")
            .expect("wave")
            .state,
        WaveState::Active
    );
    // A viewer limited to school 1 does not see school 2's wave.
    let limited = console
        .staff("pengawas@dinas.go.id", Role::Viewer, &["SMKN 1 Contoh"])
        .await;
    assert_eq!(
        limited.get(&format!("/console/waves/{id}")).await.status,
        404
    );
}

async fn missing_csrf_changes_nothing(db: &Db) {
    let console = Console::start(db.store.clone()).await;
    let admin = console.staff("admin@dinas.go.id", Role::Admin, &[]).await;
    let id = stored_wave(&db.store, None).await;
    let res = admin
        .post_raw(&format!("/console/waves/{id}/cancel"), &[])
        .await;
    assert_eq!(res.status().as_u16(), 403);
    let res = admin
        .post_raw(
            &format!("/console/waves/{id}/cancel"),
            &[("_csrf", "forged")],
        )
        .await;
    assert_eq!(res.status().as_u16(), 403);
    assert_eq!(
        db.store
            .waves()
            .wave(id)
            .await
            .expect("load")
            .expect("wave")
            .state,
        WaveState::Active
    );
    let date = future_date();
    let res = admin
        .post_raw(
            "/console/waves/new",
            &[
                ("flow", FLOW),
                ("message", "reminder-1"),
                ("kind", "once"),
                ("date", &date),
                ("time", "09:00"),
                ("step", "save"),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 403);
    assert_eq!(db.store.waves().list(None).await.expect("waves").len(), 1);
    assert!(audits(&db.store, "wave-cancel").await.is_empty());
}

async fn progress_refreshes_as_a_fragment(db: &Db) {
    with_chats(&db.store).await;
    let console = Console::start(db.store.clone()).await;
    let admin = console.staff("admin@dinas.go.id", Role::Admin, &[]).await;
    // A one-off due now, planned as the dispatcher would, at a time nobody is in quiet
    // hours (09:00 WIB); then one message is sent and one fails.
    let due: DateTime<Utc> = Utc::now() - Duration::minutes(1);
    let mut w = jejak::store::NewWave {
        flow_id: FLOW.into(),
        name: "now".into(),
        message_id: "reminder-1".into(),
        at: Some(due),
        cron: None,
        tz: Some("Asia/Jakarta".into()),
        until: None,
        segment: Segment::default(),
        status: Default::default(),
        max_per_person: None,
        min_gap_secs: None,
        template: None,
    };
    w.segment.0.insert("school".into(), "SMKN 1 Contoh".into());
    let id = db.store.waves().create_wave(&w, due).await.expect("wave");
    let wave = db
        .store
        .waves()
        .wave(id)
        .await
        .expect("load")
        .expect("wave");
    let later = Utc::now() + Duration::hours(8);
    // The respondent in WITA is held until later (quiet hours); the others are due now.
    let planned = db
        .store
        .waves()
        .plan_run(&wave, due, Utc::now(), &|tz: Option<&str>| {
            if tz == Some("Asia/Makassar") {
                later
            } else {
                due
            }
        })
        .await
        .expect("plan")
        .expect("planned");
    assert_eq!(planned.messages, 3);
    let page = admin.get(&format!("/console/waves/{id}")).await.text();
    assert!(page.contains("data-refresh=\"10\""), "{page}");
    assert_eq!(number(&page, "p-held"), 1, "{page}");
    assert_eq!(number(&page, "p-pending"), 2);
    assert_eq!(number(&page, "p-sent"), 0);
    // Deliver one and fail one, as a dispatcher would.
    let items = db
        .store
        .waves()
        .claim_outbox(
            "w1",
            Utc::now(),
            Utc::now() + Duration::minutes(5),
            10,
            &["telegram"],
        )
        .await
        .expect("claim");
    assert_eq!(items.len(), 2);
    for (item, outcome) in items.iter().zip([
        jejak::store::Settle::Sent(Some("m1".into())),
        jejak::store::Settle::Failed("refused".into()),
    ]) {
        assert!(
            db.store
                .waves()
                .outbox_sending(item.id, "w1", Utc::now())
                .await
                .expect("sending")
        );
        db.store
            .waves()
            .outbox_settle(item.id, item.respondent_id, &outcome, Utc::now())
            .await
            .expect("settle");
    }
    let fragment = fragment(&admin, &format!("/console/waves/{id}")).await;
    assert!(!fragment.contains("<html"), "only the progress: {fragment}");
    assert!(!fragment.contains("dry-eligible"), "no dry run: {fragment}");
    assert_eq!(number(&fragment, "p-sent"), 1, "{fragment}");
    assert_eq!(number(&fragment, "p-failed"), 1);
    assert_eq!(number(&fragment, "p-held"), 1);
    assert_eq!(number(&fragment, "p-pending"), 0);
}

/// GET with the header the page's script sends when it refreshes a part.
async fn fragment(client: &Client, path: &str) -> String {
    let mut rb = reqwest::Client::new()
        .get(format!("{}{path}", client.base))
        .header("x-jejak-fragment", "1");
    if let Some(c) = &client.cookie {
        rb = rb.header("cookie", c);
    }
    let res = rb.send().await.expect("GET");
    assert_eq!(res.status().as_u16(), 200);
    res.text().await.expect("body")
}

/// The dry run at 150,000 respondents (`cargo test --release --test staff_waves -- --ignored
/// --nocapture dry_run_speed`): a third with a Telegram chat, a fifth completed, one wave
/// already planned for everyone reachable (its outbox rows make the cap and gap rules do
/// real work); then the dry run of a second wave with a cap and a gap, 50 times through the
/// library and 50 times as the wave's page, p50 and p95 printed.
async fn dry_run_speed(db: &Db) {
    use std::time::Instant;
    let n = std::env::var("JEJAK_BENCH_RESPONDENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150_000usize);
    let dir = tempfile::tempdir().expect("dir");
    let csv = dir.path().join("roster.csv");
    jejak::cli::roster::synthetic_roster(&csv, n).expect("roster");
    let flow = console_support::shipped_flows()
        .into_iter()
        .find(|f| f.id == FLOW)
        .expect("flow");
    let t = Instant::now();
    let opts = jejak::roster::import::ImportOptions {
        enrol: Some(jejak::roster::import::enrolment(&flow).expect("enrolment")),
        progress: false,
        ..Default::default()
    };
    let report = jejak::roster::import::import_file(&db.store, &csv, &opts, Utc::now())
        .await
        .expect("import");
    eprintln!(
        "{}: imported {} rows in {:.1?}",
        db.store.backend(),
        report.loaded,
        t.elapsed()
    );
    let mut conn = {
        use sqlx::Connection as _;
        sqlx::AnyConnection::connect(&db.url)
            .await
            .expect("raw connection")
    };
    for sql in [
        "INSERT INTO channel_bindings (respondent_id, channel, address, bound_at) \
         SELECT id, 'telegram', 'tg' || id, 0 FROM respondents WHERE id % 3 = 0",
        "UPDATE sessions SET status = 'completed' WHERE respondent_id % 5 = 0",
    ] {
        sqlx::query(sql).execute(&mut conn).await.expect("bulk");
    }
    let now = Utc::now();
    let mut first = NewWave {
        flow_id: FLOW.into(),
        name: "first".into(),
        message_id: "reminder-1".into(),
        at: Some(now - Duration::hours(1)),
        cron: None,
        tz: Some("Asia/Jakarta".into()),
        until: None,
        segment: Segment::default(),
        status: Default::default(),
        max_per_person: None,
        min_gap_secs: None,
        template: None,
    };
    let id = db
        .store
        .waves()
        .create_wave(&first, now)
        .await
        .expect("wave");
    let wave = db
        .store
        .waves()
        .wave(id)
        .await
        .expect("load")
        .expect("wave");
    let planned = db
        .store
        .waves()
        .plan_run(&wave, now - Duration::hours(1), now, &|_: Option<&str>| now)
        .await
        .expect("plan")
        .expect("planned");
    eprintln!("planned {} messages of a first wave", planned.messages);
    first.name = "second".into();
    first.at = None;
    first.cron = Some("0 9 * * MON".into());
    first.max_per_person = Some(2);
    first.min_gap_secs = Some(3 * 86_400);
    let id = db
        .store
        .waves()
        .create_wave(&first, now)
        .await
        .expect("wave");
    let wave = db
        .store
        .waves()
        .wave(id)
        .await
        .expect("load")
        .expect("wave");
    let p = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let at = |q: f64| v[((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1];
        format!(
            "p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms",
            at(0.5),
            at(0.95),
            at(1.0)
        )
    };
    let runs = std::env::var("JEJAK_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50usize);
    let mut lib = Vec::new();
    let mut dry = None;
    for _ in 0..runs {
        let t = Instant::now();
        dry = Some(
            admin::dry_run(&db.store, &wave, &QuietHours::default(), Utc::now())
                .await
                .expect("dry run"),
        );
        lib.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    eprintln!(
        "{}: dry run (library) {} — {:?}",
        db.store.backend(),
        p(lib),
        dry
    );
    let console = Console::start(db.store.clone()).await;
    let admin = console.staff("admin@dinas.go.id", Role::Admin, &[]).await;
    let mut page = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        assert_eq!(admin.get(&format!("/console/waves/{id}")).await.status, 200);
        page.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    eprintln!(
        "{}: wave page with its dry run {}",
        db.store.backend(),
        p(page)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run with --release -- --ignored --nocapture"]
async fn dry_run_speed_sqlite() {
    let db = test_db::sqlite_db().await;
    dry_run_speed(&db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run with --release -- --ignored --nocapture"]
async fn dry_run_speed_postgres() {
    let Some(db) = test_db::postgres_db().await else {
        return;
    };
    dry_run_speed(&db).await;
}
