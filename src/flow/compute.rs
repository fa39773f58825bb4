//! Computed entries (`compute: "months_between(tgl_lulus, f5_mulai)"`, `compute: "f6 - f7"`):
//! a tiny expression language over earlier answers and roster fields, parsed with the byte
//! offset of every part so the checker can point at the exact column, and evaluated on the
//! fly from the answers (nothing computed is stored: see `Kind::Computed`).
//!
//! Grammar: `expr = term (("+" | "-") term)*`, `term = factor (("*" | "/") factor)*`,
//! `factor = number | name | "months_between(" expr "," expr ")" | "(" expr ")" | "-" factor`.

use crate::flow::cond::Facts;
use crate::model::Value;
use chrono::{Datelike, NaiveDate};

/// An arithmetic operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

/// A checked expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A number written in the expression.
    Num(f64),
    /// The answer to an earlier question (a number, date or month-year).
    Answer(String),
    /// A roster field, read as a number or a date when the expression is evaluated.
    Field(String),
    /// `-x`
    Neg(Box<Expr>),
    /// `a op b`
    Bin(BinOp, Box<Expr>, Box<Expr>),
    /// Whole months from the first date (or month) to the second.
    MonthsBetween(Box<Expr>, Box<Expr>),
}

/// The type of a part of an expression, as the checker knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// A number (integer, decimal, money, Likert, or a computed value).
    Number,
    /// A date or a month-year.
    Date,
    /// A roster field: text, read as a number or a date when evaluated.
    Field,
}

impl Ty {
    fn describe(self) -> &'static str {
        match self {
            Ty::Number => "a number",
            Ty::Date => "a date",
            Ty::Field => "a roster field",
        }
    }
}

/// A problem in an expression: the byte offset where it is, and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    /// Byte offset in the expression text.
    pub at: usize,
    /// What is wrong, for the flow author.
    pub message: String,
}

/// What a name in an expression means; the checker answers it (`Err`: why it cannot be used).
pub type Resolve<'r> = dyn FnMut(&str) -> Result<(Expr, Ty), String> + 'r;

/// Parses and type-checks an expression. The result is a number.
pub fn parse(src: &str, resolve: &mut Resolve) -> Result<Expr, ExprError> {
    let mut p = Parser {
        src,
        pos: 0,
        resolve,
    };
    let (e, ty) = p.expr()?;
    p.skip_space();
    if p.pos < src.len() {
        return Err(p.error(format!(
            "unexpected `{}`",
            &src[p.pos..].chars().next().unwrap_or(' ')
        )));
    }
    if ty == Ty::Date {
        return Err(ExprError {
            at: 0,
            message: "a computed value is a number: use `months_between(a, b)` to count the months between two dates".into(),
        });
    }
    Ok(e)
}

struct Parser<'s, 'r, 'q> {
    src: &'s str,
    pos: usize,
    resolve: &'q mut Resolve<'r>,
}

impl Parser<'_, '_, '_> {
    fn error(&self, message: String) -> ExprError {
        ExprError {
            at: self.pos,
            message,
        }
    }

    fn skip_space(&mut self) {
        while self.src[self.pos..].starts_with(|c: char| c.is_whitespace()) {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_space();
        self.src[self.pos..].chars().next()
    }

    fn expect(&mut self, c: char) -> Result<(), ExprError> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(format!("expected `{c}`")))
        }
    }

    fn expr(&mut self) -> Result<(Expr, Ty), ExprError> {
        let mut left = self.term()?;
        while let Some(c @ ('+' | '-')) = self.peek() {
            let at = self.pos;
            self.pos += 1;
            let right = self.term()?;
            let op = if c == '+' { BinOp::Add } else { BinOp::Sub };
            left = arith(op, at, left, right)?;
        }
        Ok(left)
    }

    fn term(&mut self) -> Result<(Expr, Ty), ExprError> {
        let mut left = self.factor()?;
        while let Some(c @ ('*' | '/')) = self.peek() {
            let at = self.pos;
            self.pos += 1;
            let right = self.factor()?;
            let op = if c == '*' { BinOp::Mul } else { BinOp::Div };
            left = arith(op, at, left, right)?;
        }
        Ok(left)
    }

    fn factor(&mut self) -> Result<(Expr, Ty), ExprError> {
        match self.peek() {
            None => Err(self.error("the expression ends too early".into())),
            Some('(') => {
                self.pos += 1;
                let e = self.expr()?;
                self.expect(')')?;
                Ok(e)
            }
            Some('-') => {
                let at = self.pos;
                self.pos += 1;
                let (e, ty) = self.factor()?;
                if ty == Ty::Date {
                    return Err(ExprError {
                        at,
                        message: "`-` needs a number, not a date".into(),
                    });
                }
                Ok((Expr::Neg(Box::new(e)), Ty::Number))
            }
            Some(c) if c.is_ascii_digit() => {
                let start = self.pos;
                while self.src[self.pos..].starts_with(|c: char| c.is_ascii_digit() || c == '.') {
                    self.pos += 1;
                }
                match self.src[start..self.pos].parse::<f64>() {
                    Ok(x) => Ok((Expr::Num(x), Ty::Number)),
                    Err(_) => Err(ExprError {
                        at: start,
                        message: format!("`{}` is not a number", &self.src[start..self.pos]),
                    }),
                }
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let start = self.pos;
                while self.src[self.pos..]
                    .starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.')
                {
                    self.pos += 1;
                }
                let name = &self.src[start..self.pos];
                if self.peek() == Some('(') {
                    return self.call(name, start);
                }
                (self.resolve)(name).map_err(|message| ExprError { at: start, message })
            }
            Some(c) => Err(self.error(format!(
                "unexpected `{c}`: write numbers, question codes, + - * / and ( )"
            ))),
        }
    }

    fn call(&mut self, name: &str, at: usize) -> Result<(Expr, Ty), ExprError> {
        if name != "months_between" {
            return Err(ExprError {
                at,
                message: format!(
                    "unknown function `{name}`: the one function is `months_between(from, to)`"
                ),
            });
        }
        self.expect('(')?;
        let mut args = Vec::new();
        for k in 0..2 {
            if k == 1 {
                self.expect(',')?;
            }
            let arg_at = {
                self.skip_space();
                self.pos
            };
            let (e, ty) = self.expr()?;
            if ty == Ty::Number {
                return Err(ExprError {
                    at: arg_at,
                    message: format!(
                        "`months_between` counts between two dates or months; `{}` is a number",
                        self.src[arg_at..self.pos].trim()
                    ),
                });
            }
            args.push(e);
        }
        self.expect(')')?;
        let b = args.pop().map(Box::new);
        let a = args.pop().map(Box::new);
        match (a, b) {
            (Some(a), Some(b)) => Ok((Expr::MonthsBetween(a, b), Ty::Number)),
            _ => Err(ExprError {
                at,
                message: "`months_between` needs two dates".into(),
            }),
        }
    }
}

fn arith(
    op: BinOp,
    at: usize,
    (a, ta): (Expr, Ty),
    (b, tb): (Expr, Ty),
) -> Result<(Expr, Ty), ExprError> {
    for t in [ta, tb] {
        if t == Ty::Date {
            return Err(ExprError {
                at,
                message: format!(
                    "arithmetic needs numbers, not {} (count months between dates with `months_between(a, b)`)",
                    t.describe()
                ),
            });
        }
    }
    Ok((Expr::Bin(op, Box::new(a), Box::new(b)), Ty::Number))
}

/// A value met while evaluating.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Val {
    Num(f64),
    /// Year, month, and the day when known.
    Day(i32, u32, Option<u32>),
}

impl Expr {
    /// The value of the expression, or `None` when an input is missing (not answered,
    /// skipped, a field the roster does not have) or the arithmetic has no answer (division
    /// by zero): a missing value, never a crash.
    pub fn value(&self, facts: &dyn Facts) -> Option<Value> {
        let (x, whole) = match self {
            Expr::MonthsBetween(..) => (self.num(facts)?, true),
            _ => (self.num(facts)?, false),
        };
        if !x.is_finite() {
            return None;
        }
        if whole || (x.fract() == 0.0 && x.abs() < 1e15) {
            Some(Value::Integer(x as i64))
        } else {
            Some(Value::Decimal((x * 100.0).round() / 100.0))
        }
    }

    /// The codes of the answers this expression reads.
    pub fn answer_codes(&self, out: &mut Vec<String>) {
        match self {
            Expr::Answer(c) => out.push(c.clone()),
            Expr::Neg(e) => e.answer_codes(out),
            Expr::Bin(_, a, b) | Expr::MonthsBetween(a, b) => {
                a.answer_codes(out);
                b.answer_codes(out);
            }
            Expr::Num(_) | Expr::Field(_) => {}
        }
    }

    fn num(&self, facts: &dyn Facts) -> Option<f64> {
        match self.eval(facts)? {
            Val::Num(x) => Some(x),
            Val::Day(..) => None,
        }
    }

    fn eval(&self, facts: &dyn Facts) -> Option<Val> {
        Some(match self {
            Expr::Num(x) => Val::Num(*x),
            Expr::Answer(code) => match facts.answer(code)?.as_ref() {
                Value::Date(d) => Val::Day(d.year(), d.month(), Some(d.day())),
                Value::MonthYear { year, month } => Val::Day(*year, *month, None),
                v => Val::Num(v.as_f64()?),
            },
            Expr::Field(name) => field_value(facts.field(name)?)?,
            Expr::Neg(e) => Val::Num(-e.num(facts)?),
            Expr::Bin(op, a, b) => {
                let (a, b) = (a.num(facts)?, b.num(facts)?);
                Val::Num(match op {
                    BinOp::Add => a + b,
                    BinOp::Sub => a - b,
                    BinOp::Mul => a * b,
                    BinOp::Div if b == 0.0 => return None,
                    BinOp::Div => a / b,
                })
            }
            Expr::MonthsBetween(a, b) => {
                let (Val::Day(y1, m1, d1), Val::Day(y2, m2, d2)) = (a.eval(facts)?, b.eval(facts)?)
                else {
                    return None;
                };
                let mut months =
                    (i64::from(y2) * 12 + i64::from(m2)) - (i64::from(y1) * 12 + i64::from(m1));
                // Between two days, a month counts once it is complete (17 Aug → 16 Sep is 0).
                if let (Some(d1), Some(d2)) = (d1, d2) {
                    if months > 0 && d2 < d1 {
                        months -= 1;
                    } else if months < 0 && d2 > d1 {
                        months += 1;
                    }
                }
                Val::Num(months as f64)
            }
        })
    }
}

/// A roster field as a value: a number (`3`, `2,5`), a day (`2024-08-17`, `17/08/2024`) or
/// a month (`2024-08`, `08/2024`).
fn field_value(s: &str) -> Option<Val> {
    let s = s.trim();
    if let Ok(x) = s.replace(',', ".").parse::<f64>() {
        return Some(Val::Num(x));
    }
    for f in ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, f) {
            return Some(Val::Day(d.year(), d.month(), Some(d.day())));
        }
    }
    let (a, b) = s.split_once(['-', '/'])?;
    let (y, m) = if a.len() == 4 { (a, b) } else { (b, a) };
    let (y, m): (i32, u32) = (y.parse().ok()?, m.parse().ok()?);
    (y > 0 && (1..=12).contains(&m)).then_some(Val::Day(y, m, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;
    use std::collections::HashMap;

    struct F(
        HashMap<&'static str, Value>,
        HashMap<&'static str, &'static str>,
    );
    impl Facts for F {
        fn answer(&self, code: &str) -> Option<Cow<'_, Value>> {
            self.0.get(code).map(Cow::Borrowed)
        }
        fn field(&self, name: &str) -> Option<&str> {
            self.1.get(name).copied()
        }
    }

    fn compile(src: &str) -> Result<Expr, ExprError> {
        parse(src, &mut |name: &str| match name {
            "f6" | "f7" => Ok((Expr::Answer(name.into()), Ty::Number)),
            "lulus" | "mulai" | "bulan" => Ok((Expr::Answer(name.into()), Ty::Date)),
            "extra.lulus" => Ok((Expr::Field(name.into()), Ty::Field)),
            other => Err(format!("unknown `{other}`")),
        })
    }

    fn facts() -> F {
        F(
            HashMap::from([
                ("f6", Value::Integer(12)),
                ("f7", Value::Integer(5)),
                (
                    "lulus",
                    Value::Date(NaiveDate::from_ymd_opt(2024, 8, 17).unwrap()),
                ),
                (
                    "mulai",
                    Value::MonthYear {
                        year: 2025,
                        month: 2,
                    },
                ),
                (
                    "bulan",
                    Value::Date(NaiveDate::from_ymd_opt(2024, 9, 16).unwrap()),
                ),
            ]),
            HashMap::from([("extra.lulus", "2024-08")]),
        )
    }

    #[test]
    fn arithmetic_follows_precedence_and_parentheses() {
        let f = facts();
        let v = |s: &str| compile(s).unwrap().value(&f);
        assert_eq!(v("f6 - f7"), Some(Value::Integer(7)));
        assert_eq!(v("f6 - f7 * 2"), Some(Value::Integer(2)));
        assert_eq!(v("(f6 - f7) * 2"), Some(Value::Integer(14)));
        assert_eq!(v("f7 / f6 * 100"), Some(Value::Decimal(41.67)));
        assert_eq!(v("-f7 + 1"), Some(Value::Integer(-4)));
        assert_eq!(v("f6 / (f7 - 5)"), None, "division by zero is no value");
    }

    #[test]
    fn months_between_days_months_and_fields() {
        let f = facts();
        let v = |s: &str| compile(s).unwrap().value(&f);
        assert_eq!(v("months_between(lulus, mulai)"), Some(Value::Integer(6)));
        assert_eq!(
            v("months_between(extra.lulus, mulai)"),
            Some(Value::Integer(6))
        );
        // 17 August to 16 September: not yet a whole month.
        assert_eq!(v("months_between(lulus, bulan)"), Some(Value::Integer(0)));
        assert_eq!(v("months_between(mulai, lulus)"), Some(Value::Integer(-6)));
    }

    #[test]
    fn a_missing_input_is_no_value() {
        let mut f = facts();
        f.0.insert("f7", Value::Skipped);
        f.0.remove("mulai");
        assert_eq!(compile("f6 - f7").unwrap().value(&f), None);
        assert_eq!(
            compile("months_between(lulus, mulai)").unwrap().value(&f),
            None
        );
    }

    #[test]
    fn errors_point_at_the_part() {
        let e = compile("f6 + lulus").unwrap_err();
        assert_eq!(e.at, 3);
        assert!(e.message.contains("numbers"), "{}", e.message);
        let e = compile("months_between(lulus, f6)").unwrap_err();
        assert_eq!(e.at, 22);
        let e = compile("f6 - f99").unwrap_err();
        assert_eq!((e.at, e.message.as_str()), (5, "unknown `f99`"));
        assert_eq!(compile("f6 -").unwrap_err().at, 4);
        assert_eq!(compile("(f6").unwrap_err().message, "expected `)`");
        assert!(
            compile("days(f6)")
                .unwrap_err()
                .message
                .contains("unknown function")
        );
        assert!(compile("lulus").is_err(), "a bare date is not a number");
    }
}
