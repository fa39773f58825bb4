//! Numbers: numerals with Indonesian or English separators ("1.234,5", "1,234.5"), small
//! number words in both languages ("dua puluh lima", "twenty-one"), and the multiplier words
//! ("ribu", "jt", "M") that money builds on and that make a plain number something else.

use super::text::{normalize, too_long};
use crate::model::Lang;

/// An exact decimal number: `mantissa / 10^scale`. The scale keeps how many digits were
/// written after the decimal separator, so `"12,0"` is distinguishable from `"12"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Dec {
    mantissa: i128,
    scale: u32,
}

impl Dec {
    /// The nearest `f64`, if finite.
    fn to_f64(self) -> Option<f64> {
        format!("{}e-{}", self.mantissa, self.scale)
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
    }

    /// The value in millionths (exact), if it fits.
    pub(super) fn to_micro(self) -> Option<i128> {
        let shift = 6u32.checked_sub(self.scale)?;
        self.mantissa.checked_mul(10i128.checked_pow(shift)?)
    }
}

/// How to read one separator followed by exactly three digits when that separator is the
/// language's *decimal* separator (`"1,500"` in Indonesian).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Group3 {
    /// Follow the language: a decimal separator is a decimal separator.
    ByLang,
    /// Always thousands (rupiah amounts never have three decimals).
    Thousands,
}

/// The language's thousands and decimal separators: `.` and `,` in Indonesian, `,` and `.` in
/// English. The parsers and [`format_number`](super::format_number) read the same table.
pub(super) fn separators(lang: Lang) -> (char, char) {
    match lang {
        Lang::Id => ('.', ','),
        Lang::En => (',', '.'),
    }
}

/// True when `s` (digits and `sep`) is validly grouped: `1.234.567`, not `12.34` or `0.500`.
fn valid_grouping(s: &str, sep: char) -> bool {
    let mut parts = s.split(sep);
    let Some(first) = parts.next() else {
        return false;
    };
    if first.is_empty() || first.len() > 3 || first.starts_with('0') {
        return false;
    }
    parts.all(|p| p.len() == 3)
}

/// Most significant digits accepted in one numeral.
const MAX_DIGITS: usize = 30;

/// Parses an unsigned numeral made of digits, `.` and `,`.
///
/// * both separators: the last one is the decimal separator (`1.234,5`, `1,234.5`);
/// * one separator, several times: thousands grouping (`3.500.000`, `2,000,000`);
/// * one separator once, followed by exactly three digits and validly grouped: thousands if
///   it is the language's thousands separator or `policy` says so, else a decimal;
/// * otherwise a decimal (`3,5`, `3.5`, in either language).
pub(super) fn parse_numeral(s: &str, lang: Lang, policy: Group3) -> Option<Dec> {
    if !s
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        return None;
    }
    if !s.starts_with(|c: char| c.is_ascii_digit()) || !s.ends_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    if s.contains("..") || s.contains(",,") || s.contains(".,") || s.contains(",.") {
        return None;
    }
    let dots = s.matches('.').count();
    let commas = s.matches(',').count();
    let (int_part, frac_part): (String, &str) = if dots == 0 && commas == 0 {
        (s.to_string(), "")
    } else if dots > 0 && commas > 0 {
        let last_dot = s.rfind('.')?;
        let last_comma = s.rfind(',')?;
        let (dec, grp, dec_count) = if last_dot > last_comma {
            ('.', ',', dots)
        } else {
            (',', '.', commas)
        };
        if dec_count != 1 {
            return None;
        }
        let (ip, fp) = s.split_once(dec)?;
        if !valid_grouping(ip, grp) {
            return None;
        }
        (ip.replace(grp, ""), fp)
    } else {
        let sep = if dots > 0 { '.' } else { ',' };
        if dots + commas > 1 {
            if !valid_grouping(s, sep) {
                return None;
            }
            (s.replace(sep, ""), "")
        } else {
            let (ip, fp) = s.split_once(sep)?;
            let grouping = fp.len() == 3
                && valid_grouping(s, sep)
                && (sep == separators(lang).0 || policy == Group3::Thousands);
            if grouping {
                (s.replace(sep, ""), "")
            } else {
                (ip.to_string(), fp)
            }
        }
    };
    if frac_part.len() > MAX_DIGITS {
        return None;
    }
    let digits = format!("{int_part}{frac_part}");
    let significant = digits.trim_start_matches('0');
    if significant.len() > MAX_DIGITS {
        return None;
    }
    let mantissa: i128 = if significant.is_empty() {
        0
    } else {
        significant.parse().ok()?
    };
    Some(Dec {
        mantissa,
        scale: u32::try_from(frac_part.len()).ok()?,
    })
}

/// Indonesian digit words 1–9.
pub(super) fn id_digit(w: &str) -> Option<i128> {
    Some(match w {
        "satu" => 1,
        "dua" => 2,
        "tiga" => 3,
        "empat" => 4,
        "lima" => 5,
        "enam" => 6,
        "tujuh" => 7,
        "delapan" => 8,
        "sembilan" => 9,
        _ => return None,
    })
}

/// English number words 0–19.
fn en_small(w: &str) -> Option<i128> {
    const WORDS: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    WORDS
        .iter()
        .position(|x| *x == w)
        .and_then(|p| i128::try_from(p).ok())
}

/// English tens words 20–90.
fn en_tens(w: &str) -> Option<i128> {
    Some(match w {
        "twenty" => 20,
        "thirty" => 30,
        "forty" => 40,
        "fifty" => 50,
        "sixty" => 60,
        "seventy" => 70,
        "eighty" => 80,
        "ninety" => 90,
        _ => return None,
    })
}

/// Reads a number written in words at the start of `tokens` (Indonesian 0–100: "nol", "lima",
/// "sebelas", "dua belas", "dua puluh lima", "seratus"; English 0–99: "twelve",
/// "twenty-one", "twenty one"). Returns the value and how many tokens it used.
fn parse_number_words(tokens: &[&str]) -> Option<(i128, usize)> {
    let first = *tokens.first()?;
    let next = tokens.get(1).copied();
    match first {
        "nol" | "kosong" => return Some((0, 1)),
        "sepuluh" => return Some((10, 1)),
        "sebelas" => return Some((11, 1)),
        "seratus" => return Some((100, 1)),
        _ => {}
    }
    if let Some(u) = id_digit(first) {
        return Some(match next {
            Some("belas") => (10 + u, 2),
            Some("puluh") => match tokens.get(2).copied().and_then(id_digit) {
                Some(v) => (u * 10 + v, 3),
                None => (u * 10, 2),
            },
            _ => (u, 1),
        });
    }
    if let Some((tens, unit)) = first.split_once('-') {
        let t = en_tens(tens)?;
        let u = en_small(unit).filter(|u| (1..=9).contains(u))?;
        return Some((t + u, 1));
    }
    if let Some(v) = en_small(first) {
        return Some((v, 1));
    }
    let t = en_tens(first)?;
    match next.and_then(en_small).filter(|u| (1..=9).contains(u)) {
        Some(u) => Some((t + u, 2)),
        None => Some((t, 1)),
    }
}

/// Hedges allowed before a number ("sekitar 12", "± 3 juta").
const LEADING_FILLERS: &[&str] = &[
    "kurang lebih",
    "kurang-lebih",
    "kira-kira",
    "kira kira",
    "kira2",
    "sekitaran",
    "sekitar",
    "kisaran",
    "kurleb",
    "approximately",
    "approx",
    "about",
    "around",
    "roughly",
    "±",
    "+/-",
    "+-",
    "~",
];

/// Strips any number of [`LEADING_FILLERS`] from the start of `s`.
fn strip_leading_fillers(mut s: &str) -> &str {
    'outer: loop {
        for f in LEADING_FILLERS {
            if let Some(rest) = s.strip_prefix(f)
                && (rest.is_empty()
                    || rest.starts_with(char::is_whitespace)
                    || !f.ends_with(char::is_alphanumeric))
            {
                s = rest.trim_start();
                continue 'outer;
            }
        }
        return s;
    }
}

/// Words after a number that change its meaning ("12 lebih", "3 atau 4", "12 juta"): a
/// plain number followed by one of these is not that number.
const MEANING_CHANGERS: &[&str] = &[
    "lebih", "lbh", "kurang", "krg", "atau", "sampai", "smp", "hingga", "sd", "s/d", "keatas",
    "kebawah", "ke", "atas", "bawah", "plus", "or", "to", "more", "less", "than", "over", "under",
    "above", "below", "dari", "min", "max", "minimal", "maksimal", "maks", "setengah", "koma",
    "point", "per", "persen", "percent", "lusin", "dozen",
];

/// True when the words after a number leave its value alone (a unit such as "bulan").
fn trailing_words_ok<'a>(mut words: impl Iterator<Item = &'a str>) -> bool {
    words.all(|w| {
        w.chars().any(char::is_alphabetic)
            && w.chars().all(|c| c.is_alphabetic() || c == '-' || c == '/')
            && !MEANING_CHANGERS.contains(&w)
            && multiplier(w, Lang::Id).is_none()
            && multiplier(w, Lang::En).is_none()
    })
}

/// Parses a plain (non-money) quantity: an optionally signed numeral or number words,
/// optionally preceded by hedges and followed by unit words.
fn parse_quantity(input: &str, lang: Lang) -> Option<Dec> {
    if too_long(input) {
        return None;
    }
    let norm = normalize(input);
    let s = strip_leading_fillers(&norm);
    let tokens: Vec<&str> = s.split_whitespace().collect();
    let first = *tokens.first()?;
    let (negative, body) = match first.strip_prefix(['-', '−']) {
        Some(b) => (true, b),
        None => (false, first.strip_prefix('+').unwrap_or(first)),
    };
    let split = body
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(body.len());
    let (num, suffix) = body.split_at(split);
    if !num.is_empty() {
        let mut d = parse_numeral(num, lang, Group3::ByLang)?;
        let rest = tokens.iter().skip(1).copied();
        let ok = if suffix.is_empty() {
            trailing_words_ok(rest)
        } else {
            trailing_words_ok(std::iter::once(suffix).chain(rest))
        };
        if !ok {
            return None;
        }
        if negative {
            d.mantissa = -d.mantissa;
        }
        return Some(d);
    }
    if negative || first.starts_with('+') {
        return None;
    }
    let (value, used) = parse_number_words(&tokens)?;
    if !trailing_words_ok(tokens.iter().skip(used).copied()) {
        return None;
    }
    Some(Dec {
        mantissa: value,
        scale: 0,
    })
}

/// Parses a whole number.
///
/// Accepts `"12"`, `"-3"`, `"+3"`, `"12 bulan"` (trailing unit words are ignored),
/// `"sekitar 12"` (leading hedges ignored), Indonesian thousands dots in Indonesian
/// (`"1.000"`), thousands commas in English (`"1,000"`), and small number words in both
/// languages ("dua belas", "dua puluh lima", "twenty-one"). Rejects anything with a decimal
/// part (`"3,5"`, and `"1.000"` in English, which reads as 1.000), words that change the
/// meaning (`"12 lebih"`, `"3 atau 4"`, `"12 juta"`), and non-numbers.
pub fn parse_integer(input: &str, lang: Lang) -> Option<i64> {
    let d = parse_quantity(input, lang)?;
    if d.scale != 0 {
        return None;
    }
    i64::try_from(d.mantissa).ok()
}

/// Parses a decimal number.
///
/// The last separator of a number using both is the decimal separator (`"1.234,5"`,
/// `"1,234.5"`); a separator used several times is a thousands separator; a single separator
/// is a decimal separator (`"3,5"` and `"3.5"` in both languages) unless it is followed by
/// exactly three digits and is the language's thousands separator (`"3.500"` is 3500 in
/// Indonesian, 3.5 in English; `"1,000"` is 1 in Indonesian, 1000 in English). Leading hedges
/// and trailing unit words are ignored as in [`parse_integer`]. Never returns NaN or infinity.
pub fn parse_decimal(input: &str, lang: Lang) -> Option<f64> {
    parse_quantity(input, lang)?.to_f64()
}

/// A unit of time a number question may count in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// Days.
    Days,
    /// Weeks.
    Weeks,
    /// Months.
    Months,
    /// Years.
    Years,
}

impl Period {
    /// Length in days (a month is a twelfth of a year of 365.25 days), for conversions.
    fn days(self) -> f64 {
        match self {
            Period::Days => 1.0,
            Period::Weeks => 7.0,
            Period::Months => 365.25 / 12.0,
            Period::Years => 365.25,
        }
    }
}

/// Words naming a unit of time, as typed ("thn", "bln", "mgg").
const PERIOD_WORDS: &[(&str, Period)] = &[
    ("hari", Period::Days),
    ("hr", Period::Days),
    ("day", Period::Days),
    ("days", Period::Days),
    ("minggu", Period::Weeks),
    ("mgg", Period::Weeks),
    ("mg", Period::Weeks),
    ("pekan", Period::Weeks),
    ("week", Period::Weeks),
    ("weeks", Period::Weeks),
    ("wk", Period::Weeks),
    ("bulan", Period::Months),
    ("bln", Period::Months),
    ("bl", Period::Months),
    ("bulanan", Period::Months),
    ("month", Period::Months),
    ("months", Period::Months),
    ("mo", Period::Months),
    ("mth", Period::Months),
    ("tahun", Period::Years),
    ("thn", Period::Years),
    ("th", Period::Years),
    ("thun", Period::Years),
    ("taun", Period::Years),
    ("tahunan", Period::Years),
    ("year", Period::Years),
    ("years", Period::Years),
    ("yr", Period::Years),
    ("yrs", Period::Years),
];

/// The period a word names, also in its "se-" form ("setahun" is one year).
fn period_word(w: &str) -> Option<(f64, Period)> {
    let find = |w: &str| PERIOD_WORDS.iter().find(|(p, _)| *p == w).map(|(_, u)| *u);
    if let Some(u) = find(w) {
        return Some((f64::NAN, u));
    }
    w.strip_prefix("se").and_then(find).map(|u| (1.0, u))
}

/// Parses a length of time written with its unit and converts it to `unit`: "1 tahun" is 12
/// months, "setahun", "6 bln", "2,5 thn" (30 months), "1 tahun 6 bulan", "setengah tahun",
/// "3 minggu". Returns `None` when no unit word is written (the caller then reads a plain
/// number in its own unit) or when the input is not a length of time. The result may have a
/// fraction ("3 minggu" is 0.69 months); the caller rounds or refuses.
pub fn parse_period(input: &str, lang: Lang, unit: Period) -> Option<f64> {
    if too_long(input) {
        return None;
    }
    let norm = normalize(input);
    let s = strip_leading_fillers(&norm);
    // Split "6bln" into "6 bln" and "2,5thn" into "2,5 thn".
    let mut spaced = String::with_capacity(s.len() + 8);
    let mut prev_digit = false;
    for c in s.chars() {
        if prev_digit && c.is_alphabetic() {
            spaced.push(' ');
        }
        prev_digit = c.is_ascii_digit();
        spaced.push(c);
    }
    let tokens: Vec<&str> = spaced
        .split(|c: char| c.is_whitespace() || c == '+')
        // "lebih" is not a joint: "3 bulan lebih" is more than 3 months, not 3.
        .filter(|t| !t.is_empty() && *t != "dan" && *t != "and")
        .collect();
    let mut total_days = 0.0;
    let mut any_unit = false;
    let mut pending: Option<f64> = None;
    for t in tokens {
        if let Some((n, u)) = period_word(t) {
            let n = if n.is_nan() {
                pending.take().unwrap_or(f64::NAN)
            } else if pending.is_some() {
                return None;
            } else {
                n
            };
            if n.is_nan() {
                return None;
            }
            total_days += n * u.days();
            any_unit = true;
        } else if pending.is_none() {
            pending = Some(if t == "setengah" || t == "stengah" {
                0.5
            } else {
                parse_decimal(t, lang)?
            });
        } else {
            return None;
        }
    }
    if pending.is_some() || !any_unit {
        return None;
    }
    let v = total_days / unit.days();
    v.is_finite().then_some(v)
}

/// A rupiah multiplier word ("rb", "juta", "M"…). In Indonesian "M" is *miliar* (as in
/// "1,2 M"); in English it is million.
pub(super) fn big_multiplier(w: &str, lang: Lang) -> Option<i128> {
    Some(match w {
        "ribu" | "rb" | "rbu" | "rebu" | "rib" | "k" | "rbn" | "thousand" => 1_000,
        "juta" | "jt" | "jta" | "jtan" | "million" | "millions" | "mio" | "mln" | "mn" => 1_000_000,
        "miliar" | "milyar" | "milliar" | "miliyar" | "milyard" | "billion" | "bn" | "b" => {
            1_000_000_000
        }
        "m" => match lang {
            Lang::Id => 1_000_000_000,
            Lang::En => 1_000_000,
        },
        "triliun" | "trilyun" | "trillion" | "tn" => 1_000_000_000_000,
        _ => return None,
    })
}

/// A multiplier inside a thousands group ("lima ratus", "dua puluh").
pub(super) fn small_multiplier(w: &str) -> Option<i128> {
    match w {
        "ratus" | "hundred" => Some(100),
        "puluh" => Some(10),
        _ => None,
    }
}

/// Any multiplier word, big or small, with or without the "-an" suffix.
pub(super) fn multiplier(w: &str, lang: Lang) -> Option<i128> {
    let w = strip_an(w, lang);
    big_multiplier(w, lang).or_else(|| small_multiplier(w))
}

/// Strips the colloquial "-an" ("about") suffix from a multiplier: "jutaan" → "juta",
/// "jtan" → "jt", "ribuan" → "ribu".
pub(super) fn strip_an(w: &str, lang: Lang) -> &str {
    match w.strip_suffix("an") {
        Some(stem) if big_multiplier(stem, lang).is_some() || small_multiplier(stem).is_some() => {
            stem
        }
        _ => w,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::understand::format_number;
    use crate::understand::test_support::{EN, ID};
    use proptest::prelude::*;

    #[test]
    fn integer_table() {
        let cases: &[(&str, Lang, Option<i64>)] = &[
            ("12", ID, Some(12)),
            ("0", ID, Some(0)),
            ("007", ID, Some(7)),
            (" 12 ", ID, Some(12)),
            ("12.", ID, Some(12)),
            ("1.000", ID, Some(1000)),
            ("1.000.000", ID, Some(1_000_000)),
            ("1,000", EN, Some(1000)),
            ("1,000,000", EN, Some(1_000_000)),
            ("1.000.000", EN, Some(1_000_000)),
            ("2,000,000", ID, Some(2_000_000)),
            ("12 bulan", ID, Some(12)),
            ("12bulan", ID, Some(12)),
            ("12 Bulan.", ID, Some(12)),
            ("3 tahun", ID, Some(3)),
            ("12 months", EN, Some(12)),
            ("-3", ID, Some(-3)),
            ("+3", ID, Some(3)),
            ("sekitar 12", ID, Some(12)),
            ("kurang lebih 6 bulan", ID, Some(6)),
            ("± 5", ID, Some(5)),
            ("about 5 months", EN, Some(5)),
            ("nol", ID, Some(0)),
            ("satu", ID, Some(1)),
            ("lima", ID, Some(5)),
            ("sembilan", ID, Some(9)),
            ("sepuluh", ID, Some(10)),
            ("sebelas", ID, Some(11)),
            ("dua belas", ID, Some(12)),
            ("Dua belas bulan", ID, Some(12)),
            ("sembilan belas", ID, Some(19)),
            ("dua puluh", ID, Some(20)),
            ("dua puluh lima", ID, Some(25)),
            ("seratus", ID, Some(100)),
            ("satu tahun", ID, Some(1)),
            ("twelve", EN, Some(12)),
            ("twenty-one", EN, Some(21)),
            ("twenty one", EN, Some(21)),
            ("zero", EN, Some(0)),
            ("9223372036854775807", ID, Some(i64::MAX)),
            // Rejected.
            ("3,5", ID, None),
            ("3,5", EN, None),
            ("3.5", ID, None),
            ("3.5", EN, None),
            ("1.000", EN, None),
            ("1,000", ID, None),
            ("12,0", ID, None),
            ("abc", ID, None),
            ("", ID, None),
            ("-", ID, None),
            ("12 lebih", ID, None),
            ("lebih dari 12", ID, None),
            ("kurang dari 12", ID, None),
            ("3 atau 4", ID, None),
            ("3-4", ID, None),
            ("3 - 4", ID, None),
            ("2 tahun 3 bulan", ID, None),
            ("12 juta", ID, None),
            ("12jt", ID, None),
            ("12+", ID, None),
            ("12%", ID, None),
            ("1/2", ID, None),
            ("1.00.0", ID, None),
            ("1..0", ID, None),
            ("12 3", ID, None),
            ("9223372036854775808", ID, None),
            ("99999999999999999999999999999999999", ID, None),
            ("setahun", ID, None),
            ("-tiga", ID, None),
        ];
        for (input, lang, want) in cases {
            assert_eq!(
                parse_integer(input, *lang),
                *want,
                "input {input:?} ({lang})"
            );
        }
    }

    #[test]
    fn decimal_table() {
        let cases: &[(&str, Lang, Option<f64>)] = &[
            ("3,5", ID, Some(3.5)),
            ("3,5", EN, Some(3.5)),
            ("3.5", ID, Some(3.5)),
            ("3.5", EN, Some(3.5)),
            ("3.50", ID, Some(3.5)),
            ("1.234,5", ID, Some(1234.5)),
            ("1.234,5", EN, Some(1234.5)),
            ("1,234.5", EN, Some(1234.5)),
            ("1,234.5", ID, Some(1234.5)),
            ("1.234.567,89", ID, Some(1_234_567.89)),
            ("3.500", ID, Some(3500.0)),
            ("3.500", EN, Some(3.5)),
            ("1,000", EN, Some(1000.0)),
            ("1,000", ID, Some(1.0)),
            ("0,123", ID, Some(0.123)),
            ("0.123", EN, Some(0.123)),
            ("1234.567", ID, Some(1234.567)),
            ("12", ID, Some(12.0)),
            ("-2,5", ID, Some(-2.5)),
            ("−2,5", ID, Some(-2.5)),
            ("3,75 tahun", ID, Some(3.75)),
            ("IPK 3,5", ID, None),
            ("sekitar 2,5", ID, Some(2.5)),
            ("dua belas", ID, Some(12.0)),
            ("0", ID, Some(0.0)),
            // Rejected.
            ("NaN", EN, None),
            ("nan", ID, None),
            ("inf", EN, None),
            ("infinity", EN, None),
            ("-inf", EN, None),
            ("1e5", EN, None),
            ("abc", ID, None),
            ("", ID, None),
            ("3,5,5", ID, None),
            ("3.5.5", EN, None),
            ("1.234,5,6", ID, None),
            ("1,23.4", EN, None),
            ("3,", ID, Some(3.0)),
            (",5", ID, None),
            ("3 koma 5", ID, None),
            ("3,5 juta", ID, None),
        ];
        for (input, lang, want) in cases {
            assert_eq!(
                parse_decimal(input, *lang),
                *want,
                "input {input:?} ({lang})"
            );
        }
    }

    proptest! {
        #[test]
        fn number_round_trips(k in -1_000_000_000_000i64..1_000_000_000_000i64) {
            let x = k as f64 / 100.0;
            for lang in Lang::ALL {
                prop_assert_eq!(parse_decimal(&format_number(x, lang), lang), Some(x));
                prop_assert_eq!(parse_integer(&format_number(k as f64, lang), lang), Some(k));
            }
        }
    }

    #[test]
    fn periods_in_the_unit_asked() {
        let months =
            |s: &str| parse_period(s, ID, Period::Months).map(|v| (v * 100.0).round() / 100.0);
        let cases: &[(&str, Option<f64>)] = &[
            ("1 tahun", Some(12.0)),
            ("setahun", Some(12.0)),
            ("6 bln", Some(6.0)),
            ("6bln", Some(6.0)),
            ("2,5 thn", Some(30.0)),
            ("2.5 tahun", Some(30.0)),
            ("1 tahun 6 bulan", Some(18.0)),
            ("1 thn dan 2 bln", Some(14.0)),
            ("setengah tahun", Some(6.0)),
            ("sebulan", Some(1.0)),
            ("sekitar 2 tahun", Some(24.0)),
            ("3 minggu", Some(0.69)),
            ("dua tahun", Some(24.0)),
            ("12", None),
            ("tahun", None),
            ("1 2 tahun", None),
            ("1 tahun lagi", None),
            ("3 bulan lebih", None),
            ("tiga bulan lebih", None),
            ("1 tahun lebih 2 bulan", None),
            ("kurang dari 1 tahun", None),
            ("", None),
        ];
        for (input, want) in cases {
            assert_eq!(months(input), *want, "input {input:?}");
        }
        assert_eq!(parse_period("2 years", EN, Period::Years), Some(2.0));
        assert_eq!(parse_period("18 bulan", ID, Period::Years), Some(1.5));
    }
}
