//! The console's exports, flows, audit and accounts pages over HTTP (real server, real
//! database, both backends): exports stay inside the reader's scope and are safe to open in
//! Excel, viewers get numbers only, the flow check shows file:line:col, admins alone reach the
//! audit log and the accounts, and account changes take effect at once.

#[path = "support/test_db.rs"]
#[macro_use]
mod test_db;
#[path = "support/console.rs"]
mod console_support;

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::Utc;
use console_support::{Client, Console, import_csv};
use jejak::console::ConsoleSettings;
use jejak::model::{AnswerKey, SessionStatus, Value};
use jejak::store::{AnswerOp, Role, StepCommit, Store};
use test_db::Db;

both_backends!(
    exports_are_scoped_and_safe_in_excel,
    flows_page_checks_files_and_previews_questions,
    audit_is_for_admins_and_filters,
    accounts_are_managed_by_admins,
    invitation_sheet_and_report_are_formula_safe,
    data_rights_in_the_console_are_scoped_and_audited,
    retention_purge_page_shows_and_runs,
    whatsapp_dead_letters_are_listed_and_retried
);

const FLOW: &str = "tracer-smk";

/// Two schools; the first alumna's name and answers try formula injection and HTML.
const ROSTER: &str = "nisn,nama,no_hp,angkatan,program,sekolah\n\
0011111111,\"=HYPERLINK(\"\"http://x\"\")\",081234500001,2025,TKJ,SMKN 1 Contoh\n\
0011111112,Budi Santoso,081234500002,2025,AKL,SMKN 1 Contoh\n\
0022222221,Dodi Pratama,081234500004,2025,TKR,SMKN 2 Contoh\n";

/// Stores answers for the respondent with this NISN and completes the session.
async fn answer(store: &Store, nisn: &str, answers: Vec<(&str, Value)>) {
    let (id, _) = store
        .roster()
        .identity_of(nisn)
        .await
        .expect("identity")
        .expect("known NISN");
    let s = store
        .sessions()
        .latest_session(id, FLOW)
        .await
        .expect("session")
        .expect("enrolled");
    let ops: Vec<AnswerOp> = answers
        .into_iter()
        .map(|(code, value)| AnswerOp::Set {
            key: AnswerKey {
                code: code.into(),
                iteration: 0,
            },
            raw: value.export(),
            value,
        })
        .collect();
    store
        .sessions()
        .commit_step(&StepCommit {
            session_id: s.id,
            expected_revision: s.revision,
            status: SessionStatus::Completed,
            state_json: "{}",
            flow_version: s.flow_version,
            answers: &ops,
            events: &[],
            inbound: None,
            now: Utc::now(),
        })
        .await
        .expect("commit");
}

async fn dataset(db: &Db) {
    let report = import_csv(&db.store, FLOW, ROSTER).await;
    assert_eq!(report.loaded, 3);
    answer(
        &db.store,
        "0011111111",
        vec![
            ("f8", Value::Choice("1".into())),
            ("f5b", Value::Text("@SUM(1)".into())),
            ("f502", Value::Integer(-5)),
        ],
    )
    .await;
    answer(
        &db.store,
        "0011111112",
        vec![("f5b", Value::Text("<script>alert(1)</script>".into()))],
    )
    .await;
    answer(
        &db.store,
        "0022222221",
        vec![("f5b", Value::Text("Bengkel Dua".into()))],
    )
    .await;
}

fn csv_rows(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(bytes);
    let header: Vec<String> = r
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    let rows = r
        .records()
        .map(|rec| rec.expect("row").iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

fn xlsx_rows(bytes: &[u8]) -> Vec<Vec<Data>> {
    let mut book = Xlsx::new(Cursor::new(bytes.to_vec())).expect("an XLSX file");
    let sheet = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&sheet).expect("sheet");
    range.rows().map(|r| r.to_vec()).collect()
}

fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

async fn exports_are_scoped_and_safe_in_excel(db: &Db) {
    dataset(db).await;
    // The scope is in the SQL of the export's session list itself.
    let scoped = db
        .store
        .sessions()
        .sessions_for_flow_in(FLOW, &jejak::store::Scope::schools([" smkn 1 CONTOH "]))
        .await
        .unwrap();
    assert_eq!(scoped.len(), 2);
    for s in &scoped {
        let r = db
            .store
            .respondents()
            .respondent(s.respondent_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(r.fields.school.as_deref(), Some("SMKN 1 Contoh"));
    }
    let all = jejak::store::Scope::All;
    assert_eq!(
        db.store
            .sessions()
            .sessions_for_flow_in(FLOW, &all)
            .await
            .unwrap()
            .len(),
        3
    );
    let nobody = jejak::store::Scope::schools(Vec::<String>::new());
    assert!(
        db.store
            .sessions()
            .sessions_for_flow_in(FLOW, &nobody)
            .await
            .unwrap()
            .is_empty()
    );
    let console = Console::start(db.store.clone()).await;
    let op = console
        .staff("bkk@smkn1.sch.id", Role::Operator, &["SMKN 1 Contoh"])
        .await;
    let viewer = console.staff("dinas@prov.go.id", Role::Viewer, &[]).await;
    let admin = console.staff("admin@dinas.go.id", Role::Admin, &[]).await;

    // The page offers the downloads; a viewer is told the answers are not for them.
    let page = op.get("/console/exports?flow=tracer-smk").await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("kind=answers-csv"), "{}", page.text());
    let page = viewer.get("/console/exports?flow=tracer-smk").await.text();
    assert!(!page.contains("kind=answers-csv"), "{page}");
    assert!(page.contains("kind=report"), "{page}");

    // CSV of the operator of school 1: school 1 only, formulas neutralised, numbers kept.
    let res = op
        .get("/console/exports/download?flow=tracer-smk&kind=answers-csv")
        .await;
    assert_eq!(res.status, 200);
    let disposition = res.headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"") && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let (header, rows) = csv_rows(&res.bytes);
    assert_eq!(rows.len(), 2, "{rows:?}");
    let (school, name, f5b, f502, ext) = (
        col(&header, "school"),
        col(&header, "name"),
        col(&header, "f5b"),
        col(&header, "f502"),
        col(&header, "external_id"),
    );
    assert!(
        rows.iter().all(|r| r[school] == "SMKN 1 Contoh"),
        "{rows:?}"
    );
    assert!(!res.text().contains("0022222221") && !res.text().contains("SMKN 2"));
    let first = rows
        .iter()
        .find(|r| r[ext] == "0011111111")
        .expect("the first alumna");
    assert_eq!(first[name], "'=HYPERLINK(\"http://x\")");
    assert_eq!(first[f5b], "'@SUM(1)");
    assert_eq!(first[f502], "-5");
    // CSV is not HTML: the text is kept as typed, for Excel to show as text.
    assert!(rows.iter().any(|r| r[f5b] == "<script>alert(1)</script>"));

    // The same as XLSX, read back with calamine: text cells neutralised, -5 a number.
    let res = op
        .get("/console/exports/download?flow=tracer-smk&kind=answers-xlsx")
        .await;
    assert_eq!(res.status, 200);
    assert!(
        res.headers["content-disposition"]
            .to_str()
            .unwrap()
            .ends_with(".xlsx\"")
    );
    let sheet = xlsx_rows(&res.bytes);
    let header: Vec<String> = sheet[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(sheet.len(), 3, "header and two rows");
    let first = sheet
        .iter()
        .find(|r| r[col(&header, "external_id")] == Data::String("0011111111".into()))
        .expect("the first alumna");
    assert_eq!(
        first[col(&header, "name")],
        Data::String("'=HYPERLINK(\"http://x\")".into())
    );
    assert_eq!(first[col(&header, "f5b")], Data::String("'@SUM(1)".into()));
    assert_eq!(first[col(&header, "f502")], Data::Float(-5.0));
    assert!(
        sheet
            .iter()
            .all(|r| r[col(&header, "school")] != Data::String("SMKN 2 Contoh".into()))
    );

    // The admin's export has every school.
    let res = admin
        .get("/console/exports/download?flow=tracer-smk&kind=answers-csv")
        .await;
    assert_eq!(csv_rows(&res.bytes).1.len(), 3);

    // A viewer: the report and the codebook yes, the answers no.
    for kind in ["answers-csv", "answers-xlsx"] {
        let res = viewer
            .get(&format!(
                "/console/exports/download?flow=tracer-smk&kind={kind}"
            ))
            .await;
        assert_eq!(res.status, 403, "{kind}");
    }
    let res = viewer
        .get("/console/exports/download?flow=tracer-smk&kind=codebook")
        .await;
    assert_eq!(res.status, 200);
    assert!(
        res.text().starts_with("code,section,type"),
        "{}",
        res.text()
    );
    let res = viewer
        .get("/console/exports/download?flow=tracer-smk&kind=report&by=school")
        .await;
    assert_eq!(res.status, 200);
    let report = xlsx_rows(&res.bytes);
    let labels: Vec<String> = report.iter().map(|r| r[0].to_string()).collect();
    assert!(labels.contains(&"SMKN 2 Contoh".to_string()), "{labels:?}");

    // The operator's report has school 1 only.
    let res = op
        .get("/console/exports/download?flow=tracer-smk&kind=report&by=school")
        .await;
    assert_eq!(res.status, 200);
    let labels: Vec<String> = xlsx_rows(&res.bytes)
        .iter()
        .map(|r| r[0].to_string())
        .collect();
    assert!(labels.contains(&"SMKN 1 Contoh".to_string()), "{labels:?}");
    assert!(!labels.contains(&"SMKN 2 Contoh".to_string()), "{labels:?}");

    // Unknown flow or kind: not found.
    assert_eq!(
        op.get("/console/exports/download?flow=nope&kind=answers-csv")
            .await
            .status,
        404
    );
    assert_eq!(
        op.get("/console/exports/download?flow=tracer-smk&kind=nope")
            .await
            .status,
        404
    );

    // Every download is in the audit log with flow, kind and rows.
    let audit = db
        .store
        .staff()
        .audit_entries(&jejak::store::AuditFilter {
            actor: Some("bkk@smkn1.sch.id".into()),
            action: Some("export".into()),
            limit: 100,
        })
        .await
        .unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.detail == "flow=tracer-smk kind=answers-csv rows=2"),
        "{audit:?}"
    );
    assert!(
        audit
            .iter()
            .any(|e| e.detail == "flow=tracer-smk kind=answers-xlsx rows=2")
    );
    // Refused downloads are not exports.
    let viewer_exports = db
        .store
        .staff()
        .audit_entries(&jejak::store::AuditFilter {
            actor: Some("dinas@prov.go.id".into()),
            action: Some("export".into()),
            limit: 100,
        })
        .await
        .unwrap();
    assert_eq!(viewer_exports.len(), 2, "{viewer_exports:?}");
}

async fn flows_page_checks_files_and_previews_questions(db: &Db) {
    // The shipped flows, checked clean; a viewer may read the page.
    let console = Console::start(db.store.clone()).await;
    let viewer = console.staff("dinas@prov.go.id", Role::Viewer, &[]).await;
    let page = viewer.get("/console/flows").await;
    assert_eq!(page.status, 200);
    let html = page.text();
    for f in ["tracer-smk", "tracer-pelatihan"] {
        assert!(html.contains(&format!("data-flow=\"{f}\"")), "{html}");
        assert!(
            html.contains(&format!("class=\"ok\" data-file=\"{f}.yaml\"")),
            "{html}"
        );
    }
    assert!(!html.contains("class=\"error\""), "{html}");
    let row = &html[html.find("data-flow=\"tracer-smk\"").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("<td class=\"num\">48</td>"), "{row}");
    assert!(
        row.contains("<td>id, en</td>") && row.contains("berjalan"),
        "{row}"
    );

    // The preview: every question in Indonesian and in English, conditions in words.
    let page = viewer.get("/console/flows/tracer-smk").await;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("Apa kegiatan utama Anda saat ini?"), "{html}");
    assert!(html.contains("What is the name of the company"), "{html}");
    assert!(html.contains("data-code=\"f5b\""));
    assert!(html.contains("f8 = 1"), "{html}");
    assert!(html.contains("<code>3</code> = Wirausaha"), "{html}");
    assert_eq!(viewer.get("/console/flows/nope").await.status, 404);

    // A flows folder with a broken file: its error with file:line:col.
    let dir = tempfile::tempdir().unwrap();
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("flows");
    std::fs::copy(
        shipped.join("tracer-smk.yaml"),
        dir.path().join("tracer-smk.yaml"),
    )
    .unwrap();
    let good = std::fs::read_to_string(shipped.join("tracer-smk.yaml")).unwrap();
    // An unknown question type, at a line we know.
    let broken = good.replacen("type: integer", "type: integerr", 1);
    let line = broken
        .lines()
        .position(|l| l.contains("type: integerr"))
        .unwrap()
        + 1;
    std::fs::write(dir.path().join("rusak.yaml"), broken).unwrap();
    // A file saved in the Windows code page ("Pendapatan ≥" as byte 0xB3 is not UTF-8): it
    // cannot be read at all, said in the staff's language, not the system's English.
    std::fs::write(
        dir.path().join("ansi.yaml"),
        b"id: x\ntitle: Pendapatan \xb3 UMK\n",
    )
    .unwrap();
    let console = Console::start_with(
        db.store.clone(),
        ConsoleSettings {
            flows_dir: Some(dir.path().to_path_buf()),
            ..ConsoleSettings::default()
        },
    )
    .await;
    let admin = console.staff("admin@dinas.go.id", Role::Admin, &[]).await;
    let html = admin.get("/console/flows").await.text();
    assert!(
        html.contains("class=\"ok\" data-file=\"tracer-smk.yaml\""),
        "{html}"
    );
    assert!(
        html.contains("class=\"error\" data-file=\"rusak.yaml\""),
        "{html}"
    );
    let path = dir.path().join("rusak.yaml");
    let expected = format!("{}:{line}:", path.display());
    assert!(html.contains(&expected), "{expected} in {html}");
    assert!(
        html.contains("class=\"error\" data-file=\"ansi.yaml\""),
        "{html}"
    );
    assert!(
        html.contains("berkas survei tidak bisa dibaca: isinya bukan teks UTF-8"),
        "{html}"
    );
}

/// Signs in a fresh client with a password, as a browser would.
async fn sign_in(console: &Console, email: &str, password: &str) -> (u16, Client) {
    let mut c = Client::new(&console.base);
    let res = c
        .post_raw(
            "/console/login",
            &[("email", email), ("password", password)],
        )
        .await;
    let status = res.status().as_u16();
    for v in res.headers().get_all("set-cookie") {
        let v = v.to_str().unwrap();
        if let Some(pair) = v
            .split(';')
            .next()
            .filter(|p| p.starts_with("jejak_staff="))
        {
            c.cookie = Some(pair.to_string());
        }
    }
    (status, c)
}

async fn audit_is_for_admins_and_filters(db: &Db) {
    dataset(db).await;
    let console = Console::start(db.store.clone()).await;
    let admin = console.staff("admin@dinas.go.id", Role::Admin, &[]).await;
    let op = console
        .staff("bkk@smkn1.sch.id", Role::Operator, &["SMKN 1 Contoh"])
        .await;
    let viewer = console.staff("dinas@prov.go.id", Role::Viewer, &[]).await;
    for c in [&op, &viewer] {
        assert_eq!(c.get("/console/audit").await.status, 403);
        assert_eq!(c.get("/console/accounts").await.status, 403);
    }
    let res = op
        .get("/console/exports/download?flow=tracer-smk&kind=answers-csv")
        .await;
    assert_eq!(res.status, 200);

    let page = admin.get("/console/audit").await;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("data-action=\"sign-in\""), "{html}");
    assert!(html.contains("data-action=\"export\""), "{html}");
    assert!(html.contains("kind=answers-csv rows=2"), "{html}");
    assert!(html.contains(" WIB<"), "times in WIB: {html}");
    // Newest first: the export came after the sign-ins.
    let export_at = html.find("data-action=\"export\"").unwrap();
    let sign_in_at = html.find("data-action=\"sign-in\"").unwrap();
    assert!(export_at < sign_in_at);

    // Filters: the operator's sign-ins only.
    let html = admin
        .get("/console/audit?actor=BKK%40smkn1.sch.id&action=sign-in")
        .await
        .text();
    assert_eq!(html.matches("data-action=\"sign-in\"").count(), 1, "{html}");
    assert!(!html.contains("data-action=\"export\""));
    assert!(!html.contains("<td>admin@dinas.go.id</td>"), "{html}");
    assert!(html.contains("<td>bkk@smkn1.sch.id</td>"), "{html}");
    let html = admin.get("/console/audit?action=export").await.text();
    assert_eq!(html.matches("<tr data-action=").count(), 1, "{html}");
    let html = admin
        .get("/console/audit?action=nothing-like-it")
        .await
        .text();
    assert!(html.contains("id=\"audit-empty\""), "{html}");
}

async fn accounts_are_managed_by_admins(db: &Db) {
    let console = Console::start(db.store.clone()).await;
    let mut admin = console.staff("admin@dinas.go.id", Role::Admin, &[]).await;
    let mut op = console
        .staff("bkk@smkn1.sch.id", Role::Operator, &["SMKN 1 Contoh"])
        .await;
    let staff = db.store.staff();
    let page = admin.get("/console/accounts").await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("data-email=\"bkk@smkn1.sch.id\""));

    // An operator may not create accounts, even with a valid form.
    let res = op
        .post(
            "/console/accounts",
            &[("email", "x@y.id"), ("role", "admin"), ("schools", "")],
        )
        .await;
    assert_eq!(res.status, 403);
    assert!(staff.account_by_email("x@y.id").await.unwrap().is_none());

    // Refused: an operator without a school; nothing created; the form is kept.
    let res = admin
        .post(
            "/console/accounts",
            &[
                ("email", "baru@smkn1.sch.id"),
                ("role", "operator"),
                ("schools", " "),
            ],
        )
        .await;
    assert_eq!(res.status, 400);
    assert!(res.text().contains("value=\"baru@smkn1.sch.id\""));
    assert!(
        staff
            .account_by_email("baru@smkn1.sch.id")
            .await
            .unwrap()
            .is_none()
    );

    // Created, with a school that tries HTML: shown escaped; the one-time password once.
    let res = admin
        .post(
            "/console/accounts",
            &[
                ("email", "Baru@SMKN1.sch.id"),
                ("role", "operator"),
                ("schools", "SMKN 1 Contoh\n<script>alert(1)</script>"),
            ],
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let html = res.text();
    assert!(!html.contains("<script>alert(1)</script>"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    let marker = "id=\"one-time-password\">";
    let start = html.find(marker).expect("the password is shown") + marker.len();
    let password = &html[start..start + html[start..].find('<').unwrap()];
    assert_eq!(password.len(), 12);
    let (account, _) = staff
        .account_by_email("baru@smkn1.sch.id")
        .await
        .unwrap()
        .expect("created");
    assert!(account.must_change_password);
    assert_eq!(account.role, Role::Operator);
    assert!(
        !admin
            .get("/console/accounts")
            .await
            .text()
            .contains(password)
    );

    // The new account signs in with it and is sent to change it.
    let (status, newcomer) = sign_in(&console, "baru@smkn1.sch.id", password).await;
    assert_eq!(status, 303);
    let res = newcomer.get("/console/overview").await;
    assert_eq!(res.status, 303);
    assert_eq!(res.location().as_deref(), Some("/console/password"));

    // Missing CSRF token: 403 and nothing changes.
    let op_id = staff
        .account_by_email("bkk@smkn1.sch.id")
        .await
        .unwrap()
        .unwrap()
        .0
        .id;
    let res = admin
        .post_raw(&format!("/console/accounts/{op_id}/disable"), &[])
        .await;
    assert_eq!(res.status().as_u16(), 403);
    assert!(!staff.account(op_id).await.unwrap().unwrap().disabled);
    assert_eq!(op.get("/console/overview").await.status, 200);

    // Disable ends the operator's signed-in session at once.
    let res = admin
        .post(&format!("/console/accounts/{op_id}/disable"), &[])
        .await;
    assert_eq!(res.status, 303);
    assert!(staff.account(op_id).await.unwrap().unwrap().disabled);
    let res = op.get("/console/overview").await;
    assert_eq!(res.status, 303);
    assert_eq!(res.location().as_deref(), Some("/console/login"));
    let (status, _) = sign_in(
        &console,
        "bkk@smkn1.sch.id",
        "sandi-bkk@smkn1.sch.id-panjang",
    )
    .await;
    assert_ne!(status, 303, "a disabled account cannot sign in");
    let res = admin
        .post(&format!("/console/accounts/{op_id}/enable"), &[])
        .await;
    assert_eq!(res.status, 303);
    assert!(!staff.account(op_id).await.unwrap().unwrap().disabled);
    op = console
        .sign_in("bkk@smkn1.sch.id", "sandi-bkk@smkn1.sch.id-panjang")
        .await;

    // Role and schools change; an admin with schools is refused.
    let res = admin
        .post(
            &format!("/console/accounts/{op_id}/role"),
            &[("role", "admin"), ("schools", "SMKN 1 Contoh")],
        )
        .await;
    assert_eq!(res.status, 400);
    let res = admin
        .post(
            &format!("/console/accounts/{op_id}/role"),
            &[
                ("role", "viewer"),
                ("schools", "SMKN 1 Contoh\nSMKN 2 Contoh"),
            ],
        )
        .await;
    assert_eq!(res.status, 303);
    let a = staff.account(op_id).await.unwrap().unwrap();
    assert_eq!(a.role, Role::Viewer);
    assert_eq!(a.schools, vec!["smkn 1 contoh", "smkn 2 contoh"]);

    // An admin cannot disable, demote or reset themselves.
    let admin_id = staff
        .account_by_email("admin@dinas.go.id")
        .await
        .unwrap()
        .unwrap()
        .0
        .id;
    for (path, form) in [
        ("disable", vec![]),
        ("role", vec![("role", "viewer"), ("schools", "")]),
        ("reset", vec![]),
    ] {
        let res = admin
            .post(&format!("/console/accounts/{admin_id}/{path}"), &form)
            .await;
        assert_eq!(res.status, 400, "{path}");
    }
    let me = staff.account(admin_id).await.unwrap().unwrap();
    assert!(!me.disabled && me.role == Role::Admin);
    assert_eq!(admin.get("/console/accounts").await.status, 200);
    assert_eq!(
        admin
            .post("/console/accounts/999999/disable", &[])
            .await
            .status,
        404
    );

    // Reset: a new one-time password; the account's sessions end.
    let res = admin
        .post(&format!("/console/accounts/{op_id}/reset"), &[])
        .await;
    assert_eq!(res.status, 200);
    let html = res.text();
    let start = html.find(marker).expect("the password is shown") + marker.len();
    let password = html[start..start + html[start..].find('<').unwrap()].to_string();
    assert_eq!(op.get("/console/overview").await.status, 303);
    let (status, again) = sign_in(&console, "bkk@smkn1.sch.id", &password).await;
    assert_eq!(status, 303);
    assert_eq!(
        again.get("/console/overview").await.location().as_deref(),
        Some("/console/password")
    );

    // Every change is in the audit log, and the log shows the schools escaped.
    let html = admin.get("/console/audit").await.text();
    for action in [
        "account-add",
        "account-role",
        "account-disable",
        "account-enable",
        "account-reset",
    ] {
        assert!(
            html.contains(&format!("data-action=\"{action}\"")),
            "{action}"
        );
    }
    assert!(!html.contains("<script>alert(1)</script>"), "{html}");
}

async fn invitation_sheet_and_report_are_formula_safe(db: &Db) {
    let roster = "nisn,nama,no_hp,angkatan,program,sekolah\n\
0011111111,\"=HYPERLINK(\"\"http://x\"\")\",081234500001,2025,TKJ,+SMK Plus\n\
0011111112,Budi Santoso,081234500002,2025,AKL,SMKN 1 Contoh\n";
    assert_eq!(import_csv(&db.store, FLOW, roster).await.loaded, 2);
    let dir = tempfile::tempdir().unwrap();
    let links = jejak::roster::invite::LinkTargets::new(Some("@jejak_tracer_bot"), None).unwrap();
    // A token is ours, not user data: one that begins with `-` (base64url allows it) must
    // reach the sheet unchanged, or the link in it would not work.
    test_db::exec(
        db,
        "UPDATE respondents SET token = '-0dT3ErjiN7ZnraClvBdQw' WHERE external_id = '0011111111'",
    )
    .await;

    // The invitation sheet, CSV and XLSX: the name neutralised, the phone number kept.
    let csv_path = dir.path().join("undangan.csv");
    jejak::roster::invite::write_invitations(&db.store, FLOW, &links, &csv_path, None, Utc::now())
        .await
        .unwrap();
    let (header, rows) = csv_rows(&std::fs::read(&csv_path).unwrap());
    let row = rows
        .iter()
        .find(|r| r[col(&header, "external_id")] == "0011111111")
        .unwrap();
    assert_eq!(row[col(&header, "nama")], "'=HYPERLINK(\"http://x\")");
    assert_eq!(row[col(&header, "sekolah")], "'+SMK Plus");
    assert_eq!(row[col(&header, "no_hp")], "+6281234500001");
    assert_eq!(row[col(&header, "token")], "-0dT3ErjiN7ZnraClvBdQw");
    let xlsx_path = dir.path().join("undangan.xlsx");
    jejak::roster::invite::write_invitations(&db.store, FLOW, &links, &xlsx_path, None, Utc::now())
        .await
        .unwrap();
    let sheet = xlsx_rows(&std::fs::read(&xlsx_path).unwrap());
    let row = sheet
        .iter()
        .find(|r| r[0] == Data::String("0011111111".into()))
        .unwrap();
    assert_eq!(row[1], Data::String("'=HYPERLINK(\"http://x\")".into()));
    assert_eq!(row[2], Data::String("+6281234500001".into()));
    assert_eq!(row[5], Data::String("'+SMK Plus".into()));

    // The response report's group labels, CSV and XLSX.
    let report = jejak::report::response::response_report(
        &db.store,
        FLOW,
        Some(jejak::report::response::GroupBy::School),
    )
    .await
    .unwrap();
    let mut out = Vec::new();
    report.write_csv(&mut out, jejak::model::Lang::En).unwrap();
    let (_, rows) = csv_rows(&out);
    let labels: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert!(labels.contains(&"'+SMK Plus"), "{labels:?}");
    assert!(labels.contains(&"SMKN 1 Contoh"), "{labels:?}");
    let path = dir.path().join("laporan.xlsx");
    jejak::report::xlsx::write_report(&report, &path, jejak::model::Lang::En).unwrap();
    let labels: Vec<Data> = xlsx_rows(&std::fs::read(&path).unwrap())
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    assert!(
        labels.contains(&Data::String("'+SMK Plus".into())),
        "{labels:?}"
    );
}

/// The respondent with this NISN.
async fn id_of(store: &Store, nisn: &str) -> i64 {
    store
        .roster()
        .identity_of(nisn)
        .await
        .expect("identity")
        .expect("known NISN")
        .0
}

/// The audit lines of `action`, newest first.
async fn audit_of(store: &Store, action: &str) -> Vec<jejak::store::AuditEntry> {
    store
        .staff()
        .audit_entries(&jejak::store::AuditFilter {
            actor: None,
            action: Some(action.into()),
            limit: 50,
        })
        .await
        .expect("audit")
}

/// Seeing, downloading and deleting a respondent's data from the console: operators only
/// within their school, viewers never, a reason every time, a confirmation step before the
/// erasure, each written to the audit log.
async fn data_rights_in_the_console_are_scoped_and_audited(db: &Db) {
    dataset(db).await;
    let budi = id_of(&db.store, "0011111112").await;
    let dodi = id_of(&db.store, "0022222221").await;
    let console = Console::start(db.store.clone()).await;
    let mut op = console
        .staff("bkk@smkn1.sch.id", Role::Operator, &["SMKN 1 Contoh"])
        .await;
    let mut viewer = console.staff("dinas@prov.go.id", Role::Viewer, &[]).await;

    // The respondent page offers the three requests.
    let html = op.get(&format!("/console/respondents/{budi}")).await.text();
    for form in ["rights-show", "rights-export", "rights-delete"] {
        assert!(html.contains(&format!("id=\"{form}\"")), "{form}: {html}");
    }
    // Another school's respondent is not found; a viewer may not; a reason is needed.
    let other = op
        .get(&format!("/console/respondents/{dodi}/data?reason=surat"))
        .await;
    assert_eq!(other.status, 404);
    let res = op
        .post(
            &format!("/console/respondents/{dodi}/delete"),
            &[("reason", "x"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(res.status, 404);
    assert!(
        db.store
            .respondents()
            .erased_at(dodi)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        viewer
            .get(&format!("/console/respondents/{budi}/data?reason=surat"))
            .await
            .status,
        403
    );
    assert_eq!(
        viewer
            .post(
                &format!("/console/respondents/{budi}/export"),
                &[("reason", "surat")]
            )
            .await
            .status,
        403
    );
    assert_eq!(
        op.get(&format!("/console/respondents/{budi}/data?reason=+"))
            .await
            .status,
        400
    );
    assert!(audit_of(&db.store, "respondent-show").await.is_empty());

    // See: everything stored, the whole phone number, the answers (escaped).
    let page = op
        .get(&format!(
            "/console/respondents/{budi}/data?reason=Surat+Budi+12%2F2026"
        ))
        .await;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("Budi Santoso"), "{html}");
    assert!(html.contains("0011111112"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(!html.contains("<script>alert"), "{html}");
    let shown = audit_of(&db.store, "respondent-show").await;
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].actor, "bkk@smkn1.sch.id");
    assert_eq!(
        shown[0].detail,
        format!("respondent {budi}; reason: Surat Budi 12/2026")
    );

    // Download: a JSON file of the same data.
    let file = op
        .post(
            &format!("/console/respondents/{budi}/export"),
            &[("reason", "Surat Budi")],
        )
        .await;
    assert_eq!(file.status, 200);
    assert!(
        file.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("respondent-{budi}.json"))
    );
    let doc: serde_json::Value = serde_json::from_slice(&file.bytes).expect("JSON");
    assert_eq!(doc["respondent"], budi);
    assert_eq!(doc["roster"]["name"], "Budi Santoso");
    assert_eq!(
        doc["sessions"][0]["answers"][0]["answer"],
        "<script>alert(1)</script>"
    );
    assert_eq!(audit_of(&db.store, "respondent-export").await.len(), 1);

    // Delete: the first post only asks; the confirmation erases.
    let ask = op
        .post(
            &format!("/console/respondents/{budi}/delete"),
            &[("reason", "Surat Budi")],
        )
        .await;
    assert_eq!(ask.status, 200);
    assert!(
        ask.text().contains("id=\"confirm-delete\""),
        "{}",
        ask.text()
    );
    assert!(
        db.store
            .respondents()
            .erased_at(budi)
            .await
            .unwrap()
            .is_none()
    );
    assert!(audit_of(&db.store, "respondent-delete").await.is_empty());
    let done = op
        .post(
            &format!("/console/respondents/{budi}/delete"),
            &[("reason", "Surat Budi"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(done.status, 200);
    assert!(done.text().contains("id=\"deleted\""), "{}", done.text());
    assert!(
        db.store
            .respondents()
            .erased_at(budi)
            .await
            .unwrap()
            .is_some()
    );
    let r = db
        .store
        .respondents()
        .respondent(budi)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.fields.name, None);
    let deleted = audit_of(&db.store, "respondent-delete").await;
    assert_eq!(deleted.len(), 1);
    assert_eq!(
        deleted[0].detail,
        format!("respondent {budi}; reason: Surat Budi")
    );

    let _ = &mut viewer;
}

/// The retention page shows what `jejak purge --dry-run` would erase (counts, no names)
/// and an admin runs it; operators do not reach it.
async fn retention_purge_page_shows_and_runs(db: &Db) {
    dataset(db).await;
    // Dodi completed more than five years ago: past tracer-smk's `retention: 5y`.
    let dodi = id_of(&db.store, "0022222221").await;
    let s = db
        .store
        .sessions()
        .latest_session(dodi, FLOW)
        .await
        .unwrap()
        .unwrap();
    exec_completed_at(db, s.id, Utc::now() - chrono::Duration::days(6 * 366)).await;
    // Citra is in the middle of the survey: one answer, not completed.
    import_csv(
        &db.store,
        FLOW,
        "nisn,nama,no_hp,angkatan,program,sekolah\n\
         0011111113,Citra Lestari,081234500003,2025,TKJ,SMKN 1 Contoh\n",
    )
    .await;
    let citra = id_of(&db.store, "0011111113").await;
    let s = db
        .store
        .sessions()
        .latest_session(citra, FLOW)
        .await
        .unwrap()
        .unwrap();
    let ops = [AnswerOp::Set {
        key: AnswerKey {
            code: "f5b".into(),
            iteration: 0,
        },
        raw: "Bengkel Citra".into(),
        value: Value::Text("Bengkel Citra".into()),
    }];
    db.store
        .sessions()
        .commit_step(&StepCommit {
            session_id: s.id,
            expected_revision: s.revision,
            status: SessionStatus::Answering,
            state_json: "{}",
            flow_version: s.flow_version,
            answers: &ops,
            events: &[],
            inbound: None,
            now: Utc::now() - chrono::Duration::days(6 * 366),
        })
        .await
        .unwrap();
    let console = Console::start(db.store.clone()).await;
    let mut admin = console.staff("admin@dinas.go.id", Role::Admin, &[]).await;
    let mut op = console
        .staff("bkk@smkn1.sch.id", Role::Operator, &["SMKN 1 Contoh"])
        .await;
    assert_eq!(op.get("/console/purge").await.status, 403);
    assert_eq!(
        op.post("/console/purge", &[("reason", "x")]).await.status,
        403
    );
    let html = admin.get("/console/purge").await.text();
    assert!(html.contains("id=\"purge-plan\""), "{html}");
    assert!(html.contains("id=\"purge-count\""), "{html}");
    assert!(!html.contains("Dodi"), "no names: {html}");
    assert!(
        db.store
            .respondents()
            .erased_at(dodi)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        admin
            .post("/console/purge", &[("reason", " ")])
            .await
            .status,
        400
    );
    let done = admin
        .post("/console/purge", &[("reason", "jadwal tahunan")])
        .await;
    assert_eq!(done.status, 200);
    assert!(done.text().contains("id=\"purged\""), "{}", done.text());
    assert!(
        db.store
            .respondents()
            .erased_at(dodi)
            .await
            .unwrap()
            .is_some()
    );
    let budi = id_of(&db.store, "0011111112").await;
    assert!(
        db.store
            .respondents()
            .erased_at(budi)
            .await
            .unwrap()
            .is_none()
    );
    let lines = audit_of(&db.store, "retention-purge").await;
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].actor, "admin@dinas.go.id");
    assert!(
        lines[0].detail.contains("jadwal tahunan"),
        "{}",
        lines[0].detail
    );
    let html = admin.get("/console/purge").await.text();
    assert!(html.contains("id=\"purge-none\""), "{html}");
    // Citra, purged in the middle of the survey (her session ends as expired, her answer
    // gone), still stands as "started" in the search, as in the report, not "invited"
    // (migration 0016's `erased_started`).
    assert!(
        db.store
            .respondents()
            .erased_at(citra)
            .await
            .unwrap()
            .is_some()
    );
    let started = admin
        .get("/console/respondents?flow=tracer-smk&status=started")
        .await
        .text();
    assert!(
        started.contains(&format!("data-id=\"{citra}\"")),
        "{started}"
    );
    let invited = admin
        .get("/console/respondents?flow=tracer-smk&status=invited")
        .await
        .text();
    assert!(
        !invited.contains(&format!("data-id=\"{citra}\"")),
        "{invited}"
    );
    let html = admin
        .get(&format!("/console/respondents/{citra}"))
        .await
        .text();
    assert!(!html.contains("Bengkel Citra"), "{html}");
}

/// Moves a completed session's completion (and start) back to `at`.
async fn exec_completed_at(db: &Db, session: i64, at: chrono::DateTime<Utc>) {
    let ms = at.timestamp_millis();
    test_db::exec(
        db,
        &format!(
            "UPDATE sessions SET completed_at = {ms}, created_at = {ms}, updated_at = {ms} \
             WHERE id = {session}"
        ),
    )
    .await;
}

/// WhatsApp dead letters: admins see when and why (never the body), retry one, and the
/// retry is in the audit log; without a WhatsApp channel in the process the body waits for
/// the next start.
async fn whatsapp_dead_letters_are_listed_and_retried(db: &Db) {
    use jejak::store::WhatsAppWrite;
    let now = Utc::now();
    let ids = db
        .store
        .whatsapp()
        .whatsapp_apply(&[WhatsAppWrite::StoreInbound {
            body: "{\"from\":\"6281299990000\",\"text\":\"rahasia\"}".into(),
            received_at: now,
        }])
        .await
        .unwrap();
    let id = ids[0].unwrap();
    db.store
        .whatsapp()
        .whatsapp_apply(&[WhatsAppWrite::DeadLetter {
            id,
            reason: "failed 3 times: database error while committing a step".into(),
            at: now,
        }])
        .await
        .unwrap();
    assert_eq!(
        db.store.whatsapp().whatsapp_inbound_count().await.unwrap(),
        0
    );
    let console = Console::start(db.store.clone()).await;
    let mut admin = console.staff("admin@dinas.go.id", Role::Admin, &[]).await;
    let op = console
        .staff("bkk@smkn1.sch.id", Role::Operator, &["SMKN 1 Contoh"])
        .await;
    assert_eq!(op.get("/console/whatsapp").await.status, 403);
    let html = admin.get("/console/whatsapp").await.text();
    assert!(html.contains(&format!("data-id=\"{id}\"")), "{html}");
    assert!(html.contains("failed 3 times: database error"), "{html}");
    assert!(
        !html.contains("rahasia") && !html.contains("6281299990000"),
        "{html}"
    );
    let res = admin
        .post(&format!("/console/whatsapp/{id}/retry"), &[])
        .await;
    assert_eq!(res.status, 303);
    assert_eq!(
        res.location().as_deref(),
        Some("/console/whatsapp?done=later")
    );
    assert_eq!(
        db.store.whatsapp().whatsapp_inbound_count().await.unwrap(),
        1
    );
    assert_eq!(
        db.store
            .whatsapp()
            .whatsapp_pending_inbound()
            .await
            .unwrap()[0]
            .0,
        id
    );
    let html = admin.get("/console/whatsapp").await.text();
    assert!(html.contains("id=\"dead-empty\""), "{html}");
    let lines = audit_of(&db.store, "whatsapp-retry").await;
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].detail, format!("dead letter {id}"));
    // Retrying again finds nothing dead.
    let res = admin
        .post(&format!("/console/whatsapp/{id}/retry"), &[])
        .await;
    assert_eq!(
        res.location().as_deref(),
        Some("/console/whatsapp?done=gone")
    );
}
