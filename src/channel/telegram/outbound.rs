//! Sending to Telegram: the one place that turns the Bot API's failures into
//! [`SendError`]s (with the bot token scrubbed from every message), and
//! [`TelegramOutbound`], the [`Outbound`] the dispatcher uses for invitations and reminders.

use std::sync::Arc;

use teloxide::prelude::*;
use teloxide::requests::{JsonRequest, Payload};
use teloxide::types::{ChatId, InlineKeyboardMarkup, MessageId, ParseMode};
use teloxide::{ApiError, RequestError};

use super::TelegramConfig;
use super::render::{Renderer, TgMessage};
use crate::channel::{
    Outbound, OutboundMessage, PlatformRate, ReserveFuture, SendError, SendFuture,
};
use crate::flow::Flow;
use crate::i18n::Catalog;
use crate::model::Lang;

/// Replaces the bot token, and anything shaped like one in a Bot API URL path
/// (`/bot<digits>:<secret>`), with `<redacted>`. Errors of the HTTP client include the
/// request URL, which holds the token.
pub fn redact(text: &str, token: &str) -> String {
    let mut s = if token.is_empty() {
        text.to_string()
    } else {
        text.replace(token, "<redacted>")
    };
    // Tokens not known here (another bot's, a token changed at run time).
    let mut out = String::with_capacity(s.len());
    while let Some(i) = s.find("/bot") {
        out.push_str(&s[..i + 4]);
        let rest = &s[i + 4..];
        let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
        if digits > 0 && rest[digits..].starts_with(':') {
            let secret = rest[digits + 1..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .count();
            out.push_str("<redacted>");
            s = rest[digits + 1 + secret..].to_string();
        } else {
            s = rest.to_string();
        }
    }
    out.push_str(&s);
    out
}

/// Descriptions the Bot API gives with 5xx answers (teloxide keeps the description, not
/// the status code).
fn is_server_error(description: &str) -> bool {
    let d = description.to_ascii_lowercase();
    [
        "internal server error",
        "bad gateway",
        "service unavailable",
        "gateway timeout",
        "internal error",
    ]
    .iter()
    .any(|p| d.contains(p))
        || d.starts_with("5")
}

/// Classifies a Bot API failure: 429 → [`SendError::RetryAfter`]; 403 blocked / deactivated /
/// kicked → [`SendError::Unreachable`]; a timeout or a connection lost after the request
/// left → [`SendError::Uncertain`]; no connection, unparsable answers and 5xx →
/// [`SendError::Transient`]; any other refusal → [`SendError::Rejected`]. The token never
/// appears in the result.
pub fn classify(e: &RequestError, token: &str) -> SendError {
    let text = redact(&e.to_string(), token);
    match e {
        RequestError::RetryAfter(s) => SendError::RetryAfter(s.duration()),
        RequestError::Api(api) => match api {
            ApiError::BotBlocked
            | ApiError::UserDeactivated
            | ApiError::BotKicked
            | ApiError::BotKickedFromSupergroup
            | ApiError::BotKickedFromChannel
            | ApiError::CantInitiateConversation
            | ApiError::CantTalkWithBots => SendError::Unreachable(text),
            ApiError::Unknown(d) if d.starts_with("Forbidden") => SendError::Unreachable(text),
            ApiError::Unknown(d) if is_server_error(d) => SendError::Transient(text),
            _ => SendError::Rejected(text),
        },
        // No connection was made: nothing reached the Bot API, so trying again is safe.
        RequestError::Network(n) if n.is_connect() => SendError::Transient(text),
        // The timeout passed or the connection broke once the request was on its way: the
        // message may have been delivered (Telegram answers only after storing it).
        RequestError::Network(n) if n.is_timeout() || n.is_request() || n.is_body() => {
            SendError::Uncertain(text)
        }
        RequestError::Network(_) | RequestError::Io(_) | RequestError::InvalidJson { .. } => {
            SendError::Transient(text)
        }
        RequestError::MigrateToChatId(_) => SendError::Rejected(text),
    }
}

/// Sends one rendered message; returns its id.
pub async fn send_one(bot: &Bot, chat: ChatId, m: &TgMessage) -> Result<MessageId, SendError> {
    let payload = SendHtml {
        chat_id: chat,
        text: m.html.clone(),
        parse_mode: ParseMode::Html,
        reply_markup: m.keyboard.clone(),
    };
    JsonRequest::new(bot.clone(), payload)
        .await
        .map(|sent| MessageId(sent.message_id))
        .map_err(|e| classify(&e, bot.token()))
}

/// `sendMessage` as the bot uses it, answered with only the new message's id.
///
/// Why not teloxide's own `SendMessage`: its answer is a whole `Message`, whose decoding
/// (a dozen nested untagged enums) took more CPU than anything else of a send in the
/// webhook benchmark, and only the id is ever used.
#[derive(Debug, Clone, serde::Serialize)]
struct SendHtml {
    chat_id: ChatId,
    text: String,
    parse_mode: ParseMode,
    #[serde(skip_serializing_if = "Option::is_none")]
    reply_markup: Option<InlineKeyboardMarkup>,
}

/// The part of a sent `Message` the bot reads.
#[derive(Debug, serde::Deserialize)]
struct SentId {
    // A plain number: teloxide's `MessageId` decodes from a `{"message_id": …}` object.
    message_id: i32,
}

impl Payload for SendHtml {
    type Output = SentId;
    const NAME: &'static str = "SendMessage";
}

/// Removes the keyboard of a message (the question was answered).
pub async fn clear_keyboard(bot: &Bot, chat: ChatId, id: MessageId) -> Result<(), SendError> {
    match bot.edit_message_reply_markup(chat, id).await {
        Ok(_) => Ok(()),
        // Already without keyboard (a redelivered press): nothing to do.
        Err(RequestError::Api(ApiError::MessageNotModified)) => Ok(()),
        Err(e) => Err(classify(&e, bot.token())),
    }
}

/// Replaces the keyboard of a message (a multiple-choice toggle).
pub async fn set_keyboard(
    bot: &Bot,
    chat: ChatId,
    id: MessageId,
    kb: InlineKeyboardMarkup,
) -> Result<(), SendError> {
    match bot
        .edit_message_reply_markup(chat, id)
        .reply_markup(kb)
        .await
    {
        Ok(_) | Err(RequestError::Api(ApiError::MessageNotModified)) => Ok(()),
        Err(e) => Err(classify(&e, bot.token())),
    }
}

/// The retry policy of sends, shared by every channel.
pub use crate::channel::RetryPolicy;

/// Sends what the bot says on its own initiative (invitations, reminders) to a Telegram
/// chat, rendered exactly as the live bot renders its replies. Does not retry: the
/// dispatcher decides from the [`SendError`].
#[derive(Clone)]
pub struct TelegramOutbound {
    bot: Bot,
    renderer: Arc<Renderer>,
    catalog: Arc<Catalog>,
    lang: Lang,
    rate: Arc<PlatformRate>,
}

impl std::fmt::Debug for TelegramOutbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The bot holds the token: never print it.
        f.debug_struct("TelegramOutbound")
            .field("api_url", &self.bot.api_url().as_str())
            .finish_non_exhaustive()
    }
}

impl TelegramOutbound {
    /// An outbound channel from a teloxide bot (already pointed at its API URL), rendering
    /// the buttons of `flow`'s questions. `lang` labels the "done" button of
    /// multiple-choice keyboards.
    pub fn new(bot: Bot, flow: &Flow, catalog: Arc<Catalog>, lang: Lang) -> Self {
        TelegramOutbound {
            bot,
            renderer: Arc::new(Renderer::new(flow)),
            catalog,
            lang,
            rate: Arc::new(PlatformRate::unlimited()),
        }
    }

    /// Sends within `rate`, the bot's budget shared with conversation replies (the
    /// dispatcher's own pacing then only divides the wave's part among workers).
    pub fn with_rate(mut self, rate: Arc<PlatformRate>) -> Self {
        self.rate = rate;
        self
    }

    /// An outbound channel from the resolved configuration (token and API URL).
    pub fn from_config(
        config: &TelegramConfig,
        flow: &Flow,
        catalog: Arc<Catalog>,
    ) -> Result<Self, super::TelegramError> {
        Ok(Self::new(config.bot()?, flow, catalog, flow.default_lang()))
    }
}

impl Outbound for TelegramOutbound {
    fn channel(&self) -> &'static str {
        super::CHANNEL
    }

    fn send<'a>(&'a self, address: &'a str, message: &'a OutboundMessage) -> SendFuture<'a> {
        Box::pin(self.send_message(address, message, false))
    }

    fn reserve<'a>(&'a self, address: &'a str) -> ReserveFuture<'a> {
        Box::pin(self.rate.acquire_reminder(address))
    }

    fn send_reserved<'a>(
        &'a self,
        address: &'a str,
        message: &'a OutboundMessage,
    ) -> SendFuture<'a> {
        Box::pin(self.send_message(address, message, true))
    }
}

impl TelegramOutbound {
    /// Sends every rendered message in order, each on its slot of the bot's budget; with
    /// `reserved` the first slot was already taken ([`Outbound::reserve`]).
    async fn send_message(
        &self,
        address: &str,
        message: &OutboundMessage,
        reserved: bool,
    ) -> Result<Vec<String>, SendError> {
        let chat: i64 = address
            .trim()
            .parse()
            // Not the value itself: whatever it is, errors end up in logs.
            .map_err(|_| SendError::Rejected("not a Telegram chat id".into()))?;
        let chat = ChatId(chat);
        let mut ids = Vec::new();
        let mut slot_taken = reserved;
        for reply in &message.replies {
            for m in self.renderer.render(reply, &self.catalog, self.lang) {
                if !std::mem::take(&mut slot_taken) {
                    self.rate.acquire_reminder(address).await;
                }
                let id = send_one(&self.bot, chat, &m).await?;
                ids.push(id.0.to_string());
            }
        }
        Ok(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn tokens_are_redacted() {
        let token = "123456:ABC-def_ghi";
        let s =
            "error sending request for url (http://127.0.0.1:9/bot123456:ABC-def_ghi/SendMessage)";
        let r = redact(s, token);
        assert!(!r.contains("ABC-def_ghi"), "{r}");
        assert!(r.contains("/bot<redacted>/SendMessage"), "{r}");
        let other = redact("https://api.telegram.org/bot999:zzzSECRET/GetMe failed", "");
        assert!(!other.contains("zzzSECRET"), "{other}");
        assert_eq!(redact("/bottle of water", token), "/bottle of water");
    }

    #[test]
    fn failures_are_classified() {
        let t = "1:x";
        assert_eq!(
            classify(
                &RequestError::RetryAfter(teloxide::types::Seconds::from_seconds(3)),
                t
            ),
            SendError::RetryAfter(Duration::from_secs(3))
        );
        assert!(matches!(
            classify(&RequestError::Api(ApiError::BotBlocked), t),
            SendError::Unreachable(_)
        ));
        assert!(matches!(
            classify(&RequestError::Api(ApiError::UserDeactivated), t),
            SendError::Unreachable(_)
        ));
        assert!(matches!(
            classify(
                &RequestError::Api(ApiError::Unknown("Internal Server Error".into())),
                t
            ),
            SendError::Transient(_)
        ));
        assert!(matches!(
            classify(&RequestError::Api(ApiError::ChatNotFound), t),
            SendError::Rejected(_)
        ));
    }
}
