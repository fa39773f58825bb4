//! What the throughput benchmarks share: their command-line options, the SMK transcripts the
//! simulated respondents replay, the roster they answer as, and the figures they print.

#![allow(dead_code)]

use std::time::Duration;

use chrono::Utc;
use jejak::flow::transcript::Transcript;
use jejak::model::RespondentFields;
use jejak::store::{NewRespondent, RespondentId, Store};

/// The value after `name` on the command line (`cargo bench --bench X -- --name value`).
pub fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// The process's peak resident memory (`VmHWM`), in MiB.
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// What respondents type in the Indonesian transcripts of `flows/tests/tracer-smk/`, without
/// the first step (the start, which each channel makes its own way).
pub fn smk_scripts() -> Vec<Vec<String>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/flows/tests/tracer-smk");
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("transcripts")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    let mut out = Vec::new();
    for p in entries {
        let src = std::fs::read_to_string(&p).expect("read transcript");
        let t: Transcript = serde_saphyr::from_str(&src).expect("transcript parses");
        if t.language.is_some() {
            continue;
        }
        out.push(t.steps.into_iter().skip(1).map(|s| s.say).collect());
    }
    out
}

/// Loads `n` respondents of one school; returns their ids and enrolment tokens, in order.
pub async fn seed_respondents(store: &Store, n: usize) -> (Vec<RespondentId>, Vec<String>) {
    let mut ids = Vec::with_capacity(n);
    let mut tokens = Vec::with_capacity(n);
    for i in 0..n {
        let new = NewRespondent {
            fields: RespondentFields {
                name: Some(format!("Alumni {i}")),
                external_id: Some(format!("bench-{i}")),
                school: Some("SMKN 5 Banjarmasin".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let id = store
            .respondents()
            .upsert_respondent(&new, Utc::now())
            .await
            .expect("respondent");
        ids.push(id);
        tokens.push(
            store
                .respondents()
                .respondent(id)
                .await
                .expect("load")
                .expect("exists")
                .token,
        );
    }
    (ids, tokens)
}

/// Answers kept in the store at the end for these respondents' SMK sessions (a `/kembali`
/// replaces one, a refusal keeps none).
pub async fn stored_answers(store: &Store, ids: &[RespondentId]) -> usize {
    let mut answers = 0;
    for &id in ids {
        if let Some(s) = store
            .sessions()
            .latest_session(id, "tracer-smk")
            .await
            .expect("session")
        {
            answers += store
                .sessions()
                .current_answers(s.id)
                .await
                .expect("answers")
                .len();
        }
    }
    answers
}

/// Latencies of a run, sorted, for percentiles.
pub struct Latencies(Vec<Duration>);

impl Latencies {
    /// Sorts `all`.
    pub fn new(mut all: Vec<Duration>) -> Latencies {
        all.sort();
        Latencies(all)
    }

    /// How many were measured.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The `p` quantile (0.0–1.0) in milliseconds.
    pub fn ms(&self, p: f64) -> f64 {
        let i = ((self.0.len() as f64 * p) as usize).min(self.0.len().saturating_sub(1));
        self.0.get(i).copied().unwrap_or_default().as_secs_f64() * 1000.0
    }

    /// The longest, in milliseconds.
    pub fn max_ms(&self) -> f64 {
        self.0.last().copied().unwrap_or_default().as_secs_f64() * 1000.0
    }
}
