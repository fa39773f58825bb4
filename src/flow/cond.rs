//! Compiled conditions and their evaluation. The checker guarantees that every literal has the
//! type of the question it is compared with, so evaluation never has to guess.

use crate::model::Value;
use chrono::NaiveDate;
use std::borrow::Cow;
use std::cmp::Ordering;

/// A checked condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// Every part holds.
    All(Vec<Cond>),
    /// At least one part holds.
    Any(Vec<Cond>),
    /// The part does not hold.
    Not(Box<Cond>),
    /// A test of one answer or field.
    Test(Subject, Op),
}

/// What a test looks at.
#[derive(Debug, Clone, PartialEq)]
pub enum Subject {
    /// The answer to the question with this code.
    Answer(String),
    /// A respondent field.
    Field(String),
}

/// A literal in a condition, already converted to the tested question's type.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    /// Option code, text, phone, email or field value.
    Str(String),
    /// Number (integer, decimal, money, Likert).
    Num(f64),
    /// Yes/no.
    Bool(bool),
    /// Date.
    Date(NaiveDate),
    /// Month of a year.
    MonthYear(i32, u32),
    /// The answer to another (earlier) question, read when the condition is evaluated
    /// (`lte: { answer: f6 }`); the checker made sure the two can be compared.
    Answer(String),
}

/// The comparison of a test.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Equal.
    Eq(Lit),
    /// Not equal (also true when there is no answer).
    Ne(Lit),
    /// Equal to one of.
    In(Vec<Lit>),
    /// A multiple-choice answer includes this option code.
    Has(String),
    /// Ordered comparison.
    Cmp(Ordering, bool, Lit),
    /// Answered (true) or not (false).
    Answered(bool),
}

/// What conditions are evaluated against.
pub trait Facts {
    /// The current answer to a question (for questions inside a repeat group: the current
    /// item's). Borrowed for answers, owned for computed values (worked out when asked).
    fn answer(&self, code: &str) -> Option<Cow<'_, Value>>;
    /// A respondent field.
    fn field(&self, name: &str) -> Option<&str>;
}

impl Cond {
    /// Evaluates the condition.
    pub fn eval(&self, facts: &dyn Facts) -> bool {
        match self {
            Cond::All(parts) => parts.iter().all(|c| c.eval(facts)),
            Cond::Any(parts) => parts.iter().any(|c| c.eval(facts)),
            Cond::Not(c) => !c.eval(facts),
            Cond::Test(subject, op) => {
                // A comparison with another answer that is missing does not hold (but `ne`
                // does), like a test of a missing answer.
                let op = match resolve(op, facts) {
                    Some(op) => op,
                    None => return matches!(op, Op::Ne(_)),
                };
                test(subject, &op, facts)
            }
        }
    }

    /// Codes of the questions this condition reads.
    pub fn answer_codes(&self, out: &mut Vec<String>) {
        match self {
            Cond::All(p) | Cond::Any(p) => p.iter().for_each(|c| c.answer_codes(out)),
            Cond::Not(c) => c.answer_codes(out),
            Cond::Test(subject, op) => {
                if let Subject::Answer(code) = subject {
                    out.push(code.clone());
                }
                let lits: &[Lit] = match op {
                    Op::Eq(l) | Op::Ne(l) | Op::Cmp(_, _, l) => std::slice::from_ref(l),
                    Op::In(ls) => ls,
                    Op::Has(_) | Op::Answered(_) => &[],
                };
                for l in lits {
                    if let Lit::Answer(code) = l {
                        out.push(code.clone());
                    }
                }
            }
        }
    }
}

/// The test with every `Lit::Answer` replaced by the answer it names; `None` when one of
/// them has no answer.
fn resolve<'o>(op: &'o Op, facts: &dyn Facts) -> Option<Cow<'o, Op>> {
    let one = |l: &Lit| -> Option<Lit> {
        let Lit::Answer(code) = l else {
            return Some(l.clone());
        };
        Some(match facts.answer(code)?.as_ref() {
            Value::Choice(c) => Lit::Str(c.clone()),
            Value::Text(s) | Value::Phone(s) | Value::Email(s) => Lit::Str(s.clone()),
            Value::Bool(b) => Lit::Bool(*b),
            Value::Date(d) => Lit::Date(*d),
            Value::MonthYear { year, month } => Lit::MonthYear(*year, *month),
            v => Lit::Num(v.as_f64()?),
        })
    };
    let has_ref = |l: &Lit| matches!(l, Lit::Answer(_));
    Some(match op {
        Op::Eq(l) if has_ref(l) => Cow::Owned(Op::Eq(one(l)?)),
        Op::Ne(l) if has_ref(l) => Cow::Owned(Op::Ne(one(l)?)),
        Op::Cmp(o, e, l) if has_ref(l) => Cow::Owned(Op::Cmp(*o, *e, one(l)?)),
        Op::In(ls) if ls.iter().any(has_ref) => {
            Cow::Owned(Op::In(ls.iter().map(one).collect::<Option<Vec<_>>>()?))
        }
        _ => Cow::Borrowed(op),
    })
}

fn test(subject: &Subject, op: &Op, facts: &dyn Facts) -> bool {
    match subject {
        Subject::Answer(code) => {
            let v = facts
                .answer(code)
                .filter(|v| !matches!(v.as_ref(), Value::Skipped | Value::Refused));
            match v {
                Some(v) => op_holds(op, &ValueRef::Answer(&v)),
                None => matches!(op, Op::Ne(_) | Op::Answered(false)),
            }
        }
        Subject::Field(name) => match facts.field(name) {
            Some(s) if !s.is_empty() => op_holds(op, &ValueRef::Field(s)),
            _ => matches!(op, Op::Ne(_) | Op::Answered(false)),
        },
    }
}

enum ValueRef<'a> {
    Answer(&'a Value),
    Field(&'a str),
}

fn op_holds(op: &Op, v: &ValueRef) -> bool {
    match op {
        Op::Eq(l) => equals(v, l),
        Op::Ne(l) => !equals(v, l),
        Op::In(ls) => ls.iter().any(|l| equals(v, l)),
        Op::Has(code) => matches!(v, ValueRef::Answer(Value::Choices(cs)) if cs.contains(code)),
        Op::Cmp(ord, or_equal, l) => match compare(v, l) {
            Some(o) => o == *ord || (*or_equal && o == Ordering::Equal),
            None => false,
        },
        Op::Answered(b) => *b,
    }
}

fn equals(v: &ValueRef, l: &Lit) -> bool {
    match (v, l) {
        (ValueRef::Field(s), Lit::Str(x)) => s.trim().eq_ignore_ascii_case(x.trim()),
        (ValueRef::Field(s), Lit::Num(x)) => s.trim().parse::<f64>().is_ok_and(|n| n == *x),
        (ValueRef::Field(_), _) => false,
        (ValueRef::Answer(v), l) => match (v, l) {
            (Value::Choice(c), Lit::Str(x)) => c == x,
            (Value::Text(s) | Value::Phone(s) | Value::Email(s), Lit::Str(x)) => {
                s.trim().eq_ignore_ascii_case(x.trim())
            }
            (Value::Bool(b), Lit::Bool(x)) => b == x,
            (Value::Date(d), Lit::Date(x)) => d == x,
            (Value::MonthYear { year, month }, Lit::MonthYear(y, m)) => year == y && month == m,
            (v, Lit::Num(x)) => v.as_f64().is_some_and(|n| n == *x),
            _ => false,
        },
    }
}

fn compare(v: &ValueRef, l: &Lit) -> Option<Ordering> {
    match (v, l) {
        (ValueRef::Field(s), Lit::Num(x)) => s.trim().parse::<f64>().ok()?.partial_cmp(x),
        (ValueRef::Answer(Value::Date(d)), Lit::Date(x)) => Some(d.cmp(x)),
        (ValueRef::Answer(Value::MonthYear { year, month }), Lit::MonthYear(y, m)) => {
            Some((*year, *month).cmp(&(*y, *m)))
        }
        // A date question with `precision: month` may hold a month-year: it is before or
        // after a day by its month, and equal to no day (so neither `lt` nor `gt` of a day in
        // its own month holds).
        (ValueRef::Answer(Value::MonthYear { year, month }), Lit::Date(x)) => {
            use chrono::Datelike;
            match (*year, *month).cmp(&(x.year(), x.month())) {
                Ordering::Equal => None,
                o => Some(o),
            }
        }
        // A day against a month (a date compared with a month-year answer): by month.
        (ValueRef::Answer(Value::Date(d)), Lit::MonthYear(y, m)) => {
            use chrono::Datelike;
            match (d.year(), d.month()).cmp(&(*y, *m)) {
                Ordering::Equal => None,
                o => Some(o),
            }
        }
        (ValueRef::Answer(v), Lit::Num(x)) => v.as_f64()?.partial_cmp(x),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct F(HashMap<&'static str, Value>);
    impl Facts for F {
        fn answer(&self, code: &str) -> Option<Cow<'_, Value>> {
            self.0.get(code).map(Cow::Borrowed)
        }
        fn field(&self, name: &str) -> Option<&str> {
            (name == "cohort").then_some("2024")
        }
    }

    fn t(code: &str, op: Op) -> Cond {
        Cond::Test(Subject::Answer(code.into()), op)
    }

    #[test]
    fn tests_answers_fields_and_missing_values() {
        let f = F(HashMap::from([
            ("f8", Value::Choice("1".into())),
            ("f505", Value::Money(3_500_000)),
            ("f401", Value::Choices(vec!["1".into(), "3".into()])),
            ("opt", Value::Skipped),
        ]));
        assert!(
            t(
                "f8",
                Op::In(vec![Lit::Str("1".into()), Lit::Str("3".into())])
            )
            .eval(&f)
        );
        assert!(!t("f8", Op::Eq(Lit::Str("3".into()))).eval(&f));
        assert!(
            t(
                "f505",
                Op::Cmp(Ordering::Greater, true, Lit::Num(3_500_000.0))
            )
            .eval(&f)
        );
        assert!(!t("f505", Op::Cmp(Ordering::Less, false, Lit::Num(1.0))).eval(&f));
        assert!(t("f401", Op::Has("3".into())).eval(&f));
        assert!(!t("f401", Op::Has("2".into())).eval(&f));
        // Skipped and unasked answers: only `ne` and `answered: false` hold.
        for code in ["opt", "nothing"] {
            assert!(!t(code, Op::Eq(Lit::Str("1".into()))).eval(&f));
            assert!(t(code, Op::Ne(Lit::Str("1".into()))).eval(&f));
            assert!(t(code, Op::Answered(false)).eval(&f));
            assert!(!t(code, Op::Answered(true)).eval(&f));
        }
        let field = Cond::Test(
            Subject::Field("cohort".into()),
            Op::Eq(Lit::Str("2024".into())),
        );
        assert!(field.eval(&f));
        let num = Cond::Test(
            Subject::Field("cohort".into()),
            Op::Cmp(Ordering::Less, false, Lit::Num(2025.0)),
        );
        assert!(num.eval(&f));
        assert!(!Cond::Not(Box::new(field.clone())).eval(&f));
        assert!(Cond::Any(vec![Cond::Not(Box::new(field.clone())), num.clone()]).eval(&f));
        assert!(!Cond::All(vec![Cond::Not(Box::new(field)), num]).eval(&f));
    }

    #[test]
    fn compares_two_answers_and_a_missing_other_answer_never_holds() {
        let f = F(HashMap::from([
            ("f6", Value::Integer(10)),
            ("f7", Value::Integer(4)),
            ("opt", Value::Skipped),
        ]));
        let lte =
            |a: &str, b: &str| t(a, Op::Cmp(Ordering::Less, true, Lit::Answer(b.into()))).eval(&f);
        assert!(lte("f7", "f6"));
        assert!(!lte("f6", "f7"));
        assert!(!lte("f7", "opt"), "skipped other answer");
        assert!(!lte("f7", "nothing"), "unasked other answer");
        assert!(t("f7", Op::Ne(Lit::Answer("nothing".into()))).eval(&f));
        assert!(!t("f7", Op::Eq(Lit::Answer("f6".into()))).eval(&f));
        let mut codes = Vec::new();
        t("f7", Op::In(vec![Lit::Answer("f6".into())])).answer_codes(&mut codes);
        assert_eq!(codes, ["f7", "f6"]);
    }
}
