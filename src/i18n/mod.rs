//! Localisation: the bot's own messages (Fluent files in `locales/`, see `catalog`) and the
//! understanding of Indonesian (and English) input (`parse`).

pub mod catalog;
pub mod parse;

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
