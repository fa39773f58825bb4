//! Queued reply parts to WhatsApp: each part rendered as buttons, a list or texts
//! ([`render`](super::render)), sent in order with the shared retry policy through the
//! number's [`PlatformRate`](crate::channel::PlatformRate) (shared with reminder waves, which
//! give way to replies), and recorded for delivery statuses.

use std::sync::Arc;

use super::outbound::send_error;
use super::receive::Shared;
use super::render;
use crate::channel::rate::Priority;
use crate::channel::{RetryPolicy, SendError};
use crate::conversation::{Deliver, DeliverFuture};
use crate::model::Channel;
use crate::store::QueuedReply;

/// WhatsApp's [`Deliver`].
pub(crate) struct WhatsAppSend {
    pub(crate) shared: Arc<Shared>,
    pub(crate) retry: RetryPolicy,
}

impl WhatsAppSend {
    async fn send(&self, part: &QueuedReply) -> Result<Option<String>, SendError> {
        let mut last = None;
        for out in render::render(&part.reply, &self.shared.list_button) {
            let id = self
                .retry
                .run(|| async {
                    self.shared
                        .send(&part.address, &out, Priority::Reply)
                        .await
                        .map_err(send_error)
                })
                .await?;
            if !id.is_empty() {
                last = Some(id);
            }
        }
        Ok(last)
    }
}

impl Deliver for WhatsAppSend {
    fn channel(&self) -> Channel {
        Channel::WhatsApp
    }

    fn deliver<'a>(&'a self, part: &'a QueuedReply) -> DeliverFuture<'a> {
        Box::pin(self.send(part))
    }
}
