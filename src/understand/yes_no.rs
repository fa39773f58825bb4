//! Yes/no answers: "iyaa kak", "ga mau", "belum pernah", "👍".

use super::text::{normalize, squeeze, too_long};
use crate::model::Lang;

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

/// Words between "Apakah" and the verb a respondent echoes ("Apakah *Anda* pernah…").
const ECHO_SKIPPED: &[&str] = &[
    "anda", "kamu", "saudara", "saudari", "sdr", "bapak", "ibu", "kakak", "kak", "engkau",
    "kalian", "masih", "juga", "memang", "benar", "sekarang", "saat", "ini", "itu", "selama",
];

/// Pronouns: a word right before one is a possessed noun ("usaha Anda").
const PRONOUNS: &[&str] = &[
    "anda", "kamu", "saudara", "saudari", "engkau", "kalian", "mu",
];

/// Words that open a yes/no question.
const QUESTION_WORDS: &[&str] = &["apakah", "apa", "apkh", "apakh"];

/// The word respondents echo to answer a yes/no question, read from its text: the word after
/// "Apakah" (skipping "Anda", "masih"…), or a leading word ending in "-kah" without it
/// ("Pernahkah Anda…" → "pernah"). "Apakah ada tempat kerja lain?" → `["ada"]`, "Apakah Anda
/// sudah bekerja?" → `["sudah"]`. Empty when the text has no such word.
pub fn echo_words(question: &str) -> Vec<String> {
    let words: Vec<String> = super::text::fold(question)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        if QUESTION_WORDS.contains(&w.as_str()) {
            let rest = &words[i + 1..];
            if let Some(j) = rest
                .iter()
                .position(|w| !ECHO_SKIPPED.contains(&w.as_str()))
                // "Apakah usaha Anda sesuai…": a word owned by "Anda" is a noun, not the verb.
                && !rest
                    .get(j + 1)
                    .is_some_and(|n| PRONOUNS.contains(&n.as_str()))
            {
                out.push(rest[j].clone());
            }
            break;
        }
        if i == 0
            && let Some(stem) = w.strip_suffix("kah")
            && stem.len() >= 3
        {
            out.push(stem.to_string());
            break;
        }
    }
    out.retain(|w| w.chars().all(char::is_alphabetic) && yes_no_word(w) != Some(false));
    out.dedup();
    out
}

/// Parses a yes/no answer that may echo the question's verb: with `echo` = `["ada"]`, "ada"
/// and "ada kak" are yes, "tidak ada" and "gak ada" no (as [`parse_yes_no`] already reads
/// every answer starting with a no-word). Everything [`parse_yes_no`] understands is
/// understood the same way.
pub fn parse_yes_no_echo(input: &str, lang: Lang, echo: &[String]) -> Option<bool> {
    if let Some(b) = parse_yes_no(input, lang) {
        return Some(b);
    }
    if echo.is_empty() || too_long(input) {
        return None;
    }
    let folded = super::text::fold(input);
    let mut rest = folded
        .split(' ')
        .filter(|w| !w.is_empty() && !in_table(YES_NO_FILLERS, w));
    let first = rest.next()?;
    if !echo.iter().any(|e| squeeze(e) == squeeze(first)) {
        return None;
    }
    // "ada, tapi tidak" is not a clear yes.
    match rest.next() {
        Some(next) if yes_no_word(next) == Some(false) => None,
        _ => Some(true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::understand::test_support::{EN, ID};

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
    fn echoes_of_the_question() {
        let cases: &[(&str, &[&str])] = &[
            ("Apakah ada tempat kerja lain?", &["ada"]),
            ("Apakah Anda pernah melamar kerja?", &["pernah"]),
            ("Apakah Anda sudah bekerja?", &["sudah"]),
            ("Apakah Anda bisa dihubungi lagi?", &["bisa"]),
            ("Apakah Anda masih bekerja di sana?", &["bekerja"]),
            ("Pernahkah Anda ikut pelatihan?", &["pernah"]),
            ("Adakah tempat kerja lain?", &["ada"]),
            ("Do you work?", &[]),
            ("Apakah usaha Anda sesuai dengan jurusan?", &[]),
            ("Berapa bulan?", &[]),
        ];
        for (q, want) in cases {
            assert_eq!(echo_words(q), *want, "question {q:?}");
        }
        let ada = ["ada".to_string()];
        let cases: &[(&str, &[String], Option<bool>)] = &[
            ("ada", &ada, Some(true)),
            ("Ada kak", &ada, Some(true)),
            ("adaa", &ada, Some(true)),
            ("tidak ada", &ada, Some(false)),
            ("gak ada", &ada, Some(false)),
            ("gaada", &ada, Some(false)),
            ("ada tapi tidak", &ada, Some(true)),
            ("ada, tidak", &ada, None),
            ("iya", &ada, Some(true)),
            ("ada", &[], None),
            ("adalah", &ada, None),
        ];
        for (input, echo, want) in cases {
            assert_eq!(parse_yes_no_echo(input, ID, echo), *want, "input {input:?}");
        }
    }
}
