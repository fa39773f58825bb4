//! The indicator formulas (`../shared/domain.md`, "Indicator formulas"), pure: the answers of
//! completed respondents in, one [`Figure`] per indicator out. Each figure's `n` counts only
//! the respondents who answered what it needs, so a skipped income lowers the income
//! figures' n and nothing else.

use std::collections::HashMap;

use super::ump::UmpTable;
use super::wilson::wilson95;
use crate::flow::indicators::{Fit, Indicators};
use crate::flow::{Flow, Kind};
use crate::model::Value;

/// IKU 1 counts a working graduate whose income is at least this many times the UMP.
pub const IKU_UMP_FACTOR: f64 = 1.2;

/// Months within which a first job counts as early.
pub const EARLY_MONTHS: f64 = 6.0;

/// A completed respondent: the grouping fields, the year the answers describe (completion
/// year, for the UMP) and the answers of the first iteration by question code.
#[derive(Debug, Clone, Default)]
pub struct Answered {
    /// Cohort (graduation year) from the roster.
    pub cohort: Option<String>,
    /// Programme.
    pub programme: Option<String>,
    /// School.
    pub school: Option<String>,
    /// Year of completion.
    pub year: i32,
    /// Answers by code (iteration 0).
    pub answers: HashMap<String, Value>,
}

/// What a figure measures; its Fluent id is `cli-ind-<id>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Measure {
    /// Working or self-employed, over respondents who gave a status.
    Employment,
    /// Self-employed (wirausaha).
    Entrepreneurship,
    /// Studying further.
    FurtherStudy,
    /// SMK "BMW": bekerja, melanjutkan, wirausaha.
    Bmw,
    /// Answered yes to "first job within 6 months".
    Within6Months,
    /// Waiting months ≤ 6, over those who gave a number.
    WaitingUpTo6,
    /// Median waiting months.
    WaitingMedian,
    /// Mean waiting months.
    WaitingMean,
    /// Horizontal fit.
    HorizontalFit,
    /// Vertical fit.
    VerticalFit,
    /// Income at least the UMP of the place of work.
    IncomeAtLeastUmp,
    /// Median of income / UMP.
    IncomeRatioMedian,
    /// Dikti IKU 1.
    Iku1,
    /// Mean of (needed − at graduation) for one grid row.
    CompetencyGap,
}

impl Measure {
    /// The stable id (CSV `indicator` column in English, Fluent ids `cli-ind-<id>`).
    pub fn id(self) -> &'static str {
        match self {
            Measure::Employment => "employment",
            Measure::Entrepreneurship => "entrepreneurship",
            Measure::FurtherStudy => "further-study",
            Measure::Bmw => "bmw",
            Measure::Within6Months => "within-6-months",
            Measure::WaitingUpTo6 => "waiting-up-to-6",
            Measure::WaitingMedian => "waiting-median",
            Measure::WaitingMean => "waiting-mean",
            Measure::HorizontalFit => "horizontal-fit",
            Measure::VerticalFit => "vertical-fit",
            Measure::IncomeAtLeastUmp => "income-at-least-ump",
            Measure::IncomeRatioMedian => "income-ratio-median",
            Measure::Iku1 => "iku1",
            Measure::CompetencyGap => "competency-gap",
        }
    }
}

/// One figure of one group.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// What it measures.
    pub measure: Measure,
    /// The grid row, for a competency gap.
    pub row: Option<String>,
    /// Respondents who completed and answered its inputs.
    pub n: u64,
    /// For a proportion: how many of `n` count.
    pub hits: Option<u64>,
    /// The proportion (0–1), mean, median or ratio; `None` when `n` is 0.
    pub value: Option<f64>,
}

impl Figure {
    fn share(measure: Measure, hits: u64, n: u64) -> Figure {
        Figure {
            measure,
            row: None,
            n,
            hits: Some(hits),
            value: (n > 0).then(|| hits as f64 / n as f64),
        }
    }

    fn number(
        measure: Measure,
        row: Option<String>,
        values: &[f64],
        f: fn(&[f64]) -> f64,
    ) -> Figure {
        Figure {
            measure,
            row,
            n: values.len() as u64,
            hits: None,
            value: (!values.is_empty()).then(|| f(values)),
        }
    }

    /// The 95 % Wilson interval of a proportion (fractions).
    pub fn interval(&self) -> Option<(f64, f64)> {
        self.hits.and_then(|h| wilson95(h, self.n))
    }
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let m = s.len() / 2;
    if s.len() % 2 == 1 {
        s[m]
    } else {
        (s[m - 1] + s[m]) / 2.0
    }
}

/// What a respondent said their status is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Working,
    SelfEmployed,
    Studying,
    Other,
}

/// Computes every figure the flow's `indicators:` can feed, over `people`.
pub fn compute(flow: &Flow, ind: &Indicators, ump: &UmpTable, people: &[&Answered]) -> Vec<Figure> {
    let mut out = Vec::new();
    let status_of = |p: &Answered| -> Option<Status> {
        let s = ind.status.as_ref()?;
        let Some(Value::Choice(c)) = p.answers.get(&s.code) else {
            return None;
        };
        Some(if s.working.contains(c) {
            Status::Working
        } else if s.self_employed.contains(c) {
            Status::SelfEmployed
        } else if s.studying.contains(c) {
            Status::Studying
        } else {
            Status::Other
        })
    };
    if ind.status.is_some() {
        let st: Vec<Status> = people.iter().filter_map(|p| status_of(p)).collect();
        let n = st.len() as u64;
        let count = |f: &dyn Fn(Status) -> bool| st.iter().filter(|s| f(**s)).count() as u64;
        out.push(Figure::share(
            Measure::Employment,
            count(&|s| matches!(s, Status::Working | Status::SelfEmployed)),
            n,
        ));
        out.push(Figure::share(
            Measure::Entrepreneurship,
            count(&|s| s == Status::SelfEmployed),
            n,
        ));
        out.push(Figure::share(
            Measure::FurtherStudy,
            count(&|s| s == Status::Studying),
            n,
        ));
        out.push(Figure::share(
            Measure::Bmw,
            count(&|s| s != Status::Other),
            n,
        ));
    }
    let within = |p: &Answered| -> Option<bool> {
        match p.answers.get(ind.within_6_months.as_ref()?) {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        }
    };
    if ind.within_6_months.is_some() {
        let v: Vec<bool> = people.iter().filter_map(|p| within(p)).collect();
        let hits = v.iter().filter(|b| **b).count() as u64;
        out.push(Figure::share(Measure::Within6Months, hits, v.len() as u64));
    }
    let waiting = |p: &Answered| -> Option<f64> {
        ind.waiting_months
            .iter()
            .find_map(|c| number(p.answers.get(c)?))
    };
    if !ind.waiting_months.is_empty() {
        let v: Vec<f64> = people.iter().filter_map(|p| waiting(p)).collect();
        let hits = v.iter().filter(|m| **m <= EARLY_MONTHS).count() as u64;
        out.push(Figure::share(Measure::WaitingUpTo6, hits, v.len() as u64));
        out.push(Figure::number(Measure::WaitingMedian, None, &v, median));
        out.push(Figure::number(Measure::WaitingMean, None, &v, mean));
    }
    for (fit, measure) in [
        (&ind.horizontal_fit, Measure::HorizontalFit),
        (&ind.vertical_fit, Measure::VerticalFit),
    ] {
        let Some(fit) = fit else { continue };
        let v: Vec<bool> = people.iter().filter_map(|p| fits(fit, p)).collect();
        let hits = v.iter().filter(|b| **b).count() as u64;
        out.push(Figure::share(measure, hits, v.len() as u64));
    }
    // Income over the UMP of the province of work in the year of the answers.
    let ratio = |p: &Answered| -> Option<f64> {
        let income = match p.answers.get(ind.income.as_ref()?)? {
            Value::Money(r) | Value::Integer(r) => *r as f64,
            _ => return None,
        };
        let province = province_text(flow, ind.place_of_work.first()?, p)?;
        let ump = ump.lookup(&province, p.year)?;
        Some(income / ump.rupiah as f64)
    };
    if ind.income.is_some() && !ind.place_of_work.is_empty() {
        let v: Vec<f64> = people.iter().filter_map(|p| ratio(p)).collect();
        let hits = v.iter().filter(|r| **r >= 1.0).count() as u64;
        out.push(Figure::share(
            Measure::IncomeAtLeastUmp,
            hits,
            v.len() as u64,
        ));
        out.push(Figure::number(Measure::IncomeRatioMedian, None, &v, median));
    }
    // IKU 1: studying or self-employed counts; working counts when the first job came within
    // 6 months and pays at least 1.2 × UMP; anyone else does not. A working respondent
    // whose timing, income or UMP is unknown cannot be decided and stays out of n.
    if ind.status.is_some() && ind.income.is_some() && !ind.place_of_work.is_empty() {
        let mut hits = 0;
        let mut n = 0;
        for p in people {
            let decided = match status_of(p) {
                None => None,
                Some(Status::Studying | Status::SelfEmployed) => Some(true),
                Some(Status::Other) => Some(false),
                Some(Status::Working) => {
                    let early = within(p).or_else(|| waiting(p).map(|m| m <= EARLY_MONTHS));
                    match early {
                        Some(false) => Some(false),
                        Some(true) => ratio(p).map(|r| r >= IKU_UMP_FACTOR),
                        None => None,
                    }
                }
            };
            if let Some(counts) = decided {
                n += 1;
                hits += u64::from(counts);
            }
        }
        out.push(Figure::share(Measure::Iku1, hits, n));
    }
    if let Some(c) = &ind.competency {
        for row in &c.rows {
            let v: Vec<f64> = people
                .iter()
                .filter_map(|p| match p.answers.get(row) {
                    Some(Value::Ratings(r)) if r.len() >= 2 => Some((r[1] - r[0]) as f64),
                    _ => None,
                })
                .collect();
            out.push(Figure::number(
                Measure::CompetencyGap,
                Some(row.clone()),
                &v,
                mean,
            ));
        }
    }
    out
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Decimal(d) => Some(*d),
        _ => None,
    }
}

fn fits(fit: &Fit, p: &Answered) -> Option<bool> {
    let v = p.answers.get(fit.code())?;
    match fit {
        Fit::AtMost { max, .. } => {
            let point = match v {
                Value::Scale(s) | Value::Integer(s) => *s,
                Value::Choice(c) => c.parse().ok()?,
                _ => return None,
            };
            Some(point <= *max)
        }
        Fit::Equals { value, .. } => match v {
            Value::Choice(c) => Some(c == value),
            _ => None,
        },
    }
}

/// The province a respondent named: a typed text, or the label (in the flow's default
/// language) of the option they chose.
fn province_text(flow: &Flow, code: &str, p: &Answered) -> Option<String> {
    match p.answers.get(code)? {
        Value::Text(t) => Some(t.clone()),
        Value::Choice(c) => {
            let q = flow.question(code)?;
            if let Kind::Single { options } = &q.kind {
                let o = options.iter().find(|o| &o.code == c)?;
                o.labels.first().cloned()
            } else {
                None
            }
        }
        _ => None,
    }
}
