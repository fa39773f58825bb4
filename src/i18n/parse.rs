//! Understanding what respondents type — yes/no, numbers, money, month/year, dates, phone
//! numbers, e-mail addresses and choices — written the way Indonesians actually type on
//! phones ("iyaa kak", "3,5 jt", "Rp3.500.000,-", "17 agt 2024", "0812-3456-7890"), plus the
//! locale-aware formatting of numbers, money and dates for the bot's own messages (Fluent
//! does not format numbers per locale).
//!
//! Every function here is pure (no I/O, no clock) and total: it never panics, whatever the
//! input. A parser returns `None` when the input is not understood *or is ambiguous*; the
//! caller then asks again, which is always cheaper than storing a wrong answer. Inputs longer
//! than [`MAX_INPUT_BYTES`] are never a short answer and are rejected at once, which also bounds
//! the work done on hostile input.

use crate::model::Lang;
use chrono::{Datelike, NaiveDate};

// ---------------------------------------------------------------------------------------------
// Shared text helpers
// ---------------------------------------------------------------------------------------------

/// Longest input (in bytes) any parser here looks at; longer inputs give `None`.
pub const MAX_INPUT_BYTES: usize = 1024;

/// True when `input` is too long to be a short answer.
fn too_long(input: &str) -> bool {
    input.len() > MAX_INPUT_BYTES
}

/// Punctuation a respondent may leave at the end of an answer.
fn is_trailing_punct(c: char) -> bool {
    matches!(c, '.' | ',' | '!' | '?' | ';' | ':' | '~' | '…' | '¡' | '¿')
}

/// Lower-cases, trims, collapses whitespace runs into one space and strips trailing
/// punctuation: `"  Iya   Kak!! "` → `"iya kak"`.
fn normalize(input: &str) -> String {
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
fn fold(s: &str) -> String {
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
fn squeeze(s: &str) -> String {
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
fn alnum_tokens(s: &str) -> Vec<String> {
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
fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

// ---------------------------------------------------------------------------------------------
// Yes / no
// ---------------------------------------------------------------------------------------------

/// Words meaning "yes" (Indonesian, Javanese/Betawi colloquial, English, emoji).
const YES_WORDS: &[&str] = &[
    "ya", "iya", "iyo", "iye", "y", "yoi", "yup", "yap", "yep", "yes", "yeah", "yea", "betul",
    "btl", "bener", "benar", "bnr", "ok", "oke", "okey", "okay", "okeh", "sip", "siap", "setuju",
    "mau", "boleh", "blh", "sudah", "sdh", "udah", "udh", "dah", "pernah", "bisa", "bersedia",
    "lanjut", "tentu", "pasti", "sure", "yuk", "ayo", "ayok", "hooh", "nggih", "inggih", "enggih",
    "👍", "👌", "✅", "🆗",
];

/// Words meaning "no".
const NO_WORDS: &[&str] = &[
    "tidak", "tdk", "tak", "ga", "gak", "gk", "g", "nggak", "ngga", "nggk", "ngak", "enggak",
    "engga", "kagak", "kaga", "ndak", "nda", "ndk", "no", "n", "nope", "not", "never", "bukan",
    "bkn", "belum", "blm", "blom", "belom", "jangan", "jgn", "ogah", "emoh", "ora", "mboten",
    "gamau", "gaada", "gabisa", "gausah", "👎", "❌",
];

/// Whole phrases whose first word alone would not be understood.
const YES_PHRASES: &[&str] = &["of course", "tentu saja", "why not"];

/// Words people put before their answer ("kak, iya"), skipped when looking for it.
const YES_NO_FILLERS: &[&str] = &[
    "kak", "ka", "kk", "kakak", "pak", "bu", "bapak", "ibu", "mas", "mba", "mbak", "bang", "min",
    "admin", "eh", "oh", "oo", "hmm", "hm", "em", "um", "wah", "sis", "gan",
];

/// Looks `word` up in `table`, comparing with repeated letters squeezed ("iyaa" = "iya").
fn in_table(table: &[&str], word: &str) -> bool {
    let w = squeeze(word);
    // As `squeeze(t) == w`, without allocating for every word of the table.
    table.iter().any(|t| {
        let mut last = None;
        t.chars()
            .filter(|c| {
                let keep = Some(*c) != last;
                last = Some(*c);
                keep
            })
            .eq(w.chars())
    })
}

/// The answer one word gives, if it is a yes/no word.
fn yes_no_word(word: &str) -> Option<bool> {
    if in_table(YES_WORDS, word) {
        Some(true)
    } else if in_table(NO_WORDS, word) {
        Some(false)
    } else {
        None
    }
}

/// Parses a yes/no answer.
///
/// Indonesian and English words are accepted whatever `lang` is (Indonesians answer "yes" and
/// "ok" too), case-insensitively, with repeated letters ("iyaaa", "gakk") and trailing
/// punctuation tolerated. If the whole answer is not a known word or phrase, its first word
/// decides ("iya kak", "ya, benar", "tidak mau"), after skipping forms of address such as
/// "kak" or "pak". A yes-word directly followed by a no-word ("iya belum", "sudah tidak")
/// is ambiguous and gives `None`; so do digits ("1" is *not* yes: callers decide).
pub fn parse_yes_no(input: &str, lang: Lang) -> Option<bool> {
    if too_long(input) {
        return None;
    }
    let _ = lang;
    let norm = normalize(input);
    let words: Vec<&str> = norm
        .split(|c: char| {
            c.is_whitespace()
                || matches!(
                    c,
                    ',' | '.'
                        | '!'
                        | '?'
                        | ';'
                        | ':'
                        | '('
                        | ')'
                        | '"'
                        | '\''
                        | '~'
                        | '…'
                        | '/'
                        | '-'
                )
        })
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        return None;
    }
    let phrase = words.join(" ");
    if YES_PHRASES.contains(&phrase.as_str()) {
        return Some(true);
    }
    let mut rest = words.iter().filter(|w| !in_table(YES_NO_FILLERS, w));
    let first = rest.next()?;
    if first.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let answer = yes_no_word(first)?;
    if answer
        && let Some(next) = rest.next()
        && yes_no_word(next) == Some(false)
    {
        return None;
    }
    Some(answer)
}

// ---------------------------------------------------------------------------------------------
// Numerals
// ---------------------------------------------------------------------------------------------

/// An exact decimal number: `mantissa / 10^scale`. The scale keeps how many digits were
/// written after the decimal separator, so `"12,0"` is distinguishable from `"12"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Dec {
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
    fn to_micro(self) -> Option<i128> {
        let shift = 6u32.checked_sub(self.scale)?;
        self.mantissa.checked_mul(10i128.checked_pow(shift)?)
    }
}

/// How to read one separator followed by exactly three digits when that separator is the
/// language's *decimal* separator (`"1,500"` in Indonesian).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group3 {
    /// Follow the language: a decimal separator is a decimal separator.
    ByLang,
    /// Always thousands (rupiah amounts never have three decimals).
    Thousands,
}

/// The language's thousands separator (`.` in Indonesian, `,` in English).
fn thousands_sep(lang: Lang) -> char {
    match lang {
        Lang::Id => '.',
        Lang::En => ',',
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
fn parse_numeral(s: &str, lang: Lang, policy: Group3) -> Option<Dec> {
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
                && (sep == thousands_sep(lang) || policy == Group3::Thousands);
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
fn id_digit(w: &str) -> Option<i128> {
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

// ---------------------------------------------------------------------------------------------
// Money
// ---------------------------------------------------------------------------------------------

/// A rupiah multiplier word ("rb", "juta", "M"…). In Indonesian "M" is *miliar* (as in
/// "1,2 M"); in English it is million.
fn big_multiplier(w: &str, lang: Lang) -> Option<i128> {
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
fn small_multiplier(w: &str) -> Option<i128> {
    match w {
        "ratus" | "hundred" => Some(100),
        "puluh" => Some(10),
        _ => None,
    }
}

/// Any multiplier word, big or small, with or without the "-an" suffix.
fn multiplier(w: &str, lang: Lang) -> Option<i128> {
    let w = strip_an(w, lang);
    big_multiplier(w, lang).or_else(|| small_multiplier(w))
}

/// Strips the colloquial "-an" ("about") suffix from a multiplier: "jutaan" → "juta",
/// "jtan" → "jt", "ribuan" → "ribu".
fn strip_an(w: &str, lang: Lang) -> &str {
    match w.strip_suffix("an") {
        Some(stem) if big_multiplier(stem, lang).is_some() || small_multiplier(stem).is_some() => {
            stem
        }
        _ => w,
    }
}

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

// ---------------------------------------------------------------------------------------------
// Months and dates
// ---------------------------------------------------------------------------------------------

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

/// A month written with one or two digits, 1–12.
fn month_number(tok: &str) -> Option<u32> {
    if !all_digits(tok) || tok.len() > 2 {
        return None;
    }
    tok.parse().ok().filter(|m| (1..=12).contains(m))
}

/// A month written as a number or a word.
fn month_any(tok: &str) -> Option<u32> {
    month_number(tok).or_else(|| month_from_word(tok))
}

/// A day of the month written with one or two digits (range checked later).
fn day_number(tok: &str) -> Option<u32> {
    if !all_digits(tok) || tok.len() > 2 {
        return None;
    }
    tok.parse().ok().filter(|d| (1..=31).contains(d))
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
                    Some((year_from(a)?, month_number(b)?))
                } else if b.len() == 4 || (b.len() == 2 && b.parse::<u32>().ok()? > 12) {
                    // "01/2024"; "01/24" only when 24 cannot be a month.
                    Some((year_from(b)?, month_number(a)?))
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
        (year_from(a)?, month_any(b)?, day_number(c)?)
    } else if all_digits(a) {
        (year_from(c)?, month_any(b)?, day_number(a)?)
    } else {
        (year_from(c)?, month_from_word(a)?, day_number(b)?)
    };
    NaiveDate::from_ymd_opt(year, month, day)
}

// ---------------------------------------------------------------------------------------------
// Phone and e-mail
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Choices
// ---------------------------------------------------------------------------------------------

/// One option of a choice question, as the matcher sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChoiceOption<'a> {
    /// The option's stable code (stored as the answer), matched exactly, case-insensitively.
    pub code: &'a str,
    /// The option's labels in every language (and any synonyms).
    pub labels: &'a [&'a str],
}

/// Words that may precede an option number ("no 2", "nomor 2", "pilihan 2").
const NUMBER_PREFIXES: &[&str] = &[
    "nomor", "nomer", "nmr", "number", "no", "nr", "pilihan", "opsi", "option", "jawaban", "angka",
    "num",
];

/// The 1-based option number written in `input`: "2", "2.", "2)", "(2)", "#2", "no 2",
/// "no. 2", "nomor 2", "pilihan 2".
fn choice_number(input: &str) -> Option<usize> {
    let lower = input.to_lowercase();
    let trim_set =
        |c: char| c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | '.' | ':' | '#' | '*');
    let mut s = lower.trim_matches(trim_set);
    for p in NUMBER_PREFIXES {
        if let Some(r) = s.strip_prefix(p)
            && !r.starts_with(char::is_alphabetic)
        {
            s = r.trim_matches(trim_set);
            break;
        }
    }
    if !all_digits(s) || s.len() > 4 {
        return None;
    }
    s.parse().ok()
}

/// The folded forms of an option's labels: `(form, is_whole_label)`. Each label gives its
/// whole folded text and the parts split on "/" and "(".
fn label_forms(option: &ChoiceOption) -> Vec<(String, bool)> {
    let mut forms = Vec::new();
    for label in option.labels {
        let whole = fold(label);
        if whole.is_empty() {
            continue;
        }
        forms.push((whole, true));
        if label.contains(['/', '(']) {
            for part in label.split(['/', '(']) {
                let p = fold(part);
                if !p.is_empty() {
                    forms.push((p, false));
                }
            }
        }
    }
    forms
}

/// The result of looking for options satisfying a condition.
enum Found {
    /// Exactly one option.
    One(usize),
    /// Several options: ambiguous.
    Many,
    /// No option.
    Zero,
}

/// Which options have a label form satisfying `pred`.
fn find_unique(forms: &[Vec<(String, bool)>], pred: impl Fn(&str, bool) -> bool) -> Found {
    let mut hits = forms
        .iter()
        .enumerate()
        .filter(|(_, fs)| fs.iter().any(|(f, whole)| pred(f, *whole)))
        .map(|(i, _)| i);
    match (hits.next(), hits.next()) {
        (Some(i), None) => Found::One(i),
        (Some(_), Some(_)) => Found::Many,
        _ => Found::Zero,
    }
}

/// Typos tolerated when matching a label form of `len` characters.
fn typo_budget(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=5 => 1,
        _ => 2,
    }
}

/// Matches one answer to one option; `fuzzy` enables prefix and typo matching.
fn match_choice_impl(input: &str, options: &[ChoiceOption], fuzzy: bool) -> Option<usize> {
    if too_long(input) {
        return None;
    }
    if let Some(n) = choice_number(input)
        && (1..=options.len()).contains(&n)
    {
        return Some(n - 1);
    }
    let trimmed = input.trim().to_lowercase();
    if !trimmed.is_empty()
        && let Some(i) = options
            .iter()
            .position(|o| o.code.to_lowercase() == trimmed)
    {
        return Some(i);
    }
    let fi = fold(input);
    if fi.is_empty() {
        return None;
    }
    let forms: Vec<Vec<(String, bool)>> = options.iter().map(label_forms).collect();
    // Whole labels first, then their parts.
    for want_whole in [true, false] {
        match find_unique(&forms, |f, whole| whole == want_whole && f == fi) {
            Found::One(i) => return Some(i),
            Found::Many => return None,
            Found::Zero => {}
        }
    }
    if !fuzzy {
        return None;
    }
    let input_len = fi.chars().count();
    if input_len >= 4 {
        match find_unique(&forms, |f, _| f.starts_with(&fi)) {
            Found::One(i) => return Some(i),
            Found::Many => return None,
            Found::Zero => {}
        }
    }
    let mut best: Option<(usize, usize)> = None; // (distance, option)
    let mut tie = false;
    for (i, fs) in forms.iter().enumerate() {
        let distance = fs
            .iter()
            .filter_map(|(f, _)| {
                let len = f.chars().count();
                let budget = typo_budget(len);
                if budget == 0 || len.abs_diff(input_len) > budget {
                    return None;
                }
                let d = strsim::damerau_levenshtein(&fi, f);
                (d <= budget).then_some(d)
            })
            .min();
        if let Some(d) = distance {
            match best {
                Some((bd, _)) if d > bd => {}
                Some((bd, _)) if d == bd => tie = true,
                _ => {
                    best = Some((d, i));
                    tie = false;
                }
            }
        }
    }
    match best {
        Some((_, i)) if !tie => Some(i),
        _ => None,
    }
}

/// Matches a single-choice answer to an option, returning its index.
///
/// In order of priority: the 1-based number as displayed (`"2"`, `"2."`, `"(2)"`, `"no 2"`,
/// `"nomor 2"`), so numbers win over codes; the option's code, exactly but case-insensitively;
/// a whole label (case-, diacritics- and punctuation-insensitive); a part of a label split on
/// "/" or "(" (`"wirausaha"` matches "Wirausaha / wiraswasta"); a prefix of at least four
/// characters of a label or part; a label or part with Damerau–Levenshtein typos (none for
/// forms of ≤ 3 characters, so "D4" never matches "D3"; 1 for 4–5 characters; 2 for longer
/// ones), the closest option winning. At every step, several matching options make the answer
/// ambiguous: `None`.
pub fn match_choice(input: &str, options: &[ChoiceOption]) -> Option<usize> {
    match_choice_impl(input, options, true)
}

/// Connective words separating answers of a multiple choice ("1 dan 3").
const CHOICE_CONNECTIVES: &[&str] = &["dan", "and", "serta", "&"];

/// A numeric range "a-b" (inclusive), if `piece` is one.
fn choice_range(piece: &str) -> Option<(usize, usize)> {
    let (a, b) = piece.split_once(['-', '–'])?;
    let (a, b) = (a.trim(), b.trim());
    if !all_digits(a) || !all_digits(b) || a.len() > 4 || b.len() > 4 {
        return None;
    }
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// Matches a multiple-choice answer, returning the sorted, de-duplicated option indices.
///
/// Answers are separated by ",", ";", "&", "+", new lines, "dan", "and" or "serta"; several
/// numbers may also be separated by spaces only (`"1 3"`). A range of numbers `"1-3"` selects
/// 1, 2 and 3. Each piece is matched as by [`match_choice`]; if any piece does not match (or a
/// number is out of range) the whole answer is `None`. An input that is exactly one option's
/// number, code or label (even one containing "dan" or a comma) selects that option alone.
pub fn match_choices(input: &str, options: &[ChoiceOption]) -> Option<Vec<usize>> {
    if too_long(input) {
        return None;
    }
    if input.trim().is_empty() {
        return None;
    }
    if let Some(i) = match_choice_impl(input, options, false) {
        return Some(vec![i]);
    }
    let mut pieces: Vec<String> = Vec::new();
    for chunk in input.split([',', ';', '&', '+', '\n']) {
        if match_choice_impl(chunk, options, false).is_some() {
            // A whole label containing a connective ("Keluarga dan teman").
            pieces.push(chunk.to_string());
            continue;
        }
        let mut words: Vec<&str> = Vec::new();
        for w in chunk.split_whitespace() {
            if CHOICE_CONNECTIVES.contains(&w.to_lowercase().as_str()) {
                pieces.push(words.join(" "));
                words.clear();
            } else {
                words.push(w);
            }
        }
        pieces.push(words.join(" "));
    }
    let mut out = Vec::new();
    for piece in pieces.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        if let Some((a, b)) = choice_range(piece) {
            if a == 0 || a > b || b > options.len() {
                return None;
            }
            out.extend(a - 1..b);
            continue;
        }
        let words: Vec<&str> = piece.split_whitespace().collect();
        let numbers: Vec<usize> = words.iter().filter_map(|w| choice_number(w)).collect();
        if words.len() > 1 && numbers.len() == words.len() {
            for n in numbers {
                if !(1..=options.len()).contains(&n) {
                    return None;
                }
                out.push(n - 1);
            }
            continue;
        }
        out.push(match_choice(piece, options)?);
    }
    if out.is_empty() {
        return None;
    }
    out.sort_unstable();
    out.dedup();
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------------------------

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
    let (tsep, dsep) = match lang {
        Lang::Id => ('.', ','),
        Lang::En => (',', '.'),
    };
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
    use proptest::prelude::*;

    /// An expected `parse_month_year` result.
    type MonthYear = Option<(i32, u32)>;
    /// An expected `match_choices` result.
    type Indices = Option<Vec<usize>>;

    const ID: Lang = Lang::Id;
    const EN: Lang = Lang::En;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

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

    #[test]
    fn yes_no_table() {
        let cases: &[(&str, Lang, Option<bool>)] = &[
            ("ya", ID, Some(true)),
            ("Ya", ID, Some(true)),
            ("YA", ID, Some(true)),
            ("Ya!", ID, Some(true)),
            ("  ya  ", ID, Some(true)),
            ("iya", ID, Some(true)),
            ("iyaa", ID, Some(true)),
            ("iyaaaa", ID, Some(true)),
            ("Iya kak", ID, Some(true)),
            ("iya kak 🙏", ID, Some(true)),
            ("ya, benar", ID, Some(true)),
            ("y", ID, Some(true)),
            ("yoi", ID, Some(true)),
            ("yup", ID, Some(true)),
            ("betul", ID, Some(true)),
            ("benar", ID, Some(true)),
            ("bener", ID, Some(true)),
            ("ok", ID, Some(true)),
            ("OK.", ID, Some(true)),
            ("oke", ID, Some(true)),
            ("okee", ID, Some(true)),
            ("okay", EN, Some(true)),
            ("setuju", ID, Some(true)),
            ("Setuju!", ID, Some(true)),
            ("mau", ID, Some(true)),
            ("boleh", ID, Some(true)),
            ("boleh kak", ID, Some(true)),
            ("sudah", ID, Some(true)),
            ("udah", ID, Some(true)),
            ("sdh", ID, Some(true)),
            ("bersedia", ID, Some(true)),
            ("siap", ID, Some(true)),
            ("kak, iya", ID, Some(true)),
            ("yes", ID, Some(true)),
            ("Yes!", EN, Some(true)),
            ("yeah", EN, Some(true)),
            ("yess", EN, Some(true)),
            ("of course", EN, Some(true)),
            ("👍", ID, Some(true)),
            ("tidak", ID, Some(false)),
            ("Tidak.", ID, Some(false)),
            ("tdk", ID, Some(false)),
            ("gak", ID, Some(false)),
            ("ga", ID, Some(false)),
            ("gk", ID, Some(false)),
            ("gakk", ID, Some(false)),
            ("nggak", ID, Some(false)),
            ("ngga", ID, Some(false)),
            ("enggak", ID, Some(false)),
            ("engga", ID, Some(false)),
            ("tak", ID, Some(false)),
            ("bukan", ID, Some(false)),
            ("belum", ID, Some(false)),
            ("blm", ID, Some(false)),
            ("belum pernah", ID, Some(false)),
            ("jangan", ID, Some(false)),
            ("tidak mau", ID, Some(false)),
            ("ga mau kak", ID, Some(false)),
            ("gamau", ID, Some(false)),
            ("tidak setuju", ID, Some(false)),
            ("no", ID, Some(false)),
            ("No.", EN, Some(false)),
            ("n", EN, Some(false)),
            ("nope", EN, Some(false)),
            ("not yet", EN, Some(false)),
            ("no thanks", EN, Some(false)),
            ("👎", ID, Some(false)),
            // Rejected.
            ("", ID, None),
            ("   ", ID, None),
            ("!!!", ID, None),
            ("1", ID, None),
            ("2", ID, None),
            ("0", EN, None),
            ("1 ya", ID, None),
            ("mungkin", ID, None),
            ("maybe", EN, None),
            ("entahlah", ID, None),
            ("apa?", ID, None),
            ("kak", ID, None),
            ("iya belum", ID, None),
            ("sudah tidak", ID, None),
            ("ya tidak", ID, None),
            ("yayasan", ID, None),
            ("nomor", ID, None),
            ("gaji", ID, None),
        ];
        for (input, lang, want) in cases {
            assert_eq!(
                parse_yes_no(input, *lang),
                *want,
                "input {input:?} ({lang})"
            );
        }
    }

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

    const STATUS_OPTIONS: &[ChoiceOption<'static>] = &[
        ChoiceOption {
            code: "kerja",
            labels: &["Bekerja (full time / part time)", "Working"],
        },
        ChoiceOption {
            code: "wira",
            labels: &["Wirausaha / wiraswasta", "Self-employed"],
        },
        ChoiceOption {
            code: "studi",
            labels: &["Melanjutkan pendidikan", "Continuing education"],
        },
        ChoiceOption {
            code: "cari",
            labels: &["Tidak bekerja, sedang mencari kerja", "Looking for work"],
        },
        ChoiceOption {
            code: "lain",
            labels: &["Lainnya", "Other"],
        },
    ];

    const DEGREE_OPTIONS: &[ChoiceOption<'static>] = &[
        ChoiceOption {
            code: "d3",
            labels: &["D3"],
        },
        ChoiceOption {
            code: "s1",
            labels: &["S1"],
        },
        ChoiceOption {
            code: "s2",
            labels: &["S2"],
        },
        ChoiceOption {
            code: "3",
            labels: &["Lainnya"],
        },
    ];

    const REASON_OPTIONS: &[ChoiceOption<'static>] = &[
        ChoiceOption {
            code: "gaji",
            labels: &["Gaji", "Salary"],
        },
        ChoiceOption {
            code: "jarak",
            labels: &["Jarak", "Distance"],
        },
        ChoiceOption {
            code: "karier",
            labels: &["Jenjang karier", "Career path"],
        },
        ChoiceOption {
            code: "keluarga",
            labels: &["Keluarga dan teman", "Family and friends"],
        },
        ChoiceOption {
            code: "lokasi",
            labels: &["Lokasi kantor", "Office location"],
        },
        ChoiceOption {
            code: "lokal",
            labels: &["Lokasi rumah", "Home location"],
        },
    ];

    #[test]
    fn choice_table() {
        let cases: &[(&str, &[ChoiceOption], Option<usize>)] = &[
            // Numbers.
            ("1", STATUS_OPTIONS, Some(0)),
            ("2", STATUS_OPTIONS, Some(1)),
            (" 2 ", STATUS_OPTIONS, Some(1)),
            ("2.", STATUS_OPTIONS, Some(1)),
            ("2)", STATUS_OPTIONS, Some(1)),
            ("(2)", STATUS_OPTIONS, Some(1)),
            ("#2", STATUS_OPTIONS, Some(1)),
            ("no 2", STATUS_OPTIONS, Some(1)),
            ("No. 2", STATUS_OPTIONS, Some(1)),
            ("no.2", STATUS_OPTIONS, Some(1)),
            ("nomor 2", STATUS_OPTIONS, Some(1)),
            ("Nomer 2", STATUS_OPTIONS, Some(1)),
            ("pilihan 5", STATUS_OPTIONS, Some(4)),
            ("5", STATUS_OPTIONS, Some(4)),
            // Numbers win over codes: "3" is the third option, not code "3".
            ("3", DEGREE_OPTIONS, Some(2)),
            // Codes.
            ("wira", STATUS_OPTIONS, Some(1)),
            ("WIRA", STATUS_OPTIONS, Some(1)),
            ("studi", STATUS_OPTIONS, Some(2)),
            ("s2", DEGREE_OPTIONS, Some(2)),
            // Exact labels, any language, case/diacritics/punctuation-insensitive.
            ("Wirausaha / wiraswasta", STATUS_OPTIONS, Some(1)),
            ("wirausaha wiraswasta", STATUS_OPTIONS, Some(1)),
            ("Self-employed", STATUS_OPTIONS, Some(1)),
            ("self employed", STATUS_OPTIONS, Some(1)),
            ("LAINNYA", STATUS_OPTIONS, Some(4)),
            ("lainnya.", STATUS_OPTIONS, Some(4)),
            ("Lâinnyá", STATUS_OPTIONS, Some(4)),
            ("other", STATUS_OPTIONS, Some(4)),
            ("working", STATUS_OPTIONS, Some(0)),
            ("Looking for work", STATUS_OPTIONS, Some(3)),
            (
                "tidak bekerja sedang mencari kerja",
                STATUS_OPTIONS,
                Some(3),
            ),
            // Parts split on "/" and "(".
            ("wirausaha", STATUS_OPTIONS, Some(1)),
            ("Wiraswasta", STATUS_OPTIONS, Some(1)),
            ("bekerja", STATUS_OPTIONS, Some(0)),
            ("part time", STATUS_OPTIONS, Some(0)),
            // Unique prefixes of ≥ 4 characters.
            ("wira usaha", STATUS_OPTIONS, Some(1)),
            ("melanjutkan", STATUS_OPTIONS, Some(2)),
            ("melan", STATUS_OPTIONS, Some(2)),
            ("lain", STATUS_OPTIONS, Some(4)),
            ("self", STATUS_OPTIONS, Some(1)),
            ("continuing", STATUS_OPTIONS, Some(2)),
            ("jenjang", REASON_OPTIONS, Some(2)),
            ("kelu", REASON_OPTIONS, Some(3)),
            // Typos.
            ("wirausah", STATUS_OPTIONS, Some(1)),
            ("wiraushaa", STATUS_OPTIONS, Some(1)),
            ("wiraswata", STATUS_OPTIONS, Some(1)),
            ("lainya", STATUS_OPTIONS, Some(4)),
            ("lainnyaa", STATUS_OPTIONS, Some(4)),
            ("bekreja", STATUS_OPTIONS, Some(0)),
            ("gajih", REASON_OPTIONS, Some(0)),
            ("jrak", REASON_OPTIONS, Some(1)),
            ("salry", REASON_OPTIONS, Some(0)),
            ("jenjang karir", REASON_OPTIONS, Some(2)),
            ("lokasi kantr", REASON_OPTIONS, Some(4)),
            // Rejected.
            ("", STATUS_OPTIONS, None),
            ("  ", STATUS_OPTIONS, None),
            ("0", STATUS_OPTIONS, None),
            ("6", STATUS_OPTIONS, None),
            ("-1", STATUS_OPTIONS, None),
            ("99999999999999999999", STATUS_OPTIONS, None),
            ("no", STATUS_OPTIONS, None),
            ("nomor", STATUS_OPTIONS, None),
            ("xyz", STATUS_OPTIONS, None),
            ("pegawai negeri", STATUS_OPTIONS, None),
            ("wir", STATUS_OPTIONS, None),
            ("kerj", STATUS_OPTIONS, None),
            ("D4", DEGREE_OPTIONS, None),
            ("S3", DEGREE_OPTIONS, None),
            ("loka", REASON_OPTIONS, None),
            ("lokasi", REASON_OPTIONS, Some(4)), // its code
            ("lokasi rmah kantor", REASON_OPTIONS, None),
            ("gaji jarak", REASON_OPTIONS, None),
            ("1", &[], None),
            ("lain", &[], None),
        ];
        for (input, options, want) in cases {
            assert_eq!(match_choice(input, options), *want, "input {input:?}");
        }
    }

    #[test]
    fn choices_table() {
        let cases: &[(&str, &[ChoiceOption], Indices)] = &[
            ("1,3", REASON_OPTIONS, Some(vec![0, 2])),
            ("1, 3", REASON_OPTIONS, Some(vec![0, 2])),
            ("1 3", REASON_OPTIONS, Some(vec![0, 2])),
            ("3 1", REASON_OPTIONS, Some(vec![0, 2])),
            ("1 dan 3", REASON_OPTIONS, Some(vec![0, 2])),
            ("1 and 3", REASON_OPTIONS, Some(vec![0, 2])),
            ("1 & 3", REASON_OPTIONS, Some(vec![0, 2])),
            ("1&3", REASON_OPTIONS, Some(vec![0, 2])),
            ("1;3", REASON_OPTIONS, Some(vec![0, 2])),
            ("1 + 3", REASON_OPTIONS, Some(vec![0, 2])),
            ("1.\n3.", REASON_OPTIONS, Some(vec![0, 2])),
            ("1, 3, 3, 1", REASON_OPTIONS, Some(vec![0, 2])),
            ("1, 2 dan 3", REASON_OPTIONS, Some(vec![0, 1, 2])),
            ("no 1 dan no 3", REASON_OPTIONS, Some(vec![0, 2])),
            ("1-3", REASON_OPTIONS, Some(vec![0, 1, 2])),
            ("2 - 4", REASON_OPTIONS, Some(vec![1, 2, 3])),
            ("1-3, 5", REASON_OPTIONS, Some(vec![0, 1, 2, 4])),
            ("2", REASON_OPTIONS, Some(vec![1])),
            ("gaji, jarak", REASON_OPTIONS, Some(vec![0, 1])),
            ("Gaji dan jarak", REASON_OPTIONS, Some(vec![0, 1])),
            ("salary, distance", REASON_OPTIONS, Some(vec![0, 1])),
            ("gajih, jrak", REASON_OPTIONS, Some(vec![0, 1])),
            ("gaji, 3", REASON_OPTIONS, Some(vec![0, 2])),
            ("keluarga, karier", REASON_OPTIONS, Some(vec![2, 3])),
            // A label containing "dan" is one option.
            ("Keluarga dan teman", REASON_OPTIONS, Some(vec![3])),
            ("family and friends", REASON_OPTIONS, Some(vec![3])),
            ("keluarga dan teman, gaji", REASON_OPTIONS, Some(vec![0, 3])),
            // Rejected.
            ("", REASON_OPTIONS, None),
            (",", REASON_OPTIONS, None),
            ("1, 7", REASON_OPTIONS, None),
            ("0", REASON_OPTIONS, None),
            ("1 9", REASON_OPTIONS, None),
            ("3-1", REASON_OPTIONS, None),
            ("0-2", REASON_OPTIONS, None),
            ("1-9", REASON_OPTIONS, None),
            ("gaji, xyz", REASON_OPTIONS, None),
            ("loka, gaji", REASON_OPTIONS, None),
            ("lokasi, gaji", REASON_OPTIONS, Some(vec![0, 4])),
            ("semua", REASON_OPTIONS, None),
            ("dan", REASON_OPTIONS, None),
        ];
        for (input, options, want) in cases {
            assert_eq!(match_choices(input, options), *want, "input {input:?}");
        }
    }

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

    /// Every public parser, on one input: must not panic.
    fn exercise(s: &str) {
        for lang in Lang::ALL {
            let _ = parse_yes_no(s, lang);
            let _ = parse_integer(s, lang);
            let _ = parse_decimal(s, lang);
            let _ = parse_money(s, lang);
            let _ = parse_month_year(s, lang);
            let _ = parse_date(s, lang);
        }
        let _ = parse_phone(s);
        let _ = parse_email(s);
        for options in [STATUS_OPTIONS, DEGREE_OPTIONS, REASON_OPTIONS, &[]] {
            let _ = match_choice(s, options);
            let _ = match_choices(s, options);
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

        #[test]
        fn no_panic_formatting(n in any::<f64>(), i in any::<i64>(), y in any::<i32>(), m in any::<u32>()) {
            for lang in Lang::ALL {
                let _ = format_number(n, lang);
                let _ = format_month_year(y, m, lang);
            }
            let _ = format_rupiah(i);
        }

        #[test]
        fn rupiah_round_trips(x in 0i64..=i64::MAX) {
            for lang in Lang::ALL {
                prop_assert_eq!(parse_money(&format_rupiah(x), lang), Some(x));
            }
        }

        #[test]
        fn number_round_trips(k in -1_000_000_000_000i64..1_000_000_000_000i64) {
            let x = k as f64 / 100.0;
            for lang in Lang::ALL {
                prop_assert_eq!(parse_decimal(&format_number(x, lang), lang), Some(x));
                prop_assert_eq!(parse_integer(&format_number(k as f64, lang), lang), Some(k));
            }
        }

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

        #[test]
        fn indonesian_mobiles_normalise(rest in "[0-9]{7,10}") {
            let want = format!("+628{rest}");
            prop_assert_eq!(parse_phone(&format!("08{rest}")), Some(want.clone()));
            prop_assert_eq!(parse_phone(&format!("+628{rest}")), Some(want.clone()));
            prop_assert_eq!(parse_phone(&format!("628{rest}")), Some(want));
        }
    }
}
