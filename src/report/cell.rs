//! Cells of the spreadsheets Jejak writes from user data (answers, names, school labels), made
//! safe to open in Excel or LibreOffice: a text that begins like a formula is neutralised so
//! that no spreadsheet program runs it (CSV/formula injection, the OWASP rule).

use std::borrow::Cow;

/// The characters that make a spreadsheet program read a cell as a formula (or, for tab and
/// carriage return, that some programs strip before doing so).
const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text cell made safe: text beginning with `=`, `+`, `-`, `@`, a tab or a carriage return
/// gets a leading `'`, so Excel shows it as text instead of evaluating it. Every CSV and
/// XLSX writer of the project passes user text through this one function.
///
/// A text that is nothing but a number (`-5`, `+6281234567890`, `2.5`) is left as it is:
/// even evaluated it is only that number, it can call nothing, and a phone number keeps its
/// `+`. Number answers are written as [`Cell::Number`] and do not pass through here at all.
pub fn neutralise(s: &str) -> Cow<'_, str> {
    if s.starts_with(TRIGGERS) && !is_plain_number(s) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// `[+-]digits[.digits]`: a number literal and nothing else.
fn is_plain_number(s: &str) -> bool {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (whole, frac) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    all_digits(whole) && frac.is_none_or(all_digits)
}

/// One cell of an export row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text, already neutralised (make it with [`Cell::text`]).
    Text(String),
    /// A number, with the text the CSV writes for it (`-5`, `2.5`).
    Number(f64, String),
}

impl Cell {
    /// A text cell, neutralised.
    pub fn text(s: &str) -> Cell {
        Cell::Text(neutralise(s).into_owned())
    }

    /// A whole number.
    pub fn int(n: i64) -> Cell {
        Cell::Number(n as f64, n.to_string())
    }

    /// A number with a fractional part.
    pub fn decimal(x: f64) -> Cell {
        Cell::Number(x, x.to_string())
    }

    /// The cell as CSV writes it.
    pub fn as_str(&self) -> &str {
        match self {
            Cell::Text(s) | Cell::Number(_, s) => s,
        }
    }

    /// Whether the cell is empty (written as nothing in XLSX).
    pub fn is_empty(&self) -> bool {
        matches!(self, Cell::Text(s) if s.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_neutralised() {
        for s in [
            "=HYPERLINK(\"http://x\")",
            "+1+1",
            "-2+3",
            "@SUM(1)",
            "\t=1",
            "\r=1",
        ] {
            assert_eq!(neutralise(s), format!("'{s}"), "{s:?}");
        }
    }

    #[test]
    fn ordinary_text_is_kept() {
        for s in [
            "Ani Lestari",
            "SMKN 1 Contoh",
            "",
            "1=1",
            "a@b.id",
            "'quoted",
        ] {
            assert_eq!(neutralise(s), s);
            assert!(matches!(neutralise(s), Cow::Borrowed(_)));
        }
    }

    #[test]
    fn numbers_stay_numbers() {
        assert_eq!(Cell::int(-5), Cell::Number(-5.0, "-5".into()));
        assert_eq!(Cell::int(-5).as_str(), "-5");
        assert_eq!(Cell::decimal(-2.5).as_str(), "-2.5");
        // A number typed into a text answer or a phone number is harmless as it is.
        assert_eq!(Cell::text("-5").as_str(), "-5");
        assert_eq!(neutralise("+6281234567890"), "+6281234567890");
        assert_eq!(neutralise("-2.5"), "-2.5");
        for s in ["-", "+", "-5e3", "-5+1", "-1.", "+62 812", "-.5"] {
            assert_eq!(neutralise(s), format!("'{s}"), "{s:?}");
        }
        assert!(Cell::text("").is_empty());
        assert!(!Cell::int(0).is_empty());
    }
}
