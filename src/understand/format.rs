//! Formatting for the bot's own messages, per language (Fluent does not format numbers per
//! locale): numbers, rupiah, month-years and dates, in the forms the parsers read back.

use super::number::separators;
use crate::model::Lang;
use chrono::{Datelike, NaiveDate};

/// Indonesian month names.
const MONTHS_ID: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];

/// English month names.
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Inserts `sep` between groups of three digits: `"3500000"` → `"3.500.000"`.
fn group_digits(digits: &str, sep: char) -> String {
    let len = digits.chars().count();
    let mut out = String::with_capacity(len + len / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (len - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// Formats whole rupiah the Indonesian way: `3500000` → `"Rp3.500.000"`, `-3500` →
/// `"-Rp3.500"` (used in both languages: it is the currency's own notation).
pub fn format_rupiah(amount: i64) -> String {
    let sign = if amount < 0 { "-" } else { "" };
    format!(
        "{sign}Rp{}",
        group_digits(&amount.unsigned_abs().to_string(), '.')
    )
}

/// Formats a number for `lang`: Indonesian `"3,5"`, `"1.234,5"`, `"1.000"`; English `"3.5"`,
/// `"1,234.5"`, `"1,000"`. Whole numbers get no decimal part; others are rounded to at most
/// six decimals, trailing zeros dropped. NaN and infinities are written as Rust writes them.
pub fn format_number(n: f64, lang: Lang) -> String {
    if !n.is_finite() {
        return n.to_string();
    }
    let (tsep, dsep) = separators(lang);
    let fixed = format!("{:.6}", n.abs());
    let (int_part, frac_part) = fixed.split_once('.').unwrap_or((fixed.as_str(), ""));
    let frac_part = frac_part.trim_end_matches('0');
    let is_zero = int_part.bytes().all(|b| b == b'0') && frac_part.is_empty();
    let mut out = String::new();
    if n < 0.0 && !is_zero {
        out.push('-');
    }
    out.push_str(&group_digits(int_part, tsep));
    if !frac_part.is_empty() {
        out.push(dsep);
        out.push_str(frac_part);
    }
    out
}

/// The name of `month` (1–12) in `lang`.
fn month_name(month: u32, lang: Lang) -> Option<&'static str> {
    let table = match lang {
        Lang::Id => &MONTHS_ID,
        Lang::En => &MONTHS_EN,
    };
    table
        .get(usize::try_from(month.checked_sub(1)?).ok()?)
        .copied()
}

/// Formats a month and year: `"Januari 2024"` / `"January 2024"`. A month outside 1–12 is
/// written numerically (`"13/2024"`) rather than panicking.
pub fn format_month_year(year: i32, month: u32, lang: Lang) -> String {
    match month_name(month, lang) {
        Some(name) => format!("{name} {year}"),
        None => format!("{month}/{year}"),
    }
}

/// Formats a date day first with the month's name: `"17 Agustus 2024"` / `"17 August 2024"`.
pub fn format_date(d: NaiveDate, lang: Lang) -> String {
    match month_name(d.month(), lang) {
        Some(name) => format!("{} {name} {}", d.day(), d.year()),
        None => format!("{}/{}/{}", d.day(), d.month(), d.year()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::understand::test_support::{EN, ID, date};
    use proptest::prelude::*;

    #[test]
    fn format_rupiah_table() {
        let cases: &[(i64, &str)] = &[
            (0, "Rp0"),
            (1, "Rp1"),
            (999, "Rp999"),
            (1000, "Rp1.000"),
            (3500, "Rp3.500"),
            (12_345, "Rp12.345"),
            (123_456, "Rp123.456"),
            (3_500_000, "Rp3.500.000"),
            (1_200_000_000, "Rp1.200.000.000"),
            (-3500, "-Rp3.500"),
            (-1, "-Rp1"),
            (i64::MAX, "Rp9.223.372.036.854.775.807"),
            (i64::MIN, "-Rp9.223.372.036.854.775.808"),
        ];
        for (amount, want) in cases {
            assert_eq!(format_rupiah(*amount), *want, "amount {amount}");
        }
    }

    #[test]
    fn format_number_table() {
        let cases: &[(f64, &str, &str)] = &[
            (3.5, "3,5", "3.5"),
            (1234.5, "1.234,5", "1,234.5"),
            (1000.0, "1.000", "1,000"),
            (0.0, "0", "0"),
            (-0.0, "0", "0"),
            (12.0, "12", "12"),
            (999.0, "999", "999"),
            (1_000_000.0, "1.000.000", "1,000,000"),
            (1_234_567.89, "1.234.567,89", "1,234,567.89"),
            (-2.5, "-2,5", "-2.5"),
            (-1234.0, "-1.234", "-1,234"),
            (0.125, "0,125", "0.125"),
            (0.1 + 0.2, "0,3", "0.3"),
            (1.0 / 3.0, "0,333333", "0.333333"),
            (0.000_000_1, "0", "0"),
            (-0.000_000_1, "0", "0"),
        ];
        for (n, id, en) in cases {
            assert_eq!(format_number(*n, ID), *id, "id {n}");
            assert_eq!(format_number(*n, EN), *en, "en {n}");
        }
        assert_eq!(format_number(f64::NAN, ID), "NaN");
        assert_eq!(format_number(f64::INFINITY, EN), "inf");
    }

    #[test]
    fn format_month_year_and_date() {
        let months: &[(u32, &str, &str)] = &[
            (1, "Januari 2024", "January 2024"),
            (2, "Februari 2024", "February 2024"),
            (3, "Maret 2024", "March 2024"),
            (5, "Mei 2024", "May 2024"),
            (8, "Agustus 2024", "August 2024"),
            (10, "Oktober 2024", "October 2024"),
            (12, "Desember 2024", "December 2024"),
            (0, "0/2024", "0/2024"),
            (13, "13/2024", "13/2024"),
        ];
        for (m, id, en) in months {
            assert_eq!(format_month_year(2024, *m, ID), *id);
            assert_eq!(format_month_year(2024, *m, EN), *en);
        }
        assert_eq!(format_month_year(2024, u32::MAX, ID), "4294967295/2024");
        assert_eq!(format_date(date(2024, 8, 17), ID), "17 Agustus 2024");
        assert_eq!(format_date(date(2024, 8, 17), EN), "17 August 2024");
        assert_eq!(format_date(date(2024, 1, 1), ID), "1 Januari 2024");
        assert_eq!(format_date(date(1999, 12, 31), EN), "31 December 1999");
    }

    proptest! {
        #[test]
        fn no_panic_formatting(n in any::<f64>(), i in any::<i64>(), y in any::<i32>(), m in any::<u32>()) {
            for lang in Lang::ALL {
                let _ = format_number(n, lang);
                let _ = format_month_year(y, m, lang);
            }
            let _ = format_rupiah(i);
        }
    }
}
