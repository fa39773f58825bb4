//! What the WhatsApp channel keeps: webhook bodies waiting to be processed, the messages it
//! sent with their delivery status, and when each number last wrote (the 24-hour window).
//!
//! The channel's writes come in bursts of small ones (a webhook body, a sent message, a
//! window update per answer), so they are applied in batches, one transaction per batch
//! ([`WhatsAppRecords::whatsapp_apply`]): one commit shared by many writes, as the group-commit writer
//! does for steps.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};

use super::error::db;
use super::sql::{Ctx, Exec, Write, args};
use super::{Result, from_ms, get, to_ms};
use crate::model::Channel;

/// The kind of a sent message, as stored in `whatsapp_sent.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SentKind {
    /// A free-form text message.
    Text,
    /// Reply buttons or a list.
    Interactive,
    /// An approved template.
    Template,
}

impl SentKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            SentKind::Text => "text",
            SentKind::Interactive => "interactive",
            SentKind::Template => "template",
        }
    }
}

/// A delivery status reported by the platform for a sent message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Delivery {
    /// Accepted by the API, nothing heard since.
    Accepted,
    /// Sent to the phone.
    Sent,
    /// Delivered to the phone.
    Delivered,
    /// Read by the respondent.
    Read,
    /// Could not be delivered.
    Failed,
}

impl Delivery {
    /// The stored name (`accepted`, `sent`, `delivered`, `read`, `failed`).
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Accepted => "accepted",
            Delivery::Sent => "sent",
            Delivery::Delivered => "delivered",
            Delivery::Read => "read",
            Delivery::Failed => "failed",
        }
    }

    /// Parses a stored or webhook status name.
    pub fn parse(s: &str) -> Option<Delivery> {
        Some(match s {
            "accepted" => Delivery::Accepted,
            "sent" => Delivery::Sent,
            "delivered" => Delivery::Delivered,
            "read" => Delivery::Read,
            "failed" => Delivery::Failed,
            _ => return None,
        })
    }

    /// Statuses arrive out of order (Meta does not promise any): a status only replaces one
    /// of lower rank, so a late `sent` never hides `read`, and `failed` is final.
    fn rank(self) -> i64 {
        self as i64
    }
}

/// The SQL rank of a stored status column (`NULL` and unknown rank lowest); keep in step with
/// [`Delivery::rank`].
fn rank_sql(column: &str) -> String {
    format!(
        "(CASE COALESCE({column}, '') WHEN 'accepted' THEN 0 WHEN 'sent' THEN 1 \
         WHEN 'delivered' THEN 2 WHEN 'read' THEN 3 WHEN 'failed' THEN 4 ELSE -1 END)"
    )
}

// The statements below serve sqlx (PostgreSQL, in-memory SQLite) and rusqlite (the group
// writer) alike. SQLite numbers `$N` parameters in the order they first appear, and
// rusqlite binds by that number, so each statement uses `$1`, `$2`… in order of appearance.

/// Keeps a webhook body (`$1` body, `$2` received at); returns its id.
const STORE_INBOUND: &str =
    "INSERT INTO whatsapp_inbound (body, received_at) VALUES ($1, $2) RETURNING id";

/// Forgets a processed webhook body (`$1` id).
const DELETE_INBOUND: &str = "DELETE FROM whatsapp_inbound WHERE id = $1";

/// Marks a webhook body dead (`$1` when, `$2` why, `$3` id): it is no longer pending.
const DEAD_LETTER: &str =
    "UPDATE whatsapp_inbound SET dead_at = $1, dead_reason = $2 WHERE id = $3";

/// Makes a dead webhook body pending again (`$1` id); returns its body, none when it is
/// not dead (already retried, or processed since).
const RETRY_DEAD: &str = "UPDATE whatsapp_inbound SET dead_at = NULL, dead_reason = NULL \
     WHERE id = $1 AND dead_at IS NOT NULL RETURNING body";

/// The dead webhook bodies, newest first, at most `$1`.
const DEAD_LETTERS: &str = "SELECT id, received_at, dead_at, dead_reason FROM whatsapp_inbound \
     WHERE dead_at IS NOT NULL ORDER BY dead_at DESC, id DESC LIMIT $1";

/// The longest reason kept for a dead letter (an error text; longer ones are cut).
pub const DEAD_REASON_MAX: usize = 500;

/// Opens a number's 24-hour window (`$1` address, `$2` when); never moves it back.
const TOUCH: &str = "INSERT INTO whatsapp_contacts (address, last_inbound_at) VALUES ($1, $2) \
                     ON CONFLICT (address) DO UPDATE SET last_inbound_at = \
                         CASE WHEN excluded.last_inbound_at > whatsapp_contacts.last_inbound_at \
                              THEN excluded.last_inbound_at \
                              ELSE whatsapp_contacts.last_inbound_at END";

/// Records a sent message (`$1` wamid, `$2` address, `$3` kind, `$4` when).
const SENT: &str = "INSERT INTO whatsapp_sent (wamid, address, kind, sent_at) \
                    VALUES ($1, $2, $3, $4) ON CONFLICT (wamid) DO NOTHING";

/// Updates a sent message's status (`$1` status, `$2` when, `$3` error, `$4` wamid,
/// `$5` the status's rank): only a higher rank replaces the stored one. Built once: every
/// sent message gets two or three statuses.
static STATUS_SQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE whatsapp_sent SET status = $1, status_at = $2, error = COALESCE($3, error) \
         WHERE wamid = $4 AND {} < $5",
        rank_sql("status")
    )
});

/// The wave outbox records what happened after sending: delivered, read or failed (its own
/// `status` already says `sent`). `$1` status, `$2` error, `$3` wamid, `$4` rank.
static OUTBOX_DELIVERY_SQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE outbox SET delivery = $1, delivery_error = COALESCE($2, delivery_error) \
         WHERE platform_message_id = $3 AND {} < $4",
        rank_sql("delivery")
    )
});

/// Marks whoever is bound to a number unreachable (`$1` channel, `$2` address): the
/// platform said messages to it cannot be delivered, as a Telegram 403 says of a chat.
const UNREACHABLE: &str = "UPDATE respondents SET unreachable = 1 WHERE id IN \
     (SELECT respondent_id FROM channel_bindings WHERE channel = $1 AND address = $2)";

/// [`WhatsAppRecords::whatsapp_apply`]'s write.
#[derive(Clone)]
struct Apply(Vec<WhatsAppWrite>);

impl Write for Apply {
    type Out = Vec<Option<i64>>;
    const CONTEXT: &'static str = "committing WhatsApp channel writes";

    async fn run(self, tx: &mut impl Exec) -> Result<Vec<Option<i64>>> {
        let mut ids = Vec::with_capacity(self.0.len());
        for w in &self.0 {
            let id = match w {
                WhatsAppWrite::StoreInbound { body, received_at } => tx
                    .fetch_optional(STORE_INBOUND, args![body, to_ms(*received_at)], |r| {
                        r.int("id")
                    })
                    .await
                    .ctx("storing a WhatsApp webhook body")?,
                WhatsAppWrite::DeleteInbound(id) => {
                    tx.execute(DELETE_INBOUND, args![*id])
                        .await
                        .ctx("deleting a processed WhatsApp webhook body")?;
                    None
                }
                WhatsAppWrite::DeadLetter { id, reason, at } => {
                    let reason: String = reason.chars().take(DEAD_REASON_MAX).collect();
                    tx.execute(DEAD_LETTER, args![to_ms(*at), &reason, *id])
                        .await
                        .ctx("dead-lettering a WhatsApp webhook body")?;
                    None
                }
                WhatsAppWrite::Touch { address, at } => {
                    tx.execute(TOUCH, args![address, to_ms(*at)])
                        .await
                        .ctx("recording a WhatsApp contact")?;
                    None
                }
                WhatsAppWrite::Sent {
                    wamid,
                    address,
                    kind,
                    at,
                } => {
                    tx.execute(SENT, args![wamid, address, kind.as_str(), to_ms(*at)])
                        .await
                        .ctx("recording a sent WhatsApp message")?;
                    None
                }
                WhatsAppWrite::Unreachable { address } => {
                    tx.execute(UNREACHABLE, args![Channel::WhatsApp.as_str(), address])
                        .await
                        .ctx("marking a WhatsApp number unreachable")?;
                    None
                }
                WhatsAppWrite::Status {
                    wamid,
                    status,
                    at,
                    error,
                } => {
                    let (name, rank) = (status.as_str(), status.rank());
                    tx.execute(
                        STATUS_SQL.as_str(),
                        args![name, to_ms(*at), error, wamid, rank],
                    )
                    .await
                    .ctx("updating a WhatsApp delivery status")?;
                    if *status >= Delivery::Delivered {
                        tx.execute(
                            OUTBOX_DELIVERY_SQL.as_str(),
                            args![name, error, wamid, rank],
                        )
                        .await
                        .ctx("updating an outbox delivery status")?;
                    }
                    None
                }
            };
            ids.push(id);
        }
        Ok(ids)
    }
}

/// One write of the WhatsApp channel; see [`WhatsAppRecords::whatsapp_apply`].
#[derive(Debug, Clone)]
pub enum WhatsAppWrite {
    /// Keep a webhook body until it is processed; its id is returned.
    StoreInbound {
        /// The raw body, as signed.
        body: String,
        /// When it arrived.
        received_at: DateTime<Utc>,
    },
    /// A webhook body was processed: forget it.
    DeleteInbound(i64),
    /// A webhook body's handling failed for good: keep it, no longer pending, with when and
    /// why (an error description without personal data; cut at [`DEAD_REASON_MAX`]).
    DeadLetter {
        /// The body's id.
        id: i64,
        /// Why.
        reason: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// The number wrote at `at` (opens its 24-hour window); an earlier time never moves the
    /// window back.
    Touch {
        /// The number, E.164.
        address: String,
        /// When it wrote.
        at: DateTime<Utc>,
    },
    /// The bot sent a message.
    Sent {
        /// The platform's message id.
        wamid: String,
        /// The number, E.164.
        address: String,
        /// What was sent.
        kind: SentKind,
        /// When.
        at: DateTime<Utc>,
    },
    /// The platform said messages to this number cannot be delivered (a failed status
    /// with an undeliverable code such as 131026): whoever is bound to it is marked
    /// unreachable, so waves skip them, as after a Telegram 403.
    Unreachable {
        /// The number, E.164.
        address: String,
    },
    /// The platform reported a delivery status: updates the sent message and the wave
    /// outbox row (`outbox.delivery`, `outbox.delivery_error`) with that message id.
    Status {
        /// The platform's message id.
        wamid: String,
        /// The status.
        status: Delivery,
        /// When it happened.
        at: DateTime<Utc>,
        /// The platform's error, for `failed`.
        error: Option<String>,
    },
}

/// A message the bot sent, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentRecord {
    /// The platform's message id.
    pub wamid: String,
    /// The number, E.164.
    pub address: String,
    /// `text`, `interactive` or `template`.
    pub kind: String,
    /// Its delivery status.
    pub status: Delivery,
    /// The error of a failed delivery.
    pub error: Option<String>,
}

/// How long the record of a sent WhatsApp message is kept (it carries the number): the
/// platform tries to deliver a message for up to 30 days, so its last delivery status
/// (delivered or failed, which marks the number unreachable) comes at most 30 days after
/// sending, and Meta re-posts an unanswered webhook for up to 7 days more. A status for a
/// message older than that finds no row and changes nothing (only a late "read" would).
pub const SENT_KEPT_DAYS: i64 = 37;

/// A webhook body whose handling failed for good, as staff see it: no body, no number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// The body's id (what a retry names).
    pub id: i64,
    /// When the webhook arrived.
    pub received_at: DateTime<Utc>,
    /// When it was given up.
    pub dead_at: DateTime<Utc>,
    /// Why (the last error, without personal data).
    pub reason: String,
}

/// [`WhatsAppRecords::whatsapp_retry_dead`]'s write.
#[derive(Clone)]
struct RetryDead(i64);

impl Write for RetryDead {
    type Out = Option<String>;
    const CONTEXT: &'static str = "retrying a dead WhatsApp webhook body";

    async fn run(self, tx: &mut impl Exec) -> Result<Option<String>> {
        tx.fetch_optional(RETRY_DEAD, args![self.0], |r| r.text("body"))
            .await
            .ctx(Self::CONTEXT)
    }
}

/// Forgets sent-message records older than `$1`.
const PRUNE_SENT: &str = "DELETE FROM whatsapp_sent WHERE sent_at < $1";

/// [`WhatsAppRecords::whatsapp_prune_sent`]'s write.
#[derive(Clone)]
struct PruneSent(i64);

impl Write for PruneSent {
    type Out = u64;
    const CONTEXT: &'static str = "pruning sent WhatsApp messages";

    async fn run(self, tx: &mut impl Exec) -> Result<u64> {
        tx.execute(PRUNE_SENT, args![self.0])
            .await
            .ctx(Self::CONTEXT)
    }
}

handle!(
    WhatsAppRecords,
    whatsapp,
    "What the WhatsApp channel keeps: webhook bodies, sent messages, 24-hour windows."
);

impl WhatsAppRecords<'_> {
    /// Deletes the records of messages sent before `before` (see [`SENT_KEPT_DAYS`]);
    /// returns how many went.
    pub async fn whatsapp_prune_sent(&self, before: DateTime<Utc>) -> Result<u64> {
        self.store.write(PruneSent(to_ms(before))).await
    }

    /// Applies `writes` in one transaction, in order. Returns, for each write, the id of the
    /// stored webhook body (for [`WhatsAppWrite::StoreInbound`]) or `None`.
    pub async fn whatsapp_apply(&self, writes: &[WhatsAppWrite]) -> Result<Vec<Option<i64>>> {
        // On a SQLite file the batch joins the group writer's transaction: a second
        // writing connection would fight it for the write lock (see `group`).
        self.store.write(Apply(writes.to_vec())).await
    }

    /// Webhook bodies stored but not yet processed (after a restart), oldest first.
    pub async fn whatsapp_pending_inbound(&self) -> Result<Vec<(i64, String)>> {
        let rows =
            sqlx::query("SELECT id, body FROM whatsapp_inbound WHERE dead_at IS NULL ORDER BY id")
                .fetch_all(&self.store.writer)
                .await
                .map_err(db("loading pending WhatsApp webhook bodies"))?;
        rows.iter()
            .map(|r| Ok((get(r, "id")?, get(r, "body")?)))
            .collect()
    }

    /// When `address` last wrote to the bot, if ever.
    pub async fn whatsapp_last_inbound(&self, address: &str) -> Result<Option<DateTime<Utc>>> {
        let row = sqlx::query("SELECT last_inbound_at FROM whatsapp_contacts WHERE address = $1")
            .bind(address)
            .fetch_optional(&self.store.reader)
            .await
            .map_err(db("loading a WhatsApp contact"))?;
        row.map(|r| from_ms(get(&r, "last_inbound_at")?, "whatsapp last_inbound_at"))
            .transpose()
    }

    /// A sent message and its delivery status.
    pub async fn whatsapp_sent(&self, wamid: &str) -> Result<Option<SentRecord>> {
        let row = sqlx::query(
            "SELECT wamid, address, kind, status, error FROM whatsapp_sent WHERE wamid = $1",
        )
        .bind(wamid)
        .fetch_optional(&self.store.reader)
        .await
        .map_err(db("loading a sent WhatsApp message"))?;
        let Some(r) = row else { return Ok(None) };
        let status: String = get(&r, "status")?;
        Ok(Some(SentRecord {
            wamid: get(&r, "wamid")?,
            address: get(&r, "address")?,
            kind: get(&r, "kind")?,
            status: Delivery::parse(&status).ok_or_else(|| super::StoreError::Corrupt {
                context: "whatsapp_sent status",
                detail: format!("unknown status {status:?}"),
            })?,
            error: get(&r, "error")?,
        }))
    }

    /// The dead webhook bodies (see [`WhatsAppWrite::DeadLetter`]), newest first, at most
    /// `limit`.
    pub async fn whatsapp_dead_letters(&self, limit: i64) -> Result<Vec<DeadLetter>> {
        let rows = sqlx::query(DEAD_LETTERS)
            .bind(limit)
            .fetch_all(&self.store.reader)
            .await
            .map_err(db("loading dead WhatsApp webhook bodies"))?;
        rows.iter()
            .map(|r| {
                Ok(DeadLetter {
                    id: get(r, "id")?,
                    received_at: from_ms(get(r, "received_at")?, "whatsapp_inbound received_at")?,
                    dead_at: from_ms(get(r, "dead_at")?, "whatsapp_inbound dead_at")?,
                    reason: get::<Option<String>>(r, "dead_reason")?.unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Makes a dead webhook body pending again and returns it, to be processed (by the
    /// running channel, or at the next start); `None` when no dead body has this id.
    pub async fn whatsapp_retry_dead(&self, id: i64) -> Result<Option<String>> {
        self.store.write(RetryDead(id)).await
    }

    /// How many webhook bodies wait to be processed (dead ones do not wait).
    pub async fn whatsapp_inbound_count(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM whatsapp_inbound WHERE dead_at IS NULL")
            .fetch_one(&self.store.writer)
            .await
            .map_err(db("counting WhatsApp webhook bodies"))?;
        get(&row, "n")
    }
}
