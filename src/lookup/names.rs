//! Names as respondents read and type them: the lists' capitals in title case, and the
//! "Kab." / "Kota" prefixes of kabupaten/kota.

/// Acronyms kept in capitals when a name is put in title case.
const ACRONYMS: &[&str] = &["YBDI", "YTDL", "TNI", "POLRI", "DKI", "AU", "AD", "AL"];

/// Short words written in lower case inside a name.
const SMALL_WORDS: &[&str] = &[
    "dan", "di", "dari", "serta", "untuk", "oleh", "yang", "sebagai", "bukan", "tanpa", "ke",
    "dalam", "selain",
];

/// A name from a list, in title case: "KOTA ADMINISTRASI JAKARTA PUSAT" → "Kota Administrasi
/// Jakarta Pusat", "INDUSTRI MESIN DAN PERLENGKAPAN YTDL" → "Industri Mesin dan Perlengkapan
/// YTDL". Names already in mixed case are kept.
pub fn display_name(raw: &str) -> String {
    if raw.chars().any(char::is_lowercase) {
        return raw.to_string();
    }
    let mut out = String::with_capacity(raw.len());
    for (i, word) in raw.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let bare = word.trim_matches(|c: char| !c.is_alphanumeric());
        if ACRONYMS.contains(&bare) {
            out.push_str(word);
            continue;
        }
        let lower = word.to_lowercase();
        if i > 0 && SMALL_WORDS.contains(&lower.as_str()) {
            out.push_str(&lower);
            continue;
        }
        // Capitalise after every non-letter too: "UAP/AIR" → "Uap/Air", "(TIDAK" → "(Tidak".
        let mut start = true;
        for c in lower.chars() {
            if start && c.is_alphabetic() {
                out.extend(c.to_uppercase());
                start = false;
            } else {
                out.push(c);
                if !c.is_alphanumeric() {
                    start = true;
                }
            }
        }
    }
    out
}

/// Whether a kabupaten/kota is a kabupaten or a kota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegencyKind {
    /// Kabupaten (also "Kabupaten Administrasi").
    Kabupaten,
    /// Kota (also "Kota Administrasi").
    Kota,
}

impl RegencyKind {
    /// The short prefix people write ("Kab", "Kota").
    pub fn short(self) -> &'static str {
        match self {
            RegencyKind::Kabupaten => "Kabupaten",
            RegencyKind::Kota => "Kota",
        }
    }
}

/// "Kabupaten Bogor" → (Kabupaten, "Bogor"); "Kota Administrasi Jakarta Pusat" → (Kota,
/// "Jakarta Pusat").
pub fn split_regency(name: &str) -> Option<(RegencyKind, &str)> {
    for (prefix, kind) in [
        ("Kabupaten Administrasi ", RegencyKind::Kabupaten),
        ("Kota Administrasi ", RegencyKind::Kota),
        ("Kabupaten ", RegencyKind::Kabupaten),
        ("Kota ", RegencyKind::Kota),
    ] {
        if let Some(rest) = name.strip_prefix(prefix) {
            return Some((kind, rest));
        }
    }
    None
}

/// The prefixes people type, written out: "Kab. Bogor", "kab bogor" → "kabupaten bogor";
/// "Kodya Malang", "Kotamadya Malang" → "kota malang"; "Prov. Jawa Timur", "Provinsi Jawa
/// Timur" → "jawa timur".
pub fn expand_prefixes(input: &str) -> String {
    let lower = input.trim().to_lowercase();
    let mut words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || c == '.')
        .filter(|w| !w.is_empty())
        .collect();
    if let Some(first) = words.first().copied() {
        match first {
            "kab" | "kabu" | "kabup" => words[0] = "kabupaten",
            "kodya" | "kotamadya" | "kot" => words[0] = "kota",
            "prov" | "provinsi" | "propinsi" | "province" if words.len() > 1 => {
                words.remove(0);
            }
            _ => {}
        }
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_case_keeps_acronyms_and_small_words() {
        assert_eq!(
            display_name("KOTA ADMINISTRASI JAKARTA PUSAT"),
            "Kota Administrasi Jakarta Pusat"
        );
        assert_eq!(
            display_name("INDUSTRI MESIN DAN PERLENGKAPAN YTDL"),
            "Industri Mesin dan Perlengkapan YTDL"
        );
        assert_eq!(
            display_name("PENGADAAN LISTRIK, GAS, UAP/AIR PANAS DAN UDARA DINGIN"),
            "Pengadaan Listrik, Gas, Uap/Air Panas dan Udara Dingin"
        );
        assert_eq!(
            display_name("Profesional Pendidikan"),
            "Profesional Pendidikan"
        );
    }

    #[test]
    fn prefixes_are_written_out() {
        assert_eq!(expand_prefixes("Kab. Bogor"), "kabupaten bogor");
        assert_eq!(expand_prefixes("kab bogor"), "kabupaten bogor");
        assert_eq!(expand_prefixes("Kodya Malang"), "kota malang");
        assert_eq!(expand_prefixes("Prov. Jawa Timur"), "jawa timur");
        assert_eq!(
            split_regency("Kota Administrasi Jakarta Pusat"),
            Some((RegencyKind::Kota, "Jakarta Pusat"))
        );
    }
}
