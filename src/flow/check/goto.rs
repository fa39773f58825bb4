//! `goto` and the question graph: jump targets resolved, then what no path reaches and loops
//! with no way out.

use super::Checker;
use super::diagnostics::{pos, suggest};
use crate::flow::{Goto, Group, Question, Target};
use std::collections::HashSet;

impl Checker {
    /// Resolves every `goto` target to a question or the end: only forward, never into or
    /// out of a repeat group, never to an "other" follow-up.
    pub(super) fn resolve_gotos(&mut self) {
        for pending in std::mem::take(&mut self.gotos) {
            let from_group = self.items[pending.from].group;
            let mut rules = Vec::new();
            for (when, to) in pending.rules {
                let name = to.value.as_str();
                let target = if name == "end" {
                    Some(Target::End)
                } else if let Some(&i) = self.section_start.get(name) {
                    (i < self.items.len()).then_some(Target::Item(i))
                } else if let Some(i) = self.items.iter().position(|q| q.code == name) {
                    Some(Target::Item(i))
                } else {
                    let names = self
                        .items
                        .iter()
                        .map(|q| q.code.as_str())
                        .chain(self.sections.iter().map(|s| s.id.as_str()));
                    let hint = suggest(name, names);
                    self.err(pos(&to), format!("`goto` target `{name}` is not a question code, a section id or `end`{hint}"));
                    None
                };
                if let Some(Target::Item(i)) = target {
                    let q = &self.items[i];
                    if q.follows.is_some() {
                        self.err(pos(&to), format!("`goto` cannot jump to `{name}`, the follow-up of an \"other\" option"));
                        continue;
                    }
                    if q.group != from_group {
                        self.err(
                            pos(&to),
                            format!("`goto` cannot jump into or out of a repeat group (`{name}`)"),
                        );
                        continue;
                    }
                    if i <= pending.from {
                        // Going back would ask answered questions again and overwrite them.
                        self.err(
                            pos(&to),
                            format!("`goto` jumps back to `{name}`, which is asked earlier: this makes a loop; only forward jumps are allowed"),
                        );
                        continue;
                    }
                }
                if let Some(t) = target {
                    rules.push((Goto { when, to: t }, pos(&to)));
                }
            }
            self.goto_pos
                .extend(rules.iter().map(|(_, p)| (pending.from, *p)));
            self.items[pending.from].goto = rules.into_iter().map(|(g, _)| g).collect();
        }
    }

    /// Reachability and loops over the question graph (node `n` is the end).
    pub(super) fn check_graph(&mut self) {
        let n = self.items.len();
        if n == 0 {
            return;
        }
        let edges = graph(&self.items, &self.groups);
        let mut reached = vec![false; n + 1];
        let mut stack = vec![0];
        while let Some(i) = stack.pop() {
            if std::mem::replace(&mut reached[i], true) {
                continue;
            }
            stack.extend(edges[i].iter().copied());
        }
        for (i, seen) in reached.iter().enumerate().take(n) {
            if !seen && self.items[i].follows.is_none() && !self.items[i].is_computed() {
                let at = self.item_pos[i];
                self.err(
                    at,
                    format!(
                        "question `{}` can never be reached: every path jumps past it",
                        self.items[i].code
                    ),
                );
            }
        }
        // Backward gotos are rejected earlier, so only a repeat group closes a cycle, and
        // every group has an exit; this stays as a guard for any future kind of loop.
        for scc in sccs(&edges) {
            let looping = scc.len() > 1 || edges[scc[0]].contains(&scc[0]);
            if !looping || scc.contains(&n) {
                continue;
            }
            let inside: HashSet<usize> = scc.iter().copied().collect();
            let exits = scc
                .iter()
                .any(|i| edges[*i].iter().any(|j| !inside.contains(j)));
            if exits || !scc.iter().any(|i| reached[*i]) {
                continue;
            }
            let mut names: Vec<usize> = scc.clone();
            names.sort();
            let cycle = names
                .iter()
                .map(|i| self.items[*i].code.as_str())
                .collect::<Vec<_>>()
                .join(" → ");
            let at = self
                .goto_pos
                .iter()
                .find(|(from, _)| inside.contains(from))
                .map(|(_, p)| *p)
                .unwrap_or(self.item_pos[names[0]]);
            self.err(at, format!("`goto` loop with no way out: {cycle} → …"));
        }
    }
}

/// Successors of each item in the question graph; index `items.len()` is the end.
fn graph(items: &[Question], groups: &[Group]) -> Vec<Vec<usize>> {
    let n = items.len();
    let mut edges = vec![Vec::new(); n + 1];
    for (i, q) in items.iter().enumerate() {
        let anchor = q.follows.as_ref().map_or(i, |(p, _)| *p);
        let rules = &items[anchor].goto;
        for r in rules {
            edges[i].push(match r.to {
                Target::Item(t) => t,
                Target::End => n,
            });
        }
        let has_followups = items
            .get(i + 1)
            .is_some_and(|x| x.follows.as_ref().is_some_and(|(p, _)| *p == anchor));
        let unconditional = rules.iter().any(|r| r.when.is_none());
        // Falls through unless the question is always asked and always jumps.
        let falls = has_followups || !unconditional || items[anchor].when.is_some();
        if falls {
            edges[i].push(i + 1);
        }
        if let Some(g) = q.group {
            let g = &groups[g];
            if i + 1 == g.end {
                edges[i].push(g.start);
            }
        }
    }
    edges
}

/// Strongly connected components (Tarjan, iterative).
fn sccs(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = edges.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut out = Vec::new();
    let mut next = 0;
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work = vec![(root, 0usize)];
        while let Some((v, ei)) = work.pop() {
            if ei == 0 {
                index[v] = next;
                low[v] = next;
                next += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = edges[v].get(ei) {
                work.push((v, ei + 1));
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            if low[v] == index[v] {
                let mut comp = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    comp.push(w);
                    if w == v {
                        break;
                    }
                }
                out.push(comp);
            }
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
        }
    }
    out
}
