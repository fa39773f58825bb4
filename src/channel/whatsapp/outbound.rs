//! What the bot sends on its own (invitations, reminders). WhatsApp allows free-form
//! messages only within 24 hours of the respondent's last message; outside that window only
//! an approved template may go, so the wave's template is used, and a message without one
//! is refused with the reason. A free-form message the API refuses with 131047
//! (re-engagement required: the window closed, or our record of it was wrong) falls back to
//! the template too.

use super::api::ApiError;
use super::receive::Shared;
use super::render;
use super::{CHANNEL, e164};
use crate::channel::rate::Priority;
use crate::channel::{Outbound, OutboundMessage, ReserveFuture, SendError, SendFuture, Template};
use crate::store::SentKind;
use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;

/// How long after a respondent's message free-form messages are allowed.
pub const WINDOW: Duration = Duration::hours(24);

/// Whether the window opened by a message at `last` is still open at `now`.
pub fn window_open(last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    last.is_some_and(|t| now.signed_duration_since(t) < WINDOW)
}

/// The WhatsApp side of [`Outbound`].
pub struct WhatsAppOutbound {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for WhatsAppOutbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WhatsAppOutbound")
    }
}

/// How a refused send is reported to the dispatcher.
pub(crate) fn send_error(e: ApiError) -> SendError {
    match e {
        ApiError::RateLimited { code, .. } => SendError::RetryAfter(match code {
            // Too many to one recipient: Meta asks for a pause with that person.
            131056 => std::time::Duration::from_secs(6),
            _ => std::time::Duration::from_secs(1),
        }),
        ApiError::Transient(m) => SendError::Transient(m),
        ApiError::Uncertain(m) => SendError::Uncertain(m),
        // Codes only: Meta's message can quote the number, and these texts are logged and
        // stored in the outbox.
        ApiError::Unreachable { code, .. } => {
            SendError::Unreachable(format!("WhatsApp error {code}"))
        }
        ApiError::Rejected { code, .. } => SendError::Rejected(format!("WhatsApp error {code}")),
        ApiError::ReEngagement(_) => SendError::Rejected(
            "131047 re-engagement required and no template configured for this message".into(),
        ),
    }
}

impl WhatsAppOutbound {
    /// Sends `message` to `address` (E.164, with or without `+`); see the module docs.
    pub async fn send_message(
        &self,
        address: &str,
        message: &OutboundMessage,
    ) -> Result<Vec<String>, SendError> {
        self.send_with(address, message, false).await
    }

    /// [`WhatsAppOutbound::send_message`]; with `reserved` the first request's slot of the
    /// number's budget was already taken ([`Outbound::reserve`]).
    async fn send_with(
        &self,
        address: &str,
        message: &OutboundMessage,
        reserved: bool,
    ) -> Result<Vec<String>, SendError> {
        let first = if reserved {
            Priority::Reserved
        } else {
            Priority::Reminder
        };
        let address = e164(address)
            .ok_or_else(|| SendError::Rejected("not a WhatsApp number (E.164)".into()))?;
        let now = self.shared.clock.now();
        let last = self
            .shared
            .conv()
            .store
            .whatsapp()
            .whatsapp_last_inbound(&address)
            .await
            .map_err(|e| SendError::Transient(e.to_string()))?;
        if !window_open(last, now) || message.replies.is_empty() {
            return match &message.template {
                Some(t) => self
                    .send_template(&address, t, first)
                    .await
                    .map(|id| vec![id]),
                None => Err(SendError::Rejected(
                    "more than 24 hours since the respondent's last WhatsApp message: only an \
                     approved template may be sent, and this message has none (configure \
                     template_name and template_language on the wave)"
                        .into(),
                )),
            };
        }
        let mut ids = Vec::new();
        let mut priority = first;
        for reply in &message.replies {
            for out in render::render(reply, &self.shared.list_button) {
                let sent = self.shared.send(&address, &out, priority).await;
                priority = Priority::Reminder;
                match sent {
                    Ok(id) if id.is_empty() => {}
                    Ok(id) => ids.push(id),
                    Err(ApiError::ReEngagement(_)) if ids.is_empty() => {
                        return match &message.template {
                            Some(t) => self
                                .send_template(&address, t, Priority::Reminder)
                                .await
                                .map(|id| vec![id]),
                            None => Err(send_error(ApiError::ReEngagement(
                                "the 24-hour window is closed".into(),
                            ))),
                        };
                    }
                    Err(e) => return Err(send_error(e)),
                }
            }
        }
        Ok(ids)
    }

    async fn send_template(
        &self,
        address: &str,
        t: &Template,
        priority: Priority,
    ) -> Result<String, SendError> {
        let body = render::template_json(address.trim_start_matches('+'), t);
        let id = self
            .shared
            .api
            .send_once(&body, priority)
            .await
            .map_err(send_error)?;
        self.shared.record_sent(&id, address, SentKind::Template);
        Ok(id)
    }
}

impl Outbound for WhatsAppOutbound {
    fn channel(&self) -> &'static str {
        CHANNEL
    }

    fn send<'a>(&'a self, address: &'a str, message: &'a OutboundMessage) -> SendFuture<'a> {
        Box::pin(self.send_message(address, message))
    }

    fn reserve<'a>(&'a self, address: &'a str) -> ReserveFuture<'a> {
        Box::pin(self.shared.api.reserve(address))
    }

    fn send_reserved<'a>(
        &'a self,
        address: &'a str,
        message: &'a OutboundMessage,
    ) -> SendFuture<'a> {
        Box::pin(self.send_with(address, message, true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_24_hours() {
        let t0 = DateTime::from_timestamp(1_764_493_200, 0).unwrap();
        assert!(!window_open(None, t0));
        assert!(window_open(Some(t0), t0 + Duration::hours(23)));
        assert!(!window_open(Some(t0), t0 + Duration::hours(24)));
    }
}
