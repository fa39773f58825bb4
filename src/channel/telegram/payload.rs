//! A Telegram update read into what the conversation core understands: an [`Inbound`], or
//! one of the few things only Telegram has (a multiple-choice toggle edited in the keyboard
//! itself, a chat member update saying the bot was blocked).

use teloxide::types::{
    CallbackQueryId, ChatId, InlineKeyboardMarkup, MessageId, Update, UpdateKind,
};

use super::render::{CallbackCodec, Press, checked_values};
use crate::conversation::{Content, Inbound};
use crate::model::{Channel, Lang};

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
            if !m.chat.is_private() {
                return Read::Ignored;
            }
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
