//! Localisation: the bot's own messages (Fluent files in `locales/`, see `catalog`) and the
//! understanding of Indonesian (and English) input (`parse`).

pub mod catalog;
pub mod parse;

pub use catalog::{Catalog, Msg};
