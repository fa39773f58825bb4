//! A Telegram update read into what the conversation core understands: an [`Inbound`], or
//! one of the few things only Telegram has (a multiple-choice toggle edited in the keyboard
//! itself, a chat member update saying the bot was blocked).
//!
//! Updates arrive as JSON and are [`decode`]d defensively before teloxide sees them: only the
//! kinds the bot reads are handed to teloxide's `Update` (the others are answered and
//! forgotten unread), and teloxide's decoding runs under `catch_unwind`, because some of
//! its decoders panic on shapes the Bot API does send (a `message_reaction` without `user`
//! or `actor_chat`). What teloxide cannot read is logged once, by update id and kind, and
//! answered like any ignored update, so Telegram never redelivers it. Recorded updates and
//! where their shapes come from: `testdata/README.md`; a new shape goes there, with its row
//! in `tests/payloads.rs`, then into [`read`].

use std::panic::AssertUnwindSafe;

use serde_json::Value;
use teloxide::types::{
    CallbackQueryId, ChatId, InlineKeyboardMarkup, MessageId, MessageKind, Update, UpdateKind,
};

use super::render::{CallbackCodec, Press, checked_values};
use crate::conversation::{Content, Inbound};
use crate::model::{Channel, Lang};

/// The update kinds [`read`] does something with; every other kind is answered unread.
pub const READ_KINDS: [&str; 4] = [
    "message",
    "edited_message",
    "callback_query",
    "my_chat_member",
];

/// An update as it came off the wire, before [`read`].
#[derive(Debug)]
pub enum Decoded {
    /// An update of a kind the bot reads, as teloxide reads it.
    Update(Box<Update>),
    /// A kind the bot does not read (reactions, polls, channel posts, …): not decoded.
    Unused {
        /// The update id.
        id: Option<u64>,
        /// The update's kind (its field name).
        kind: String,
    },
    /// A kind the bot reads, in a shape teloxide cannot decode (or panics on).
    Unreadable {
        /// The update id.
        id: Option<u64>,
        /// The update's kind.
        kind: String,
    },
    /// Not a JSON object with an `update_id`.
    NotAnUpdate,
}

impl Decoded {
    /// The update id, when there is one (polling confirms updates by it).
    pub fn id(&self) -> Option<u64> {
        match self {
            Decoded::Update(u) => Some(u64::from(u.id.0)),
            Decoded::Unused { id, .. } | Decoded::Unreadable { id, .. } => *id,
            Decoded::NotAnUpdate => None,
        }
    }
}

/// The update id and kind of an update, read in one pass that skips every value (cheap,
/// and nothing of teloxide runs).
struct Probe {
    id: Option<u64>,
    kind: Option<String>,
}

impl<'de> serde::Deserialize<'de> for Probe {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Probe;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a Telegram update")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Probe, A::Error> {
                let mut probe = Probe {
                    id: None,
                    kind: None,
                };
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    if key == "update_id" {
                        probe.id = map.next_value::<Value>()?.as_u64();
                    } else {
                        map.next_value::<serde::de::IgnoredAny>()?;
                        probe.kind.get_or_insert_with(|| key.into_owned());
                    }
                }
                Ok(probe)
            }
        }
        d.deserialize_map(Visitor)
    }
}

/// Decodes one update from its JSON text; see the module docs.
pub fn decode(body: &[u8]) -> Decoded {
    let Ok(Probe { id: Some(id), kind }) = serde_json::from_slice::<Probe>(body) else {
        return Decoded::NotAnUpdate;
    };
    let kind = kind.unwrap_or_default();
    if !READ_KINDS.contains(&kind.as_str()) {
        return Decoded::Unused { id: Some(id), kind };
    }
    let id = Some(id);
    // teloxide unwraps inside some decoders; a panic there must cost one update, not the
    // webhook's connection or the polling task. (From the text, not from a `Value`:
    // teloxide's `UpdateKind` decoder loses the key of a `Value` map and reads nothing.)
    match std::panic::catch_unwind(AssertUnwindSafe(|| serde_json::from_slice::<Update>(body))) {
        // teloxide turns a kind it cannot decode into `UpdateKind::Error` instead of failing.
        Ok(Ok(u)) if !matches!(u.kind, UpdateKind::Error(_)) => Decoded::Update(Box::new(u)),
        Ok(_) => Decoded::Unreadable { id, kind },
        Err(_) => {
            crate::server::note_panic("telegram update decoding");
            Decoded::Unreadable { id, kind }
        }
    }
}

/// [`decode`] for an update already parsed as JSON (`getUpdates` answers a list).
pub fn decode_value(raw: &Value) -> Decoded {
    decode(raw.to_string().as_bytes())
}

/// What an update asks for.
#[derive(Debug)]
pub enum Read {
    /// A message for the conversation core.
    Message {
        /// The message.
        inbound: Inbound,
        /// The chat.
        chat: ChatId,
        /// For a button press: the callback to answer (stops the client's spinner) and the
        /// pressed message, whose keyboard goes away once the answer is taken.
        press: Option<(CallbackQueryId, MessageId)>,
    },
    /// A multiple-choice option ticked or unticked: the keyboard of `message` is edited,
    /// nothing is stored.
    Toggle {
        /// The callback to answer.
        query: CallbackQueryId,
        /// The chat.
        chat: ChatId,
        /// The message whose keyboard changes.
        message: MessageId,
        /// Its keyboard as the update carries it.
        keyboard: Option<InlineKeyboardMarkup>,
        /// The prompt and value toggled.
        prompt: String,
        /// The value toggled.
        value: String,
    },
    /// The respondent blocked (`true`) or unblocked the bot in a private chat.
    Membership {
        /// The chat.
        chat: ChatId,
        /// Whether the bot can no longer write there.
        blocked: bool,
    },
    /// A button of a message not sent in a chat (inline mode): only the spinner to stop.
    Foreign(CallbackQueryId),
    /// Nothing for the bot (groups, edits, other kinds of update).
    Ignored,
}

/// Reads one update. Button data this bot did not make (or an older version of it made)
/// becomes a choice for no prompt, which the engine answers as a stale button.
pub fn read(update: &Update, codec: &CallbackCodec, languages: &[Lang]) -> Read {
    let message_id = Some(update.id.0.to_string());
    let hint = |code: Option<&str>| {
        code.and_then(Lang::from_tag)
            .filter(|l| languages.contains(l))
    };
    match &update.kind {
        UpdateKind::Message(m) => {
            // Service messages (an auto-delete timer set, a message pinned) are notices,
            // not something the person said: silence, not the "text only" hint.
            if !m.chat.is_private() || !matches!(m.kind, MessageKind::Common(_)) {
                return Read::Ignored;
            }
            // A forwarded text is taken as an answer like a typed one (ARCHITECTURE.md,
            // "Forwarded messages").
            let content = match m.text() {
                Some(t) => Content::from_text(t),
                None => Content::Unsupported,
            };
            let user = m.from.as_ref();
            Read::Message {
                inbound: Inbound {
                    channel: Channel::Telegram,
                    address: m.chat.id.0.to_string(),
                    message_id,
                    content,
                    language_hint: hint(user.and_then(|u| u.language_code.as_deref())),
                    profile_name: user.map(|u| u.first_name.clone()),
                },
                chat: m.chat.id,
                press: None,
            }
        }
        UpdateKind::CallbackQuery(q) => {
            let Some(msg) = &q.message else {
                return Read::Foreign(q.id.clone());
            };
            let chat = msg.chat().id;
            let keyboard = msg
                .regular_message()
                .and_then(|m| m.reply_markup().cloned());
            let press = q.data.as_deref().and_then(|d| codec.decode(d));
            let content = match press {
                Some(Press::Toggle { prompt, value }) => {
                    return Read::Toggle {
                        query: q.id.clone(),
                        chat,
                        message: msg.id(),
                        keyboard,
                        prompt,
                        value,
                    };
                }
                Some(Press::Done { prompt }) => {
                    // The ticks live in the keyboard itself: read them back from it.
                    let value = keyboard
                        .as_ref()
                        .map(|kb| checked_values(codec, kb, &prompt))
                        .unwrap_or_default();
                    Content::Choice { prompt, value }
                }
                Some(Press::Choose { prompt, value }) => Content::Choice { prompt, value },
                None => Content::Choice {
                    prompt: String::new(),
                    value: String::new(),
                },
            };
            Read::Message {
                inbound: Inbound {
                    channel: Channel::Telegram,
                    address: chat.0.to_string(),
                    message_id,
                    content,
                    language_hint: hint(q.from.language_code.as_deref()),
                    profile_name: Some(q.from.first_name.clone()),
                },
                chat,
                press: Some((q.id.clone(), msg.id())),
            }
        }
        UpdateKind::MyChatMember(m) if m.chat.is_private() => Read::Membership {
            chat: m.chat.id,
            blocked: m.new_chat_member.is_banned() || m.new_chat_member.is_left(),
        },
        _ => Read::Ignored,
    }
}
