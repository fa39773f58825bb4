//! Conditions (`when`, `goto … when`): structured tests of earlier answers or respondent
//! fields, each checked against the type of what it tests.

use super::Checker;
use super::diagnostics::{pos, suggest};
use crate::flow::Kind;
use crate::flow::cond::{Cond, Lit, Op, Subject};
use crate::flow::def::{CondDef, S, ScalarDef};
use crate::model::RespondentFields;
use chrono::NaiveDate;
use std::cmp::Ordering;

impl Checker {
    /// Compiles and type-checks a condition. `group` is the repeat group the condition is
    /// evaluated in (its questions may be tested there).
    pub(super) fn cond(&mut self, def: &S<CondDef>, group: Option<usize>) -> Option<Cond> {
        let c = &def.value;
        let at = pos(def);
        let forms = [
            c.all.is_some(),
            c.any.is_some(),
            c.not.is_some(),
            c.answer.is_some() || c.field.is_some(),
        ]
        .iter()
        .filter(|x| **x)
        .count();
        if forms != 1 {
            self.err(
                at,
                "a condition needs exactly one of `answer`, `field`, `all`, `any` or `not`",
            );
            return None;
        }
        if let Some(parts) = c.all.as_ref().or(c.any.as_ref()) {
            if parts.value.is_empty() {
                self.err(pos(parts), "`all`/`any` needs at least one condition");
                return None;
            }
            let compiled: Vec<Cond> = parts
                .value
                .iter()
                .filter_map(|p| self.cond(p, group))
                .collect();
            if compiled.len() != parts.value.len() {
                return None;
            }
            return Some(if c.all.is_some() {
                Cond::All(compiled)
            } else {
                Cond::Any(compiled)
            });
        }
        if let Some(inner) = &c.not {
            return self.cond(inner, group).map(|x| Cond::Not(Box::new(x)));
        }
        let ops: Vec<(&str, (u64, u64))> = [
            ("eq", c.eq.as_ref().map(pos)),
            ("ne", c.ne.as_ref().map(pos)),
            ("in", c.in_.as_ref().map(pos)),
            ("has", c.has.as_ref().map(pos)),
            ("gt", c.gt.as_ref().map(pos)),
            ("gte", c.gte.as_ref().map(pos)),
            ("lt", c.lt.as_ref().map(pos)),
            ("lte", c.lte.as_ref().map(pos)),
            ("answered", c.answered.as_ref().map(pos)),
        ]
        .into_iter()
        .filter_map(|(n, p)| p.map(|p| (n, p)))
        .collect();
        if ops.len() != 1 {
            self.err(
                at,
                "a test needs exactly one of `eq`, `ne`, `in`, `has`, `gt`, `gte`, `lt`, `lte`, `answered`",
            );
            return None;
        }
        if let (Some(a), Some(_)) = (&c.answer, &c.field) {
            self.err(
                pos(a),
                "a test names either an `answer` or a `field`, not both",
            );
            return None;
        }
        let (op_name, op_at) = ops[0];
        if let Some(f) = &c.field {
            return self.field_test(f, c, op_name, op_at);
        }
        let a = c.answer.as_ref()?;
        let code = a.value.as_str();
        let Some(seen) = self.seen.get(code) else {
            if let Some((l, _)) = self.all_names.get(code) {
                self.err(
                    pos(a),
                    format!("condition tests `{code}`, which is asked later (line {l}); a condition can only test earlier questions"),
                );
            } else {
                let hint = suggest(code, self.seen.keys().map(String::as_str));
                self.err(
                    pos(a),
                    format!("unknown question `{code}` in condition{hint}"),
                );
            }
            return None;
        };
        if let Some(g) = seen.group
            && group != Some(g)
        {
            self.err(
                pos(a),
                format!("`{code}` is inside repeat group `{}`; only conditions inside that group can test it", self.groups[g].id),
            );
            return None;
        }
        let q = &self.items[seen.index];
        if let Kind::Grid { grid, .. } = &q.kind {
            self.err(
                pos(a),
                format!("`{code}` is a row of grid `{grid}`, rated on several scales: a condition cannot test it"),
            );
            return None;
        }
        let kind_name = q.kind.name();
        let options: Vec<String> = q.kind.options().iter().map(|o| o.code.clone()).collect();
        let lit_kind = lit_kind_of(&q.kind)?;
        let multi = matches!(q.kind, Kind::Multi { .. });
        let ordered = matches!(
            lit_kind,
            LitKind::Number | LitKind::Date | LitKind::MonthYear
        );
        let check = |this: &mut Self, s: &S<ScalarDef>| -> Option<Lit> {
            if let ScalarDef::Answer(r) = &s.value {
                return this.answer_lit(&r.answer, pos(s), group, code, lit_kind);
            }
            let lit = to_lit(&s.value, lit_kind);
            match lit {
                None => {
                    this.err(
                        pos(s),
                        format!(
                            "`{}` is not a {} (`{code}` is a `{kind_name}` question)",
                            scalar_text(&s.value),
                            lit_kind.describe()
                        ),
                    );
                    None
                }
                Some(Lit::Str(ref o)) if lit_kind == LitKind::Option && !options.contains(o) => {
                    this.err(
                        pos(s),
                        format!(
                            "`{o}` is not an option of `{code}` (options: {})",
                            options.join(", ")
                        ),
                    );
                    None
                }
                l => l,
            }
        };
        let op = match op_name {
            "eq" | "ne" | "in" if multi => {
                self.err(
                    op_at,
                    format!("`{code}` is multiple choice: test it with `has`"),
                );
                return None;
            }
            "eq" => Op::Eq(check(self, c.eq.as_ref()?)?),
            "ne" => Op::Ne(check(self, c.ne.as_ref()?)?),
            "in" => {
                let list = c.in_.as_ref()?;
                if list.value.is_empty() {
                    self.err(pos(list), "`in` needs at least one value");
                    return None;
                }
                let lits: Vec<Option<Lit>> = list.value.iter().map(|s| check(self, s)).collect();
                Op::In(lits.into_iter().collect::<Option<Vec<_>>>()?)
            }
            "has" => {
                if !multi {
                    self.err(op_at, format!("`has` is for multiple choice; `{code}` is a `{kind_name}` question (use `eq` or `in`)"));
                    return None;
                }
                let has = c.has.as_ref()?;
                if matches!(has.value, ScalarDef::Answer(_)) {
                    self.err(pos(has), "`has` takes an option code, not another answer");
                    return None;
                }
                match check(self, has)? {
                    Lit::Str(s) => Op::Has(s),
                    _ => return None,
                }
            }
            "answered" => Op::Answered(c.answered.as_ref()?.value),
            cmp => {
                if !ordered {
                    self.err(op_at, format!("`{cmp}` compares numbers or dates; `{code}` is a `{kind_name}` question"));
                    return None;
                }
                let (s, ord, eq) = match cmp {
                    "gt" => (c.gt.as_ref()?, Ordering::Greater, false),
                    "gte" => (c.gte.as_ref()?, Ordering::Greater, true),
                    "lt" => (c.lt.as_ref()?, Ordering::Less, false),
                    _ => (c.lte.as_ref()?, Ordering::Less, true),
                };
                Op::Cmp(ord, eq, check(self, s)?)
            }
        };
        Some(Cond::Test(Subject::Answer(code.to_string()), op))
    }

    /// Compiles a test of a respondent field (`field: kota`), which has no type to check
    /// against: values compare as text, `gt`/`lt` as numbers.
    fn field_test(
        &mut self,
        f: &S<String>,
        c: &CondDef,
        op: &str,
        op_at: (u64, u64),
    ) -> Option<Cond> {
        let name = f.value.as_str();
        if !RespondentFields::KNOWN.contains(&name) && !name.starts_with("extra.") {
            let hint = suggest(name, RespondentFields::KNOWN.iter().copied());
            self.err(
                pos(f),
                format!(
                    "unknown respondent field `{name}`{hint}; fields are {} and `extra.NAME`",
                    RespondentFields::KNOWN.join(", ")
                ),
            );
            return None;
        }
        let ops = [&c.eq, &c.ne, &c.gt, &c.gte, &c.lt, &c.lte];
        let values = ops
            .into_iter()
            .flatten()
            .chain(c.in_.iter().flat_map(|l| l.value.iter()));
        if let Some(r) = values
            .into_iter()
            .find(|s| matches!(s.value, ScalarDef::Answer(_)))
        {
            self.err(
                pos(r),
                "a respondent field is compared with values written here, not with answers (test the answer instead: `answer: …` with the field's value)",
            );
            return None;
        }
        // Fields are text, so every value but a decimal compares as written.
        let lit = |s: &S<ScalarDef>| match &s.value {
            ScalarDef::Float(x) => Lit::Num(*x),
            other => Lit::Str(scalar_text(other)),
        };
        let num = |this: &mut Self, s: &S<ScalarDef>| {
            let n = to_lit(&s.value, LitKind::Number);
            if n.is_none() {
                this.err(
                    pos(s),
                    format!("`{}` is not a number", scalar_text(&s.value)),
                );
            }
            n
        };
        let o = match op {
            "eq" => Op::Eq(lit(c.eq.as_ref()?)),
            "ne" => Op::Ne(lit(c.ne.as_ref()?)),
            "in" => Op::In(c.in_.as_ref()?.value.iter().map(lit).collect()),
            "answered" => Op::Answered(c.answered.as_ref()?.value),
            "has" => {
                self.err(
                    op_at,
                    "`has` is for multiple-choice answers, not respondent fields",
                );
                return None;
            }
            "gt" => Op::Cmp(Ordering::Greater, false, num(self, c.gt.as_ref()?)?),
            "gte" => Op::Cmp(Ordering::Greater, true, num(self, c.gte.as_ref()?)?),
            "lt" => Op::Cmp(Ordering::Less, false, num(self, c.lt.as_ref()?)?),
            _ => Op::Cmp(Ordering::Less, true, num(self, c.lte.as_ref()?)?),
        };
        Some(Cond::Test(Subject::Field(name.to_string()), o))
    }
}

impl Checker {
    /// `{ answer: other }` as the value a test of `code` (of kind `want`) compares with:
    /// an earlier question of a comparable type, visible from `group`.
    fn answer_lit(
        &mut self,
        other: &str,
        at: (u64, u64),
        group: Option<usize>,
        code: &str,
        want: LitKind,
    ) -> Option<Lit> {
        let Some(seen) = self.seen.get(other) else {
            let msg = match self.all_names.get(other) {
                Some((l, _)) => format!(
                    "`{other}` is asked later (line {l}); a condition can only compare with earlier answers"
                ),
                None => format!(
                    "unknown question `{other}` in condition{}",
                    suggest(other, self.seen.keys().map(String::as_str))
                ),
            };
            self.err(at, msg);
            return None;
        };
        if let Some(g) = seen.group
            && group != Some(g)
        {
            self.err(
                at,
                format!("`{other}` is inside repeat group `{}`; only conditions inside that group can use it", self.groups[g].id),
            );
            return None;
        }
        let q = &self.items[seen.index];
        let got = lit_kind_of(&q.kind);
        let comparable = match (want, got) {
            (_, None) => false,
            (LitKind::Date | LitKind::MonthYear, Some(LitKind::Date | LitKind::MonthYear)) => true,
            // Option codes and texts are both words: compare as written.
            (LitKind::Option | LitKind::Text, Some(LitKind::Option | LitKind::Text)) => true,
            (a, Some(b)) => a == b,
        };
        if !comparable {
            let kind = q.kind.name();
            self.err(
                at,
                format!(
                    "`{code}` cannot be compared with `{other}`, a `{kind}` question: a test compares {} with {}",
                    want.describe_kind(),
                    want.describe_kind()
                ),
            );
            return None;
        }
        Some(Lit::Answer(other.to_string()))
    }
}

/// What a test of a question of this kind compares with (`None`: it cannot be tested).
fn lit_kind_of(kind: &Kind) -> Option<LitKind> {
    Some(match kind {
        Kind::Single { .. } | Kind::Multi { .. } => LitKind::Option,
        Kind::Integer { .. }
        | Kind::Decimal { .. }
        | Kind::Money { .. }
        | Kind::Likert { .. }
        | Kind::Computed { .. } => LitKind::Number,
        Kind::YesNo { .. } => LitKind::Bool,
        Kind::Grid { .. } => return None,
        Kind::Date { .. } => LitKind::Date,
        Kind::MonthYear { .. } => LitKind::MonthYear,
        Kind::Text { .. } | Kind::Phone | Kind::Email | Kind::Lookup { .. } => LitKind::Text,
    })
}

/// What kind of value a test of a question compares with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LitKind {
    Option,
    Number,
    Bool,
    Date,
    MonthYear,
    Text,
}

impl LitKind {
    /// The family of values, for "compares numbers with numbers".
    fn describe_kind(self) -> &'static str {
        match self {
            LitKind::Option | LitKind::Text => "words",
            LitKind::Number => "numbers",
            LitKind::Bool => "yes/no answers",
            LitKind::Date | LitKind::MonthYear => "dates",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            LitKind::Option => "valid option code",
            LitKind::Number => "number",
            LitKind::Bool => "yes/no value (true or false)",
            LitKind::Date => "date like \"2024-08-17\"",
            LitKind::MonthYear => "month like \"2024-01\"",
            LitKind::Text => "text",
        }
    }
}

/// A value written in a condition, read as `kind`; `None` when it is not one.
fn to_lit(s: &ScalarDef, kind: LitKind) -> Option<Lit> {
    match (kind, s) {
        (LitKind::Option | LitKind::Text, ScalarDef::Str(x)) => Some(Lit::Str(x.clone())),
        (LitKind::Option, ScalarDef::Int(n)) => Some(Lit::Str(n.to_string())),
        (LitKind::Number, ScalarDef::Int(n)) => Some(Lit::Num(*n as f64)),
        (LitKind::Number, ScalarDef::Float(x)) => Some(Lit::Num(*x)),
        (LitKind::Bool, ScalarDef::Bool(b)) => Some(Lit::Bool(*b)),
        (LitKind::Date, ScalarDef::Str(x)) => {
            NaiveDate::parse_from_str(x, "%Y-%m-%d").ok().map(Lit::Date)
        }
        (LitKind::MonthYear, ScalarDef::Str(x)) => {
            let (y, m) = x.split_once('-')?;
            let (y, m) = (y.parse().ok()?, m.parse().ok()?);
            (1..=12).contains(&m).then_some(Lit::MonthYear(y, m))
        }
        _ => None,
    }
}

/// A value written in a condition, as the author wrote it (for messages).
fn scalar_text(s: &ScalarDef) -> String {
    match s {
        ScalarDef::Bool(b) => b.to_string(),
        ScalarDef::Int(n) => n.to_string(),
        ScalarDef::Float(x) => x.to_string(),
        ScalarDef::Str(x) => x.clone(),
        ScalarDef::Answer(r) => format!("{{ answer: {} }}", r.answer),
    }
}

/// Both conditions (either may be absent).
pub(super) fn and(a: Option<Cond>, b: Option<Cond>) -> Option<Cond> {
    match (a, b) {
        (Some(a), Some(b)) => Some(Cond::All(vec![a, b])),
        (a, b) => a.or(b),
    }
}
