//! Turning what a respondent typed into a value of the question's type, or into a friendly
//! explanation (in their language) of what is expected.

use super::state::ReplyOption;
use crate::flow::{Bounds, Choice, DateRange, Flow, GridScale, Kind, Question};
use crate::i18n::{Catalog, Msg};
use crate::model::{Lang, Value};
use crate::understand::{self, ChoiceMatch, ChoiceOption};
use chrono::{Datelike, NaiveDate};

/// Choice questions with more options than this are not listed again after a miss: the
/// respondent gets what would work, and the buttons where the platform has them.
pub const LONG_LIST: usize = 7;

/// Why a typed answer was not taken, and how the conversation goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Say this, then ask the question again.
    Reask(String),
    /// Say this and keep the question's buttons, without listing a long list again.
    Brief(String),
    /// A typed number could mean two options: say this and offer just these two.
    Which(String, Vec<ReplyOption>),
    /// A lookup found several rows: say this and offer them, numbered on text-only channels.
    Pick(String, Vec<ReplyOption>),
}

impl Refusal {
    /// The text said, whatever comes after it.
    pub fn text(&self) -> &str {
        match self {
            Refusal::Reask(t) | Refusal::Brief(t) | Refusal::Which(t, _) | Refusal::Pick(t, _) => t,
        }
    }
}

impl From<String> for Refusal {
    fn from(t: String) -> Self {
        Refusal::Reask(t)
    }
}

/// The value of the "prefer not to say" button of a `refusable` question. `@` cannot start
/// an option code, so it never means an option.
pub const REFUSE: &str = "@refuse";

/// What respondents write to decline a question, after [`refusal_words`]'s folding. Whole
/// answers only: "rahasia perusahaan" as a job title stays a job title.
const REFUSALS: &[&str] = &[
    "rahasia",
    "rahasia dong",
    "tidak mau menjawab",
    "tidak mau jawab",
    "tidak ingin menjawab",
    "tidak mau disebutkan",
    "tidak mau menyebutkan",
    "tidak ingin menyebutkan",
    "enggan menjawab",
    "tak mau menjawab",
    "gak mau jawab",
    "ga mau jawab",
    "nggak mau jawab",
    "gamau jawab",
    "tolak menjawab",
    "menolak menjawab",
    "tidak menjawab",
    "prefer not to say",
    "i prefer not to say",
    "rather not say",
    "id rather not say",
    "i would rather not say",
    "decline to answer",
    "i decline to answer",
    "no comment",
];

/// Lower case, letters and digits only, single spaces: "Rahasia!" and "tidak  mau
/// menjawab." read as the words in [`REFUSALS`].
fn refusal_words(text: &str) -> String {
    text.to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `input` declines question `q` (which must be `refusable`): the button, one of
/// [`REFUSALS`], or on a numbered list the number right after the last option (where the
/// button is listed), unless that number is an option's own code.
pub fn is_refusal(q: &Question, input: &super::Input) -> bool {
    match input {
        super::Input::Button { value, .. } => value == REFUSE,
        super::Input::Text(t) => {
            let words = refusal_words(t);
            if REFUSALS.contains(&words.as_str()) {
                return true;
            }
            match &q.kind {
                Kind::Single { options } | Kind::Multi { options, .. } => {
                    let after = (options.len() + 1).to_string();
                    words == after && !options.iter().any(|o| o.code == after)
                }
                _ => false,
            }
        }
    }
}

/// Parses typed text as an answer to `q`, on the day `today` (WIB; date bounds relative to
/// today use it). `Err` says what to tell the respondent.
pub fn parse_text(
    flow: &Flow,
    cat: &Catalog,
    lang: Lang,
    q: &Question,
    input: &str,
    today: NaiveDate,
) -> Result<Value, Refusal> {
    let text = input.trim();
    if text.is_empty() {
        return Err(cat.t(lang, Msg::ErrEmpty).into());
    }
    let unreadable = |hint: Msg| format!("{} {}", cat.t(lang, Msg::ErrNumber), cat.t(lang, hint));
    match &q.kind {
        // Never asked (`nav` skips it): nothing typed can be its answer.
        Kind::Computed { .. } => Err(cat.t(lang, Msg::ErrNumber).into()),
        Kind::Text {
            min_len,
            max_len,
            pattern,
        } => {
            let n = text.chars().count() as u32;
            if let Some(m) = min_len.filter(|m| n < *m) {
                return Err(cat
                    .ta(lang, Msg::ErrTextShort, &[("min", &m.to_string())])
                    .into());
            }
            if let Some(m) = max_len.filter(|m| n > *m) {
                return Err(cat
                    .ta(lang, Msg::ErrTextLong, &[("max", &m.to_string())])
                    .into());
            }
            if let Some(p) = pattern {
                if p.regex.is_match(text) {
                    return Ok(Value::Text(text.to_string()));
                }
                // "3171 0123 4567 8901" and "3171-01-…" are how a NIK is read out and copied.
                let compact: String = text
                    .chars()
                    .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '.'))
                    .collect();
                if p.regex.is_match(&compact) {
                    return Ok(Value::Text(compact));
                }
                return Err(match &p.message {
                    Some(m) => flow.texts.format(lang, m, None),
                    None => cat.t(lang, Msg::ErrPattern),
                }
                .into());
            }
            Ok(Value::Text(text.to_string()))
        }
        Kind::Integer {
            bounds, time_unit, ..
        } => {
            let n = match time_unit
                .and_then(|u| understand::parse_period(text, lang, u.as_understood()))
            {
                // Counts of months are whole: "3 minggu" is about 1 month.
                Some(x) if x.abs() < 1e12 => x.round() as i64,
                _ => understand::parse_integer(text, lang)
                    .ok_or_else(|| unreadable(Msg::HintInteger))?,
            };
            check_bounds(cat, lang, bounds, n as f64, false)?;
            Ok(Value::Integer(n))
        }
        Kind::Decimal {
            bounds, time_unit, ..
        } => {
            let x = match time_unit
                .and_then(|u| understand::parse_period(text, lang, u.as_understood()))
            {
                Some(x) => (x * 100.0).round() / 100.0,
                None => understand::parse_decimal(text, lang)
                    .ok_or_else(|| unreadable(Msg::HintDecimal))?,
            };
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
            match with_options(options, |opts| understand::understand_choice(text, opts)) {
                ChoiceMatch::One(i) => Ok(Value::Choice(options[i].code.clone())),
                ChoiceMatch::Either(shown, coded) => {
                    Err(which(flow, cat, lang, options, text, shown, coded))
                }
                ChoiceMatch::Unclear => Err(choice_error(flow, cat, lang, options)),
            }
        }
        Kind::Multi { options, min, max } => {
            let picked = with_options(options, |opts| understand::match_choices(text, opts));
            let Some(picked) = picked else {
                let twice = with_options(options, |opts| understand::ambiguous_number(text, opts));
                return Err(match twice {
                    Some((n, shown, coded)) => {
                        // Several picks cannot be settled with two buttons: ask for names.
                        let r = which(flow, cat, lang, options, &n.to_string(), shown, coded);
                        Refusal::Reask(r.text().to_string())
                    }
                    None => choice_error(flow, cat, lang, options),
                });
            };
            Ok(check_picks(flow, cat, lang, options, &picked, *min, *max)?)
        }
        Kind::Likert { from, to, .. } => match understand::parse_integer(text, lang) {
            Some(n) if (*from..=*to).contains(&n) => Ok(Value::Scale(n)),
            _ => Err(cat
                .ta(
                    lang,
                    Msg::ErrLikert,
                    &[("from", &from.to_string()), ("to", &to.to_string())],
                )
                .into()),
        },
        Kind::Grid { scales, .. } => grid_points(flow, cat, lang, scales, text).map_err(Into::into),
        Kind::YesNo { echo, .. } => understand::parse_yes_no_echo(text, lang, echo)
            .map(Value::Bool)
            .ok_or_else(|| cat.t(lang, Msg::ErrYesNo).into()),
        Kind::Date { month_ok, range } => {
            let value = match understand::parse_date(text, lang) {
                Some(d) => Value::Date(d),
                None => match understand::parse_month_year(text, lang).filter(|_| *month_ok) {
                    Some((year, month)) => Value::MonthYear { year, month },
                    None => {
                        let hint = if *month_ok {
                            Msg::HintDateOrMonth
                        } else {
                            Msg::HintDate
                        };
                        return Err(unreadable(hint).into());
                    }
                },
            };
            check_dates(cat, lang, range, &value, today)?;
            Ok(value)
        }
        Kind::MonthYear { range } => {
            let (year, month) = understand::parse_month_year(text, lang)
                .ok_or_else(|| unreadable(Msg::HintMonthYear))?;
            let value = Value::MonthYear { year, month };
            check_dates(cat, lang, range, &value, today)?;
            Ok(value)
        }
        Kind::Lookup { list, other, .. } => {
            // Without the session (no earlier answer to filter by, nothing shown before):
            // the engine calls `parse_lookup` itself with both.
            parse_lookup(cat, lang, *list, None, other.is_some(), None, text)
        }
        Kind::Phone => understand::parse_phone(text)
            .map(Value::Phone)
            .ok_or_else(|| unreadable(Msg::HintPhone).into()),
        Kind::Email => understand::parse_email(text)
            .map(Value::Email)
            .ok_or_else(|| unreadable(Msg::HintEmail).into()),
    }
}

/// The points of a grid row, one per scale, each within its scale.
fn grid_points(
    flow: &Flow,
    cat: &Catalog,
    lang: Lang,
    scales: &[GridScale],
    text: &str,
) -> Result<Value, String> {
    let single_digit = scales.iter().all(|s| s.from >= 0 && s.to <= 9);
    let points = match understand::parse_ratings(text, lang, scales.len(), single_digit) {
        understand::Ratings::Points(p) => p,
        understand::Ratings::Count(_) if scales.len() == 1 => {
            let s = &scales[0];
            return Err(cat.ta(
                lang,
                Msg::ErrLikert,
                &[("from", &s.from.to_string()), ("to", &s.to.to_string())],
            ));
        }
        understand::Ratings::Count(_) => {
            return Err(cat.ta(
                lang,
                Msg::ErrGridCount,
                &[
                    ("count", &scales.len().to_string()),
                    ("scales", &grid_scales(flow, lang, scales)),
                    ("example", &grid_example(scales)),
                ],
            ));
        }
    };
    for (s, n) in scales.iter().zip(&points) {
        if !(s.from..=s.to).contains(n) {
            let label = flow.texts.format(lang, &s.label, None);
            return Err(cat.ta(
                lang,
                Msg::ErrGridRange,
                &[
                    ("scale", &label),
                    ("from", &s.from.to_string()),
                    ("to", &s.to.to_string()),
                ],
            ));
        }
    }
    Ok(Value::Ratings(points))
}

/// The scales of a grid as the hint lists them: "A saat lulus (1–5), B diperlukan (1–5)".
pub fn grid_scales(flow: &Flow, lang: Lang, scales: &[GridScale]) -> String {
    scales
        .iter()
        .map(|s| {
            format!(
                "{} ({}–{})",
                flow.texts.format(lang, &s.label, None),
                s.from,
                s.to
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// An example answer to a grid row: a point near the top of each scale, then one lower
/// ("4 5" on two scales of 1–5 reads as two different numbers).
pub fn grid_example(scales: &[GridScale]) -> String {
    scales
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let top = s.to - if k % 2 == 0 { 1 } else { 0 };
            top.max(s.from).to_string()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Checks a date or month-year against the question's range; a month-year is compared by
/// month, so "Agustus 2027" is refused when the latest day is in 2026 but "this month" is not.
fn check_dates(
    cat: &Catalog,
    lang: Lang,
    range: &DateRange,
    v: &Value,
    today: NaiveDate,
) -> Result<(), String> {
    let by_month = matches!(v, Value::MonthYear { .. });
    let key = |d: NaiveDate| (d.year(), d.month(), if by_month { 0 } else { d.day() });
    let show = |d: NaiveDate| {
        if by_month {
            understand::format_month_year(d.year(), d.month(), lang)
        } else {
            understand::format_date(d, lang)
        }
    };
    let day = match v {
        Value::Date(d) => *d,
        Value::MonthYear { year, month } => {
            NaiveDate::from_ymd_opt(*year, *month, 1).unwrap_or(today)
        }
        _ => return Ok(()),
    };
    if let Some(b) = range.not_before.map(|b| b.resolve(today))
        && key(day) < key(b)
    {
        return Err(cat.ta(lang, Msg::ErrDateMin, &[("min", &show(b))]));
    }
    if let Some(b) = range.not_after.map(|b| b.resolve(today))
        && key(day) > key(b)
    {
        return Err(cat.ta(lang, Msg::ErrDateMax, &[("max", &show(b))]));
    }
    Ok(())
}

/// "Number 2 could mean …": the two options a typed number may stand for, as buttons.
fn which(
    flow: &Flow,
    cat: &Catalog,
    lang: Lang,
    options: &[Choice],
    typed: &str,
    shown: usize,
    coded: usize,
) -> Refusal {
    let label = |i: usize| flow.texts.format(lang, &options[i].label, None);
    let number = typed
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>();
    let text = cat.ta(
        lang,
        Msg::ErrChoiceWhich,
        &[
            ("number", &number),
            ("shown", &label(shown)),
            ("coded", &label(coded)),
        ],
    );
    let buttons = [shown, coded]
        .iter()
        .map(|i| ReplyOption {
            value: options[*i].code.clone(),
            label: label(*i),
        })
        .collect();
    Refusal::Which(text, buttons)
}

/// Parses a button press: the value is an option code, a Likert point, `yes`/`no`, or for
/// multiple choice the codes joined with `,`.
pub fn parse_button(
    flow: &Flow,
    cat: &Catalog,
    lang: Lang,
    q: &Question,
    value: &str,
    today: NaiveDate,
) -> Result<Value, Refusal> {
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
            let mut picked = picked.ok_or_else(|| choice_error(flow, cat, lang, options))?;
            picked.sort_unstable();
            picked.dedup();
            Ok(check_picks(flow, cat, lang, options, &picked, *min, *max)?)
        }
        Kind::YesNo { .. } if value == "yes" || value == "no" => Ok(Value::Bool(value == "yes")),
        _ => parse_text(flow, cat, lang, q, value, today),
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

/// Refuses `x` outside the fixed bounds `b`, saying the bound (`money`: in rupiah).
pub(crate) fn check_bounds(
    cat: &Catalog,
    lang: Lang,
    b: &Bounds,
    x: f64,
    money: bool,
) -> Result<(), String> {
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

/// A miss: the numbers that work, and that a word of a label works too, with an example
/// (the first option's first word, which the word matching understands). A long list is not
/// sent again.
fn choice_error(flow: &Flow, cat: &Catalog, lang: Lang, options: &[Choice]) -> Refusal {
    let count = i64::try_from(options.len()).unwrap_or(i64::MAX);
    let mut text = cat.tn(lang, Msg::ErrChoice, "count", count);
    if let Some(first) = options.first() {
        let label = flow.texts.format(lang, &first.label, None);
        let example = label
            .split(|c: char| !c.is_alphanumeric())
            .find(|w| w.chars().count() >= 4)
            .unwrap_or(&label)
            .to_string();
        text.push(' ');
        text.push_str(&cat.ta(lang, Msg::ErrChoiceWords, &[("example", &example)]));
    }
    if options.len() > LONG_LIST {
        Refusal::Brief(text)
    } else {
        Refusal::Reask(text)
    }
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

/// Words that say the answer to a lookup is not in its list.
const NOT_LISTED_WORDS: &[&str] = &[
    "tidak ada di daftar",
    "tidak ada dalam daftar",
    "tidak ada di list",
    "gak ada di daftar",
    "nggak ada di daftar",
    "tidak ada",
    "gak ada",
    "ga ada",
    "nggak ada",
    "tidak terdaftar",
    "lainnya",
    "yang lain",
    "not in the list",
    "not listed",
    "other",
];

/// Parses an answer to a lookup question over `list`: a number picks from the matches
/// shown last (`shown`), "tidak ada di daftar" falls back to the `other` question, anything
/// else is searched among the rows (under `within`, the parent code answered earlier). One
/// match is the answer; several are offered to pick from; none says what would work.
#[allow(clippy::too_many_arguments)]
pub fn parse_lookup(
    cat: &Catalog,
    lang: Lang,
    list: crate::lookup::ListId,
    within: Option<&str>,
    other: bool,
    shown: Option<&[String]>,
    input: &str,
) -> Result<Value, Refusal> {
    use crate::lookup::{self, Found};
    let text = input.trim();
    if text.is_empty() {
        return Err(cat.t(lang, Msg::ErrEmpty).into());
    }
    let lists = match lookup::lists() {
        Ok(l) => l,
        // The shipped lists are checked at start and by a test; if one were broken the
        // respondent can still answer in words.
        Err(_) => return Ok(Value::Text(text.to_string())),
    };
    let rows = lists.get(list);
    let taken = |code: &str| Value::Choice(code.to_string());
    if let Some(shown) = shown
        && let Some(n) = understand::parse_integer(text, lang)
        && n >= 1
        && let Some(code) = shown.get(n as usize - 1)
        && rows.entry(code).is_some()
    {
        return Ok(taken(code));
    }
    let folded: String = text
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if other && NOT_LISTED_WORDS.contains(&folded.as_str()) {
        return Ok(taken(lookup::NOT_LISTED));
    }
    match rows.search(text, within) {
        Found::One(e) => Ok(taken(&e.code)),
        Found::Several(es) => Err(Refusal::Pick(
            cat.ta(lang, Msg::LookupPick, &[("typed", text)]),
            es.iter()
                .map(|e| ReplyOption {
                    value: e.code.clone(),
                    label: e.name.clone(),
                })
                .collect(),
        )),
        Found::Nothing => Err(Refusal::Brief(cat.ta(
            lang,
            if other {
                Msg::LookupNoneOther
            } else {
                Msg::LookupNone
            },
            &[("typed", text)],
        ))),
    }
}
