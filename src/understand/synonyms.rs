//! The words Indonesians use for the options of tracer questionnaires, as data in one place:
//! groups of words that mean the same thing when matching a choice ("kuliah" is "studi",
//! "wiraswasta" is "wirausaha", "nyari" is "mencari"), and the words that carry no meaning
//! of their own in an answer ("lagi", "saya", "sih"). Everything is written folded (lower
//! case, no diacritics) as `text::fold` leaves a word.
//!
//! A group should only join words that name the same option in every tracer questionnaire:
//! "kerja" and "bekerja" are one group, "usaha" is not in the "wirausaha" group because
//! "Perusahaan swasta atau usaha perorangan" is an employer, not self-employment.

/// Words that mean the same when matching a choice option, one group per line.
pub const SYNONYM_GROUPS: &[&[&str]] = &[
    &["kuliah", "studi", "study", "kampus", "pendidikan"],
    &[
        "lanjut",
        "melanjutkan",
        "lanjutin",
        "continue",
        "continuing",
    ],
    &[
        "wiraswasta",
        "wirausaha",
        "berwirausaha",
        "wirausahawan",
        "entrepreneur",
        "bisnis",
    ],
    &[
        "kerja", "bekerja", "kerjo", "gawe", "working", "work", "job",
    ],
    &[
        "cari",
        "mencari",
        "nyari",
        "nyariin",
        "looking",
        "searching",
    ],
    &[
        "pemerintah",
        "pemerintahan",
        "negeri",
        "pns",
        "asn",
        "government",
    ],
    &["swasta", "private"],
    &["belum", "blm", "belom", "blom"],
    &["tidak", "tdk", "gak", "ga", "nggak", "enggak", "ngga"],
    &["freelance", "freelancer", "lepas"],
    &["pemilik", "owner", "pendiri", "founder"],
    &["yayasan", "nirlaba", "lsm", "ngo"],
    &["pabrik", "industri", "manufaktur"],
    &["toko", "perdagangan", "dagang", "jualan"],
    &["pertanian", "tani", "bertani", "petani"],
    &["perikanan", "nelayan"],
    &["lainnya", "lain", "other"],
];

/// Words that say nothing about which option is meant ("lagi nyari kerja" is "nyari kerja").
pub const FILLER_WORDS: &[&str] = &[
    "lagi",
    "lg",
    "sedang",
    "sdg",
    "masih",
    "saya",
    "aku",
    "sy",
    "gue",
    "gw",
    "kak",
    "ka",
    "kakak",
    "pak",
    "bu",
    "mas",
    "mbak",
    "mba",
    "sih",
    "nih",
    "dong",
    "deh",
    "aja",
    "saja",
    "ya",
    "yg",
    "yang",
    "di",
    "ke",
    "dan",
    "atau",
    "dengan",
    "untuk",
    "utk",
    "sebagai",
    "jadi",
    "udah",
    "sudah",
    "sdh",
    "mau",
    "ingin",
    "pengen",
    "pengin",
    "ini",
    "itu",
    "the",
    "a",
    "an",
    "i",
    "am",
    "im",
    "at",
    "in",
    "of",
    "and",
    "or",
    "my",
    "currently",
    "now",
    "sekarang",
];

/// The synonym group of a folded word, if it has one.
pub fn group_of(word: &str) -> Option<&'static [&'static str]> {
    SYNONYM_GROUPS.iter().copied().find(|g| g.contains(&word))
}

/// Whether a folded word is a filler.
pub fn is_filler(word: &str) -> bool {
    FILLER_WORDS.contains(&word)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn a_word_is_in_at_most_one_group_and_never_a_filler() {
        let mut seen = HashSet::new();
        for g in SYNONYM_GROUPS {
            for w in *g {
                assert!(seen.insert(*w), "{w} is in two groups");
                assert!(!is_filler(w), "{w} is a synonym and a filler");
                assert_eq!(crate::understand::text::fold(w), *w, "{w} is not folded");
            }
        }
    }
}
