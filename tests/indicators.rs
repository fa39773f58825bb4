//! `jejak report indicators` on a small synthetic cohort: answers written through the real
//! store (SQLite and PostgreSQL), every figure compared with a computation by hand written
//! out below (not with the report's own code), the Wilson interval against published
//! values, and the table, CSV and XLSX outputs.

#[path = "support/report_data.rs"]
mod report_data;
#[path = "support/test_db.rs"]
#[macro_use]
mod test_db;

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use jejak::flow::Flow;
use jejak::model::{AnswerKey, Lang, SessionStatus, Value};
use jejak::report::indicators::output;
use jejak::report::indicators::wilson::wilson95;
use jejak::report::indicators::{
    Breakdown, GroupFigures, IndicatorReport, Measure, Warning, indicator_report,
};
use jejak::report::response::GroupBy;
use jejak::store::{AnswerOp, RespondentId, Scope, StepCommit, Store};
use report_data::{enrol, id_of, person};
use test_db::Db;

both_backends!(
    indicators_equal_the_hand_computation,
    indicator_outputs,
    indicators_command_line,
);

const FLOW_FILE: &str = "tests/fixtures/indicators-flow.yaml";
const FLOW_ID: &str = "ind-test";

/// 1 June 2025 (the answers describe 2025, so the 2025 UMP applies).
fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 1, 3, 0, 0)
        .single()
        .expect("valid")
}

fn flow() -> Flow {
    jejak::flow::load(Path::new(FLOW_FILE)).expect("test flow compiles")
}

/// One respondent's answers, as the engine would store them.
#[derive(Default, Clone)]
struct A {
    f8: &'static str,
    f504: Option<bool>,
    months: Option<i64>,
    province: Option<&'static str>,
    /// `Some(None)`: skipped.
    income: Option<Option<i64>>,
    f14: Option<i64>,
    f15: Option<&'static str>,
    grid: [[i64; 2]; 2],
}

fn ops(a: &A) -> Vec<AnswerOp> {
    let set = |code: &str, value: Value| AnswerOp::Set {
        key: AnswerKey {
            code: code.into(),
            iteration: 0,
        },
        raw: value.export(),
        value,
    };
    let mut v = vec![set("f8", Value::Choice(a.f8.into()))];
    if let Some(b) = a.f504 {
        v.push(set("f504", Value::Bool(b)));
        if let Some(m) = a.months {
            v.push(set(if b { "f502" } else { "f506" }, Value::Integer(m)));
        }
    }
    if let Some(p) = a.province {
        v.push(set("f5a1", Value::Text(p.into())));
    }
    match a.income {
        Some(Some(r)) => v.push(set("f505", Value::Money(r))),
        Some(None) => v.push(set("f505", Value::Skipped)),
        None => {}
    }
    if let Some(s) = a.f14 {
        v.push(set("f14", Value::Scale(s)));
    }
    if let Some(c) = a.f15 {
        v.push(set("f15", Value::Choice(c.into())));
    }
    v.push(set("f17_etika", Value::Ratings(a.grid[0].to_vec())));
    v.push(set("f17_it", Value::Ratings(a.grid[1].to_vec())));
    v
}

fn working(f504: bool, months: i64, province: &'static str, income: Option<i64>) -> A {
    A {
        f8: "1",
        f504: Some(f504),
        months: Some(months),
        province: Some(province),
        income: Some(income),
        ..A::default()
    }
}

async fn commit(store: &Store, r: RespondentId, status: SessionStatus, answers: &[AnswerOp]) {
    let s = store
        .sessions()
        .latest_session(r, FLOW_ID)
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
        now: at(),
    };
    store.sessions().commit_step(&c).await.unwrap();
}

/// The cohort:
///
/// | ext | cohort | prog | school | f8 | f504 | months | province | income    | f14 | f15 | grid (A,B) rows |
/// |-----|--------|------|--------|----|------|--------|----------|-----------|-----|-----|-----------------|
/// | p1  | 2024   | TKJ  | S1     | 1  | yes  | 2      | Jatim    | 3.000.000 | 2   | 2   | (3,5) (4,4)     |
/// | p2  | 2024   | TKJ  | S1     | 1  | yes  | 5      | DKI Jakarta | 5.500.000 | 4 | 1 | (2,4) (3,5)    |
/// | p3  | 2024   | AK   | S1     | 1  | no   | 9      | Jawa Barat | 2.000.000 | 1 | 2  | (4,4) (5,3)     |
/// | p4  | 2024   | AK   | S2     | 3  | yes  | 0      | Bali     | skipped   |     |     | (3,3) (2,5)     |
/// | p5  | 2024   | TKJ  | S2     | 4  |      |        |          |           |     |     | (4,5) (3,3)     |
/// | p6  | 2024   | AK   | S2     | 5  |      |        |          |           |     |     | (2,5) (1,2)     |
/// | p7  | 2023   | TKJ  | S1     | 1  | yes  | 1      | Atlantis | 4.000.000 | 3   | 3   | (5,5) (4,5)     |
/// | p8  | 2023   | AK   | S1     | 2  |      |        |          |           |     |     | (3,4) (3,4)     |
/// | p9  | 2023   | TKJ  | S2     | answering, f8 = 1 only (not counted)                            |
/// | p10 | 2023   | AK   | S2     | invited                                                          |
/// | p11 | 2024   | TKJ  | S1     | 1  | yes  | 3      | Jawa Timur | 2.600.000 | 5 | 2  | (3,4) (4,4)     |
/// | p12 | 2024   | AK   | S1     | 1  | yes  | 4      | Jabar    | skipped   | 2   | 2   | (2,3) (3,3)     |
/// | p13 | 2023   | AK   | S1     | invited                                                          |
async fn cohort(db: &Db) {
    let s = &db.store;
    let people = [
        ("p1", "2024", "TKJ", "S1"),
        ("p2", "2024", "TKJ", "S1"),
        ("p3", "2024", "AK", "S1"),
        ("p4", "2024", "AK", "S2"),
        ("p5", "2024", "TKJ", "S2"),
        ("p6", "2024", "AK", "S2"),
        ("p7", "2023", "TKJ", "S1"),
        ("p8", "2023", "AK", "S1"),
        ("p9", "2023", "TKJ", "S2"),
        ("p10", "2023", "AK", "S2"),
        ("p11", "2024", "TKJ", "S1"),
        ("p12", "2024", "AK", "S1"),
        ("p13", "2023", "AK", "S1"),
    ];
    let rows: Vec<_> = people
        .iter()
        .map(|(e, c, p, sc)| person(e, Some(c), p, sc))
        .collect();
    s.roster()
        .upsert_roster_batch(&rows, Some(&enrol(FLOW_ID)), at())
        .await
        .unwrap();
    let done: Vec<(&str, A)> = vec![
        (
            "p1",
            A {
                f14: Some(2),
                f15: Some("2"),
                grid: [[3, 5], [4, 4]],
                ..working(true, 2, "Jatim", Some(3_000_000))
            },
        ),
        (
            "p2",
            A {
                f14: Some(4),
                f15: Some("1"),
                grid: [[2, 4], [3, 5]],
                ..working(true, 5, "DKI Jakarta", Some(5_500_000))
            },
        ),
        (
            "p3",
            A {
                f14: Some(1),
                f15: Some("2"),
                grid: [[4, 4], [5, 3]],
                ..working(false, 9, "Jawa Barat", Some(2_000_000))
            },
        ),
        (
            "p4",
            A {
                f8: "3",
                grid: [[3, 3], [2, 5]],
                ..working(true, 0, "Bali", None)
            },
        ),
        (
            "p5",
            A {
                f8: "4",
                grid: [[4, 5], [3, 3]],
                ..A::default()
            },
        ),
        (
            "p6",
            A {
                f8: "5",
                grid: [[2, 5], [1, 2]],
                ..A::default()
            },
        ),
        (
            "p7",
            A {
                f14: Some(3),
                f15: Some("3"),
                grid: [[5, 5], [4, 5]],
                ..working(true, 1, "Atlantis", Some(4_000_000))
            },
        ),
        (
            "p8",
            A {
                f8: "2",
                grid: [[3, 4], [3, 4]],
                ..A::default()
            },
        ),
        (
            "p11",
            A {
                f14: Some(5),
                f15: Some("2"),
                grid: [[3, 4], [4, 4]],
                ..working(true, 3, "Jawa Timur", Some(2_600_000))
            },
        ),
        (
            "p12",
            A {
                f14: Some(2),
                f15: Some("2"),
                grid: [[2, 3], [3, 3]],
                ..working(true, 4, "Jabar", None)
            },
        ),
    ];
    for (ext, a) in &done {
        let r = id_of(s, ext).await;
        commit(s, r, SessionStatus::Completed, &ops(a)).await;
    }
    let p9 = id_of(s, "p9").await;
    commit(
        s,
        p9,
        SessionStatus::Answering,
        &ops(&working(true, 1, "Jatim", Some(9_000_000))),
    )
    .await;
}

fn close(got: Option<f64>, want: f64, what: &str) {
    let got = got.unwrap_or_else(|| panic!("{what}: no value"));
    assert!((got - want).abs() < 1e-9, "{what}: {got} != {want}");
}

fn figure<'a>(
    g: &'a GroupFigures,
    m: Measure,
    row: Option<&str>,
) -> &'a jejak::report::indicators::Figure {
    g.figures
        .iter()
        .find(|f| f.measure == m && f.row.as_deref() == row)
        .unwrap_or_else(|| panic!("no {m:?} {row:?}"))
}

/// Checks a proportion: its hits, n, value and Wilson interval (from the formula written
/// out here, z = 1.96).
fn share(g: &GroupFigures, m: Measure, hits: u64, n: u64) {
    let f = figure(g, m, None);
    assert_eq!((f.hits, f.n), (Some(hits), n), "{m:?}");
    close(f.value, hits as f64 / n as f64, &format!("{m:?}"));
    let (p, nf, z) = (hits as f64 / n as f64, n as f64, 1.959_963_984_540_054_f64);
    let centre = (p + z * z / (2.0 * nf)) / (1.0 + z * z / nf);
    let half = z / (1.0 + z * z / nf) * (p * (1.0 - p) / nf + z * z / (4.0 * nf * nf)).sqrt();
    let (lo, hi) = f.interval().expect("interval");
    assert!((lo - (centre - half).max(0.0)).abs() < 1e-9, "{m:?} low");
    assert!((hi - (centre + half).min(1.0)).abs() < 1e-9, "{m:?} high");
}

fn number(g: &GroupFigures, m: Measure, row: Option<&str>, n: u64, want: f64) {
    let f = figure(g, m, row);
    assert_eq!(f.n, n, "{m:?} {row:?} n");
    assert_eq!(f.hits, None);
    close(f.value, want, &format!("{m:?} {row:?}"));
}

fn group<'a>(b: &'a Breakdown, label: Option<&str>) -> &'a GroupFigures {
    b.groups
        .iter()
        .find(|g| g.label.as_deref() == label)
        .unwrap_or_else(|| panic!("no group {label:?}"))
}

async fn indicators_equal_the_hand_computation(db: &Db) {
    cohort(db).await;
    let flow = flow();
    let r = indicator_report(
        &db.store,
        &flow,
        &[None, Some(GroupBy::Cohort)],
        &Scope::All,
    )
    .await
    .expect("report");
    let total = group(&r.breakdowns[0], None);
    // Roster 13, completed 10 (p9 is answering, p10 and p13 invited).
    assert_eq!((total.roster, total.completed), (13, 10));

    // Status of the 10: working p1 p2 p3 p7 p11 p12, self-employed p4, studying p5,
    // other p6 (looking) and p8 (not yet working).
    share(total, Measure::Employment, 7, 10);
    share(total, Measure::Entrepreneurship, 1, 10);
    share(total, Measure::FurtherStudy, 1, 10);
    share(total, Measure::Bmw, 8, 10);
    // f504 answered by p1 p2 p3 p4 p7 p11 p12; "no" only p3.
    share(total, Measure::Within6Months, 6, 7);
    // Months: 2, 5, 9, 0, 1, 3, 4 → sorted 0 1 2 3 4 5 9: median 3, mean 24/7, ≤ 6: six.
    share(total, Measure::WaitingUpTo6, 6, 7);
    number(total, Measure::WaitingMedian, None, 7, 3.0);
    number(total, Measure::WaitingMean, None, 7, 24.0 / 7.0);
    // f14 ≤ 3: p1 (2), p3 (1), p7 (3), p12 (2) of p1 p2 p3 p7 p11 p12.
    share(total, Measure::HorizontalFit, 4, 6);
    // f15 = 2: p1 p3 p11 p12 of the same six.
    share(total, Measure::VerticalFit, 4, 6);
    // Income ÷ UMP 2025 of the province (Jatim Rp2.305.984, DKI Rp5.396.760, Jabar
    // Rp2.191.232, as published; Atlantis has none, p4 and p12 skipped):
    let (jatim, dki, jabar) = (2_305_984.0, 5_396_760.0, 2_191_232.0);
    let ratios = [
        3_000_000.0 / jatim, // p1 1.30
        5_500_000.0 / dki,   // p2 1.02
        2_000_000.0 / jabar, // p3 0.91
        2_600_000.0 / jatim, // p11 1.13
    ];
    share(total, Measure::IncomeAtLeastUmp, 3, 4);
    number(
        total,
        Measure::IncomeRatioMedian,
        None,
        4,
        (ratios[1] + ratios[3]) / 2.0,
    );
    // IKU 1: p4 (self-employed) and p5 (studying) count; p1 (within 6 months, 1.30 × UMP)
    // counts; p2 (1.02), p11 (1.13), p3 (not within 6 months), p6 and p8 do not; p7 (no UMP
    // for Atlantis) and p12 (income skipped) cannot be decided → 3 of 8.
    share(total, Measure::Iku1, 3, 8);
    // Competency gaps (B − A): etika 2 2 0 0 1 3 0 1 1 1 = 11; TI 0 2 −2 3 0 1 1 1 0 0 = 6.
    number(total, Measure::CompetencyGap, Some("f17_etika"), 10, 1.1);
    number(total, Measure::CompetencyGap, Some("f17_it"), 10, 0.6);
    // Response 10/13 ≥ 50 %; every n < 30 in so small a cohort.
    let emp = figure(total, Measure::Employment, None);
    assert_eq!(total.warnings(emp), vec![Warning::SmallN]);

    // By cohort: 2023 has p7 p8 completed of p7 p8 p9 p10 p13 (40 %): flagged.
    let by = &r.breakdowns[1];
    let c23 = group(by, Some("2023"));
    assert_eq!((c23.roster, c23.completed), (5, 2));
    share(c23, Measure::Employment, 1, 2);
    share(c23, Measure::Within6Months, 1, 1);
    // p7's province has no UMP and p8 is not working: no income figure to give.
    let inc = figure(c23, Measure::IncomeAtLeastUmp, None);
    assert_eq!((inc.n, inc.value), (0, None));
    assert_eq!(inc.interval(), None);
    // IKU 1 in 2023: p8 decided (no), p7 undecided → 0 of 1.
    share(c23, Measure::Iku1, 0, 1);
    assert_eq!(
        c23.warnings(figure(c23, Measure::Employment, None)),
        vec![Warning::LowResponse, Warning::SmallN]
    );
    let c24 = group(by, Some("2024"));
    assert_eq!((c24.roster, c24.completed), (8, 8));
    share(c24, Measure::Employment, 6, 8);
    share(c24, Measure::Iku1, 3, 7);
    number(c24, Measure::WaitingMedian, None, 6, 3.5);
    // The total of a breakdown is the same as the plain total.
    assert_eq!(group(by, None), total);
}

/// The Wilson interval against the values published by Newcombe (1998), "Two-sided
/// confidence intervals for the single proportion", Statistics in Medicine 17:857–872,
/// Table I, method 3 (score interval without continuity correction).
#[test]
fn wilson_matches_newcombe_1998() {
    for (hits, n, lo, hi) in [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ] {
        let (l, h) = wilson95(hits, n).expect("interval");
        assert!((l - lo).abs() < 5e-5, "{hits}/{n} low {l}");
        assert!((h - hi).abs() < 5e-5, "{hits}/{n} high {h}");
    }
    assert_eq!(wilson95(0, 0), None);
}

async fn indicator_outputs(db: &Db) {
    cohort(db).await;
    let flow = flow();
    let r: IndicatorReport = indicator_report(
        &db.store,
        &flow,
        &[None, Some(GroupBy::Programme)],
        &Scope::All,
    )
    .await
    .expect("report");

    // CSV in English: header, then programme groups (AK, TKJ) and the total.
    let mut csv = Vec::new();
    output::write_csv(&r, &mut csv, Lang::En).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "group,indicator,value,n,ci95_low,ci95_high,response_rate,warning"
    );
    // Employment of the total: 7 of 10, Wilson 39.7–89.2 %, response 10/13 = 76.9 %.
    assert!(
        lines
            .contains(&"TOTAL,Working or self-employed (%),70.0,10,39.7,89.2,76.9,n = 10 under 30"),
        "{csv}"
    );
    assert!(lines.iter().any(|l| l.starts_with("AK,")), "{csv}");

    // The terminal table in Indonesian names the rule.
    let mut table = Vec::new();
    output::write_table(&r, &mut table, Lang::Id).unwrap();
    let table = String::from_utf8(table).unwrap();
    assert!(table.contains("Bekerja atau wirausaha (%)"), "{table}");
    assert!(table.contains("di bawah 50%"), "{table}");
    assert!(table.contains("IKU 1"), "{table}");

    // XLSX: one sheet per breakdown, each with a chart.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ind.xlsx");
    output::write_xlsx(&r, &path, Lang::Id).unwrap();
    let file = std::fs::File::open(&path).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let names: Vec<String> = (0..zip.len())
        .map(|i| zip.by_index(i).unwrap().name().unwrap().to_string())
        .collect();
    assert!(
        names.iter().any(|n| n == "xl/charts/chart1.xml"),
        "{names:?}"
    );
    assert!(
        names.iter().any(|n| n == "xl/charts/chart2.xml"),
        "{names:?}"
    );
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
    assert_eq!(book.sheet_names(), vec!["Total", "Jurusan"]);
    let sheet = book.worksheet_range("Jurusan").unwrap();
    let cells: HashMap<(u32, u32), String> = sheet
        .cells()
        .map(|(r, c, v)| ((r as u32, c as u32), v.to_string()))
        .collect();
    assert_eq!(cells[&(0, 0)], "Jurusan");
    assert_eq!(cells[&(1, 0)], "AK");
    assert_eq!(cells[&(1, 1)], "Bekerja atau wirausaha (%)");
    // AK: p3 p4 p6 p8 p12 completed; working or self-employed p3 p4 p12 → 60 %.
    assert_eq!(cells[&(1, 2)], "60");
    assert_eq!(cells[&(1, 3)], "5");
}

/// `jejak report indicators` itself, the real binary against the same cohort: the table
/// writes numbers as its language does (70,0 in Indonesian, 70.0 in English), the CSV keeps
/// the decimal point whatever the language (it is read by programs), and a flow without an
/// `indicators:` section is an error with exit status 2.
async fn indicators_command_line(db: &Db) {
    cohort(db).await;
    let elsewhere = tempfile::tempdir().unwrap();
    let flow_file = Path::new(env!("CARGO_MANIFEST_DIR")).join(FLOW_FILE);
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_jejak"))
            .current_dir(elsewhere.path())
            .env_remove("DATABASE_URL")
            .env_remove("JEJAK_LANG")
            .env("JEJAK_CONFIG", elsewhere.path().join("none.toml"))
            .arg("--database-url")
            .arg(&db.url)
            .args(args)
            .output()
            .expect("jejak runs")
    };
    let ok = |args: &[&str]| {
        let out = run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let file = flow_file.to_str().unwrap();
    let line_of = |table: &str, name: &str| {
        table
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("no {name:?} in {table}"))
            .to_string()
    };
    // Employment of the total: 70.0 %, Wilson 39.7–89.2, response 76.9 (see indicator_outputs).
    let id = ok(&["--lang", "id", "report", "indicators", "--flow", file]);
    let row = line_of(&id, "Bekerja atau wirausaha (%)");
    for figure in ["70,0", "39,7", "89,2", "76,9"] {
        assert!(row.contains(figure), "{figure} in {row:?}");
    }
    assert!(!row.contains("70.0") && !row.contains("39.7"), "{row:?}");
    assert!(id.contains("di bawah 50%"), "{id}");
    let en = ok(&["--lang", "en", "report", "indicators", "--flow", file]);
    let row = line_of(&en, "Working or self-employed (%)");
    for figure in ["70.0", "39.7", "89.2", "76.9"] {
        assert!(row.contains(figure), "{figure} in {row:?}");
    }
    let csv = ok(&[
        "--lang",
        "id",
        "report",
        "indicators",
        "--flow",
        file,
        "--format",
        "csv",
    ]);
    assert!(
        csv.lines().any(|l| l.contains(",70.0,10,39.7,89.2,76.9,")),
        "{csv}"
    );
    // A flow without indicators: a message and exit status 2 (an error, as every `jejak`
    // command exits on one), nothing on standard output.
    let plain = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/crash-flow.yaml");
    let out = run(&[
        "--lang",
        "en",
        "report",
        "indicators",
        "--flow",
        plain.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("has no `indicators:` section"),
        "{out:?}"
    );
}

/// The shipped UMP table has 2024 and 2025 for every one of the 38 provinces of the
/// province list, each row with a source (data/UMP-SOURCES.md says which page and why).
#[test]
fn the_ump_table_covers_every_province_in_2024_and_2025() {
    use jejak::report::indicators::ump::UmpTable;
    let table = UmpTable::shipped().expect("the shipped table reads");
    let provinces = std::fs::read_to_string("data/wilayah/provinces.csv").expect("provinces");
    let names: Vec<&str> = provinces
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(',').map(|(_, name)| name))
        .collect();
    assert_eq!(names.len(), 38);
    let mut missing = Vec::new();
    for name in &names {
        for year in [2024, 2025] {
            match table.lookup(name, year) {
                Some(row) => assert!(row.source.starts_with("https://"), "{name} {year}"),
                None => missing.push(format!("{name} {year}")),
            }
        }
    }
    assert!(missing.is_empty(), "no UMP for {missing:?}");
    assert_eq!(table.len(), 76);
    // Rows added from the decrees' reports (see data/UMP-SOURCES.md).
    assert_eq!(
        table.lookup("Sulawesi Utara", 2025).map(|r| r.rupiah),
        Some(3_775_425)
    );
    assert_eq!(
        table.lookup("Maluku", 2025).map(|r| r.rupiah),
        Some(3_141_700)
    );
    assert_eq!(
        table.lookup("Papua Barat Daya", 2024).map(|r| r.rupiah),
        Some(3_393_000)
    );
}
