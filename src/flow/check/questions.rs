//! Questions: code, text, help, `when`, the type and the keys each type allows (bounds,
//! lengths, unit, scale), and the "other, please say which" follow-ups.

use super::conditions::and;
use super::diagnostics::{pos, suggest};
use super::names::valid_name;
use super::{Checker, PendingGoto, Seen};
use crate::flow::cond::{Cond, Lit, Op, Subject};
use crate::flow::def::{ItemDef, S};
use crate::flow::text::Text;
use crate::flow::{Bounds, Kind, Question};

/// The question types, as written in a flow file.
const TYPES: [&str; 12] = [
    "text",
    "integer",
    "decimal",
    "money",
    "single",
    "multi",
    "likert",
    "yesno",
    "date",
    "month_year",
    "phone",
    "email",
];

impl Checker {
    /// Checks a question, adds it (and its "other" follow-ups) to the list, and keeps its
    /// `goto` rules for later.
    pub(super) fn question(
        &mut self,
        qdef: &S<ItemDef>,
        section: usize,
        group: Option<usize>,
        outer: Option<Cond>,
    ) {
        let q = &qdef.value;
        let at = pos(qdef);
        let code = match &q.code {
            Some(c) => {
                if !valid_name(&c.value, false) {
                    self.err(
                        pos(c),
                        format!(
                            "code `{}` must be letters, digits or `_`, starting with a letter",
                            c.value
                        ),
                    );
                }
                c.value.clone()
            }
            None => {
                self.err(at, "question has no `code`");
                format!("_q{}", self.items.len())
            }
        };
        let code_at = q.code.as_ref().map(pos).unwrap_or(at);
        for (present, key) in [
            (q.more.is_some(), "more"),
            (q.questions.is_some(), "questions"),
        ] {
            if present {
                self.err(
                    at,
                    format!("`{key}` only applies to a repeat group (add `repeat:`)"),
                );
            }
        }
        let earlier = self.earlier();
        let text = match &q.text {
            Some(t) => self.text(t, &format!("q-{code}"), &earlier, group.is_some()),
            None => {
                self.err(code_at, format!("question `{code}` has no `text`"));
                Text {
                    id: String::new(),
                    vars: Vec::new(),
                }
            }
        };
        let help = q
            .help
            .as_ref()
            .map(|t| self.text(t, &format!("help-{code}"), &earlier, group.is_some()));
        let own_when = q.when.as_ref().and_then(|c| self.cond(c, group));
        let when = and(outer, own_when);
        let kind = self.kind(q, &code, code_at, group.is_some());
        let index = self.items.len();
        self.items.push(Question {
            code: code.clone(),
            section,
            group,
            kind,
            text,
            help,
            optional: q.optional.as_ref().is_some_and(|o| o.value),
            when: when.clone(),
            goto: Vec::new(),
            follows: None,
        });
        self.item_pos.push(code_at);
        self.seen.insert(code.clone(), Seen { index, group });

        // "Other, please say which" follow-ups become questions of their own right after this
        // one, asked only when their option was picked.
        if let Some(opts) = &q.options {
            let multi = matches!(self.items[index].kind, Kind::Multi { .. });
            for o in &opts.value {
                if let Some(other) = &o.value.other {
                    let ocode = other.value.code.value.clone();
                    if !valid_name(&ocode, false) {
                        self.err(
                            pos(&other.value.code),
                            format!("code `{ocode}` must be letters, digits or `_`"),
                        );
                    }
                    let earlier = self.earlier();
                    let otext = self.text(
                        &other.value.text,
                        &format!("q-{ocode}"),
                        &earlier,
                        group.is_some(),
                    );
                    let opt = o.value.code.value.clone();
                    let test = Cond::Test(
                        Subject::Answer(code.clone()),
                        if multi {
                            Op::Has(opt.clone())
                        } else {
                            Op::Eq(Lit::Str(opt.clone()))
                        },
                    );
                    let oi = self.items.len();
                    self.items.push(Question {
                        code: ocode.clone(),
                        section,
                        group,
                        kind: Kind::Text {
                            min_len: Some(1),
                            max_len: Some(500),
                        },
                        text: otext,
                        help: None,
                        optional: false,
                        when: and(when.clone(), Some(test)),
                        goto: Vec::new(),
                        follows: Some((index, opt)),
                    });
                    self.item_pos.push(pos(&other.value.code));
                    self.seen.insert(ocode, Seen { index: oi, group });
                }
            }
        }

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
                from: index,
                rules: compiled,
            });
        }
    }

    /// Checks the question's `type` and the keys that go with it.
    fn kind(&mut self, q: &ItemDef, code: &str, at: (u64, u64), in_group: bool) -> Kind {
        let Some(kind_def) = &q.kind else {
            self.err(
                at,
                format!(
                    "question `{code}` has no `type` (one of: {})",
                    TYPES.join(", ")
                ),
            );
            return Kind::Text {
                min_len: None,
                max_len: None,
            };
        };
        let name = kind_def.value.as_str();
        if !TYPES.contains(&name) {
            self.err(
                pos(kind_def),
                format!(
                    "unknown type `{name}`{}; types are: {}",
                    suggest(name, TYPES.iter().copied()),
                    TYPES.join(", ")
                ),
            );
            return Kind::Text {
                min_len: None,
                max_len: None,
            };
        }
        let allowed: &[&str] = match name {
            "text" => &["min_length", "max_length"],
            "integer" | "decimal" => &["min", "max", "unit"],
            "money" => &["min", "max"],
            "single" => &["options"],
            "multi" => &["options", "min", "max"],
            "likert" => &["scale"],
            _ => &[],
        };
        for (present, key) in [
            (q.min.is_some(), "min"),
            (q.max.is_some(), "max"),
            (q.min_length.is_some(), "min_length"),
            (q.max_length.is_some(), "max_length"),
            (q.unit.is_some(), "unit"),
            (q.options.is_some(), "options"),
            (q.scale.is_some(), "scale"),
        ] {
            if present && !allowed.contains(&key) {
                self.err(
                    pos(kind_def),
                    format!("`{key}` does not apply to a `{name}` question (`{code}`)"),
                );
            }
        }
        let bounds = self.bounds(q);
        let earlier = self.earlier();
        let unit = q
            .unit
            .as_ref()
            .filter(|_| allowed.contains(&"unit"))
            .map(|t| self.text(t, &format!("unit-{code}"), &earlier, in_group));
        match name {
            "text" => {
                let min_len = q.min_length.as_ref().map(|m| m.value);
                let max_len = q.max_length.as_ref().map(|m| m.value);
                if let (Some(a), Some(b)) = (min_len, max_len)
                    && a > b
                {
                    self.err(
                        at,
                        format!("`min_length` ({a}) is more than `max_length` ({b})"),
                    );
                }
                Kind::Text { min_len, max_len }
            }
            "integer" => Kind::Integer { bounds, unit },
            "decimal" => Kind::Decimal { bounds, unit },
            "money" => Kind::Money { bounds },
            "single" | "multi" => {
                let options = self.options(q, code, name == "multi", at, in_group);
                if name == "single" {
                    return Kind::Single { options };
                }
                let n = options.len() as f64;
                let min = q.min.as_ref().map_or(1.0, |m| m.value);
                let max = q.max.as_ref().map_or(n.max(1.0), |m| m.value);
                if min < 1.0
                    || max < min
                    || (n > 0.0 && max > n)
                    || min.fract() != 0.0
                    || max.fract() != 0.0
                {
                    self.err(
                        at,
                        format!("picks for `{code}` must satisfy 1 ≤ min ≤ max ≤ {n} options (got min {min}, max {max})"),
                    );
                }
                Kind::Multi {
                    options,
                    min: min as u32,
                    max: max as u32,
                }
            }
            "likert" => {
                match &q.scale {
                    Some(s) => {
                        let (from, to) = (s.value.from.value, s.value.to.value);
                        if from >= to || to - from > 10 {
                            self.err(pos(s), format!("scale must go up from `from` to `to` with at most 11 points (got {from} to {to})"));
                        }
                        let low =
                            self.text(&s.value.low, &format!("low-{code}"), &earlier, in_group);
                        let high =
                            self.text(&s.value.high, &format!("high-{code}"), &earlier, in_group);
                        Kind::Likert {
                            from,
                            to,
                            low,
                            high,
                        }
                    }
                    None => {
                        self.err(at, format!("likert question `{code}` needs a `scale` with from, to, low and high"));
                        Kind::YesNo
                    }
                }
            }
            "yesno" => Kind::YesNo,
            "date" => Kind::Date,
            "month_year" => Kind::MonthYear,
            "phone" => Kind::Phone,
            _ => Kind::Email,
        }
    }

    /// `min` and `max` of a number, money or multiple-choice question.
    fn bounds(&mut self, q: &ItemDef) -> Bounds {
        let b = Bounds {
            min: q.min.as_ref().map(|m| m.value),
            max: q.max.as_ref().map(|m| m.value),
        };
        if let (Some(a), Some(m)) = (b.min, &q.max)
            && a > m.value
        {
            self.err(
                pos(m),
                format!("`min` ({a}) is more than `max` ({})", m.value),
            );
        }
        b
    }
}
