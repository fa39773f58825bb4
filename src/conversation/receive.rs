//! [`Receiver`]: the channel-neutral path from an [`Inbound`] to queued replies.
//!
//! In order: the address's lock (one message of an address at a time, whatever the
//! channel's own concurrency); who wrote (the address's binding; else the roster's phone
//! where the address is one; else enrolment by the token of `/start <token>`; else, on an
//! open flow, the roster identity check or a new anonymous respondent); the engine step
//! through [`Conversations`]; and the replies, queued in the reply outbox in the step's own
//! transaction together with the message id. A message handled outside a step (a refusal,
//! the identity question) claims its id and queues its reply in one transaction too, so a
//! platform's redelivery of anything changes nothing and queues nothing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use super::inbound::{Content, Inbound};
use super::send::{Flushed, ReplySender};
use super::{ConversationError, Conversations, Handled, KeyedLocks, ReplyTo};
use crate::clock::Clock;
use crate::engine::{Input, Reply};
use crate::i18n::Msg;
use crate::model::{Channel, Lang, RespondentFields};
use crate::roster::identity;
use crate::store::{
    Lease, NewRespondent, QueuedReply, ReplyBatch, RespondentId, StoreError, TelegramBind,
};

/// Why a message could not be received. Nothing was committed: the platform may deliver it
/// again (the channel answers its webhook with an error, or does not confirm the update).
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The step could not be run or committed.
    #[error(transparent)]
    Conversation(#[from] ConversationError),
}

/// What receiving a message did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receipt {
    /// Handled now: `parts` reply parts wait in the outbox for the address.
    Queued {
        /// Who wrote, when known (a refused stranger is nobody).
        respondent: Option<RespondentId>,
        /// Reply parts queued.
        parts: usize,
    },
    /// Handled before (a redelivery): nothing changed, nothing queued.
    Duplicate,
}

/// A polite refusal, worded per channel (see [`notice`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Notice {
    /// No binding, no token, and the flow is not open.
    NeedLink,
    /// The token is nobody's.
    BadToken,
    /// The token's respondent already uses another address on this channel.
    TokenTaken,
    /// This address already belongs to another respondent.
    OtherLink,
    /// A message the bot cannot read.
    Unsupported,
}

/// The message of a refusal on `channel`, and whether it is said in both languages (on
/// WhatsApp an unknown number has no language yet, and the hint of Telegram's
/// `language_code` does not exist there).
fn notice(channel: Channel, n: Notice) -> (Msg, bool) {
    match (channel, n) {
        (Channel::WhatsApp, Notice::NeedLink) => (Msg::WaUnknownNumber, true),
        (Channel::WhatsApp, Notice::BadToken) => (Msg::WaTokenUnknown, true),
        (Channel::WhatsApp, Notice::TokenTaken | Notice::OtherLink) => (Msg::WaBindRefused, true),
        (Channel::WhatsApp, Notice::Unsupported) => (Msg::WaUnsupported, false),
        (_, Notice::NeedLink) => (Msg::TgNeedLink, false),
        (_, Notice::BadToken) => (Msg::TgBadToken, false),
        // The web chat's own words: Telegram's would name "another Telegram account".
        (Channel::Web, Notice::TokenTaken) => (Msg::WebTokenTaken, false),
        (_, Notice::TokenTaken) => (Msg::TgTokenTaken, false),
        (_, Notice::OtherLink) => (Msg::TgOtherLink, false),
        (_, Notice::Unsupported) => (Msg::TgOnlyText, false),
    }
}

/// The outcome of binding an address.
enum Bind {
    Bound,
    RespondentHasOther,
    AddressHasOther(RespondentId),
}

/// The channel-neutral conversation service; see the module docs. Built once per process
/// and shared by every channel.
pub struct Receiver {
    conv: Conversations,
    clock: Arc<dyn Clock>,
    open_mode: bool,
    identity: Option<identity::Policy>,
    /// Addresses known to be bound; it spares a read per message. A binding that moves
    /// (WhatsApp's changed number) is dropped here by [`Receiver::forget`]; the bindings of
    /// a respondent erased by `/hapus` by [`Receiver::forget_respondent`].
    bound: Mutex<HashMap<(Channel, String), RespondentId>>,
    /// One lock per address: a respondent's messages are received one after the other.
    locks: KeyedLocks<(Channel, String)>,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("flow", &self.conv.flow.id)
            .field("open_mode", &self.open_mode)
            .finish_non_exhaustive()
    }
}

impl Receiver {
    /// A receiver for `conv`'s flow (store, flow, bot texts) reading the time from `clock`.
    /// Open mode (anonymous respondents from a plain `/start`) follows the flow's `open`.
    pub fn new(conv: Conversations, clock: Arc<dyn Clock>) -> Receiver {
        let open_mode = conv.flow.open;
        Receiver {
            conv,
            clock,
            open_mode,
            identity: None,
            bound: Mutex::new(HashMap::new()),
            locks: KeyedLocks::new(),
        }
    }

    /// Overrides open mode (`None` keeps the flow's setting).
    pub fn with_open_mode(mut self, open: Option<bool>) -> Receiver {
        if let Some(open) = open {
            self.open_mode = open;
        }
        self
    }

    /// In open mode, asks an address without a personal link for its external id
    /// (NISN/NIM) and birth date and binds it to that roster respondent, instead of
    /// starting an anonymous respondent; failures are limited by `policy`.
    pub fn with_identity_check(mut self, policy: identity::Policy) -> Receiver {
        self.identity = Some(policy);
        self
    }

    /// The conversation service (store, flow, bot texts).
    pub fn conversations(&self) -> &Conversations {
        &self.conv
    }

    /// The clock the receiver reads.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Receives one message; see the module docs. A second message with the same
    /// `(channel, message_id)` returns [`Receipt::Duplicate`].
    pub async fn receive(&self, inbound: &Inbound) -> Result<Receipt, ReceiveError> {
        let key = (inbound.channel, inbound.address.clone());
        let _held = self.locks.lock(key).await;
        self.receive_locked(inbound, None, &mut None).await
    }

    /// Receives one message as [`Receiver::receive`] does and delivers the address's
    /// replies through `sender` (the channel's): the step's own transaction claims the
    /// parts for `sender`, which then sends them without a write of its own to claim them.
    /// Also after a duplicate (what an earlier delivery left unsent goes now).
    /// `before_send` runs on the receipt between the step and the delivery (Telegram
    /// removes the answered question's keyboard there); gives what it returned and how
    /// the delivery went. A delivery that failed leaves the parts to the sender's sweep;
    /// the message itself is received.
    pub async fn receive_and_send<T>(
        &self,
        inbound: &Inbound,
        sender: &ReplySender,
        before_send: impl AsyncFnOnce(Receipt) -> T,
    ) -> Result<(T, Result<Flushed, StoreError>), ReceiveError> {
        let key = (inbound.channel, inbound.address.clone());
        let address = inbound.address.as_str();
        let _received = self.locks.lock(key).await;
        // The sender's lock on the address from before the claim until the parts are
        // settled: its own sweep cannot take them in between.
        let _held = sender.hold(address).await;
        let lease = sender.lease();
        let mut claimed = None;
        let receipt = self
            .receive_locked(inbound, Some(&lease), &mut claimed)
            .await?;
        let before = before_send(receipt).await;
        let flushed = match claimed {
            Some(parts) => sender.deliver_held(address, parts).await,
            None => sender.flush_held(address).await,
        };
        Ok((before, flushed))
    }

    /// Receives a message holding its address's lock. A step's replies are claimed for
    /// `lease`'s sender, if given, and put in `claimed`; anything else (a refusal, a
    /// duplicate) leaves `claimed` as it is.
    async fn receive_locked(
        &self,
        inbound: &Inbound,
        lease: Option<&Lease>,
        claimed: &mut Option<Vec<QueuedReply>>,
    ) -> Result<Receipt, ReceiveError> {
        crate::metrics::update_received(inbound.channel);
        let now = self.clock.now();
        let hint = inbound
            .language_hint
            .filter(|l| self.conv.flow.languages.contains(l));
        let bound = self.bound_to(inbound.channel, &inbound.address).await?;

        let token = match &inbound.content {
            Content::Start { token } => token.as_deref(),
            _ => None,
        };
        let (respondent, input, preface) = match (bound, token) {
            (Some(id), None) => (id, None, Vec::new()),
            (Some(id), Some(token)) => match self
                .conv
                .store
                .respondents()
                .respondent_by_token(token)
                .await?
            {
                Some(r) if r.id != id => {
                    return self
                        .refuse(inbound, Some(id), hint, Notice::OtherLink, now)
                        .await;
                }
                _ => (id, None, Vec::new()),
            },
            (None, Some(token)) => {
                let Some(r) = self
                    .conv
                    .store
                    .respondents()
                    .respondent_by_token(token)
                    .await?
                else {
                    return self
                        .refuse(inbound, None, hint, Notice::BadToken, now)
                        .await;
                };
                match self
                    .bind(inbound.channel, r.id, &inbound.address, now)
                    .await?
                {
                    Bind::Bound => {}
                    Bind::RespondentHasOther => {
                        tracing::info!(
                            respondent = r.id,
                            channel = %inbound.channel,
                            "token already bound to another address; refused"
                        );
                        return self
                            .refuse(inbound, None, hint, Notice::TokenTaken, now)
                            .await;
                    }
                    Bind::AddressHasOther(_) => {
                        return self
                            .refuse(inbound, None, hint, Notice::OtherLink, now)
                            .await;
                    }
                }
                self.first_contact(inbound, r.id, hint).await?;
                (r.id, None, Vec::new())
            }
            (None, None) => match self.stranger(inbound, hint, now).await? {
                Stranger::Known(id, input, preface) => (id, input, preface),
                Stranger::Answered(receipt) => return Ok(receipt),
            },
        };

        let input = match input {
            Some(input) => input,
            None => match &inbound.content {
                Content::Text(t) => Input::Text(t.clone()),
                Content::Choice { prompt, value } => Input::Button {
                    prompt: prompt.clone(),
                    value: value.clone(),
                },
                // `/start <token>` is `/start` to the engine: the token did its work above.
                Content::Start { .. } => Input::Text("/start".into()),
                Content::Unsupported => {
                    return self
                        .refuse(inbound, Some(respondent), hint, Notice::Unsupported, now)
                        .await;
                }
            },
        };
        let to = ReplyTo {
            channel: inbound.channel,
            address: &inbound.address,
            preface: &preface,
            lease,
        };
        let message = inbound
            .message_id
            .as_deref()
            .map(|id| (inbound.channel.as_str(), id));
        let started = std::time::Instant::now();
        let (handled, parts, erased) = self
            .conv
            .step(respondent, &input, message, Some(&to), now)
            .await?;
        crate::metrics::step_done(started.elapsed());
        if erased {
            // `/hapus`: the respondent's addresses are no longer theirs.
            self.forget_respondent(respondent);
        }
        match handled {
            Handled::Duplicate => Ok(Receipt::Duplicate),
            Handled::Replies(replies) => {
                if lease.is_some() {
                    *claimed = Some(parts);
                }
                Ok(Receipt::Queued {
                    respondent: Some(respondent),
                    parts: preface.len() + replies.len(),
                })
            }
        }
    }

    /// The respondent bound to an address, if any.
    async fn bound_to(
        &self,
        channel: Channel,
        address: &str,
    ) -> Result<Option<RespondentId>, StoreError> {
        let key = (channel, address.to_string());
        if let Some(id) = self
            .bound
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            return Ok(Some(*id));
        }
        let found = self
            .conv
            .store
            .respondents()
            .respondent_by_channel(channel.as_str(), address)
            .await?;
        if let Some(id) = found {
            self.remember(channel, address, id);
        }
        Ok(found)
    }

    /// Forgets what is cached about `address` (its binding moved to another address).
    pub fn forget(&self, channel: Channel, address: &str) {
        self.bound
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&(channel, address.to_string()));
    }

    /// Forgets every cached address of `id` (the respondent was erased).
    pub fn forget_respondent(&self, id: RespondentId) {
        self.bound
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, owner| *owner != id);
    }

    fn remember(&self, channel: Channel, address: &str, id: RespondentId) {
        self.bound
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert((channel, address.to_string()), id);
    }

    /// Binds an address to a respondent under the rule every channel keeps: one address
    /// per respondent per channel, one respondent per address, both decided by the
    /// database in one insert (see `Respondents::bind_exclusive`).
    async fn bind(
        &self,
        channel: Channel,
        id: RespondentId,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<Bind, StoreError> {
        let store = &self.conv.store;
        // One insert decides on every channel: a unique index per channel and respondent
        // (migrations 0003 and 0020), so two addresses racing for one token cannot both
        // bind (reading the respondent's addresses first left a window between the read
        // and the insert).
        let bind = match store
            .respondents()
            .bind_exclusive(channel.as_str(), id, address, now)
            .await?
        {
            TelegramBind::Bound => Bind::Bound,
            TelegramBind::RespondentHasOtherChat => Bind::RespondentHasOther,
            TelegramBind::ChatHasOtherRespondent(owner) => Bind::AddressHasOther(owner),
        };
        if let Bind::Bound = bind {
            self.remember(channel, address, id);
        }
        Ok(bind)
    }

    /// After binding: the language the platform reports becomes the respondent's if they
    /// have none yet (a roster's choice wins).
    async fn first_contact(
        &self,
        inbound: &Inbound,
        id: RespondentId,
        hint: Option<Lang>,
    ) -> Result<(), StoreError> {
        if let Some(lang) = hint {
            self.conv
                .store
                .respondents()
                .set_language_if_unset(id, lang)
                .await?;
        }
        tracing::debug!(respondent = id, channel = %inbound.channel, "address bound");
        Ok(())
    }

    /// An unbound address without a token: the roster's phone, the open-link identity
    /// check, an anonymous respondent on an open flow, or a refusal.
    async fn stranger(
        &self,
        inbound: &Inbound,
        hint: Option<Lang>,
        now: DateTime<Utc>,
    ) -> Result<Stranger, ReceiveError> {
        let store = &self.conv.store;
        if inbound.channel.address_is_phone()
            && let Some(id) = store
                .respondents()
                .respondent_by_phone(&inbound.address)
                .await?
        {
            match self
                .bind(inbound.channel, id, &inbound.address, now)
                .await?
            {
                Bind::Bound => {
                    self.first_contact(inbound, id, hint).await?;
                    return Ok(Stranger::Known(id, None, Vec::new()));
                }
                // Bound by a message handled at the same moment elsewhere.
                Bind::AddressHasOther(owner) => {
                    return Ok(Stranger::Known(owner, None, Vec::new()));
                }
                Bind::RespondentHasOther => {}
            }
        }
        if !self.open_mode {
            let r = self
                .refuse(inbound, None, hint, Notice::NeedLink, now)
                .await?;
            return Ok(Stranger::Answered(r));
        }
        if let Some(policy) = self.identity {
            return self.identify(inbound, hint, &policy, now).await;
        }
        let new = NewRespondent {
            fields: RespondentFields::default(),
            language: hint,
            ..Default::default()
        };
        let id = store.respondents().upsert_respondent(&new, now).await?;
        Ok(
            match self
                .bind(inbound.channel, id, &inbound.address, now)
                .await?
            {
                Bind::Bound => Stranger::Known(id, None, Vec::new()),
                Bind::AddressHasOther(owner) => Stranger::Known(owner, None, Vec::new()),
                Bind::RespondentHasOther => Stranger::Answered(
                    self.refuse(inbound, None, hint, Notice::NeedLink, now)
                        .await?,
                ),
            },
        )
    }

    /// The open-link identity check: asks for the external id and birth date, checks what
    /// was typed against the roster (attempts are counted per address in the database),
    /// and binds the address on a match; the survey then starts as after a personal link.
    async fn identify(
        &self,
        inbound: &Inbound,
        hint: Option<Lang>,
        policy: &identity::Policy,
        now: DateTime<Utc>,
    ) -> Result<Stranger, ReceiveError> {
        let store = &self.conv.store;
        let catalog = &self.conv.catalog;
        let lang = hint.unwrap_or(self.conv.flow.default_lang());
        let text = match &inbound.content {
            Content::Text(t) => t.as_str(),
            _ => "",
        };
        let say = |text: String| vec![Reply::say(text)];
        let Some((external_id, birth_date)) = identity::parse_claim(text) else {
            let r = self
                .queue(
                    inbound,
                    None,
                    lang,
                    say(catalog.t(lang, Msg::IdentityAsk)),
                    now,
                )
                .await?;
            return Ok(Stranger::Answered(r));
        };
        let verdict = identity::verify(
            store,
            policy,
            inbound.channel.as_str(),
            &inbound.address,
            inbound.message_id.as_deref(),
            &external_id,
            &birth_date,
            now,
        )
        .await?;
        let reply = match verdict {
            identity::Verification::Verified(id) => {
                let bound = match self
                    .bind(inbound.channel, id, &inbound.address, now)
                    .await?
                {
                    Bind::Bound => id,
                    Bind::AddressHasOther(owner) => owner,
                    Bind::RespondentHasOther => {
                        let r = self
                            .refuse(inbound, None, hint, Notice::TokenTaken, now)
                            .await?;
                        return Ok(Stranger::Answered(r));
                    }
                };
                self.first_contact(inbound, bound, hint).await?;
                let name = store
                    .respondents()
                    .respondent(bound)
                    .await?
                    .and_then(|r| r.fields.name)
                    .unwrap_or_default();
                let welcome = catalog.ta(lang, Msg::IdentityOk, &[("name", name.as_str())]);
                // Verified: the survey starts as after a personal link, the welcome first.
                return Ok(Stranger::Known(
                    bound,
                    Some(Input::Text("/start".into())),
                    say(welcome),
                ));
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
        let r = self.queue(inbound, None, lang, say(reply), now).await?;
        Ok(Stranger::Answered(r))
    }

    /// Queues a refusal, once per message.
    async fn refuse(
        &self,
        inbound: &Inbound,
        respondent: Option<RespondentId>,
        hint: Option<Lang>,
        n: Notice,
        now: DateTime<Utc>,
    ) -> Result<Receipt, ReceiveError> {
        let (msg, bilingual) = notice(inbound.channel, n);
        let catalog = &self.conv.catalog;
        let known = match respondent {
            Some(id) => self
                .conv
                .store
                .respondents()
                .respondent(id)
                .await?
                .and_then(|r| r.language),
            None => None,
        };
        let lang = known.or(hint).unwrap_or(self.conv.flow.default_lang());
        let text = if bilingual {
            format!(
                "{}\n\n{}",
                catalog.t(Lang::Id, msg),
                catalog.t(Lang::En, msg)
            )
        } else {
            catalog.t(lang, msg)
        };
        self.queue(inbound, respondent, lang, vec![Reply::say(text)], now)
            .await
    }

    /// Queues `replies` outside a step, claiming the message id in the same transaction.
    async fn queue(
        &self,
        inbound: &Inbound,
        respondent: Option<RespondentId>,
        lang: Lang,
        replies: Vec<Reply>,
        now: DateTime<Utc>,
    ) -> Result<Receipt, ReceiveError> {
        let batch = ReplyBatch::new(
            inbound.channel,
            &inbound.address,
            respondent,
            lang,
            &replies,
        )?;
        let message = inbound
            .message_id
            .as_deref()
            .map(|id| (inbound.channel, id));
        if self
            .conv
            .store
            .replies()
            .queue(&batch, message, now)
            .await?
            .is_some()
        {
            Ok(Receipt::Queued {
                respondent,
                parts: batch.len(),
            })
        } else {
            Ok(Receipt::Duplicate)
        }
    }
}

/// Who an unbound address turned out to be.
enum Stranger {
    /// This respondent; with the input to run instead of the message's (the identity
    /// check's `/start`) and what to say before the step's replies.
    Known(RespondentId, Option<Input>, Vec<Reply>),
    /// Answered outside a step (a refusal, the identity question).
    Answered(Receipt),
}
