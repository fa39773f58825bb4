//! Texts: every text of the flow in each of its languages, as a valid Fluent pattern whose
//! variables (`{ $code }` piping) name a respondent field, an earlier question or, inside a
//! repeat group, `{ $iteration }`.

use super::Checker;
use super::diagnostics::{pos, suggest};
use crate::flow::def::{S, TextDef};
use crate::flow::text::{Text, TextsBuilder};
use crate::model::{Lang, RespondentFields};
use std::collections::{BTreeMap, HashMap, HashSet};

impl Checker {
    /// Checks a text in every language and adds it to the bundles.
    pub(super) fn text(
        &mut self,
        def: &TextDef,
        id_hint: &str,
        earlier: &HashSet<String>,
        in_group: bool,
    ) -> Text {
        let id = format!("{id_hint}-{}", self.next_text);
        self.next_text += 1;
        let map: &BTreeMap<String, S<String>> = &def.value;
        for (key, value) in map {
            let known = Lang::from_tag(key).filter(|l| self.langs.contains(l) && key.len() <= 3);
            if known.is_none() {
                let offered = self.lang_list();
                self.err(
                    pos(value),
                    format!("text in language `{key}`, which the flow does not offer (it offers {offered})"),
                );
            }
        }
        let mut patterns = Vec::new();
        let mut vars: Vec<String> = Vec::new();
        for lang in self.langs.clone() {
            let found = map.iter().find(|(k, _)| Lang::from_tag(k) == Some(lang));
            match found {
                None => {
                    let offered = self.lang_list();
                    self.err(
                        pos(def),
                        format!(
                            "text has no `{}` version (the flow offers {offered})",
                            lang.tag()
                        ),
                    );
                    patterns.push(String::new());
                }
                Some((_, p)) => {
                    match TextsBuilder::check_pattern(&p.value) {
                        Ok(vs) => {
                            for v in vs {
                                if !var_known(&v, earlier, in_group) {
                                    self.err(
                                        pos(p),
                                        unknown_var_message(&v, &self.all_names, in_group),
                                    );
                                } else if !vars.contains(&v) {
                                    vars.push(v);
                                }
                            }
                        }
                        Err(e) => self.err(
                            pos(p),
                            format!(
                                "invalid Fluent pattern in the `{}` text: {}",
                                lang.tag(),
                                e.0
                            ),
                        ),
                    }
                    patterns.push(p.value.clone());
                }
            }
        }
        let refs: Vec<&str> = patterns.iter().map(String::as_str).collect();
        self.texts.add(id, &refs, vars)
    }

    /// The flow's languages for a message: "`id`, `en`".
    fn lang_list(&self) -> String {
        self.langs
            .iter()
            .map(|l| format!("`{}`", l.tag()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// True when a text may pipe `v` here: a respondent field, an earlier question, or the
/// iteration number inside a repeat group.
fn var_known(v: &str, earlier: &HashSet<String>, in_group: bool) -> bool {
    RespondentFields::KNOWN.contains(&v) || earlier.contains(v) || (in_group && v == "iteration")
}

/// Why a text may not pipe `v`, with a hint when a close name exists.
fn unknown_var_message(v: &str, all: &HashMap<String, (u64, u64)>, in_group: bool) -> String {
    if v == "iteration" && !in_group {
        return "`{ $iteration }` only exists inside a repeat group".into();
    }
    if let Some((l, _)) = all.get(v) {
        return format!(
            "`{{ ${v} }}` pipes the answer to a question asked later (line {l}); only earlier answers can be shown"
        );
    }
    let hint = suggest(
        v,
        RespondentFields::KNOWN
            .iter()
            .copied()
            .chain(all.keys().map(String::as_str)),
    );
    format!("unknown variable `{{ ${v} }}`: not a respondent field nor an earlier question{hint}")
}
