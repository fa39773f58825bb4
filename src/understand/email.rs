//! E-mail addresses: checked and normalised (domain lower-cased, the local part kept).

use super::text::too_long;

/// Characters allowed in the local part of an address (besides alphanumerics).
const EMAIL_LOCAL_SPECIALS: &str = "!#$%&'*+/=?^_`{|}~.-";

/// Validates and normalises an e-mail address.
///
/// Trims spaces, surrounding `<…>` and trailing sentence punctuation (`"x@y.com."`), and
/// lower-cases the domain only (the local part may be case-sensitive). Requires exactly one
/// "@", a non-empty local part without leading, trailing or doubled dots, and a domain of at
/// least two dot-separated labels whose last one is alphabetic (≥ 2 letters); no spaces
/// anywhere. Rejects `"a@b"`, `"@x.com"`.
pub fn parse_email(input: &str) -> Option<String> {
    if too_long(input) {
        return None;
    }
    let s = input.trim();
    let s = s
        .strip_prefix('<')
        .and_then(|x| x.strip_suffix('>'))
        .unwrap_or(s);
    let s = s.trim_end_matches(['.', ',', ';', '!', '?']);
    if s.chars().any(char::is_whitespace) {
        return None;
    }
    let (local, domain) = s.split_once('@')?;
    if domain.contains('@') || local.is_empty() || local.chars().count() > 64 {
        return None;
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return None;
    }
    if !local
        .chars()
        .all(|c| c.is_alphanumeric() || EMAIL_LOCAL_SPECIALS.contains(c))
    {
        return None;
    }
    if domain.chars().count() > 253 {
        return None;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return None;
    }
    let labels_ok = labels.iter().all(|l| {
        !l.is_empty()
            && l.chars().count() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    });
    let tld_ok = labels
        .last()
        .is_some_and(|t| t.chars().count() >= 2 && t.chars().all(char::is_alphabetic));
    if !labels_ok || !tld_ok {
        return None;
    }
    Some(format!("{local}@{}", domain.to_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_table() {
        let cases: &[(&str, Option<&str>)] = &[
            ("budi@example.com", Some("budi@example.com")),
            ("  budi@example.com  ", Some("budi@example.com")),
            ("Budi.Santoso@Gmail.COM", Some("Budi.Santoso@gmail.com")),
            (
                "budi+tracer@sekolah.sch.id",
                Some("budi+tracer@sekolah.sch.id"),
            ),
            ("budi_s-99@mail.co.id", Some("budi_s-99@mail.co.id")),
            ("<budi@example.com>", Some("budi@example.com")),
            ("budi@example.com.", Some("budi@example.com")),
            ("a@b.co", Some("a@b.co")),
            ("x@sub-domain.example.org", Some("x@sub-domain.example.org")),
            // Rejected.
            ("", None),
            ("a@b", None),
            ("@x.com", None),
            ("budi@", None),
            ("budi", None),
            ("budi.example.com", None),
            ("budi@@example.com", None),
            ("budi@exa@mple.com", None),
            ("bu di@example.com", None),
            ("budi@exam ple.com", None),
            ("budi@.com", None),
            ("budi@example..com", None),
            ("budi@example.c", None),
            ("budi@example.123", None),
            ("budi@-example.com", None),
            ("budi@example-.com", None),
            (".budi@example.com", None),
            ("budi.@example.com", None),
            ("bu..di@example.com", None),
            ("budi(at)example.com", None),
            ("budi@exa_mple.com", None),
        ];
        for (input, want) in cases {
            assert_eq!(parse_email(input).as_deref(), *want, "input {input:?}");
        }
    }
}
