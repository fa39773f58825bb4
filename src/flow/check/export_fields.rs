//! `export_fields`: the export's names for roster fields (`external_id: nimhsmsmh`), each a
//! known field (or `extra.<column>`) named by a column name no other column has.

use super::Checker;
use super::diagnostics::pos;
use super::names::valid_name;
use crate::flow::Kind;
use crate::flow::def::S;
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
        let Some(def) = def else {
            return Vec::new();
        };
        let mut questions: HashSet<String> = HashSet::new();
        for q in &self.items {
            match &q.kind {
                Kind::Multi { options, .. } => questions.extend(
                    options
                        .iter()
                        .map(|o| o.export.clone().unwrap_or(format!("{}_{}", q.code, o.code))),
                ),
                Kind::Grid { exports, .. } => questions.extend(exports.iter().cloned()),
                _ => {
                    questions.insert(q.code.clone());
                }
            }
        }
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
}
