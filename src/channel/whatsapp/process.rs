//! After the webhook answered: webhook bodies become engine inputs and delivery updates.
//!
//! Messages of one number are handled in order (each number belongs to one of [`SHARDS`]
//! workers); different numbers in parallel. Each message goes through
//! [`Conversations::handle`] with its `wamid`, which commits the inbound id with the step,
//! so a redelivered message changes nothing and sends nothing. A body is deleted from the
//! queue table once every message in it was handled; one whose handling failed stays, and
//! is handled again after a restart.

use super::api::GraphApi;
use super::clock::Clock;
use super::payload::{self, Content, Message};
use super::render::{self, Outgoing};
use super::writer::Writer;
use super::{CHANNEL, e164};
use crate::conversation::{ConversationError, Conversations, Handled};
use crate::engine::{Input, Reply};
use crate::i18n::Msg;
use crate::model::Lang;
use crate::store::{Delivery, RespondentId, StoreError, WhatsAppWrite, is_valid_token};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// Workers handling messages; a number always goes to the same one.
pub const SHARDS: usize = 64;

/// Tries at handling one message when the database fails.
const HANDLE_ATTEMPTS: u32 = 3;

/// What the webhook, the processor and the outbound sender share.
pub(crate) struct Shared {
    pub(crate) conv: Conversations,
    pub(crate) api: GraphApi,
    pub(crate) writer: Writer,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) phone_number_id: String,
    /// The label of the button opening a list, in both languages (the reply does not say
    /// which language the conversation is in, and "Pilih / Choose" fits in 20 characters).
    pub(crate) list_button: String,
    /// Numbers already bound to a respondent. Bindings are never removed, so this never
    /// goes stale; it spares a lookup per message.
    bound: Mutex<HashMap<String, RespondentId>>,
}

impl Shared {
    pub(crate) fn new(
        conv: Conversations,
        api: GraphApi,
        writer: Writer,
        clock: Arc<dyn Clock>,
        phone_number_id: String,
    ) -> Shared {
        let list_button = format!(
            "{} / {}",
            conv.catalog.t(Lang::Id, Msg::WaListButton),
            conv.catalog.t(Lang::En, Msg::WaListButton)
        );
        Shared {
            conv,
            api,
            writer,
            clock,
            phone_number_id,
            list_button: render::shorten(&list_button, render::MAX_BUTTON_TITLE),
            bound: Mutex::new(HashMap::new()),
        }
    }

    /// Sends `replies` to `address` in order, retrying rate limits and temporary failures;
    /// stops at the first message that cannot be sent (the rest would make no sense alone).
    pub(crate) async fn send_replies(&self, address: &str, replies: &[Reply]) {
        for reply in replies {
            for out in render::render(reply, &self.list_button) {
                if let Err(e) = self.send(address, &out, true).await {
                    tracing::warn!(error = %e.log_code(), "WhatsApp reply not sent");
                    return;
                }
            }
        }
    }

    /// Sends one message and records it for delivery statuses.
    pub(crate) async fn send(
        &self,
        address: &str,
        out: &Outgoing,
        retrying: bool,
    ) -> Result<String, super::api::ApiError> {
        if let Outgoing::Text(t) = out
            && t.trim().is_empty()
        {
            // WhatsApp refuses empty texts; there is nothing to say.
            return Ok(String::new());
        }
        let to = address.trim_start_matches('+');
        let body = out.to_json(to);
        let wamid = if retrying {
            self.api.send_retrying(&body).await?
        } else {
            self.api.send_once(&body).await?
        };
        self.record_sent(&wamid, address, out.kind());
        Ok(wamid)
    }

    pub(crate) fn record_sent(&self, wamid: &str, address: &str, kind: crate::store::SentKind) {
        self.writer.push(WhatsAppWrite::Sent {
            wamid: wamid.to_string(),
            address: address.to_string(),
            kind,
            at: self.clock.now(),
        });
    }

    fn bilingual(&self, msg: Msg) -> String {
        format!(
            "{}\n\n{}",
            self.conv.catalog.t(Lang::Id, msg),
            self.conv.catalog.t(Lang::En, msg)
        )
    }

    /// Says `text` once per inbound message (a redelivery says nothing).
    async fn tell_once(
        &self,
        address: &str,
        wamid: &str,
        text: String,
        now: DateTime<Utc>,
    ) -> Result<(), ConversationError> {
        if self.conv.store.claim_inbound(CHANNEL, wamid, now).await? {
            self.send_replies(address, &[Reply::say(text)]).await;
        }
        Ok(())
    }

    /// The respondent writing from `address`: bound before, or on the roster with this
    /// phone (then bound now).
    async fn identify(
        &self,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<RespondentId>, ConversationError> {
        if let Some(id) = self.cached(address) {
            return Ok(Some(id));
        }
        let store = &self.conv.store;
        let id = match store.respondent_by_channel(CHANNEL, address).await? {
            Some(id) => id,
            None => {
                let Some(id) = store.respondent_by_phone(address).await? else {
                    return Ok(None);
                };
                match store.bind_channel(id, CHANNEL, address, now).await {
                    Ok(()) => id,
                    // Bound by a message handled at the same moment.
                    Err(StoreError::AlreadyBound { owner, .. }) => owner,
                    Err(e) => return Err(e.into()),
                }
            }
        };
        self.cache(address, id);
        Ok(Some(id))
    }

    fn cached(&self, address: &str) -> Option<RespondentId> {
        self.bound
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(address)
            .copied()
    }

    fn cache(&self, address: &str, id: RespondentId) {
        self.bound
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(address.to_string(), id);
    }

    /// Handles one message from a respondent.
    async fn handle_message(&self, m: &Message) -> Result<(), ConversationError> {
        let Some(address) = e164(&m.from) else {
            tracing::warn!("WhatsApp message without a valid sender number ignored");
            return Ok(());
        };
        if m.id.is_empty() {
            tracing::warn!("WhatsApp message without an id ignored");
            return Ok(());
        }
        let now = self.clock.now();
        // The window runs from when the respondent wrote, not from when we got to it.
        let at = m.sent_at().filter(|t| *t <= now).unwrap_or(now);
        self.writer.push(WhatsAppWrite::Touch {
            address: address.clone(),
            at,
        });
        let content = m.content();
        if let Content::Text(t) = &content
            && let Some(token) = start_token(t)
        {
            return self.bind_and_start(&address, token, &m.id, now).await;
        }
        let Some(respondent) = self.identify(&address, now).await? else {
            let text = self.bilingual(Msg::WaUnknownNumber);
            return self.tell_once(&address, &m.id, text, now).await;
        };
        let input = match content {
            Content::Text(t) => Input::Text(t),
            Content::Choice { id, title } => match render::parse_choice_id(&id) {
                Some((prompt, value)) => Input::Button {
                    prompt: prompt.to_string(),
                    value: value.to_string(),
                },
                None => Input::Text(title),
            },
            Content::Unsupported(_) => {
                let lang = self
                    .conv
                    .store
                    .respondent(respondent)
                    .await?
                    .and_then(|r| r.language)
                    .unwrap_or(Lang::Id);
                let text = self.conv.catalog.t(lang, Msg::WaUnsupported);
                return self.tell_once(&address, &m.id, text, now).await;
            }
        };
        self.converse(respondent, &address, &input, &m.id, now)
            .await
    }

    async fn converse(
        &self,
        respondent: RespondentId,
        address: &str,
        input: &Input,
        wamid: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ConversationError> {
        match self
            .conv
            .handle(respondent, input, Some((CHANNEL, wamid)), now)
            .await?
        {
            Handled::Replies(replies) => self.send_replies(address, &replies).await,
            Handled::Duplicate => {}
        }
        Ok(())
    }

    /// `MULAI <token>`: binds the number to the token's respondent and starts the survey;
    /// refuses politely when the token or the number already belongs to someone else.
    async fn bind_and_start(
        &self,
        address: &str,
        token: &str,
        wamid: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ConversationError> {
        let store = &self.conv.store;
        let Some(r) = store.respondent_by_token(token).await? else {
            let text = self.bilingual(Msg::WaTokenUnknown);
            return self.tell_once(address, wamid, text, now).await;
        };
        let bound = store.channel_addresses(r.id, CHANNEL).await?;
        if bound.iter().any(|a| a != address) {
            tracing::info!(
                respondent = r.id,
                "WhatsApp token already bound to another number; refused"
            );
            let text = self.bilingual(Msg::WaBindRefused);
            return self.tell_once(address, wamid, text, now).await;
        }
        match store.bind_channel(r.id, CHANNEL, address, now).await {
            Ok(()) => {}
            Err(StoreError::AlreadyBound { .. }) => {
                tracing::info!(
                    respondent = r.id,
                    "WhatsApp number bound to another respondent; token refused"
                );
                let text = self.bilingual(Msg::WaBindRefused);
                return self.tell_once(address, wamid, text, now).await;
            }
            Err(e) => return Err(e.into()),
        }
        self.cache(address, r.id);
        self.converse(r.id, address, &Input::Text("/mulai".into()), wamid, now)
            .await
    }
}

/// The token of `MULAI <token>` / `START <token>` (any case, also with a leading `/`).
pub fn start_token(text: &str) -> Option<&str> {
    let mut words = text.split_whitespace();
    let first = words.next()?.trim_start_matches('/');
    let token = words.next()?;
    if words.next().is_some() {
        return None;
    }
    let keyword = first.eq_ignore_ascii_case("mulai") || first.eq_ignore_ascii_case("start");
    (keyword && is_valid_token(token)).then_some(token)
}

/// Counts down the messages of one body; the last one deletes the body from the queue.
struct BodyDone {
    id: i64,
    remaining: AtomicUsize,
    failed: AtomicBool,
}

struct Job {
    message: Message,
    done: Arc<BodyDone>,
}

/// The background task turning stored webhook bodies into conversation steps.
pub struct Processor {
    pub(crate) shared: Arc<Shared>,
    pub(crate) rx: mpsc::UnboundedReceiver<(i64, String)>,
    /// Bodies stored but not processed before the last stop.
    pub(crate) pending: Vec<(i64, String)>,
}

impl std::fmt::Debug for Processor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Processor")
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl Processor {
    /// Runs until `shutdown` becomes true (or its sender is dropped). Messages being handled
    /// are finished; bodies not yet started stay stored for the next start.
    pub async fn run(mut self, mut shutdown: watch::Receiver<bool>) {
        if *shutdown.borrow() {
            return;
        }
        let hasher = RandomState::new();
        let mut shards = Vec::with_capacity(SHARDS);
        let mut workers = Vec::with_capacity(SHARDS);
        for _ in 0..SHARDS {
            let (tx, rx) = mpsc::unbounded_channel();
            shards.push(tx);
            workers.push(tokio::spawn(worker(
                self.shared.clone(),
                rx,
                shutdown.clone(),
            )));
        }
        let pending = std::mem::take(&mut self.pending);
        if !pending.is_empty() {
            tracing::info!(
                bodies = pending.len(),
                "WhatsApp: processing webhook bodies stored before the last stop"
            );
        }
        for (id, body) in pending {
            self.dispatch(id, &body, &shards, &hasher);
        }
        loop {
            tokio::select! {
                biased;
                changed = shutdown.changed() => {
                    if changed.is_err() || *shutdown.borrow() {
                        break;
                    }
                }
                next = self.rx.recv() => match next {
                    Some((id, body)) => self.dispatch(id, &body, &shards, &hasher),
                    None => break,
                },
            }
        }
        drop(shards);
        for w in workers {
            let _ = w.await;
        }
        self.shared.writer.flush().await;
    }

    fn dispatch(
        &self,
        id: i64,
        body: &str,
        shards: &[mpsc::UnboundedSender<Job>],
        hasher: &RandomState,
    ) {
        let shared = &self.shared;
        let webhook = match payload::parse(body) {
            Ok(w) => w,
            Err(e) => {
                // Signed by Meta but unreadable: keeping it would only fail again.
                tracing::warn!(error = %e, "unreadable WhatsApp webhook body dropped");
                shared.writer.push(WhatsAppWrite::DeleteInbound(id));
                return;
            }
        };
        let now = shared.clock.now();
        let mut messages = Vec::new();
        for change in webhook.entry.into_iter().flat_map(|e| e.changes) {
            let v = change.value;
            if let Some(meta) = &v.metadata
                && !meta.phone_number_id.is_empty()
                && meta.phone_number_id != shared.phone_number_id
            {
                tracing::debug!("WhatsApp update for another business number ignored");
                continue;
            }
            for s in v.statuses {
                let Some(status) = Delivery::parse(&s.status) else {
                    continue;
                };
                let error = s.errors.first().map(|e| e.describe());
                if status == Delivery::Failed {
                    let code = s.errors.first().map_or(0, |e| e.code);
                    tracing::warn!(code, "WhatsApp message delivery failed");
                }
                shared.writer.push(WhatsAppWrite::Status {
                    wamid: s.id,
                    status,
                    at: payload::parse_timestamp(s.timestamp.as_deref()).unwrap_or(now),
                    error,
                });
            }
            messages.extend(v.messages);
        }
        if messages.is_empty() {
            shared.writer.push(WhatsAppWrite::DeleteInbound(id));
            return;
        }
        let done = Arc::new(BodyDone {
            id,
            remaining: AtomicUsize::new(messages.len()),
            failed: AtomicBool::new(false),
        });
        for message in messages {
            let shard = (hasher.hash_one(&message.from) as usize) % shards.len();
            let job = Job {
                message,
                done: done.clone(),
            };
            // A worker gone means shutdown: the body stays stored.
            let _ = shards[shard].send(job);
        }
    }
}

async fn worker(
    shared: Arc<Shared>,
    mut rx: mpsc::UnboundedReceiver<Job>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let job = tokio::select! {
            biased;
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    return;
                }
                continue;
            }
            job = rx.recv() => match job {
                Some(job) => job,
                None => return,
            },
        };
        let mut attempt = 0;
        let ok = loop {
            attempt += 1;
            match shared.handle_message(&job.message).await {
                Ok(()) => break true,
                Err(e) if attempt < HANDLE_ATTEMPTS => {
                    tracing::warn!(error = %e, attempt, "WhatsApp message failed; trying again");
                    tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
                }
                Err(e) => {
                    tracing::error!(error = %e, "WhatsApp message failed; kept for the next start");
                    break false;
                }
            }
        };
        if !ok {
            job.done.failed.store(true, Ordering::Relaxed);
        }
        if job.done.remaining.fetch_sub(1, Ordering::AcqRel) == 1
            && !job.done.failed.load(Ordering::Relaxed)
        {
            shared
                .writer
                .push(WhatsAppWrite::DeleteInbound(job.done.id));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_tokens() {
        assert_eq!(start_token("MULAI abcDEF_12-x"), Some("abcDEF_12-x"));
        assert_eq!(start_token("  mulai   tok "), Some("tok"));
        assert_eq!(start_token("START tok"), Some("tok"));
        assert_eq!(start_token("/start tok"), Some("tok"));
        assert_eq!(start_token("mulai"), None);
        assert_eq!(start_token("mulai dua kata"), None);
        assert_eq!(start_token("mulai tok!en"), None);
        assert_eq!(start_token("halo tok"), None);
    }
}
