//! Localisation: the bot's own messages (Fluent files in `locales/`, see `catalog`). The
//! understanding of what respondents type, and the formatting of numbers and dates, is
//! [`crate::understand`].

pub mod catalog;

pub use catalog::{Catalog, Msg};

use crate::model::Lang;

/// The embedded catalog, built once per process: staff texts (command line, roster reasons)
/// are formatted in many places, some of them per row of a large file. `None` only if an
/// embedded locale file did not parse, which the catalog's own tests rule out.
fn shared() -> Option<&'static Catalog> {
    static SHARED: std::sync::LazyLock<Option<Catalog>> =
        std::sync::LazyLock::new(|| Catalog::embedded().ok());
    SHARED.as_ref()
}

/// A staff-facing text (`locales/<lang>/cli.ftl`, ids `cli-…`) in `lang`, with its arguments
/// as name/value pairs. An unknown id comes back as the id itself, like
/// [`Catalog::message`].
pub fn staff_text(lang: Lang, id: &str, args: &[(&str, &str)]) -> String {
    match shared() {
        Some(c) => c.message(lang, id, args),
        None => id.to_string(),
    }
}

/// An operating-system error as staff read it, in `lang`: what went wrong with a file or a
/// connection in their words ("berkas atau folder itu tidak ada"), not the C library's
/// English ("No such file or directory (os error 2)"). Kinds without a text of their own keep
/// the system's words.
pub fn io_text(e: &std::io::Error, lang: Lang) -> String {
    use std::io::ErrorKind as K;
    let id = match e.kind() {
        K::NotFound => "cli-io-not-found",
        K::PermissionDenied => "cli-io-permission",
        K::IsADirectory => "cli-io-is-directory",
        K::NotADirectory => "cli-io-not-directory",
        K::AlreadyExists => "cli-io-exists",
        K::StorageFull => "cli-io-disk-full",
        K::ReadOnlyFilesystem => "cli-io-read-only",
        K::ConnectionRefused => "cli-io-refused",
        K::TimedOut => "cli-io-timed-out",
        // What reading a file as text says of bytes that are not UTF-8 (a file saved in
        // the Windows code page).
        K::InvalidData => "cli-io-invalid-data",
        _ => return e.to_string(),
    };
    staff_text(lang, id, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_in_the_staff_language() {
        let gone = std::io::Error::from(std::io::ErrorKind::NotFound);
        assert_eq!(io_text(&gone, Lang::Id), "berkas atau folder itu tidak ada");
        assert_eq!(io_text(&gone, Lang::En), "no such file or folder");
        let dir = std::fs::read_to_string(env!("CARGO_MANIFEST_DIR")).unwrap_err();
        assert_eq!(io_text(&dir, Lang::Id), "itu folder, bukan berkas");
        // A kind without a text keeps the system's words rather than saying nothing.
        let other = std::io::Error::other("disk on fire");
        assert_eq!(io_text(&other, Lang::Id), "disk on fire");
    }

    /// Every `"cli-…"` id written in the source exists in every language: `staff_text` falls
    /// back to the id, so a typo would otherwise print `cli-…` to a teacher.
    #[test]
    fn every_staff_text_id_in_the_source_exists() {
        let cat = Catalog::embedded().expect("catalog builds");
        let mut stack = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        let mut seen = 0;
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).expect("read src").flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                if p.extension().is_none_or(|x| x != "rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&p).expect("read source");
                for (i, _) in text.match_indices("\"cli-") {
                    let rest = &text[i + 1..];
                    let id: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                        .collect();
                    // Only whole literals, not a prefix that a format string completes.
                    if id == "cli-" || !rest[id.len()..].starts_with('"') {
                        continue;
                    }
                    seen += 1;
                    for lang in Lang::ALL {
                        assert!(cat.has(lang, &id), "{}: `{id}` not in {lang}", p.display());
                    }
                }
            }
        }
        assert!(seen > 50, "only {seen} ids found: is the scan still right?");
        assert_eq!(
            staff_text(Lang::Id, "cli-row-phone", &[("value", "\"12ab\"")]),
            "no_hp: \"12ab\" bukan nomor HP"
        );
    }
}
