//! Dates and month-years: "17 agt 2024", "17/08/24", "2024-08-17", "Januari 2024", "01/2024",
//! old spellings ("Pebruari", "Nop") included; always day first.

use super::text::{all_digits, alnum_tokens, too_long};
use crate::model::Lang;
use chrono::{Datelike, NaiveDate};

/// Full spellings matched by prefix (≥ 3 letters): Indonesian, old Indonesian ("Pebruari",
/// "Nopember") and English.
const MONTH_SPELLINGS: &[(&str, u32)] = &[
    ("januari", 1),
    ("january", 1),
    ("februari", 2),
    ("february", 2),
    ("pebruari", 2),
    ("maret", 3),
    ("march", 3),
    ("april", 4),
    ("mei", 5),
    ("may", 5),
    ("juni", 6),
    ("june", 6),
    ("juli", 7),
    ("july", 7),
    ("agustus", 8),
    ("august", 8),
    ("september", 9),
    ("oktober", 10),
    ("october", 10),
    ("november", 11),
    ("nopember", 11),
    ("desember", 12),
    ("december", 12),
];

/// Abbreviations that are not prefixes of a spelling.
const MONTH_ABBREVIATIONS: &[(&str, u32)] = &[
    ("agt", 8),
    ("ags", 8),
    ("agst", 8),
    ("mrt", 3),
    ("pebr", 2),
    ("febr", 2),
];

/// The month a (lower-case) word names: a full name, an abbreviation or a prefix of at
/// least three letters of exactly one month ("jan", "agu", "sept", "nop", "peb").
fn month_from_word(w: &str) -> Option<u32> {
    if let Some((_, m)) = MONTH_ABBREVIATIONS.iter().find(|(a, _)| *a == w) {
        return Some(*m);
    }
    if w.chars().count() < 3 {
        return None;
    }
    let mut found: Option<u32> = None;
    for (spelling, m) in MONTH_SPELLINGS {
        if spelling.starts_with(w) {
            match found {
                Some(f) if f != *m => return None,
                _ => found = Some(*m),
            }
        }
    }
    found
}

/// Earliest year accepted.
const MIN_YEAR: i32 = 1950;
/// Latest year accepted.
const MAX_YEAR: i32 = 2100;

/// A year written with four digits, or two digits meaning 20yy.
fn year_from(tok: &str) -> Option<i32> {
    if !all_digits(tok) {
        return None;
    }
    let v: i32 = tok.parse().ok()?;
    let year = match tok.len() {
        4 => v,
        2 => 2000 + v,
        _ => return None,
    };
    (MIN_YEAR..=MAX_YEAR).contains(&year).then_some(year)
}

/// A number from 1 to `max` written with one or two digits: a month (`max` 12) or a day of
/// the month (`max` 31; the calendar checks the month's real length later).
fn one_or_two_digits(tok: &str, max: u32) -> Option<u32> {
    if !all_digits(tok) || tok.len() > 2 {
        return None;
    }
    tok.parse().ok().filter(|n| (1..=max).contains(n))
}

/// A month written as a number or a word.
fn month_any(tok: &str) -> Option<u32> {
    one_or_two_digits(tok, 12).or_else(|| month_from_word(tok))
}

/// Words ignored inside month/year answers.
const MONTH_YEAR_FILLERS: &[&str] = &["bulan", "bln", "tahun", "thn", "th", "of", "the"];

/// Words ignored inside date answers: labels, ordinal suffixes and weekday names.
const DATE_FILLERS: &[&str] = &[
    "tanggal",
    "tgl",
    "tahun",
    "thn",
    "th",
    "bulan",
    "bln",
    "hari",
    "st",
    "nd",
    "rd",
    "of",
    "the",
    "senin",
    "selasa",
    "rabu",
    "kamis",
    "jumat",
    "jum",
    "at",
    "sabtu",
    "minggu",
    "ahad",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "mon",
    "tue",
    "tues",
    "wed",
    "thu",
    "thur",
    "thurs",
    "fri",
    "sat",
    "sun",
];

/// Parses a month and year into `(year, month)`.
///
/// Accepts month names and abbreviations in both languages, old spellings ("Pebruari",
/// "Nop"), `"jan 24"` (two-digit years are 20yy), `"2024 januari"`, numeric forms `"01/2024"`,
/// `"1-2024"`, `"1 2024"`, `"2024-01"`, `"2024/1"`, `"01/24"` (only when the second number
/// cannot be a month, so `"03/11"` is rejected), and a full date (`"17 Agustus 2024"` →
/// `(2024, 8)`). Years must lie in 1950–2100.
pub fn parse_month_year(input: &str, lang: Lang) -> Option<(i32, u32)> {
    if too_long(input) {
        return None;
    }
    let tokens: Vec<String> = alnum_tokens(input)
        .into_iter()
        .filter(|t| !MONTH_YEAR_FILLERS.contains(&t.as_str()))
        .collect();
    match tokens.as_slice() {
        [a, b] => {
            if all_digits(a) && all_digits(b) {
                if a.len() == 4 {
                    Some((year_from(a)?, one_or_two_digits(b, 12)?))
                } else if b.len() == 4 || (b.len() == 2 && b.parse::<u32>().ok()? > 12) {
                    // "01/2024"; "01/24" only when 24 cannot be a month.
                    Some((year_from(b)?, one_or_two_digits(a, 12)?))
                } else {
                    None
                }
            } else if all_digits(b) {
                Some((year_from(b)?, month_from_word(a)?))
            } else if a.len() == 4 {
                Some((year_from(a)?, month_from_word(b)?))
            } else {
                None
            }
        }
        [_, _, _] => parse_date(input, lang).map(|d| (d.year(), d.month())),
        _ => None,
    }
}

/// Parses a calendar date.
///
/// Day first, always (the Indonesian order, also when `lang` is English): `"17/08/2024"`,
/// `"17-08-2024"`, `"17.08.2024"`, `"17/8/24"` (two-digit years are 20yy), `"17 Agustus 2024"`,
/// `"17 agt 2024"`, `"Sabtu, 17 Agustus 2024"`; ISO `"2024-08-17"`; and a month name first,
/// `"August 17, 2024"`. Rejects impossible dates (`"31/02/2024"`) and years outside
/// 1950–2100.
pub fn parse_date(input: &str, lang: Lang) -> Option<NaiveDate> {
    if too_long(input) {
        return None;
    }
    let _ = lang;
    let tokens: Vec<String> = alnum_tokens(input)
        .into_iter()
        .filter(|t| !DATE_FILLERS.contains(&t.as_str()))
        .collect();
    let [a, b, c] = tokens.as_slice() else {
        return None;
    };
    let (year, month, day) = if a.len() == 4 && all_digits(a) {
        (year_from(a)?, month_any(b)?, one_or_two_digits(c, 31)?)
    } else if all_digits(a) {
        (year_from(c)?, month_any(b)?, one_or_two_digits(a, 31)?)
    } else {
        (
            year_from(c)?,
            month_from_word(a)?,
            one_or_two_digits(b, 31)?,
        )
    };
    NaiveDate::from_ymd_opt(year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::understand::test_support::{EN, ID, date};
    use crate::understand::{format_date, format_month_year};
    use proptest::prelude::*;

    /// An expected `parse_month_year` result.
    type MonthYear = Option<(i32, u32)>;

    #[test]
    fn month_year_table() {
        let cases: &[(&str, Lang, MonthYear)] = &[
            ("Januari 2024", ID, Some((2024, 1))),
            ("januari 2024", ID, Some((2024, 1))),
            ("JANUARI 2024", ID, Some((2024, 1))),
            ("Jan 2024", ID, Some((2024, 1))),
            ("jan 24", ID, Some((2024, 1))),
            ("Jan '24", EN, Some((2024, 1))),
            ("jan-2024", ID, Some((2024, 1))),
            ("January 2024", EN, Some((2024, 1))),
            ("Februari 2023", ID, Some((2023, 2))),
            ("Feb 2023", ID, Some((2023, 2))),
            ("Peb 2023", ID, Some((2023, 2))),
            ("Pebruari 2023", ID, Some((2023, 2))),
            ("maret 2022", ID, Some((2022, 3))),
            ("Mar 2022", EN, Some((2022, 3))),
            ("april 2021", ID, Some((2021, 4))),
            ("Mei 2024", ID, Some((2024, 5))),
            ("May 2024", EN, Some((2024, 5))),
            ("Juni 2020", ID, Some((2020, 6))),
            ("jun 2020", ID, Some((2020, 6))),
            ("Juli 2020", ID, Some((2020, 7))),
            ("jul 2020", ID, Some((2020, 7))),
            ("Agustus 2023", ID, Some((2023, 8))),
            ("Agt 2023", ID, Some((2023, 8))),
            ("Agu 2023", ID, Some((2023, 8))),
            ("ags 2023", ID, Some((2023, 8))),
            ("agus 2023", ID, Some((2023, 8))),
            ("August 2023", EN, Some((2023, 8))),
            ("Aug 2023", EN, Some((2023, 8))),
            ("sept 2019", ID, Some((2019, 9))),
            ("Sep 2019", EN, Some((2019, 9))),
            ("Okt 2018", ID, Some((2018, 10))),
            ("Oct 2018", EN, Some((2018, 10))),
            ("Nopember 2017", ID, Some((2017, 11))),
            ("nop 2017", ID, Some((2017, 11))),
            ("Nov 2017", EN, Some((2017, 11))),
            ("Des 2016", ID, Some((2016, 12))),
            ("Dec 2016", EN, Some((2016, 12))),
            ("desember 1999", ID, Some((1999, 12))),
            ("bulan Januari tahun 2024", ID, Some((2024, 1))),
            ("2024 januari", ID, Some((2024, 1))),
            ("01/2024", ID, Some((2024, 1))),
            ("1/2024", ID, Some((2024, 1))),
            ("01-2024", ID, Some((2024, 1))),
            ("1 2024", ID, Some((2024, 1))),
            ("12.2023", ID, Some((2023, 12))),
            ("2024-01", ID, Some((2024, 1))),
            ("2024/1", ID, Some((2024, 1))),
            ("01/24", ID, Some((2024, 1))),
            ("17 Agustus 2024", ID, Some((2024, 8))),
            ("2024-08-17", ID, Some((2024, 8))),
            ("1950-01", ID, Some((1950, 1))),
            ("12/2100", ID, Some((2100, 12))),
            // Rejected.
            ("13/2024", ID, None),
            ("0/2024", ID, None),
            ("2024-13", ID, None),
            ("Januari 1949", ID, None),
            ("Januari 2101", ID, None),
            ("03/11", ID, None),
            ("24 jan", ID, None),
            ("Januari", ID, None),
            ("2024", ID, None),
            ("", ID, None),
            ("ma 2024", ID, None),
            ("ju 2024", ID, None),
            ("foo 2024", ID, None),
            ("jan 202", ID, None),
            ("jan 20244", ID, None),
            ("31/02/2024", ID, None),
            ("sekarang", ID, None),
        ];
        for (input, lang, want) in cases {
            assert_eq!(
                parse_month_year(input, *lang),
                *want,
                "input {input:?} ({lang})"
            );
        }
    }

    #[test]
    fn date_table() {
        let aug17 = Some(date(2024, 8, 17));
        let cases: &[(&str, Lang, Option<NaiveDate>)] = &[
            ("17 Agustus 2024", ID, aug17),
            ("17 agustus 2024", ID, aug17),
            ("17 agt 2024", ID, aug17),
            ("17 Agu 2024", ID, aug17),
            ("17-Aug-2024", EN, aug17),
            ("17/08/2024", ID, aug17),
            ("17/08/2024", EN, aug17),
            ("17-08-2024", ID, aug17),
            ("17.08.2024", ID, aug17),
            ("17/8/2024", ID, aug17),
            ("17/8/24", ID, aug17),
            ("17 8 2024", ID, aug17),
            ("2024-08-17", ID, aug17),
            ("2024/8/17", ID, aug17),
            ("August 17, 2024", EN, aug17),
            ("August 17th, 2024", EN, aug17),
            ("Aug 17 2024", EN, aug17),
            ("17th of August 2024", EN, aug17),
            ("Sabtu, 17 Agustus 2024", ID, aug17),
            ("Saturday, 17 August 2024", EN, aug17),
            ("tgl 17 agustus 2024", ID, aug17),
            ("tanggal 17 bulan 8 tahun 2024", ID, aug17),
            ("01/02/2024", EN, Some(date(2024, 2, 1))),
            ("1/2/2024", ID, Some(date(2024, 2, 1))),
            ("29/02/2024", ID, Some(date(2024, 2, 29))),
            ("31 Desember 1999", ID, Some(date(1999, 12, 31))),
            ("1 Januari 1950", ID, Some(date(1950, 1, 1))),
            ("5 Mei 2021", ID, Some(date(2021, 5, 5))),
            ("5 Peb 2021", ID, Some(date(2021, 2, 5))),
            ("10 Nop 2021", ID, Some(date(2021, 11, 10))),
            // Rejected.
            ("31/02/2024", ID, None),
            ("29/02/2023", ID, None),
            ("31 April 2024", ID, None),
            ("32/01/2024", ID, None),
            ("00/01/2024", ID, None),
            ("17/13/2024", ID, None),
            ("17/08/1949", ID, None),
            ("17/08/2101", ID, None),
            ("17/08", ID, None),
            ("Agustus 2024", ID, None),
            ("17 Agustus", ID, None),
            ("17/08/202", ID, None),
            ("", ID, None),
            ("besok", ID, None),
            ("17 foo 2024", ID, None),
            ("2024-17-08", ID, None),
            ("117/08/2024", ID, None),
        ];
        for (input, lang, want) in cases {
            assert_eq!(parse_date(input, *lang), *want, "input {input:?} ({lang})");
        }
    }

    proptest! {
        #[test]
        fn date_round_trips(days in 0i64..55_000) {
            let d = date(1950, 1, 1) + chrono::Duration::days(days);
            prop_assume!(d.year() <= MAX_YEAR);
            for lang in Lang::ALL {
                prop_assert_eq!(parse_date(&format_date(d, lang), lang), Some(d));
                let my = format_month_year(d.year(), d.month(), lang);
                prop_assert_eq!(parse_month_year(&my, lang), Some((d.year(), d.month())));
            }
        }
    }
}
