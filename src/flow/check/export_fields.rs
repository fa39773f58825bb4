//! `export_fields`: the export's names for roster fields (`external_id: nimhsmsmh`), each a
//! known field (or `extra.<column>`) named by a column name no other column has.

use super::Checker;
use super::diagnostics::pos;
use super::names::valid_name;
use crate::flow::def::S;
use crate::flow::{Kind, Question};
use crate::model::RespondentFields;
use std::collections::{BTreeMap, HashSet};

/// The export's own columns besides roster fields and answers.
const FIXED: [&str; 5] = [
    "respondent_id",
    "status",
    "language",
    "flow_version",
    "completed_at",
];

impl Checker {
    /// Checks the mapping and returns it as (field, column) pairs.
    pub(super) fn export_fields(
        &mut self,
        def: Option<&S<BTreeMap<String, S<String>>>>,
    ) -> Vec<(String, String)> {
        self.reserved_columns(def);
        let Some(def) = def else {
            return Vec::new();
        };
        let questions: HashSet<String> = self.items.iter().flat_map(columns).collect();
        // A field keeps its own name unless mapped, so an unmapped field's name is taken.
        let unmapped: HashSet<&str> = RespondentFields::KNOWN
            .iter()
            .copied()
            .filter(|f| !def.value.contains_key(*f))
            .collect();
        let mut out = Vec::new();
        let mut named: HashSet<String> = HashSet::new();
        for (field, column) in &def.value {
            let at = pos(column);
            let known = RespondentFields::KNOWN.contains(&field.as_str())
                || field
                    .strip_prefix("extra.")
                    .is_some_and(|c| !c.trim().is_empty());
            if !known {
                self.err(
                    at,
                    format!(
                        "unknown roster field `{field}` in `export_fields`: use {} or `extra.<roster column>`",
                        RespondentFields::KNOWN
                            .iter()
                            .map(|f| format!("`{f}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
                continue;
            }
            let name = column.value.trim();
            if !valid_name(name, true) {
                self.err(
                    at,
                    format!("export column `{name}` must be letters, digits, `_` or `-`, starting with a letter"),
                );
                continue;
            }
            let clash = if questions.contains(name) {
                Some("a question's column")
            } else if FIXED.contains(&name) || unmapped.contains(name) {
                Some("one of the export's own columns")
            } else if !named.insert(name.to_string()) {
                Some("another field's column in `export_fields`")
            } else {
                None
            };
            if let Some(what) = clash {
                self.err(
                    at,
                    format!("export column `{name}` for `{field}` is already {what}"),
                );
                continue;
            }
            out.push((field.clone(), name.to_string()));
        }
        out
    }

    /// A question's column may not be one of the export's own columns (`status`,
    /// `completed_at`…) nor a roster field's column (`name`, `school`… unless
    /// `export_fields` renames that field): the export would carry two columns of one name,
    /// and a spreadsheet or the national merge would read the wrong one.
    fn reserved_columns(&mut self, def: Option<&S<BTreeMap<String, S<String>>>>) {
        let renamed = |f: &str| def.is_some_and(|d| d.value.contains_key(f));
        let mut clashes = Vec::new();
        for q in &self.items {
            for c in columns(q) {
                let what = if FIXED.contains(&c.as_str()) {
                    "one of the export's own columns"
                } else if RespondentFields::KNOWN.contains(&c.as_str()) && !renamed(&c) {
                    "the roster field's column"
                } else {
                    continue;
                };
                // Where the author wrote the name: an `export:` of its own, else the code.
                let at = self
                    .export_columns
                    .iter()
                    .find(|(n, _)| *n == c)
                    .map(|(_, at)| *at)
                    .or_else(|| self.all_names.get(&q.code).copied())
                    .unwrap_or((1, 1));
                clashes.push((at, c, what, q.code.clone()));
            }
        }
        for (at, c, what, code) in clashes {
            let hint = if RespondentFields::KNOWN.contains(&c.as_str()) {
                format!(
                    "rename the question, or give the roster field another column with \
                     `export_fields: {{ {c}: roster_{c} }}`"
                )
            } else {
                "rename the question (or give it `export:` with another name)".to_string()
            };
            self.err(
                at,
                format!("export column `{c}` of `{code}` is already {what}: {hint}"),
            );
        }
    }
}

/// The export columns of a question: one per option of a multiple choice (its `export:`
/// name or `<code>_<option>`), one per row of a grid, else its code.
fn columns(q: &Question) -> Vec<String> {
    match &q.kind {
        Kind::Multi { options, .. } => options
            .iter()
            .map(|o| o.export.clone().unwrap_or(format!("{}_{}", q.code, o.code)))
            .collect(),
        Kind::Grid { exports, .. } => exports.clone(),
        _ => vec![q.code.clone()],
    }
}
