//! Answer understanding, shared by the engine (what a respondent types) and the roster import
//! (what a school's sheet holds): yes/no, numbers, money, month/year, dates, phone numbers,
//! e-mail addresses and choices — written the way Indonesians actually type on phones ("iyaa
//! kak", "3,5 jt", "Rp3.500.000,-", "17 agt 2024", "0812-3456-7890"), plus the locale-aware
//! formatting of numbers, money and dates for the bot's own messages (Fluent does not format
//! numbers per locale).
//!
//! One file per thing understood: `yes_no` (also answers that echo the question's verb:
//! "ada", "belum pernah"), `number` (integers, decimals, number words, lengths of time in a
//! given unit: "1 tahun" = 12 months), `money`, `date` (dates and month-years), `phone`,
//! `email`, `ratings` (the points of a grid row: "4 5", "4 dan 5"), `choice` (with the words people use, `synonyms` being the shipped data), and
//! `format` for the way back; `text` holds the normalising helpers they share.
//!
//! Every function here is pure (no I/O, no clock) and total: it never panics, whatever the
//! input. A parser returns `None` when the input is not understood *or is ambiguous*; the
//! caller then asks again, which is always cheaper than storing a wrong answer. Inputs longer
//! than [`MAX_INPUT_BYTES`] are never a short answer and are rejected at once, which also bounds
//! the work done on hostile input.

mod choice;
mod date;
mod email;
mod format;
mod money;
mod number;
mod phone;
mod ratings;
mod synonyms;
mod text;
mod yes_no;

pub use choice::{
    ChoiceMatch, ChoiceOption, ambiguous_number, match_choice, match_choices, rank_choices,
    understand_choice,
};
pub use date::{parse_date, parse_month_year};
pub use email::parse_email;
pub use format::{format_date, format_month_year, format_number, format_rupiah};
pub use money::parse_money;
pub use number::{Period, parse_decimal, parse_integer, parse_period};
pub use phone::parse_phone;
pub use ratings::{Ratings, parse_ratings};
pub use synonyms::{FILLER_WORDS, SYNONYM_GROUPS};
pub use yes_no::{echo_words, parse_yes_no, parse_yes_no_echo};

/// Longest input (in bytes) any parser here looks at; longer inputs give `None`.
pub const MAX_INPUT_BYTES: usize = 1024;

/// What the tests of every part share.
#[cfg(test)]
mod test_support {
    use crate::model::Lang;
    use chrono::NaiveDate;

    pub(super) const ID: Lang = Lang::Id;
    pub(super) const EN: Lang = Lang::En;

    pub(super) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }
}

/// Robustness of every parser together: no input makes one panic or work long.
#[cfg(test)]
mod tests {
    use super::choice::tests::{DEGREE_OPTIONS, REASON_OPTIONS, STATUS_OPTIONS};
    use super::*;
    use crate::model::Lang;
    use proptest::prelude::*;

    /// Every public parser, on one input: must not panic.
    fn exercise(s: &str) {
        for lang in Lang::ALL {
            let _ = parse_yes_no(s, lang);
            let _ = parse_integer(s, lang);
            let _ = parse_decimal(s, lang);
            let _ = parse_money(s, lang);
            let _ = parse_month_year(s, lang);
            let _ = parse_date(s, lang);
            let _ = parse_yes_no_echo(s, lang, &["ada".to_string()]);
            for unit in [Period::Days, Period::Weeks, Period::Months, Period::Years] {
                let _ = parse_period(s, lang, unit);
            }
        }
        let _ = echo_words(s);
        let _ = parse_phone(s);
        let _ = parse_email(s);
        for options in [STATUS_OPTIONS, DEGREE_OPTIONS, REASON_OPTIONS, &[]] {
            let _ = match_choice(s, options);
            let _ = match_choices(s, options);
            let _ = understand_choice(s, options);
            let _ = ambiguous_number(s, options);
        }
        let labels = [s];
        let odd = [ChoiceOption {
            code: s,
            labels: &labels,
        }];
        let _ = match_choice(s, &odd);
        let _ = match_choices("1", &odd);
    }

    #[test]
    fn long_inputs_are_rejected_quickly() {
        let start = std::time::Instant::now();
        for unit in [
            "9",
            "1,",
            "ya ",
            "gaji, ",
            "3 juta ",
            "a@",
            "-",
            "\u{1F44D}",
        ] {
            let long = unit.repeat(50_000);
            exercise(&long);
            for lang in Lang::ALL {
                assert_eq!(parse_yes_no(&long, lang), None);
                assert_eq!(parse_integer(&long, lang), None);
                assert_eq!(parse_money(&long, lang), None);
                assert_eq!(parse_date(&long, lang), None);
            }
            assert_eq!(parse_phone(&long), None);
            assert_eq!(parse_email(&long), None);
            assert_eq!(match_choices(&long, REASON_OPTIONS), None);
            assert_eq!(parse_period(&long, Lang::Id, Period::Months), None);
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }

    proptest! {
        #[test]
        fn no_panic_on_any_string(s in "\\PC*") {
            exercise(&s);
        }

        #[test]
        fn no_panic_on_number_like_strings(
            s in "[0-9.,+\\-−/()±~:;&' a-zA-Z]{0,32}"
        ) {
            exercise(&s);
        }

        #[test]
        fn no_panic_on_word_soup(
            words in proptest::collection::vec(
                proptest::sample::select(vec![
                    "rp", "3", "3,5", "1.000", "juta", "jt", "ribu", "rb", "k", "m", "setengah",
                    "se", "sejuta", "belas", "puluh", "ratus", "dua", "-", "/", "bulan", "an",
                    "ya", "tidak", "kak", "jan", "agt", "2024", "24", "17", "no", "dan", ",",
                    "+62", "0812", "@", ".com", "triliun", "99999999999999",
                ]),
                0..8,
            )
        ) {
            exercise(&words.join(" "));
            exercise(&words.concat());
        }
    }
}
