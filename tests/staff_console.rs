//! The staff console over HTTP (real server, real database): sign-in, scope, the overview.
//! Browser tests of the same pages are in `staff_browser.rs`.

#[path = "support/test_db.rs"]
#[macro_use]
mod test_db;
#[path = "support/console.rs"]
mod console_support;

use console_support::{Console, TWO_SCHOOLS_CSV, import_csv};
use jejak::report::response::{GroupBy, response_report};
use jejak::store::Role;
use test_db::Db;

both_backends!(overview_numbers_are_the_reports_and_scoped);

async fn overview_numbers_are_the_reports_and_scoped(db: &Db) {
    let report = import_csv(&db.store, "tracer-smk", TWO_SCHOOLS_CSV).await;
    assert_eq!(report.loaded, 5);
    let console = Console::start(db.store.clone()).await;
    let admin = console.staff("admin@dinas.go.id", Role::Admin, &[]).await;
    let page = admin
        .get("/console/overview?flow=tracer-smk&by=school")
        .await;
    assert_eq!(page.status, 200);
    let html = page.text();
    let expected = response_report(&db.store, "tracer-smk", Some(GroupBy::School))
        .await
        .expect("report");
    assert!(
        html.contains(&format!("id=\"total-roster\">{}<", expected.total.roster)),
        "{html}"
    );
    assert!(html.contains("SMKN 1 Contoh") && html.contains("SMKN 2 Contoh"));

    // An operator of school 1 sees school 1 only, in the numbers as in the groups.
    let op = console
        .staff("bkk@smkn1.sch.id", Role::Operator, &["smkn 1 contoh"])
        .await;
    let html = op
        .get("/console/overview?flow=tracer-smk&by=school")
        .await
        .text();
    assert!(html.contains("id=\"total-roster\">3<"), "{html}");
    assert!(!html.contains("SMKN 2 Contoh"), "{html}");
}
