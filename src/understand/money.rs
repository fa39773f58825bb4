//! Money: amounts of rupiah as people type them ("Rp3.500.000,-", "3,5 jt", "3 juta 500 ribu",
//! "sejuta setengah"), understood exactly (in millionths) or not at all.

use super::number::{
    Group3, big_multiplier, id_digit, multiplier, parse_numeral, small_multiplier, strip_an,
};
use super::text::too_long;
use crate::model::Lang;

/// Words allowed around an amount that do not change it.
const MONEY_FILLERS: &[&str] = &[
    "rp",
    "idr",
    "rupiah",
    "an",
    "sekitar",
    "sekitaran",
    "kisaran",
    "kira",
    "kurleb",
    "approx",
    "approximately",
    "about",
    "around",
    "roughly",
    "per",
    "bulan",
    "bln",
    "bl",
    "sebulan",
    "perbulan",
    "month",
    "monthly",
    "mo",
    "a",
    "net",
    "nett",
    "bersih",
    "kotor",
    "gross",
    "gaji",
    "gajinya",
    "penghasilan",
    "pendapatan",
    "saya",
    "sy",
    "aku",
    "sebesar",
    "yaitu",
    "adalah",
    "aja",
    "saja",
    "doang",
    "kak",
    "pak",
    "bu",
    "mas",
    "mbak",
    "take",
    "home",
    "pay",
    "thp",
];

/// Words that may follow a "/" in an amount ("3jt/bulan").
const PER_MONTH: &[&str] = &["bulan", "bln", "bl", "month", "mo", "mth", "bulannya"];

/// A token of a money answer.
#[derive(Debug, Clone, PartialEq, Eq)]
enum MoneyToken {
    /// A numeral such as `3.500.000` or `3,5`.
    Num(String),
    /// A run of letters.
    Word(String),
}

/// Splits a lower-cased money answer into numerals and words. Returns `None` on symbols
/// that make the amount ambiguous or foreign: a hyphen next to a digit (range or negative),
/// a "/" not followed by a month word, currency symbols, emoji…
fn money_tokens(s: &str) -> Option<Vec<MoneyToken>> {
    let chars: Vec<char> = s.chars().collect();
    let at = |i: usize| chars.get(i).copied();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(c) = at(i) {
        if c.is_ascii_digit() {
            let start = i;
            while let Some(d) = at(i) {
                let continues = d.is_ascii_digit()
                    || (matches!(d, '.' | ',') && at(i + 1).is_some_and(|n| n.is_ascii_digit()));
                if !continues {
                    break;
                }
                i += 1;
            }
            out.push(MoneyToken::Num(chars.get(start..i)?.iter().collect()));
        } else if c.is_alphabetic() {
            let start = i;
            while at(i).is_some_and(char::is_alphabetic) {
                i += 1;
            }
            out.push(MoneyToken::Word(chars.get(start..i)?.iter().collect()));
        } else if c.is_whitespace() || matches!(c, '.' | ',' | ':' | '(' | ')' | '=' | '"' | '\'') {
            i += 1;
        } else if matches!(c, '-' | '–' | '—') {
            let prev_letter = i > 0 && at(i - 1).is_some_and(char::is_alphabetic);
            let next_letter = at(i + 1).is_some_and(char::is_alphabetic);
            if !(prev_letter && next_letter) {
                return None;
            }
            i += 1;
        } else if c == '/' {
            let start = i + 1;
            let mut j = start;
            while at(j).is_some_and(char::is_alphabetic) {
                j += 1;
            }
            let word: String = chars.get(start..j)?.iter().collect();
            if !PER_MONTH.contains(&word.as_str()) {
                return None;
            }
            i = j;
        } else {
            return None;
        }
    }
    Some(out)
}

/// The meaning of one money token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MoneyItem {
    /// A number, in millionths of a rupiah; `bare` if written in digits.
    Num { micro: i128, bare: bool },
    /// "belas" (teen): adds ten to the preceding digit word.
    Belas,
    /// "puluh", "ratus": multiplies inside a thousands group.
    Small(i128),
    /// "ribu", "juta", "miliar"…
    Big(i128),
    /// "setengah" (a half).
    Half,
}

/// Millionths per rupiah: amounts are computed exactly in millionths.
const MICRO: i128 = 1_000_000;

/// Turns money tokens into items, or `None` on an unknown word.
fn money_items(tokens: &[MoneyToken], lang: Lang) -> Option<Vec<MoneyItem>> {
    let mut items = Vec::new();
    let num = |v: i128| MoneyItem::Num {
        micro: v * MICRO,
        bare: false,
    };
    for (idx, tok) in tokens.iter().enumerate() {
        match tok {
            MoneyToken::Num(raw) => {
                let next_is_multiplier = matches!(
                    tokens.get(idx + 1),
                    Some(MoneyToken::Word(w)) if multiplier(w, lang).is_some()
                );
                let policy = if next_is_multiplier {
                    Group3::ByLang
                } else {
                    Group3::Thousands
                };
                let d = parse_numeral(raw, lang, policy)?;
                items.push(MoneyItem::Num {
                    micro: d.to_micro()?,
                    bare: true,
                });
            }
            MoneyToken::Word(w) => {
                let w = strip_an(w, lang);
                if MONEY_FILLERS.contains(&w) {
                    continue;
                }
                if let Some(m) = big_multiplier(w, lang) {
                    items.push(MoneyItem::Big(m));
                } else if let Some(m) = small_multiplier(w) {
                    items.push(MoneyItem::Small(m));
                } else if let Some(v) = id_digit(w) {
                    items.push(num(v));
                } else {
                    match w {
                        "nol" => items.push(num(0)),
                        "sepuluh" => items.push(num(10)),
                        "sebelas" => items.push(num(11)),
                        "belas" => items.push(MoneyItem::Belas),
                        "setengah" => items.push(MoneyItem::Half),
                        "seratus" => items.extend([num(1), MoneyItem::Small(100)]),
                        "seribu" => items.extend([num(1), MoneyItem::Big(1_000)]),
                        "sejuta" => items.extend([num(1), MoneyItem::Big(1_000_000)]),
                        "semiliar" | "semilyar" => {
                            items.extend([num(1), MoneyItem::Big(1_000_000_000)]);
                        }
                        _ => return None,
                    }
                }
            }
        }
    }
    Some(items)
}

/// Parses an amount of money into whole rupiah.
///
/// Understands digits with Indonesian or English grouping (`"3.500.000"`, `"IDR 2,000,000"`),
/// the "Rp"/"Rp."/"IDR" prefix (attached or not) and the ",-" suffix, multipliers with
/// decimals (`"3,5 juta"`, `"3.5jt"`, `"500rb"`, `"500k"`, `"1,2 M"` = 1.2 miliar in
/// Indonesian, `"1.2 milyar"`), compound amounts (`"3 juta 500 ribu"`), the "-an" suffix
/// (`"2jtan"`, `"2 juta an"`), Indonesian number words (`"lima ratus ribu"`, `"sejuta"`,
/// `"satu setengah juta"`), and filler such as "sekitar", "kurang lebih", "kira-kira", "±",
/// "per bulan", "/bulan", "sebulan", "gaji saya".
///
/// Returns `None` for ranges (`"3-4 juta"`, `"3 sampai 4 juta"`), comparisons (`"lebih dari
/// 3 juta"`), negative amounts, amounts that are not whole rupiah (`"3,5"` on its own), a bare
/// number after a multiplier (`"3 juta 500"`: 3.000.500 or 3.500.000?), other currencies, and
/// per-year or per-day amounts ("per tahun" is not understood). Without a multiplier, one
/// separator followed by three digits is a thousands separator in both languages
/// (`"500,000"` = 500000).
pub fn parse_money(input: &str, lang: Lang) -> Option<i64> {
    if too_long(input) {
        return None;
    }
    let mut s = input.to_lowercase();
    for filler in [
        "kurang lebih",
        "kira-kira",
        "kira kira",
        "kira2",
        "+/-",
        "+-",
        "±",
        "~",
        ",-",
        ".-",
    ] {
        s = s.replace(filler, " ");
    }
    let s = s.trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, '-' | ',' | '.' | '!' | '?' | '=')
    });
    let items = money_items(&money_tokens(s)?, lang)?;

    let mut total: i128 = 0;
    let mut current: i128 = 0; // the thousands group being built from words
    let mut unit: Option<i128> = None; // the last number, not yet attached
    let mut unit_bare = false;
    let mut last_big: Option<i128> = None;
    let mut seen_number = false;
    for item in items {
        match item {
            MoneyItem::Num { micro, bare } => {
                if unit.is_some() {
                    return None;
                }
                unit = Some(micro);
                unit_bare = bare;
                seen_number = true;
            }
            MoneyItem::Belas => {
                let u = unit.take()?;
                if u % MICRO != 0 || !(1..=9).contains(&(u / MICRO)) {
                    return None;
                }
                current = current.checked_add(10 * MICRO + u)?;
            }
            MoneyItem::Small(m) => {
                let u = unit.take()?;
                current = current.checked_add(u.checked_mul(m)?)?;
            }
            MoneyItem::Half => match (unit, last_big) {
                (Some(u), _) => {
                    unit = Some(u.checked_add(MICRO / 2)?);
                    unit_bare = false;
                }
                (None, Some(big)) if current == 0 => {
                    // "sejuta setengah" = 1,5 juta.
                    total = total.checked_add(big.checked_mul(MICRO / 2)?)?;
                    last_big = Some(big / 2);
                }
                (None, None) if current == 0 => {
                    unit = Some(MICRO / 2);
                    unit_bare = false;
                    seen_number = true;
                }
                _ => return None,
            },
            MoneyItem::Big(m) => {
                let group = current.checked_add(unit.take().unwrap_or(0))?;
                if group <= 0 {
                    return None;
                }
                let add = group.checked_mul(m)?;
                if let Some(lb) = last_big
                    && (m >= lb || add >= lb.checked_mul(MICRO)?)
                {
                    return None;
                }
                total = total.checked_add(add)?;
                last_big = Some(m);
                current = 0;
            }
        }
    }
    if !seen_number {
        return None;
    }
    let group = current.checked_add(unit.unwrap_or(0))?;
    if group != 0 {
        if total != 0 && current == 0 && unit_bare {
            return None;
        }
        total = total.checked_add(group)?;
    }
    if total < 0 || total % MICRO != 0 {
        return None;
    }
    i64::try_from(total / MICRO).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::understand::format_rupiah;
    use crate::understand::test_support::{EN, ID};
    use proptest::prelude::*;

    #[test]
    fn money_table() {
        let cases: &[(&str, Lang, Option<i64>)] = &[
            ("3500000", ID, Some(3_500_000)),
            ("3.500.000", ID, Some(3_500_000)),
            ("3.500.000", EN, Some(3_500_000)),
            ("Rp 3.500.000", ID, Some(3_500_000)),
            ("Rp3.500.000", ID, Some(3_500_000)),
            ("rp3jt", ID, Some(3_000_000)),
            ("Rp. 3.500.000,-", ID, Some(3_500_000)),
            ("Rp.3.500.000,-", ID, Some(3_500_000)),
            ("Rp 3.500.000,00", ID, Some(3_500_000)),
            ("3,5 juta", ID, Some(3_500_000)),
            ("3,5 juta", EN, Some(3_500_000)),
            ("3.5 juta", ID, Some(3_500_000)),
            ("3,5jt", ID, Some(3_500_000)),
            ("3 jt", ID, Some(3_000_000)),
            ("3jt", ID, Some(3_000_000)),
            ("3 Juta", ID, Some(3_000_000)),
            ("3 juta 500 ribu", ID, Some(3_500_000)),
            ("3jt 500rb", ID, Some(3_500_000)),
            ("500 ribu", ID, Some(500_000)),
            ("500rb", ID, Some(500_000)),
            ("500 rb", ID, Some(500_000)),
            ("500k", ID, Some(500_000)),
            ("500K", EN, Some(500_000)),
            ("1,2 M", ID, Some(1_200_000_000)),
            ("1.2 milyar", ID, Some(1_200_000_000)),
            ("1,2 miliar", ID, Some(1_200_000_000)),
            ("1.2m", EN, Some(1_200_000)),
            ("1.2 million", EN, Some(1_200_000)),
            ("IDR 2,000,000", ID, Some(2_000_000)),
            ("IDR 2,000,000", EN, Some(2_000_000)),
            ("500,000", ID, Some(500_000)),
            ("2 juta an", ID, Some(2_000_000)),
            ("2jtan", ID, Some(2_000_000)),
            ("2 jutaan", ID, Some(2_000_000)),
            ("2jt-an", ID, Some(2_000_000)),
            ("500 ribuan", ID, Some(500_000)),
            ("sekitar 3 juta", ID, Some(3_000_000)),
            ("kurang lebih 3 juta", ID, Some(3_000_000)),
            ("kira-kira 3 juta", ID, Some(3_000_000)),
            ("kira2 3jt", ID, Some(3_000_000)),
            ("± 3 juta", ID, Some(3_000_000)),
            ("±3jt", ID, Some(3_000_000)),
            ("~3jt", ID, Some(3_000_000)),
            ("3 juta per bulan", ID, Some(3_000_000)),
            ("3jt/bulan", ID, Some(3_000_000)),
            ("3.000.000/bln", ID, Some(3_000_000)),
            ("3 juta sebulan", ID, Some(3_000_000)),
            ("gaji saya sekitar 4,5 juta per bulan", ID, Some(4_500_000)),
            ("3 juta kak", ID, Some(3_000_000)),
            ("about 3 million a month", EN, Some(3_000_000)),
            ("lima ratus ribu", ID, Some(500_000)),
            ("tiga juta", ID, Some(3_000_000)),
            ("tiga juta lima ratus ribu", ID, Some(3_500_000)),
            ("dua puluh lima juta", ID, Some(25_000_000)),
            ("dua belas juta", ID, Some(12_000_000)),
            ("sejuta", ID, Some(1_000_000)),
            ("sejuta setengah", ID, Some(1_500_000)),
            ("satu setengah juta", ID, Some(1_500_000)),
            ("setengah juta", ID, Some(500_000)),
            ("seratus ribu", ID, Some(100_000)),
            ("5 ratus ribu", ID, Some(500_000)),
            ("15 ratus ribu", ID, Some(1_500_000)),
            ("1.500 juta", ID, Some(1_500_000_000)),
            ("1,250 juta", ID, Some(1_250_000)),
            ("0", ID, Some(0)),
            ("Rp 0", ID, Some(0)),
            ("Rp9.223.372.036.854.775.807", ID, Some(i64::MAX)),
            // Rejected.
            ("", ID, None),
            ("Rp", ID, None),
            ("juta", ID, None),
            ("abc", ID, None),
            ("3-4 juta", ID, None),
            ("3 - 4 juta", ID, None),
            ("3 juta - 4 juta", ID, None),
            ("3 sampai 4 juta", ID, None),
            ("3 s/d 4 juta", ID, None),
            ("3 atau 4 juta", ID, None),
            ("lebih dari 10 juta", ID, None),
            ("kurang dari 1 juta", ID, None),
            ("10jt+", ID, None),
            ("-3 juta", ID, None),
            ("-3500000", ID, None),
            ("3,5", ID, None),
            ("3.50", EN, None),
            ("3 juta 500", ID, None),
            ("3 juta 1500 ribu", ID, None),
            ("500 ribu 3 juta", ID, None),
            ("3 4 juta", ID, None),
            ("$500", EN, None),
            ("500 USD", EN, None),
            ("36 juta per tahun", ID, None),
            ("100 ribu per hari", ID, None),
            ("tidak ada", ID, None),
            ("belum bekerja", ID, None),
            ("3.50.000", ID, None),
            ("1,2,3", ID, None),
            ("Rp 99999999999999999999", ID, None),
            ("99999999999 triliun", ID, None),
        ];
        for (input, lang, want) in cases {
            assert_eq!(parse_money(input, *lang), *want, "input {input:?} ({lang})");
        }
    }

    proptest! {
        #[test]
        fn rupiah_round_trips(x in 0i64..=i64::MAX) {
            for lang in Lang::ALL {
                prop_assert_eq!(parse_money(&format_rupiah(x), lang), Some(x));
            }
        }
    }
}
