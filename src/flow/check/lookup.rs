//! Lookup questions: the list named, the earlier lookup whose answer filters it
//! (`within`), and the text question asked when the answer is not in the list (`other`).

use super::conditions::and;
use super::diagnostics::{pos, suggest};
use super::names::valid_name;
use super::{Checker, Seen};
use crate::flow::cond::{Cond, Lit, Op, Subject};
use crate::flow::def::{ItemDef, OtherDef, S};
use crate::flow::{Kind, Question};
use crate::lookup::{self, ListId};

impl Checker {
    /// The `list`, `within` and `other` of a lookup question `code`.
    pub(super) fn lookup(&mut self, q: &ItemDef, code: &str, at: (u64, u64)) -> Kind {
        let names: Vec<&str> = ListId::ALL.iter().map(|l| l.name()).collect();
        let list = match &q.list {
            None => {
                self.err(
                    at,
                    format!(
                        "lookup question `{code}` needs `list:` (one of: {})",
                        names.join(", ")
                    ),
                );
                None
            }
            Some(l) => {
                let found = ListId::from_name(&l.value);
                if found.is_none() {
                    self.err(
                        pos(l),
                        format!(
                            "unknown list `{}`{}; lists are: {}",
                            l.value,
                            suggest(&l.value, names.iter().copied()),
                            names.join(", ")
                        ),
                    );
                }
                found
            }
        };
        let within = q.within.as_ref().and_then(|w| self.within(w, list, code));
        let other = q.other.as_ref().map(|o| o.value.code.value.clone());
        Kind::Lookup {
            list: list.unwrap_or(ListId::Provinces),
            within,
            other,
        }
    }

    /// `within: { answer: f5a1 }`: an earlier lookup of the list this one's rows belong to.
    fn within(
        &mut self,
        w: &S<crate::flow::def::WithinDef>,
        list: Option<ListId>,
        code: &str,
    ) -> Option<usize> {
        let target = &w.value.answer;
        let list = list?;
        let Some(parent_list) = list.parent_list() else {
            self.err(
                pos(w),
                format!(
                    "`within` does not apply to list `{}`: its rows belong to no other list",
                    list.name()
                ),
            );
            return None;
        };
        let Some(seen) = self.seen.get(&target.value).map(|s| s.index) else {
            self.err(
                pos(target),
                format!(
                    "`within` names `{}`, which is not a question before `{code}`{}",
                    target.value,
                    suggest(&target.value, self.seen.keys().map(String::as_str))
                ),
            );
            return None;
        };
        match &self.items[seen].kind {
            Kind::Lookup { list: l, .. } if *l == parent_list => Some(seen),
            other => {
                self.err(
                    pos(target),
                    format!(
                        "`within` names `{}`, a `{}` question; it must be a lookup of list `{}`",
                        target.value,
                        match other {
                            Kind::Lookup { list: l, .. } => format!("lookup ({})", l.name()),
                            k => k.name().to_string(),
                        },
                        parent_list.name()
                    ),
                );
                None
            }
        }
    }

    /// The "not in the list" follow-up of the lookup at `index`: a text question right after
    /// it, asked when its answer is `lookup::NOT_LISTED`.
    pub(super) fn lookup_other(
        &mut self,
        other: &S<OtherDef>,
        index: usize,
        section: usize,
        group: Option<usize>,
        when: Option<Cond>,
    ) {
        let ocode = other.value.code.value.clone();
        if !valid_name(&ocode, false) {
            self.err(
                pos(&other.value.code),
                format!("code `{ocode}` must be letters, digits or `_`"),
            );
        }
        let earlier = self.earlier();
        let text = self.text(
            &other.value.text,
            &format!("q-{ocode}"),
            &earlier,
            group.is_some(),
        );
        let test = Cond::Test(
            Subject::Answer(self.items[index].code.clone()),
            Op::Eq(Lit::Str(lookup::NOT_LISTED.to_string())),
        );
        let oi = self.items.len();
        self.items.push(Question {
            code: ocode.clone(),
            section,
            group,
            kind: Kind::Text {
                min_len: Some(1),
                max_len: Some(200),
                pattern: None,
            },
            text,
            help: None,
            optional: false,
            refusable: false,
            when: and(when, Some(test)),
            goto: Vec::new(),
            follows: Some((index, lookup::NOT_LISTED.to_string())),
            soft: None,
        });
        self.item_pos.push(pos(&other.value.code));
        self.seen.insert(ocode, Seen { index: oi, group });
    }
}
