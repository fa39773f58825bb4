//! The staff console in a real browser (Chromium over WebDriver, `support/browser.rs`) on
//! SQLite: the first sign-in of an admin made with `jejak staff add`, the forced password
//! change, a roster upload with good and bad rows (counts, rejected lines and reasons, the
//! rejected rows' download), a respondent found by search, a weekly wave whose dry run
//! equals the store's and whose next sends show on the list and calendar, the overview's
//! numbers against `jejak report` run as a process, the exports, the audit log, the
//! language switch, sign-out with a second tab; and two operators of two schools side by
//! side, each getting "not found" for the other school's respondent and wave.
//! The pages are the same on PostgreSQL, whose queries the HTTP tests (`staff_console.rs`,
//! `staff_auth.rs`) cover.
//!
//! With `JEJAK_SCREENSHOTS=1` the tests also write the README's screenshots into
//! `docs/screenshots/`.
//!
//! The steps are small helpers over [`Scene`] (sign in, change the password, read the
//! overview, …) so a new page's steps slot in between.

#[path = "support/test_db.rs"]
#[macro_use]
mod test_db;
#[path = "support/browser.rs"]
mod browser;
#[path = "support/console.rs"]
mod console_support;

use std::process::Command;

use browser::{Driver, Session, screenshot_path, screenshots_wanted};
use chrono::Utc;
use console_support::{Console, TWO_SCHOOLS_CSV, import_csv};
use jejak::model::SessionStatus;
use jejak::store::{Role, StepCommit, Store};
use test_db::Db;

/// A console over a fresh SQLite database with the two-school roster, and a browser driver.
struct Scene {
    db: Db,
    console: Console,
    driver: Driver,
}

impl Scene {
    /// Everything started, or `None` when there is no browser (said why; see browser.rs).
    async fn start() -> Option<Scene> {
        let driver = Driver::start().await?;
        let db = test_db::sqlite_db().await;
        let report = import_csv(&db.store, "tracer-smk", TWO_SCHOOLS_CSV).await;
        assert_eq!(report.loaded, 5);
        progress(&db.store).await;
        let console = Console::start(db.store.clone()).await;
        Some(Scene {
            db,
            console,
            driver,
        })
    }

    /// The full URL of a console path.
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.console.base)
    }

    /// Runs the real `jejak` binary against this scene's database; gives (code, stdout,
    /// stderr). `LANG` is removed so messages are in the default language.
    fn jejak(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_jejak"))
            .args(args)
            .arg("--database-url")
            .arg(&self.db.url)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("LANG")
            .env_remove("JEJAK_LANG")
            .env_remove("DATABASE_URL")
            .env("JEJAK_LOG", "warn")
            .output()
            .expect("jejak runs");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// A browser signed in as a new account of `role` (with a password of its own, no
    /// forced change), showing the overview: the start of a test of any page.
    async fn signed_in(&self, email: &str, role: Role, schools: &[&str]) -> Session {
        let password = self.console.account(email, role, schools).await;
        let b = self.driver.session().await;
        sign_in(self, &b, email, &password).await;
        b.wait_path("/console/overview").await;
        b
    }

    /// `jejak staff add` as an admin does it on the server; gives the one-time password.
    fn staff_add(&self, email: &str, role: &str, schools: &[&str]) -> String {
        let mut args = vec!["staff", "add", email, "--role", role];
        for s in schools {
            args.extend(["--school", s]);
        }
        let (code, out, err) = self.jejak(&args);
        assert_eq!(code, 0, "jejak staff add: {out}{err}");
        one_time_password(&out)
    }

    /// `jejak report --flow tracer-smk --by school --format csv`: the rows after the header.
    fn report_rows(&self) -> Vec<Vec<String>> {
        let (code, out, err) = self.jejak(&[
            "report",
            "--flow",
            "tracer-smk",
            "--by",
            "school",
            "--format",
            "csv",
        ]);
        assert_eq!(code, 0, "jejak report: {err}");
        let mut r = csv::Reader::from_reader(out.as_bytes());
        r.records()
            .map(|rec| rec.expect("CSV row").iter().map(str::to_string).collect())
            .collect()
    }
}

/// The password in `jejak staff add`'s output: the first word after the colon of the line
/// that has one (the words around it are translated, the password is not).
fn one_time_password(out: &str) -> String {
    out.lines()
        .filter_map(|l| l.split_once(':'))
        .filter_map(|(_, rest)| rest.split_whitespace().next())
        .find(|w| w.len() == 12 && w.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or_else(|| panic!("no one-time password in {out:?}"))
        .to_string()
}

/// Moves some alumni on so the numbers are not all zero: two of school 1 completed, one of
/// school 2 answering.
async fn progress(store: &Store) {
    for (nisn, status) in [
        ("0011111111", SessionStatus::Completed),
        ("0011111113", SessionStatus::Completed),
        ("0022222221", SessionStatus::Answering),
    ] {
        let (id, _) = store
            .roster()
            .identity_of(nisn)
            .await
            .expect("look up")
            .expect("imported");
        let s = store
            .sessions()
            .latest_session(id, "tracer-smk")
            .await
            .expect("session")
            .expect("enrolled");
        store
            .sessions()
            .commit_step(&StepCommit {
                session_id: s.id,
                expected_revision: s.revision,
                status,
                state_json: "{}",
                flow_version: s.flow_version,
                answers: &[],
                events: &[],
                inbound: None,
                now: Utc::now(),
            })
            .await
            .expect("commit");
    }
}

/// Signs in on the sign-in page and waits until the browser has left it.
async fn sign_in(scene: &Scene, b: &Session, email: &str, password: &str) {
    b.goto(&scene.url("/console/login")).await;
    b.fill("email", email).await;
    b.fill("password", password).await;
    b.click("#sign-in").await;
    wait_until_not(b, "/console/login").await;
}

/// Waits until the page shown is no longer `path` (a form was sent and answered).
async fn wait_until_not(b: &Session, path: &str) {
    let deadline = std::time::Instant::now() + browser::WAIT;
    while b.path().await == path {
        assert!(
            std::time::Instant::now() < deadline,
            "still on {path}:\n{}",
            b.body_text().await
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    b.wait_for("body").await;
}

/// Fills and sends the password form (the caller waits for the answer it expects).
async fn send_password_form(b: &Session, current: &str, new: &str, repeat: &str) {
    b.fill("current", current).await;
    b.fill("new-password", new).await;
    b.fill("repeat", repeat).await;
    b.click("#save-password").await;
}

/// Changes the password on the password form and waits until the browser has left it.
async fn change_password(b: &Session, current: &str, new: &str) {
    send_password_form(b, current, new, new).await;
    wait_until_not(b, "/console/password").await;
}

/// What the overview shows: the four totals and the table's rows (label and cells in
/// table order: roster, invited, started, completed, opted out, unreachable, gross, net),
/// the total row last.
#[derive(Debug)]
struct Overview {
    roster: String,
    completed: String,
    gross: String,
    net: String,
    rows: Vec<Vec<String>>,
}

async fn read_overview(b: &Session) -> Overview {
    Overview {
        roster: b.text("#total-roster").await,
        completed: b.text("#total-completed").await,
        gross: b.text("#total-gross").await,
        net: b.text("#total-net").await,
        rows: b.table("#groups").await,
    }
}

/// Positions of the page's table columns in `jejak report`'s CSV (which adds `reachable`
/// after `unreachable` and the per-wave columns at the end). By position, not header text:
/// the headers follow the staff member's language.
const PAGE_TO_CSV: [usize; 9] = [0, 1, 2, 3, 4, 5, 6, 8, 9];

/// Asserts that the overview shows `expected` (rows of `jejak report`'s CSV, groups then
/// the total).
fn assert_same_numbers(page: &Overview, expected: &[Vec<String>]) {
    assert_eq!(
        page.rows.len(),
        expected.len(),
        "rows on the page {:?} vs jejak report {expected:?}",
        page.rows
    );
    for (n, (got, want)) in page.rows.iter().zip(expected).enumerate() {
        let last = n + 1 == expected.len();
        for (col, &csv_col) in PAGE_TO_CSV.iter().enumerate() {
            // The total row's label is a translated word on both sides.
            if last && col == 0 {
                continue;
            }
            assert_eq!(
                got[col], want[csv_col],
                "row {n} column {col}: page {got:?} vs jejak report {want:?}"
            );
        }
    }
    let total = expected.last().expect("a total row");
    assert_eq!(page.roster, total[1], "roster card");
    assert_eq!(page.completed, total[4], "completed card");
    assert_eq!(page.gross, total[8], "gross rate card");
    assert_eq!(page.net, total[9], "net rate card");
}

/// The `lang` of the page shown.
async fn page_lang(b: &Session) -> String {
    let html = b.wait_for("html").await;
    b.attribute(&html, "lang").await.unwrap_or_default()
}

/// Presses the language switch in the page's header and waits for the page in `to`.
async fn switch_language(b: &Session, to: &str) {
    b.click("form[action='/console/language'] button").await;
    let deadline = std::time::Instant::now() + browser::WAIT;
    while page_lang(b).await != to {
        assert!(
            std::time::Instant::now() < deadline,
            "the page did not switch to {to}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// The upload of the walkthrough: lines 2 and 4 are good, line 3 has a phone number that is
/// not one, line 5 has no NISN. Invented people.
const UPLOAD_CSV: &str = "nisn,nama,no_hp,angkatan,program,sekolah\n\
0011111114,Fajar Nugroho,081234500006,2025,TKJ,SMKN 1 Contoh\n\
0011111115,Gita Ramadhani,12ab,2025,TKJ,SMKN 1 Contoh\n\
0011111116,Hadi Wibowo,081234500008,2024,AKL,SMKN 1 Contoh\n\
,Indah Permata,081234500009,2024,AKL,SMKN 1 Contoh\n";

/// Uploads [`UPLOAD_CSV`] on the roster page and checks the counts, the table of rejected
/// lines with their reasons, and the download of the rejected rows.
async fn upload_roster(scene: &Scene, b: &Session) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("alumni-2025.csv");
    std::fs::write(&file, UPLOAD_CSV).expect("write the CSV");

    b.goto(&scene.url("/console/roster")).await;
    let progress = b.wait_for("#upload-progress").await;
    assert_eq!(b.attribute(&progress, "max").await.as_deref(), Some("100"));
    b.choose("select[name=flow]", "tracer-smk").await;
    b.upload_into("input[name=file]", &file).await;
    b.click("form[action='/console/roster'] button[type=submit]")
        .await;
    b.wait_for("#count-loaded").await;
    assert_eq!(b.text("#count-rows").await, "4");
    assert_eq!(b.text("#count-loaded").await, "2");
    assert_eq!(b.text("#count-new").await, "2");
    assert_eq!(b.text("#count-rejected").await, "2");

    // One table row per reason, with the file's line number: 3 (the phone) and 5 (no NISN).
    let lines: Vec<String> = {
        let mut v = Vec::new();
        for row in b.find_all("#rejected-rows tr[data-line]").await {
            v.push(b.attribute(&row, "data-line").await.unwrap_or_default());
        }
        v
    };
    assert_eq!(lines, ["3", "5"], "the rejected lines");
    let rows = b.table("#rejected-rows").await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0][0], "3");
    assert_eq!(rows[0][1], "no_hp");
    assert!(
        rows[0][2].contains("12ab"),
        "the reason names the value: {rows:?}"
    );
    assert_eq!(rows[1][0], "5");
    assert!(
        rows[1][1] == "nisn" || rows[1][2].to_lowercase().contains("nisn"),
        "the reason names the NISN: {rows:?}"
    );

    // The rejected rows as a spreadsheet to fix: the link gives an XLSX (a ZIP).
    let link = b.wait_for("#rejected-download").await;
    let href = b.attribute(&link, "href").await.expect("a link");
    assert!(href.starts_with("/console/roster/rejected/"), "{href}");
    let (status, kind, body) = b.fetch(&href).await;
    assert_eq!(status, 200);
    assert_eq!(
        kind,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(body.starts_with("PK"), "an XLSX file");
    if screenshots_wanted() {
        b.desktop_screenshot(&screenshot_path("roster-upload.png"))
            .await;
    }
}

/// Searches the respondents for `query`, which finds exactly one, opens that one's page
/// and checks it is the alumnus with this NISN (by the id the store gives).
async fn open_found_respondent(scene: &Scene, b: &Session, query: &str, nisn: &str) {
    let (id, _) = scene
        .db
        .store
        .roster()
        .identity_of(nisn)
        .await
        .expect("look up")
        .expect("uploaded");
    b.goto(&scene.url("/console/respondents")).await;
    b.fill_in("input[name=q]", query).await;
    b.click("form.filters button[type=submit]").await;
    b.wait_for("#results").await;
    let hits = b.find_all("#results tbody tr[data-id]").await;
    assert_eq!(hits.len(), 1, "one alumnus found for {query:?}");
    assert_eq!(b.attribute(&hits[0], "data-id").await, Some(id.to_string()));
    b.click("#results tbody tr[data-id] a").await;
    b.wait_path(&format!("/console/respondents/{id}")).await;
    let fields = b.table("#fields").await;
    let field = |n: usize| fields.get(n).map(|r| r[1].clone()).unwrap_or_default();
    assert!(field(0).starts_with(query), "name {fields:?}");
    assert_eq!(field(1), nisn);
    assert_eq!(field(6), "SMKN 1 Contoh");
    // Enrolled in the flow by the upload, not started.
    let sessions = b.find_all("#sessions tr[data-flow=tracer-smk]").await;
    assert_eq!(sessions.len(), 1, "one session of tracer-smk");
    if screenshots_wanted() {
        b.desktop_screenshot(&screenshot_path("respondent.png"))
            .await;
    }
}

/// The next Monday 09:00 WIB after `now`, then the following ones.
fn mondays_at_nine(now: chrono::DateTime<Utc>) -> impl Iterator<Item = chrono::DateTime<Utc>> {
    use chrono::{Datelike as _, TimeZone as _};
    let jakarta = chrono_tz::Asia::Jakarta;
    let today = now.with_timezone(&jakarta).date_naive();
    let back = i64::from(today.weekday().num_days_from_monday());
    let monday = today - chrono::Duration::days(back);
    (0..).filter_map(move |w| {
        let d = monday + chrono::Duration::weeks(w);
        let t = jakarta
            .from_local_datetime(&d.and_hms_opt(9, 0, 0)?)
            .single()?
            .with_timezone(&Utc);
        (t > now).then_some(t)
    })
}

/// "09:00 WIB · 10:00 WITA · 11:00 WIT, 7 Des 2026", as the console writes a time.
fn in_zones_id(t: chrono::DateTime<Utc>) -> String {
    use chrono::Datelike as _;
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des",
    ];
    let z = |tz: chrono_tz::Tz| t.with_timezone(&tz).format("%H:%M").to_string();
    let d = t.with_timezone(&chrono_tz::Asia::Jakarta).date_naive();
    format!(
        "{} WIB · {} WITA · {} WIT, {} {} {}",
        z(chrono_tz::Asia::Jakarta),
        z(chrono_tz::Asia::Makassar),
        z(chrono_tz::Asia::Jayapura),
        d.day(),
        MONTHS[d.month0() as usize],
        d.year()
    )
}

/// What a dry run shows: would receive now, in the segment, and each exclusion's count.
async fn read_dry_run(b: &Session) -> (i64, i64, Vec<(String, i64)>) {
    let num = |s: String| {
        s.parse::<i64>()
            .unwrap_or_else(|_| panic!("a number: {s:?}"))
    };
    let eligible = num(b.text("#dry-eligible").await);
    let segment = num(b.text("#dry-segment").await);
    let mut excluded = Vec::new();
    for row in b.find_all("#dry-excluded tr[data-reason]").await {
        let reason = b.attribute(&row, "data-reason").await.unwrap_or_default();
        let n = b
            .script(&format!(
                "return document.querySelector('#dry-excluded tr[data-reason={reason}] td.num')\
                 .textContent.trim();"
            ))
            .await;
        excluded.push((reason, num(n.as_str().unwrap_or_default().to_string())));
    }
    (eligible, segment, excluded)
}

/// Creates "every Monday at 09:00 WIB" for the pending alumni of SMKN 1 Contoh on the
/// new-wave form, checks the form's dry run against the store's dry run of the saved wave,
/// and finds the wave on the list with its next send in WIB/WITA/WIT and on the calendar.
async fn create_weekly_wave(scene: &Scene, b: &Session) {
    b.goto(&scene.url("/console/waves/new")).await;
    b.choose("select[name=flow]", "tracer-smk").await;
    b.choose("select[name=message]", "reminder-1").await;
    b.click("input[name=kind][value=weekly]").await;
    b.click("input[name=days][value=MON]").await;
    assert_eq!(b.value_of("input[name=weekly_time]").await, "09:00");
    assert_eq!(b.value_of("select[name=tz]").await, "Asia/Jakarta");
    b.choose("select[name=school]", "SMKN 1 Contoh").await;
    assert_eq!(b.value_of("select[name=status]").await, "pending");
    b.fill_in("input[name=name]", "Pengingat Senin").await;
    b.click("#check").await;
    b.wait_for("#preview").await;
    let shown = read_dry_run(b).await;
    // SMKN 1 Contoh has five alumni now (three imported, two uploaded): all are in the
    // segment, the two who completed are excluded for it.
    assert_eq!(shown.1, 5, "segment {shown:?}");
    let completed = shown.2.iter().find(|(r, _)| r == "completed");
    assert_eq!(completed, Some(&("completed".to_string(), 2)), "{shown:?}");
    if screenshots_wanted() {
        b.scroll_to("#preview").await;
        b.desktop_screenshot(&screenshot_path("wave-new.png")).await;
    }
    b.click("#save").await;
    wait_until_not(b, "/console/waves/new").await;

    // The wave as stored, and the store's dry run of it now: the numbers the form showed.
    let waves = scene
        .db
        .store
        .waves()
        .waves_in(&jejak::store::Scope::All)
        .await
        .expect("waves");
    assert_eq!(waves.len(), 1);
    let wave = &waves[0];
    assert_eq!(wave.spec.name, "Pengingat Senin");
    assert_eq!(b.path().await, format!("/console/waves/{}", wave.id));
    let dry = jejak::cli::wave::dry_run(
        &scene.db.store,
        wave,
        &jejak::schedule::quiet::QuietHours::default(),
        Utc::now(),
    )
    .await
    .expect("dry run");
    assert_eq!(shown.0, dry.eligible_now, "would receive now");
    assert_eq!(shown.1, dry.segment_size(), "in the segment");
    for (reason, n) in &shown.2 {
        let want = dry
            .excluded
            .iter()
            .find(|(e, _)| e.code() == reason)
            .map(|(_, n)| *n)
            .unwrap_or(0);
        assert_eq!(*n, want, "excluded for {reason}");
    }
    assert_eq!(
        shown.2.iter().map(|(_, n)| n).sum::<i64>(),
        dry.excluded.values().sum::<i64>(),
        "every exclusion is on the page"
    );

    // On the list: the next send in the three zones; on the calendar: every Monday ahead.
    b.goto(&scene.url("/console/waves")).await;
    let row = format!("#waves tr[data-wave='{}']", wave.id);
    b.wait_for(&row).await;
    let mut mondays = mondays_at_nine(Utc::now());
    let next = mondays.next().expect("a Monday");
    assert_eq!(b.text(&format!("{row} td.next")).await, in_zones_id(next));
    assert!(b.text(&row).await.contains("Pengingat Senin"));
    let days = b
        .script(
            "return Array.from(document.querySelectorAll('#calendar td[data-date]'))\
             .map(function (d) { return [d.dataset.date, d.dataset.sends]; });",
        )
        .await;
    let days: Vec<(String, String)> = serde_json::from_value(days).expect("calendar days");
    let last_day = days.last().expect("a calendar").0.clone();
    let wanted: Vec<String> = std::iter::once(next)
        .chain(mondays)
        .map(|t| {
            t.with_timezone(&chrono_tz::Asia::Jakarta)
                .format("%Y-%m-%d")
                .to_string()
        })
        .take_while(|d| *d <= last_day)
        .collect();
    let with_sends: Vec<String> = days
        .iter()
        .filter(|(_, n)| n != "0")
        .map(|(d, n)| {
            assert_eq!(n, "1", "one send on {d}");
            d.clone()
        })
        .collect();
    assert!(!wanted.is_empty());
    assert_eq!(with_sends, wanted, "the calendar's Mondays");
    if screenshots_wanted() {
        b.desktop_screenshot(&screenshot_path("waves.png")).await;
    }
}

/// The exports page: each download is a link, and the answers CSV link gives the file with
/// one line per alumnus on the roster (the two rejected rows are not).
async fn check_exports(b: &Session) {
    b.click("nav a[href='/console/exports']").await;
    b.wait_path("/console/exports").await;
    let links = b.find_all("#downloads a[download]").await;
    // Answers CSV, CSV for an Indonesian Excel and XLSX, the codebook, the report by school,
    // programme and cohort.
    assert_eq!(links.len(), 7, "download links");
    let mut hrefs = Vec::new();
    for l in &links {
        hrefs.push(b.attribute(l, "href").await.unwrap_or_default());
    }
    assert!(
        hrefs.contains(
            &"/console/exports/download?flow=tracer-smk&kind=answers-csv-excel".to_string()
        ),
        "{hrefs:?}"
    );
    let href = b
        .attribute(&links[0], "href")
        .await
        .expect("a download link");
    assert_eq!(
        href,
        "/console/exports/download?flow=tracer-smk&kind=answers-csv"
    );
    let (status, kind, body) = b.fetch(&href).await;
    assert_eq!(status, 200, "{body}");
    assert!(kind.starts_with("text/csv"), "{kind}");
    let mut csv = csv::Reader::from_reader(body.as_bytes());
    let header = csv.headers().expect("a header").clone();
    assert_eq!(header.get(1), Some("external_id"), "{body}");
    let mut nisns: Vec<String> = csv
        .records()
        .map(|r| r.expect("a CSV row").get(1).unwrap_or_default().to_string())
        .collect();
    nisns.sort();
    assert_eq!(
        nisns,
        [
            "0011111111",
            "0011111112",
            "0011111113",
            "0011111114",
            "0011111116",
            "0022222221",
            "0022222222"
        ],
        "one line per alumnus of the roster, the rejected rows not among them"
    );
    if screenshots_wanted() {
        b.desktop_screenshot(&screenshot_path("exports.png")).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_first_sign_in_overview_equals_report_language_and_sign_out() {
    let Some(scene) = Scene::start().await else {
        return;
    };
    let password = scene.staff_add("admin@dinas.go.id", "admin", &[]);
    let b = scene.driver.session().await;

    // The sign-in page, in Indonesian by default.
    b.goto(&scene.url("/console/overview")).await;
    b.wait_path("/console/login").await;
    assert_eq!(page_lang(&b).await, "id");
    b.wait_text("Masuk ke konsol Jejak").await;
    if screenshots_wanted() {
        b.desktop_screenshot(&screenshot_path("sign-in.png")).await;
    }

    // A wrong password first: the page says so and stays.
    b.fill("email", "admin@dinas.go.id").await;
    b.fill("password", "bukan kata sandinya").await;
    b.click("#sign-in").await;
    b.wait_text("Email atau kata sandi salah.").await;
    assert_eq!(b.path().await, "/console/login");

    // The one-time password leads to the password form, and nowhere else until changed.
    sign_in(&scene, &b, "admin@dinas.go.id", &password).await;
    assert_eq!(b.path().await, "/console/password");
    b.wait_text("kata sandi sekali pakai").await;
    b.goto(&scene.url("/console/overview")).await;
    b.wait_path("/console/password").await;
    // Two different new passwords are refused with the reason.
    send_password_form(&b, &password, "sandi baru satu 2026", "sandi baru dua 2026").await;
    b.wait_text("Kedua kata sandi baru tidak sama.").await;
    assert_eq!(b.path().await, "/console/password");
    let new_password = "sandi baru yang panjang 2026";
    change_password(&b, &password, new_password).await;
    b.wait_path("/console/overview").await;

    // A roster upload with good and bad rows: the counts, the rejected lines and why, and
    // the rejected rows to download.
    upload_roster(&scene, &b).await;

    // The new alumna, found by search, on her own page.
    open_found_respondent(&scene, &b, "Fajar", "0011111114").await;

    // A weekly wave: its dry run equals the store's, and the list says when it sends.
    create_weekly_wave(&scene, &b).await;

    // The overview's numbers are jejak report's.
    b.goto(&scene.url("/console/overview?flow=tracer-smk&by=school"))
        .await;
    let shown = read_overview(&b).await;
    let expected = scene.report_rows();
    assert_eq!(expected.len(), 3, "two schools and the total: {expected:?}");
    assert_same_numbers(&shown, &expected);
    // Five alumni of the first import and the two good rows of the upload.
    assert_eq!(shown.roster, "7");
    assert_eq!(shown.completed, "2");
    if screenshots_wanted() {
        b.desktop_screenshot(&screenshot_path("overview.png")).await;
        b.phone_screenshot(&screenshot_path("overview-phone.png"))
            .await;
    }

    // The exports page links the downloads, and a link gives the file.
    check_exports(&b).await;
    if screenshots_wanted() {
        // The pages only looked at, for the README.
        b.goto(&scene.url("/console/flows/tracer-smk")).await;
        b.wait_for("ol.questions").await;
        b.desktop_screenshot(&screenshot_path("flow-preview.png"))
            .await;
    }
    // The audit log has the upload, the new wave and the download, once each.
    b.goto(&scene.url("/console/audit")).await;
    b.wait_for("#audit").await;
    for action in ["roster-import", "wave-add", "export"] {
        let rows = b
            .find_all(&format!("#audit tr[data-action={action}]"))
            .await;
        assert_eq!(rows.len(), 1, "audit entries {action}");
    }
    if screenshots_wanted() {
        b.desktop_screenshot(&screenshot_path("audit-log.png"))
            .await;
    }
    b.goto(&scene.url("/console/overview?flow=tracer-smk&by=school"))
        .await;
    b.wait_for("#total-roster").await;

    // English and back; the numbers stay.
    switch_language(&b, "en").await;
    b.wait_text("Sign out").await;
    assert_eq!(b.path().await, "/console/overview");
    assert_same_numbers(&read_overview(&b).await, &expected);
    switch_language(&b, "id").await;
    b.wait_text("Keluar").await;

    // A second tab on the overview, then sign-out in the first.
    let first = b.tab().await;
    let cookie = b
        .cookies()
        .await
        .into_iter()
        .find(|(name, _)| name == "jejak_staff")
        .expect("a session cookie");
    let second = b.new_tab().await;
    b.goto(&scene.url("/console/overview")).await;
    b.wait_for("#total-roster").await;
    b.switch_to(&first).await;
    b.click("#logout").await;
    b.wait_path("/console/login").await;
    // The second tab's next click lands on the sign-in page.
    b.switch_to(&second).await;
    b.goto(&scene.url("/console/overview")).await;
    b.wait_path("/console/login").await;
    // Even the old cookie put back by hand (a copied cookie) opens nothing: the session
    // ended on the server, not only in this browser.
    b.add_cookie(&cookie.0, &cookie.1, "/console").await;
    b.goto(&scene.url("/console/overview")).await;
    b.wait_path("/console/login").await;
    b.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_operators_in_two_browsers_see_only_their_school() {
    let Some(scene) = Scene::start().await else {
        return;
    };
    let expected = scene.report_rows();
    let school_row = |name: &str| {
        expected
            .iter()
            .find(|r| r[0] == name)
            .unwrap_or_else(|| panic!("{name} in {expected:?}"))
            .clone()
    };

    // Two browsers, each with its own cookies, signed in at the same time.
    let b1 = scene
        .signed_in("bkk@smkn1.sch.id", Role::Operator, &["SMKN 1 Contoh"])
        .await;
    let b2 = scene
        .signed_in("bkk@smkn2.sch.id", Role::Operator, &["smkn 2 contoh"])
        .await;
    for (b, mine, other) in [
        (&b1, "SMKN 1 Contoh", "SMKN 2 Contoh"),
        (&b2, "SMKN 2 Contoh", "SMKN 1 Contoh"),
    ] {
        b.goto(&scene.url("/console/overview?flow=tracer-smk&by=school"))
            .await;
        let shown = read_overview(b).await;
        let row = school_row(mine);
        // One group, and the total equals that school's line of the full report.
        let mut own_total = row.clone();
        own_total[0] = "TOTAL".into();
        assert_same_numbers(&shown, &[row, own_total]);
        let html = b.source().await;
        assert!(!html.contains(other), "{mine}'s operator sees {other}");
    }
    // Both sessions live side by side: the first is still itself.
    b1.goto(&scene.url("/console/overview")).await;
    assert_eq!(b1.text("#total-roster").await, "3");

    // A wave for school 2, made on the server with `jejak wave add`.
    let (code, out, err) = scene.jejak(&[
        "wave",
        "add",
        "--flow",
        "tracer-smk",
        "--cron",
        "0 9 * * MON",
        "--segment",
        "school=SMKN 2 Contoh",
        "--message",
        "reminder-1",
    ]);
    assert_eq!(code, 0, "jejak wave add: {out}{err}");
    let waves = scene
        .db
        .store
        .waves()
        .waves_in(&jejak::store::Scope::All)
        .await
        .expect("waves");
    assert_eq!(waves.len(), 1);
    let school2_wave = waves[0].id;
    let (school2_alumnus, _) = scene
        .db
        .store
        .roster()
        .identity_of("0022222221")
        .await
        .expect("look up")
        .expect("imported");
    // School 2's operator opens both; school 1's operator, given the same addresses (a
    // shared link, a guessed number), gets the page for something that does not exist.
    b2.goto(&scene.url(&format!("/console/respondents/{school2_alumnus}")))
        .await;
    assert_eq!(b2.table("#fields").await[1][1], "0022222221");
    b2.goto(&scene.url(&format!("/console/waves/{school2_wave}")))
        .await;
    b2.wait_for("#schedule").await;
    b2.goto(&scene.url("/console/waves")).await;
    assert_eq!(b2.find_all("#waves tr[data-wave]").await.len(), 1);
    for path in [
        format!("/console/respondents/{school2_alumnus}"),
        format!("/console/waves/{school2_wave}"),
    ] {
        b1.goto(&scene.url(&path)).await;
        b1.wait_text("Tidak ditemukan").await;
        assert_eq!(b1.title().await, "Tidak ditemukan · Jejak");
        let html = b1.source().await;
        assert!(
            !html.contains("SMKN 2 Contoh") && !html.contains("0022222221"),
            "{path} shows school 2's data to school 1's operator"
        );
        assert!(b1.find("#fields").await.is_none() && b1.find("#schedule").await.is_none());
    }
    // And school 1's wave list does not have it.
    b1.goto(&scene.url("/console/waves")).await;
    b1.wait_for("#no-waves").await;
    b1.quit().await;
    b2.quit().await;
}

/// The harness's own steps on a page of our own making (a `data:` URL): typing, choosing,
/// ticking, uploading a file, reading a table; so the steps later pages need (roster
/// upload, wave creation) are known to work before those pages use them.
/// A data subject's erasure request answered in the browser by the school's operator:
/// the reason typed on the respondent page, the confirmation step, the erasure, the audit
/// line; the name is gone from the search afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_deletes_a_respondent_after_confirming() {
    let Some(scene) = Scene::start().await else {
        return;
    };
    let (citra, _) = scene
        .db
        .store
        .roster()
        .identity_of("0011111113")
        .await
        .expect("look up")
        .expect("Citra");
    let b = scene
        .signed_in("bkk@smkn1.sch.id", Role::Operator, &["SMKN 1 Contoh"])
        .await;
    b.goto(&scene.url(&format!("/console/respondents/{citra}")))
        .await;
    b.wait_text("Citra Dewi").await;
    b.fill_in(
        "#rights-delete input[name=reason]",
        "Surat permintaan hapus 3/12",
    )
    .await;
    b.click("#rights-delete button").await;
    // The confirmation step: nothing erased yet.
    b.wait_for("#confirm-delete").await;
    assert!(b.text("#confirm-delete").await.contains("Citra Dewi"));
    assert!(
        scene
            .db
            .store
            .respondents()
            .erased_at(citra)
            .await
            .unwrap()
            .is_none()
    );
    b.click("#confirm-delete-button").await;
    b.wait_for("#deleted").await;
    assert!(
        scene
            .db
            .store
            .respondents()
            .erased_at(citra)
            .await
            .unwrap()
            .is_some()
    );
    let lines = scene
        .db
        .store
        .staff()
        .audit_entries(&jejak::store::AuditFilter {
            actor: Some("bkk@smkn1.sch.id".into()),
            action: Some("respondent-delete".into()),
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(
        lines[0].detail,
        format!("respondent {citra}; reason: Surat permintaan hapus 3/12")
    );
    b.goto(&scene.url("/console/respondents?q=Citra")).await;
    b.wait_for("#no-results").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn harness_types_chooses_ticks_uploads_and_reads_tables() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let b = driver.session().await;
    let page = "<html lang=id><body><form>\
        <input id=name><select id=kind><option value=a>A</option>\
        <option value='b c'>B</option></select><input id=ok type=checkbox>\
        <input id=file type=file></form>\
        <table id=t><tbody><tr><th>x</th><td> 1 </td></tr></tbody>\
        <tfoot><tr><th>all</th><td>2</td></tr></tfoot></table></body></html>";
    b.goto(&format!("data:text/html;charset=utf-8,{}", percent(page)))
        .await;
    b.fill("name", "Ani <b>\"Lestari\"</b>").await;
    assert_eq!(b.value("name").await, "Ani <b>\"Lestari\"</b>");
    b.fill("name", "diganti").await;
    assert_eq!(
        b.value("name").await,
        "diganti",
        "fill empties the field first"
    );
    b.select("kind", "b c").await;
    assert_eq!(b.value("kind").await, "b c");
    assert!(!b.is_checked("ok").await);
    b.click("#ok").await;
    assert!(b.is_checked("ok").await);
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("roster.csv");
    std::fs::write(&file, "nisn,nama\n1,Ani\n").expect("write");
    b.upload("file", &file).await;
    let name = b
        .script("return document.getElementById('file').files[0].name;")
        .await;
    assert_eq!(name.as_str(), Some("roster.csv"));
    assert_eq!(
        b.table("#t").await,
        vec![
            vec!["x".to_string(), "1".into()],
            vec!["all".into(), "2".into()]
        ]
    );
    assert!(b.find("#nothing-here").await.is_none());
    b.quit().await;
}

/// Percent-encodes a `data:` URL's content.
fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
