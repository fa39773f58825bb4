//! The Telegram channel: a bot on the Bot API through teloxide, by long polling or by
//! webhook (a router that joins the process's [`HttpServer`](crate::server::HttpServer)).
//!
//! - [`TelegramConfig`]: the token and settings, from the environment over `[telegram]`.
//! - [`render`]: how replies look (HTML, inline keyboards, callback data ≤ 64 bytes).
//! - [`outbound`]: failures mapped to [`SendError`](crate::channel::SendError), token
//!   redaction, and [`TelegramOutbound`] for invitations and reminders.
//! - [`receive`]: updates in (polling or webhook), read by [`payload`] into
//!   [`Inbound`](crate::conversation::Inbound)s for the shared receiver; per-chat ordering.
//! - [`send`]: queued replies to the Bot API (the channel's
//!   [`Deliver`](crate::conversation::Deliver)), remembering the last keyboard per chat.

pub mod outbound;
pub mod payload;
pub mod receive;
pub mod render;
pub mod send;

pub use outbound::{TelegramOutbound, classify, redact};
pub use receive::{TelegramBot, UpdateOutcome};

use crate::config::TelegramFile;
use teloxide::Bot;

/// The channel name stored in `channel_bindings` (the address is the chat id).
pub const CHANNEL: &str = "telegram";

/// The public Bot API.
pub const DEFAULT_API_URL: &str = "https://api.telegram.org";

/// The webhook path used when the webhook URL has none.
pub const DEFAULT_WEBHOOK_PATH: &str = "/telegram/webhook";

/// What is wrong with the Telegram settings.
#[derive(Debug, thiserror::Error)]
pub enum TelegramError {
    /// No token anywhere.
    #[error(
        "no Telegram bot token: set TELEGRAM_BOT_TOKEN (or bot_token under [telegram] in \
         jejak.toml) to the token BotFather gave you; to try a survey without Telegram, \
         run `jejak chat`"
    )]
    MissingToken,
    /// A token that cannot be one (`<digits>:<secret>`).
    #[error("TELEGRAM_BOT_TOKEN does not look like a bot token (expected <digits>:<secret>)")]
    BadToken,
    /// The API URL does not parse.
    #[error("TELEGRAM_API_URL is not a URL: {0}")]
    BadApiUrl(String),
    /// The webhook URL does not parse.
    #[error("TELEGRAM_WEBHOOK_URL is not an http(s) URL: {0}")]
    BadWebhookUrl(String),
    /// The webhook secret breaks Telegram's rule.
    #[error("TELEGRAM_WEBHOOK_SECRET must be 1–256 characters of A-Z a-z 0-9 _ -")]
    BadWebhookSecret,
    /// `TELEGRAM_OPEN_MODE` or `TELEGRAM_OPEN_IDENTITY` is not a boolean.
    #[error("{name} must be true or false, not {value:?}")]
    BadFlag {
        /// The variable.
        name: &'static str,
        /// What it says.
        value: String,
    },
    /// The system's random source failed (for a generated webhook secret).
    #[error("cannot generate a webhook secret: {0}")]
    Random(String),
}

/// The Telegram settings after merging environment and file. `Debug` hides the token.
#[derive(Clone)]
pub struct TelegramConfig {
    /// The bot token (a secret).
    pub token: String,
    /// Bot API base URL.
    pub api_url: reqwest::Url,
    /// The bot's username, for personal `t.me` links.
    pub bot_username: Option<String>,
    /// Webhook mode when set: the public URL Telegram posts updates to.
    pub webhook_url: Option<reqwest::Url>,
    /// The secret Telegram sends in `X-Telegram-Bot-Api-Secret-Token`.
    pub webhook_secret: String,
    /// Whether a chat without a personal link may start as an anonymous respondent;
    /// `None` follows the flow's `open` setting.
    pub open_mode: Option<bool>,
    /// In open mode, a chat without a personal link must prove it is on the roster first.
    pub open_identity: bool,
}

impl std::fmt::Debug for TelegramConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelegramConfig")
            .field("token", &"<redacted>")
            .field("api_url", &self.api_url.as_str())
            .field("bot_username", &self.bot_username)
            .field(
                "webhook_url",
                &self.webhook_url.as_ref().map(|u| u.as_str()),
            )
            .field("webhook_secret", &"<redacted>")
            .field("open_mode", &self.open_mode)
            .finish()
    }
}

/// Whether `s` is a valid webhook secret: 1–256 of `A-Za-z0-9_-`.
pub fn is_valid_secret(s: &str) -> bool {
    (1..=256).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn is_plausible_token(t: &str) -> bool {
    match t.split_once(':') {
        Some((id, secret)) => {
            !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_digit())
                && !secret.is_empty()
                && secret
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        }
        None => false,
    }
}

impl TelegramConfig {
    /// Merges the environment (`TELEGRAM_BOT_TOKEN`, `TELEGRAM_API_URL`,
    /// `TELEGRAM_WEBHOOK_URL`, `TELEGRAM_WEBHOOK_SECRET`, `TELEGRAM_OPEN_MODE`,
    /// `TELEGRAM_BOT_USERNAME`) over `[telegram]`. `env` reads a variable (a closure so
    /// tests need not touch the process environment). Empty values count as unset.
    pub fn resolve(
        file: Option<&TelegramFile>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<TelegramConfig, TelegramError> {
        let file = file.cloned().unwrap_or_default();
        let pick = |var: &str, from_file: Option<String>| {
            env(var)
                .filter(|v| !v.trim().is_empty())
                .or(from_file.filter(|v| !v.trim().is_empty()))
                .map(|v| v.trim().to_string())
        };
        let token =
            pick("TELEGRAM_BOT_TOKEN", file.bot_token).ok_or(TelegramError::MissingToken)?;
        if !is_plausible_token(&token) {
            return Err(TelegramError::BadToken);
        }
        let api_url =
            pick("TELEGRAM_API_URL", file.api_url).unwrap_or_else(|| DEFAULT_API_URL.into());
        let api_url =
            reqwest::Url::parse(&api_url).map_err(|e| TelegramError::BadApiUrl(e.to_string()))?;
        let webhook_url = pick("TELEGRAM_WEBHOOK_URL", file.webhook_url)
            .map(|u| {
                reqwest::Url::parse(&u)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https"))
                    .ok_or(TelegramError::BadWebhookUrl(u))
            })
            .transpose()?;
        let webhook_secret = match pick("TELEGRAM_WEBHOOK_SECRET", file.webhook_secret) {
            Some(s) if is_valid_secret(&s) => s,
            Some(_) => return Err(TelegramError::BadWebhookSecret),
            None => random_secret()?,
        };
        let flag = |name: &'static str| match env(name).filter(|v| !v.trim().is_empty()) {
            Some(v) => match v.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => Ok(Some(true)),
                "0" | "false" | "no" | "off" => Ok(Some(false)),
                _ => Err(TelegramError::BadFlag { name, value: v }),
            },
            None => Ok(None),
        };
        let open_mode = flag("TELEGRAM_OPEN_MODE")?.or(file.open_mode);
        let open_identity = flag("TELEGRAM_OPEN_IDENTITY")?
            .or(file.open_identity)
            .unwrap_or(false);
        Ok(TelegramConfig {
            token,
            api_url,
            bot_username: pick("TELEGRAM_BOT_USERNAME", file.bot_username),
            webhook_url,
            webhook_secret,
            open_mode,
            open_identity,
        })
    }

    /// A teloxide bot for this token and API URL.
    pub fn bot(&self) -> Result<Bot, TelegramError> {
        let client = teloxide::net::default_reqwest_settings()
            .build()
            .map_err(|e| TelegramError::BadApiUrl(e.to_string()))?;
        Ok(Bot::with_client(self.token.clone(), client).set_api_url(self.api_url.clone()))
    }

    /// The path the webhook router serves: the webhook URL's path, or
    /// [`DEFAULT_WEBHOOK_PATH`] when it has none.
    pub fn webhook_path(&self) -> String {
        match &self.webhook_url {
            Some(u) if u.path() != "/" && !u.path().is_empty() => u.path().to_string(),
            _ => DEFAULT_WEBHOOK_PATH.to_string(),
        }
    }

    /// The URL given to `setWebhook`: the configured one, with the default path if it has
    /// none.
    pub fn webhook_target(&self) -> Option<reqwest::Url> {
        self.webhook_url.as_ref().map(|u| {
            let mut u = u.clone();
            u.set_path(&self.webhook_path());
            u
        })
    }
}

/// 32 random URL-safe characters, for a webhook secret nobody configured.
fn random_secret() -> Result<String, TelegramError> {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).map_err(|e| TelegramError::Random(e.to_string()))?;
    use base64::Engine as _;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn env_overrides_the_file() {
        let file = TelegramFile {
            bot_token: Some("1:file".into()),
            api_url: Some("http://file.example".into()),
            open_mode: Some(false),
            ..Default::default()
        };
        let c = TelegramConfig::resolve(Some(&file), env_of(&[("TELEGRAM_BOT_TOKEN", "2:env")]))
            .unwrap();
        assert_eq!(c.token, "2:env");
        assert_eq!(c.api_url.as_str(), "http://file.example/");
        assert_eq!(c.open_mode, Some(false));
        assert!(c.webhook_url.is_none());
        assert!(is_valid_secret(&c.webhook_secret));
        assert!(!format!("{c:?}").contains("2:env"));
    }

    #[test]
    fn missing_token_names_the_variable_and_jejak_chat() {
        let e = TelegramConfig::resolve(None, env_of(&[])).unwrap_err();
        let s = e.to_string();
        assert!(
            s.contains("TELEGRAM_BOT_TOKEN") && s.contains("jejak chat"),
            "{s}"
        );
    }

    #[test]
    fn webhook_settings_are_checked() {
        let bad = TelegramConfig::resolve(
            None,
            env_of(&[
                ("TELEGRAM_BOT_TOKEN", "1:a"),
                ("TELEGRAM_WEBHOOK_SECRET", "no spaces"),
            ]),
        );
        assert!(matches!(bad, Err(TelegramError::BadWebhookSecret)));
        let c = TelegramConfig::resolve(
            None,
            env_of(&[
                ("TELEGRAM_BOT_TOKEN", "1:a"),
                ("TELEGRAM_WEBHOOK_URL", "https://bot.example.sch.id"),
            ]),
        )
        .unwrap();
        assert_eq!(c.webhook_path(), DEFAULT_WEBHOOK_PATH);
        assert_eq!(
            c.webhook_target().unwrap().as_str(),
            "https://bot.example.sch.id/telegram/webhook"
        );
    }
}
