//! The staff console in a real browser (Chromium over WebDriver, `support/browser.rs`) on
//! SQLite: the first sign-in of an admin made with `jejak staff add`, the forced password
//! change, the overview's numbers against `jejak report` run as a process, the language
//! switch, sign-out with a second tab; and two operators of two schools side by side.
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
            .identity_of(nisn)
            .await
            .expect("look up")
            .expect("imported");
        let s = store
            .latest_session(id, "tracer-smk")
            .await
            .expect("session")
            .expect("enrolled");
        store
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

    // Roster upload (with bad rows) and wave creation with its dry run go here once those
    // pages exist: `b.upload(id, path)`, `b.select(id, value)`, `b.table(css)`, `b.wait_text`.

    // The overview's numbers are jejak report's.
    b.goto(&scene.url("/console/overview?flow=tracer-smk&by=school"))
        .await;
    let shown = read_overview(&b).await;
    let expected = scene.report_rows();
    assert_eq!(expected.len(), 3, "two schools and the total: {expected:?}");
    assert_same_numbers(&shown, &expected);
    assert_eq!(shown.roster, "5");
    assert_eq!(shown.completed, "2");
    if screenshots_wanted() {
        b.desktop_screenshot(&screenshot_path("overview.png")).await;
        b.phone_screenshot(&screenshot_path("overview-phone.png"))
            .await;
    }

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
    b1.quit().await;
    b2.quit().await;
}

/// The harness's own steps on a page of our own making (a `data:` URL): typing, choosing,
/// ticking, uploading a file, reading a table; so the steps later pages need (roster
/// upload, wave creation) are known to work before those pages use them.
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
