//! `jejak roster import`, `jejak invite`, `jejak report`, `jejak bench roster`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;
use chrono::Utc;

use crate::cli::bench::{peak_rss, peak_rss_bytes};
use crate::config::FileConfig;
use crate::i18n::staff_text;
use crate::model::Lang;
use crate::report::response::{GroupBy, response_report};
use crate::roster::import::{ImportOptions, ImportReport, enrolment, import_file, import_file_in};
use crate::roster::invite::{InviteError, LinkTargets, write_invitations};
use crate::roster::row::quoted;
use crate::store::Store;

/// Help text of `jejak report` in `lang`: what each column means, and how to switch language.
pub fn report_help(lang: Lang) -> String {
    staff_text(lang, "cli-report-help", &[])
}

/// The config file the CLI reads (`JEJAK_CONFIG`, default `jejak.toml`).
fn file_config() -> anyhow::Result<FileConfig> {
    FileConfig::read(Path::new(
        &std::env::var("JEJAK_CONFIG").unwrap_or_else(|_| "jejak.toml".into()),
    ))
}

/// A flow id from a `--flow` argument: a flow file's id when the argument is a file path,
/// else the argument itself (invite and report work without the flow file).
fn flow_id_of(arg: &str, lang: Lang) -> anyhow::Result<String> {
    if Path::new(arg).is_file() {
        return Ok(crate::flow::load(Path::new(arg))
            .with_context(|| staff_text(lang, "cli-err-flow-invalid", &[("path", arg)]))?
            .id);
    }
    Ok(arg.to_string())
}

/// Prints what an import did, in `lang`: notices about the file, totals, then every
/// rejected row with its line and reasons.
pub fn print_import_report(
    r: &ImportReport,
    mut out: impl std::io::Write,
    lang: Lang,
) -> std::io::Result<()> {
    let summary = staff_text(
        lang,
        "cli-import-summary",
        &[
            ("rows", &r.rows.to_string()),
            ("loaded", &r.loaded.to_string()),
            ("new", &r.inserted.to_string()),
            ("updated", &r.updated.to_string()),
            ("rejected", &r.rejected.len().to_string()),
            ("enrolled", &r.enrolled.to_string()),
        ],
    );
    for notice in &r.notices {
        writeln!(out, "{notice}")?;
    }
    writeln!(out, "{summary}")?;
    for (id, issues) in [
        ("cli-import-rejected", &r.rejected),
        ("cli-import-warning", &r.warnings),
    ] {
        for i in issues {
            let line = staff_text(
                lang,
                id,
                &[
                    ("line", &i.line.to_string()),
                    ("reasons", &i.reasons.join("; ")),
                ],
            );
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}

/// `jejak roster import FILE --flow ID`. Exit code 0 when every row loaded, 1 when some
/// rows were rejected (the good ones are stored); 2 on errors.
pub async fn import(store: &Store, file: &Path, flow: &str, lang: Lang) -> anyhow::Result<i32> {
    let flow = super::resolve_flow_in(flow, lang)?;
    let flow = super::remember_flow(store, flow, lang).await?;
    // Ctrl-C stops the import between two batches (the batch being written commits first),
    // so what is stored is a prefix of the file that the same command completes; a second
    // Ctrl-C exits at once, which is as safe (the open batch's transaction rolls back).
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stop.clone();
    let watcher = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            flag.store(true, std::sync::atomic::Ordering::Relaxed);
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
    let opts = ImportOptions {
        enrol: Some(enrolment(&flow)?),
        progress: true,
        stop: Some(stop),
    };
    let started = Instant::now();
    let result = import_file_in(store, file, &opts, Utc::now(), lang).await;
    watcher.abort();
    let report = match result {
        Ok(r) => r,
        // The teacher's words first; the English chain of a database error after them.
        Err(e) => {
            let what = staff_text(
                lang,
                "cli-import-failed",
                &[("file", &file.display().to_string())],
            );
            anyhow::bail!("{what}: {}", e.text(lang));
        }
    };
    print_import_report(&report, std::io::stdout().lock(), lang)?;
    let secs = format!("{:.1}", started.elapsed().as_secs_f64());
    eprintln!(
        "{}",
        staff_text(lang, "cli-import-took", &[("secs", &secs)])
    );
    Ok(if report.rejected.is_empty() { 0 } else { 1 })
}

/// An invitation error as staff read it, in `lang`.
fn invite_error_text(e: &InviteError, lang: Lang) -> String {
    match e {
        InviteError::NoTarget => staff_text(lang, "cli-invite-no-target", &[]),
        InviteError::BadUsername(u) => {
            staff_text(lang, "cli-invite-bad-username", &[("value", &quoted(u))])
        }
        InviteError::BadNumber(n) => {
            staff_text(lang, "cli-invite-bad-number", &[("value", &quoted(n))])
        }
        InviteError::UnknownType(p) => staff_text(lang, "cli-invite-unknown-type", &[("path", p)]),
        other => format!("{}: {other}", staff_text(lang, "cli-invite-failed", &[])),
    }
}

/// The link targets given on the command line (or by their environment variables); each
/// falls back to `jejak.toml`.
#[derive(Debug, Clone, Default)]
pub struct LinkFlags {
    /// `--bot-username` / `TELEGRAM_BOT_USERNAME`.
    pub bot_username: Option<String>,
    /// `--whatsapp-number` / `WHATSAPP_BUSINESS_NUMBER`.
    pub whatsapp_number: Option<String>,
    /// `--public-url` / `JEJAK_PUBLIC_URL`.
    pub public_url: Option<String>,
}

/// `jejak invite --flow ID --out FILE [--qr DIR]`.
pub async fn invite(
    store: &Store,
    flow: &str,
    out: &Path,
    qr: Option<&Path>,
    flags: LinkFlags,
    lang: Lang,
) -> anyhow::Result<i32> {
    let cfg = file_config()?;
    let bot = flags
        .bot_username
        .or(cfg.telegram.and_then(|t| t.bot_username));
    let wa = flags
        .whatsapp_number
        .or(cfg.whatsapp.and_then(|w| w.business_number));
    let web = flags.public_url.or(cfg.server.and_then(|s| s.public_url));
    let links = LinkTargets::with_web(bot.as_deref(), wa.as_deref(), web.as_deref())
        .map_err(|e| anyhow::anyhow!(invite_error_text(&e, lang)))?;
    let flow_id = flow_id_of(flow, lang)?;
    let s = write_invitations(store, &flow_id, &links, out, qr, Utc::now())
        .await
        .map_err(|e| anyhow::anyhow!(invite_error_text(&e, lang)))?;
    if s.respondents == 0 {
        eprintln!(
            "{}",
            staff_text(lang, "cli-invite-none", &[("flow", &flow_id)])
        );
    }
    let n = s.respondents.to_string();
    let out = out.display().to_string();
    let text = match qr {
        None => staff_text(lang, "cli-invite-wrote", &[("n", &n), ("out", &out)]),
        Some(d) => staff_text(
            lang,
            "cli-invite-wrote-qr",
            &[
                ("n", &n),
                ("out", &out),
                ("qr", &s.qr_files.to_string()),
                ("dir", &d.display().to_string()),
            ],
        ),
    };
    println!("{text}");
    Ok(0)
}

/// `jejak report --flow ID [--by …] [--format …] [--out FILE]`, in `lang`.
pub async fn report(
    store: &Store,
    flow: &str,
    by: Option<&str>,
    format: &str,
    out: Option<&Path>,
    lang: Lang,
) -> anyhow::Result<i32> {
    let by = match by {
        None => None,
        Some(b) => {
            Some(GroupBy::parse(b).with_context(|| staff_text(lang, "cli-err-by", &[("by", b)]))?)
        }
    };
    let flow_id = flow_id_of(flow, lang)?;
    let report = response_report(store, &flow_id, by)
        .await
        .with_context(|| staff_text(lang, "cli-err-report", &[("flow", &flow_id)]))?;
    let created = |p: &Path| {
        staff_text(
            lang,
            "cli-err-create",
            &[("path", &p.display().to_string())],
        )
    };
    let sink = |out: Option<&Path>| -> anyhow::Result<Box<dyn std::io::Write>> {
        Ok(match out {
            Some(p) => Box::new(std::io::BufWriter::new(
                std::fs::File::create(p).with_context(|| created(p))?,
            )),
            None => Box::new(std::io::stdout().lock()),
        })
    };
    match format {
        "table" => report.write_table(sink(out)?, lang)?,
        "csv" => report.write_csv(sink(out)?, lang)?,
        "xlsx" => {
            let path = out.with_context(|| staff_text(lang, "cli-export-xlsx-needs-out", &[]))?;
            crate::report::xlsx::write_report(&report, path, lang).with_context(|| {
                staff_text(
                    lang,
                    "cli-err-write",
                    &[("path", &path.display().to_string())],
                )
            })?;
        }
        other => anyhow::bail!(staff_text(lang, "cli-err-format", &[("format", other)])),
    }
    Ok(0)
}

/// Writes a synthetic roster of `rows` rows with Indonesian headers: realistic cells (NISN
/// with leading zeros, phones in local form, dates day first, provinces in all three zones).
pub fn synthetic_roster(path: &Path, rows: usize) -> anyhow::Result<()> {
    const PROVINCES: [&str; 6] = [
        "Jawa Barat",
        "DKI Jakarta",
        "Sulawesi Selatan",
        "Bali",
        "Papua",
        "Maluku Utara",
    ];
    const PROGRAMMES: [&str; 4] = [
        "Teknik Komputer dan Jaringan",
        "Akuntansi",
        "Tata Boga",
        "Teknik Kendaraan Ringan",
    ];
    let header: Vec<String> = [
        "NISN",
        "Nama",
        "No HP",
        "Email",
        "Tahun Lulus",
        "Kompetensi Keahlian",
        "Sekolah",
        "Provinsi",
        "Bahasa",
        "Tanggal Lahir",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let row = |i: usize| -> Vec<String> {
        vec![
            format!("{:010}", i + 1),
            format!("Alumni {i}"),
            format!("0812{:08}", i),
            format!("alumni{i}@contoh.sch.id"),
            format!("{}", 2021 + i % 4),
            PROGRAMMES[i % PROGRAMMES.len()].to_string(),
            format!("SMK Negeri {} Contoh", 1 + i % 50),
            PROVINCES[i % PROVINCES.len()].to_string(),
            if i.is_multiple_of(10) { "en" } else { "id" }.to_string(),
            format!("{:02}-{:02}-{}", 1 + i % 28, 1 + i % 12, 2000 + i % 6),
        ]
    };
    let is_xlsx = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    if is_xlsx {
        let mut book = rust_xlsxwriter::Workbook::new();
        let ws = book.add_worksheet_with_constant_memory()?;
        for (c, h) in header.iter().enumerate() {
            ws.write_string(0, c as u16, h)?;
        }
        for i in 0..rows {
            for (c, v) in row(i).iter().enumerate() {
                ws.write_string(i as u32 + 1, c as u16, v)?;
            }
        }
        book.save(path)?;
    } else {
        let mut w = csv::Writer::from_path(path)?;
        w.write_record(&header)?;
        for i in 0..rows {
            w.write_record(row(i))?;
        }
        w.flush()?;
    }
    Ok(())
}

/// `jejak bench roster`: generates a roster of `rows` rows (CSV or XLSX) and imports it into
/// a fresh database twice (first load, then the same file again: all updates), printing
/// rows/s and peak RSS. SQLite in a temporary directory unless `database_url` is given; a
/// PostgreSQL URL gets a fresh schema, dropped afterwards.
///
/// Fails when the process's peak memory passed `max_peak` bytes. The temporary directory and
/// the PostgreSQL schema are removed whether the benchmark succeeds or fails half-way.
pub async fn bench(
    rows: usize,
    format: &str,
    flow: &Path,
    database_url: Option<&str>,
    max_peak: u64,
) -> anyhow::Result<()> {
    // The flow first: a wrong path fails before a minute of generating rows.
    let flow = crate::flow::load(flow)?;
    let dir = tempfile_dir()?;
    let mut schema = None;
    let outcome = bench_in(&dir, rows, format, &flow, database_url, &mut schema).await;
    if let Some((url, schema)) = schema {
        let dropped = pg_admin(&url, format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).await;
        if outcome.is_ok() {
            dropped.context("dropping the benchmark schema")?;
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    outcome?;
    // A memory target, not a timing: the same on a loaded machine as on a quiet one.
    if let Some(peak) = peak_rss_bytes() {
        anyhow::ensure!(
            peak <= max_peak,
            "peak memory {:.1} MB is over the limit of {:.0} MB",
            peak as f64 / 1e6,
            max_peak as f64 / 1e6
        );
    }
    Ok(())
}

/// [`bench`] inside `dir`; records the PostgreSQL schema it creates in `schema` (server URL,
/// schema name) for [`bench`] to drop.
async fn bench_in(
    dir: &Path,
    rows: usize,
    format: &str,
    flow: &crate::flow::Flow,
    database_url: Option<&str>,
    schema: &mut Option<(String, String)>,
) -> anyhow::Result<()> {
    let file: PathBuf = dir.join(format!("roster.{format}"));
    let t = Instant::now();
    synthetic_roster(&file, rows)?;
    let size = std::fs::metadata(&file)?.len();
    println!(
        "generated {rows} rows ({:.1} MB {format}) in {:.1} s",
        size as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    let store = match database_url {
        None => Store::connect(&format!("sqlite:{}", dir.join("bench.db").display())).await?,
        Some(url) => {
            let name = format!("jejak_bench_roster_{}", std::process::id());
            pg_admin(url, format!("CREATE SCHEMA {name}"))
                .await
                .context("creating the benchmark schema")?;
            *schema = Some((url.to_string(), name.clone()));
            let sep = if url.contains('?') { '&' } else { '?' };
            Store::connect(&format!("{url}{sep}options=-c%20search_path%3D{name}")).await?
        }
    };
    println!("database: {}", store.backend());
    let opts = ImportOptions {
        enrol: Some(enrolment(flow)?),
        progress: false,
        ..Default::default()
    };
    for pass in ["first import (inserts)", "re-import (updates)"] {
        let t = Instant::now();
        let r = import_file(&store, &file, &opts, Utc::now()).await?;
        let secs = t.elapsed().as_secs_f64();
        anyhow::ensure!(
            r.loaded == rows && r.rejected.is_empty(),
            "expected {rows} rows loaded, got {} ({} rejected)",
            r.loaded,
            r.rejected.len()
        );
        println!(
            "{pass}: {} rows in {secs:.2} s = {:.0} rows/s ({} new, {} updated, {} enrolled); \
             peak RSS so far {}",
            r.loaded,
            r.loaded as f64 / secs,
            r.inserted,
            r.updated,
            r.enrolled,
            peak_rss()
        );
    }
    let t = Instant::now();
    let report = response_report(&store, &flow.id, Some(GroupBy::School)).await?;
    println!(
        "report by school over {} respondents: {:.2} s",
        report.total.roster,
        t.elapsed().as_secs_f64()
    );
    println!("peak RSS after the report: {}", peak_rss());
    std::io::stdout().flush()?;
    store.close().await;
    Ok(())
}

/// Runs one statement on a PostgreSQL server outside any schema (creating and dropping the
/// benchmark's schema).
async fn pg_admin(url: &str, sql: String) -> anyhow::Result<()> {
    use sqlx::Connection as _;
    let mut admin = sqlx::PgConnection::connect(url)
        .await
        .context("connecting to PostgreSQL")?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&mut admin)
        .await?;
    admin.close().await?;
    Ok(())
}

/// A fresh temporary directory for the benchmark's files.
fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "jejak-bench-roster-{}-{}",
        std::process::id(),
        Utc::now().timestamp_millis()
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
