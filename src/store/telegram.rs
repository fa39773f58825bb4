//! What the Telegram channel needs beyond the common respondent methods: binding a chat under
//! the one-chat-per-respondent rule (migration 0003), and the language of first contact.

use chrono::{DateTime, Utc};

use super::respondents::BindingInsert;
use super::{RespondentId, Respondents, Result};

/// The channel name of Telegram bindings.
const TELEGRAM: &str = "telegram";

/// The result of [`Respondents::bind_telegram_chat`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TelegramBind {
    /// The chat is now (or already was) bound to the respondent.
    Bound,
    /// The respondent is bound to another chat: refuse.
    RespondentHasOtherChat,
    /// The chat is bound to another respondent: refuse.
    ChatHasOtherRespondent(RespondentId),
}

impl Respondents<'_> {
    /// Binds `address` on `channel` to a respondent under the rule every channel keeps:
    /// one address per respondent per channel (a unique index: migration 0003 for
    /// Telegram, 0020 for the others), one respondent per address (the primary key). Two
    /// addresses racing for one token cannot both win: the index decides in the insert
    /// itself, and the loser sees [`TelegramBind::RespondentHasOtherChat`].
    pub async fn bind_exclusive(
        &self,
        channel: &str,
        id: RespondentId,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<TelegramBind> {
        const BIND: &str = "INSERT INTO channel_bindings (respondent_id, channel, address, bound_at) \
                            VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
        let found = self
            .insert_binding(BIND, "binding a channel address", id, channel, address, now)
            .await?;
        Ok(match found {
            BindingInsert::Inserted => TelegramBind::Bound,
            BindingInsert::Conflict(Some(owner)) if owner == id => TelegramBind::Bound,
            BindingInsert::Conflict(Some(owner)) => TelegramBind::ChatHasOtherRespondent(owner),
            BindingInsert::Conflict(None) => TelegramBind::RespondentHasOtherChat,
        })
    }

    /// Binds Telegram chat `chat` to a respondent, unless the respondent already has another
    /// chat or the chat another respondent. Safe against two chats racing for one token:
    /// the unique index decides, and the loser sees [`TelegramBind::RespondentHasOtherChat`].
    pub async fn bind_telegram_chat(
        &self,
        id: RespondentId,
        chat: &str,
        now: DateTime<Utc>,
    ) -> Result<TelegramBind> {
        // No conflict target: DO NOTHING covers both the (channel, address) key and the
        // one-chat-per-respondent index, on SQLite and PostgreSQL alike.
        const BIND: &str = "INSERT INTO channel_bindings (respondent_id, channel, address, bound_at) \
                            VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
        let found = self
            .insert_binding(BIND, "binding a Telegram chat", id, TELEGRAM, chat, now)
            .await?;
        Ok(match found {
            BindingInsert::Inserted => TelegramBind::Bound,
            BindingInsert::Conflict(Some(owner)) if owner == id => TelegramBind::Bound,
            BindingInsert::Conflict(Some(owner)) => TelegramBind::ChatHasOtherRespondent(owner),
            BindingInsert::Conflict(None) => TelegramBind::RespondentHasOtherChat,
        })
    }
}
