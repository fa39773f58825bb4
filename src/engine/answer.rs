//! Turning what a respondent typed into a value of the question's type, or into a friendly
//! explanation (in their language) of what is expected.

use crate::flow::{Bounds, Choice, Flow, Kind, Question};
use crate::i18n::{Catalog, Msg};
use crate::model::{Lang, Value};
use crate::understand::{self, ChoiceOption};

/// Parses typed text as an answer to `q`. `Err` holds the message to send before re-asking.
pub fn parse_text(
    flow: &Flow,
    cat: &Catalog,
    lang: Lang,
    q: &Question,
    input: &str,
) -> Result<Value, String> {
    let text = input.trim();
    if text.is_empty() {
        return Err(cat.t(lang, Msg::ErrEmpty));
    }
    let unreadable = |hint: Msg| format!("{} {}", cat.t(lang, Msg::ErrNumber), cat.t(lang, hint));
    match &q.kind {
        Kind::Text { min_len, max_len } => {
            let n = text.chars().count() as u32;
            if let Some(m) = min_len.filter(|m| n < *m) {
                return Err(cat.ta(lang, Msg::ErrTextShort, &[("min", &m.to_string())]));
            }
            if let Some(m) = max_len.filter(|m| n > *m) {
                return Err(cat.ta(lang, Msg::ErrTextLong, &[("max", &m.to_string())]));
            }
            Ok(Value::Text(text.to_string()))
        }
        Kind::Integer { bounds, .. } => {
            let n = understand::parse_integer(text, lang)
                .ok_or_else(|| unreadable(Msg::HintInteger))?;
            check_bounds(cat, lang, bounds, n as f64, false)?;
            Ok(Value::Integer(n))
        }
        Kind::Decimal { bounds, .. } => {
            let x = understand::parse_decimal(text, lang)
                .ok_or_else(|| unreadable(Msg::HintDecimal))?;
            check_bounds(cat, lang, bounds, x, false)?;
            Ok(Value::Decimal(x))
        }
        Kind::Money { bounds } => {
            let n =
                understand::parse_money(text, lang).ok_or_else(|| unreadable(Msg::HintMoney))?;
            check_bounds(cat, lang, bounds, n as f64, true)?;
            Ok(Value::Money(n))
        }
        Kind::Single { options } => {
            match with_options(options, |opts| understand::match_choice(text, opts)) {
                Some(i) => Ok(Value::Choice(options[i].code.clone())),
                None => Err(choice_error(cat, lang, options.len())),
            }
        }
        Kind::Multi { options, min, max } => {
            let picked = with_options(options, |opts| understand::match_choices(text, opts))
                .ok_or_else(|| choice_error(cat, lang, options.len()))?;
            check_picks(flow, cat, lang, options, &picked, *min, *max)
        }
        Kind::Likert { from, to, .. } => match understand::parse_integer(text, lang) {
            Some(n) if (*from..=*to).contains(&n) => Ok(Value::Scale(n)),
            _ => Err(cat.ta(
                lang,
                Msg::ErrLikert,
                &[("from", &from.to_string()), ("to", &to.to_string())],
            )),
        },
        Kind::YesNo => understand::parse_yes_no(text, lang)
            .map(Value::Bool)
            .ok_or_else(|| cat.t(lang, Msg::ErrYesNo)),
        Kind::Date => understand::parse_date(text, lang)
            .map(Value::Date)
            .ok_or_else(|| unreadable(Msg::HintDate)),
        Kind::MonthYear => understand::parse_month_year(text, lang)
            .map(|(year, month)| Value::MonthYear { year, month })
            .ok_or_else(|| unreadable(Msg::HintMonthYear)),
        Kind::Phone => understand::parse_phone(text)
            .map(Value::Phone)
            .ok_or_else(|| unreadable(Msg::HintPhone)),
        Kind::Email => understand::parse_email(text)
            .map(Value::Email)
            .ok_or_else(|| unreadable(Msg::HintEmail)),
    }
}

/// Parses a button press: the value is an option code, a Likert point, `yes`/`no`, or for
/// multiple choice the codes joined with `,`.
pub fn parse_button(
    flow: &Flow,
    cat: &Catalog,
    lang: Lang,
    q: &Question,
    value: &str,
) -> Result<Value, String> {
    match &q.kind {
        Kind::Single { options } if options.iter().any(|o| o.code == value) => {
            Ok(Value::Choice(value.to_string()))
        }
        Kind::Multi { options, min, max } => {
            let picked: Option<Vec<usize>> = value
                .split(',')
                .filter(|s| !s.is_empty())
                .map(|c| options.iter().position(|o| o.code == c))
                .collect();
            let mut picked = picked.ok_or_else(|| choice_error(cat, lang, options.len()))?;
            picked.sort_unstable();
            picked.dedup();
            check_picks(flow, cat, lang, options, &picked, *min, *max)
        }
        Kind::YesNo if value == "yes" || value == "no" => Ok(Value::Bool(value == "yes")),
        _ => parse_text(flow, cat, lang, q, value),
    }
}

fn check_picks(
    flow: &Flow,
    cat: &Catalog,
    lang: Lang,
    options: &[Choice],
    picked: &[usize],
    min: u32,
    max: u32,
) -> Result<Value, String> {
    if picked.len() > 1
        && let Some(&i) = picked.iter().find(|i| options[**i].exclusive)
    {
        let label = flow.texts.format(lang, &options[i].label, None);
        return Err(cat.ta(lang, Msg::ErrExclusive, &[("option", &label)]));
    }
    let exclusive_alone = picked.len() == 1 && options[picked[0]].exclusive;
    if (picked.len() as u32) < min && !exclusive_alone {
        return Err(cat.ta(lang, Msg::ErrPicksMin, &[("min", &min.to_string())]));
    }
    if picked.len() as u32 > max {
        return Err(cat.ta(lang, Msg::ErrPicksMax, &[("max", &max.to_string())]));
    }
    Ok(Value::Choices(
        picked.iter().map(|i| options[*i].code.clone()).collect(),
    ))
}

fn check_bounds(cat: &Catalog, lang: Lang, b: &Bounds, x: f64, money: bool) -> Result<(), String> {
    let show = |v: f64| {
        if money {
            understand::format_rupiah(v as i64)
        } else {
            understand::format_number(v, lang)
        }
    };
    if let Some(m) = b.min.filter(|m| x < *m) {
        return Err(cat.ta(lang, Msg::ErrMin, &[("min", &show(m))]));
    }
    if let Some(m) = b.max.filter(|m| x > *m) {
        return Err(cat.ta(lang, Msg::ErrMax, &[("max", &show(m))]));
    }
    Ok(())
}

fn choice_error(cat: &Catalog, lang: Lang, count: usize) -> String {
    let count = i64::try_from(count).unwrap_or(i64::MAX);
    cat.tn(lang, Msg::ErrChoice, "count", count)
}

/// Runs `f` with the options as the matcher sees them: code plus the label in every language
/// of the flow (formatted when the flow was compiled), since respondents mix languages.
fn with_options<R>(options: &[Choice], f: impl FnOnce(&[ChoiceOption]) -> R) -> R {
    let labels: Vec<&[String]> = options.iter().map(|o| o.labels.as_slice()).collect();
    let refs: Vec<Vec<&str>> = labels
        .iter()
        .map(|l| l.iter().map(String::as_str).collect())
        .collect();
    let opts: Vec<ChoiceOption> = options
        .iter()
        .zip(&refs)
        .map(|(o, l)| ChoiceOption {
            code: o.code.as_str(),
            labels: l.as_slice(),
        })
        .collect();
    f(&opts)
}
