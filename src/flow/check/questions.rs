//! Questions: code, text, help, `when`, the type and the keys each type allows (bounds,
//! lengths, unit, scale), and the "other, please say which" follow-ups.

use super::conditions::and;
use super::diagnostics::{pos, suggest};
use super::names::valid_name;
use super::{Checker, PendingGoto, Seen};
use crate::flow::cond::{Cond, Lit, Op, Subject};
use crate::flow::def::{ItemDef, S, ScalarDef, TextDef};
use crate::flow::text::Text;
use crate::flow::{Bounds, DateBound, DateRange, Kind, Pattern, Question, TimeUnit, YesNoCodes};
use crate::understand;

/// The question types, as written in a flow file.
const TYPES: [&str; 14] = [
    "text",
    "integer",
    "decimal",
    "money",
    "single",
    "multi",
    "likert",
    "grid",
    "yesno",
    "date",
    "month_year",
    "phone",
    "email",
    "lookup",
];

impl Checker {
    /// The code of a question or grid (`what`), checked; a missing one is reported and
    /// replaced by a placeholder (`prefix` + position) so checking goes on.
    pub(super) fn item_code(
        &mut self,
        q: &ItemDef,
        at: (u64, u64),
        what: &str,
        prefix: &str,
    ) -> String {
        match &q.code {
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
                self.err(at, format!("{what} has no `code`"));
                format!("{prefix}{}", self.items.len())
            }
        }
    }

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
        if q.compute.is_some() {
            return self.computed(qdef, section, group, outer);
        }
        if q.kind.as_ref().is_some_and(|k| k.value == "grid") {
            return self.grid(qdef, section, group, outer);
        }
        let at = pos(qdef);
        let code = self.item_code(q, at, "question", "_q");
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
        let kind = self.kind(q, &code, code_at, group);
        let soft = match kind {
            Kind::Integer { .. } | Kind::Decimal { .. } | Kind::Money { .. } => {
                self.soft(q, &code, &earlier, group.is_some())
            }
            _ => None,
        };
        let index = self.items.len();
        self.items.push(Question {
            code: code.clone(),
            section,
            group,
            kind,
            text,
            help,
            optional: q.optional.as_ref().is_some_and(|o| o.value),
            refusable: q.refusable.as_ref().is_some_and(|o| o.value),
            when: when.clone(),
            goto: Vec::new(),
            follows: None,
            soft,
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
                            pattern: None,
                        },
                        text: otext,
                        help: None,
                        optional: false,
                        refusable: false,
                        when: and(when.clone(), Some(test)),
                        goto: Vec::new(),
                        follows: Some((index, opt)),
                        soft: None,
                    });
                    self.item_pos.push(pos(&other.value.code));
                    self.seen.insert(ocode, Seen { index: oi, group });
                }
            }
        }

        if let (Kind::Lookup { .. }, Some(other)) = (&self.items[index].kind, &q.other) {
            self.lookup_other(other, index, section, group, when.clone());
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
    fn kind(&mut self, q: &ItemDef, code: &str, at: (u64, u64), group: Option<usize>) -> Kind {
        let in_group = group.is_some();
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
                pattern: None,
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
                pattern: None,
            };
        }
        let allowed: &[&str] = match name {
            "text" => &["min_length", "max_length", "pattern", "pattern_message"],
            "integer" | "decimal" => &["min", "max", "unit", "time_unit", "soft"],
            "money" => &["min", "max", "soft"],
            "single" => &["options"],
            "multi" => &["options", "min", "max"],
            "likert" => &["scale"],
            "yesno" => &["codes", "echo"],
            "date" => &["not_before", "not_after", "precision"],
            "month_year" => &["not_before", "not_after"],
            "lookup" => &["list", "within", "other"],
            _ => &[],
        };
        for (present, key) in [
            (q.min.is_some(), "min"),
            (q.max.is_some(), "max"),
            (q.soft.is_some(), "soft"),
            (q.min_length.is_some(), "min_length"),
            (q.max_length.is_some(), "max_length"),
            (q.unit.is_some(), "unit"),
            (q.options.is_some(), "options"),
            (q.scale.is_some(), "scale"),
            (q.time_unit.is_some(), "time_unit"),
            (q.not_before.is_some(), "not_before"),
            (q.not_after.is_some(), "not_after"),
            (q.precision.is_some(), "precision"),
            (q.pattern.is_some(), "pattern"),
            (q.pattern_message.is_some(), "pattern_message"),
            (q.codes.is_some(), "codes"),
            (q.echo.is_some(), "echo"),
            (q.rows.is_some(), "rows"),
            (q.scales.is_some(), "scales"),
            (q.list.is_some(), "list"),
            (q.within.is_some(), "within"),
            (q.other.is_some(), "other"),
        ] {
            if present && !allowed.contains(&key) {
                self.err(
                    pos(kind_def),
                    format!("`{key}` does not apply to a `{name}` question (`{code}`)"),
                );
            }
        }
        let bounds = if matches!(name, "integer" | "decimal" | "money") {
            self.number_bounds(q, code, group)
        } else {
            Bounds::default()
        };
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
                let pattern = self.pattern(q, code, &earlier, in_group);
                Kind::Text {
                    min_len,
                    max_len,
                    pattern,
                }
            }
            "integer" => Kind::Integer {
                bounds,
                unit,
                time_unit: self.time_unit(q),
            },
            "decimal" => Kind::Decimal {
                bounds,
                unit,
                time_unit: self.time_unit(q),
            },
            "money" => Kind::Money { bounds },
            "single" | "multi" => {
                let options = self.options(q, code, name == "multi", at, in_group);
                if name == "single" {
                    return Kind::Single { options };
                }
                let n = options.len() as f64;
                for b in [&q.min, &q.max].into_iter().flatten() {
                    if b.value.num().is_none() {
                        self.err(
                            pos(b),
                            format!(
                                "the number of picks for `{code}` is a number, not another answer"
                            ),
                        );
                    }
                }
                let min = q.min.as_ref().and_then(|m| m.value.num()).unwrap_or(1.0);
                let max = q
                    .max
                    .as_ref()
                    .and_then(|m| m.value.num())
                    .unwrap_or(n.max(1.0));
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
                        Kind::YesNo {
                            echo: Vec::new(),
                            codes: YesNoCodes::default(),
                        }
                    }
                }
            }
            "yesno" => Kind::YesNo {
                echo: self.echo(q.text.as_ref(), q.echo.as_ref()),
                codes: self.yes_no_codes(q),
            },
            "date" => {
                let month_ok = match &q.precision {
                    None => false,
                    Some(p) if p.value == "month" => true,
                    Some(p) if p.value == "day" => false,
                    Some(p) => {
                        self.err(
                            pos(p),
                            format!(
                                "`precision` of a date is `day` (the default) or `month` (also accepts \"September 2024\"), not `{}`",
                                p.value
                            ),
                        );
                        false
                    }
                };
                Kind::Date {
                    month_ok,
                    range: self.date_range(q),
                }
            }
            "month_year" => Kind::MonthYear {
                range: self.date_range(q),
            },
            "phone" => Kind::Phone,
            "lookup" => self.lookup(q, code, at),
            _ => Kind::Email,
        }
    }

    /// `time_unit` of a number question.
    fn time_unit(&mut self, q: &ItemDef) -> Option<TimeUnit> {
        let t = q.time_unit.as_ref()?;
        let unit = TimeUnit::from_name(&t.value);
        if unit.is_none() {
            self.err(
                pos(t),
                format!(
                    "unknown `time_unit` `{}`{}; it is one of: {}",
                    t.value,
                    suggest(&t.value, TimeUnit::NAMES.iter().copied()),
                    TimeUnit::NAMES.join(", ")
                ),
            );
        }
        unit
    }

    /// `not_before` / `not_after` of a date or month-year question.
    fn date_range(&mut self, q: &ItemDef) -> DateRange {
        let mut bound = |b: &Option<S<String>>, key: &str| {
            let b = b.as_ref()?;
            let parsed = DateBound::parse(&b.value);
            if parsed.is_none() {
                self.err(
                    pos(b),
                    format!(
                        "`{key}` must be a date (`2020-01-01`) or `today`, optionally moved by years, months or days (`today-10y`, `today+6m`, `today-30d`), not `{}`",
                        b.value
                    ),
                );
            }
            parsed
        };
        let range = DateRange {
            not_before: bound(&q.not_before, "not_before"),
            not_after: bound(&q.not_after, "not_after"),
        };
        if let (Some(DateBound::Fixed(a)), Some(DateBound::Fixed(b)), Some(at)) =
            (range.not_before, range.not_after, q.not_after.as_ref())
            && a > b
        {
            self.err(
                pos(at),
                format!("`not_before` ({a}) is after `not_after` ({b})"),
            );
        }
        range
    }

    /// `pattern` (and its message) of a text question.
    fn pattern(
        &mut self,
        q: &ItemDef,
        code: &str,
        earlier: &std::collections::HashSet<String>,
        in_group: bool,
    ) -> Option<Pattern> {
        let message = q
            .pattern_message
            .as_ref()
            .map(|t| self.text(t, &format!("pattern-{code}"), earlier, in_group));
        let Some(p) = &q.pattern else {
            if let Some(m) = &q.pattern_message {
                self.err(pos(m), "`pattern_message` needs a `pattern`");
            }
            return None;
        };
        // Anchored: a NIK pattern must not accept a NIK with letters around it.
        match regex_automata::meta::Regex::new(&format!("^(?:{})$", p.value)) {
            Ok(regex) => Some(Pattern {
                source: p.value.clone(),
                regex,
                message,
            }),
            Err(e) => {
                let why = e
                    .syntax_error()
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| e.to_string());
                // The parser's message spans lines with a caret; its last line says what.
                let why = why.lines().last().unwrap_or("").trim().to_string();
                self.err(
                    pos(p),
                    format!(
                        "`pattern` `{}` is not a valid regular expression: {why}",
                        p.value
                    ),
                );
                None
            }
        }
    }

    /// `codes: { yes: 1, no: 2 }` of a yes/no question.
    fn yes_no_codes(&mut self, q: &ItemDef) -> YesNoCodes {
        let Some(c) = &q.codes else {
            return YesNoCodes::default();
        };
        let as_code = |v: &S<ScalarDef>| match &v.value {
            ScalarDef::Int(n) => Some(n.to_string()),
            ScalarDef::Str(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            _ => None,
        };
        let (yes, no) = (as_code(&c.value.yes), as_code(&c.value.no));
        for (v, got, key) in [(&c.value.yes, &yes, "yes"), (&c.value.no, &no, "no")] {
            if got.is_none() {
                self.err(
                    pos(v),
                    format!("the export code for `{key}` must be a whole number or a text"),
                );
            }
        }
        match (yes, no) {
            (Some(yes), Some(no)) if yes == no => {
                self.err(
                    pos(c),
                    format!("yes and no have the same export code `{yes}`"),
                );
                YesNoCodes::default()
            }
            (Some(yes), Some(no)) => YesNoCodes { yes, no },
            _ => YesNoCodes::default(),
        }
    }

    /// The words that answer a yes/no question by echo: the author's `echo:`, or what the
    /// question's texts (in every language) put after "Apakah".
    pub(super) fn echo(
        &mut self,
        text: Option<&TextDef>,
        own: Option<&S<Vec<S<String>>>>,
    ) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(own) = own {
            for w in &own.value {
                let word = w.value.trim().to_lowercase();
                if word.is_empty() || !word.chars().all(char::is_alphabetic) {
                    self.err(
                        pos(w),
                        format!(
                            "`echo` words are single words (`ada`, `pernah`), not `{}`",
                            w.value
                        ),
                    );
                } else if understand::parse_yes_no(&word, crate::model::Lang::Id) == Some(false) {
                    self.err(
                        pos(w),
                        format!("`{word}` already means no; it cannot be an echo of yes"),
                    );
                } else {
                    out.push(word);
                }
            }
            return out;
        }
        if let Some(t) = text {
            for source in t.value.values() {
                out.extend(understand::echo_words(&source.value));
            }
        }
        out.sort();
        out.dedup();
        out
    }
}
