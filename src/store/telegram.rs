//! What the Telegram channel needs beyond the common respondent methods: binding a chat under
//! the one-chat-per-respondent rule (migration 0003), and the language of first contact.

use chrono::{DateTime, Utc};

use rusqlite::OptionalExtension;

use super::error::db;
use super::group::{prepare, sqlite_error};
use super::{RespondentId, Result, Store, get, to_ms};
use crate::model::Lang;

/// The channel name of Telegram bindings.
const TELEGRAM: &str = "telegram";

/// The result of [`Store::bind_telegram_chat`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TelegramBind {
    /// The chat is now (or already was) bound to the respondent.
    Bound,
    /// The respondent is bound to another chat: refuse.
    RespondentHasOtherChat,
    /// The chat is bound to another respondent: refuse.
    ChatHasOtherRespondent(RespondentId),
}

impl Store {
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
        const OWNER: &str =
            "SELECT respondent_id FROM channel_bindings WHERE channel = $1 AND address = $2";
        let verdict = move |owner: Option<RespondentId>| match owner {
            Some(owner) if owner == id => TelegramBind::Bound,
            Some(owner) => TelegramBind::ChatHasOtherRespondent(owner),
            None => TelegramBind::RespondentHasOtherChat,
        };
        if let Some(group) = &self.group {
            let chat = chat.to_owned();
            let at = to_ms(now);
            return group
                .write(move |tx| {
                    let err = |e: rusqlite::Error| sqlite_error("binding a Telegram chat", &e);
                    let inserted = prepare(tx, BIND)
                        .and_then(|mut s| s.execute(rusqlite::params![id, TELEGRAM, chat, at]))
                        .map_err(err)?;
                    if inserted == 1 {
                        return Ok(TelegramBind::Bound);
                    }
                    let owner = prepare(tx, OWNER)
                        .and_then(|mut s| {
                            s.query_row(rusqlite::params![TELEGRAM, chat], |r| r.get(0))
                                .optional()
                        })
                        .map_err(err)?;
                    Ok(verdict(owner))
                })
                .await;
        }
        let inserted = sqlx::query(BIND)
            .bind(id)
            .bind(TELEGRAM)
            .bind(chat)
            .bind(to_ms(now))
            .execute(&self.writer)
            .await
            .map_err(db("binding a Telegram chat"))?
            .rows_affected();
        if inserted == 1 {
            return Ok(TelegramBind::Bound);
        }
        let owner = sqlx::query(OWNER)
            .bind(TELEGRAM)
            .bind(chat)
            .fetch_optional(&self.writer)
            .await
            .map_err(db("binding a Telegram chat"))?;
        let owner = owner
            .as_ref()
            .map(|r| get(r, "respondent_id"))
            .transpose()?;
        Ok(verdict(owner))
    }

    /// Sets a respondent's language unless one is set already (first contact: Telegram's
    /// `language_code`; a roster's choice wins).
    pub async fn set_language_if_unset(&self, id: RespondentId, lang: Lang) -> Result<()> {
        const SQL: &str = "UPDATE respondents SET language = $1 WHERE id = $2 AND language IS NULL";
        if let Some(group) = &self.group {
            return group
                .write(move |tx| {
                    prepare(tx, SQL)
                        .and_then(|mut s| s.execute(rusqlite::params![lang.tag(), id]))
                        .map(drop)
                        .map_err(|e| sqlite_error("setting a respondent's language", &e))
                })
                .await;
        }
        sqlx::query(SQL)
            .bind(lang.tag())
            .bind(id)
            .execute(&self.writer)
            .await
            .map_err(db("setting a respondent's language"))?;
        Ok(())
    }
}
