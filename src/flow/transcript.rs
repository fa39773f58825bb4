//! Flow tests: scripted conversations (YAML transcripts) replayed through the engine, with the
//! questions they reach counted, so `jejak flow test` can fail when part of a flow is untested.

use super::Flow;
use crate::engine::{Context, Input, Position, SessionState, step};
use crate::i18n::Catalog;
use crate::model::{Lang, RespondentFields, SessionStatus};
use chrono::{DateTime, TimeZone, Utc};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A transcript file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transcript {
    /// What the conversation shows.
    pub name: String,
    /// Roster fields of the respondent.
    #[serde(default)]
    pub respondent: RespondentDef,
    /// The respondent's language (the flow's default when absent).
    #[serde(default)]
    pub language: Option<String>,
    /// The conversation.
    pub steps: Vec<StepDef>,
    /// Exactly the answers kept at the end, as exported.
    #[serde(default)]
    pub answers: Option<BTreeMap<String, Scalar>>,
    /// Status at the end.
    #[serde(default)]
    pub status: Option<String>,
    /// The time the conversation happens (ISO 8601), for flows that close.
    #[serde(default)]
    pub now: Option<String>,
}

/// Roster fields in a transcript.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RespondentDef {
    name: Option<String>,
    external_id: Option<String>,
    cohort: Option<Scalar>,
    programme: Option<String>,
    school: Option<String>,
    province: Option<String>,
    #[serde(default)]
    extra: BTreeMap<String, String>,
}

/// A YAML scalar compared as text.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    /// Text.
    Str(String),
    /// Whole number.
    Int(i64),
    /// Number.
    Float(f64),
    /// Boolean.
    Bool(bool),
}

impl Scalar {
    fn text(&self) -> String {
        match self {
            Scalar::Str(s) => s.clone(),
            Scalar::Int(n) => n.to_string(),
            Scalar::Float(x) => x.to_string(),
            Scalar::Bool(b) => if *b { "1" } else { "0" }.to_string(),
        }
    }
}

/// One exchange.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepDef {
    /// What the respondent sends.
    pub say: String,
    /// Texts that must appear in the bot's replies (case-insensitive).
    #[serde(default)]
    pub expect: Vec<String>,
    /// Texts that must not appear.
    #[serde(default)]
    pub expect_not: Vec<String>,
}

/// The result of one transcript.
#[derive(Debug)]
pub struct TranscriptResult {
    /// The file.
    pub path: PathBuf,
    /// Its name.
    pub name: String,
    /// What went wrong (empty when it passed).
    pub failures: Vec<String>,
}

/// The result of all transcripts of a flow.
#[derive(Debug)]
pub struct FlowTestReport {
    /// Per transcript.
    pub results: Vec<TranscriptResult>,
    /// Questions no transcript reached (computed values, never asked, are not listed).
    pub unreached: Vec<String>,
}

impl FlowTestReport {
    /// Whether everything passed and every question was reached.
    pub fn passed(&self) -> bool {
        self.unreached.is_empty()
            && self.results.iter().all(|r| r.failures.is_empty())
            && !self.results.is_empty()
    }
}

/// Where the transcripts of a flow file live: `flows/tests/<file stem>/`.
pub fn transcripts_dir(flow_path: &Path) -> PathBuf {
    let stem = flow_path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    flow_path
        .parent()
        .unwrap_or(Path::new("."))
        .join("tests")
        .join(stem)
}

/// Runs every `*.yaml` transcript in `dir` against `flow`.
pub fn run_dir(flow: &Flow, catalog: &Catalog, dir: &Path) -> std::io::Result<FlowTestReport> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    paths.sort();
    let mut reached = BTreeSet::new();
    let mut results = Vec::new();
    for path in paths {
        let src = std::fs::read_to_string(&path)?;
        let result = match serde_saphyr::from_str::<Transcript>(&src) {
            Ok(t) => {
                let failures = run(flow, catalog, &t, &mut reached);
                TranscriptResult {
                    path,
                    name: t.name,
                    failures,
                }
            }
            Err(e) => TranscriptResult {
                path,
                name: String::new(),
                failures: vec![format!(
                    "invalid transcript: {}",
                    e.to_string().lines().next().unwrap_or("")
                )],
            },
        };
        results.push(result);
    }
    // A computed value is never asked, so no transcript "reaches" it; a transcript tests it
    // through what it drives (a condition, a piped text), as the questions around it show.
    let unreached = flow
        .items
        .iter()
        .enumerate()
        .filter(|(i, q)| !reached.contains(i) && !q.is_computed())
        .map(|(_, q)| q.code.clone())
        .collect();
    Ok(FlowTestReport { results, unreached })
}

impl Transcript {
    /// The respondent's roster fields.
    pub fn fields(&self) -> RespondentFields {
        let r = &self.respondent;
        RespondentFields {
            name: r.name.clone(),
            external_id: r.external_id.clone(),
            cohort: r.cohort.as_ref().map(Scalar::text),
            programme: r.programme.clone(),
            school: r.school.clone(),
            province: r.province.clone(),
            extra: r.extra.clone(),
            ..RespondentFields::default()
        }
    }

    /// The respondent's language: the transcript's, else the flow's default.
    pub fn lang(&self, flow: &Flow) -> Result<Lang, String> {
        match &self.language {
            Some(tag) => Lang::from_tag(tag).ok_or_else(|| format!("unknown language `{tag}`")),
            None => Ok(flow.default_lang()),
        }
    }

    /// The time the conversation happens: `now`, else 5 January 2026, 09:00 UTC.
    pub fn time(&self) -> Result<DateTime<Utc>, String> {
        match &self.now {
            Some(s) => DateTime::parse_from_rfc3339(s)
                .map(|d| d.with_timezone(&Utc))
                .map_err(|e| format!("`now` is not an RFC 3339 time: {e}")),
            None => Ok(Utc
                .with_ymd_and_hms(2026, 1, 5, 9, 0, 0)
                .single()
                .unwrap_or_default()),
        }
    }
}

/// Replays one transcript; returns its failures and adds the items it reached to `reached`.
pub fn run(
    flow: &Flow,
    catalog: &Catalog,
    t: &Transcript,
    reached: &mut BTreeSet<usize>,
) -> Vec<String> {
    let mut failures = Vec::new();
    let fields = t.fields();
    let lang = match t.lang(flow) {
        Ok(l) => l,
        Err(e) => return vec![e],
    };
    let now: DateTime<Utc> = match t.time() {
        Ok(t) => t,
        Err(e) => return vec![e],
    };
    let cx = Context {
        flow,
        catalog,
        respondent: &fields,
    };
    let mut state = SessionState::invited(lang);
    for (i, s) in t.steps.iter().enumerate() {
        let out = step(&cx, state, &Input::Text(s.say.clone()), now);
        state = out.state;
        if let Some(Position::Question { item, .. }) = state.current {
            reached.insert(item);
        }
        let said = out
            .replies
            .iter()
            .map(|r| r.plain())
            .collect::<Vec<_>>()
            .join("\n");
        let lower = said.to_lowercase();
        for e in &s.expect {
            if !lower.contains(&e.to_lowercase()) {
                failures.push(format!(
                    "step {} (`{}`): expected `{e}` in the reply:\n{}",
                    i + 1,
                    s.say,
                    indent(&said)
                ));
            }
        }
        for e in &s.expect_not {
            if lower.contains(&e.to_lowercase()) {
                failures.push(format!(
                    "step {} (`{}`): `{e}` must not appear in the reply:\n{}",
                    i + 1,
                    s.say,
                    indent(&said)
                ));
            }
        }
    }
    if let Some(expected) = &t.answers {
        let actual: BTreeMap<String, String> = state
            .answers
            .iter()
            .map(|(k, a)| (k.column(), a.value.export()))
            .collect();
        let expected: BTreeMap<String, String> = expected
            .iter()
            .map(|(k, v)| (k.clone(), v.text()))
            .collect();
        for (k, v) in &expected {
            match actual.get(k) {
                None => failures.push(format!("answer `{k}`: expected `{v}`, but it was not kept")),
                Some(a) if a != v => {
                    failures.push(format!("answer `{k}`: expected `{v}`, got `{a}`"))
                }
                _ => {}
            }
        }
        for (k, a) in &actual {
            if !expected.contains_key(k) {
                failures.push(format!(
                    "answer `{k}` = `{a}` was kept but the transcript does not list it"
                ));
            }
        }
    }
    if let Some(status) = &t.status {
        match SessionStatus::parse(status) {
            Some(s) if s == state.status => {}
            Some(_) => failures.push(format!(
                "status: expected `{status}`, got `{}`",
                state.status.as_str()
            )),
            None => failures.push(format!("unknown status `{status}`")),
        }
    }
    failures
}

fn indent(s: &str) -> String {
    s.lines()
        .map(|l| format!("    | {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
