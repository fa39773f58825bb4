//! The WhatsApp Cloud API channel.
//!
//! - [`webhook`]: `GET`/`POST` on [`WEBHOOK_PATH`]; signed bodies are stored, then answered
//!   200 at once.
//! - [`receive`]: the background [`Processor`] reading stored bodies ([`payload`]) into
//!   [`Inbound`](crate::conversation::Inbound)s for the shared receiver, and delivery
//!   statuses.
//! - [`render`]: engine replies as buttons, lists or texts within WhatsApp's limits.
//! - [`send`]: queued replies to the Graph API (the channel's
//!   [`Deliver`](crate::conversation::Deliver)).
//! - [`api`]: the Graph API client (rate limit, error codes, retries).
//! - [`outbound`]: [`WhatsAppOutbound`], the channel's [`crate::channel::Outbound`], minding
//!   the 24-hour window and falling back to templates.
//!
//! Respondents are identified by number: bound before, matched to the roster's phone
//! (E.164), or bound by a first message `MULAI <token>` / `START <token>`. A sender who
//! hides their number (WhatsApp usernames) is identified by their business-scoped user id
//! ([`bsuid`]) the same way, except that no roster phone can match it; a changed number
//! (`user_changed_number`) moves the binding, history and all.
//!
//! Wiring into `jejak run`: [`start`] gives the router to merge into
//! [`crate::server::HttpServer`], the processor to spawn with the shutdown signal, and the
//! outbound sender for reminder waves.

pub mod api;
/// The injectable clock (shared with the scheduler).
pub use crate::clock;
pub mod config;
pub mod outbound;
pub mod payload;
pub mod receive;
pub mod render;
pub mod send;
pub mod webhook;
mod writer;

use crate::channel::PlatformRate;
use crate::conversation::{Conversations, Receiver, ReplySender};
use crate::store::StoreError;
use api::{ApiError, GraphApi};
use axum::Router;
use clock::Clock;
use config::WhatsAppConfig;
pub use outbound::WhatsAppOutbound;
pub use receive::Processor;
use std::sync::Arc;

/// The channel name in `channel_bindings` and `inbound_messages`.
pub const CHANNEL: &str = "whatsapp";

/// Where Meta sends webhooks (configure `https://<host><WEBHOOK_PATH>` in the Meta app).
pub const WEBHOOK_PATH: &str = "/webhook/whatsapp";

/// The running parts of the channel.
pub struct WhatsApp {
    /// The webhook routes, to merge into the HTTP server.
    pub router: Router,
    /// The background processor: spawn `processor.run(shutdown)`.
    pub processor: Processor,
    /// Sends invitations and reminders (for the wave dispatcher).
    pub outbound: Arc<WhatsAppOutbound>,
    /// Hands dead letters that staff retry to this channel's processor (for the console).
    pub retry: RetryQueue,
}

/// The way into a running channel's processor for a dead letter staff retry (see
/// [`RetryQueue::retry`]). Without one (no WhatsApp channel in this process), a retried
/// body is processed at the next start of `jejak run`.
#[derive(Debug, Clone)]
pub struct RetryQueue(tokio::sync::mpsc::UnboundedSender<(i64, String)>);

/// What retrying a dead letter did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retried {
    /// Handed to the running processor: it is being processed now.
    Now,
    /// Pending again; processed at the next start of the channel.
    AtNextStart,
    /// No dead letter has this id (retried already, or never dead).
    NotDead,
}

impl RetryQueue {
    /// Makes dead letter `id` pending again and, with a running processor, hands it over;
    /// if handling fails three times again it is dead-lettered again with the new reason.
    pub async fn retry(
        queue: Option<&RetryQueue>,
        store: &crate::store::Store,
        id: i64,
    ) -> Result<Retried, StoreError> {
        let Some(body) = store.whatsapp().whatsapp_retry_dead(id).await? else {
            return Ok(Retried::NotDead);
        };
        Ok(match queue {
            Some(q) if q.0.send((id, body)).is_ok() => Retried::Now,
            // A stopped processor: the body waits, stored, as any pending one.
            _ => Retried::AtNextStart,
        })
    }
}

impl std::fmt::Debug for WhatsApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WhatsApp").finish_non_exhaustive()
    }
}

/// Why the channel could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The HTTP client could not be built.
    #[error("WhatsApp API client: {0}")]
    Api(#[from] ApiError),
    /// The store failed (loading bodies left from the last run).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Starts the channel with a receiver of its own (see [`start_with`]).
pub async fn start(
    config: &WhatsAppConfig,
    conv: Conversations,
    clock: Arc<dyn Clock>,
) -> Result<WhatsApp, StartError> {
    let rate = Arc::new(api::number_rate(config));
    start_with(
        config,
        Arc::new(Receiver::new(conv, clock.clone())),
        clock,
        rate,
    )
    .await
}

/// Starts the channel on the process's shared `receiver`: the writer task now; the
/// processor (and the reply sender's sweep) when its `run` is spawned. Bodies stored but
/// not processed before the last stop are handled first. Replies and reminders both send
/// within `rate`, the number's budget.
pub async fn start_with(
    config: &WhatsAppConfig,
    receiver: Arc<Receiver>,
    clock: Arc<dyn Clock>,
    rate: Arc<PlatformRate>,
) -> Result<WhatsApp, StartError> {
    let api = GraphApi::new(config)?.with_rate(rate);
    let store = receiver.conversations().store.clone();
    let writer = writer::Writer::spawn(store.clone());
    let pending = store.whatsapp().whatsapp_pending_inbound().await?;
    let (queue, rx) = tokio::sync::mpsc::unbounded_channel();
    let retry = RetryQueue(queue.clone());
    let router = webhook::router(webhook::WebhookState {
        app_secret: config.app_secret.clone(),
        verify_token: config.verify_token.clone(),
        writer: writer.clone(),
        queue,
        clock: clock.clone(),
    });
    let shared = Arc::new(receive::Shared::new(
        receiver,
        api,
        writer,
        clock.clone(),
        config.phone_number_id.clone(),
    ));
    let platform = send::WhatsAppSend {
        shared: shared.clone(),
        retry: config.retry,
    };
    let sender = Arc::new(ReplySender::new(store, Arc::new(platform), clock));
    Ok(WhatsApp {
        router,
        processor: Processor {
            shared: shared.clone(),
            sender,
            rx,
            pending,
        },
        outbound: Arc::new(WhatsAppOutbound { shared }),
        retry,
    })
}

/// A WhatsApp number in E.164 (`+6281234567890`) from the webhook's `from` (digits, no
/// `+`) or a stored address; `None` unless it is 8–15 digits.
pub fn e164(number: &str) -> Option<String> {
    let digits = number.trim().strip_prefix('+').unwrap_or(number.trim());
    let ok = (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| format!("+{digits}"))
}

/// A business-scoped user id (`ID.1410018717833190`, `US.ENT.11815799212886844830`):
/// two capital letters, then dot-separated runs of letters and digits, at most 140
/// characters; `None` otherwise. WhatsApp gives it for every sender since 2026 and, for one
/// who hides their number behind a username, instead of the number.
pub fn bsuid(id: &str) -> Option<String> {
    let id = id.trim();
    let (country, rest) = id.split_once('.')?;
    let ok = country.len() == 2
        && country.bytes().all(|b| b.is_ascii_uppercase())
        && id.len() <= 140
        && rest
            .split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric()));
    ok.then(|| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(e164("6281234567890").as_deref(), Some("+6281234567890"));
        assert_eq!(e164("ID.1410018717833190"), None);
        assert_eq!(
            bsuid("ID.1410018717833190").as_deref(),
            Some("ID.1410018717833190")
        );
        assert_eq!(
            bsuid("US.ENT.11815799212886844830").as_deref(),
            Some("US.ENT.11815799212886844830")
        );
        assert_eq!(bsuid("6281234567890"), None);
        assert_eq!(bsuid("id.123"), None);
        assert_eq!(bsuid("ID."), None);
        assert_eq!(bsuid("ID.12 3"), None);
        assert_eq!(bsuid("+6281234567890"), None);
    }
}
