//! The `indicators:` section: every code must name a question of the flow, of a type the
//! indicator can read, and status codes must be options of the status question. Each error
//! points at the code or value that is wrong.

use super::Checker;
use super::diagnostics::{pos, suggest};
use crate::flow::def::{FitDef, IndicatorsDef, S};
use crate::flow::indicators::{Competency, Fit, Indicators, StatusMap};
use crate::flow::{Kind, Question};

impl Checker {
    /// Checks the section once every question is known; `None` when absent.
    pub(super) fn indicators(&mut self, def: Option<&S<IndicatorsDef>>) -> Option<Indicators> {
        let d = &def?.value;
        let mut out = Indicators::default();
        if let Some(s) = &d.status {
            let code = &s.value.answer;
            if let Some(q) = self.indicator_question(code, "status", &["single"]) {
                let options: Vec<String> =
                    q.kind.options().iter().map(|o| o.code.clone()).collect();
                let mut list = |l: &Option<S<Vec<S<String>>>>, what: &str| -> Vec<String> {
                    let mut v = Vec::new();
                    for c in l.iter().flat_map(|l| &l.value) {
                        if options.contains(&c.value) {
                            v.push(c.value.clone());
                        } else {
                            // The codes are listed: a "did you mean" between one-digit codes
                            // would only guess.
                            self.err(
                                pos(c),
                                format!(
                                    "indicators: `{}` in `{what}` is not an option code of `{}` (its codes: {})",
                                    c.value,
                                    code.value,
                                    options.join(", ")
                                ),
                            );
                        }
                    }
                    v
                };
                out.status = Some(StatusMap {
                    code: code.value.clone(),
                    working: list(&s.value.working, "working"),
                    self_employed: list(&s.value.self_employed, "self_employed"),
                    studying: list(&s.value.studying, "studying"),
                });
            }
        }
        if let Some(c) = &d.within_6_months
            && self
                .indicator_question(c, "within_6_months", &["yesno"])
                .is_some()
        {
            out.within_6_months = Some(c.value.clone());
        }
        for c in d.waiting_months.iter().flat_map(|l| &l.value) {
            if self
                .indicator_question(c, "waiting_months", &["integer", "decimal"])
                .is_some()
            {
                out.waiting_months.push(c.value.clone());
            }
        }
        out.horizontal_fit = d
            .horizontal_fit
            .as_ref()
            .and_then(|f| self.fit(f, "horizontal_fit"));
        out.vertical_fit = d
            .vertical_fit
            .as_ref()
            .and_then(|f| self.fit(f, "vertical_fit"));
        if let Some(c) = &d.income
            && self
                .indicator_question(c, "income", &["money", "integer"])
                .is_some()
        {
            out.income = Some(c.value.clone());
        }
        if let Some(list) = &d.place_of_work {
            if list.value.is_empty() || list.value.len() > 2 {
                self.err(
                    pos(list),
                    "indicators: `place_of_work` lists the province question, then optionally the city/regency question",
                );
            }
            for c in &list.value {
                if self
                    .indicator_question(c, "place_of_work", &["text", "single"])
                    .is_some()
                {
                    out.place_of_work.push(c.value.clone());
                }
            }
        }
        if let Some(g) = &d.competency {
            out.competency = self.competency(g);
        }
        Some(out)
    }

    /// The question `code` names, if it exists and has one of the `kinds`; else an error at
    /// the code.
    fn indicator_question(
        &mut self,
        code: &S<String>,
        what: &str,
        kinds: &[&str],
    ) -> Option<&Question> {
        let Some(index) = self.seen.get(&code.value).map(|s| s.index) else {
            let hint = suggest(&code.value, self.seen.keys().map(String::as_str));
            self.err(
                pos(code),
                format!(
                    "indicators: `{what}` names `{}`, which is not a question of this flow{hint}",
                    code.value
                ),
            );
            return None;
        };
        let kind = self.items[index].kind.name();
        if !kinds.contains(&kind) {
            self.err(
                pos(code),
                format!(
                    "indicators: `{what}` needs a {} question; `{}` is `{kind}`",
                    kinds.join(" or "),
                    code.value
                ),
            );
            return None;
        }
        Some(&self.items[index])
    }

    /// `{ answer, max }` (a Likert point, whole number or numeric option code at most `max`)
    /// or `{ answer, equals }` (an option code): exactly one of the two.
    fn fit(&mut self, f: &S<FitDef>, what: &str) -> Option<Fit> {
        let d = &f.value;
        match (&d.max, &d.equals) {
            (Some(max), None) => {
                let q =
                    self.indicator_question(&d.answer, what, &["likert", "single", "integer"])?;
                let bad = match &q.kind {
                    Kind::Likert { from, to, .. } if max.value < *from || max.value > *to => {
                        Some(format!("{from} to {to}"))
                    }
                    Kind::Single { options }
                        if options.iter().any(|o| o.code.parse::<i64>().is_err()) =>
                    {
                        Some("numeric option codes".to_string())
                    }
                    _ => None,
                };
                if let Some(range) = bad {
                    self.err(
                        pos(max),
                        format!(
                            "indicators: `{what}.max` {} does not fit `{}` ({range})",
                            max.value, d.answer.value
                        ),
                    );
                    return None;
                }
                Some(Fit::AtMost {
                    code: d.answer.value.clone(),
                    max: max.value,
                })
            }
            (None, Some(eq)) => {
                let q = self.indicator_question(&d.answer, what, &["single"])?;
                let options: Vec<String> =
                    q.kind.options().iter().map(|o| o.code.clone()).collect();
                if !options.contains(&eq.value) {
                    self.err(
                        pos(eq),
                        format!(
                            "indicators: `{what}.equals` `{}` is not an option code of `{}` (its codes: {})",
                            eq.value,
                            d.answer.value,
                            options.join(", ")
                        ),
                    );
                    return None;
                }
                Some(Fit::Equals {
                    code: d.answer.value.clone(),
                    value: eq.value.clone(),
                })
            }
            _ => {
                self.err(
                    pos(f),
                    format!("indicators: `{what}` needs exactly one of `max` (a highest point) or `equals` (an option code)"),
                );
                None
            }
        }
    }

    /// A grid with at least two scales: its rows.
    fn competency(&mut self, g: &S<String>) -> Option<Competency> {
        let rows: Vec<&Question> = self
            .items
            .iter()
            .filter(|q| matches!(&q.kind, Kind::Grid { grid, .. } if *grid == g.value))
            .collect();
        let Some(first) = rows.first() else {
            let grids: Vec<&str> = self
                .items
                .iter()
                .filter_map(|q| match &q.kind {
                    Kind::Grid { grid, .. } => Some(grid.as_str()),
                    _ => None,
                })
                .collect();
            let hint = suggest(&g.value, grids.into_iter());
            let what = if self.seen.contains_key(&g.value) {
                format!("`{}` is not a grid", g.value)
            } else {
                format!("`{}` is not a grid of this flow", g.value)
            };
            self.err(
                pos(g),
                format!("indicators: `competency` needs a grid question; {what}{hint}"),
            );
            return None;
        };
        if let Kind::Grid { scales, .. } = &first.kind
            && scales.len() < 2
        {
            self.err(
                pos(g),
                format!(
                    "indicators: `competency` needs a grid with two scales (at graduation, needed at work); `{}` has {}",
                    g.value,
                    scales.len()
                ),
            );
            return None;
        }
        Some(Competency {
            grid: g.value.clone(),
            rows: rows.iter().map(|q| q.code.clone()).collect(),
        })
    }
}
