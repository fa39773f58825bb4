//! Chat channels: each translates platform messages into an
//! [`Inbound`](crate::conversation::Inbound) for the one
//! [`Receiver`](crate::conversation::Receiver), and queued replies into platform messages.
//! What the bot says on its own (reminders) goes through [`Outbound`].

pub mod console;
pub mod rate;
pub mod split;
pub mod telegram;
pub mod web;
pub mod whatsapp;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::engine::Reply;

pub use crate::model::Channel;
pub use rate::PlatformRate;

/// Why a platform did not take a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The platform's rate limit: wait this long, then send again.
    #[error("rate limited; retry after {0:?}")]
    RetryAfter(Duration),
    /// The respondent cannot be reached on this address (blocked the bot, deactivated,
    /// number not on the platform): do not send again.
    #[error("recipient unreachable: {0}")]
    Unreachable(String),
    /// A failure that may pass (network error, 5xx): send again later, with backoff.
    #[error("temporary failure: {0}")]
    Transient(String),
    /// The platform refused the message itself; sending it again would fail the same way.
    #[error("rejected: {0}")]
    Rejected(String),
    /// The request may have reached the platform but no answer came back (the HTTP
    /// timeout passed, the connection broke after the request was written): the message
    /// may well have been delivered. Like a crash in flight, it is recorded as uncertain
    /// and never sent again blindly (a reply slower than the timeout would otherwise
    /// arrive twice).
    #[error("outcome unknown: {0}")]
    Uncertain(String),
}

impl SendError {
    /// For requests that do the same thing when repeated (setting the command menu,
    /// answering a button press): an unknown outcome is then a failure that may pass.
    pub fn idempotent(self) -> SendError {
        match self {
            SendError::Uncertain(why) => SendError::Transient(why),
            e => e,
        }
    }
}

/// How a channel waits and tries again when a send fails: a rate limit waits what the
/// platform asked; a failure that may pass backs off (`base`, doubling, at most `max`); an
/// unreachable address or a refused message gives up at once. One policy for every channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, the first included.
    pub attempts: u32,
    /// The first wait; each further wait doubles, up to `max`.
    pub base: Duration,
    /// The longest wait.
    pub max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 6,
            base: Duration::from_millis(500),
            max: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The wait before try number `attempt + 1` (after `attempt` failures, from 1).
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = 1u32
            .checked_shl(attempt.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.max)
    }

    /// Runs `op` until it succeeds or the policy gives up; returns the last error.
    pub async fn run<T, F, Fut>(&self, mut op: F) -> Result<T, SendError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SendError>>,
    {
        let mut attempt = 1;
        loop {
            match op().await {
                Ok(v) => return Ok(v),
                Err(e) if attempt >= self.attempts.max(1) => return Err(e),
                Err(SendError::RetryAfter(d)) => {
                    crate::metrics::backoff();
                    tracing::warn!(wait_ms = d.as_millis() as u64, "rate limited; waiting");
                    tokio::time::sleep(d).await;
                }
                Err(SendError::Transient(e)) => {
                    crate::metrics::backoff();
                    let wait = self.delay(attempt);
                    tracing::warn!(error = %e, wait_ms = wait.as_millis() as u64, attempt, "send failed; trying again");
                    tokio::time::sleep(wait).await;
                }
                Err(e) => return Err(e),
            }
            attempt += 1;
        }
    }
}

/// The future of [`Outbound::reserve`].
pub type ReserveFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// A boxed future, so [`Outbound`] can be used as a trait object.
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<Vec<String>, SendError>> + Send + 'a>>;

/// An approved message template, for platforms that only allow templates outside a
/// conversation window (WhatsApp's 24 hours). Configured per wave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// The template's name as approved by the platform.
    pub name: String,
    /// The template's language code (`id`, `en`).
    pub language: String,
    /// Body parameters, in order, already filled from respondent fields.
    pub params: Vec<String>,
}

/// What the bot sends on its own initiative: the replies to show (a reminder text, then the
/// question the respondent is at), and the template to use instead where the platform
/// requires one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundMessage {
    /// The messages, in order, rendered the way the channel renders them.
    pub replies: Vec<Reply>,
    /// Used by channels with a conversation window when the respondent is outside it;
    /// ignored by channels without one (Telegram).
    pub template: Option<Template>,
}

/// Sends what the bot says to one platform address, outside a reply to an inbound
/// message: invitations, reminders. Implemented by each channel.
pub trait Outbound: Send + Sync {
    /// The channel name used in `channel_bindings` (`telegram`, `whatsapp`).
    fn channel(&self) -> &'static str;

    /// Sends `message` to `address` (a chat id, a phone number), in order, rendered the way
    /// the channel renders them (buttons where it has them). Returns the platform's message
    /// ids of what was sent. Does not retry: the caller (the dispatcher) decides when to
    /// try again, from the [`SendError`].
    fn send<'a>(&'a self, address: &'a str, message: &'a OutboundMessage) -> SendFuture<'a>;

    /// Waits for the slot of a message's first platform request to `address` in the
    /// account's shared send budget (replies first) and takes it. The dispatcher calls this
    /// before it records a row as `sending`, then [`Outbound::send_reserved`] at once, so a
    /// row is `sending` (and `uncertain` after a crash) only while a request is really on
    /// its way. The default (no shared budget) is ready at once.
    fn reserve<'a>(&'a self, address: &'a str) -> ReserveFuture<'a> {
        let _ = address;
        Box::pin(std::future::ready(()))
    }

    /// [`Outbound::send`] with the first request on the slot [`Outbound::reserve`] took
    /// (later requests of the message wait for theirs). The default is `send`.
    fn send_reserved<'a>(
        &'a self,
        address: &'a str,
        message: &'a OutboundMessage,
    ) -> SendFuture<'a> {
        self.send(address, message)
    }
}
