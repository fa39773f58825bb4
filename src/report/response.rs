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

use std::collections::BTreeMap;
use std::io::Write;

use crate::i18n::staff_text;
use crate::model::Lang;
use crate::store::{ReportCell, ReportColumn, Scope, Store, StoreError};

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
    /// Every wave of the flow (those with no completions yet too, so their column is there
    /// from the start), plus any other wave credited, by id.
    pub waves: Vec<(i64, String)>,
}

/// The report over the whole roster.
pub async fn response_report(
    store: &Store,
    flow_id: &str,
    by: Option<GroupBy>,
) -> Result<ResponseReport, StoreError> {
    response_report_scoped(store, flow_id, by, &Scope::All).await
}

/// The report over the respondents of `scope` only (the staff console's view of a school).
/// The database counts (one statement, see [`Roster::report_cells`]); this only groups labels
/// the way staff read them (trimmed; empty ones as [`BLANK_GROUP`]).
pub async fn response_report_scoped(
    store: &Store,
    flow_id: &str,
    by: Option<GroupBy>,
    scope: &Scope,
) -> Result<ResponseReport, StoreError> {
    let column = by.map(|b| match b {
        GroupBy::Cohort => ReportColumn::Cohort,
        GroupBy::Programme => ReportColumn::Programme,
        GroupBy::School => ReportColumn::School,
    });
    let cells = store.roster().report_cells(flow_id, column, scope).await?;
    let names = store.roster().wave_names(flow_id).await?;
    Ok(assemble(flow_id, by, &cells, &names))
}

/// Sums the database's cells into totals and groups (pure, so it can be tested on its own).
pub fn assemble(
    flow_id: &str,
    by: Option<GroupBy>,
    cells: &[ReportCell],
    wave_names: &[(i64, String)],
) -> ResponseReport {
    let mut total = Counts::default();
    let mut groups: BTreeMap<String, Counts> = BTreeMap::new();
    let mut credited: BTreeMap<i64, String> = wave_names.iter().cloned().collect();
    for cell in cells {
        let add = |c: &mut Counts| {
            c.roster += cell.roster;
            c.invited += cell.invited;
            c.unreachable += cell.unreachable;
            c.started += cell.started;
            c.opted_out += cell.opted_out;
            if cell.completed {
                c.completed += cell.roster;
                *c.after_wave.entry(cell.after_wave).or_default() += cell.roster;
            }
        };
        add(&mut total);
        if by.is_some() {
            let label = cell
                .label
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .unwrap_or(BLANK_GROUP)
                .to_string();
            add(groups.entry(label).or_default());
        }
        if let Some(id) = cell.after_wave.filter(|_| cell.completed) {
            credited.entry(id).or_default();
        }
    }
    ResponseReport {
        flow_id: flow_id.to_string(),
        by,
        total,
        groups: groups.into_iter().collect(),
        waves: credited.into_iter().collect(),
    }
}

impl ResponseReport {
    /// The header of the tabular forms (CSV, XLSX, table) in `lang`. English keeps the
    /// machine-style names scripts rely on (`roster`, `gross_rate`, `after_wave_<id>_<name>`,
    /// `after_none`); Indonesian gives words a teacher reads ("Selesai", "Respons kotor",
    /// "Setelah gelombang <id> (<name>)"). Wave columns carry the wave's id and name in
    /// both languages.
    pub fn header(&self, lang: Lang) -> Vec<String> {
        let t = |id: &str| staff_text(lang, id, &[]);
        let group = match self.by {
            None => "cli-col-group",
            Some(GroupBy::Cohort) => "cli-col-cohort",
            Some(GroupBy::Programme) => "cli-col-programme",
            Some(GroupBy::School) => "cli-col-school",
        };
        let mut h: Vec<String> = vec![t(group)];
        for c in [
            "cli-col-roster",
            "cli-col-invited",
            "cli-col-started",
            "cli-col-completed",
            "cli-col-opted-out",
            "cli-col-unreachable",
            "cli-col-reachable",
            "cli-col-gross-rate",
            "cli-col-net-rate",
        ] {
            h.push(t(c));
        }
        for (id, name) in &self.waves {
            h.push(staff_text(
                lang,
                "cli-col-after-wave",
                &[("id", &id.to_string()), ("name", name)],
            ));
        }
        h.push(t("cli-col-after-none"));
        h
    }

    /// A group's label as shown: the blank group's label in `lang`.
    pub fn label(label: &str, lang: Lang) -> String {
        if label == BLANK_GROUP {
            staff_text(lang, "cli-blank-group", &[])
        } else {
            label.to_string()
        }
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

    /// The rows of the tabular forms: one per group, then the total (labelled `TOTAL` in
    /// both languages).
    pub fn rows(&self, lang: Lang) -> Vec<Vec<String>> {
        let mut rows: Vec<Vec<String>> = self
            .groups
            .iter()
            .map(|(label, c)| self.line(&Self::label(label, lang), c))
            .collect();
        rows.push(self.line(&staff_text(lang, "cli-total", &[]), &self.total));
        rows
    }

    /// Writes the report as CSV, the header in `lang` (see [`ResponseReport::header`]).
    pub fn write_csv(&self, out: impl Write, lang: Lang) -> Result<(), csv::Error> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(self.header(lang))?;
        for mut r in self.rows(lang) {
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
    /// attribution of all completions, in `lang`.
    pub fn write_table(&self, mut out: impl Write, lang: Lang) -> std::io::Result<()> {
        let header = self.header(lang);
        // The wave columns are listed below the table instead; keep the table narrow.
        let keep = 10;
        let mut rows = vec![header[..keep].to_vec()];
        rows.extend(self.rows(lang).into_iter().map(|r| r[..keep].to_vec()));
        let widths: Vec<usize> = (0..keep)
            .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
            .collect();
        writeln!(
            out,
            "{}",
            staff_text(lang, "cli-report-flow", &[("flow", &self.flow_id)])
        )?;
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
        writeln!(out, "{}", staff_text(lang, "cli-report-by-wave", &[]))?;
        for (id, name) in &self.waves {
            let n = self.total.after_wave.get(&Some(*id)).copied().unwrap_or(0);
            let text = staff_text(
                lang,
                "cli-report-wave-line",
                &[
                    ("id", &id.to_string()),
                    ("name", name),
                    ("n", &n.to_string()),
                ],
            );
            writeln!(out, "  {text}")?;
        }
        let none = self.total.after_wave.get(&None).copied().unwrap_or(0);
        let text = staff_text(lang, "cli-report-no-wave", &[("n", &none.to_string())]);
        writeln!(out, "  {text}")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(label: Option<&str>, completed: bool, wave: Option<i64>, n: u64) -> ReportCell {
        ReportCell {
            label: label.map(str::to_string),
            completed,
            after_wave: wave,
            roster: n,
            invited: n,
            unreachable: 0,
            started: if completed { n } else { 0 },
            opted_out: 0,
        }
    }

    #[test]
    fn cells_sum_into_groups_with_trimmed_and_blank_labels() {
        let cells = [
            cell(Some("SMKN 1 "), true, Some(2), 3),
            cell(Some("SMKN 1"), false, None, 4),
            cell(Some(" "), true, None, 1),
            cell(None, false, None, 2),
        ];
        let r = assemble(
            "f",
            Some(GroupBy::School),
            &cells,
            &[(2, "w2".into()), (3, "w3".into())],
        );
        assert_eq!(r.total.roster, 10);
        assert_eq!(r.total.completed, 4);
        assert_eq!(r.groups.len(), 2);
        let (label, smk) = &r.groups[1];
        assert_eq!(label, "SMKN 1");
        assert_eq!((smk.roster, smk.completed), (7, 3));
        assert_eq!(r.groups[0].0, BLANK_GROUP);
        assert_eq!(r.groups[0].1.roster, 3);
        // Every wave is listed, credited or not (w3 has no completions yet).
        assert_eq!(r.waves, vec![(2, "w2".to_string()), (3, "w3".to_string())]);
        assert_eq!(r.header(Lang::En)[11], "after_wave_3_w3");
        assert_eq!(r.rows(Lang::En)[2][11], "0");
        assert_eq!(r.total.after_wave.get(&Some(2)), Some(&3));
        assert_eq!(r.total.after_wave.get(&None), Some(&1));
        // Without a breakdown there are no groups.
        assert!(assemble("f", None, &cells, &[]).groups.is_empty());
    }
}
