//! Flow versions and the export, end to end through the terminal chat (`jejak chat`'s own
//! loop and the shared conversation core), on SQLite and PostgreSQL: a respondent in the
//! middle keeps the version they started, a new version applies to new sessions, the export
//! and the codebook cover every version with one column set, roster fields go out under the
//! flow's names with the extra roster columns, the Excel-friendly CSV, and the `language`
//! column of a respondent who switched to English. `jejak export --flow ID` through the real
//! binary in a directory without `flows/`.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;

use chrono::Utc;
use jejak::channel::console::{self, Identity, Terminal};
use jejak::conversation::Conversations;
use jejak::flow::{Flow, compile};
use jejak::i18n::Catalog;
use jejak::model::{RespondentFields, SessionStatus};
use jejak::report::export::{self, CsvDialect};
use jejak::store::{Remembered, RespondentId, Scope, StoreError};

#[path = "support/test_db.rs"]
#[macro_use]
mod test_db;

use test_db::Db;

both_backends!(
    a_new_version_keeps_respondents_in_the_middle_on_theirs,
    export_and_codebook_cover_every_version,
    roster_fields_extra_columns_language_and_excel_csv,
    export_by_id_works_without_the_flow_file,
    refused_answers_are_kept_apart_and_exported_with_their_code,
);

const CONSENT: &str = r#"
  consent:
    purpose: { id: "Untuk sekolah.", en: "For the school." }
    data: { id: "Jawaban Anda.", en: "Your answers." }
    retention: { id: "Lima tahun.", en: "Five years." }
    rights: { id: "Anda boleh melihat, mengubah dan menghapus data Anda.", en: "You may see, change and delete your data." }
"#;

/// Version 1: office, city, then months to the first job.
fn v1() -> String {
    format!(
        r#"
flow:
  id: versi
  version: 1
  title: {{ id: "Survei versi", en: "Version survey" }}
  languages: [id, en]
  missing: {{ skipped: 8, not_asked: 9 }}
{CONSENT}
sections:
  - id: kerja
    title: {{ id: "Pekerjaan", en: "Work" }}
    questions:
      - code: kantor
        type: text
        text: {{ id: "Di mana Anda bekerja?", en: "Where do you work?" }}
      - code: kota
        type: text
        text: {{ id: "Di kota mana kantor Anda?", en: "In which city is it?" }}
      - code: tunggu
        type: integer
        min: 0
        max: 60
        unit: {{ id: "bulan", en: "months" }}
        text: {{ id: "Berapa bulan menunggu kerja pertama?", en: "How many months until your first job?" }}
"#
    )
}

/// Version 2: a status question first, office and city kept, months dropped, sector added
/// (asked only of those who work).
fn v2() -> String {
    format!(
        r#"
flow:
  id: versi
  version: 2
  title: {{ id: "Survei versi", en: "Version survey" }}
  languages: [id, en]
  missing: {{ skipped: 8, not_asked: 9 }}
{CONSENT}
sections:
  - id: kerja
    title: {{ id: "Pekerjaan", en: "Work" }}
    questions:
      - code: kegiatan
        type: single
        text: {{ id: "Apa kegiatan Anda sekarang?", en: "What do you do now?" }}
        options:
          - {{ code: "1", label: {{ id: "Bekerja", en: "Working" }} }}
          - {{ code: "2", label: {{ id: "Kuliah", en: "Studying" }} }}
      - code: kantor
        type: text
        text: {{ id: "Di mana Anda bekerja?", en: "Where do you work?" }}
      - code: kota
        type: text
        text: {{ id: "Di kota mana kantor Anda?", en: "In which city is it?" }}
      - code: bidang
        type: text
        when: {{ answer: kegiatan, eq: "1" }}
        text: {{ id: "Bidang usahanya apa?", en: "Which sector?" }}
"#
    )
}

fn flow(src: &str) -> Arc<Flow> {
    Arc::new(compile(src).expect("flow compiles"))
}

fn conv(db: &Db, flow: Arc<Flow>) -> Conversations {
    Conversations {
        store: db.store.clone(),
        flow,
        catalog: Arc::new(Catalog::embedded().expect("catalog")),
    }
}

fn term(address: &str) -> Terminal {
    Terminal {
        bold: false,
        command: "jejak chat".into(),
        identity: Identity::resolve(Some(address), Some("Siti"), None),
        name: Some("Siti".into()),
    }
}

async fn person(db: &Db, address: &str, extra: &[(&str, &str)]) -> RespondentId {
    let fields = RespondentFields {
        name: Some(format!("Alumni {address}")),
        external_id: Some(format!("NIM-{address}")),
        cohort: Some("2024".into()),
        programme: Some("TKJ".into()),
        school: Some("SMKN 1 Contoh".into()),
        extra: extra
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
        ..Default::default()
    };
    console::respondent(&db.store, address, fields)
        .await
        .expect("respondent")
}

/// One `jejak chat` session: the lines typed, what the terminal printed.
async fn chat(conv: &Conversations, id: RespondentId, address: &str, lines: &[&str]) -> String {
    let input = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
    let mut out = Vec::new();
    console::run(conv, id, &term(address), input.as_bytes(), &mut out)
        .await
        .expect("chat runs");
    String::from_utf8(out).expect("utf-8")
}

/// The respondent's stored answers: (code, value, version).
async fn answers(db: &Db, id: RespondentId, flow: &str) -> Vec<(String, String, i64)> {
    let s = db
        .store
        .sessions()
        .latest_session(id, flow)
        .await
        .unwrap()
        .expect("session");
    db.store
        .sessions()
        .current_answers(s.id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.key.code, a.value.export(), a.flow_version))
        .collect()
}

async fn session_of(db: &Db, id: RespondentId, flow: &str) -> (SessionStatus, i64) {
    let s = db
        .store
        .sessions()
        .latest_session(id, flow)
        .await
        .unwrap()
        .expect("session");
    (s.status, s.flow_version)
}

/// The export as rows of cells.
async fn export_rows(db: &Db, flow: &Flow) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    export::write_csv(&db.store, flow, &mut out).await.unwrap();
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(out.as_slice())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// Version 2 deployed while Siti is between "office" and "city" of version 1: her next
/// answer is still version 1's city (before, the state was read against version 2, whose
/// second question is the office, or restarted), she is asked version 1's months, and her
/// session stays version 1. Budi, new, gets version 2. Changing version 1's text without
/// bumping the version is refused.
async fn a_new_version_keeps_respondents_in_the_middle_on_theirs(db: &Db) {
    let one = flow(&v1());
    assert_eq!(
        db.store
            .flow_sources()
            .remember(&one, Utc::now())
            .await
            .unwrap(),
        Remembered::New
    );
    let siti = person(db, "siti", &[]).await;
    let said = chat(&conv(db, one.clone()), siti, "siti", &["ya", "PT Maju"]).await;
    assert!(said.contains("Di kota mana kantor Anda?"), "{said}");

    let two = flow(&v2());
    db.store
        .flow_sources()
        .remember(&two, Utc::now())
        .await
        .unwrap();
    let c2 = conv(db, two.clone());
    let said = chat(&c2, siti, "siti", &["Banjarmasin"]).await;
    assert!(
        said.contains("Berapa bulan menunggu kerja pertama?"),
        "{said}"
    );
    assert!(!said.contains("Apa kegiatan Anda sekarang?"), "{said}");
    let said = chat(&c2, siti, "siti", &["3"]).await;
    assert_eq!(
        session_of(db, siti, "versi").await,
        (SessionStatus::Completed, 1),
        "{said}"
    );
    assert_eq!(
        answers(db, siti, "versi").await,
        [
            ("kantor".to_string(), "PT Maju".to_string(), 1),
            ("kota".into(), "Banjarmasin".into(), 1),
            ("tunggu".into(), "3".into(), 1),
        ]
    );

    let budi = person(db, "budi", &[]).await;
    let said = chat(&c2, budi, "budi", &["ya"]).await;
    assert!(said.contains("Apa kegiatan Anda sekarang?"), "{said}");
    assert_eq!(
        session_of(db, budi, "versi").await,
        (SessionStatus::Answering, 2)
    );

    // The same text again is known; another text under version 1 is refused.
    assert_eq!(
        db.store
            .flow_sources()
            .remember(&flow(&v1()), Utc::now())
            .await
            .unwrap(),
        Remembered::Known
    );
    let changed = flow(&v1().replace("Di mana Anda bekerja?", "Di mana Anda kerja?"));
    match db.store.flow_sources().remember(&changed, Utc::now()).await {
        Err(StoreError::FlowVersionChanged { flow_id, version }) => {
            assert_eq!((flow_id.as_str(), version), ("versi", 1));
        }
        other => panic!("expected FlowVersionChanged, got {other:?}"),
    }
}

/// One column set for both versions: version 2's columns in its order, then `tunggu`,
/// which only version 1 asked. A version-1 respondent's missing version-2 questions are
/// "not asked" (9); the codebook names the versions, the condition and the range.
async fn export_and_codebook_cover_every_version(db: &Db) {
    let one = flow(&v1());
    db.store
        .flow_sources()
        .remember(&one, Utc::now())
        .await
        .unwrap();
    let siti = person(db, "siti", &[]).await;
    chat(
        &conv(db, one.clone()),
        siti,
        "siti",
        &["ya", "PT Maju", "Banjarmasin", "3"],
    )
    .await;
    let two = flow(&v2());
    db.store
        .flow_sources()
        .remember(&two, Utc::now())
        .await
        .unwrap();
    let budi = person(db, "budi", &[]).await;
    chat(
        &conv(db, two.clone()),
        budi,
        "budi",
        &["ya", "1", "CV Jaya", "Surabaya", "Konstruksi"],
    )
    .await;
    assert_eq!(
        session_of(db, budi, "versi").await.0,
        SessionStatus::Completed
    );

    let rows = export_rows(db, &two).await;
    let head = &rows[0];
    let at = |name: &str| head.iter().position(|h| h == name).expect(name);
    let answers_from = at("status") + 4;
    assert_eq!(
        &head[answers_from..],
        ["kegiatan", "kantor", "kota", "bidang", "tunggu"]
    );
    let row = |ext: &str| {
        rows.iter()
            .find(|r| r[at("external_id")] == ext)
            .expect(ext)
            .clone()
    };
    let s = row("NIM-siti");
    assert_eq!(s[at("flow_version")], "1");
    assert_eq!(
        &s[answers_from..],
        ["9", "PT Maju", "Banjarmasin", "9", "3"]
    );
    let b = row("NIM-budi");
    assert_eq!(b[at("flow_version")], "2");
    assert_eq!(
        &b[answers_from..],
        ["1", "CV Jaya", "Surabaya", "Konstruksi", "9"]
    );
    // Exporting with the old file in hand gives the same file: the store knows both.
    assert_eq!(export_rows(db, &one).await, rows);

    let mut book = Vec::new();
    export::write_codebook_all(&db.store, &two, &mut book)
        .await
        .unwrap();
    let mut rd = csv::Reader::from_reader(book.as_slice());
    let head: Vec<String> = rd.headers().unwrap().iter().map(str::to_string).collect();
    let col = |name: &str| head.iter().position(|h| h == name).expect(name);
    let book: Vec<Vec<String>> = rd
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    let summary: Vec<(&str, &str, &str, &str, &str)> = book
        .iter()
        .map(|r| {
            (
                r[col("code")].as_str(),
                r[col("versions")].as_str(),
                r[col("asked_when")].as_str(),
                r[col("range")].as_str(),
                r[col("unit_id")].as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("kegiatan", "2", "", "", ""),
            ("kantor", "2 1", "", "", ""),
            ("kota", "2 1", "", "", ""),
            ("bidang", "2", "kegiatan = 1", "", ""),
            ("tunggu", "1", "", "0–60", "bulan"),
        ]
    );
}

/// A flow mapping roster fields to national names; a respondent with extra roster
/// columns who switches to English half-way; the Excel CSV.
async fn roster_fields_extra_columns_language_and_excel_csv(db: &Db) {
    let src = v2().replace(
        "  missing: { skipped: 8, not_asked: 9 }",
        "  missing: { skipped: 8, not_asked: 9 }\n  export_fields: { external_id: nimhsmsmh, school: kdptimsmh, cohort: tahun_lulus, programme: kdpstmsmh, extra.nik: nik_alumni }",
    );
    let f = flow(&src);
    db.store
        .flow_sources()
        .remember(&f, Utc::now())
        .await
        .unwrap();
    let c = conv(db, f.clone());
    let rina = person(
        db,
        "rina",
        &[("nik", "3201010101010001"), ("kelas", "XII TKJ 2")],
    )
    .await;
    let said = chat(
        &c,
        rina,
        "rina",
        &[
            "ya",
            "1",
            "/bahasa en",
            "CV Jaya",
            "Surabaya",
            "Construction",
        ],
    )
    .await;
    assert!(said.contains("Where do you work?"), "{said}");
    assert_eq!(
        session_of(db, rina, "versi").await.0,
        SessionStatus::Completed
    );
    let dodi = person(db, "dodi", &[("kelas", "XII AK 1")]).await;
    chat(&c, dodi, "dodi", &["ya", "2", "Kampus", "Malang"]).await;

    let mut out = Vec::new();
    export::write_csv_in(&db.store, &f, &Scope::All, CsvDialect::Excel, &mut out)
        .await
        .unwrap();
    assert!(
        out.starts_with("\u{feff}".as_bytes()),
        "a byte-order mark first"
    );
    let rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .from_reader(&out[3..])
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(
        &rows[0][..13],
        [
            "respondent_id",
            "nimhsmsmh",
            "name",
            "tahun_lulus",
            "kdpstmsmh",
            "kdptimsmh",
            "province",
            "kelas",
            "nik_alumni",
            "status",
            "language",
            "flow_version",
            "completed_at",
        ]
    );
    let r = rows
        .iter()
        .find(|r| r[1] == "NIM-rina")
        .expect("rina's row");
    assert_eq!(
        [&r[1], &r[3], &r[4], &r[5], &r[7], &r[8], &r[10]],
        [
            "NIM-rina",
            "2024",
            "TKJ",
            "SMKN 1 Contoh",
            "XII TKJ 2",
            "3201010101010001",
            "en"
        ]
    );
    let d = rows
        .iter()
        .find(|r| r[1] == "NIM-dodi")
        .expect("dodi's row");
    assert_eq!([&d[7], &d[8], &d[10]], ["XII AK 1", "", "id"]);
}

/// `jejak export --flow versi` run where there is no `flows/` directory finds the flow in
/// the database, both versions.
async fn export_by_id_works_without_the_flow_file(db: &Db) {
    db.store
        .flow_sources()
        .remember(&flow(&v1()), Utc::now())
        .await
        .unwrap();
    db.store
        .flow_sources()
        .remember(&flow(&v2()), Utc::now())
        .await
        .unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_jejak"))
            .current_dir(elsewhere.path())
            .env_remove("DATABASE_URL")
            .env("JEJAK_CONFIG", elsewhere.path().join("none.toml"))
            .arg("--database-url")
            .arg(&db.url)
            .args(args)
            .output()
            .expect("jejak runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let csv = run(&["export", "--flow", "versi"]);
    let head = csv.lines().next().unwrap_or_default();
    assert!(
        head.ends_with("completed_at,kegiatan,kantor,kota,bidang,tunggu"),
        "{head}"
    );
    let book = run(&["export", "--flow", "versi", "--codebook"]);
    assert!(book.contains("tunggu,kerja,integer"), "{book}");
    let excel = run(&["export", "--flow", "versi", "--format", "csv-excel"]);
    assert!(excel.starts_with("\u{feff}respondent_id;"), "{excel}");
}

/// Unknown roster fields and taken column names in `export_fields` are errors at their
/// place in the file.
#[test]
fn export_fields_errors_are_located() {
    let src = v2().replace(
        "  missing: { skipped: 8, not_asked: 9 }",
        "  missing: { skipped: 8, not_asked: 9 }\n  export_fields: { nim: nimhsmsmh, school: kota, cohort: status }",
    );
    let line = src
        .lines()
        .position(|l| l.contains("export_fields"))
        .unwrap() as u64
        + 1;
    let errs = compile(&src).expect_err("refused");
    let at_line: Vec<&str> = errs
        .iter()
        .filter(|d| d.line == line)
        .map(|d| d.message.as_str())
        .collect();
    assert!(
        at_line
            .iter()
            .any(|m| m.contains("unknown roster field `nim`")),
        "{errs:?}"
    );
    assert!(
        at_line
            .iter()
            .any(|m| m.contains("`kota` for `school` is already a question's column")),
        "{errs:?}"
    );
    assert!(
        at_line
            .iter()
            .any(|m| m.contains("`status` for `cohort` is already")),
        "{errs:?}"
    );
    assert_eq!(errs.len(), 3, "{errs:?}");
}

/// Income and activity may be declined, the phone number skipped: "rahasia" typed, the
/// number after the last option typed (where the "Tidak mau menjawab" button is listed), and
/// `/lewati`. Each is stored as what it is, exported under its own code (refused 7, skipped
/// 8, not asked 9) and marked in the codebook.
async fn refused_answers_are_kept_apart_and_exported_with_their_code(db: &Db) {
    let src = format!(
        r#"
flow:
  id: tolak
  version: 1
  title: {{ id: "Survei tolak", en: "Refusal survey" }}
  languages: [id, en]
  missing: {{ skipped: 8, not_asked: 9, refused: 7 }}
{CONSENT}
sections:
  - id: kerja
    title: {{ id: "Pekerjaan", en: "Work" }}
    questions:
      - code: gaji
        type: money
        refusable: true
        text: {{ id: "Berapa gaji Anda per bulan?", en: "What is your monthly pay?" }}
      - code: status_kerja
        type: single
        refusable: true
        text: {{ id: "Apa status kerja Anda?", en: "What is your work status?" }}
        options:
          - {{ code: "1", label: {{ id: "Tetap", en: "Permanent" }} }}
          - {{ code: "2", label: {{ id: "Kontrak", en: "Contract" }} }}
      - code: hp
        type: text
        optional: true
        text: {{ id: "Nomor HP yang bisa dihubungi?", en: "A phone number to reach you?" }}
      - code: kota
        type: text
        when: {{ answer: gaji, answered: true }}
        text: {{ id: "Di kota mana?", en: "In which city?" }}
"#
    );
    let f = flow(&src);
    let c = conv(db, f.clone());
    let siti = person(db, "siti", &[]).await;
    let said = chat(&c, siti, "siti", &["ya"]).await;
    assert!(said.contains("ketik «rahasia»"), "{said}");
    let said = chat(&c, siti, "siti", &["Rahasia!"]).await;
    assert!(said.contains("tidak perlu dijawab"), "{said}");
    assert!(said.contains("Apa status kerja Anda?"), "{said}");
    assert!(
        said.contains("Tidak mau menjawab"),
        "the refusal is offered: {said}"
    );
    chat(&c, siti, "siti", &["3", "/lewati"]).await;
    assert_eq!(
        session_of(db, siti, "tolak").await.0,
        SessionStatus::Completed
    );
    let s = db
        .store
        .sessions()
        .latest_session(siti, "tolak")
        .await
        .unwrap()
        .expect("session");
    let stored: BTreeMap<String, jejak::model::Value> = db
        .store
        .sessions()
        .current_answers(s.id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.key.code, a.value))
        .collect();
    use jejak::model::Value;
    assert_eq!(stored.get("gaji"), Some(&Value::Refused));
    assert_eq!(stored.get("status_kerja"), Some(&Value::Refused));
    assert_eq!(stored.get("hp"), Some(&Value::Skipped));
    let rows = export_rows(db, &f).await;
    let col = |name: &str| rows[0].iter().position(|h| h == name).expect(name);
    let row = &rows[1];
    assert_eq!(
        [col("gaji"), col("status_kerja"), col("hp"), col("kota")].map(|i| row[i].as_str()),
        ["7", "7", "8", "9"],
        "refused, refused, skipped, not asked (a refused answer is not an answer): {rows:?}"
    );
    let mut book = Vec::new();
    jejak::report::codebook::write_codebook(&f, &mut book).unwrap();
    let book: Vec<Vec<String>> = csv::Reader::from_reader(book.as_slice())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    let refusable = |code: &str| {
        book.iter()
            .find(|r| r[0] == code)
            .and_then(|r| r.last().cloned())
            .expect(code)
    };
    assert_eq!(refusable("gaji"), "yes (7)");
    assert_eq!(refusable("hp"), "no");
}

/// A list longer than a worksheet holds (Excel: 1,048,576 rows; the national roster is
/// 1,500,000) goes on over further sheets named after the first, each starting with the
/// header, every row once and in order. Here with 3 rows to a sheet.
#[test]
fn long_xlsx_lists_continue_on_further_sheets() {
    use calamine::{Reader, Xlsx, open_workbook};
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("long.xlsx");
    let mut w = jejak::report::xlsx::SheetWriter::new("Undangan", &["nisn", "nama"])
        .expect("writer")
        .with_rows_per_sheet(3);
    for i in 0..5 {
        w.push(&[format!("00{i}"), format!("Alumni {i}")])
            .expect("row");
    }
    w.save(&path).expect("save");
    let mut book: Xlsx<_> = open_workbook(&path).expect("open");
    assert_eq!(book.sheet_names(), ["Undangan", "Undangan 2", "Undangan 3"]);
    let mut seen = Vec::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).expect("sheet");
        let rows: Vec<Vec<String>> = range
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        assert_eq!(rows[0], ["nisn", "nama"], "{name} starts with the header");
        assert!(rows.len() <= 3, "{name} holds at most 3 rows");
        seen.extend(rows[1..].iter().map(|r| r[0].clone()));
    }
    assert_eq!(seen, ["000", "001", "002", "003", "004"]);
}
