//! Roster import, invitations, QR codes and the open-link identity check, on SQLite and
//! PostgreSQL; and the `jejak roster import` / `invite` / `report` / `export` commands end to
//! end through the real binary.

#[path = "support/test_db.rs"]
#[macro_use]
mod test_db;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use jejak::flow::Flow;
use jejak::model::Lang;
use jejak::roster::identity::{Policy, Verification, verify};
use jejak::roster::import::{ImportOptions, ImportReport, enrolment, import_file};
use jejak::roster::invite::{LinkTargets, qr_svg, svg_modules, write_invitations};
use jejak::store::{Respondent, Store};
use sqlx::Row;
use test_db::Db;

both_backends!(
    fixture_reports_bad_lines_and_loads_good_rows,
    reimport_updates_by_external_id,
    batches_with_duplicates_and_many_rows,
    interrupted_import_is_completed_by_the_same_file,
    xlsx_import,
    crlf_file_reports_the_same_lines,
    workbook_named_csv_loads_and_says_so_once,
    windows_1252_csv_loads_whole,
    invitations_csv_and_xlsx,
    qr_codes_decode_to_the_links,
    identity_check_success_wrong_and_lockout,
);

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/roster")
        .join(name)
}

fn flow() -> Flow {
    jejak::flow::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("flows/tracer-smk.yaml"))
        .expect("flow loads")
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 2, 0, 0)
        .single()
        .expect("valid time")
}

async fn import(db: &Db, path: &Path, now: DateTime<Utc>) -> ImportReport {
    let opts = ImportOptions {
        enrol: Some(enrolment(&flow()).expect("enrolment")),
        progress: false,
        ..Default::default()
    };
    import_file(&db.store, path, &opts, now)
        .await
        .expect("import runs")
}

async fn by_ext(store: &Store, ext: &str) -> Respondent {
    let (id, _) = store
        .roster()
        .identity_of(ext)
        .await
        .expect("lookup")
        .unwrap_or_else(|| panic!("{ext} not stored"));
    store
        .respondents()
        .respondent(id)
        .await
        .expect("load")
        .expect("exists")
}

async fn count(db: &Db, sql: &'static str) -> i64 {
    let pool = db.raw().await;
    let n: i64 = sqlx::query(sql)
        .fetch_one(&pool)
        .await
        .expect("count")
        .get(0);
    pool.close().await;
    n
}

async fn fixture_reports_bad_lines_and_loads_good_rows(db: &Db) {
    let r = import(db, &fixture("alumni.csv"), t0()).await;
    let lines: Vec<u64> = r.rejected.iter().map(|i| i.line).collect();
    assert_eq!(lines, vec![5, 6, 7, 11, 12], "{:#?}", r.rejected);
    let reason = |line: u64| {
        r.rejected
            .iter()
            .find(|i| i.line == line)
            .unwrap()
            .reasons
            .join("; ")
    };
    assert!(reason(5).contains("external_id"), "{}", reason(5));
    assert!(reason(6).contains("12ab"), "{}", reason(6));
    assert!(reason(7).contains("31/02/2006"), "{}", reason(7));
    assert!(reason(11).contains("Mars"), "{}", reason(11));
    assert!(reason(12).contains("andi@contoh"), "{}", reason(12));
    assert_eq!(
        (r.rows, r.loaded, r.inserted, r.updated, r.enrolled),
        (11, 6, 6, 0, 6)
    );
    assert_eq!(r.warnings.len(), 1);
    assert_eq!(r.warnings[0].line, 14);
    assert_eq!(count(db, "SELECT COUNT(*) FROM respondents").await, 6);
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM sessions WHERE flow_id = 'tracer-smk' AND status = 'invited'"
        )
        .await,
        6
    );

    let siti = by_ext(&db.store, "0012345001").await;
    assert_eq!(siti.fields.name.as_deref(), Some("Siti Aminah"));
    assert_eq!(siti.phone.as_deref(), Some("+6281234567001"));
    assert_eq!(siti.email.as_deref(), Some("siti@contoh.sch.id"));
    assert_eq!(siti.fields.cohort.as_deref(), Some("2024"));
    assert_eq!(siti.fields.programme.as_deref(), Some("TKJ"));
    assert_eq!(siti.fields.school.as_deref(), Some("SMKN 1 Bandung"));
    assert_eq!(siti.timezone.as_deref(), Some("Asia/Jakarta"));
    assert_eq!(siti.language, Some(Lang::Id));
    assert_eq!(siti.birth_date, NaiveDate::from_ymd_opt(2006, 8, 17));
    assert_eq!(
        siti.fields.extra.get("alamat").map(String::as_str),
        Some("Jl. Mawar 1")
    );
    assert!(jejak::store::is_valid_token(&siti.token));
    // Province → zone: Sulawesi Selatan is WITA, Papua Pegunungan and Maluku Utara WIT.
    let budi = by_ext(&db.store, "0012345002").await;
    assert_eq!(budi.timezone.as_deref(), Some("Asia/Makassar"));
    assert_eq!(budi.phone.as_deref(), Some("+6281345670002"));
    let yohana = by_ext(&db.store, "0012345003").await;
    assert_eq!(yohana.timezone.as_deref(), Some("Asia/Jayapura"));
    assert_eq!(yohana.language, Some(Lang::En));
    assert_eq!(yohana.birth_date, NaiveDate::from_ymd_opt(2005, 3, 5));
    assert_eq!(
        by_ext(&db.store, "0012345011").await.timezone.as_deref(),
        Some("Asia/Jayapura")
    );
    // An explicit zone wins over the province (Bali would be WITA).
    let dewi = by_ext(&db.store, "0012345008").await;
    assert_eq!(dewi.timezone.as_deref(), Some("Asia/Jakarta"));
    assert_eq!(
        dewi.fields.extra.get("alamat").map(String::as_str),
        Some("Jl. Kenanga\nRT 02")
    );
    assert_eq!(dewi.birth_date, NaiveDate::from_ymd_opt(2005, 2, 1));
    // Unknown province: loaded, zone left unset.
    assert_eq!(by_ext(&db.store, "0012345012").await.timezone, None);
    // English speakers get an English session, others the flow's default language.
    let pool = db.raw().await;
    let state: String = sqlx::query(
        "SELECT s.state FROM sessions s JOIN respondents r ON r.id = s.respondent_id \
         WHERE r.external_id = '0012345003'",
    )
    .fetch_one(&pool)
    .await
    .unwrap()
    .get(0);
    assert!(state.contains("\"en\""), "{state}");
    pool.close().await;
}

async fn reimport_updates_by_external_id(db: &Db) {
    import(db, &fixture("alumni.csv"), t0()).await;
    let before = by_ext(&db.store, "0012345001").await;
    // The same file again: every good row updates, nothing new.
    let again = import(db, &fixture("alumni.csv"), t0() + Duration::hours(1)).await;
    assert_eq!(
        (again.loaded, again.inserted, again.updated, again.enrolled),
        (6, 0, 6, 0)
    );
    // English headers, comma separated: one changed name, one new respondent.
    let r = import(db, &fixture("update.csv"), t0() + Duration::hours(2)).await;
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    assert_eq!((r.loaded, r.inserted, r.updated, r.enrolled), (2, 1, 1, 1));
    assert_eq!(count(db, "SELECT COUNT(*) FROM respondents").await, 7);
    assert_eq!(count(db, "SELECT COUNT(*) FROM sessions").await, 7);
    let after = by_ext(&db.store, "0012345001").await;
    assert_eq!(after.id, before.id);
    assert_eq!(after.token, before.token, "the token survives re-imports");
    assert_eq!(after.fields.name.as_deref(), Some("Siti Aminah Putri"));
    // Cells left empty keep what was stored.
    assert_eq!(after.phone, before.phone);
    assert_eq!(after.birth_date, before.birth_date);
    assert_eq!(after.fields.extra, before.fields.extra);
    assert_eq!(
        by_ext(&db.store, "0012345099").await.timezone.as_deref(),
        Some("Asia/Jayapura")
    );
}

async fn batches_with_duplicates_and_many_rows(db: &Db) {
    // 1,234 rows cross two batch boundaries; id 7 appears again inside the first batch and
    // id 12 again in the third, which PostgreSQL would refuse inside one statement.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.csv");
    let mut w = csv::Writer::from_path(&path).unwrap();
    w.write_record(["nisn", "nama", "sekolah"]).unwrap();
    for i in 0..1234 {
        w.write_record([format!("{i:06}"), format!("Alumni {i}"), "SMK".into()])
            .unwrap();
    }
    w.write_record(["000007", "", "SMK Baru"]).unwrap(); // line 1236, a later batch
    w.write_record(["000012", "Dua Belas", ""]).unwrap();
    w.flush().unwrap();
    let r = import(db, &path, t0()).await;
    assert!(r.rejected.is_empty());
    assert_eq!(r.rows, 1236);
    assert_eq!((r.inserted, r.updated), (1234, 2));
    assert_eq!(r.enrolled, 1234);
    assert_eq!(
        r.warnings.iter().map(|w| w.line).collect::<Vec<_>>(),
        vec![1236, 1237]
    );
    assert_eq!(count(db, "SELECT COUNT(*) FROM respondents").await, 1234);
    let seven = by_ext(&db.store, "000007").await;
    assert_eq!(seven.fields.name.as_deref(), Some("Alumni 7"));
    assert_eq!(seven.fields.school.as_deref(), Some("SMK Baru"));
    assert_eq!(
        by_ext(&db.store, "000012").await.fields.name.as_deref(),
        Some("Dua Belas")
    );

    // Duplicates inside one batch are merged before the statement.
    let path = dir.path().join("dups.csv");
    std::fs::write(&path, "nisn;nama;no_hp\nX1;A;\nX1;;0812-1111-2222\nX1;C;\n").unwrap();
    let r = import(db, &path, t0()).await;
    assert_eq!((r.rows, r.loaded, r.inserted), (3, 1, 1));
    let x = by_ext(&db.store, "X1").await;
    assert_eq!(x.fields.name.as_deref(), Some("C"));
    assert_eq!(x.phone.as_deref(), Some("+6281211112222"));
}

/// What Ctrl-C (or a killed process) leaves is the batches committed before it: a prefix of
/// the file, each row with its session. The same file again completes the import: every
/// respondent once, one session each in the right language, the tokens (the links already
/// exported) unchanged, and the same rows as an import that was never interrupted.
async fn interrupted_import_is_completed_by_the_same_file(db: &Db) {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, rows: usize| {
        let path = dir.path().join(name);
        let mut w = csv::Writer::from_path(&path).unwrap();
        w.write_record(["nisn", "nama", "sekolah", "bahasa"])
            .unwrap();
        for i in 0..rows {
            let lang = if i % 3 == 0 { "en" } else { "id" };
            w.write_record([
                format!("{i:010}"),
                format!("Alumni {i}"),
                "SMK".into(),
                lang.into(),
            ])
            .unwrap();
        }
        w.flush().unwrap();
        path
    };
    let whole = write("whole.csv", 1300);
    // Ctrl-C before the first batch: nothing stored, and the import says so.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let opts = ImportOptions {
        enrol: Some(enrolment(&flow()).expect("enrolment")),
        progress: false,
        stop: Some(stop),
    };
    match import_file(&db.store, &whole, &opts, t0()).await {
        Err(jejak::roster::import::ImportError::Interrupted { loaded }) => assert_eq!(loaded, 0),
        other => panic!("expected an interrupted import, got {other:?}"),
    }
    assert_eq!(count(db, "SELECT COUNT(*) FROM respondents").await, 0);

    // The state a stop after the first batch leaves: its 500 rows, with their sessions.
    let first = import(db, &write("first.csv", 500), t0()).await;
    assert_eq!((first.loaded, first.enrolled), (500, 500));
    let token_before = by_ext(&db.store, "0000000007").await.token;
    let again = import(db, &whole, t0() + Duration::minutes(5)).await;
    assert!(again.rejected.is_empty(), "{:?}", again.rejected);
    assert_eq!(
        (again.loaded, again.inserted, again.updated, again.enrolled),
        (1300, 800, 500, 800)
    );
    if let Some(dir) = &db.dir {
        // On SQLite the import's WAL (checkpointed only now and then during the import) is
        // written into the database and truncated when the import ends, so the bot's next
        // commit does not inherit it.
        let wal = std::fs::metadata(dir.path().join("test.db-wal")).map_or(0, |m| m.len());
        assert_eq!(wal, 0, "the import's WAL is checkpointed at its end");
    }
    assert_eq!(count(db, "SELECT COUNT(*) FROM respondents").await, 1300);
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM sessions WHERE flow_id = 'tracer-smk' AND status = 'invited'"
        )
        .await,
        1300
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM (SELECT respondent_id FROM sessions \
             GROUP BY respondent_id HAVING COUNT(*) > 1) x"
        )
        .await,
        0,
        "nobody enrolled twice"
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM flow_progress WHERE flow_id = 'tracer-smk'"
        )
        .await,
        1300
    );
    // English speakers' sessions start in English (a third of the rows).
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM sessions s JOIN respondents r ON r.id = s.respondent_id \
             WHERE r.language = 'en' AND s.state LIKE '%\"en\"%'"
        )
        .await,
        434
    );
    assert_eq!(by_ext(&db.store, "0000000007").await.token, token_before);
    assert_eq!(
        by_ext(&db.store, "0000001299").await.fields.name.as_deref(),
        Some("Alumni 1299")
    );
}

/// The fixture as Excel on Windows writes it (CRLF line ends, inside the quoted two-line
/// address too): the same lines are reported as for the LF file.
async fn crlf_file_reports_the_same_lines(db: &Db) {
    let text = std::fs::read_to_string(fixture("alumni.csv")).unwrap();
    assert!(!text.contains('\r'), "the fixture itself has LF line ends");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alumni-windows.csv");
    std::fs::write(&path, text.replace('\n', "\r\n")).unwrap();
    let r = import(db, &path, t0()).await;
    let lines: Vec<u64> = r.rejected.iter().map(|i| i.line).collect();
    assert_eq!(lines, vec![5, 6, 7, 11, 12], "{:#?}", r.rejected);
    assert!(r.rejected[1].reasons.join("; ").contains("12ab"));
    assert_eq!(r.warnings.len(), 1);
    assert_eq!(r.warnings[0].line, 14);
    assert_eq!((r.rows, r.loaded), (11, 6));
    assert!(r.notices.is_empty(), "{:?}", r.notices);
    let dewi = by_ext(&db.store, "0012345008").await;
    assert_eq!(
        dewi.fields.extra.get("alamat").map(String::as_str),
        Some("Jl. Kenanga\nRT 02")
    );
}

/// Line numbers through blank lines, old-Mac CR line ends and a last line without a line
/// end, read without a database.
#[test]
fn csv_line_numbers_with_blank_lines_and_any_line_end() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lines.csv");
    for (ending, name) in [("\n", "LF"), ("\r\n", "CRLF"), ("\r", "CR")] {
        let text = ["nisn;nama", "", "1;A", "", "", "2;\"B", "B\"", "3;C"].join(ending);
        std::fs::write(&path, text).unwrap();
        let mut seen = Vec::new();
        jejak::roster::read::read_file(
            &path,
            |_| {},
            |row| {
                seen.push((row.line, row.cells.join("|")));
                true
            },
        )
        .unwrap();
        assert_eq!(
            seen,
            vec![
                (1, "nisn|nama".to_string()),
                (3, "1|A".to_string()),
                (6, "2|B\nB".to_string()),
                (8, "3|C".to_string()),
            ],
            "{name}"
        );
    }
}

/// An .xlsx saved (or renamed) as .csv: read as the workbook, and staff are told once, in
/// Indonesian by default.
async fn workbook_named_csv_loads_and_says_so_once(db: &Db) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("roster.csv");
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    for (c, h) in ["NISN", "Nama", "Provinsi"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "0099000001").unwrap();
    ws.write_string(1, 1, "Putu Ayu").unwrap();
    ws.write_string(1, 2, "Bali").unwrap();
    ws.write_string(2, 0, "0099000002").unwrap();
    ws.write_string(2, 1, "Kadek").unwrap();
    ws.write_string(2, 2, "Atlantis").unwrap();
    book.save(&path).unwrap();
    let r = import(db, &path, t0()).await;
    assert_eq!((r.rows, r.loaded, r.rejected.len()), (2, 2, 0), "{r:#?}");
    assert_eq!(r.notices.len(), 1, "{:?}", r.notices);
    assert!(
        r.notices[0].contains("buku kerja Excel (.xlsx)"),
        "{:?}",
        r.notices
    );
    assert_eq!(r.warnings.len(), 1);
    assert_eq!(r.warnings[0].line, 3);
    let putu = by_ext(&db.store, "0099000001").await;
    assert_eq!(putu.fields.name.as_deref(), Some("Putu Ayu"));
    assert_eq!(putu.timezone.as_deref(), Some("Asia/Makassar"));
}

/// A CSV saved by Excel in the Windows code page: every row loads, with its letters right,
/// not only the ASCII ones; staff are told once how the file was read.
async fn windows_1252_csv_loads_whole(db: &Db) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("roster.csv");
    let mut bytes = b"NISN;Nama;Alamat\r\n0098000001;Andi;Jl. Merdeka 1\r\n".to_vec();
    // "José Müller" and "Jl. Café 2 – Blok €" in Windows-1252 (0x96 is the en dash, 0x80 €).
    bytes.extend_from_slice(b"0098000002;Jos\xe9 M\xfcller;Jl. Caf\xe9 2 \x96 Blok \x80\r\n");
    bytes.extend_from_slice(b"0098000003;Ni Luh \xd1oman;\r\n");
    std::fs::write(&path, &bytes).unwrap();
    assert!(std::str::from_utf8(&bytes).is_err());
    let r = import(db, &path, t0()).await;
    assert_eq!((r.rows, r.loaded, r.rejected.len()), (3, 3, 0), "{r:#?}");
    assert_eq!(r.notices.len(), 1, "{:?}", r.notices);
    assert!(r.notices[0].contains("Windows-1252"), "{:?}", r.notices);
    let jose = by_ext(&db.store, "0098000002").await;
    assert_eq!(jose.fields.name.as_deref(), Some("José Müller"));
    assert_eq!(
        jose.fields.extra.get("alamat").map(String::as_str),
        Some("Jl. Café 2 – Blok €")
    );
    let luh = by_ext(&db.store, "0098000003").await;
    assert_eq!(luh.fields.name.as_deref(), Some("Ni Luh Ñoman"));
    // A UTF-8 file with the same letters is read as UTF-8 and says nothing.
    std::fs::write(&path, "NISN;Nama\n0098000004;José\n").unwrap();
    let r = import(db, &path, t0()).await;
    assert!(r.notices.is_empty(), "{:?}", r.notices);
    let j = by_ext(&db.store, "0098000004").await;
    assert_eq!(j.fields.name.as_deref(), Some("José"));
}

async fn xlsx_import(db: &Db) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("roster.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    for (c, h) in [
        "NIM",
        "Nama Lengkap",
        "Telepon",
        "Angkatan",
        "Program Studi",
        "Unit",
        "Province",
        "Timezone",
        "Language",
        "Birth Date",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    // Row 2: NIM typed as a number, cohort a number, birth date a real Excel date.
    ws.write_number(1, 0, 20231001.0).unwrap();
    ws.write_string(1, 1, "Made Wirawan").unwrap();
    ws.write_string(1, 2, "0813-3333-4444").unwrap();
    ws.write_number(1, 3, 2023.0).unwrap();
    ws.write_string(1, 4, "Teknik Informatika").unwrap();
    ws.write_string(1, 5, "Politeknik Bali").unwrap();
    ws.write_string(1, 6, "Bali").unwrap();
    ws.write_string(1, 8, "English").unwrap();
    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2001, 12, 24).unwrap();
    let fmt = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
    ws.write_datetime_with_format(1, 9, &date, &fmt).unwrap();
    // Row 3: bad phone. Row 4 empty. Row 5: IANA zone given.
    ws.write_string(2, 0, "20231002").unwrap();
    ws.write_string(2, 2, "tidak ada").unwrap();
    ws.write_string(4, 0, "20231003").unwrap();
    ws.write_string(4, 7, "asia/jayapura").unwrap();
    book.save(&path).unwrap();

    let r = import(db, &path, t0()).await;
    assert_eq!(
        r.rejected.iter().map(|i| i.line).collect::<Vec<_>>(),
        vec![3]
    );
    assert_eq!((r.rows, r.loaded), (3, 2));
    let made = by_ext(&db.store, "20231001").await;
    assert_eq!(made.fields.name.as_deref(), Some("Made Wirawan"));
    assert_eq!(made.fields.cohort.as_deref(), Some("2023"));
    assert_eq!(made.phone.as_deref(), Some("+6281333334444"));
    assert_eq!(made.timezone.as_deref(), Some("Asia/Makassar"));
    assert_eq!(made.language, Some(Lang::En));
    assert_eq!(made.birth_date, NaiveDate::from_ymd_opt(2001, 12, 24));
    assert_eq!(
        by_ext(&db.store, "20231003").await.timezone.as_deref(),
        Some("Asia/Jayapura")
    );
}

fn targets() -> LinkTargets {
    LinkTargets::new(Some("@jejak_tracer_bot"), Some("+62 811-2222-3333")).unwrap()
}

async fn invitations_csv_and_xlsx(db: &Db) {
    import(db, &fixture("alumni.csv"), t0()).await;
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("undangan.csv");
    let s = write_invitations(&db.store, "tracer-smk", &targets(), &csv_path, None, t0())
        .await
        .unwrap();
    assert_eq!(s.respondents, 6);
    let mut rd = csv::Reader::from_path(&csv_path).unwrap();
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header[0], "external_id");
    assert_eq!(header[7], "telegram_link");
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 6);
    for row in &rows {
        let r = by_ext(&db.store, &row[0]).await;
        assert_eq!(&row[6], r.token);
        assert_eq!(
            &row[7],
            format!("https://t.me/jejak_tracer_bot?start={}", r.token)
        );
        assert_eq!(
            &row[8],
            format!("https://wa.me/6281122223333?text=MULAI%20{}", r.token)
        );
    }
    assert_eq!(&rows[0][0], "0012345001", "leading zeros kept");
    assert_eq!(&rows[0][2], "+6281234567001");

    let xlsx_path = dir.path().join("undangan.xlsx");
    write_invitations(&db.store, "tracer-smk", &targets(), &xlsx_path, None, t0())
        .await
        .unwrap();
    use calamine::{Reader, Xlsx, open_workbook};
    let mut book: Xlsx<_> = open_workbook(&xlsx_path).unwrap();
    let range = book.worksheet_range("Undangan").unwrap();
    let cells: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(cells.len(), 7);
    assert_eq!(cells[0][8], "whatsapp_link");
    for (i, row) in rows.iter().enumerate() {
        let got: Vec<&str> = cells[i + 1].iter().map(String::as_str).collect();
        let want: Vec<&str> = row.iter().collect();
        assert_eq!(got, want);
    }
    // Exporting marks everyone invited for the flow.
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM roster_invites WHERE flow_id = 'tracer-smk'"
        )
        .await,
        6
    );
    let report = jejak::report::response::response_report(&db.store, "tracer-smk", None)
        .await
        .unwrap();
    assert_eq!((report.total.roster, report.total.invited), (6, 6));
    // Another flow's roster is empty: nobody listed, nobody marked.
    let other = dir.path().join("other.csv");
    let s = write_invitations(
        &db.store,
        "tracer-pelatihan",
        &targets(),
        &other,
        None,
        t0(),
    )
    .await
    .unwrap();
    assert_eq!(s.respondents, 0);
}

/// Decodes a QR code written by `qr_svg` back to its text.
fn decode(svg: &str) -> String {
    let (img, side) = svg_modules(svg, 6).expect("well-formed SVG");
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| img[y * side + x]);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the picture");
    let (_meta, content) = grids[0].decode().expect("decodes");
    content
}

async fn qr_codes_decode_to_the_links(db: &Db) {
    import(db, &fixture("alumni.csv"), t0()).await;
    let dir = tempfile::tempdir().unwrap();
    let qr = dir.path().join("qr");
    let s = write_invitations(
        &db.store,
        "tracer-smk",
        &targets(),
        &dir.path().join("u.csv"),
        Some(&qr),
        t0(),
    )
    .await
    .unwrap();
    // Two links per respondent plus the two open links.
    assert_eq!(s.qr_files, 14);
    assert_eq!(std::fs::read_dir(&qr).unwrap().count(), 14);
    let siti = by_ext(&db.store, "0012345001").await;
    let svg = std::fs::read_to_string(qr.join("0012345001-telegram.svg")).unwrap();
    assert!(svg.starts_with("<?xml") && svg.trim_end().ends_with("</svg>"));
    assert_eq!(
        decode(&svg),
        format!("https://t.me/jejak_tracer_bot?start={}", siti.token)
    );
    let svg = std::fs::read_to_string(qr.join("0012345001-whatsapp.svg")).unwrap();
    assert_eq!(
        decode(&svg),
        format!("https://wa.me/6281122223333?text=MULAI%20{}", siti.token)
    );
    let open = std::fs::read_to_string(qr.join("open-telegram.svg")).unwrap();
    assert_eq!(decode(&open), "https://t.me/jejak_tracer_bot");
    assert_eq!(decode(&qr_svg("MULAI").unwrap()), "MULAI");
}

async fn identity_check_success_wrong_and_lockout(db: &Db) {
    import(db, &fixture("alumni.csv"), t0()).await;
    let siti = by_ext(&db.store, "0012345001").await;
    let policy = Policy {
        max_attempts: 3,
        window: Duration::hours(1),
        lockout: Duration::minutes(30),
    };
    let now = t0();
    let v = |addr: &'static str, ext: &'static str, date: &'static str, at: DateTime<Utc>| {
        let store = db.store.clone();
        async move {
            verify(&store, &policy, "telegram", addr, None, ext, date, at)
                .await
                .unwrap()
        }
    };
    // Right id and date, in any date spelling the bot understands.
    assert_eq!(
        v("100", "0012345001", "17 Agustus 2006", now).await,
        Verification::Verified(siti.id)
    );
    assert_eq!(
        v("101", " 0012345001 ", "2006-08-17", now).await,
        Verification::Verified(siti.id)
    );
    // Wrong date, unknown id, unreadable date, a respondent without a birth date: failures.
    assert_eq!(
        v("200", "0012345001", "18-08-2006", now).await,
        Verification::Wrong { attempts_left: 2 }
    );
    assert_eq!(
        v("200", "9999999999", "17-08-2006", now).await,
        Verification::Wrong { attempts_left: 1 }
    );
    let locked = v("200", "0012345001", "kemarin", now).await;
    assert_eq!(
        locked,
        Verification::Locked {
            until: now + Duration::minutes(30)
        }
    );
    // While locked even the right answer is refused, and the lock-out is stored: a second
    // store (another worker) sees it.
    let later = now + Duration::minutes(29);
    assert!(matches!(
        v("200", "0012345001", "17-08-2006", later).await,
        Verification::Locked { .. }
    ));
    let other = Store::connect(&db.url).await.unwrap();
    assert!(matches!(
        verify(
            &other,
            &policy,
            "telegram",
            "200",
            None,
            "0012345001",
            "17-08-2006",
            later
        )
        .await
        .unwrap(),
        Verification::Locked { .. }
    ));
    other.close().await;
    // Other addresses and channels are unaffected.
    assert_eq!(
        v("201", "0012345012", "01-01-2000", now).await,
        Verification::Wrong { attempts_left: 2 }
    );
    // After the lock-out the count starts afresh, and a success clears it.
    let after = now + Duration::minutes(31);
    assert_eq!(
        v("200", "0012345001", "1-1-2000", after).await,
        Verification::Wrong { attempts_left: 2 }
    );
    assert_eq!(
        v("200", "0012345001", "17/08/2006", after).await,
        Verification::Verified(siti.id)
    );
    assert_eq!(
        db.store
            .roster()
            .identity_attempts("telegram", "200")
            .await
            .unwrap(),
        None
    );
    // A wrong claim delivered twice (the same platform message id) costs one attempt; the
    // next message costs the next.
    let wrong = |message: &'static str| {
        let store = db.store.clone();
        async move {
            verify(
                &store,
                &policy,
                "telegram",
                "400",
                Some(message),
                "x",
                "1-1-2000",
                now,
            )
            .await
            .unwrap()
        }
    };
    assert_eq!(wrong("u1").await, Verification::Wrong { attempts_left: 2 });
    assert_eq!(wrong("u1").await, Verification::Wrong { attempts_left: 2 });
    assert_eq!(wrong("u2").await, Verification::Wrong { attempts_left: 1 });
    assert_eq!(
        db.store
            .roster()
            .identity_attempts("telegram", "400")
            .await
            .unwrap()
            .map(|a| a.failures),
        Some(2)
    );
    // Old failures outside the window are forgotten.
    assert_eq!(
        v("300", "x", "1-1-2000", now).await,
        Verification::Wrong { attempts_left: 2 }
    );
    assert_eq!(
        v("300", "x", "1-1-2000", now).await,
        Verification::Wrong { attempts_left: 1 }
    );
    assert_eq!(
        v("300", "x", "1-1-2000", now + Duration::hours(2)).await,
        Verification::Wrong { attempts_left: 2 }
    );
}

// ---------------------------------------------------------------------------------------------
// The real binary
// ---------------------------------------------------------------------------------------------

struct Cli {
    data: tempfile::TempDir,
}

impl Cli {
    fn new() -> Cli {
        Cli {
            data: tempfile::tempdir().unwrap(),
        }
    }

    /// Runs jejak with no language in the environment: the staff default, Indonesian.
    fn run(&self, args: &[&str]) -> std::process::Output {
        self.run_env(args, &[])
    }

    /// Runs jejak with these environment variables set (after clearing the language ones).
    fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_jejak"));
        c.args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("JEJAK_DATA_DIR", self.data.path())
            .env("JEJAK_CONFIG", self.data.path().join("none.toml"))
            .env_remove("DATABASE_URL")
            .env_remove("TELEGRAM_BOT_USERNAME")
            .env_remove("WHATSAPP_BUSINESS_NUMBER")
            .env_remove("LANG")
            .env_remove("LC_ALL")
            .env_remove("JEJAK_LANG");
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().expect("run jejak")
    }

    fn path(&self, name: &str) -> String {
        self.data.path().join(name).display().to_string()
    }
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `wave add --at` a time that has passed would remind everyone at once: refused, in
/// Indonesian by default, pointing at `--now`; `--now` is the explicit way; a future time
/// is added as before.
#[test]
fn cli_wave_add_refuses_a_past_time_unless_now() {
    let cli = Cli::new();
    let add = |when: &[&str]| {
        let mut args = vec![
            "wave",
            "add",
            "--flow",
            "flows/tracer-smk.yaml",
            "--message",
            "reminder-1",
        ];
        args.extend_from_slice(when);
        cli.run(&args)
    };
    let o = add(&["--at", "2020-01-01 09:00"]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains("2020-01-01 09:00 sudah lewat") && err.contains("--now"),
        "{err}"
    );
    let o = cli.run_env(
        &[
            "wave",
            "add",
            "--flow",
            "flows/tracer-smk.yaml",
            "--message",
            "reminder-1",
            "--at",
            "2020-01-01 09:00",
        ],
        &[("JEJAK_LANG", "en")],
    );
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(err.contains("2020-01-01 09:00 has already passed"), "{err}");
    let o = cli.run(&["wave", "list"]);
    assert!(stdout(&o).contains("belum ada gelombang"), "{}", stdout(&o));

    let o = add(&["--now"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        stdout(&o).contains("gelombang 1 ditambahkan"),
        "{}",
        stdout(&o)
    );
    let o = add(&["--at", "2999-01-01 09:00"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = add(&["--now", "--at", "2999-01-01 09:00"]);
    assert!(!o.status.success(), "--now and --at together are refused");
    let list = stdout(&cli.run(&["wave", "list"]));
    assert_eq!(list.lines().count(), 2, "{list}");
}

#[test]
fn cli_import_invite_report_export_end_to_end() {
    let cli = Cli::new();
    let roster = fixture("alumni.csv").display().to_string();
    let o = cli.run(&[
        "roster",
        "import",
        &roster,
        "--flow",
        "flows/tracer-smk.yaml",
    ]);
    let out = stdout(&o);
    assert_eq!(
        o.status.code(),
        Some(1),
        "rejected rows give exit code 1: {out}"
    );
    assert!(
        out.contains("11 baris dibaca: 6 dimuat (6 baru, 0 diperbarui), 5 ditolak"),
        "{out}"
    );
    for line in [5, 6, 7, 11, 12] {
        assert!(out.contains(&format!("baris {line}: ditolak")), "{out}");
    }
    assert!(
        out.contains("baris 6: ditolak: no_hp: \"12ab\" bukan nomor HP"),
        "{out}"
    );
    assert!(out.contains("baris 14: perhatian"), "{out}");

    // No link target configured: a clear error.
    let o = cli.run(&[
        "invite",
        "--flow",
        "tracer-smk",
        "--out",
        &cli.path("u.csv"),
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("bot_username"));
    // Config through the config file.
    std::fs::write(
        cli.data.path().join("none.toml"),
        "[telegram]\nbot_username = \"jejak_tracer_bot\"\n[whatsapp]\nbusiness_number = \"+6281122223333\"\n",
    )
    .unwrap();
    let o = cli.run(&[
        "invite",
        "--flow",
        "tracer-smk",
        "--out",
        &cli.path("u.xlsx"),
        "--qr",
        &cli.path("qr"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        stdout(&o).contains("6 undangan ditulis ke"),
        "{}",
        stdout(&o)
    );
    assert!(Path::new(&cli.path("qr/open-whatsapp.svg")).exists());
    let o = cli.run(&[
        "invite",
        "--flow",
        "tracer-smk",
        "--out",
        &cli.path("u.csv"),
        "--bot-username",
        "other_bot",
    ]);
    assert!(o.status.success());
    let text = std::fs::read_to_string(cli.path("u.csv")).unwrap();
    assert!(
        text.contains("https://t.me/other_bot?start="),
        "flag beats the file"
    );

    let o = cli.run(&[
        "report",
        "--flow",
        "tracer-smk",
        "--format",
        "csv",
        "--by",
        "school",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = stdout(&o);
    let mut rd = csv::Reader::from_reader(out.as_bytes());
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(&rd.headers().unwrap()[4], "Selesai");
    let total = rows.last().unwrap();
    assert_eq!(&total[0], "TOTAL");
    assert_eq!(
        (&total[1], &total[2], &total[3], &total[4]),
        ("6", "6", "0", "0")
    );
    assert_eq!(rows.len(), 5, "four schools and the total: {out}");
    let o = cli.run(&["report", "--flow", "tracer-smk"]);
    assert!(stdout(&o).contains("Respons kotor"), "{}", stdout(&o));
    let o = cli.run(&[
        "report",
        "--flow",
        "tracer-smk",
        "--format",
        "xlsx",
        "--out",
        &cli.path("r.xlsx"),
    ]);
    assert!(o.status.success());
    assert!(Path::new(&cli.path("r.xlsx")).exists());
    let o = cli.run(&["report", "--help"]);
    assert!(
        stdout(&o).contains("Respons bersih   Selesai / Terjangkau"),
        "{}",
        stdout(&o)
    );

    // Export as XLSX: one row per session, NISN kept as text.
    let o = cli.run(&[
        "export",
        "--flow",
        "flows/tracer-smk.yaml",
        "--format",
        "xlsx",
        "--out",
        &cli.path("e.xlsx"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("6 responden dari survei `tracer-smk` diekspor"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    use calamine::{Reader, Xlsx, open_workbook};
    let mut book: Xlsx<_> = open_workbook(cli.path("e.xlsx")).unwrap();
    let range = book.worksheet_range("Jawaban").unwrap();
    assert_eq!(range.height(), 7);
    let ids: Vec<String> = range.rows().skip(1).map(|r| r[1].to_string()).collect();
    assert!(ids.contains(&"0012345001".to_string()), "{ids:?}");

    // Importing again through the CLI updates, exit code still 1 for the same bad rows.
    let o = cli.run(&["roster", "import", &roster, "--flow", "tracer-smk"]);
    assert!(
        stdout(&o).contains("6 dimuat (0 baru, 6 diperbarui)"),
        "{}",
        stdout(&o)
    );
}

/// `--lang en`, `JEJAK_LANG=en` and `LANG=en_US.UTF-8` give English; `--lang` beats the
/// environment; with nothing set, Indonesian.
#[test]
fn cli_language_follows_flag_then_environment() {
    let cli = Cli::new();
    let roster = fixture("alumni.csv").display().to_string();
    let import = ["roster", "import", roster.as_str(), "--flow", "tracer-smk"];
    let o = cli.run_env(&import, &[("LANG", "en_US.UTF-8")]);
    let out = stdout(&o);
    assert!(
        out.contains("11 row(s) read: 6 loaded (6 new, 0 updated), 5 rejected"),
        "{out}"
    );
    assert!(
        out.contains("line 6: rejected: no_hp: \"12ab\" is not a phone number"),
        "{out}"
    );
    assert!(out.contains("line 14: warning"), "{out}");

    let report = |env: &[(&str, &str)], flag: Option<&str>| {
        let mut args = vec!["report", "--flow", "tracer-smk", "--format", "csv"];
        if let Some(l) = flag {
            args.extend(["--lang", l]);
        }
        let o = cli.run_env(&args, env);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        stdout(&o).lines().next().unwrap_or_default().to_string()
    };
    let english = "group,roster,invited,started,completed,opted_out,unreachable,reachable,\
                   gross_rate,net_rate,after_none";
    let indonesian = "Kelompok,Roster,Diundang,Mulai,Selesai,Menolak,Tak terjangkau,\
                      Terjangkau,Respons kotor,Respons bersih,Tanpa gelombang";
    assert_eq!(report(&[], None), indonesian);
    assert_eq!(report(&[], Some("en")), english);
    assert_eq!(report(&[("LANG", "en_US.UTF-8")], None), english);
    assert_eq!(report(&[("JEJAK_LANG", "en")], None), english);
    assert_eq!(report(&[("LANG", "C.UTF-8")], None), indonesian);
    assert_eq!(report(&[("LANG", "en_US.UTF-8")], Some("id")), indonesian);

    // The table a teacher reads.
    let o = cli.run(&["report", "--flow", "tracer-smk"]);
    let out = stdout(&o);
    assert!(out.contains("Roster") && out.contains("Selesai"), "{out}");
    let o = cli.run(&["--lang", "en", "report", "--flow", "tracer-smk"]);
    assert!(stdout(&o).contains("gross_rate"), "{}", stdout(&o));

    // The definitions after `report --help` follow the language too.
    let o = cli.run_env(&["report", "--help"], &[("LANG", "en_US.UTF-8")]);
    assert!(
        stdout(&o).contains("net_rate     completed / reachable"),
        "{}",
        stdout(&o)
    );
    let o = cli.run(&["report", "--lang=en", "--help"]);
    assert!(stdout(&o).contains("Definitions:"), "{}", stdout(&o));

    // Errors that are ours: the first words a teacher reads are in their language.
    let o = cli.run(&["export", "--flow", "no-such-flow"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("jejak: tidak ada berkas survei `no-such-flow`"),
        "{err}"
    );
    let o = cli.run(&["--lang", "en", "export", "--flow", "no-such-flow"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("jejak: no flow file `no-such-flow`"),
        "{err}"
    );
    let o = cli.run(&["report", "--flow", "tracer-smk", "--format", "xlsx"]);
    assert_eq!(
        String::from_utf8_lossy(&o.stderr).trim(),
        "jejak: --format xlsx perlu --out BERKAS.xlsx"
    );
    let missing = cli.path("hilang.csv");
    let o = cli.run(&["roster", "import", &missing, "--flow", "tracer-smk"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err.starts_with(&format!(
            "jejak: Roster {missing} tidak bisa diimpor: {missing} tidak bisa dibaca"
        )),
        "{err}"
    );
}

#[test]
fn cli_import_of_a_file_without_external_id_fails_clearly() {
    let cli = Cli::new();
    let path = cli.path("bad.csv");
    std::fs::write(&path, "nama,no_hp\nSiti,0812-3456-7001\n").unwrap();
    let o = cli.run(&["roster", "import", &path, "--flow", "flows/tracer-smk.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("baris 1: tidak ada kolom NISN/NIM") && err.contains("nisn"),
        "{err}"
    );
    let o = cli.run(&[
        "--lang",
        "en",
        "roster",
        "import",
        &path,
        "--flow",
        "flows/tracer-smk.yaml",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("line 1: no external id column") && err.contains("nisn"),
        "{err}"
    );
}
