//! The codebook: what each column of the export means. One row per exported code (a grid
//! row's scale under its export code, a repeat group's question once per item as
//! `job_name_1…5`), over every version of the flow: which version(s) asked it, when it is
//! asked (its condition in words), the accepted range, the unit, texts and options per
//! language, and the export's own column names.

use super::cell::neutralise;
use super::export::{ExportError, columns, ordered, versions_of};
use crate::flow::{Cond, DateBound, DateRange, Flow, Kind, Lit, Op, Question, Subject, TimeUnit};
use crate::model::{AnswerKey, Lang};
use crate::store::Store;
use fluent_bundle::FluentArgs;
use std::cmp::Ordering;
use std::collections::HashSet;
use std::io::Write;

/// Writes the codebook of one flow version.
pub fn write_codebook(flow: &Flow, out: impl Write) -> Result<(), ExportError> {
    write_versions(&[flow], out)
}

/// Writes the codebook of `flow` and every other version of it the store knows (the same
/// column set as the export).
pub async fn write_codebook_all(
    store: &Store,
    flow: &Flow,
    out: impl Write,
) -> Result<(), ExportError> {
    let others = versions_of(store, flow).await?;
    write_versions(&ordered(flow, &others), out)
}

/// The codebook over `versions` (newest first): the newest version's rows in its order,
/// then rows only older versions have.
fn write_versions(versions: &[&Flow], out: impl Write) -> Result<(), ExportError> {
    let Some(newest) = versions.first() else {
        return Ok(());
    };
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec![
        "code".to_string(),
        "section".into(),
        "type".into(),
        "optional".into(),
        "repeat_group".into(),
        "follow_up_of".into(),
    ];
    for l in &newest.languages {
        header.push(format!("text_{}", l.tag()));
        header.push(format!("choices_{}", l.tag()));
    }
    header.extend(["columns", "versions", "asked_when", "range"].map(String::from));
    for l in &newest.languages {
        header.push(format!("unit_{}", l.tag()));
    }
    // Last, so the columns before it keep their places for readers of older codebooks.
    header.push("refusable".into());
    w.write_record(&header)?;
    let mut done = HashSet::new();
    for flow in versions {
        let cols = columns(flow);
        for q in &flow.items {
            let asked_in = versions
                .iter()
                .filter(|f| f.question(&q.code).is_some())
                .map(|f| f.version.to_string())
                .collect::<Vec<_>>()
                .join(" ");
            let iterations: Vec<u32> = match q.group {
                Some(g) => (1..=flow.groups[g].max).collect(),
                None => vec![0],
            };
            for it in iterations {
                let mut args = FluentArgs::new();
                if it > 0 {
                    args.set("iteration", it);
                }
                let key = AnswerKey {
                    code: q.code.clone(),
                    iteration: it,
                }
                .column();
                let names = |scale: Option<usize>| {
                    cols.iter()
                        .filter(|c| c.code == q.code && c.iteration == it && c.scale == scale)
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                let tail = |rec: &mut Vec<String>, range: String| {
                    rec.push(asked_in.clone());
                    rec.push(asked_when(flow, q));
                    rec.push(range);
                    for l in &newest.languages {
                        rec.push(unit(flow, &q.kind, *l));
                    }
                    // "yes (7)": may be declined, and the code a refusal is exported with.
                    rec.push(if q.refusable {
                        match flow.missing.refused.as_str() {
                            "" => "yes".to_string(),
                            code => format!("yes ({code})"),
                        }
                    } else {
                        "no".to_string()
                    });
                };
                if let Kind::Grid {
                    grid,
                    stem,
                    scales,
                    exports,
                    ..
                } = &q.kind
                {
                    // A grid row is one codebook row per scale, under its export code (f1761).
                    for (k, (scale, code)) in scales.iter().zip(exports).enumerate() {
                        let code = if it == 0 {
                            code.clone()
                        } else {
                            format!("{code}_{it}")
                        };
                        if !done.insert(code.clone()) {
                            continue;
                        }
                        let mut rec = head(flow, q, code);
                        rec[2] = format!("grid:{grid}");
                        for l in &newest.languages {
                            let f = |t| flow.texts.format(*l, t, Some(&args));
                            rec.push(format!(
                                "{} — {} — {}",
                                f(stem),
                                f(&q.text),
                                f(&scale.label)
                            ));
                            rec.push(scale_choices(flow, scale, *l));
                        }
                        rec.push(names(Some(k)));
                        tail(&mut rec, format!("{}–{}", scale.from, scale.to));
                        w.write_record(rec.iter().map(|c| neutralise(c).into_owned()))?;
                    }
                    continue;
                }
                if !done.insert(key.clone()) {
                    continue;
                }
                let mut rec = head(flow, q, key);
                for l in &newest.languages {
                    rec.push(flow.texts.format(*l, &q.text, Some(&args)));
                    rec.push(choices(flow, &q.kind, *l));
                }
                // The export's own column names for this code, so the codebook and the
                // file say the same (`f401 f402 …`, `job_name_1`).
                rec.push(names(None));
                tail(&mut rec, range(&q.kind));
                // The texts are the flow author's, but a question may begin with "-" or "=".
                w.write_record(rec.iter().map(|c| neutralise(c).into_owned()))?;
            }
        }
    }
    w.flush()?;
    Ok(())
}

/// The first cells of a codebook row: code, section, type, optional, group, follow-up.
fn head(flow: &Flow, q: &Question, code: String) -> Vec<String> {
    vec![
        code,
        flow.sections[q.section].id.clone(),
        q.kind.name().to_string(),
        if q.optional { "yes" } else { "no" }.to_string(),
        q.group
            .map(|g| flow.groups[g].id.clone())
            .unwrap_or_default(),
        q.follows
            .as_ref()
            .map(|(p, o)| format!("{}={o}", flow.items[*p].code))
            .unwrap_or_default(),
    ]
}

/// When a question is asked, in the codebook's words: its own condition (with its section's
/// folded in) and its repeat group's, joined by "and"; blank when always asked.
fn asked_when(flow: &Flow, q: &Question) -> String {
    let group = q.group.and_then(|g| flow.groups[g].when.as_ref());
    let parts: Vec<String> = [group, q.when.as_ref()]
        .into_iter()
        .flatten()
        .map(|c| describe(c, true))
        .collect();
    parts.join(" and ")
}

/// A condition as the codebook writes it: `f8 = 1`, `f4 has 2`, `f6 >= 3`,
/// `field cohort in [2023, 2024]`, `not (…)`, parts joined by `and` / `or`.
pub fn describe(c: &Cond, top: bool) -> String {
    let joined = |parts: &[Cond], word: &str| {
        let s = parts
            .iter()
            .map(|p| describe(p, false))
            .collect::<Vec<_>>()
            .join(word);
        if top || parts.len() < 2 {
            s
        } else {
            format!("({s})")
        }
    };
    match c {
        Cond::All(parts) => joined(parts, " and "),
        Cond::Any(parts) => joined(parts, " or "),
        Cond::Not(inner) => format!("not ({})", describe(inner, true)),
        Cond::Test(subject, op) => {
            let who = match subject {
                Subject::Answer(code) => code.clone(),
                Subject::Field(name) => format!("field {name}"),
            };
            match op {
                Op::Eq(l) => format!("{who} = {}", lit(l)),
                Op::Ne(l) => format!("{who} != {}", lit(l)),
                Op::In(ls) => format!(
                    "{who} in [{}]",
                    ls.iter().map(lit).collect::<Vec<_>>().join(", ")
                ),
                Op::Has(o) => format!("{who} has {o}"),
                Op::Cmp(ord, or_equal, l) => {
                    let sign = match (ord, or_equal) {
                        (Ordering::Less, false) => "<",
                        (Ordering::Less, true) => "<=",
                        (Ordering::Greater, false) => ">",
                        (Ordering::Greater, true) => ">=",
                        (Ordering::Equal, _) => "=",
                    };
                    format!("{who} {sign} {}", lit(l))
                }
                Op::Answered(true) => format!("{who} answered"),
                Op::Answered(false) => format!("{who} not answered"),
            }
        }
    }
}

fn lit(l: &Lit) -> String {
    match l {
        Lit::Str(s) => s.clone(),
        Lit::Num(x) => number(*x),
        Lit::Bool(true) => "yes".into(),
        Lit::Bool(false) => "no".into(),
        Lit::Date(d) => d.format("%Y-%m-%d").to_string(),
        Lit::MonthYear(y, m) => format!("{y}-{m:02}"),
        Lit::Answer(code) => code.clone(),
    }
}

/// A bound without a needless `.0`.
fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        x.to_string()
    }
}

/// The accepted values of a question: `0–60`, `>= 1`, `length 2–80`, `picks 1–3`,
/// `1–5`, `2015-01-01 – today`; blank when anything of its type is accepted.
fn range(kind: &Kind) -> String {
    let between = |lo: Option<String>, hi: Option<String>| match (lo, hi) {
        (Some(a), Some(b)) => format!("{a}–{b}"),
        (Some(a), None) => format!(">= {a}"),
        (None, Some(b)) => format!("<= {b}"),
        (None, None) => String::new(),
    };
    match kind {
        Kind::Integer { bounds, .. } | Kind::Decimal { bounds, .. } | Kind::Money { bounds } => {
            between(bounds.min.map(number), bounds.max.map(number))
        }
        Kind::Text {
            min_len,
            max_len,
            pattern,
        } => {
            let len = between(
                min_len.map(|n| n.to_string()),
                max_len.map(|n| n.to_string()),
            );
            let mut parts = Vec::new();
            if !len.is_empty() {
                parts.push(format!("length {len}"));
            }
            if let Some(p) = pattern {
                parts.push(format!("pattern {}", p.source));
            }
            parts.join("; ")
        }
        Kind::Multi { min, max, .. } => format!("picks {min}–{max}"),
        Kind::Likert { from, to, .. } => format!("{from}–{to}"),
        Kind::Date { range, .. } | Kind::MonthYear { range } => dates(range),
        _ => String::new(),
    }
}

fn dates(r: &DateRange) -> String {
    let b = |d: DateBound| match d {
        DateBound::Fixed(day) => day.format("%Y-%m-%d").to_string(),
        DateBound::Today { months, days } => {
            let mut s = "today".to_string();
            if months != 0 {
                if months % 12 == 0 {
                    s.push_str(&format!("{:+}y", months / 12));
                } else {
                    s.push_str(&format!("{months:+}m"));
                }
            }
            if days != 0 {
                s.push_str(&format!("{days:+}d"));
            }
            s
        }
    };
    match (r.not_before, r.not_after) {
        (Some(a), Some(z)) => format!("{} – {}", b(a), b(z)),
        (Some(a), None) => format!(">= {}", b(a)),
        (None, Some(z)) => format!("<= {}", b(z)),
        (None, None) => String::new(),
    }
}

/// The unit of a number question in `lang`: the author's unit text, else its time unit;
/// `Rp` for money.
fn unit(flow: &Flow, kind: &Kind, lang: Lang) -> String {
    match kind {
        Kind::Integer {
            unit, time_unit, ..
        }
        | Kind::Decimal {
            unit, time_unit, ..
        } => match (unit, time_unit) {
            (Some(u), _) => flow.texts.format(lang, u, None),
            (None, Some(t)) => match t {
                TimeUnit::Days => "days",
                TimeUnit::Weeks => "weeks",
                TimeUnit::Months => "months",
                TimeUnit::Years => "years",
            }
            .to_string(),
            (None, None) => String::new(),
        },
        Kind::Money { .. } => "Rp".into(),
        _ => String::new(),
    }
}

/// A grid scale in the codebook: its ends' meanings, or its range.
fn scale_choices(flow: &Flow, s: &crate::flow::GridScale, lang: Lang) -> String {
    match (&s.low, &s.high) {
        (Some(low), Some(high)) => format!(
            "{}={}; {}={}",
            s.from,
            flow.texts.format(lang, low, None),
            s.to,
            flow.texts.format(lang, high, None)
        ),
        _ => format!("{}-{}", s.from, s.to),
    }
}

fn choices(flow: &Flow, kind: &Kind, lang: Lang) -> String {
    match kind {
        Kind::Single { options } | Kind::Multi { options, .. } => options
            .iter()
            .map(|o| format!("{}={}", o.code, flow.texts.format(lang, &o.label, None)))
            .collect::<Vec<_>>()
            .join("; "),
        Kind::Likert {
            from,
            to,
            low,
            high,
        } => format!(
            "{from}={}; {to}={}",
            flow.texts.format(lang, low, None),
            flow.texts.format(lang, high, None)
        ),
        Kind::YesNo { codes, .. } => format!("{}=yes; {}=no", codes.yes, codes.no),
        Kind::Computed { source, .. } => source.clone(),
        Kind::Lookup { list, .. } => format!(
            "list {} (data/README.md); {}=not in the list",
            list.name(),
            crate::lookup::NOT_LISTED
        ),
        _ => String::new(),
    }
}
