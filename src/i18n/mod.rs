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

#[cfg(test)]
mod tests {
    use super::*;

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
