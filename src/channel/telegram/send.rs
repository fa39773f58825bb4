//! Queued reply parts to Telegram: each part rendered as HTML messages (the last with its
//! keyboard), sent in order with the shared [`RetryPolicy`], each taking its slot of the
//! bot's [`PlatformRate`] (shared with reminder waves). The id of the last message
//! with a keyboard is remembered per chat, so the next answer can take that keyboard away.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use teloxide::Bot;
use teloxide::types::{ChatId, MessageId};

use super::outbound::send_one;
use super::render::Renderer;
use crate::channel::{PlatformRate, RetryPolicy, SendError};
use crate::conversation::{Deliver, DeliverFuture};
use crate::i18n::Catalog;
use crate::model::Channel;
use crate::store::QueuedReply;

/// The last message with a keyboard, per chat. Kept in memory: after a restart an old
/// keyboard may stay, and pressing it is answered as stale by the engine.
#[derive(Debug, Default)]
pub struct Keyboards(Mutex<HashMap<i64, MessageId>>);

impl Keyboards {
    /// Takes the chat's last keyboard message, if any.
    pub fn take(&self, chat: ChatId) -> Option<MessageId> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&chat.0)
    }

    /// Forgets `message` if it is the chat's last keyboard (its keyboard is being removed).
    pub fn forget(&self, chat: ChatId, message: MessageId) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if map.get(&chat.0) == Some(&message) {
            map.remove(&chat.0);
        }
    }

    fn set(&self, chat: ChatId, message: MessageId) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(chat.0, message);
    }
}

/// Telegram's [`Deliver`].
pub struct TelegramSend {
    pub(super) bot: Bot,
    pub(super) renderer: Arc<Renderer>,
    pub(super) catalog: Arc<Catalog>,
    pub(super) retry: RetryPolicy,
    pub(super) keyboards: Arc<Keyboards>,
    pub(super) rate: Arc<PlatformRate>,
}

impl TelegramSend {
    async fn send(&self, part: &QueuedReply) -> Result<Option<String>, SendError> {
        // Not the value itself: whatever it is, errors end up in logs and the outbox.
        let chat: i64 = part
            .address
            .trim()
            .parse()
            .map_err(|_| SendError::Rejected("not a Telegram chat id".into()))?;
        let chat = ChatId(chat);
        let mut last = None;
        for m in self.renderer.render(&part.reply, &self.catalog, part.lang) {
            let id = self
                .retry
                .run(|| async {
                    self.rate.acquire_reply(&part.address).await;
                    send_one(&self.bot, chat, &m).await
                })
                .await?;
            if m.keyboard.is_some() {
                self.keyboards.set(chat, id);
            }
            last = Some(id.0.to_string());
        }
        Ok(last)
    }
}

impl Deliver for TelegramSend {
    fn channel(&self) -> Channel {
        Channel::Telegram
    }

    fn deliver<'a>(&'a self, part: &'a QueuedReply) -> DeliverFuture<'a> {
        Box::pin(self.send(part))
    }
}
