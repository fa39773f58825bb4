//! `jejak report`: response rates of a flow, overall or by cohort, programme or school, and
//! which reminder wave each completion followed.
//!
//! Definitions (also in the README and `jejak report --help`):
//! - **roster**: respondents with a session of the flow (imported with `--flow`, or started
//!   through an open link);
//! - **invited**: has a token and was sent a wave message of the flow (outbox `sent`), or is
//!   bound to a chat channel, or had their links exported by `jejak invite` for the flow;
//! - **started**: has a session of the flow that left `invited` (status consent, answering,
//!   completed or opted out, or expired after answering at least one question);
//! - **completed**: has a completed session of the flow;
//! - **opted out**: has an opted-out session and none completed;
//! - **unreachable**: `respondents.unreachable` (the platform refused delivery);
//! - **gross rate** = completed / roster; **net rate** = completed / (roster − unreachable);
//! - **after wave**: each completion is credited to the last wave message of the flow sent
//!   to that respondent at or before the completion time, or to "none".

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use crate::store::{RosterMember, Scope, SentWaveMessage, SessionBrief, Store, StoreError};

/// What to break the report down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupBy {
    /// Cohort / graduation year.
    Cohort,
    /// Programme / kompetensi keahlian.
    Programme,
    /// School or unit.
    School,
}

impl GroupBy {
    /// Parses `cohort`, `programme` (or `program`) or `school`.
    pub fn parse(s: &str) -> Option<GroupBy> {
        match s.trim().to_ascii_lowercase().as_str() {
            "cohort" | "angkatan" => Some(GroupBy::Cohort),
            "programme" | "program" | "jurusan" => Some(GroupBy::Programme),
            "school" | "sekolah" | "unit" => Some(GroupBy::School),
            _ => None,
        }
    }

    /// The column name.
    pub fn name(self) -> &'static str {
        match self {
            GroupBy::Cohort => "cohort",
            GroupBy::Programme => "programme",
            GroupBy::School => "school",
        }
    }
}

/// The label of respondents whose grouping field is empty.
pub const BLANK_GROUP: &str = "(blank)";

/// The label of completions that followed no wave message.
pub const NO_WAVE: &str = "none";

/// Counts for the whole roster or one group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// On the roster.
    pub roster: u64,
    /// Invited.
    pub invited: u64,
    /// Started.
    pub started: u64,
    /// Completed.
    pub completed: u64,
    /// Opted out (and not completed).
    pub opted_out: u64,
    /// Unreachable.
    pub unreachable: u64,
    /// Completions by the wave they followed (`None` = no wave), keyed by wave id.
    pub after_wave: BTreeMap<Option<i64>, u64>,
}

impl Counts {
    /// Roster minus unreachable.
    pub fn reachable(&self) -> u64 {
        self.roster - self.unreachable
    }

    /// Completed / roster, in percent (`None` for an empty roster).
    pub fn gross_rate(&self) -> Option<f64> {
        percent(self.completed, self.roster)
    }

    /// Completed / reachable, in percent (`None` when nobody is reachable).
    pub fn net_rate(&self) -> Option<f64> {
        percent(self.completed, self.reachable())
    }
}

fn percent(n: u64, d: u64) -> Option<f64> {
    (d > 0).then(|| n as f64 * 100.0 / d as f64)
}

/// A rate as printed: one decimal, `-` when undefined.
pub fn format_rate(r: Option<f64>) -> String {
    r.map(|r| format!("{r:.1}%")).unwrap_or_else(|| "-".into())
}

/// The whole report.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseReport {
    /// The flow.
    pub flow_id: String,
    /// The breakdown, if any.
    pub by: Option<GroupBy>,
    /// Totals.
    pub total: Counts,
    /// Per group, sorted by label (empty without `by`).
    pub groups: Vec<(String, Counts)>,
    /// Wave ids and names that appear in the attribution, by id.
    pub waves: Vec<(i64, String)>,
}

/// Reads what the report needs and computes it, over the whole roster.
pub async fn response_report(
    store: &Store,
    flow_id: &str,
    by: Option<GroupBy>,
) -> Result<ResponseReport, StoreError> {
    response_report_scoped(store, flow_id, by, &Scope::All).await
}

/// The report over the respondents of `scope` only (the staff console's view of a school).
pub async fn response_report_scoped(
    store: &Store,
    flow_id: &str,
    by: Option<GroupBy>,
    scope: &Scope,
) -> Result<ResponseReport, StoreError> {
    let members = store.roster_members(flow_id, scope).await?;
    let sessions = store.session_briefs(flow_id, scope).await?;
    let sent = store.sent_wave_messages(flow_id, scope).await?;
    Ok(compute(flow_id, by, &members, &sessions, &sent))
}

/// Where one respondent stands, summed over their sessions of the flow.
#[derive(Default)]
struct Standing {
    started: bool,
    completed_at: Option<i64>,
    completed: bool,
    opted_out: bool,
}

/// Computes the report from the rows the store gives (pure, so it can be tested on its own).
pub fn compute(
    flow_id: &str,
    by: Option<GroupBy>,
    members: &[RosterMember],
    sessions: &[SessionBrief],
    sent: &[SentWaveMessage],
) -> ResponseReport {
    let mut standing: HashMap<i64, Standing> = HashMap::new();
    for s in sessions {
        let st = standing.entry(s.respondent_id).or_default();
        match s.status.as_str() {
            "invited" => {}
            "expired" => st.started |= s.answered,
            "completed" => {
                st.started = true;
                st.completed = true;
                // The first completion is the one a reminder could have caused.
                st.completed_at = match (st.completed_at, s.completed_at) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            "opted_out" => {
                st.started = true;
                st.opted_out = true;
            }
            _ => st.started = true,
        }
    }
    let mut by_respondent: HashMap<i64, Vec<&SentWaveMessage>> = HashMap::new();
    for m in sent {
        by_respondent.entry(m.respondent_id).or_default().push(m);
    }
    let mut wave_names: BTreeMap<i64, String> = BTreeMap::new();
    let mut total = Counts::default();
    let mut groups: BTreeMap<String, Counts> = BTreeMap::new();
    for m in members {
        let st = standing.get(&m.id);
        let completed = st.is_some_and(|s| s.completed);
        let mut after = None;
        if completed {
            let at = st.and_then(|s| s.completed_at);
            // The last message sent at or before the completion; without a completion time
            // (never written by the store, but possible in old data) no wave is credited.
            after = at.and_then(|at| {
                by_respondent.get(&m.id).and_then(|msgs| {
                    msgs.iter()
                        .filter(|x| x.sent_at <= at)
                        .max_by_key(|x| (x.sent_at, x.wave_id))
                        .map(|x| {
                            wave_names.insert(x.wave_id, x.wave_name.clone());
                            x.wave_id
                        })
                })
            });
        }
        let add = |c: &mut Counts| {
            c.roster += 1;
            c.invited += u64::from(m.invited);
            c.unreachable += u64::from(m.unreachable);
            if let Some(s) = st {
                c.started += u64::from(s.started);
                c.completed += u64::from(s.completed);
                c.opted_out += u64::from(s.opted_out && !s.completed);
            }
            if completed {
                *c.after_wave.entry(after).or_default() += 1;
            }
        };
        add(&mut total);
        if let Some(by) = by {
            let key = match by {
                GroupBy::Cohort => &m.cohort,
                GroupBy::Programme => &m.programme,
                GroupBy::School => &m.school,
            };
            let label = key
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .unwrap_or(BLANK_GROUP)
                .to_string();
            add(groups.entry(label).or_default());
        }
    }
    ResponseReport {
        flow_id: flow_id.to_string(),
        by,
        total,
        groups: groups.into_iter().collect(),
        waves: wave_names.into_iter().collect(),
    }
}

impl ResponseReport {
    /// The header of the tabular forms (CSV, XLSX, table).
    pub fn header(&self) -> Vec<String> {
        let mut h: Vec<String> = vec![self.by.map(GroupBy::name).unwrap_or("group").into()];
        for c in [
            "roster",
            "invited",
            "started",
            "completed",
            "opted_out",
            "unreachable",
            "reachable",
            "gross_rate",
            "net_rate",
        ] {
            h.push(c.into());
        }
        for (id, name) in &self.waves {
            h.push(format!("after_wave_{id}_{name}"));
        }
        h.push(format!("after_{NO_WAVE}"));
        h
    }

    fn line(&self, label: &str, c: &Counts) -> Vec<String> {
        let mut v = vec![
            label.to_string(),
            c.roster.to_string(),
            c.invited.to_string(),
            c.started.to_string(),
            c.completed.to_string(),
            c.opted_out.to_string(),
            c.unreachable.to_string(),
            c.reachable().to_string(),
            format_rate(c.gross_rate()),
            format_rate(c.net_rate()),
        ];
        for (id, _) in &self.waves {
            v.push(
                c.after_wave
                    .get(&Some(*id))
                    .copied()
                    .unwrap_or(0)
                    .to_string(),
            );
        }
        v.push(c.after_wave.get(&None).copied().unwrap_or(0).to_string());
        v
    }

    /// The rows of the tabular forms: one per group, then the total.
    pub fn rows(&self) -> Vec<Vec<String>> {
        let mut rows: Vec<Vec<String>> = self
            .groups
            .iter()
            .map(|(label, c)| self.line(label, c))
            .collect();
        rows.push(self.line("TOTAL", &self.total));
        rows
    }

    /// Writes the report as CSV.
    pub fn write_csv(&self, out: impl Write) -> Result<(), csv::Error> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(self.header())?;
        for mut r in self.rows() {
            // Group labels are the roster's school/programme/cohort texts: user data.
            if let Some(label) = r.first_mut() {
                *label = super::cell::neutralise(label).into_owned();
            }
            w.write_record(&r)?;
        }
        w.flush()?;
        Ok(())
    }

    /// Writes the report as an aligned text table for the terminal, followed by the wave
    /// attribution of all completions.
    pub fn write_table(&self, mut out: impl Write) -> std::io::Result<()> {
        let header = self.header();
        // The wave columns are listed below the table instead; keep the table narrow.
        let keep = 10;
        let mut rows = vec![header[..keep].to_vec()];
        rows.extend(self.rows().into_iter().map(|r| r[..keep].to_vec()));
        let widths: Vec<usize> = (0..keep)
            .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
            .collect();
        writeln!(out, "Flow: {}", self.flow_id)?;
        for (n, r) in rows.iter().enumerate() {
            let mut line = String::new();
            for (i, cell) in r.iter().enumerate() {
                let pad = widths[i] - cell.chars().count();
                if i == 0 {
                    line.push_str(cell);
                    line.push_str(&" ".repeat(pad));
                } else {
                    line.push_str("  ");
                    line.push_str(&" ".repeat(pad));
                    line.push_str(cell);
                }
            }
            writeln!(out, "{}", line.trim_end())?;
            if n == 0 || n + 2 == rows.len() && self.by.is_some() {
                writeln!(
                    out,
                    "{}",
                    "-".repeat(widths.iter().sum::<usize>() + 2 * (keep - 1))
                )?;
            }
        }
        writeln!(out)?;
        writeln!(out, "Completions by the wave they followed:")?;
        for (id, name) in &self.waves {
            let n = self.total.after_wave.get(&Some(*id)).copied().unwrap_or(0);
            writeln!(out, "  wave {id} ({name}): {n}")?;
        }
        let none = self.total.after_wave.get(&None).copied().unwrap_or(0);
        writeln!(out, "  no wave: {none}")?;
        Ok(())
    }
}
