//! Names: question codes, "other" follow-up codes, section ids and repeat group ids — their
//! form, and that each is used once in the whole file.

use super::diagnostics::{At, pos};
use crate::flow::def::{FileDef, ItemDef};
use std::collections::HashMap;

/// True when `s` is a valid name: an ASCII letter, then letters, digits, `_` (and `-` when
/// `dash`).
pub(super) fn valid_name(s: &str, dash: bool) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || (dash && c == '-'))
}

/// Every code, other-code, section id and group id in file order.
fn all_names(file: &FileDef) -> Vec<(String, (u64, u64))> {
    let mut out = Vec::new();
    fn item(i: &ItemDef, out: &mut Vec<(String, (u64, u64))>) {
        if let Some(c) = &i.code {
            out.push((c.value.clone(), pos(c)));
        }
        if let Some(r) = &i.repeat {
            out.push((r.value.clone(), pos(r)));
        }
        for o in i.options.iter().flat_map(|o| o.value.iter()) {
            if let Some(other) = &o.value.other {
                out.push((other.value.code.value.clone(), pos(&other.value.code)));
            }
        }
        for r in i.rows.iter().flat_map(|r| r.value.iter()) {
            out.push((r.value.code.value.clone(), pos(&r.value.code)));
        }
        for q in i.questions.iter().flat_map(|q| q.value.iter()) {
            item(&q.value, out);
        }
    }
    for s in &file.sections.value {
        out.push((s.value.id.value.clone(), pos(&s.value.id)));
        for q in &s.value.questions.value {
            item(&q.value, &mut out);
        }
    }
    out
}

/// Every name of a flow file, indexed in one pass over the names in file order.
pub(super) struct NameIndex {
    /// The first position of each name, for "asked later" messages.
    pub(super) first: HashMap<String, At>,
    /// Every name used again: (name, where repeated, where first used).
    pub(super) duplicates: Vec<(String, At, At)>,
}

/// Indexes the names of `file`.
pub(super) fn index_names(file: &FileDef) -> NameIndex {
    let mut first: HashMap<String, At> = HashMap::new();
    let mut duplicates = Vec::new();
    for (name, at) in all_names(file) {
        match first.get(&name) {
            Some(f) => duplicates.push((name, at, *f)),
            None => {
                first.insert(name, at);
            }
        }
    }
    NameIndex { first, duplicates }
}
