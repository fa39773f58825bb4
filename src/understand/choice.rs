//! Choices: an answer to a single- or multiple-choice question matched to its options by
//! number ("2", "no 2"), code, label, part of a label, the words people use for it ("lanjut
//! kuliah" for "Melanjutkan studi"), prefix or a typo away.

use super::synonyms;
use super::text::{all_digits, fold, too_long};

/// What a typed answer to a single choice means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChoiceMatch {
    /// This option (index).
    One(usize),
    /// A typed number that is the shown number of one option (first) and the code of
    /// another (second): the respondent must say which.
    Either(usize, usize),
    /// Not understood, or several options fit equally.
    Unclear,
}

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

/// Words that say a number is an option's code ("kode 35").
const CODE_PREFIXES: &[&str] = &["kode", "kd", "code"];

/// The option code written as "kode 35" / "code 35".
fn code_number(input: &str) -> Option<usize> {
    let lower = input.trim().to_lowercase();
    let rest = CODE_PREFIXES
        .iter()
        .find_map(|p| lower.strip_prefix(p))
        .filter(|r| !r.starts_with(char::is_alphabetic))?;
    let r = rest.trim_matches(|c: char| c.is_whitespace() || matches!(c, '.' | ':' | '#'));
    if !all_digits(r) || r.len() > 6 {
        return None;
    }
    r.parse().ok()
}

/// The option whose code is the number `n` ("35", "035"), if any.
fn option_with_code(options: &[ChoiceOption], n: usize) -> Option<usize> {
    options.iter().position(|o| {
        let c = o.code.trim();
        all_digits(c) && c.len() <= 6 && c.parse::<usize>().ok() == Some(n)
    })
}

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

/// Whether a folded word negates ("tidak bekerja", "belum").
fn is_negation(word: &str) -> bool {
    synonyms::group_of(word).is_some_and(|g| g[0] == "tidak" || g[0] == "belum")
}

/// Whether an answer's word stands for a label's word: the same word, or words of one
/// synonym group.
fn same_word(answer: &str, label: &str) -> bool {
    answer == label
        || synonyms::group_of(answer)
            .is_some_and(|g| std::ptr::eq(g, synonyms::group_of(label).unwrap_or(&[])))
}

/// Matches by words: every meaningful word of the answer must stand for a word of one label
/// of the option (itself or a synonym), and a label that negates ("Belum bekerja") needs
/// the negation in the answer. Among the options that fit, the one whose label is covered
/// best wins ("kerja" is "Bekerja", not "Mencari kerja"); a tie is ambiguous.
fn match_words(fi: &str, forms: &[Vec<(String, bool)>]) -> Found {
    let words: Vec<&str> = fi
        .split(' ')
        .filter(|w| !w.is_empty() && !synonyms::is_filler(w))
        .collect();
    if words.is_empty() {
        return Found::Zero;
    }
    let mut best: Option<(f64, usize)> = None;
    let mut tie = false;
    for (i, fs) in forms.iter().enumerate() {
        let mut option_best: Option<f64> = None;
        for (form, _) in fs {
            let label: Vec<&str> = form
                .split(' ')
                .filter(|w| !w.is_empty() && !synonyms::is_filler(w))
                .collect();
            if label.is_empty() || !words.iter().all(|w| label.iter().any(|l| same_word(w, l))) {
                continue;
            }
            if label
                .iter()
                .any(|l| is_negation(l) && !words.iter().any(|w| same_word(w, l)))
            {
                continue;
            }
            let covered = label
                .iter()
                .filter(|l| words.iter().any(|w| same_word(w, l)))
                .count();
            let coverage = covered as f64 / label.len() as f64;
            option_best = Some(option_best.map_or(coverage, |b: f64| b.max(coverage)));
        }
        if let Some(c) = option_best {
            match best {
                Some((b, _)) if c < b => {}
                Some((b, _)) if c == b => tie = true,
                _ => {
                    best = Some((c, i));
                    tie = false;
                }
            }
        }
    }
    match best {
        Some((_, i)) if !tie => Found::One(i),
        Some(_) => Found::Many,
        None => Found::Zero,
    }
}

/// Matches one answer to one option; `fuzzy` enables word, prefix and typo matching.
fn match_choice_impl(input: &str, options: &[ChoiceOption], fuzzy: bool) -> ChoiceMatch {
    use ChoiceMatch::{Either, One, Unclear};
    if too_long(input) {
        return Unclear;
    }
    if let Some(n) = code_number(input) {
        return option_with_code(options, n).map_or(Unclear, One);
    }
    if let Some(n) = choice_number(input) {
        // The number shown next to an option is what a typed number means; when it is also
        // another option's code (provinces coded by BPS code), only the respondent knows.
        let shown = (1..=options.len()).contains(&n).then(|| n - 1);
        match (shown, option_with_code(options, n)) {
            (Some(p), Some(c)) if p != c => return Either(p, c),
            (Some(p), _) => return One(p),
            (None, Some(c)) => return One(c),
            (None, None) => {}
        }
    }
    let trimmed = input.trim().to_lowercase();
    if !trimmed.is_empty()
        && let Some(i) = options
            .iter()
            .position(|o| o.code.to_lowercase() == trimmed)
    {
        return One(i);
    }
    let fi = fold(input);
    if fi.is_empty() {
        return Unclear;
    }
    let forms: Vec<Vec<(String, bool)>> = options.iter().map(label_forms).collect();
    // Whole labels first, then their parts.
    for want_whole in [true, false] {
        match find_unique(&forms, |f, whole| whole == want_whole && f == fi) {
            Found::One(i) => return One(i),
            Found::Many => return Unclear,
            Found::Zero => {}
        }
    }
    if !fuzzy {
        return Unclear;
    }
    match match_words(&fi, &forms) {
        Found::One(i) => return One(i),
        Found::Many => return Unclear,
        Found::Zero => {}
    }
    fuzzy_match(&fi, &forms).map_or(Unclear, One)
}

/// Prefix and typo matching, the last resort.
fn fuzzy_match(fi: &str, forms: &[Vec<(String, bool)>]) -> Option<usize> {
    let input_len = fi.chars().count();
    if input_len >= 4 {
        match find_unique(forms, |f, _| f.starts_with(fi)) {
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
                let d = strsim::damerau_levenshtein(fi, f);
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

/// How well an answer fits one option, for ranking a long list (0 = does not fit).
fn fit(fi: &str, words: &[&str], forms: &[(String, bool)]) -> u32 {
    let mut best = 0;
    for (form, whole) in forms {
        if form == fi {
            best = best.max(if *whole { 1000 } else { 900 });
            continue;
        }
        let label: Vec<&str> = form
            .split(' ')
            .filter(|w| !w.is_empty() && !synonyms::is_filler(w))
            .collect();
        if label.is_empty() || words.is_empty() {
            continue;
        }
        // Every meaningful word of the answer stands for a word of the label: itself, a
        // synonym, or (three letters or more) its beginning ("surab" for "Surabaya").
        let stands =
            |w: &str, l: &str| same_word(w, l) || (w.chars().count() >= 3 && l.starts_with(w));
        if words.iter().all(|w| label.iter().any(|l| stands(w, l))) {
            let covered = label
                .iter()
                .filter(|l| words.iter().any(|w| stands(w, l)))
                .count();
            let exact = words
                .iter()
                .filter(|w| label.iter().any(|l| same_word(w, l)))
                .count();
            // Coverage of the label first, whole words before beginnings.
            let score = 100 + (600 * covered / label.len()) as u32 + 10 * exact as u32;
            best = best.max(score);
            continue;
        }
        let len = form.chars().count();
        let budget = typo_budget(len);
        if budget > 0 && len.abs_diff(fi.chars().count()) <= budget {
            let d = strsim::damerau_levenshtein(fi, form);
            if d <= budget {
                best = best.max(50 - d as u32);
            }
        }
    }
    best
}

/// The options an answer may mean, best first, at most `limit`: for lists too long to
/// show (provinces, kabupaten/kota, KBLI), where a respondent types a few letters and picks
/// among the best matches. An option's code (case-insensitive) or a whole label or alias
/// is the only match; otherwise options are ranked by how much of a label the answer's words
/// cover (each word being a label word, a synonym of one or the beginning of one), then by
/// typos (`typo_budget`). Ties keep the options' order.
pub fn rank_choices(input: &str, options: &[ChoiceOption], limit: usize) -> Vec<usize> {
    if too_long(input) {
        return Vec::new();
    }
    let trimmed = input.trim().to_lowercase();
    if let Some(i) = options
        .iter()
        .position(|o| !trimmed.is_empty() && o.code.to_lowercase() == trimmed)
    {
        return vec![i];
    }
    let fi = fold(input);
    if fi.is_empty() {
        return Vec::new();
    }
    let words: Vec<&str> = fi
        .split(' ')
        .filter(|w| !w.is_empty() && !synonyms::is_filler(w))
        .collect();
    let mut scored: Vec<(u32, usize)> = options
        .iter()
        .enumerate()
        .map(|(i, o)| (fit(&fi, &words, &label_forms(o)), i))
        .filter(|(s, _)| *s > 0)
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    if let Some(&(top, _)) = scored.first() {
        if top >= 900 {
            // A whole label or alias: the options that are exactly it, nothing looser.
            scored.retain(|(s, _)| *s >= 900);
        } else {
            // Options that fit clearly worse than the best are noise in a pick list
            // ("perdagangan eceran" is retail, not every trade whose category names both).
            scored.retain(|(s, _)| *s * 5 >= top * 4);
        }
    }
    scored.into_iter().take(limit).map(|(_, i)| i).collect()
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
    match understand_choice(input, options) {
        ChoiceMatch::One(i) => Some(i),
        _ => None,
    }
}

/// Like [`match_choice`], but says when a typed number could mean two options: the one shown
/// next to that number and the one whose code it is (`ChoiceMatch::Either`). "kode 35"
/// always means the code. Between the label steps and the prefix step, the answer's words are
/// matched ("swasta", "lanjut kuliah", "lagi nyari kerja"): every meaningful word must be a
/// word of one label or alias, or a synonym of one (`synonyms.rs`).
pub fn understand_choice(input: &str, options: &[ChoiceOption]) -> ChoiceMatch {
    match_choice_impl(input, options, true)
}

/// The first number in a multiple-choice answer that could mean two options, as
/// `(number, shown option, option with that code)`, so the caller can ask which.
pub fn ambiguous_number(input: &str, options: &[ChoiceOption]) -> Option<(usize, usize, usize)> {
    if too_long(input) {
        return None;
    }
    input
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '&' | '+'))
        .find_map(
            |w| match (choice_number(w), match_choice_impl(w, options, false)) {
                (Some(n), ChoiceMatch::Either(p, c)) => Some((n, p, c)),
                _ => None,
            },
        )
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
    match match_choice_impl(input, options, false) {
        ChoiceMatch::One(i) => return Some(vec![i]),
        ChoiceMatch::Either(..) => return None,
        ChoiceMatch::Unclear => {}
    }
    let mut pieces: Vec<String> = Vec::new();
    for chunk in input.split([',', ';', '&', '+', '\n']) {
        if matches!(
            match_choice_impl(chunk, options, false),
            ChoiceMatch::One(_)
        ) {
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
            for w in words {
                match match_choice_impl(w, options, false) {
                    ChoiceMatch::One(i) => out.push(i),
                    _ => return None,
                }
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

/// Also holds the option sets the robustness tests in `understand` run every parser on.
#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// An expected `match_choices` result.
    type Indices = Option<Vec<usize>>;

    pub(in crate::understand) const STATUS_OPTIONS: &[ChoiceOption<'static>] = &[
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

    pub(in crate::understand) const DEGREE_OPTIONS: &[ChoiceOption<'static>] = &[
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

    pub(in crate::understand) const REASON_OPTIONS: &[ChoiceOption<'static>] = &[
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
            // "3" is shown next to S2 but is also the code of "Lainnya": not stored silently.
            ("3", DEGREE_OPTIONS, None),
            ("no 3", DEGREE_OPTIONS, None),
            // "kode 3" says which; a number shown next to nothing but a code is that code.
            ("kode 3", DEGREE_OPTIONS, Some(3)),
            ("kode 4", DEGREE_OPTIONS, None),
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

    /// The shipped SMK flow's options, as respondents answer them.
    const F8: &[ChoiceOption<'static>] = &[
        ChoiceOption {
            code: "1",
            labels: &["Bekerja", "Working"],
        },
        ChoiceOption {
            code: "3",
            labels: &["Wirausaha", "Self-employed"],
        },
        ChoiceOption {
            code: "4",
            labels: &["Melanjutkan studi", "Continuing my studies"],
        },
        ChoiceOption {
            code: "5",
            labels: &["Mencari kerja", "Looking for work"],
        },
        ChoiceOption {
            code: "2",
            labels: &["Belum bekerja", "Not working yet"],
        },
    ];
    const F1101: &[ChoiceOption<'static>] = &[
        ChoiceOption {
            code: "1",
            labels: &["Instansi pemerintah", "Government agency"],
        },
        ChoiceOption {
            code: "6",
            labels: &["BUMN/BUMD", "State or regional enterprise (BUMN/BUMD)"],
        },
        ChoiceOption {
            code: "3",
            labels: &[
                "Perusahaan swasta atau usaha perorangan",
                "Private company or small business",
            ],
        },
        ChoiceOption {
            code: "2",
            labels: &["Organisasi nirlaba/yayasan", "Non-profit organisation"],
        },
        ChoiceOption {
            code: "5",
            labels: &["Lainnya", "Other"],
        },
    ];
    /// Provinces coded by BPS code, with aliases as an author writes them.
    const PROVINCES: &[ChoiceOption<'static>] = &[
        ChoiceOption {
            code: "11",
            labels: &["Aceh"],
        },
        ChoiceOption {
            code: "31",
            labels: &["DKI Jakarta", "Jakarta", "DKI"],
        },
        ChoiceOption {
            code: "34",
            labels: &["DI Yogyakarta", "Jogja", "Yogya", "DIY"],
        },
        ChoiceOption {
            code: "35",
            labels: &["Jawa Timur", "Jatim"],
        },
        ChoiceOption {
            code: "63",
            labels: &["Kalimantan Selatan", "Kalsel"],
        },
        ChoiceOption {
            code: "2",
            labels: &["Kepulauan Riau", "Kepri"],
        },
    ];

    #[test]
    fn the_words_people_use() {
        use ChoiceMatch::{Either, One, Unclear};
        let cases: &[(&str, &[ChoiceOption], ChoiceMatch)] = &[
            // Any meaningful word of a label.
            ("swasta", F1101, One(2)),
            ("pemerintah", F1101, One(0)),
            ("di swasta kak", F1101, One(2)),
            ("yayasan", F1101, One(3)),
            // Synonyms shipped in synonyms.rs.
            ("pns", F1101, One(0)),
            ("kuliah", F8, One(2)),
            ("lanjut kuliah", F8, One(2)),
            ("studi", F8, One(2)),
            ("wiraswasta", F8, One(1)),
            ("lagi nyari kerja", F8, One(3)),
            ("sedang mencari kerja", F8, One(3)),
            // The label covered best wins; a negating label needs the negation.
            ("kerja", F8, One(0)),
            ("bekerja", F8, One(0)),
            ("belum kerja", F8, One(4)),
            ("bumn", F1101, One(1)),
            // Words that fit no option, or two equally, are not guessed.
            ("kerja kuliah", F8, Unclear),
            ("pabrik", F8, Unclear),
            // Aliases are labels.
            ("Jatim", PROVINCES, One(3)),
            ("jogja", PROVINCES, One(2)),
            ("DKI", PROVINCES, One(1)),
            ("kalsel", PROVINCES, One(4)),
            // A shown number that is another option's code: ask.
            ("2", F8, Either(1, 4)),
            ("1", F8, One(0)),
            ("2", PROVINCES, Either(1, 5)),
            ("35", PROVINCES, One(3)),
            ("kode 2", PROVINCES, One(5)),
            ("kode 99", PROVINCES, Unclear),
            ("4", F1101, One(3)),
            ("5", F1101, One(4)),
        ];
        for (input, options, want) in cases {
            assert_eq!(understand_choice(input, options), *want, "input {input:?}");
        }
        assert_eq!(ambiguous_number("1, 2", F8), Some((2, 1, 4)));
        assert_eq!(match_choices("1, 2", F8), None);
        assert_eq!(match_choices("1, kuliah", F8), Some(vec![0, 2]));
        assert_eq!(ambiguous_number("1", F8), None);
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
}
