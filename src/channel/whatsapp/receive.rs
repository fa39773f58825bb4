//! After the webhook answered: webhook bodies become [`Inbound`]s for the shared
//! [`Receiver`] and delivery updates.
//!
//! Messages of one number are handled in order (each number belongs to one of [`SHARDS`]
//! workers); different numbers in parallel. The receiver commits each message's step, its
//! `wamid` and its replies in one transaction, so a redelivered message changes nothing and
//! queues nothing; the number's queued replies are then delivered by the channel's
//! [`ReplySender`]. A body is deleted from the queue table once every message in it was
//! received. One whose handling failed [`HANDLE_ATTEMPTS`] times (or panicked) is a dead
//! letter: kept, marked with when and why, no longer retried at each start, and listed for
//! staff (the console's WhatsApp page, `jejak whatsapp dead-letters`), who retry it once
//! the cause is mended; the worker goes on with the next messages.

use super::api::GraphApi;
use super::clock::Clock;
use super::payload::{self, Message};
use super::render::{self, Outgoing};
use super::writer::Writer;
use super::{bsuid, e164};
use crate::conversation::{Content, Conversations, Inbound, ReceiveError, Receiver, ReplySender};
use crate::i18n::Msg;
use crate::model::{Channel, Lang};
use crate::store::{AddressMove, Delivery, WhatsAppWrite};
use futures_util::FutureExt;
use std::hash::{BuildHasher, RandomState};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// Workers handling messages; a number always goes to the same one.
pub const SHARDS: usize = 64;

/// Tries at handling one message when the database fails.
const HANDLE_ATTEMPTS: u32 = 3;

/// What the webhook, the processor, the reply sender and the outbound sender share.
pub(crate) struct Shared {
    pub(crate) receiver: Arc<Receiver>,
    pub(crate) api: GraphApi,
    pub(crate) writer: Writer,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) phone_number_id: String,
    /// The label of the button opening a list, in both languages (the reply does not say
    /// which language the conversation is in, and "Pilih / Choose" fits in 20 characters).
    pub(crate) list_button: String,
}

impl Shared {
    pub(crate) fn new(
        receiver: Arc<Receiver>,
        api: GraphApi,
        writer: Writer,
        clock: Arc<dyn Clock>,
        phone_number_id: String,
    ) -> Shared {
        let catalog = &receiver.conversations().catalog;
        let list_button = format!(
            "{} / {}",
            catalog.t(Lang::Id, Msg::WaListButton),
            catalog.t(Lang::En, Msg::WaListButton)
        );
        Shared {
            receiver,
            api,
            writer,
            clock,
            phone_number_id,
            list_button: render::shorten(&list_button, render::MAX_BUTTON_TITLE),
        }
    }

    /// The conversation service (store, flow, texts).
    pub(crate) fn conv(&self) -> &Conversations {
        self.receiver.conversations()
    }

    /// Sends one message once and records it for delivery statuses; an empty string for a
    /// text with nothing to say.
    pub(crate) async fn send(
        &self,
        address: &str,
        out: &Outgoing,
        priority: crate::channel::rate::Priority,
    ) -> Result<String, super::api::ApiError> {
        if let Outgoing::Text(t) = out
            && t.trim().is_empty()
        {
            // WhatsApp refuses empty texts; there is nothing to say.
            return Ok(String::new());
        }
        let to = address.trim_start_matches('+');
        let mut body = out.to_json(to);
        if bsuid(address).is_some()
            && let Some(fields) = body.as_object_mut()
        {
            // A sender known only by a business-scoped user id is addressed by it in
            // `recipient` (the Cloud API's field for it), without `to`.
            fields.remove("to");
            fields.insert("recipient".into(), serde_json::Value::from(address));
        }
        let wamid = self.api.send_once(&body, priority).await?;
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

    /// Receives one message from a respondent, then delivers the number's queued replies.
    /// What is not a message to answer (a reaction, a deletion, an edit, a system notice)
    /// changes nothing and gets no reply; a changed number moves the binding.
    async fn handle_message(&self, sender: &ReplySender, m: &Message) -> Result<(), ReceiveError> {
        if m.id.is_empty() {
            tracing::warn!("WhatsApp message without an id ignored");
            return Ok(());
        }
        let Some(address) = sender_address(m) else {
            tracing::warn!(wamid = %m.id, "WhatsApp message without a valid sender ignored");
            return Ok(());
        };
        let content = m.content();
        match &content {
            payload::Content::Silent(kind) => {
                tracing::debug!(wamid = %m.id, kind = %kind, "WhatsApp notice needs no reply");
                return Ok(());
            }
            payload::Content::Moved { to } => {
                return self.moved(&address, to).await.map_err(ReceiveError::from);
            }
            _ => {}
        }
        let now = self.clock.now();
        // The window runs from when the respondent wrote, not from when we got to it.
        let at = m.sent_at().filter(|t| *t <= now).unwrap_or(now);
        self.writer.push(WhatsAppWrite::Touch {
            address: address.clone(),
            at,
        });
        let content = match m.content() {
            payload::Content::Text(t) => Content::from_text(&t),
            payload::Content::Choice { id, title } => match render::parse_choice_id(&id) {
                Some((prompt, value)) => Content::Choice {
                    prompt: prompt.to_string(),
                    value: value.to_string(),
                },
                None => Content::Text(title),
            },
            payload::Content::Unsupported(_) => Content::Unsupported,
            payload::Content::Silent(_) | payload::Content::Moved { .. } => return Ok(()),
        };
        let inbound = Inbound {
            channel: Channel::WhatsApp,
            address,
            message_id: Some(m.id.clone()),
            content,
            language_hint: None,
            profile_name: None,
        };
        // Also after a duplicate: what an earlier try left unsent goes now. A failure of
        // the delivery leaves the parts queued for the sender's sweep; the message itself
        // is done.
        let ((), flushed) = self
            .receiver
            .receive_and_send(&inbound, sender, async |_| {})
            .await?;
        if let Err(e) = flushed {
            tracing::warn!(error = %e, "cannot deliver WhatsApp replies now; the sweep will");
        }
        Ok(())
    }

    /// The person at `from` now writes from `to`: their binding (and unsent replies) move
    /// there; their sessions and answers hang on the respondent and stay theirs.
    async fn moved(&self, from: &str, to: &str) -> Result<(), crate::store::StoreError> {
        let Some(to) = e164(to).or_else(|| bsuid(to)) else {
            tracing::warn!("WhatsApp changed-number notice without a readable new number");
            return Ok(());
        };
        let store = &self.conv().store;
        match store
            .respondents()
            .move_channel_address(super::CHANNEL, from, &to, self.clock.now())
            .await?
        {
            AddressMove::Moved(id) => {
                self.receiver.forget(Channel::WhatsApp, from);
                tracing::info!(
                    respondent = id,
                    "WhatsApp binding moved to a changed number"
                );
            }
            AddressMove::NotBound => {
                tracing::debug!("WhatsApp number changed for an unbound number; nothing to move");
            }
            AddressMove::Taken { from, owner } => {
                // Both addresses are known already; which one is right is not ours to guess.
                tracing::warn!(
                    respondent = from,
                    owner,
                    "WhatsApp changed number already bound; binding not moved"
                );
            }
        }
        Ok(())
    }
}

/// Who sent a message: the number (E.164) when WhatsApp gives it, else the business-scoped
/// user id, with which a person who hides their number is bound as by a number. A
/// `user_changed_user_id` notice names its sender only as the previous user id.
pub fn sender_address(m: &Message) -> Option<String> {
    m.from
        .as_deref()
        .and_then(e164)
        .or_else(|| m.from_user_id.as_deref().and_then(bsuid))
        .or_else(|| m.previous_user_id().and_then(bsuid))
}

/// Counts down the messages of one body; the last one deletes the body from the queue, or
/// dead-letters it when a message failed for good.
struct BodyDone {
    id: i64,
    remaining: AtomicUsize,
    failed: AtomicBool,
    /// Why the last failed message failed (an error text, no personal data: the same text
    /// the log carries).
    reason: std::sync::Mutex<Option<String>>,
}

struct Job {
    message: Message,
    done: Arc<BodyDone>,
}

/// The background task turning stored webhook bodies into conversation steps.
pub struct Processor {
    pub(crate) shared: Arc<Shared>,
    pub(crate) sender: Arc<ReplySender>,
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
                self.sender.clone(),
                rx,
                shutdown.clone(),
            )));
        }
        // Replies left unsent by the last run (a crash between a step and its send) go
        // first, then every second whatever a failure left behind.
        let sweep = tokio::spawn(self.sender.clone().run(shutdown.clone()));
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
        let _ = sweep.await;
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
            for raw in v.statuses {
                let s = match payload::read_status(raw) {
                    Ok(s) => s,
                    Err(id) => {
                        tracing::warn!(wamid = ?id, "unreadable WhatsApp status skipped");
                        continue;
                    }
                };
                let Some(status) = Delivery::parse(&s.status) else {
                    continue;
                };
                let error = s.errors.first().map(|e| e.describe());
                if status == Delivery::Failed {
                    let code = s.errors.first().map_or(0, |e| e.code);
                    tracing::warn!(code, "WhatsApp message delivery failed");
                    // Undeliverable (131026 and its kind): as a Telegram 403, the number
                    // is unreachable and waves skip it.
                    if let super::api::ApiError::Unreachable { .. } =
                        super::api::classify(200, Some(code), String::new())
                        && let Some(address) = s.recipient_id.as_deref().and_then(e164)
                    {
                        shared.writer.push(WhatsAppWrite::Unreachable { address });
                    }
                }
                shared.writer.push(WhatsAppWrite::Status {
                    wamid: s.id,
                    status,
                    at: payload::parse_timestamp(s.timestamp.as_deref()).unwrap_or(now),
                    error,
                });
            }
            for raw in v.messages {
                match payload::read_message(raw) {
                    Ok(m) => messages.push(m),
                    // One message the bot cannot read costs only itself.
                    Err(id) => tracing::warn!(wamid = ?id, "unreadable WhatsApp message skipped"),
                }
            }
        }
        if messages.is_empty() {
            shared.writer.push(WhatsAppWrite::DeleteInbound(id));
            return;
        }
        let done = Arc::new(BodyDone {
            id,
            remaining: AtomicUsize::new(messages.len()),
            failed: AtomicBool::new(false),
            reason: std::sync::Mutex::new(None),
        });
        for message in messages {
            // A number's messages (and its changed-number notice) share one worker.
            let key = sender_address(&message).unwrap_or_default();
            let shard = (hasher.hash_one(&key) as usize) % shards.len();
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
    sender: Arc<ReplySender>,
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
        let failure = loop {
            attempt += 1;
            // A panic costs this message, not the worker (and with it every later message
            // of the numbers it serves): caught, counted, and the message is not retried,
            // since it would panic again; its body becomes a dead letter.
            let handled = AssertUnwindSafe(shared.handle_message(&sender, &job.message))
                .catch_unwind()
                .await;
            match handled {
                Ok(Ok(())) => break None,
                Err(_) => {
                    tracing::error!(wamid = %job.message.id, "WhatsApp message handling panicked; dead-lettered");
                    crate::server::note_panic("whatsapp message");
                    break Some("panic while handling a message".to_string());
                }
                Ok(Err(e)) if attempt < HANDLE_ATTEMPTS => {
                    tracing::warn!(error = %e, attempt, "WhatsApp message failed; trying again");
                    tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
                }
                Ok(Err(e)) => {
                    tracing::error!(error = %e, attempts = attempt, "WhatsApp message failed; its body is dead-lettered");
                    break Some(format!("failed {attempt} times: {e}"));
                }
            }
        };
        if let Some(reason) = failure {
            job.done.failed.store(true, Ordering::Release);
            if let Ok(mut r) = job.done.reason.lock() {
                *r = Some(reason);
            }
        }
        if job.done.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
            if job.done.failed.load(Ordering::Acquire) {
                // The other messages of the body were received (or failed too); a retry
                // finds those done by their wamids and changes nothing for them.
                let reason = job
                    .done
                    .reason
                    .lock()
                    .ok()
                    .and_then(|r| r.clone())
                    .unwrap_or_default();
                shared.writer.push(WhatsAppWrite::DeadLetter {
                    id: job.done.id,
                    reason,
                    at: shared.clock.now(),
                });
            } else {
                shared
                    .writer
                    .push(WhatsAppWrite::DeleteInbound(job.done.id));
            }
        }
    }
}
