//! `cargo bench --bench export`: the national-scale outputs at 1,500,000 respondents: the
//! response report, the answers export (CSV, CSV for Excel, XLSX) and the invitation sheet
//! (CSV, XLSX), each timed and with the process's peak resident memory while it ran.
//!
//! The data is built first (untimed): the roster of `benches/waves.rs` (`support/bulk.rs`),
//! every respondent with a session of `tracer-smk`, a tenth completed with the answers of a
//! real SMK transcript (replayed through the engine), the others with its first five
//! answers; one respondent in seven has an extra roster column.
//!
//! Options (environment): `EXPORT_BENCH_RESPONDENTS` (default 1500000), `DATABASE_URL` (a
//! PostgreSQL URL runs against a fresh schema of it, dropped afterwards; default a temporary
//! SQLite file), `EXPORT_BENCH_ONLY` (a comma-separated subset of `report`, `csv`,
//! `csv-excel`, `xlsx`, `invite-csv`, `invite-xlsx`).

#[path = "support/bulk.rs"]
mod bulk;
#[path = "support/common.rs"]
mod common;

/// The same allocator as the `jejak` binary, so the numbers are the product's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::Path;
use std::time::Instant;

use chrono::Utc;
use jejak::cli::bench::{BenchDb, load};
use jejak::engine::{self, Context, SessionState};
use jejak::i18n::Catalog;
use jejak::model::AnswerChange;
use jejak::report::export::{self, CsvDialect};
use jejak::report::response::{GroupBy, response_report};
use jejak::roster::invite::{LinkTargets, write_invitations};
use jejak::store::Scope;
use sqlx::Connection as _;

/// How many answers the sessions still answering have.
const OPEN_ANSWERS: i64 = 5;

/// The answers one completed SMK transcript stores, in order: (code, iteration, raw, value
/// as stored JSON).
fn transcript_answers() -> anyhow::Result<Vec<(String, i64, String, String)>> {
    let catalog = Catalog::embedded()?;
    let (flow, scripts) = load(Path::new("flows/tracer-smk.yaml"), &catalog)?;
    // The script with the most answers: the longest path through the flow.
    let script = scripts
        .iter()
        .max_by_key(|s| s.answers)
        .ok_or_else(|| anyhow::anyhow!("no transcripts"))?;
    let cx = Context {
        flow: &flow,
        catalog: &catalog,
        respondent: &script.fields,
    };
    let mut state = SessionState::invited(script.lang);
    let mut answers: Vec<(String, i64, String, String)> = Vec::new();
    for input in &script.inputs {
        let out = engine::step(&cx, state, input, script.now);
        for a in out.answers {
            if let AnswerChange::Set { key, raw, value } = a {
                answers.retain(|(c, i, _, _)| !(*c == key.code && *i == i64::from(key.iteration)));
                answers.push((
                    key.code,
                    i64::from(key.iteration),
                    raw,
                    serde_json::to_string(&value)?,
                ));
            }
        }
        state = out.state;
    }
    Ok(answers)
}

/// Gives every session answers: the completed ones all of `template`, the others its first
/// [`OPEN_ANSWERS`]; and one respondent in seven an extra roster column.
async fn bulk_answers(url: &str, template: &[(String, i64, String, String)]) -> anyhow::Result<()> {
    let mut conn = sqlx::AnyConnection::connect(url).await?;
    sqlx::query(
        "CREATE TEMPORARY TABLE bench_answers (pos BIGINT, code TEXT, iteration BIGINT, \
         raw TEXT, value TEXT)",
    )
    .execute(&mut conn)
    .await?;
    for (pos, (code, iteration, raw, value)) in template.iter().enumerate() {
        sqlx::query("INSERT INTO bench_answers VALUES ($1, $2, $3, $4, $5)")
            .bind(i64::try_from(pos)?)
            .bind(code.as_str())
            .bind(*iteration)
            .bind(raw.as_str())
            .bind(value.as_str())
            .execute(&mut conn)
            .await?;
    }
    let mut tx = sqlx::Connection::begin(&mut conn).await?;
    sqlx::query(
        "INSERT INTO answers (session_id, code, iteration, raw, value, flow_version, \
             answered_at) \
         SELECT s.id, b.code, b.iteration, b.raw, b.value, 1, b.pos \
         FROM sessions s JOIN bench_answers b ON (s.status = 'completed' OR b.pos < $1) \
         ORDER BY s.id, b.pos",
    )
    .bind(OPEN_ANSWERS)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE respondents SET extra = '{\"kelas\":\"XII\",\"wali\":\"Bu Sari\"}' \
         WHERE id % 7 = 0",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    conn.close().await?;
    Ok(())
}

/// Resets the process's peak resident memory to what it is now (Linux: `clear_refs` 5), so
/// each measured step reports its own peak.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Current resident memory (`VmRSS`), in MiB.
fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn size_mib(path: &Path) -> f64 {
    std::fs::metadata(path).map_or(f64::NAN, |m| m.len() as f64 / 1_048_576.0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // As the `jejak` binary does, before the first database is opened.
    // SAFETY: no thread uses SQLite yet.
    unsafe { jejak::memory::configure() };
    let n: u64 = std::env::var("EXPORT_BENCH_RESPONDENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_500_000);
    let only = std::env::var("EXPORT_BENCH_ONLY").ok();
    // Issue 14's memory target: every output streamed, the process's peak ≤ 200 MB whatever
    // the roster's size (memory, not time: it holds on a loaded machine too).
    let max_peak_mb: f64 = std::env::var("EXPORT_BENCH_MAX_PEAK_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200.0);
    let run = |name: &str| {
        only.as_deref()
            .is_none_or(|o| o.split(',').any(|x| x.trim() == name))
    };
    let db = BenchDb::open(std::env::var("DATABASE_URL").ok().as_deref()).await?;
    let result = async {
        let store = &db.store;
        let t = Instant::now();
        bulk::bulk_roster(&db.url, n, bulk::Mix::EveryoneOnTheFlow).await?;
        let template = transcript_answers()?;
        bulk_answers(&db.url, &template).await?;
        println!(
            "data: {n} respondents, each with a session ({} completed with {} answers, the \
             others {OPEN_ANSWERS}), built in {:.1} s",
            n / 10,
            template.len(),
            t.elapsed().as_secs_f64()
        );
        let dir = tempfile::tempdir()?;
        let flow = jejak::flow::load(Path::new("flows/tracer-smk.yaml"))?;
        println!(
            "{:<12} {:>9} {:>10} {:>10} {:>12} {:>12}",
            "output", "rows", "seconds", "file MiB", "RSS before", "peak RSS"
        );
        let mut over = Vec::new();
        let mut line = |name: &str, rows: usize, secs: f64, mib: f64, before: f64| {
            let peak = common::peak_rss_mib();
            println!(
                "{name:<12} {rows:>9} {secs:>10.2} {mib:>10.1} {before:>10.1} M {peak:>10.1} M"
            );
            if peak * 1.048_576 > max_peak_mb {
                over.push(format!("{name}: peak {:.1} MB", peak * 1.048_576));
            }
        };

        if run("report") {
            let before = rss_mib();
            reset_peak();
            let t = Instant::now();
            let r = response_report(store, &flow.id, Some(GroupBy::School)).await?;
            let secs = t.elapsed().as_secs_f64();
            let out = dir.path().join("report.csv");
            r.write_csv(std::fs::File::create(&out)?, jejak::model::Lang::Id)?;
            assert_eq!(r.total.roster, n, "the report counts the whole roster");
            line("report", r.groups.len(), secs, size_mib(&out), before);
        }
        for (name, dialect) in [("csv", CsvDialect::Plain), ("csv-excel", CsvDialect::Excel)] {
            if !run(name) {
                continue;
            }
            let out = dir.path().join(format!("{name}.csv"));
            let before = rss_mib();
            reset_peak();
            let t = Instant::now();
            let file = std::io::BufWriter::new(std::fs::File::create(&out)?);
            let rows = export::write_csv_in(store, &flow, &Scope::All, dialect, file).await?;
            let secs = t.elapsed().as_secs_f64();
            assert_eq!(rows as u64, n, "one row per session");
            line(name, rows, secs, size_mib(&out), before);
            std::fs::remove_file(&out)?;
        }
        if run("xlsx") {
            let out = dir.path().join("answers.xlsx");
            let before = rss_mib();
            reset_peak();
            let t = Instant::now();
            let rows = jejak::report::xlsx::write_export(store, &flow, &out).await?;
            let secs = t.elapsed().as_secs_f64();
            assert_eq!(rows as u64, n, "one row per session");
            line("xlsx", rows, secs, size_mib(&out), before);
            std::fs::remove_file(&out)?;
        }
        let links = LinkTargets::with_web(
            Some("jejak_bench_bot"),
            Some("+62 812 3456 7890"),
            Some("https://tracer.contoh.sch.id"),
        )?;
        for name in ["invite-csv", "invite-xlsx"] {
            if !run(name) {
                continue;
            }
            let ext = name.trim_start_matches("invite-");
            let out = dir.path().join(format!("invite.{ext}"));
            let before = rss_mib();
            reset_peak();
            let t = Instant::now();
            let s = write_invitations(store, &flow.id, &links, &out, None, Utc::now()).await?;
            let secs = t.elapsed().as_secs_f64();
            assert_eq!(s.respondents as u64, n, "everyone on the roster");
            line(name, s.respondents, secs, size_mib(&out), before);
            std::fs::remove_file(&out)?;
        }
        anyhow::ensure!(
            over.is_empty(),
            "over the memory limit of {max_peak_mb} MB: {}",
            over.join(", ")
        );
        anyhow::Ok(())
    }
    .await;
    db.close().await;
    result
}
