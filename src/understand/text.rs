//! Shared text helpers of the parsers: normalising what was typed (case, spacing, trailing
//! punctuation, diacritics, repeated letters) and splitting it into words.

use super::MAX_INPUT_BYTES;

/// True when `input` is too long to be a short answer.
pub(super) fn too_long(input: &str) -> bool {
    input.len() > MAX_INPUT_BYTES
}

/// Punctuation a respondent may leave at the end of an answer.
fn is_trailing_punct(c: char) -> bool {
    matches!(c, '.' | ',' | '!' | '?' | ';' | ':' | '~' | '…' | '¡' | '¿')
}

/// Lower-cases, trims, collapses whitespace runs into one space and strips trailing
/// punctuation: `"  Iya   Kak!! "` → `"iya kak"`.
pub(super) fn normalize(input: &str) -> String {
    let lower = input.to_lowercase();
    let collapsed = lower.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed
        .trim_end_matches(|c: char| is_trailing_punct(c) || c.is_whitespace())
        .to_string()
}

/// Maps common Latin letters with diacritics to their bare letter.
fn fold_char(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => 'a',
        'è' | 'é' | 'ê' | 'ë' | 'ē' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ō' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' => 'u',
        'ñ' => 'n',
        'ç' => 'c',
        'ý' | 'ÿ' => 'y',
        _ => c,
    }
}

/// Lower-cases, folds diacritics, turns every run of non-alphanumeric characters into one
/// space and trims: `"Wirausaha / Wiraswasta!"` → `"wirausaha wiraswasta"`.
pub(super) fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars().flat_map(char::to_lowercase).map(fold_char) {
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        } else {
            pending_space = true;
        }
    }
    out
}

/// Collapses runs of the same character: `"iyaaa"` → `"iya"`, `"nggak"` → `"ngak"`.
pub(super) fn squeeze(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last = None;
    for c in s.chars() {
        if Some(c) != last {
            out.push(c);
        }
        last = Some(c);
    }
    out
}

/// Splits into lower-case alphanumeric tokens, also splitting where letters meet digits:
/// `"17Agt'24"` → `["17", "agt", "24"]`.
pub(super) fn alnum_tokens(s: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut cur = String::new();
    let mut cur_digit = false;
    for c in s.chars().flat_map(char::to_lowercase).map(fold_char) {
        if c.is_ascii_digit() || c.is_alphabetic() {
            let digit = c.is_ascii_digit();
            if !cur.is_empty() && digit != cur_digit {
                tokens.push(std::mem::take(&mut cur));
            }
            cur_digit = digit;
            cur.push(c);
        } else if !cur.is_empty() {
            tokens.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        tokens.push(cur);
    }
    tokens
}

/// True when `s` is non-empty and made of ASCII digits only.
pub(super) fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_and_fold() {
        assert_eq!(normalize("  Iya   Kak!! "), "iya kak");
        assert_eq!(normalize("OK."), "ok");
        assert_eq!(normalize("...?"), "");
        assert_eq!(fold("Wirausaha / Wiraswasta!"), "wirausaha wiraswasta");
        assert_eq!(fold("Café  Ñandú"), "cafe nandu");
        assert_eq!(squeeze("iyaaa"), "iya");
        assert_eq!(alnum_tokens("17Agt'24"), vec!["17", "agt", "24"]);
    }
}
