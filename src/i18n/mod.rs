//! Localisation: the bot's own messages (Fluent files in `locales/`) and the understanding of
//! Indonesian (and English) input.

pub mod parse;
