//! Options of a choice question: at least two, codes unique and non-empty, labels in every
//! language, `exclusive` only on multiple choice.

use super::Checker;
use super::diagnostics::pos;
use super::names::valid_name;
use crate::flow::Choice;
use crate::flow::def::{ItemDef, OptionDef};
use std::collections::HashSet;

impl Checker {
    /// Checks the options of a single- or multiple-choice question.
    pub(super) fn options(
        &mut self,
        q: &ItemDef,
        code: &str,
        multi: bool,
        at: (u64, u64),
        in_group: bool,
    ) -> Vec<Choice> {
        let Some(defs) = &q.options else {
            self.err(at, format!("choice question `{code}` has no `options`"));
            return Vec::new();
        };
        if defs.value.len() < 2 {
            self.err(pos(defs), format!("`{code}` needs at least two options"));
        }
        let mut seen: HashSet<String> = HashSet::new();
        let mut seen_alias: HashSet<String> = HashSet::new();
        let mut out = Vec::new();
        for (i, o) in defs.value.iter().enumerate() {
            let OptionDef {
                code: ocode,
                label,
                exclusive,
                other,
                aliases,
                export,
            } = &o.value;
            let mut alias_list = Vec::new();
            for a in aliases.iter().flat_map(|a| &a.value) {
                if a.value.trim().is_empty() {
                    self.err(pos(a), "an alias is empty");
                } else if !seen_alias.insert(a.value.trim().to_lowercase()) {
                    self.err(
                        pos(a),
                        format!("alias `{}` is given to two options of `{code}`", a.value),
                    );
                } else {
                    alias_list.push(a.value.trim().to_string());
                }
            }
            if let Some(e) = export {
                if !multi {
                    self.err(
                        pos(e),
                        "`export` names the 0/1 column of an option of a multiple choice (`multi`); a single choice exports the option code",
                    );
                } else if !valid_name(&e.value, false) {
                    self.err(
                        pos(e),
                        format!(
                            "export column `{}` must be letters, digits or `_`, starting with a letter",
                            e.value
                        ),
                    );
                } else {
                    self.export_columns.push((e.value.clone(), pos(e)));
                }
            }
            if ocode.value.trim().is_empty() {
                self.err(pos(ocode), "option code is empty");
            }
            if !seen.insert(ocode.value.clone()) {
                self.err(
                    pos(ocode),
                    format!("option code `{}` appears twice in `{code}`", ocode.value),
                );
            }
            if let Some(x) = exclusive
                && !multi
            {
                self.err(
                    pos(x),
                    "`exclusive` only applies to multiple choice (`multi`)",
                );
            }
            let earlier = self.earlier();
            let label = self.text(label, &format!("opt-{code}-{i}"), &earlier, in_group);
            out.push(Choice {
                code: ocode.value.clone(),
                label,
                labels: Vec::new(),
                aliases: alias_list,
                export: export.as_ref().map(|e| e.value.clone()),
                exclusive: exclusive.as_ref().is_some_and(|x| x.value),
                other: other.as_ref().map(|o| o.value.code.value.clone()),
            });
        }
        out
    }
}
