//! Moving through a flow: which question comes next given the answers so far. The same walk
//! estimates how many questions are left, so progress is counted on the respondent's own path.

use super::state::{Answer, Position};
use crate::flow::cond::Facts;
use crate::flow::{Flow, Kind, Target};
use crate::model::{AnswerKey, AnswerKeyRef, RespondentFields, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// What follows a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Ask this.
    Ask(Position),
    /// The survey is over.
    End,
}

/// The answers and fields conditions see, from inside a given repeat iteration.
pub struct View<'a> {
    /// The flow.
    pub flow: &'a Flow,
    /// Answers on the path.
    pub answers: &'a BTreeMap<AnswerKey, Answer>,
    /// The respondent's roster fields.
    pub fields: &'a RespondentFields,
    /// Current repeat iteration (0 outside groups).
    pub iteration: u32,
}

impl View<'_> {
    /// The key under which the answer to `item` is kept at this iteration.
    pub fn key(flow: &Flow, item: usize, iteration: u32) -> AnswerKey {
        let q = &flow.items[item];
        AnswerKey {
            code: q.code.clone(),
            iteration: if q.group.is_some() { iteration } else { 0 },
        }
    }

    fn at(&self, iteration: u32) -> View<'_> {
        View { iteration, ..*self }
    }
}

impl Facts for View<'_> {
    fn answer(&self, code: &str) -> Option<Cow<'_, Value>> {
        let q = &self.flow.items[self.flow.index_of(code)?];
        if let Kind::Computed { expr, .. } = &q.kind {
            // Its inputs are earlier entries, so this recursion ends.
            return expr.value(self).map(Cow::Owned);
        }
        let iteration = if q.group.is_some() { self.iteration } else { 0 };
        // Looked up by borrowed parts: this runs for every condition on every walk.
        self.answers
            .get(&(q.code.as_str(), iteration) as &dyn AnswerKeyRef)
            .map(|a| Cow::Borrowed(&a.value))
    }

    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name)
    }
}

/// The first question of the flow.
pub fn first(v: &View) -> Next {
    seek(v, 0, 0, None)
}

/// What follows `pos` once it has been answered (`another` is the answer to a `More`).
pub fn after(v: &View, pos: Position, another: bool) -> Next {
    let flow = v.flow;
    match pos {
        Position::More { group, iteration } => {
            let g = &flow.groups[group];
            if another && iteration < g.max {
                seek(v, g.start, iteration + 1, Some(group))
            } else {
                seek(v, g.end, 0, None)
            }
        }
        Position::Question { item, iteration } => {
            let q = &flow.items[item];
            let anchor = q.follows.as_ref().map_or(item, |(p, _)| *p);
            let here = v.at(iteration);
            // "Other" follow-ups of the anchor come first; its goto applies after them.
            let mut j = item + 1;
            while j < flow.items.len()
                && flow.items[j]
                    .follows
                    .as_ref()
                    .is_some_and(|(p, _)| *p == anchor)
            {
                if flow.items[j].when.as_ref().is_none_or(|c| c.eval(&here)) {
                    return Next::Ask(Position::Question { item: j, iteration });
                }
                j += 1;
            }
            for rule in &flow.items[anchor].goto {
                if rule.when.as_ref().is_none_or(|c| c.eval(&here)) {
                    return match rule.to {
                        Target::End => Next::End,
                        Target::Item(t) => seek(v, t, iteration, q.group),
                    };
                }
            }
            seek(v, j, iteration, q.group)
        }
    }
}

/// The first askable position at or after item `j`.
fn seek(v: &View, mut j: usize, mut iteration: u32, mut group: Option<usize>) -> Next {
    let flow = v.flow;
    loop {
        if let Some(g) = group {
            let gr = &flow.groups[g];
            if j >= gr.end {
                if iteration < gr.max {
                    return Next::Ask(Position::More {
                        group: g,
                        iteration,
                    });
                }
                group = None;
                iteration = 0;
                j = gr.end;
            }
        }
        let Some(q) = flow.items.get(j) else {
            return Next::End;
        };
        if group.is_none()
            && let Some(g) = q.group
        {
            let gr = &flow.groups[g];
            // Enter only if the group's own condition holds and at least one of its questions
            // would be asked (a section condition may rule them all out).
            let askable = (gr.start..gr.end).any(|k| {
                !flow.items[k].is_computed()
                    && flow.items[k].when.as_ref().is_none_or(|c| c.eval(&v.at(1)))
            });
            if j == gr.start && gr.when.as_ref().is_none_or(|c| c.eval(&v.at(0))) && askable {
                group = Some(g);
                iteration = 1;
            } else {
                j = gr.end;
                continue;
            }
        }
        // Computed entries are never asked: their value follows from the answers.
        if !q.is_computed() && q.when.as_ref().is_none_or(|c| c.eval(&v.at(iteration))) {
            return Next::Ask(Position::Question { item: j, iteration });
        }
        j += 1;
    }
}

/// Questions left on the path from `pos` (counting `pos` itself), assuming unanswered
/// questions lead nowhere special and repeat groups end after the current item.
pub fn remaining(v: &View, pos: Position) -> usize {
    let mut count = 0;
    let mut at = pos;
    // Each item is visited at most once per iteration in this walk; the bound only guards
    // against a flow the checker let through with a loop.
    for _ in 0..(v.flow.items.len() * 2 + 2) {
        if let Position::Question { .. } = at {
            count += 1;
        }
        match after(v, at, false) {
            Next::Ask(p) => at = p,
            Next::End => break,
        }
    }
    count
}
