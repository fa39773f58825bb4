//! `jejak bench`: throughput of the pure engine (`bench engine`) and of the full persisted
//! path, load + step + commit through [`Conversations::handle`] (`bench store`).
//!
//! Both replay realistic conversations: the transcript scripts of the flow
//! (`flows/tests/<flow>/*.yaml`), cycled through.

use crate::conversation::{Conversations, Handled};
use crate::engine::{self, AnswerChange, Context, Input, Outcome, SessionState};
use crate::flow::Flow;
use crate::flow::transcript::{self, Transcript};
use crate::i18n::Catalog;
use crate::model::{Lang, RespondentFields};
use crate::store::{Backend, NewRespondent, RespondentId, Store};
use anyhow::{Context as _, bail};
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// One respondent's side of a transcript, ready to replay.
#[derive(Debug)]
pub struct Script {
    /// The transcript's name.
    pub name: String,
    /// Roster fields of the respondent.
    pub fields: RespondentFields,
    /// The respondent's language.
    pub lang: Lang,
    /// The time the conversation happens.
    pub now: DateTime<Utc>,
    /// What the respondent sends, in order.
    pub inputs: Vec<Input>,
    /// How many of the steps store an answer (found by replaying the script once).
    pub answers: usize,
}

/// The flow at `flow_path` and the scripts of its transcripts.
pub fn load(flow_path: &Path, catalog: &Catalog) -> anyhow::Result<(Flow, Vec<Script>)> {
    let flow = crate::flow::load(flow_path)?;
    let dir = transcript::transcripts_dir(flow_path);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading the transcripts in {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    paths.sort();
    let mut scripts = Vec::new();
    for path in paths {
        let src = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let t: Transcript = serde_saphyr::from_str(&src)
            .map_err(|e| anyhow::anyhow!("{}: invalid transcript: {e}", path.display()))?;
        let lang = t
            .lang(&flow)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let now = t
            .time()
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let mut script = Script {
            name: t.name.clone(),
            fields: t.fields(),
            lang,
            now,
            inputs: t.steps.iter().map(|s| Input::Text(s.say.clone())).collect(),
            answers: 0,
        };
        let (_, answers) = replay(&flow, catalog, &script);
        script.answers = answers;
        scripts.push(script);
    }
    if scripts.is_empty() {
        bail!("no transcripts in {}", dir.display());
    }
    Ok((flow, scripts))
}

/// Replays a script through the pure engine; returns the steps run and how many stored an
/// answer.
fn replay(flow: &Flow, catalog: &Catalog, s: &Script) -> (usize, usize) {
    let cx = Context {
        flow,
        catalog,
        respondent: &s.fields,
    };
    let mut state = SessionState::invited(s.lang);
    let mut answers = 0;
    for input in &s.inputs {
        let out = engine::step(&cx, state, input, s.now);
        if out
            .answers
            .iter()
            .any(|a| matches!(a, AnswerChange::Set { .. }))
        {
            answers += 1;
        }
        state = out.state;
    }
    (s.inputs.len(), answers)
}

/// `jejak bench engine`: pure engine steps per second on the calling thread.
pub fn engine(flow_path: &Path, seconds: f64) -> anyhow::Result<()> {
    let catalog = Catalog::embedded()?;
    let (flow, scripts) = load(flow_path, &catalog)?;
    let per_cycle: usize = scripts.iter().map(|s| s.inputs.len()).sum();
    println!(
        "engine: flow `{}` ({} items), {} transcript scripts, {} steps per cycle, one thread, {seconds} s",
        flow.id,
        flow.items.len(),
        scripts.len(),
        per_cycle
    );
    // Warm-up: one cycle, untimed.
    for s in &scripts {
        black_box(replay(&flow, &catalog, s));
    }
    let limit = Duration::from_secs_f64(seconds.max(0.01));
    let mut steps: u64 = 0;
    let mut conversations: u64 = 0;
    let start = Instant::now();
    let elapsed = 'run: loop {
        for s in &scripts {
            let cx = Context {
                flow: &flow,
                catalog: &catalog,
                respondent: &s.fields,
            };
            let mut state = SessionState::invited(s.lang);
            for input in &s.inputs {
                let Outcome {
                    state: next,
                    replies,
                    answers,
                    events,
                } = engine::step(&cx, state, input, s.now);
                black_box((&replies, &answers, &events));
                state = next;
                steps += 1;
            }
            black_box(&state);
            conversations += 1;
            let elapsed = start.elapsed();
            if elapsed >= limit {
                break 'run elapsed;
            }
        }
    };
    let secs = elapsed.as_secs_f64();
    println!("steps:          {steps} in {conversations} conversations, {secs:.2} s");
    println!("steps/s:        {:.0}", steps as f64 / secs);
    println!(
        "µs/step:        {:.2}",
        elapsed.as_micros() as f64 / steps as f64
    );
    println!("peak RSS:       {}", peak_rss());
    Ok(())
}

/// `jejak bench store`: persisted answers per second through [`Conversations::handle`] with
/// `concurrency` respondents answering at once.
pub async fn store(
    flow_path: &Path,
    respondents: usize,
    concurrency: usize,
    database_url: Option<&str>,
) -> anyhow::Result<()> {
    let catalog = Catalog::embedded()?;
    let (flow, scripts) = load(flow_path, &catalog)?;
    let db = BenchDb::open(database_url).await?;
    let result = run_store(&db.store, flow, catalog, scripts, respondents, concurrency).await;
    db.close().await;
    result
}

async fn run_store(
    store: &Store,
    flow: Flow,
    catalog: Catalog,
    scripts: Vec<Script>,
    respondents: usize,
    concurrency: usize,
) -> anyhow::Result<()> {
    let concurrency = concurrency.max(1);
    let scripts = Arc::new(scripts);
    println!(
        "store: {} respondents, {concurrency} at once, flow `{}`, {} transcript scripts, {}",
        respondents,
        flow.id,
        scripts.len(),
        store.backend()
    );

    // Set-up (untimed): the respondents, each assigned a script in turn.
    let now = Utc::now();
    let mut ids: Vec<RespondentId> = Vec::with_capacity(respondents);
    for i in 0..respondents {
        let s = &scripts[i % scripts.len()];
        let r = NewRespondent {
            fields: s.fields.clone(),
            language: Some(s.lang),
            ..NewRespondent::default()
        };
        ids.push(store.respondents().upsert_respondent(&r, now).await?);
    }
    let ids = Arc::new(ids);
    let conv = Conversations {
        store: store.clone(),
        flow: Arc::new(flow),
        catalog: Arc::new(catalog),
    };

    // The run: `concurrency` tasks, each taking the next respondent and running its whole
    // script, one message after the other, as a respondent would.
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let (conv, scripts, ids, next) = (conv.clone(), scripts.clone(), ids.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies: Vec<u32> = Vec::new();
            let mut duplicates = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= ids.len() {
                    break;
                }
                let s = &scripts[i % scripts.len()];
                for (k, input) in s.inputs.iter().enumerate() {
                    let message = format!("{i}-{k}");
                    let t = Instant::now();
                    let handled = conv
                        .handle(ids[i], input, Some(("bench", &message)), s.now)
                        .await?;
                    latencies.push(u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX));
                    if matches!(handled, Handled::Duplicate) {
                        duplicates += 1;
                    }
                }
            }
            anyhow::Ok((latencies, duplicates))
        }));
    }
    let mut latencies = Vec::new();
    let mut duplicates = 0;
    for t in tasks {
        let (l, d) = t.await.context("a benchmark task panicked")??;
        latencies.extend(l);
        duplicates += d;
    }
    let elapsed = start.elapsed();

    // Count what was stored (untimed): answer rows written by the benchmark's sessions.
    let ours: HashSet<RespondentId> = ids.iter().copied().collect();
    let mut stored = 0usize;
    for s in store.sessions().sessions_for_flow(&conv.flow.id).await? {
        if ours.contains(&s.respondent_id) {
            stored += store.sessions().answer_history(s.id).await?.len();
        }
    }
    let expected: usize = (0..respondents)
        .map(|i| scripts[i % scripts.len()].answers)
        .sum();

    latencies.sort_unstable();
    let steps = latencies.len();
    let secs = elapsed.as_secs_f64();
    println!("elapsed:        {secs:.2} s");
    println!(
        "steps:          {steps} ({duplicates} duplicates), {:.0} steps/s",
        steps as f64 / secs
    );
    println!(
        "answers:        {stored} stored (expected {expected}), {:.0} answers/s",
        stored as f64 / secs
    );
    println!(
        "latency/step:   p50 {}  p99 {}  max {}",
        ms(percentile(&latencies, 0.50)),
        ms(percentile(&latencies, 0.99)),
        ms(latencies.last().copied().unwrap_or(0))
    );
    println!("peak RSS:       {}", peak_rss());
    if stored != expected {
        bail!("stored {stored} answers, expected {expected}");
    }
    Ok(())
}

/// The database a benchmark writes to, and how to clean it up (also used by the benchmarks
/// under `benches/`).
pub struct BenchDb {
    /// The store over it.
    pub store: Store,
    /// Its URL, for raw connections that load benchmark data.
    pub url: String,
    /// A temporary SQLite directory to remove.
    dir: Option<PathBuf>,
    /// A PostgreSQL admin URL and the schema to drop.
    pg_schema: Option<(String, String)>,
}

impl BenchDb {
    /// A fresh temporary SQLite file without a URL; a fresh schema for a PostgreSQL URL; the
    /// given database for a SQLite URL.
    pub async fn open(url: Option<&str>) -> anyhow::Result<BenchDb> {
        let unique = format!(
            "{}_{}",
            std::process::id(),
            Utc::now().timestamp_nanos_opt().unwrap_or_default()
        );
        let Some(url) = url else {
            let dir = std::env::temp_dir().join(format!("jejak-bench-{unique}"));
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            println!("database:       fresh SQLite file in {}", dir.display());
            let store = Store::open_data_dir(&dir).await;
            if store.is_err() {
                let _ = std::fs::remove_dir_all(&dir);
            }
            return Ok(BenchDb {
                store: store?,
                url: format!(
                    "sqlite:{}",
                    dir.join(crate::store::SQLITE_FILE_NAME).display()
                ),
                dir: Some(dir),
                pg_schema: None,
            });
        };
        match Backend::from_url(url)? {
            Backend::Sqlite => {
                println!("database:       {url} (existing data is kept)");
                Ok(BenchDb {
                    store: Store::connect(url).await?,
                    url: url.to_string(),
                    dir: None,
                    pg_schema: None,
                })
            }
            Backend::Postgres => {
                use sqlx::Connection as _;
                let schema = format!("jejak_bench_{unique}");
                let mut admin = sqlx::PgConnection::connect(url)
                    .await
                    .context("connecting to PostgreSQL")?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                    .execute(&mut admin)
                    .await
                    .context("creating the benchmark schema")?;
                admin.close().await?;
                println!("database:       PostgreSQL, fresh schema {schema} (dropped afterwards)");
                let sep = if url.contains('?') { '&' } else { '?' };
                let bench_url = format!("{url}{sep}options=-c%20search_path%3D{schema}");
                match Store::connect(&bench_url).await {
                    Ok(store) => Ok(BenchDb {
                        store,
                        url: bench_url.clone(),
                        dir: None,
                        pg_schema: Some((url.to_string(), schema)),
                    }),
                    Err(e) => {
                        drop_schema(url, &schema).await;
                        Err(e.into())
                    }
                }
            }
        }
    }

    /// Closes the store and removes what the benchmark created.
    pub async fn close(self) {
        self.store.close().await;
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some((url, schema)) = &self.pg_schema {
            drop_schema(url, schema).await;
        }
    }
}

/// Drops a benchmark schema, saying so when it cannot.
async fn drop_schema(url: &str, schema: &str) {
    use sqlx::Connection as _;
    let dropped = async {
        let mut admin = sqlx::PgConnection::connect(url).await?;
        let sql = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut admin)
            .await?;
        admin.close().await
    };
    if let Err(e) = dropped.await {
        eprintln!("jejak: could not drop schema {schema}: {e}");
    }
}

/// The value at quantile `q` of sorted `v`.
fn percentile(v: &[u32], q: f64) -> u32 {
    if v.is_empty() {
        return 0;
    }
    let i = ((v.len() - 1) as f64 * q).round() as usize;
    v[i.min(v.len() - 1)]
}

/// Microseconds shown as milliseconds.
fn ms(us: u32) -> String {
    format!("{:.2} ms", f64::from(us) / 1000.0)
}

/// The process's peak resident set size (`VmHWM` in /proc/self/status), in bytes; `None`
/// where /proc is not there.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .strip_suffix("kB")?
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// [`peak_rss_bytes`] for people: "168.2 MB", or "unknown".
pub fn peak_rss() -> String {
    peak_rss_bytes().map_or_else(|| "unknown".into(), |b| format!("{:.1} MB", b as f64 / 1e6))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smk_scripts_load_and_store_answers() {
        let catalog = Catalog::embedded().unwrap();
        let (_, scripts) = load(Path::new("flows/tracer-smk.yaml"), &catalog).unwrap();
        assert!(scripts.len() >= 5);
        assert!(scripts.iter().map(|s| s.answers).sum::<usize>() > 100);
    }

    #[test]
    fn percentiles() {
        let v: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile(&v, 0.5), 51);
        assert_eq!(percentile(&v, 0.99), 99);
        assert_eq!(percentile(&[], 0.5), 0);
    }
}
