//! Phone numbers, normalised to E.164 with Indonesia as the default country.

use super::text::too_long;

/// `+62` and an Indonesian national number (without trunk 0) of `min..=max` digits.
fn indonesian_phone(national: &str, min: usize, max: usize) -> Option<String> {
    if national.starts_with('0') || !(min..=max).contains(&national.len()) {
        return None;
    }
    Some(format!("+62{national}"))
}

/// An international number (digits after "+" or "00").
fn international_phone(digits: &str) -> Option<String> {
    if let Some(national) = digits.strip_prefix("62") {
        // "+62 (0)812…" is a common mistake: drop the trunk 0.
        return indonesian_phone(national.strip_prefix('0').unwrap_or(national), 8, 13);
    }
    if digits.starts_with('0') || !(8..=15).contains(&digits.len()) {
        return None;
    }
    Some(format!("+{digits}"))
}

/// Normalises a phone number to E.164, Indonesia by default.
///
/// `"0812-3456-7890"`, `"0812 3456 7890"`, `"+62 812-3456-7890"`, `"62812…"`, `"0062812…"`
/// and `"(021) 1234567"` become `+62…`; a bare mobile number starting with 8 (`"812…"`,
/// 9–12 digits) too. Other countries need "+" or "00" and keep their code
/// (`"+60 12-345 6789"` → `"+60123456789"`, 8–15 digits in all). Spaces, hyphens, dots,
/// slashes and parentheses are ignored; letters or other symbols reject the input. The
/// Indonesian national number must have 8–13 digits.
pub fn parse_phone(input: &str) -> Option<String> {
    if too_long(input) {
        return None;
    }
    let s = input.trim();
    let (plus, rest) = match s.strip_prefix('+') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let mut digits = String::new();
    for c in rest.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else if !(c.is_whitespace() || matches!(c, '-' | '.' | '(' | ')' | '/')) {
            return None;
        }
    }
    if plus {
        international_phone(&digits)
    } else if let Some(r) = digits.strip_prefix("00") {
        international_phone(r)
    } else if let Some(r) = digits.strip_prefix("62") {
        indonesian_phone(r.strip_prefix('0').unwrap_or(r), 8, 13)
    } else if let Some(r) = digits.strip_prefix('0') {
        indonesian_phone(r, 8, 13)
    } else if digits.starts_with('8') {
        indonesian_phone(&digits, 9, 12)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn phone_table() {
        let cases: &[(&str, Option<&str>)] = &[
            ("0812-3456-7890", Some("+6281234567890")),
            ("0812 3456 7890", Some("+6281234567890")),
            ("081234567890", Some("+6281234567890")),
            ("  081234567890  ", Some("+6281234567890")),
            ("+62 812-3456-7890", Some("+6281234567890")),
            ("+6281234567890", Some("+6281234567890")),
            ("+62 (0)812 3456 7890", Some("+6281234567890")),
            ("6281234567890", Some("+6281234567890")),
            ("62 812 3456 7890", Some("+6281234567890")),
            ("006281234567890", Some("+6281234567890")),
            ("81234567890", Some("+6281234567890")),
            ("812.3456.7890", Some("+6281234567890")),
            ("0812345678", Some("+62812345678")),
            ("(021) 1234567", Some("+62211234567")),
            ("021-1234-5678", Some("+622112345678")),
            ("+60 12-345 6789", Some("+60123456789")),
            ("+65 9123 4567", Some("+6591234567")),
            ("+1 (415) 555-2671", Some("+14155552671")),
            ("0060123456789", Some("+60123456789")),
            // Rejected.
            ("", None),
            ("0812", None),
            ("0812345", None),
            ("08123456789012345", None),
            ("+62 812", None),
            ("+6212345678901234", None),
            ("0812-3456-789a", None),
            ("wa 081234567890", None),
            ("abc", None),
            ("12345678", None),
            ("712345678", None),
            ("8123", None),
            ("+0812345678", None),
            ("+1234567", None),
            ("+1234567890123456", None),
            ("0812+3456", None),
            ("00", None),
            ("+", None),
        ];
        for (input, want) in cases {
            assert_eq!(parse_phone(input).as_deref(), *want, "input {input:?}");
        }
    }

    proptest! {
        #[test]
        fn indonesian_mobiles_normalise(rest in "[0-9]{7,10}") {
            let want = format!("+628{rest}");
            prop_assert_eq!(parse_phone(&format!("08{rest}")), Some(want.clone()));
            prop_assert_eq!(parse_phone(&format!("+628{rest}")), Some(want.clone()));
            prop_assert_eq!(parse_phone(&format!("628{rest}")), Some(want));
        }
    }
}
