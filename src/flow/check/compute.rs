//! Computed entries (`compute:`), answer bounds (`max: { answer: f6 }`) and soft checks
//! (`soft:`): everything that reads an earlier answer to work out or judge another.

use super::diagnostics::{pos, suggest};
use super::{Checker, Seen};
use crate::flow::compute::{self, Expr, Ty};
use crate::flow::cond::Cond;
use crate::flow::def::{BoundDef, FileDef, ItemDef, S};
use crate::flow::text::Text;
use crate::flow::{Bounds, Kind, Question, Soft};
use crate::model::RespondentFields;
use std::collections::{HashMap, HashSet};

/// The names each `compute:` of the file reads, by code, so a reference to a later computed
/// value can be told apart as a cycle (`a` uses `b`, which uses `a`).
pub(super) fn compute_names(file: &FileDef) -> HashMap<String, Vec<String>> {
    fn item(i: &ItemDef, out: &mut HashMap<String, Vec<String>>) {
        if let (Some(code), Some(src)) = (&i.code, &i.compute) {
            let names = src
                .value
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
                .filter(|w| w.starts_with(|c: char| c.is_ascii_alphabetic()))
                .map(str::to_string)
                .collect();
            out.insert(code.value.clone(), names);
        }
        for q in i.questions.iter().flat_map(|q| q.value.iter()) {
            item(&q.value, out);
        }
    }
    let mut out = HashMap::new();
    for s in &file.sections.value {
        for q in &s.value.questions.value {
            item(&q.value, &mut out);
        }
    }
    out
}

impl Checker {
    /// Checks a computed entry and adds it to the list (never asked; see `Kind::Computed`).
    pub(super) fn computed(
        &mut self,
        qdef: &S<ItemDef>,
        section: usize,
        group: Option<usize>,
        outer: Option<Cond>,
    ) {
        let q = &qdef.value;
        let at = pos(qdef);
        let code = self.item_code(q, at, "computed value", "_c");
        let code_at = q.code.as_ref().map(pos).unwrap_or(at);
        let Some(src) = &q.compute else { return };
        for (present, key) in [
            (q.kind.is_some(), "type"),
            (q.help.is_some(), "help"),
            (q.optional.is_some(), "optional"),
            (q.when.is_some(), "when"),
            (q.goto.is_some(), "goto"),
            (q.min.is_some(), "min"),
            (q.max.is_some(), "max"),
            (q.soft.is_some(), "soft"),
            (q.min_length.is_some(), "min_length"),
            (q.max_length.is_some(), "max_length"),
            (q.time_unit.is_some(), "time_unit"),
            (q.not_before.is_some(), "not_before"),
            (q.not_after.is_some(), "not_after"),
            (q.precision.is_some(), "precision"),
            (q.pattern.is_some(), "pattern"),
            (q.pattern_message.is_some(), "pattern_message"),
            (q.codes.is_some(), "codes"),
            (q.echo.is_some(), "echo"),
            (q.options.is_some(), "options"),
            (q.scale.is_some(), "scale"),
            (q.scales.is_some(), "scales"),
            (q.rows.is_some(), "rows"),
            (q.more.is_some(), "more"),
            (q.questions.is_some(), "questions"),
        ] {
            if present {
                self.err(
                    pos(src),
                    format!("`{key}` does not apply to a computed value (`{code}`): it is never asked, only worked out"),
                );
            }
        }
        if let Some(r) = &q.refusable {
            self.err(
                pos(r),
                format!("`refusable` does not apply to a computed value (`{code}`): it is never asked, so there is nothing to decline"),
            );
        }
        let earlier = self.earlier();
        let in_group = group.is_some();
        // The text is optional: it describes the value in the codebook.
        let text = match &q.text {
            Some(t) => self.text(t, &format!("q-{code}"), &earlier, in_group),
            None => Text {
                id: String::new(),
                vars: Vec::new(),
            },
        };
        let unit = q
            .unit
            .as_ref()
            .map(|t| self.text(t, &format!("unit-{code}"), &earlier, in_group));
        let parsed = {
            let this = &*self;
            compute::parse(&src.value, &mut |name: &str| {
                this.compute_operand(name, &code, group)
            })
        };
        let expr = match parsed {
            Ok(e) => e,
            Err(e) => {
                let at = self.inside(pos(src), &src.value, e.at);
                self.err(at, format!("in `compute` of `{code}`: {}", e.message));
                Expr::Num(0.0)
            }
        };
        let index = self.items.len();
        self.items.push(Question {
            code: code.clone(),
            section,
            group,
            kind: Kind::Computed {
                expr,
                source: src.value.clone(),
                unit,
            },
            text,
            help: None,
            optional: false,
            refusable: false,
            when: outer,
            goto: Vec::new(),
            follows: None,
            soft: None,
        });
        self.item_pos.push(code_at);
        self.seen.insert(code, Seen { index, group });
    }

    /// What `name` in the `compute` of `code` means: an earlier number, date or month-year
    /// answer, or a roster field; otherwise why it cannot be used.
    fn compute_operand(
        &self,
        name: &str,
        code: &str,
        group: Option<usize>,
    ) -> Result<(Expr, Ty), String> {
        if let Some(seen) = self.seen.get(name) {
            if let Some(g) = seen.group
                && group != Some(g)
            {
                return Err(format!(
                    "`{name}` is inside repeat group `{}`; only a compute inside that group can use it",
                    self.groups[g].id
                ));
            }
            let q = &self.items[seen.index];
            let ty = match &q.kind {
                Kind::Integer { .. }
                | Kind::Decimal { .. }
                | Kind::Money { .. }
                | Kind::Likert { .. }
                | Kind::Computed { .. } => Ty::Number,
                Kind::Date { .. } | Kind::MonthYear { .. } => Ty::Date,
                other => {
                    return Err(format!(
                        "`{name}` is a `{}` question; a compute uses numbers, dates and months",
                        other.name()
                    ));
                }
            };
            return Ok((Expr::Answer(name.to_string()), ty));
        }
        if RespondentFields::KNOWN.contains(&name) || name.starts_with("extra.") {
            return Ok((Expr::Field(name.to_string()), Ty::Field));
        }
        if name == code {
            return Err(format!("`{code}` is computed from itself (a cycle)"));
        }
        if let Some((line, _)) = self.all_names.get(name) {
            if let Some(path) = self.cycle(name, code) {
                return Err(format!("cyclic compute: {code} → {path}"));
            }
            return Err(format!(
                "`{name}` comes later (line {line}); a compute can only use earlier answers"
            ));
        }
        Err(format!(
            "unknown name `{name}`{}: a compute uses earlier question codes, respondent fields ({}, `extra.NAME`) and `months_between(a, b)`",
            suggest(name, self.seen.keys().map(String::as_str)),
            RespondentFields::KNOWN.join(", ")
        ))
    }

    /// The path `from → … → to` through later computed values, if `from` leads back to `to`.
    fn cycle(&self, from: &str, to: &str) -> Option<String> {
        let mut stack = vec![(from.to_string(), vec![from.to_string()])];
        let mut visited = HashSet::new();
        while let Some((name, path)) = stack.pop() {
            if !visited.insert(name.clone()) {
                continue;
            }
            for next in self.compute_names.get(&name).into_iter().flatten() {
                let mut p = path.clone();
                p.push(next.clone());
                if next == to {
                    return Some(p.join(" → "));
                }
                stack.push((next.clone(), p));
            }
        }
        None
    }

    /// The position of byte `offset` inside a one-line scalar written at `at` (quoted or not).
    pub(super) fn inside(&self, at: (u64, u64), value: &str, offset: usize) -> (u64, u64) {
        let line = self
            .src
            .lines()
            .nth(at.0.saturating_sub(1) as usize)
            .unwrap_or("");
        let quoted = line
            .chars()
            .nth(at.1.saturating_sub(1) as usize)
            .is_some_and(|c| c == '"' || c == '\'');
        let chars = value.get(..offset).map_or(0, |s| s.chars().count()) as u64;
        (at.0, at.1 + chars + u64::from(quoted))
    }

    /// `min` and `max` of a number or money question: numbers, or earlier answers.
    pub(super) fn number_bounds(
        &mut self,
        q: &ItemDef,
        code: &str,
        group: Option<usize>,
    ) -> Bounds {
        let mut b = Bounds::default();
        for (def, key) in [(&q.min, "min"), (&q.max, "max")] {
            let Some(d) = def else { continue };
            match &d.value {
                BoundDef::Num(x) => {
                    if key == "min" {
                        b.min = Some(*x);
                    } else {
                        b.max = Some(*x);
                    }
                }
                BoundDef::Answer(r) => {
                    if let Some(other) = self.bound_answer(&r.answer, pos(d), key, code, group) {
                        if key == "min" {
                            b.min_answer = Some(other);
                        } else {
                            b.max_answer = Some(other);
                        }
                    }
                }
            }
        }
        if let (Some(a), Some(m), Some(at)) = (b.min, b.max, q.max.as_ref())
            && a > m
        {
            self.err(pos(at), format!("`min` ({a}) is more than `max` ({m})"));
        }
        b
    }

    /// `{ answer: other }` as a bound of `code`: an earlier number or money answer.
    fn bound_answer(
        &mut self,
        other: &str,
        at: (u64, u64),
        key: &str,
        code: &str,
        group: Option<usize>,
    ) -> Option<String> {
        let Some(seen) = self.seen.get(other) else {
            let msg = match self.all_names.get(other) {
                Some((l, _)) if other != code => format!(
                    "`{key}` of `{code}` refers to `{other}`, which is asked later (line {l}); a bound can only use an earlier answer"
                ),
                Some(_) => format!("`{key}` of `{code}` refers to itself"),
                None => format!(
                    "`{key}` of `{code}` refers to unknown question `{other}`{}",
                    suggest(other, self.seen.keys().map(String::as_str))
                ),
            };
            self.err(at, msg);
            return None;
        };
        if let Some(g) = seen.group
            && group != Some(g)
        {
            self.err(
                at,
                format!("`{other}` is inside repeat group `{}`; only questions inside that group can use it as a bound", self.groups[g].id),
            );
            return None;
        }
        let q = &self.items[seen.index];
        match &q.kind {
            Kind::Integer { .. }
            | Kind::Decimal { .. }
            | Kind::Money { .. }
            | Kind::Likert { .. }
            | Kind::Computed { .. } => Some(other.to_string()),
            k => {
                self.err(
                    at,
                    format!(
                        "`{key}` of `{code}` must be a number, but `{other}` is a `{}` question",
                        k.name()
                    ),
                );
                None
            }
        }
    }

    /// `soft: { min, max, message }` of a number or money question.
    pub(super) fn soft(
        &mut self,
        q: &ItemDef,
        code: &str,
        earlier: &HashSet<String>,
        in_group: bool,
    ) -> Option<Soft> {
        let def = q.soft.as_ref()?;
        let s = &def.value;
        let bounds = Bounds {
            min: s.min.as_ref().map(|m| m.value),
            max: s.max.as_ref().map(|m| m.value),
            ..Bounds::default()
        };
        if bounds.min.is_none() && bounds.max.is_none() {
            self.err(pos(def), "`soft` needs a `min` or a `max`");
        }
        if let (Some(a), Some(b), Some(m)) = (bounds.min, bounds.max, s.max.as_ref())
            && a > b
        {
            self.err(
                pos(m),
                format!("`soft` `min` ({a}) is more than its `max` ({b})"),
            );
        }
        let message = s
            .message
            .as_ref()
            .map(|t| self.text(t, &format!("soft-{code}"), earlier, in_group));
        Some(Soft { bounds, message })
    }
}
