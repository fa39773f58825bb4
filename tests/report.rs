//! The response-rate report on a constructed dataset (sessions in every status, unreachable
//! respondents, invitations of every kind, wave messages before and after completions, a
//! second flow that must not leak in), on SQLite and PostgreSQL, as table, CSV and XLSX.

#[path = "support/report_data.rs"]
mod report_data;
#[path = "support/test_db.rs"]
#[macro_use]
mod test_db;

use std::collections::BTreeMap;

use chrono::Duration;
use jejak::model::{AnswerKey, Lang, SessionStatus, Value};
use jejak::report::response::{GroupBy, ResponseReport, response_report};
use jejak::store::{AnswerOp, NewRespondent, StepCommit};
use report_data::{FLOW, enrol, f8_answer, id_of, outbox, person, step, t, wave};
use sqlx::Row;
use test_db::Db;

both_backends!(
    report_numbers,
    report_by_cohort_programme_school,
    report_formats,
    report_formats_in_indonesian,
    export_uses_the_national_names_and_codes,
    export_writes_grids_and_missing_codes,
    dikti_export_has_exactly_the_national_codes,
    export_writes_computed_values
);

/// The dataset; returns the wave ids (w1, w2, w3).
///
/// | ext | cohort | prog | school | session            | invited by            | unreach |
/// |-----|--------|------|--------|--------------------|-----------------------|---------|
/// | a   | 2023   | TKJ  | S1     | completed at t+2   | w1 sent t+1           |         |
/// | b   | 2023   | TKJ  | S1     | completed at t+25  | w1 t+1, w2 t+24, w3 t+30 (after) |  |
/// | c   | 2023   | AK   | S2     | completed at t+3   | w1 sent t+5 (after) + channel |    |
/// | d   | 2024   | AK   | S2     | answering          | w1 sent t+1           |         |
/// | e   | 2024   | TKJ  | S1     | consent            | channel binding       |         |
/// | f   | 2024   | TKJ  | S2     | opted out          | `jejak invite`        | yes     |
/// | g   | 2024   | AK   | S1     | invited            | none                  | yes     |
/// | h   | —      | AK   | S2     | expired, no answer | `jejak invite`        |         |
/// | i   | 2023   | TKJ  | S1     | expired, answered  | outbox failed only    |         |
/// | j   | other flow only (not on this roster); k: completed in the other flow after a w1 |
async fn dataset(db: &Db) -> (i64, i64, i64) {
    let s = &db.store;
    let rows = vec![
        person("a", Some("2023"), "TKJ", "S1"),
        person("b", Some("2023"), "TKJ", "S1"),
        person("c", Some("2023"), "AK", "S2"),
        person("d", Some("2024"), "AK", "S2"),
        person("e", Some("2024"), "TKJ", "S1"),
        person("f", Some("2024"), "TKJ", "S2"),
        person("g", Some("2024"), "AK", "S1"),
        person("h", None, "AK", "S2"),
        person("i", Some("2023"), "TKJ", "S1"),
    ];
    s.roster()
        .upsert_roster_batch(&rows, Some(&enrol(FLOW)), t(0))
        .await
        .unwrap();
    s.roster()
        .upsert_roster_batch(
            &[person("j", Some("2023"), "TKJ", "S1")],
            Some(&enrol("other")),
            t(0),
        )
        .await
        .unwrap();
    let id = |e: &'static str| id_of(s, e);
    let (a, b, c, d, e, f, g, h, i) = (
        id("a").await,
        id("b").await,
        id("c").await,
        id("d").await,
        id("e").await,
        id("f").await,
        id("g").await,
        id("h").await,
        id("i").await,
    );
    let j = id("j").await;
    step(s, a, SessionStatus::Completed, &f8_answer(), t(2)).await;
    step(s, b, SessionStatus::Completed, &f8_answer(), t(25)).await;
    step(s, c, SessionStatus::Completed, &f8_answer(), t(3)).await;
    step(s, d, SessionStatus::Answering, &f8_answer(), t(1)).await;
    step(s, e, SessionStatus::Consent, &[], t(1)).await;
    step(s, f, SessionStatus::OptedOut, &[], t(1)).await;
    step(s, h, SessionStatus::Expired, &[], t(40)).await;
    step(s, i, SessionStatus::Answering, &f8_answer(), t(1)).await;
    step(s, i, SessionStatus::Expired, &[], t(40)).await;
    s.respondents().mark_unreachable(f, true).await.unwrap();
    s.respondents().mark_unreachable(g, true).await.unwrap();
    s.respondents()
        .bind_channel(c, "telegram", "1003", t(0))
        .await
        .unwrap();
    s.respondents()
        .bind_channel(e, "telegram", "1005", t(0))
        .await
        .unwrap();
    s.roster().mark_invited(FLOW, &[f, h], t(0)).await.unwrap();

    let pool = db.raw().await;
    let w1 = wave(&pool, FLOW, "pengingat-1").await;
    let w2 = wave(&pool, FLOW, "pengingat-2").await;
    let w3 = wave(&pool, FLOW, "pengingat-3").await;
    let other = wave(&pool, "other", "lain").await;
    outbox(&pool, w1, a, "sent", Some(t(1))).await;
    outbox(&pool, w1, b, "sent", Some(t(1))).await;
    outbox(&pool, w2, b, "sent", Some(t(24))).await;
    outbox(&pool, w3, b, "sent", Some(t(30))).await;
    outbox(&pool, w1, c, "sent", Some(t(5))).await;
    outbox(&pool, w1, d, "sent", Some(t(1))).await;
    outbox(&pool, w1, i, "failed", None).await;
    outbox(&pool, w2, g, "pending", None).await;
    // Another flow's wave, sent to a between w1 and the completion: not this flow's.
    outbox(&pool, other, a, "sent", Some(t(1) + Duration::minutes(30))).await;
    outbox(&pool, other, j, "sent", Some(t(1))).await;
    pool.close().await;
    (w1.0, w2.0, w3.0)
}

async fn report_numbers(db: &Db) {
    let (w1, w2, w3) = dataset(db).await;
    let r = response_report(&db.store, FLOW, None).await.unwrap();
    let c = &r.total;
    assert_eq!(c.roster, 9);
    // a b c d (sent), c e (channel), f h (exported): 7; g and i not invited.
    assert_eq!(c.invited, 7);
    // a b c d e f and i (expired after answering); not g (invited) nor h (expired unanswered).
    assert_eq!(c.started, 7);
    assert_eq!(c.completed, 3);
    assert_eq!(c.opted_out, 1);
    assert_eq!(c.unreachable, 2);
    assert_eq!(c.reachable(), 7);
    assert!((c.gross_rate().unwrap() - 300.0 / 9.0).abs() < 1e-9);
    assert!((c.net_rate().unwrap() - 300.0 / 7.0).abs() < 1e-9);
    // a followed w1, b followed w2 (w3 came after), c finished before any wave.
    let want: BTreeMap<Option<i64>, u64> = [(Some(w1), 1), (Some(w2), 1), (None, 1)].into();
    assert_eq!(c.after_wave, want);
    // w3 has no completions yet and is listed all the same (its column is there from the
    // start, with 0); the other flow's wave is not.
    assert_eq!(
        r.waves,
        vec![
            (w1, "pengingat-1".to_string()),
            (w2, "pengingat-2".to_string()),
            (w3, "pengingat-3".to_string())
        ]
    );

    // The other flow: j only.
    let o = response_report(&db.store, "other", None).await.unwrap();
    assert_eq!(
        (o.total.roster, o.total.invited, o.total.completed),
        (1, 1, 0)
    );
    // A flow nobody is on: zeros and undefined rates.
    let e = response_report(&db.store, "nothing", None).await.unwrap();
    assert_eq!(e.total.roster, 0);
    assert_eq!(e.total.gross_rate(), None);
}

fn group<'a>(r: &'a ResponseReport, label: &str) -> &'a jejak::report::response::Counts {
    &r.groups
        .iter()
        .find(|(l, _)| l == label)
        .unwrap_or_else(|| panic!("no group {label}"))
        .1
}

async fn report_by_cohort_programme_school(db: &Db) {
    let (w1, w2, _) = dataset(db).await;
    let r = response_report(&db.store, FLOW, Some(GroupBy::Cohort))
        .await
        .unwrap();
    let labels: Vec<&str> = r.groups.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(labels, vec!["(blank)", "2023", "2024"]);
    let y23 = group(&r, "2023");
    assert_eq!(
        (
            y23.roster,
            y23.invited,
            y23.started,
            y23.completed,
            y23.opted_out,
            y23.unreachable
        ),
        (4, 3, 4, 3, 0, 0)
    );
    assert_eq!(y23.after_wave.get(&Some(w1)), Some(&1));
    assert_eq!(y23.after_wave.get(&Some(w2)), Some(&1));
    let y24 = group(&r, "2024");
    assert_eq!(
        (
            y24.roster,
            y24.invited,
            y24.started,
            y24.completed,
            y24.opted_out,
            y24.unreachable
        ),
        (4, 3, 3, 0, 1, 2)
    );
    assert_eq!(y24.net_rate(), Some(0.0));
    let blank = group(&r, "(blank)");
    assert_eq!((blank.roster, blank.invited, blank.started), (1, 1, 0));
    // Groups add up to the total.
    let sum: u64 = r.groups.iter().map(|(_, c)| c.roster).sum();
    assert_eq!(sum, r.total.roster);

    let r = response_report(&db.store, FLOW, Some(GroupBy::Programme))
        .await
        .unwrap();
    let tkj = group(&r, "TKJ");
    assert_eq!((tkj.roster, tkj.completed, tkj.unreachable), (5, 2, 1));
    assert!((tkj.net_rate().unwrap() - 50.0).abs() < 1e-9);
    let ak = group(&r, "AK");
    assert_eq!((ak.roster, ak.completed, ak.unreachable), (4, 1, 1));

    let r = response_report(&db.store, FLOW, Some(GroupBy::School))
        .await
        .unwrap();
    let s1 = group(&r, "S1");
    assert_eq!(
        (s1.roster, s1.invited, s1.started, s1.completed),
        (5, 3, 4, 2)
    );
    let s2 = group(&r, "S2");
    assert_eq!(
        (
            s2.roster,
            s2.invited,
            s2.started,
            s2.completed,
            s2.opted_out
        ),
        (4, 4, 3, 1, 1)
    );
}

async fn report_formats(db: &Db) {
    let (w1, w2, w3) = dataset(db).await;
    let r = response_report(&db.store, FLOW, Some(GroupBy::Programme))
        .await
        .unwrap();
    let mut csv_out = Vec::new();
    r.write_csv(&mut csv_out, Lang::En).unwrap();
    let text = String::from_utf8(csv_out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // w3, with no completions yet, has its column (zeros).
    assert_eq!(
        lines[0],
        format!(
            "programme,roster,invited,started,completed,opted_out,unreachable,reachable,\
             gross_rate,net_rate,after_wave_{w1}_pengingat-1,after_wave_{w2}_pengingat-2,\
             after_wave_{w3}_pengingat-3,after_none"
        )
    );
    assert_eq!(lines[1], "AK,4,3,2,1,0,1,3,25.0%,33.3%,0,0,0,1");
    assert_eq!(lines[2], "TKJ,5,4,5,2,1,1,4,40.0%,50.0%,1,1,0,0");
    assert_eq!(lines[3], "TOTAL,9,7,7,3,1,2,7,33.3%,42.9%,1,1,0,1");

    let mut table = Vec::new();
    r.write_table(&mut table, Lang::En).unwrap();
    let table = String::from_utf8(table).unwrap();
    assert!(table.contains("Flow: tracer-smk"), "{table}");
    let total: Vec<&str> = table
        .lines()
        .find(|l| l.starts_with("TOTAL"))
        .expect("a total line")
        .split_whitespace()
        .collect();
    assert_eq!(
        total,
        ["TOTAL", "9", "7", "7", "3", "1", "2", "7", "33.3%", "42.9%"],
        "{table}"
    );
    assert!(
        table.contains(&format!("wave {w1} (pengingat-1): 1")),
        "{table}"
    );
    assert!(table.contains("no wave: 1"), "{table}");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.xlsx");
    jejak::report::xlsx::write_report(&r, &path, Lang::En).unwrap();
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    let sheet = book.worksheet_range("Responses").unwrap();
    let total: Vec<Data> = sheet.rows().nth(3).unwrap().to_vec();
    assert_eq!(total[0], Data::String("TOTAL".into()));
    assert_eq!(total[1], Data::Float(9.0));
    assert_eq!(total[4], Data::Float(3.0));
    match &total[8] {
        Data::Float(f) => assert!((f - 3.0 / 9.0).abs() < 1e-9),
        other => panic!("gross rate cell {other:?}"),
    }
    let waves = book.worksheet_range("Waves").unwrap();
    let rows: Vec<Vec<String>> = waves
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows.len(), 5);
    assert_eq!(
        rows[1],
        vec![w1.to_string(), "pengingat-1".into(), "1".into()]
    );
    assert_eq!(
        rows[3],
        vec![w3.to_string(), "pengingat-3".into(), "0".into()]
    );
    assert_eq!(rows[4][1..], ["none".to_string(), "1".to_string()]);
}

/// The same report in the staff default, Indonesian: words a teacher reads in the table,
/// the CSV header and the XLSX (sheets, headers, the blank group, "no wave"), the numbers
/// unchanged, the wave columns still carrying the wave's id and name.
async fn report_formats_in_indonesian(db: &Db) {
    let (w1, w2, w3) = dataset(db).await;
    let r = response_report(&db.store, FLOW, Some(GroupBy::Programme))
        .await
        .unwrap();
    let mut csv_out = Vec::new();
    r.write_csv(&mut csv_out, Lang::Id).unwrap();
    let text = String::from_utf8(csv_out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "Jurusan,Roster,Diundang,Mulai,Selesai,Menolak,Tak terjangkau,Terjangkau,\
             Respons kotor,Respons bersih,Setelah gelombang {w1} (pengingat-1),\
             Setelah gelombang {w2} (pengingat-2),Setelah gelombang {w3} (pengingat-3),\
             Tanpa gelombang"
        )
    );
    assert_eq!(lines[3], "TOTAL,9,7,7,3,1,2,7,33.3%,42.9%,1,1,0,1");

    let mut table = Vec::new();
    r.write_table(&mut table, Lang::Id).unwrap();
    let table = String::from_utf8(table).unwrap();
    assert!(table.contains("Survei: tracer-smk"), "{table}");
    assert!(
        table.contains("Jurusan  Roster  Diundang  Mulai  Selesai"),
        "{table}"
    );
    assert!(
        table.contains(&format!("gelombang {w1} (pengingat-1): 1")),
        "{table}"
    );
    assert!(table.contains("tanpa gelombang: 1"), "{table}");
    assert!(!table.contains("gross_rate"), "{table}");

    // By cohort: respondent h has none, shown as "(kosong)" (the console keeps "(blank)"
    // as the data's label).
    let by_cohort = response_report(&db.store, FLOW, Some(GroupBy::Cohort))
        .await
        .unwrap();
    let rows = by_cohort.rows(Lang::Id);
    assert_eq!(rows[0][0], "(kosong)");
    assert_eq!(by_cohort.rows(Lang::En)[0][0], "(blank)");
    assert_eq!(by_cohort.groups[0].0, jejak::report::response::BLANK_GROUP);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.xlsx");
    jejak::report::xlsx::write_report(&r, &path, Lang::Id).unwrap();
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(book.sheet_names(), ["Respons", "Gelombang"]);
    let sheet = book.worksheet_range("Respons").unwrap();
    let header: Vec<Data> = sheet.rows().next().unwrap().to_vec();
    assert_eq!(header[0], Data::String("Jurusan".into()));
    assert_eq!(header[8], Data::String("Respons kotor".into()));
    let total: Vec<Data> = sheet.rows().nth(3).unwrap().to_vec();
    assert_eq!(total[4], Data::Float(3.0));
    let waves = book.worksheet_range("Gelombang").unwrap();
    let rows: Vec<Vec<String>> = waves
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows[0], ["ID gelombang", "Gelombang", "Selesai setelahnya"]);
    assert_eq!(
        rows[4][1..],
        ["tanpa gelombang".to_string(), "1".to_string()]
    );
}

/// On PostgreSQL the report (the staff console's overview) analyses the tables its plan
/// depends on when a bulk write left them without statistics, and only then: right after
/// a roster import, autovacuum has not analysed `flow_progress` yet, and the planner's
/// guesses for a never-analysed table made the overview of 150,000 respondents three
/// times slower (docs/benchmarks.md). SQLite has no such statistics to keep.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_analyses_tables_left_without_statistics() {
    let Some(db) = test_db::postgres_db().await else {
        return;
    };
    let rows: Vec<NewRespondent> = (0..30)
        .map(|i| person(&format!("bulk{i}"), Some("2025"), "TKJ", "SMK 1"))
        .collect();
    db.store
        .roster()
        .upsert_roster_batch(&rows, Some(&enrol(FLOW)), t(0))
        .await
        .unwrap();
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    // `last_analyze` is set by an explicit ANALYZE only, never by autovacuum.
    let analysed = |table: &'static str| {
        let pool = pool.clone();
        async move {
            let sql = format!(
                "SELECT CAST(EXTRACT(EPOCH FROM last_analyze) * 1000 AS BIGINT) AS at \
                 FROM pg_stat_user_tables WHERE relid = '{table}'::regclass"
            );
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_one(&pool)
                .await
                .unwrap();
            row.try_get::<Option<i64>, _>("at").unwrap()
        }
    };
    assert_eq!(analysed("flow_progress").await, None, "a fresh table");
    let r = response_report(&db.store, FLOW, Some(GroupBy::School))
        .await
        .unwrap();
    assert_eq!(r.total.roster, 30);
    let first = analysed("flow_progress").await;
    assert!(first.is_some(), "the report analysed flow_progress");
    assert!(analysed("respondents").await.is_some());
    // Nothing changed since: the next report does not analyse again.
    response_report(&db.store, FLOW, Some(GroupBy::School))
        .await
        .unwrap();
    assert_eq!(analysed("flow_progress").await, first);
    pool.close().await;
}

/// A flow written with the national file's names: f4's options export as f401…f403 (not
/// `f4_1`…), f504 as 1 = yes and 2 = no; the codebook lists the same column names.
const NATIONAL_FLOW: &str = r#"
flow:
  id: nasional-export
  version: 1
  title: { id: "Nasional", en: "National" }
  languages: [id, en]
  consent:
    purpose: { id: "a", en: "a" }
    data: { id: "b", en: "b" }
    retention: { id: "c", en: "c" }
    rights: { id: "d", en: "d" }
sections:
  - id: utama
    title: { id: "Utama", en: "Main" }
    questions:
      - code: f504
        type: yesno
        codes: { yes: 1, no: 2 }
        text: { id: "Apakah Anda dapat kerja dalam 6 bulan?", en: "Work within 6 months?" }
      - code: f4
        type: multi
        text: { id: "Bagaimana Anda mencari kerja?", en: "How did you look?" }
        options:
          - { code: "1", export: f401, label: { id: "Iklan", en: "Adverts" } }
          - { code: "2", export: f402, label: { id: "Bursa kerja", en: "Job fair" } }
          - { code: "3", export: f403, label: { id: "Relasi", en: "Contacts" } }
      - code: puas
        type: yesno
        text: { id: "Puas?", en: "Happy?" }
"#;

async fn export_uses_the_national_names_and_codes(db: &Db) {
    let flow = jejak::flow::compile(NATIONAL_FLOW).expect("flow compiles");
    let s = &db.store;
    s.roster()
        .upsert_roster_batch(
            &[
                person("n1", Some("2024"), "TKJ", "S1"),
                person("n2", Some("2024"), "TKJ", "S1"),
            ],
            Some(&enrol(&flow.id)),
            t(0),
        )
        .await
        .unwrap();
    let key = |code: &str| AnswerKey {
        code: code.into(),
        iteration: 0,
    };
    for (ext, f504, picks, puas) in [
        ("n1", true, vec!["1", "3"], true),
        ("n2", false, vec!["2"], false),
    ] {
        let r = id_of(s, ext).await;
        let sess = s
            .sessions()
            .latest_session(r, &flow.id)
            .await
            .unwrap()
            .expect("session");
        let answers = vec![
            AnswerOp::Set {
                key: key("f504"),
                raw: "x".into(),
                value: Value::Bool(f504),
            },
            AnswerOp::Set {
                key: key("f4"),
                raw: "x".into(),
                value: Value::Choices(picks.iter().map(|p| p.to_string()).collect()),
            },
            AnswerOp::Set {
                key: key("puas"),
                raw: "x".into(),
                value: Value::Bool(puas),
            },
        ];
        let c = StepCommit {
            session_id: sess.id,
            expected_revision: sess.revision,
            status: SessionStatus::Completed,
            state_json: "{}",
            flow_version: sess.flow_version,
            answers: &answers,
            events: &[],
            inbound: None,
            now: t(1),
        };
        s.sessions().commit_step(&c).await.unwrap();
    }
    let mut out = Vec::new();
    jejak::report::export::write_csv(s, &flow, &mut out)
        .await
        .unwrap();
    let mut rd = csv::Reader::from_reader(out.as_slice());
    let header: Vec<String> = rd.headers().unwrap().iter().map(str::to_string).collect();
    let tail: Vec<&str> = header[header.len() - 5..]
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(tail, ["f504", "f401", "f402", "f403", "puas"], "{header:?}");
    let ext = header
        .iter()
        .position(|h| h == "external_id")
        .expect("external_id");
    let mut rows: Vec<Vec<String>> = rd
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    rows.sort_by(|a, b| a[ext].cmp(&b[ext]));
    let tails: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r[r.len() - 5..].iter().map(String::as_str).collect())
        .collect();
    // f504 uses its own codes; `puas` keeps the default 1/0.
    assert_eq!(
        tails,
        [["1", "1", "0", "1", "1"], ["2", "0", "1", "0", "0"]]
    );

    let mut book = Vec::new();
    jejak::report::export::write_codebook(&flow, &mut book).unwrap();
    let mut rd = csv::Reader::from_reader(book.as_slice());
    let head: Vec<String> = rd.headers().unwrap().iter().map(str::to_string).collect();
    let columns = head.iter().position(|h| h == "columns").expect("columns");
    let choices = head
        .iter()
        .position(|h| h == "choices_id")
        .expect("choices_id");
    let rows: Vec<Vec<String>> = rd
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(rows[0][choices], "1=yes; 2=no");
    assert_eq!(rows[1][columns], "f401 f402 f403");
    assert_eq!(rows[2][choices], "1=yes; 0=no");
}

/// A grid exported under the national names (f1761…f1764), and the flow's codes for missing
/// answers: skipped (8), not asked in a completed session (9), blank where an open session
/// has not got yet.
const GRID_FLOW: &str = r#"
flow:
  id: kisi-export
  version: 1
  title: { id: "Kisi", en: "Grid" }
  languages: [id, en]
  missing: { skipped: 8, not_asked: 9 }
  consent:
    purpose: { id: "a", en: "a" }
    data: { id: "b", en: "b" }
    retention: { id: "c", en: "c" }
    rights: { id: "d", en: "d" }
sections:
  - id: utama
    title: { id: "Utama", en: "Main" }
    questions:
      - code: f8
        type: single
        text: { id: "Status?", en: "Status?" }
        options:
          - { code: "1", label: { id: "Bekerja", en: "Working" } }
          - { code: "2", label: { id: "Belum", en: "Not yet" } }
      - code: f505
        type: money
        optional: true
        when: { answer: f8, eq: "1" }
        text: { id: "Pendapatan?", en: "Income?" }
      - code: f4
        type: multi
        optional: true
        text: { id: "Cara mencari kerja?", en: "How did you look?" }
        options:
          - { code: "1", export: f401, label: { id: "Iklan", en: "Adverts" } }
          - { code: "2", export: f402, label: { id: "Relasi", en: "Contacts" } }
      - code: f17
        type: grid
        text: { id: "Nilai kompetensi:", en: "Rate:" }
        scales:
          - { label: { id: "A", en: "A" }, from: 1, to: 5, low: { id: "rendah", en: "low" }, high: { id: "tinggi", en: "high" } }
          - { label: { id: "B", en: "B" }, from: 1, to: 5 }
        rows:
          - { code: f17_etika, label: { id: "Etika", en: "Ethics" }, export: [f1761, f1762] }
          - { code: f17_ahli, label: { id: "Keahlian", en: "Expertise" }, export: [f1763, f1764] }
"#;

async fn export_writes_grids_and_missing_codes(db: &Db) {
    let flow = jejak::flow::compile(GRID_FLOW).expect("flow compiles");
    let s = &db.store;
    s.roster()
        .upsert_roster_batch(
            &[
                person("g1", Some("2024"), "TKJ", "S1"),
                person("g2", Some("2024"), "TKJ", "S1"),
                person("g3", Some("2024"), "TKJ", "S1"),
            ],
            Some(&enrol(&flow.id)),
            t(0),
        )
        .await
        .unwrap();
    let set = |code: &str, value: Value| AnswerOp::Set {
        key: AnswerKey::plain(code),
        raw: "x".into(),
        value,
    };
    let people = [
        // Worked, skipped the income and f4, rated both rows: completed.
        (
            "g1",
            SessionStatus::Completed,
            vec![
                set("f8", Value::Choice("1".into())),
                set("f505", Value::Skipped),
                set("f4", Value::Skipped),
                set("f17_etika", Value::Ratings(vec![4, 5])),
                set("f17_ahli", Value::Ratings(vec![3, 2])),
            ],
        ),
        // Not working: f505 was not asked; completed.
        (
            "g2",
            SessionStatus::Completed,
            vec![
                set("f8", Value::Choice("2".into())),
                set("f4", Value::Choices(vec!["2".into()])),
                set("f17_etika", Value::Ratings(vec![1, 5])),
                set("f17_ahli", Value::Ratings(vec![2, 2])),
            ],
        ),
        // Still answering, at the second row: what is not reached stays blank.
        (
            "g3",
            SessionStatus::Answering,
            vec![
                set("f8", Value::Choice("2".into())),
                set("f4", Value::Choices(vec!["1".into()])),
                set("f17_etika", Value::Ratings(vec![5, 5])),
            ],
        ),
    ];
    for (ext, status, answers) in &people {
        let r = id_of(s, ext).await;
        let sess = s
            .sessions()
            .latest_session(r, &flow.id)
            .await
            .unwrap()
            .expect("session");
        let c = StepCommit {
            session_id: sess.id,
            expected_revision: sess.revision,
            status: *status,
            state_json: "{}",
            flow_version: sess.flow_version,
            answers,
            events: &[],
            inbound: None,
            now: t(1),
        };
        s.sessions().commit_step(&c).await.unwrap();
    }
    let mut out = Vec::new();
    jejak::report::export::write_csv(s, &flow, &mut out)
        .await
        .unwrap();
    let mut rd = csv::Reader::from_reader(out.as_slice());
    let header: Vec<String> = rd.headers().unwrap().iter().map(str::to_string).collect();
    let n = 8;
    let tail: Vec<&str> = header[header.len() - n..]
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(
        tail,
        [
            "f8", "f505", "f401", "f402", "f1761", "f1762", "f1763", "f1764"
        ],
        "{header:?}"
    );
    let ext = header
        .iter()
        .position(|h| h == "external_id")
        .expect("external_id");
    let mut rows: Vec<Vec<String>> = rd
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    rows.sort_by(|a, b| a[ext].cmp(&b[ext]));
    let tails: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r[r.len() - n..].iter().map(String::as_str).collect())
        .collect();
    assert_eq!(
        tails,
        [
            ["1", "8", "8", "8", "4", "5", "3", "2"],
            ["2", "9", "0", "1", "1", "5", "2", "2"],
            ["2", "", "1", "0", "5", "5", "", ""],
        ]
    );

    // One codebook row per grid column, under its export code, with the scale's range.
    let mut book = Vec::new();
    jejak::report::export::write_codebook(&flow, &mut book).unwrap();
    let mut rd = csv::Reader::from_reader(book.as_slice());
    let head: Vec<String> = rd.headers().unwrap().iter().map(str::to_string).collect();
    let col = |name: &str| head.iter().position(|h| h == name).expect(name);
    let rows: Vec<Vec<String>> = rd
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    let grid: Vec<(&str, &str, &str, &str)> = rows
        .iter()
        .filter(|r| r[col("type")] == "grid:f17")
        .map(|r| {
            (
                r[col("code")].as_str(),
                r[col("text_id")].as_str(),
                r[col("choices_id")].as_str(),
                r[col("columns")].as_str(),
            )
        })
        .collect();
    assert_eq!(
        grid,
        [
            (
                "f1761",
                "Nilai kompetensi: — Etika — A",
                "1=rendah; 5=tinggi",
                "f1761"
            ),
            ("f1762", "Nilai kompetensi: — Etika — B", "1-5", "f1762"),
            (
                "f1763",
                "Nilai kompetensi: — Keahlian — A",
                "1=rendah; 5=tinggi",
                "f1763"
            ),
            ("f1764", "Nilai kompetensi: — Keahlian — B", "1-5", "f1764"),
        ]
    );
}

/// The answer columns of the shipped Dikti flow's CSV are exactly the national codes
/// (../shared/domain.md), in questionnaire order.
async fn dikti_export_has_exactly_the_national_codes(db: &Db) {
    let s = &db.store;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("flows/tracer-dikti.yaml");
    let flow = jejak::flow::load(&path).unwrap();
    let mut out = Vec::new();
    jejak::report::export::write_csv(s, &flow, &mut out)
        .await
        .unwrap();
    let mut rd = csv::Reader::from_reader(out.as_slice());
    let header: Vec<String> = rd.headers().unwrap().iter().map(str::to_string).collect();
    let first = header.iter().position(|h| h == "f8").expect("f8 column");
    let answers: Vec<&str> = header[first..].iter().map(String::as_str).collect();
    let mut national: Vec<String> = [
        "f8", "f504", "f502", "f506", "f505", "f5a1", "f5a2", "f1101", "f1102", "f5b", "f5c",
        "f5d", "f14", "f15", "f18a", "f18b", "f18c", "f18d", "f1201", "f1202",
    ]
    .iter()
    .map(|c| c.to_string())
    .collect();
    national.extend((1761..=1774).map(|n| format!("f{n}")));
    national.extend((21..=27).map(|n| format!("f{n}")));
    national.extend(["f301", "f302", "f303"].map(String::from));
    national.extend((401..=416).map(|n| format!("f{n}")));
    national.extend(["f6", "f7", "f7a", "f1001", "f1002"].map(String::from));
    national.extend((1601..=1614).map(|n| format!("f{n}")));
    assert_eq!(answers, national, "{header:?}");
}

/// Computed values in the export: worked out from the stored answers (nothing computed is
/// stored), blank or the `not_asked` code when an input is missing.
const COMPUTED_FLOW: &str = r#"
flow:
  id: hitung-export
  version: 1
  title: { id: "Hitung", en: "Compute" }
  languages: [id, en]
  missing: { skipped: 8, not_asked: 9 }
  consent:
    purpose: { id: "a", en: "a" }
    data: { id: "b", en: "b" }
    retention: { id: "c", en: "c" }
    rights: { id: "d", en: "d" }
sections:
  - id: utama
    title: { id: "Utama", en: "Main" }
    questions:
      - code: lulus
        type: month_year
        text: { id: "Lulus?", en: "Graduated?" }
      - code: mulai
        type: month_year
        text: { id: "Mulai kerja?", en: "Started work?" }
      - code: f502
        compute: "months_between(lulus, mulai)"
        text: { id: "Lama menunggu", en: "Waiting months" }
      - code: f6
        type: integer
        optional: true
        text: { id: "Lamaran?", en: "Applications?" }
      - code: f7
        type: integer
        max: { answer: f6 }
        text: { id: "Wawancara?", en: "Interviews?" }
      - code: rasio
        compute: "f7 / f6 * 100"
"#;

async fn export_writes_computed_values(db: &Db) {
    let flow = jejak::flow::compile(COMPUTED_FLOW).expect("flow compiles");
    let s = &db.store;
    s.roster()
        .upsert_roster_batch(
            &[
                person("h1", Some("2024"), "TKJ", "S1"),
                person("h2", Some("2024"), "TKJ", "S1"),
                person("h3", Some("2024"), "TKJ", "S1"),
            ],
            Some(&enrol(&flow.id)),
            t(0),
        )
        .await
        .unwrap();
    let set = |code: &str, value: Value| AnswerOp::Set {
        key: AnswerKey::plain(code),
        raw: "x".into(),
        value,
    };
    let month = |year, month| Value::MonthYear { year, month };
    let people = [
        (
            "h1",
            SessionStatus::Completed,
            vec![
                set("lulus", month(2024, 8)),
                set("mulai", month(2025, 2)),
                set("f6", Value::Integer(8)),
                set("f7", Value::Integer(3)),
            ],
        ),
        // Skipped f6: no ratio, so the `not_asked` code in a completed session.
        (
            "h2",
            SessionStatus::Completed,
            vec![
                set("lulus", month(2024, 8)),
                set("mulai", month(2024, 8)),
                set("f6", Value::Skipped),
                set("f7", Value::Integer(2)),
            ],
        ),
        // Still answering: what cannot be worked out yet stays blank.
        (
            "h3",
            SessionStatus::Answering,
            vec![set("lulus", month(2023, 12))],
        ),
    ];
    for (ext, status, answers) in &people {
        let r = id_of(s, ext).await;
        let sess = s
            .sessions()
            .latest_session(r, &flow.id)
            .await
            .unwrap()
            .expect("session");
        let c = StepCommit {
            session_id: sess.id,
            expected_revision: sess.revision,
            status: *status,
            state_json: "{}",
            flow_version: sess.flow_version,
            answers,
            events: &[],
            inbound: None,
            now: t(1),
        };
        s.sessions().commit_step(&c).await.unwrap();
    }
    let mut out = Vec::new();
    jejak::report::export::write_csv(s, &flow, &mut out)
        .await
        .unwrap();
    let mut rd = csv::Reader::from_reader(out.as_slice());
    let header: Vec<String> = rd.headers().unwrap().iter().map(str::to_string).collect();
    let n = 6;
    let tail: Vec<&str> = header[header.len() - n..]
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(
        tail,
        ["lulus", "mulai", "f502", "f6", "f7", "rasio"],
        "{header:?}"
    );
    let ext = header
        .iter()
        .position(|h| h == "external_id")
        .expect("external_id");
    let mut rows: Vec<Vec<String>> = rd
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    rows.sort_by(|a, b| a[ext].cmp(&b[ext]));
    let tails: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r[r.len() - n..].iter().map(String::as_str).collect())
        .collect();
    assert_eq!(
        tails,
        [
            ["2024-08", "2025-02", "6", "8", "3", "37.5"],
            ["2024-08", "2024-08", "0", "8", "2", "9"],
            ["2023-12", "", "", "", "", ""],
        ]
    );

    // The codebook names the computed value's type and expression.
    let mut book = Vec::new();
    jejak::report::export::write_codebook(&flow, &mut book).unwrap();
    let text = String::from_utf8(book).unwrap();
    assert!(
        text.lines()
            .any(|l| l.starts_with("f502,utama,compute,")
                && l.contains("months_between(lulus, mulai)")),
        "{text}"
    );
}
