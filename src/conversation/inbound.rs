//! The one shape every channel turns its platform's messages into.

use crate::model::{Channel, Lang};

/// One message from a respondent, as a channel read it off its platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    /// The channel it came on.
    pub channel: Channel,
    /// Where it came from: a Telegram chat id, a WhatsApp number (E.164), a web browser id.
    pub address: String,
    /// The platform's id of the message. A second `Inbound` with the same
    /// `(channel, message_id)` changes nothing and queues nothing.
    pub message_id: Option<String>,
    /// What it says.
    pub content: Content,
    /// The language the platform or device reports (Telegram's `language_code`, the
    /// browser's language): the respondent's language at first contact if none is known.
    pub language_hint: Option<Lang>,
    /// The name the platform shows for the sender (never logged).
    pub profile_name: Option<String>,
}

/// What a message says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// Typed text; commands start with `/`.
    Text(String),
    /// A pressed button or a chosen list row: the engine's `Input::Button`.
    Choice {
        /// The prompt id the button was made for (a stale one is recognised by the engine).
        prompt: String,
        /// The chosen value.
        value: String,
    },
    /// `/start` (a personal link, an open link), with the enrolment token if it had one.
    Start {
        /// The respondent's token.
        token: Option<String>,
    },
    /// Something the bot cannot read (a photo, a sticker, a voice note).
    Unsupported,
}

impl Content {
    /// Typed text as the bot reads it: `/start <token>`, `MULAI <token>` and the like
    /// become [`Content::Start`] (see [`start_token`]), anything else [`Content::Text`].
    pub fn from_text(text: &str) -> Content {
        match start_token(text) {
            Some(token) => Content::Start {
                token: Some(token.to_string()),
            },
            None => Content::Text(text.to_string()),
        }
    }
}

/// The token of a start command: `/start <token>`, `/mulai <token>`, `/start@Bot <token>`,
/// and without the slash (`MULAI <token>`, `start <token>`, any case) as typed on
/// WhatsApp. Exactly two words, the second of a token's shape (1–64 of `A-Za-z0-9_-`).
pub fn start_token(text: &str) -> Option<&str> {
    let mut words = text.split_whitespace();
    let first = words.next()?;
    let token = words.next()?;
    if words.next().is_some() {
        return None;
    }
    let command = first.strip_prefix('/').unwrap_or(first);
    let command = command.split('@').next().unwrap_or("");
    let keyword = command.eq_ignore_ascii_case("start") || command.eq_ignore_ascii_case("mulai");
    (keyword && crate::store::is_valid_token(token)).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_grammar_for_start_tokens() {
        // As Telegram's links send them.
        assert_eq!(start_token("/start abc_DEF-1"), Some("abc_DEF-1"));
        assert_eq!(start_token("/start@JejakBot abc"), Some("abc"));
        assert_eq!(start_token("/mulai abc"), Some("abc"));
        // As typed on WhatsApp (wa.me links prefill `MULAI <token>`).
        assert_eq!(start_token("MULAI abcDEF_12-x"), Some("abcDEF_12-x"));
        assert_eq!(start_token("  mulai   tok "), Some("tok"));
        assert_eq!(start_token("START tok"), Some("tok"));
        // Not a start command with a token.
        assert_eq!(start_token("/start"), None);
        assert_eq!(start_token("mulai"), None);
        assert_eq!(start_token("/start bad token!"), None);
        assert_eq!(start_token("mulai dua kata"), None);
        assert_eq!(start_token("mulai tok!en"), None);
        assert_eq!(start_token("/bahasa en"), None);
        assert_eq!(start_token("halo tok"), None);
        assert_eq!(start_token("hello"), None);
    }

    #[test]
    fn text_becomes_start_or_text() {
        assert_eq!(
            Content::from_text("MULAI tok"),
            Content::Start {
                token: Some("tok".into())
            }
        );
        assert_eq!(Content::from_text("2"), Content::Text("2".into()));
    }
}
