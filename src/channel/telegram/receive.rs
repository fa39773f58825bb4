//! The live bot: each update from Telegram (polled or posted to the webhook) is read into an
//! [`Inbound`](crate::conversation::Inbound) (see [`payload`](super::payload)) for the
//! shared [`Receiver`], which commits the step and queues its replies in one transaction;
//! the chat's queued replies are then delivered by the channel's [`ReplySender`]. Updates of
//! one chat run in order (a lock per chat); different chats run concurrently.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use teloxide::prelude::*;
use teloxide::requests::{JsonRequest, Payload};
use teloxide::types::{BotCommand, BotCommandScope, MessageId, Update};
use tokio::sync::watch;

use super::outbound::{RetryPolicy, classify, clear_keyboard, set_keyboard};
use super::payload::{self, Decoded, Read};
use super::render::{CallbackCodec, Renderer, toggled};
use super::send::{Keyboards, TelegramSend};
use super::{CHANNEL, TelegramConfig};
use crate::channel::{PlatformRate, SendError};
use crate::clock::SystemClock;
use crate::conversation::KeyedLocks;
use crate::conversation::{Content, Conversations, Receipt, ReceiveError, Receiver, ReplySender};
use crate::i18n::Msg;
use crate::model::Lang;
use crate::roster::identity;
use crate::store::StoreError;

/// The header Telegram sends the webhook secret in.
pub const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";

/// Why an update could not be processed. Telegram delivers it again (the webhook answers
/// 500; polling does not confirm it), and exactly-once processing makes that safe.
#[derive(Debug, thiserror::Error)]
pub enum BotError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The message could not be received.
    #[error(transparent)]
    Receive(#[from] ReceiveError),
}

/// What became of one update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateOutcome {
    /// A step ran and its replies were sent (or the chat turned out unreachable).
    Handled,
    /// The update had been processed before: nothing changed, nothing new sent.
    Duplicate,
    /// Nothing to do (a kind of update the bot does not use, a toggle, a refusal).
    Ignored,
}

/// The Telegram bot: the teloxide client, the shared receiver, and the channel's sender.
pub struct TelegramBot {
    bot: Bot,
    receiver: Arc<Receiver>,
    renderer: Arc<Renderer>,
    retry: RetryPolicy,
    poll_timeout: u32,
    keyboards: Arc<Keyboards>,
    rate: Arc<PlatformRate>,
    sender: Arc<ReplySender>,
    chats: KeyedLocks<i64>,
    /// Callback codecs of older flow versions, by version (see [`Self::codec_for`]).
    old_codecs: std::sync::Mutex<HashMap<i64, Arc<CallbackCodec>>>,
}

impl TelegramBot {
    /// A bot for `conv`'s flow on the teloxide client `bot`, with a receiver of its own.
    /// Open mode (anonymous respondents from a plain `/start`) follows `open_mode`, else
    /// the flow's `open`.
    pub fn new(bot: Bot, conv: Conversations, open_mode: Option<bool>) -> Self {
        let receiver = Receiver::new(conv, Arc::new(SystemClock)).with_open_mode(open_mode);
        Self::with_receiver(bot, Arc::new(receiver))
    }

    /// A bot on the process's shared `receiver`.
    pub fn with_receiver(bot: Bot, receiver: Arc<Receiver>) -> Self {
        let renderer = Arc::new(Renderer::new(&receiver.conversations().flow));
        let keyboards = Arc::new(Keyboards::default());
        let retry = RetryPolicy::default();
        let rate = Arc::new(PlatformRate::unlimited());
        let sender = Self::sender(&bot, &receiver, &renderer, &keyboards, retry, &rate);
        TelegramBot {
            bot,
            receiver,
            renderer,
            retry,
            poll_timeout: 25,
            keyboards,
            rate,
            sender,
            chats: KeyedLocks::new(),
            old_codecs: std::sync::Mutex::new(HashMap::new()),
        }
    }

    fn sender(
        bot: &Bot,
        receiver: &Receiver,
        renderer: &Arc<Renderer>,
        keyboards: &Arc<Keyboards>,
        retry: RetryPolicy,
        rate: &Arc<PlatformRate>,
    ) -> Arc<ReplySender> {
        let conv = receiver.conversations();
        let platform = TelegramSend {
            bot: bot.clone(),
            renderer: renderer.clone(),
            catalog: conv.catalog.clone(),
            retry,
            keyboards: keyboards.clone(),
            rate: rate.clone(),
        };
        Arc::new(ReplySender::new(
            conv.store.clone(),
            Arc::new(platform),
            receiver.clock().clone(),
        ))
    }

    /// A bot from the resolved configuration, with a receiver of its own.
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
    /// and birth date (see [`Receiver::with_identity_check`]). Only for a bot with a
    /// receiver of its own; a shared receiver is configured where it is built.
    pub fn with_identity_check(mut self, policy: identity::Policy) -> Self {
        match Arc::try_unwrap(self.receiver) {
            Ok(r) => self.receiver = Arc::new(r.with_identity_check(policy)),
            Err(shared) => {
                tracing::warn!("identity check not set: the receiver is shared");
                self.receiver = shared;
            }
        }
        self
    }

    /// Changes how sends are retried (tests use short back-offs).
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self.sender = Self::sender(
            &self.bot,
            &self.receiver,
            &self.renderer,
            &self.keyboards,
            retry,
            &self.rate,
        );
        self
    }

    /// Sends replies within `rate`, the bot's budget shared with the reminder waves
    /// (`jejak run` builds one per bot); without it, replies go as fast as the platform
    /// answers.
    pub fn with_rate(mut self, rate: Arc<PlatformRate>) -> Self {
        self.rate = rate;
        self.sender = Self::sender(
            &self.bot,
            &self.receiver,
            &self.renderer,
            &self.keyboards,
            self.retry,
            &self.rate,
        );
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

    /// The channel's reply sender; `jejak run` runs its sweep
    /// ([`ReplySender::run`]) beside the bot.
    pub fn reply_sender(&self) -> Arc<ReplySender> {
        self.sender.clone()
    }

    /// Registers the commands shown in Telegram's menu, in Indonesian (the default for every
    /// user) and English (`language_code` `en`).
    pub async fn set_commands(&self) -> Result<(), SendError> {
        for (lang, code) in [(Lang::Id, None), (Lang::En, Some("en"))] {
            let cat = &self.receiver.conversations().catalog;
            let names: [(&str, &str, Msg); 11] = [
                ("mulai", "start", Msg::TgCmdStart),
                ("kembali", "back", Msg::TgCmdBack),
                ("lewati", "skip", Msg::TgCmdSkip),
                ("ringkasan", "summary", Msg::TgCmdSummary),
                ("ubah", "edit", Msg::TgCmdEdit),
                ("bahasa", "language", Msg::TgCmdLanguage),
                ("ulang", "restart", Msg::TgCmdRestart),
                ("berhenti", "stop", Msg::TgCmdStop),
                ("datasaya", "mydata", Msg::TgCmdMyData),
                ("hapus", "delete", Msg::TgCmdDelete),
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
                        .map_err(|e| classify(&e, self.bot.token()).idempotent())
                })
                .await?;
        }
        Ok(())
    }

    /// Processes one update: at most one conversation step, committed exactly once, and
    /// the chat's queued replies delivered.
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
        let conv = self.receiver.conversations();
        let old_codec = self.codec_for(update).await?;
        let codec = old_codec.as_deref().unwrap_or(&self.renderer.codec);
        let (inbound, chat, press) = match payload::read(update, codec, &conv.flow.languages) {
            Read::Message {
                inbound,
                chat,
                press,
            } => (inbound, chat, press),
            Read::Toggle {
                query,
                chat,
                message,
                keyboard,
                prompt,
                value,
            } => {
                // The ticks live in the keyboard; a redelivered toggle gives the same one.
                self.answer_callback(&query).await;
                if let Some(kb) = keyboard
                    && let Some(kb) = toggled(codec, &kb, &prompt, &value)
                    && let Err(e) = set_keyboard(&self.bot, chat, message, kb).await
                {
                    tracing::warn!(error = %e, "cannot update a multiple-choice keyboard");
                }
                return Ok((UpdateOutcome::Ignored, None));
            }
            Read::Membership { chat, blocked } => {
                // Telegram says so before any send fails, so reminders stop at once.
                let address = chat.0.to_string();
                if let Some(id) = conv
                    .store
                    .respondents()
                    .respondent_by_channel(CHANNEL, &address)
                    .await?
                {
                    conv.store
                        .respondents()
                        .mark_unreachable(id, blocked)
                        .await?;
                }
                return Ok((UpdateOutcome::Ignored, None));
            }
            Read::Foreign(query) => {
                self.answer_callback(&query).await;
                return Ok((UpdateOutcome::Ignored, None));
            }
            Read::Ignored => return Ok((UpdateOutcome::Ignored, None)),
        };
        // The button spinner stops at once; what the press did shows in the chat.
        if let Some((query, _)) = &press {
            self.answer_callback(query).await;
        }
        let _chat = self.chats.lock(chat.0).await;
        self.step(inbound, chat, press, defer_cleanup).await
    }

    /// The codec to read `update`'s button with when the chat's respondent answers another
    /// flow version than the loaded one (their session keeps the version it started), else
    /// `None` (the renderer's). Only hashed callback data (`~`) names prompts and options
    /// the version must resolve, so only a hashed press costs the reads of the binding and
    /// the session; a plain press carries its prompt and value as they are.
    async fn codec_for(&self, update: &Update) -> Result<Option<Arc<CallbackCodec>>, BotError> {
        let teloxide::types::UpdateKind::CallbackQuery(q) = &update.kind else {
            return Ok(None);
        };
        let (Some(data), Some(msg)) = (q.data.as_deref(), &q.message) else {
            return Ok(None);
        };
        if data.get(1..2) != Some("~") {
            return Ok(None);
        }
        let conv = self.receiver.conversations();
        let address = msg.chat().id.0.to_string();
        let Some(id) = conv
            .store
            .respondents()
            .respondent_by_channel(CHANNEL, &address)
            .await?
        else {
            return Ok(None);
        };
        let flow = conv.session_flow(id).await?;
        if flow.version == conv.flow.version {
            return Ok(None);
        }
        let mut codecs = self.old_codecs.lock().unwrap_or_else(|p| p.into_inner());
        let codec = codecs
            .entry(flow.version)
            .or_insert_with(|| Arc::new(CallbackCodec::new(&flow)));
        Ok(Some(codec.clone()))
    }

    /// The rest of [`Self::process`] for a message, under the chat's lock.
    async fn step(
        &self,
        inbound: crate::conversation::Inbound,
        chat: ChatId,
        press: Option<(teloxide::types::CallbackQueryId, MessageId)>,
        defer_cleanup: bool,
    ) -> Result<(UpdateOutcome, Option<WebhookCall>), BotError> {
        let unsupported = inbound.content == Content::Unsupported;
        // Between the step and the delivery of its replies (also after a duplicate: what
        // an earlier delivery left unsent goes now).
        let before_send = async |receipt: Receipt| {
            let stepped = matches!(
                receipt,
                Receipt::Queued {
                    respondent: Some(_),
                    ..
                }
            ) && !unsupported;
            let outcome = match receipt {
                Receipt::Duplicate => UpdateOutcome::Duplicate,
                Receipt::Queued { .. } if stepped => UpdateOutcome::Handled,
                Receipt::Queued { .. } => UpdateOutcome::Ignored,
            };
            // The answered question's buttons go away: the pressed message, or the last
            // one with a keyboard when the answer was typed (before the next question's
            // keyboard is sent).
            let mut cleanup = None;
            if stepped {
                let old = match press {
                    Some((_, pressed)) => {
                        self.keyboards.forget(chat, pressed);
                        Some(pressed)
                    }
                    None => self.keyboards.take(chat),
                };
                if let Some(id) = old {
                    if defer_cleanup {
                        cleanup = Some(WebhookCall::clear_keyboard(chat, id));
                    } else if let Err(e) = clear_keyboard(&self.bot, chat, id).await {
                        tracing::debug!(error = %e, "cannot remove an answered keyboard");
                    }
                }
            }
            (outcome, cleanup)
        };
        let (done, flushed) = self
            .receiver
            .receive_and_send(&inbound, &self.sender, before_send)
            .await?;
        flushed?;
        Ok(done)
    }

    async fn answer_callback(&self, id: &teloxide::types::CallbackQueryId) {
        let r = self
            .retry
            .run(|| async {
                self.bot
                    .answer_callback_query(id.clone())
                    .await
                    .map(|_| ())
                    .map_err(|e| classify(&e, self.bot.token()).idempotent())
            })
            .await;
        if let Err(e) = r {
            tracing::debug!(error = %e, "cannot answer a callback query");
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
                    .map_err(|e| classify(&e, self.bot.token()).idempotent())
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
            // The updates come back as JSON, decoded one by one: a panic in teloxide's
            // decoding of one would otherwise end the polling task.
            let req = JsonRequest::new(
                self.bot.clone(),
                RawUpdates {
                    offset,
                    timeout: self.poll_timeout,
                },
            );
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
            let decoded: Vec<Decoded> = updates.iter().map(payload::decode_value).collect();
            // Every update is confirmed, the unreadable ones too: they would read no better.
            if let Some(max) = decoded.iter().filter_map(Decoded::id).max() {
                let mut readable = Vec::with_capacity(decoded.len());
                for d in decoded {
                    match d {
                        Decoded::Update(u) => readable.push(*u),
                        other => log_undecoded(&other),
                    }
                }
                self.clone().process_batch(readable).await;
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
        while let Some(done) = tasks.join_next().await {
            // A panicking update ends its chat's task only; the batch is still confirmed.
            if done.is_err_and(|e| e.is_panic()) {
                crate::server::note_panic("telegram polling");
            }
        }
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
                    .map_err(|e| classify(&e, self.bot.token()).idempotent())
            })
            .await
    }

    /// The webhook route, to merge into the process's HTTP server. A request without the
    /// right `X-Telegram-Bot-Api-Secret-Token` gets 401 and has no effect; an update that
    /// cannot be processed gets 500, so Telegram delivers it again.
    /// A panic while handling an update is caught, counted and answered 200 (see
    /// [`crate::server`]): Telegram would redeliver anything else, and the same update
    /// would panic again.
    pub fn webhook_router(self: Arc<Self>, path: &str, secret: String) -> axum::Router {
        let secret = Arc::new(secret);
        let router = axum::Router::new().route(
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
                        crate::metrics::webhook_rejected(crate::model::Channel::Telegram);
                        return StatusCode::UNAUTHORIZED.into_response();
                    }
                    let update = match payload::decode(&body) {
                        Decoded::Update(u) => u,
                        // Answered 200 either way: a redelivery would read no better.
                        other => {
                            log_undecoded(&other);
                            return match other {
                                Decoded::NotAnUpdate => StatusCode::BAD_REQUEST,
                                _ => StatusCode::OK,
                            }
                            .into_response();
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
        );
        crate::server::answer_panics(router, StatusCode::OK)
    }
}

/// One log line for an update that is not handed to the bot (no personal data: the update
/// id and its kind only).
fn log_undecoded(d: &Decoded) {
    match d {
        Decoded::Unused { id, kind } => {
            tracing::debug!(update = ?id, kind = %kind, "Telegram update of a kind the bot does not read");
        }
        Decoded::Unreadable { id, kind } => {
            tracing::warn!(update = ?id, kind = %kind, "Telegram update teloxide cannot read; ignored");
        }
        Decoded::NotAnUpdate => tracing::warn!("webhook body is not a Telegram update"),
        Decoded::Update(_) => {}
    }
}

/// `getUpdates` answered as raw JSON, each update decoded by [`payload::decode`].
#[derive(Debug, Clone, serde::Serialize)]
struct RawUpdates {
    offset: i32,
    timeout: u32,
}

impl Payload for RawUpdates {
    type Output = Vec<serde_json::Value>;
    const NAME: &'static str = "GetUpdates";
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
