//! Grids (matrix questions): a grid becomes one question per row, each answered with one
//! point per scale ("4 5"), exported as one column per row and scale under the codes the
//! author names (`export: [f1761, f1762]`).

use super::conditions::and;
use super::diagnostics::pos;
use super::names::valid_name;
use super::{Checker, PendingGoto, Seen};
use crate::flow::cond::Cond;
use crate::flow::def::{ItemDef, S};
use crate::flow::text::Text;
use crate::flow::{GridScale, Kind, Question};

/// At most this many scales per row: the answer is that many numbers in one message.
const MAX_SCALES: usize = 4;

impl Checker {
    /// Checks a `type: grid` entry and adds one question per row.
    pub(super) fn grid(
        &mut self,
        qdef: &S<ItemDef>,
        section: usize,
        group: Option<usize>,
        outer: Option<Cond>,
    ) {
        let q = &qdef.value;
        let at = pos(qdef);
        let code = self.item_code(q, at, "grid", "_g");
        let code_at = q.code.as_ref().map(pos).unwrap_or(at);
        let kind_at = q.kind.as_ref().map(pos).unwrap_or(at);
        for (present, key) in [
            (q.more.is_some(), "more"),
            (q.questions.is_some(), "questions"),
            (q.min.is_some(), "min"),
            (q.max.is_some(), "max"),
            (q.soft.is_some(), "soft"),
            (q.min_length.is_some(), "min_length"),
            (q.max_length.is_some(), "max_length"),
            (q.unit.is_some(), "unit"),
            (q.options.is_some(), "options"),
            (q.scale.is_some(), "scale"),
            (q.time_unit.is_some(), "time_unit"),
            (q.not_before.is_some(), "not_before"),
            (q.not_after.is_some(), "not_after"),
            (q.precision.is_some(), "precision"),
            (q.pattern.is_some(), "pattern"),
            (q.pattern_message.is_some(), "pattern_message"),
            (q.codes.is_some(), "codes"),
            (q.echo.is_some(), "echo"),
        ] {
            if present {
                let hint = if key == "scale" {
                    " (a grid has `scales:`, a list)"
                } else {
                    ""
                };
                self.err(
                    kind_at,
                    format!("`{key}` does not apply to a `grid` question (`{code}`){hint}"),
                );
            }
        }
        let in_group = group.is_some();
        let earlier = self.earlier();
        let stem = match &q.text {
            Some(t) => self.text(t, &format!("q-{code}"), &earlier, in_group),
            None => {
                self.err(code_at, format!("grid `{code}` has no `text`"));
                Text {
                    id: String::new(),
                    vars: Vec::new(),
                }
            }
        };
        let help = q
            .help
            .as_ref()
            .map(|t| self.text(t, &format!("help-{code}"), &earlier, in_group));
        let own_when = q.when.as_ref().and_then(|c| self.cond(c, group));
        let when = and(outer, own_when);

        let mut scales = Vec::new();
        match &q.scales {
            Some(list) if !list.value.is_empty() => {
                if list.value.len() > MAX_SCALES {
                    self.err(
                        pos(list),
                        format!(
                            "grid `{code}` has {} scales; at most {MAX_SCALES} fit in one answer",
                            list.value.len()
                        ),
                    );
                }
                for (k, s) in list.value.iter().enumerate() {
                    let d = &s.value;
                    let label =
                        self.text(&d.label, &format!("scale-{code}-{k}"), &earlier, in_group);
                    let low = d
                        .low
                        .as_ref()
                        .map(|t| self.text(t, &format!("low-{code}-{k}"), &earlier, in_group));
                    let high = d
                        .high
                        .as_ref()
                        .map(|t| self.text(t, &format!("high-{code}-{k}"), &earlier, in_group));
                    let (from, to) = match (&d.from, &d.to) {
                        (Some(f), Some(t)) => {
                            if f.value >= t.value || t.value - f.value > 10 || f.value < 0 {
                                self.err(
                                    pos(t),
                                    format!(
                                        "scale {} of grid `{code}` must go up from `from` (0 or more) to `to` with at most 11 points (got {} to {})",
                                        k + 1,
                                        f.value,
                                        t.value
                                    ),
                                );
                            }
                            (f.value, t.value)
                        }
                        _ => {
                            self.err(
                                pos(s),
                                format!(
                                    "scale {} of grid `{code}` needs its range: `from` and `to` (e.g. `from: 1`, `to: 5`)",
                                    k + 1
                                ),
                            );
                            (1, 5)
                        }
                    };
                    scales.push(GridScale {
                        label,
                        from,
                        to,
                        low,
                        high,
                    });
                }
            }
            Some(list) => self.err(
                pos(list),
                format!("grid `{code}` has no scales: list at least one under `scales:`"),
            ),
            None => self.err(
                code_at,
                format!("grid `{code}` has no `scales` (each with a `label`, `from` and `to`)"),
            ),
        }

        let rows = match &q.rows {
            Some(r) if !r.value.is_empty() => &r.value[..],
            Some(r) => {
                self.err(
                    pos(r),
                    format!("grid `{code}` has no rows: list at least one under `rows:`"),
                );
                &[]
            }
            None => {
                self.err(
                    code_at,
                    format!("grid `{code}` has no `rows` (each with a `code`, a `label` and its `export` columns)"),
                );
                &[]
            }
        };
        let first = self.items.len();
        for (r, row) in rows.iter().enumerate() {
            let d = &row.value;
            let rcode = d.code.value.clone();
            if !valid_name(&rcode, false) {
                self.err(
                    pos(&d.code),
                    format!(
                        "code `{rcode}` must be letters, digits or `_`, starting with a letter"
                    ),
                );
            }
            let label = self.text(&d.label, &format!("q-{rcode}"), &earlier, in_group);
            let mut exports: Vec<String> =
                (1..=scales.len()).map(|k| format!("{rcode}_{k}")).collect();
            if let Some(list) = &d.export {
                if list.value.len() != scales.len() && !scales.is_empty() {
                    self.err(
                        pos(list),
                        format!(
                            "row `{rcode}` names {} export columns for {} scales: one per scale, in scale order",
                            list.value.len(),
                            scales.len()
                        ),
                    );
                }
                for (k, e) in list.value.iter().enumerate() {
                    if !valid_name(&e.value, false) {
                        self.err(
                            pos(e),
                            format!(
                                "export column `{}` must be letters, digits or `_`, starting with a letter",
                                e.value
                            ),
                        );
                        continue;
                    }
                    self.export_columns.push((e.value.clone(), pos(e)));
                    if let Some(slot) = exports.get_mut(k) {
                        *slot = e.value.clone();
                    }
                }
            }
            let index = self.items.len();
            self.items.push(Question {
                code: rcode.clone(),
                section,
                group,
                kind: Kind::Grid {
                    grid: code.clone(),
                    stem: stem.clone(),
                    row: r + 1,
                    rows: rows.len(),
                    scales: scales.clone(),
                    exports,
                },
                text: label,
                help: help.clone(),
                optional: q.optional.as_ref().is_some_and(|o| o.value),
                refusable: q.refusable.as_ref().is_some_and(|o| o.value),
                when: when.clone(),
                goto: Vec::new(),
                follows: None,
                soft: None,
            });
            self.item_pos.push(pos(&d.code));
            self.seen.insert(rcode, Seen { index, group });
        }
        if rows.is_empty() {
            return;
        }
        // `goto: f17` starts the grid; the grid's own `goto` follows its last row.
        self.section_start.insert(code, first);
        if let Some(rules) = &q.goto {
            let mut compiled = Vec::new();
            for r in &rules.value {
                let when = r.value.when.as_ref().and_then(|c| self.cond(c, group));
                compiled.push((
                    when,
                    S {
                        value: r.value.to.value.clone(),
                        referenced: r.value.to.referenced,
                        defined: r.value.to.defined,
                    },
                ));
            }
            self.gotos.push(PendingGoto {
                from: self.items.len() - 1,
                rules: compiled,
            });
        }
    }
}
