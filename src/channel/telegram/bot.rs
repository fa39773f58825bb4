//! The live bot: each update from Telegram (polled or posted to the webhook) becomes one
//! conversation step, committed with its `update_id` in one transaction, then the replies
//! are sent. Updates of one chat run in order (a lock per chat); different chats run
//! concurrently.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use chrono::Utc;
use teloxide::prelude::*;
use teloxide::types::{
    BotCommand, BotCommandScope, InlineKeyboardMarkup, MessageId, Update, UpdateKind,
};
use tokio::sync::watch;

use super::outbound::{RetryPolicy, classify, clear_keyboard, send_one, set_keyboard};
use super::render::{Press, Renderer, TgMessage, checked_values, toggled};
use super::{CHANNEL, TelegramConfig};
use crate::channel::SendError;
use crate::conversation::{ConversationError, Conversations, Handled};
use crate::engine::{Input, Reply};
use crate::i18n::Msg;
use crate::model::{Lang, RespondentFields};
use crate::roster::identity;
use crate::store::{NewRespondent, RespondentId, StoreError, TelegramBind};

/// The header Telegram sends the webhook secret in.
pub const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";

/// Why an update could not be processed. Telegram delivers it again (the webhook answers
/// 500; polling does not confirm it), and exactly-once processing makes that safe.
#[derive(Debug, thiserror::Error)]
pub enum BotError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The conversation could not be stepped.
    #[error(transparent)]
    Conversation(#[from] ConversationError),
}

/// What became of one update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateOutcome {
    /// A step ran and its replies were sent (or the chat turned out unreachable).
    Handled,
    /// The update had been processed before: nothing changed, nothing sent.
    Duplicate,
    /// Nothing to do (a kind of update the bot does not use, a toggle, a refusal).
    Ignored,
}

/// Per-chat state kept in memory: the lock that orders a chat's updates, and the last
/// message that carries a keyboard (removed when the next answer comes, so the chat reads
/// cleanly; after a restart an old keyboard may stay, and pressing it is answered as stale).
#[derive(Default)]
struct ChatState {
    last_keyboard: Option<MessageId>,
    /// The respondent bound to the chat, once known. Bindings are never deleted or moved,
    /// so the cache cannot go stale; it saves a database read per update.
    respondent: Option<RespondentId>,
}

/// The Telegram bot: conversation service, renderer and the teloxide client.
pub struct TelegramBot {
    bot: Bot,
    conv: Conversations,
    renderer: Renderer,
    open_mode: bool,
    /// In open mode, chats without a personal link prove they are on the roster first.
    identity: Option<identity::Policy>,
    retry: RetryPolicy,
    poll_timeout: u32,
    chats: std::sync::Mutex<HashMap<i64, Arc<tokio::sync::Mutex<ChatState>>>>,
}

/// What one update asks for, after reading it.
enum Incoming {
    /// A text message (commands included).
    Text(String),
    /// A message without text (photo, sticker, …).
    NotText,
    /// A button press.
    Press {
        query_id: teloxide::types::CallbackQueryId,
        data: Option<String>,
        message: Option<(MessageId, Option<InlineKeyboardMarkup>)>,
    },
}

impl TelegramBot {
    /// A bot for `conv`'s flow on the teloxide client `bot`. Open mode (anonymous
    /// respondents from a plain `/start`) follows `open_mode`, else the flow's `open`.
    pub fn new(bot: Bot, conv: Conversations, open_mode: Option<bool>) -> Self {
        let renderer = Renderer::new(&conv.flow);
        let open_mode = open_mode.unwrap_or(conv.flow.open);
        TelegramBot {
            bot,
            conv,
            renderer,
            open_mode,
            identity: None,
            retry: RetryPolicy::default(),
            poll_timeout: 25,
            chats: std::sync::Mutex::new(HashMap::new()),
        }
    }

    /// A bot from the resolved configuration.
    pub fn from_config(
        config: &TelegramConfig,
        conv: Conversations,
    ) -> Result<Self, super::TelegramError> {
        let bot = Self::new(config.bot()?, conv, config.open_mode);
        Ok(if config.open_identity {
            bot.with_identity_check(identity::Policy::default())
        } else {
            bot
        })
    }

    /// In open mode, asks a chat without a personal link for its external id (NISN/NIM)
    /// and birth date and binds it to that roster respondent, instead of starting an
    /// anonymous respondent; failures are limited by `policy`.
    pub fn with_identity_check(mut self, policy: identity::Policy) -> Self {
        self.identity = Some(policy);
        self
    }

    /// Changes how sends are retried (tests use short back-offs).
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Changes the long-polling timeout in seconds (default 25).
    pub fn with_poll_timeout(mut self, seconds: u32) -> Self {
        self.poll_timeout = seconds;
        self
    }

    /// The teloxide client.
    pub fn client(&self) -> &Bot {
        &self.bot
    }

    /// Registers the commands shown in Telegram's menu, in Indonesian (the default for every
    /// user) and English (`language_code` `en`).
    pub async fn set_commands(&self) -> Result<(), SendError> {
        for (lang, code) in [(Lang::Id, None), (Lang::En, Some("en"))] {
            let cat = &self.conv.catalog;
            let names: [(&str, &str, Msg); 8] = [
                ("mulai", "start", Msg::TgCmdStart),
                ("kembali", "back", Msg::TgCmdBack),
                ("lewati", "skip", Msg::TgCmdSkip),
                ("ringkasan", "summary", Msg::TgCmdSummary),
                ("bahasa", "language", Msg::TgCmdLanguage),
                ("ulang", "restart", Msg::TgCmdRestart),
                ("berhenti", "stop", Msg::TgCmdStop),
                ("bantuan", "help", Msg::TgCmdHelp),
            ];
            let commands: Vec<BotCommand> = names
                .iter()
                .map(|(id, en, msg)| {
                    let name = if lang == Lang::En { *en } else { *id };
                    BotCommand::new(name, cat.t(lang, *msg))
                })
                .collect();
            let retry = self.retry;
            retry
                .run(|| async {
                    let mut req = self
                        .bot
                        .set_my_commands(commands.clone())
                        .scope(BotCommandScope::Default);
                    if let Some(code) = code {
                        req = req.language_code(code);
                    }
                    req.await
                        .map(|_| ())
                        .map_err(|e| classify(&e, self.bot.token()))
                })
                .await?;
        }
        Ok(())
    }

    fn chat(&self, chat: i64) -> Arc<tokio::sync::Mutex<ChatState>> {
        let mut map = self.chats.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(chat).or_default().clone()
    }

    /// Processes one update: at most one conversation step, committed exactly once.
    pub async fn handle_update(&self, update: &Update) -> Result<UpdateOutcome, BotError> {
        self.process(update, false)
            .await
            .map(|(outcome, _)| outcome)
    }

    /// Processes one update as [`Self::handle_update`] does, but leaves the removal of the
    /// answered keyboard to the caller as a Bot API call to answer the webhook with: Telegram
    /// makes that call itself, which saves the bot one request per answer. The removal is
    /// cosmetic, so not hearing whether it worked costs nothing.
    async fn process(
        &self,
        update: &Update,
        defer_cleanup: bool,
    ) -> Result<(UpdateOutcome, Option<WebhookCall>), BotError> {
        let outcome = |o: UpdateOutcome| (o, None);
        let (chat, user, incoming) = match &update.kind {
            UpdateKind::Message(m) => {
                if !m.chat.is_private() {
                    return Ok(outcome(UpdateOutcome::Ignored));
                }
                let incoming = match m.text() {
                    Some(t) => Incoming::Text(t.to_string()),
                    None => Incoming::NotText,
                };
                (m.chat.id, m.from.as_ref(), incoming)
            }
            UpdateKind::CallbackQuery(q) => {
                let Some(msg) = &q.message else {
                    // A button of an inline message: not ours. Still stop the spinner.
                    self.answer_callback(&q.id).await;
                    return Ok(outcome(UpdateOutcome::Ignored));
                };
                let keyboard = msg
                    .regular_message()
                    .and_then(|m| m.reply_markup().cloned());
                (
                    msg.chat().id,
                    Some(&q.from),
                    Incoming::Press {
                        query_id: q.id.clone(),
                        data: q.data.clone(),
                        message: Some((msg.id(), keyboard)),
                    },
                )
            }
            UpdateKind::MyChatMember(m) if m.chat.is_private() => {
                // The respondent blocked (or unblocked) the bot: Telegram tells us before
                // any send fails, so reminders stop at once.
                let address = m.chat.id.0.to_string();
                if let Some(id) = self
                    .conv
                    .store
                    .respondent_by_channel(CHANNEL, &address)
                    .await?
                {
                    let blocked = m.new_chat_member.is_banned() || m.new_chat_member.is_left();
                    self.conv.store.mark_unreachable(id, blocked).await?;
                }
                return Ok(outcome(UpdateOutcome::Ignored));
            }
            _ => return Ok(outcome(UpdateOutcome::Ignored)),
        };
        let user_lang = user
            .and_then(|u| u.language_code.as_deref())
            .and_then(Lang::from_tag)
            .filter(|l| self.conv.flow.languages.contains(l));
        let lock = self.chat(chat.0);
        let mut state = lock.lock().await;
        let update_id = update.id.0.to_string();

        // The button spinner stops at once; what the press did shows in the chat.
        let (input, pressed) = match incoming {
            Incoming::Text(t) => (Some(Input::Text(t)), None),
            Incoming::NotText => (None, None),
            Incoming::Press {
                query_id,
                data,
                message,
            } => {
                self.answer_callback(&query_id).await;
                let press = data.as_deref().and_then(|d| self.renderer.codec.decode(d));
                let Some(press) = press else {
                    // Not made by this bot (or by an older version of it): treat as stale.
                    return self
                        .reply_plain(chat, user_lang, Msg::StaleButton)
                        .await
                        .map(|_| outcome(UpdateOutcome::Ignored));
                };
                match press {
                    Press::Toggle { prompt, value } => {
                        if let Some((id, Some(kb))) = &message
                            && let Some(kb) = toggled(&self.renderer.codec, kb, &prompt, &value)
                            && let Err(e) = set_keyboard(&self.bot, chat, *id, kb).await
                        {
                            tracing::warn!(error = %e, "cannot update a multiple-choice keyboard");
                        }
                        return Ok(outcome(UpdateOutcome::Ignored));
                    }
                    Press::Done { prompt } => {
                        let values = message
                            .as_ref()
                            .and_then(|(_, kb)| kb.as_ref())
                            .map(|kb| checked_values(&self.renderer.codec, kb, &prompt))
                            .unwrap_or_default();
                        (
                            Some(Input::Button {
                                prompt,
                                value: values,
                            }),
                            message.map(|m| m.0),
                        )
                    }
                    Press::Choose { prompt, value } => {
                        (Some(Input::Button { prompt, value }), message.map(|m| m.0))
                    }
                }
            }
        };

        let start_token = match &input {
            Some(Input::Text(t)) => start_token(t).map(str::to_string),
            _ => None,
        };
        let mut input = input;
        if let Some(policy) = self.identity
            && self.open_mode
            && state.respondent.is_none()
            && start_token.is_none()
            && self
                .conv
                .store
                .respondent_by_channel(CHANNEL, &chat.0.to_string())
                .await?
                .is_none()
        {
            let text = match &input {
                Some(Input::Text(t)) => t.as_str(),
                _ => "",
            };
            match self.identify(chat, user_lang, text, &policy).await? {
                Some(id) => {
                    state.respondent = Some(id);
                    // Verified: the survey starts as after a personal link.
                    input = Some(Input::Text("/start".into()));
                }
                None => return Ok(outcome(UpdateOutcome::Ignored)),
            }
        }
        let respondent = match self
            .respondent(chat, state.respondent, user_lang, start_token.as_deref())
            .await?
        {
            Ok(id) => {
                state.respondent = Some(id);
                id
            }
            Err(refusal) => {
                return self
                    .reply_plain(chat, user_lang, refusal)
                    .await
                    .map(|_| outcome(UpdateOutcome::Ignored));
            }
        };
        let Some(mut input) = input else {
            self.reply_plain(chat, user_lang, Msg::TgOnlyText).await?;
            return Ok(outcome(UpdateOutcome::Ignored));
        };
        if start_token.is_some() {
            // `/start <token>` is `/start` to the engine: the token did its work above.
            input = Input::Text("/start".into());
        }
        let handled = self
            .conv
            .handle(
                respondent,
                &input,
                Some((CHANNEL, update_id.as_str())),
                Utc::now(),
            )
            .await?;
        let replies = match handled {
            Handled::Duplicate => return Ok(outcome(UpdateOutcome::Duplicate)),
            Handled::Replies(r) => r,
        };
        // The answered question's buttons go away: the pressed message, or the last one
        // with a keyboard when the answer was typed.
        let old = pressed.or(state.last_keyboard.take());
        let mut cleanup = None;
        if let Some(id) = old {
            if defer_cleanup {
                cleanup = Some(WebhookCall::clear_keyboard(chat, id));
            } else if let Err(e) = clear_keyboard(&self.bot, chat, id).await {
                tracing::debug!(error = %e, "cannot remove an answered keyboard");
            }
        }
        if pressed.is_some() && state.last_keyboard == pressed {
            state.last_keyboard = None;
        }
        match self.send_replies(chat, respondent, &replies).await {
            Ok(Some(kb)) => state.last_keyboard = Some(kb),
            Ok(None) => {}
            Err(SendError::Unreachable(e)) => {
                tracing::info!(respondent, error = %e, "Telegram chat unreachable; marking respondent");
                self.conv.store.mark_unreachable(respondent, true).await?;
            }
            Err(e) => tracing::warn!(respondent, error = %e, "cannot send replies on Telegram"),
        }
        Ok((UpdateOutcome::Handled, cleanup))
    }

    /// Sends replies in order; returns the id of the last message with a keyboard.
    async fn send_replies(
        &self,
        chat: ChatId,
        respondent: RespondentId,
        replies: &[Reply],
    ) -> Result<Option<MessageId>, SendError> {
        let needs_lang = replies
            .iter()
            .any(|r| r.prompt.as_ref().is_some_and(|p| p.multi));
        let lang = if needs_lang {
            self.conv
                .store
                .respondent(respondent)
                .await
                .ok()
                .flatten()
                .and_then(|r| r.language)
                .unwrap_or(self.conv.flow.default_lang())
        } else {
            self.conv.flow.default_lang()
        };
        let mut last = None;
        for reply in replies {
            for m in self.renderer.render(reply, &self.conv.catalog, lang) {
                let id = self.send(chat, &m).await?;
                if m.keyboard.is_some() {
                    last = Some(id);
                }
            }
        }
        Ok(last)
    }

    async fn send(&self, chat: ChatId, m: &TgMessage) -> Result<MessageId, SendError> {
        self.retry.run(|| send_one(&self.bot, chat, m)).await
    }

    async fn answer_callback(&self, id: &teloxide::types::CallbackQueryId) {
        let r = self
            .retry
            .run(|| async {
                self.bot
                    .answer_callback_query(id.clone())
                    .await
                    .map(|_| ())
                    .map_err(|e| classify(&e, self.bot.token()))
            })
            .await;
        if let Err(e) = r {
            tracing::debug!(error = %e, "cannot answer a callback query");
        }
    }

    /// Sends one fixed message (refusals, "text only"); not part of a step.
    async fn reply_plain(
        &self,
        chat: ChatId,
        lang: Option<Lang>,
        msg: Msg,
    ) -> Result<(), BotError> {
        let lang = lang.unwrap_or(self.conv.flow.default_lang());
        self.say(chat, lang, self.conv.catalog.t(lang, msg)).await;
        Ok(())
    }

    /// The respondent of a chat: the bound one; else enrolment by a `/start <token>`; else
    /// (open mode) a new anonymous respondent. `Err(msg)` is a polite refusal to send.
    async fn respondent(
        &self,
        chat: ChatId,
        cached: Option<RespondentId>,
        user_lang: Option<Lang>,
        token: Option<&str>,
    ) -> Result<Result<RespondentId, Msg>, BotError> {
        let store = &self.conv.store;
        let address = chat.0.to_string();
        let now = Utc::now();
        let bound = match cached {
            Some(id) => Some(id),
            None => store.respondent_by_channel(CHANNEL, &address).await?,
        };
        match (bound, token) {
            (Some(id), None) => Ok(Ok(id)),
            (Some(id), Some(token)) => match store.respondent_by_token(token).await? {
                Some(r) if r.id != id => Ok(Err(Msg::TgOtherLink)),
                _ => Ok(Ok(id)),
            },
            (None, Some(token)) => {
                let Some(r) = store.respondent_by_token(token).await? else {
                    return Ok(Err(Msg::TgBadToken));
                };
                match store.bind_telegram_chat(r.id, &address, now).await? {
                    TelegramBind::Bound => {}
                    TelegramBind::RespondentHasOtherChat => return Ok(Err(Msg::TgTokenTaken)),
                    TelegramBind::ChatHasOtherRespondent(_) => return Ok(Err(Msg::TgOtherLink)),
                }
                if let Some(lang) = user_lang {
                    store.set_language_if_unset(r.id, lang).await?;
                }
                Ok(Ok(r.id))
            }
            (None, None) if self.open_mode => {
                let new = NewRespondent {
                    fields: RespondentFields::default(),
                    language: user_lang,
                    ..Default::default()
                };
                let id = store.upsert_respondent(&new, now).await?;
                match store.bind_telegram_chat(id, &address, now).await? {
                    TelegramBind::Bound => Ok(Ok(id)),
                    // Cannot happen under the chat lock; another process may have won.
                    TelegramBind::ChatHasOtherRespondent(owner) => Ok(Ok(owner)),
                    TelegramBind::RespondentHasOtherChat => Ok(Err(Msg::TgNeedLink)),
                }
            }
            (None, None) => Ok(Err(Msg::TgNeedLink)),
        }
    }

    /// The open-link identity check for an unbound chat: asks for the external id and
    /// birth date, checks what was typed against the roster (attempts are counted per chat
    /// in the database), and binds the chat on a match. Returns the respondent when the
    /// chat is now bound; `None` when a message was sent instead.
    async fn identify(
        &self,
        chat: ChatId,
        user_lang: Option<Lang>,
        text: &str,
        policy: &identity::Policy,
    ) -> Result<Option<RespondentId>, BotError> {
        let store = &self.conv.store;
        let lang = user_lang.unwrap_or(self.conv.flow.default_lang());
        let address = chat.0.to_string();
        let now = Utc::now();
        let catalog = &self.conv.catalog;
        let Some((external_id, birth_date)) = identity::parse_claim(text) else {
            self.reply_plain(chat, user_lang, Msg::IdentityAsk).await?;
            return Ok(None);
        };
        let say = match identity::verify(
            store,
            policy,
            CHANNEL,
            &address,
            &external_id,
            &birth_date,
            now,
        )
        .await?
        {
            identity::Verification::Verified(id) => {
                match store.bind_telegram_chat(id, &address, now).await? {
                    TelegramBind::Bound | TelegramBind::ChatHasOtherRespondent(_) => {}
                    TelegramBind::RespondentHasOtherChat => {
                        self.reply_plain(chat, user_lang, Msg::TgTokenTaken).await?;
                        return Ok(None);
                    }
                }
                let bound = store
                    .respondent_by_channel(CHANNEL, &address)
                    .await?
                    .unwrap_or(id);
                if let Some(lang) = user_lang {
                    store.set_language_if_unset(bound, lang).await?;
                }
                let name = store
                    .respondent(bound)
                    .await?
                    .and_then(|r| r.fields.name)
                    .unwrap_or_default();
                self.say(
                    chat,
                    lang,
                    catalog.ta(lang, Msg::IdentityOk, &[("name", name.as_str())]),
                )
                .await;
                return Ok(Some(bound));
            }
            identity::Verification::Wrong { attempts_left } => catalog.ta(
                lang,
                Msg::IdentityWrong,
                &[("attempts", attempts_left.to_string().as_str())],
            ),
            identity::Verification::Locked { until } => {
                let minutes = ((until - now).num_seconds() + 59) / 60;
                catalog.ta(
                    lang,
                    Msg::IdentityLocked,
                    &[("minutes", minutes.max(1).to_string().as_str())],
                )
            }
        };
        self.say(chat, lang, say).await;
        Ok(None)
    }

    /// Sends a text outside a step; failures are logged (the respondent can simply write
    /// again).
    async fn say(&self, chat: ChatId, lang: Lang, text: String) {
        let reply = Reply::say(text);
        for m in self.renderer.render(&reply, &self.conv.catalog, lang) {
            if let Err(e) = self.send(chat, &m).await {
                tracing::warn!(error = %e, "cannot send a message on Telegram");
                break;
            }
        }
    }

    /// Long polling until `shutdown` turns true. Deletes any webhook first (Telegram refuses
    /// `getUpdates` while one is set). An update is confirmed (the next offset passes it)
    /// only after it was processed, so a crash redelivers it, and the store's exactly-once
    /// bookkeeping turns the redelivery into a no-op.
    pub async fn run_polling(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let retry = self.retry;
        if let Err(e) = retry
            .run(|| async {
                self.bot
                    .delete_webhook()
                    .await
                    .map(|_| ())
                    .map_err(|e| classify(&e, self.bot.token()))
            })
            .await
        {
            tracing::warn!(error = %e, "cannot delete the webhook before polling");
        }
        let mut offset: i32 = 0;
        let mut backoff = Duration::from_millis(500);
        loop {
            if *shutdown.borrow() {
                break;
            }
            let req = self
                .bot
                .get_updates()
                .offset(offset)
                .timeout(self.poll_timeout);
            let res = tokio::select! {
                _ = shutdown.changed() => break,
                r = req.send() => r,
            };
            let updates = match res {
                Ok(u) => {
                    backoff = Duration::from_millis(500);
                    u
                }
                Err(e) => {
                    let wait = match classify(&e, self.bot.token()) {
                        SendError::RetryAfter(d) => d,
                        other => {
                            tracing::warn!(error = %other, "getUpdates failed; retrying");
                            let w = backoff;
                            backoff = (backoff * 2).min(Duration::from_secs(30));
                            w
                        }
                    };
                    tokio::select! {
                        _ = shutdown.changed() => break,
                        _ = tokio::time::sleep(wait) => continue,
                    }
                }
            };
            if let Some(max) = updates.iter().map(|u| u.id.0).max() {
                self.clone().process_batch(updates).await;
                offset = i32::try_from(max).unwrap_or(i32::MAX).saturating_add(1);
            }
        }
        tracing::info!("Telegram polling stopped");
    }

    /// Processes a batch: one task per chat, each chat's updates in order.
    async fn process_batch(self: Arc<Self>, updates: Vec<Update>) {
        let mut by_chat: Vec<(i64, Vec<Update>)> = Vec::new();
        for u in updates {
            let chat = u.chat().map(|c| c.id.0).unwrap_or(0);
            match by_chat.iter_mut().find(|(c, _)| *c == chat) {
                Some((_, list)) => list.push(u),
                None => by_chat.push((chat, vec![u])),
            }
        }
        let mut tasks = tokio::task::JoinSet::new();
        for (_, list) in by_chat {
            let bot = self.clone();
            tasks.spawn(async move {
                for u in list {
                    bot.handle_with_retries(&u).await;
                }
            });
        }
        while tasks.join_next().await.is_some() {}
    }

    /// Processes an update, retrying a failed database a few times; gives up with a log line
    /// (polling cannot hold every later update back for one that keeps failing).
    async fn handle_with_retries(&self, u: &Update) {
        for attempt in 1..=3 {
            match self.handle_update(u).await {
                Ok(_) => return,
                Err(e) => {
                    tracing::error!(update = u.id.0, attempt, error = %e, "cannot process a Telegram update");
                    tokio::time::sleep(Duration::from_millis(500 * attempt)).await;
                }
            }
        }
    }

    /// Registers the webhook (URL and secret) with Telegram.
    pub async fn set_webhook(&self, url: reqwest::Url, secret: &str) -> Result<(), SendError> {
        self.retry
            .run(|| async {
                self.bot
                    .set_webhook(url.clone())
                    .secret_token(secret.to_string())
                    .await
                    .map(|_| ())
                    .map_err(|e| classify(&e, self.bot.token()))
            })
            .await
    }

    /// The webhook route, to merge into the process's HTTP server. A request without the
    /// right `X-Telegram-Bot-Api-Secret-Token` gets 401 and has no effect; an update that
    /// cannot be processed gets 500, so Telegram delivers it again.
    pub fn webhook_router(self: Arc<Self>, path: &str, secret: String) -> axum::Router {
        let secret = Arc::new(secret);
        axum::Router::new().route(
            path,
            post(move |headers: HeaderMap, body: Bytes| {
                let bot = self.clone();
                let secret = secret.clone();
                async move {
                    let given = headers
                        .get(SECRET_HEADER)
                        .map(|v| v.as_bytes())
                        .unwrap_or_default();
                    if !crate::config::constant_time_eq(given, secret.as_bytes()) {
                        return StatusCode::UNAUTHORIZED.into_response();
                    }
                    let update: Update = match serde_json::from_slice(&body) {
                        Ok(u) => u,
                        Err(e) => {
                            tracing::warn!(error = %e, "webhook body is not a Telegram update");
                            return StatusCode::BAD_REQUEST.into_response();
                        }
                    };
                    match bot.process(&update, true).await {
                        Ok((_, Some(call))) => call.into_response(),
                        Ok((_, None)) => StatusCode::OK.into_response(),
                        Err(e) => {
                            tracing::error!(update = update.id.0, error = %e, "cannot process a Telegram update");
                            StatusCode::INTERNAL_SERVER_ERROR.into_response()
                        }
                    }
                }
            }),
        )
    }
}

/// A Bot API call sent back as the webhook's answer, which Telegram then makes on the bot's
/// behalf ("Making requests when getting updates" in the Bot API documentation). Its result
/// is never seen, so only calls whose failure does not matter go this way.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookCall(serde_json::Value);

impl WebhookCall {
    /// `editMessageReplyMarkup` without a markup: removes the message's inline keyboard.
    fn clear_keyboard(chat: ChatId, message: MessageId) -> Self {
        WebhookCall(serde_json::json!({
            "method": "editMessageReplyMarkup",
            "chat_id": chat.0,
            "message_id": message.0,
        }))
    }
}

impl axum::response::IntoResponse for WebhookCall {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

/// The token of `/start <token>` (also `/mulai <token>`, `/start@Bot <token>`), when it has
/// the shape of one (1–64 of `A-Za-z0-9_-`).
pub fn start_token(text: &str) -> Option<&str> {
    let t = text.trim();
    let rest = t.strip_prefix('/')?;
    let (cmd, arg) = rest.split_once(char::is_whitespace)?;
    let cmd = cmd.split('@').next().unwrap_or("").to_ascii_lowercase();
    if cmd != "start" && cmd != "mulai" {
        return None;
    }
    let arg = arg.trim();
    crate::store::is_valid_token(arg).then_some(arg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_tokens() {
        assert_eq!(start_token("/start abc_DEF-1"), Some("abc_DEF-1"));
        assert_eq!(start_token("/start@JejakBot abc"), Some("abc"));
        assert_eq!(start_token("/mulai abc"), Some("abc"));
        assert_eq!(start_token("/start"), None);
        assert_eq!(start_token("/start bad token!"), None);
        assert_eq!(start_token("/bahasa en"), None);
        assert_eq!(start_token("hello"), None);
    }

    #[test]
    fn secrets_compare() {
        assert!(crate::config::constant_time_eq(b"abc", b"abc"));
        assert!(!crate::config::constant_time_eq(b"abc", b"abd"));
        assert!(!crate::config::constant_time_eq(b"", b"abc"));
    }
}
