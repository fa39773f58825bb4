//! `jejak report indicators`: the tracer indicators of a flow (employment, further study,
//! entrepreneurship, BMW, waiting time, relevance, income against the UMP, IKU 1, competency
//! gaps), for the whole roster and per cohort, programme or school, each with its n, a 95 %
//! Wilson interval for proportions, and a warning when it cannot stand for the cohort.
//!
//! One file per job: `compute` (the formulas, pure), `wilson` (the interval), `ump` (the
//! shipped minimum-wage table), `output` (table, CSV, XLSX). This file loads the completed
//! respondents and groups them.
//!
//! **When a figure is flagged** ([`Warning`]): the group's gross response rate (completed /
//! roster) is under [`MIN_RESPONSE_RATE`] (those who answered may differ from those who did
//! not, and no weighting can tell), or the figure's n is under [`MIN_N`] (its interval is
//! then wider than about ±18 points around 50 %).

pub mod compute;
pub mod output;
pub mod ump;
pub mod wilson;

use std::collections::{BTreeMap, HashMap};

use chrono::Datelike;

pub use compute::{Answered, Figure, Measure, compute};
pub use ump::{UmpError, UmpTable};

use super::response::{BLANK_GROUP, GroupBy, response_report_scoped};
use crate::flow::Flow;
use crate::model::SessionStatus;
use crate::store::{RespondentId, Scope, Store, StoreError};

/// A group's response rate under this (a fraction) flags all its figures.
pub const MIN_RESPONSE_RATE: f64 = 0.5;

/// A figure with fewer respondents than this is flagged.
pub const MIN_N: u64 = 30;

/// Why the indicators could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum IndicatorError {
    /// The flow declares no `indicators:` section.
    #[error("flow `{0}` has no `indicators:` section (see docs/flows.md)")]
    NotDeclared(String),
    /// Reading the database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The shipped UMP table is broken.
    #[error(transparent)]
    Ump(#[from] UmpError),
}

/// Why a figure should be read with care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warning {
    /// The group's response rate is under [`MIN_RESPONSE_RATE`].
    LowResponse,
    /// The figure's n is under [`MIN_N`].
    SmallN,
}

/// One group (or the total) with its response counts and figures.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupFigures {
    /// The label ([`BLANK_GROUP`] for an empty field; `None` for the total).
    pub label: Option<String>,
    /// On the roster.
    pub roster: u64,
    /// Completed.
    pub completed: u64,
    /// The figures.
    pub figures: Vec<Figure>,
}

impl GroupFigures {
    /// Completed / roster (a fraction), `None` for an empty roster.
    pub fn response_rate(&self) -> Option<f64> {
        (self.roster > 0).then(|| self.completed as f64 / self.roster as f64)
    }

    /// The warnings of one of this group's figures.
    pub fn warnings(&self, f: &Figure) -> Vec<Warning> {
        let mut w = Vec::new();
        if self.response_rate().is_none_or(|r| r < MIN_RESPONSE_RATE) {
            w.push(Warning::LowResponse);
        }
        if f.n < MIN_N {
            w.push(Warning::SmallN);
        }
        w
    }
}

/// The figures of one breakdown: its groups sorted by label, then the total.
#[derive(Debug, Clone, PartialEq)]
pub struct Breakdown {
    /// What it is broken down by (`None`: the total only).
    pub by: Option<GroupBy>,
    /// Groups, then the total last.
    pub groups: Vec<GroupFigures>,
}

/// The whole report: one breakdown per requested grouping.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorReport {
    /// The flow.
    pub flow_id: String,
    /// The breakdowns, in the order asked.
    pub breakdowns: Vec<Breakdown>,
}

/// Loads the completed respondents of `flow` inside `scope` (one completed session each, the
/// latest), with the answers of their first iteration.
pub async fn load(store: &Store, flow: &Flow, scope: &Scope) -> Result<Vec<Answered>, StoreError> {
    let mut latest: HashMap<RespondentId, crate::store::SessionRecord> = HashMap::new();
    for s in store
        .sessions()
        .sessions_for_flow_in(&flow.id, scope)
        .await?
    {
        if s.status != SessionStatus::Completed {
            continue;
        }
        match latest.get(&s.respondent_id) {
            Some(old) if old.completed_at >= s.completed_at => {}
            _ => {
                latest.insert(s.respondent_id, s);
            }
        }
    }
    let mut out = Vec::with_capacity(latest.len());
    for s in latest.into_values() {
        let Some(r) = store.respondents().respondent(s.respondent_id).await? else {
            continue;
        };
        if !scope.admits(r.fields.school.as_deref()) {
            continue;
        }
        let answers = store
            .sessions()
            .current_answers(s.id)
            .await?
            .into_iter()
            .filter(|a| a.key.iteration == 0)
            .map(|a| (a.key.code, a.value))
            .collect();
        out.push(Answered {
            cohort: r.fields.cohort.clone(),
            programme: r.fields.programme.clone(),
            school: r.fields.school.clone(),
            year: s.completed_at.unwrap_or(s.updated_at).year(),
            answers,
        });
    }
    Ok(out)
}

/// A group label as the response report writes it: trimmed, blank as [`BLANK_GROUP`].
fn label_of(p: &Answered, by: GroupBy) -> String {
    let v = match by {
        GroupBy::Cohort => &p.cohort,
        GroupBy::Programme => &p.programme,
        GroupBy::School => &p.school,
    };
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or(BLANK_GROUP)
        .to_string()
}

/// The report over `scope`, one breakdown per entry of `bys` (`None`: the total alone).
pub async fn indicator_report(
    store: &Store,
    flow: &Flow,
    bys: &[Option<GroupBy>],
    scope: &Scope,
) -> Result<IndicatorReport, IndicatorError> {
    let ind = flow
        .indicators
        .as_ref()
        .ok_or_else(|| IndicatorError::NotDeclared(flow.id.clone()))?;
    let ump = UmpTable::shipped()?;
    let people = load(store, flow, scope).await?;
    let mut breakdowns = Vec::new();
    for by in bys {
        let rates = response_report_scoped(store, &flow.id, *by, scope).await?;
        let mut groups = Vec::new();
        if let Some(by) = by {
            let mut members: BTreeMap<String, Vec<&Answered>> = BTreeMap::new();
            for p in &people {
                members.entry(label_of(p, *by)).or_default().push(p);
            }
            for (label, counts) in &rates.groups {
                let who = members.remove(label).unwrap_or_default();
                groups.push(GroupFigures {
                    label: Some(label.clone()),
                    roster: counts.roster,
                    completed: counts.completed,
                    figures: compute(flow, ind, &ump, &who),
                });
            }
            // Completed respondents the roster report does not know (should not happen:
            // both read the same sessions) are still counted, with no roster.
            for (label, who) in members {
                groups.push(GroupFigures {
                    label: Some(label),
                    roster: 0,
                    completed: who.len() as u64,
                    figures: compute(flow, ind, &ump, &who),
                });
            }
        }
        let all: Vec<&Answered> = people.iter().collect();
        groups.push(GroupFigures {
            label: None,
            roster: rates.total.roster,
            completed: rates.total.completed,
            figures: compute(flow, ind, &ump, &all),
        });
        breakdowns.push(Breakdown { by: *by, groups });
    }
    Ok(IndicatorReport {
        flow_id: flow.id.clone(),
        breakdowns,
    })
}
