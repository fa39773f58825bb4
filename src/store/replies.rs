//! The reply outbox (migration 0012): every reply part the bot owes a respondent, one row
//! each, written in the same transaction as the conversation step that produced it
//! ([`Sessions::commit_step_with_replies`]) or, for what is said outside a step (a refusal, an
//! identity question), together with the claim of the inbound message id
//! ([`Replies::queue`]). A channel's sender reads the parts of an address in order and marks
//! each one sent once the platform took it, so a crash between the commit and the send
//! loses nothing: the parts are still unsent after the restart.
//!
//! The statements serve sqlx (PostgreSQL, in-memory SQLite) and rusqlite (the SQLite group
//! writer) alike: one text each, parameters `$1`, `$2`… in order of appearance.

use chrono::{DateTime, Utc};

use super::error::db;
use super::sql::{Ctx, Exec, Write, args};
use super::{Columns, RespondentId, Result, Store, StoreError, to_ms};
use crate::engine::Reply;
use crate::model::{Channel, Lang};

/// Queues one reply part (`$1` channel, `$2` address, `$3` respondent, `$4` language,
/// `$5` the reply as JSON, `$6` when).
const QUEUE_REPLY: &str = "INSERT INTO reply_outbox \
     (channel, address, respondent_id, lang, reply, queued_at) \
     VALUES ($1, $2, $3, $4, $5, $6)";

/// Queues one reply part already claimed by the sender that will deliver it (`$1`…`$6` as
/// [`QUEUE_REPLY`], `$7` sender, `$8` lease end); gives the part's id.
const QUEUE_CLAIMED: &str = "INSERT INTO reply_outbox \
     (channel, address, respondent_id, lang, reply, queued_at, claimed_by, claimed_until) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";

/// [`QUEUE_CLAIMED`] only while the address has no unsent part (no row then): the first
/// part of a step's batch, so the usual case needs no read of its own.
const QUEUE_CLAIMED_FIRST: &str = "INSERT INTO reply_outbox \
     (channel, address, respondent_id, lang, reply, queued_at, claimed_by, claimed_until) \
     SELECT $1, $2, $3, $4, $5, $6, $7, $8 \
     WHERE NOT EXISTS (SELECT 1 FROM reply_outbox \
                       WHERE channel = $1 AND address = $2 AND sent_at IS NULL) \
     RETURNING id";

/// Whether an address has any unsent part (`$1` channel, `$2` address).
const ANY_UNSENT: &str = "SELECT id FROM reply_outbox \
     WHERE channel = $1 AND address = $2 AND sent_at IS NULL LIMIT 1";

/// Claims an inbound message handled outside a step (`$1` channel, `$2` message id,
/// `$3` when); changes no row when it was claimed before.
const CLAIM_INBOUND: &str = "INSERT INTO inbound_messages \
     (channel, message_id, received_at) VALUES ($1, $2, $3) \
     ON CONFLICT (channel, message_id) DO NOTHING";

/// Settles a part (`$1` when, `$2` platform message id, `$3` error, `$4` id); a part is
/// settled once.
const SETTLE: &str = "UPDATE reply_outbox SET sent_at = $1, platform_message_id = $2, \
     error = $3 WHERE id = $4 AND sent_at IS NULL";

/// The columns [`queued_from_row`] reads.
macro_rules! reply_columns {
    () => {
        "id, channel, address, respondent_id, lang, reply"
    };
}

/// Unsent parts of a channel, oldest first (`$1` channel, `$2` limit).
const PENDING: &str = concat!(
    "SELECT ",
    reply_columns!(),
    " FROM reply_outbox WHERE channel = $1 AND sent_at IS NULL ORDER BY id LIMIT $2"
);

/// Unsent parts of one address, in order (`$1` channel, `$2` address).
const UNSENT: &str = concat!(
    "SELECT ",
    reply_columns!(),
    " FROM reply_outbox WHERE channel = $1 AND address = $2 AND sent_at IS NULL ORDER BY id"
);

/// Claims the unsent parts of one address for a sender (`$1` sender, `$2` lease end,
/// `$3` channel, `$4` address, `$5` now): all of them, or none while another sender's lease
/// on any of them runs (the parts of an address go in order, by one sender at a time). The
/// row's own condition repeats the lease check, so on PostgreSQL a second claimer blocked
/// on the rows sees the first one's claim when it gets them.
const CLAIM: &str = concat!(
    "UPDATE reply_outbox SET claimed_by = $1, claimed_until = $2 \
     WHERE channel = $3 AND address = $4 AND sent_at IS NULL \
       AND (claimed_until IS NULL OR claimed_until <= $5 OR claimed_by = $1) \
       AND NOT EXISTS (SELECT 1 FROM reply_outbox o WHERE o.channel = $3 AND o.address = $4 \
             AND o.sent_at IS NULL AND o.claimed_by <> $1 AND o.claimed_until > $5) \
     RETURNING ",
    reply_columns!()
);

/// Every part of one address after a cursor, in order (`$1` channel, `$2` address,
/// `$3` the last id seen).
const AFTER: &str = concat!(
    "SELECT ",
    reply_columns!(),
    " FROM reply_outbox WHERE channel = $1 AND address = $2 AND id > $3 ORDER BY id"
);

/// A reply part waiting in (or read back from) the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedReply {
    /// The row's id; ids grow in the order parts were queued.
    pub id: i64,
    /// The channel to send it on.
    pub channel: Channel,
    /// The address on that channel.
    pub address: String,
    /// What to say.
    pub reply: Reply,
    /// The conversation's language when the part was queued (labels a channel adds itself,
    /// such as a "done" button, use it).
    pub lang: Lang,
    /// Whose conversation it belongs to, when known.
    pub respondent: Option<RespondentId>,
}

/// A sender's claim on an address's parts until a lease runs out (see
/// [`Replies::claim`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The sender's id.
    pub sender: String,
    /// When the lease ends.
    pub until: DateTime<Utc>,
    /// Now (a lease of another sender that ended before this is over).
    pub now: DateTime<Utc>,
}

/// Reply parts for one address, encoded for the outbox.
#[derive(Debug, Clone)]
pub struct ReplyBatch {
    channel: Channel,
    address: String,
    respondent: Option<RespondentId>,
    lang: Lang,
    replies: Vec<Reply>,
    parts: Vec<String>,
    /// Claim the address's parts for this sender in the same transaction.
    lease: Option<Lease>,
}

impl ReplyBatch {
    /// The parts `replies`, in order, for `address` on `channel`.
    pub fn new(
        channel: Channel,
        address: &str,
        respondent: Option<RespondentId>,
        lang: Lang,
        replies: &[Reply],
    ) -> Result<ReplyBatch> {
        let parts = replies
            .iter()
            .map(|r| {
                serde_json::to_string(r).map_err(|source| StoreError::Encode {
                    context: "a reply",
                    source,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(ReplyBatch {
            channel,
            address: address.to_owned(),
            respondent,
            lang,
            replies: replies.to_vec(),
            parts,
            lease: None,
        })
    }

    /// The same parts, with the address's unsent parts (these and any left before them)
    /// claimed under `lease` in the transaction that queues them, as [`Replies::claim`]
    /// would right after: the write then returns the claimed parts, in order, and the
    /// sender needs no write of its own to claim them.
    pub fn claimed(mut self, lease: Lease) -> ReplyBatch {
        self.lease = Some(lease);
        self
    }

    /// How many parts.
    pub fn len(&self) -> usize {
        self.parts.len()
    }

    /// Whether there is nothing to queue.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// Adds the parts of `other` (same address) after these.
    pub fn extend(&mut self, other: ReplyBatch) {
        self.replies.extend(other.replies);
        self.parts.extend(other.parts);
    }

    /// Writes the parts inside the open transaction `tx`; with a lease, claims the
    /// address's unsent parts and returns them (else nothing).
    pub(super) async fn write(&self, tx: &mut impl Exec, now: i64) -> Result<Vec<QueuedReply>> {
        let Some(lease) = &self.lease else {
            self.write_unclaimed(tx, now).await?;
            return Ok(Vec::new());
        };
        let until = to_ms(lease.until);
        // Built only when parts wait (not on the usual path).
        let claim = || Claim {
            channel: self.channel,
            address: self.address.clone(),
            sender: lease.sender.clone(),
            until,
            now: to_ms(lease.now),
        };
        if self.parts.is_empty() {
            // Nothing new: what an earlier delivery left unsent goes now, if anything.
            let earlier = tx
                .fetch_optional(
                    ANY_UNSENT,
                    args![self.channel.as_str(), &self.address],
                    |_| Ok(()),
                )
                .await
                .ctx("looking for unsent replies")?;
            return match earlier {
                Some(()) => claim().run(tx).await,
                None => Ok(Vec::new()),
            };
        }
        // The usual case: nothing else waits, so the parts are written claimed (the first
        // one only if so), and what the sender needs is here already.
        let mut out = Vec::with_capacity(self.parts.len());
        for (i, (part, reply)) in self.parts.iter().zip(&self.replies).enumerate() {
            let sql = if i == 0 {
                QUEUE_CLAIMED_FIRST
            } else {
                QUEUE_CLAIMED
            };
            let id = tx
                .fetch_optional(
                    sql,
                    args![
                        self.channel.as_str(),
                        &self.address,
                        self.respondent,
                        self.lang.tag(),
                        part,
                        now,
                        &lease.sender,
                        until
                    ],
                    |r| r.int("id"),
                )
                .await
                .ctx("queueing a reply")?;
            let Some(id) = id else {
                if i == 0 {
                    break;
                }
                return Err(StoreError::Corrupt {
                    context: "reply_outbox",
                    detail: "a queued part came back without its id".into(),
                });
            };
            out.push(QueuedReply {
                id,
                channel: self.channel,
                address: self.address.clone(),
                reply: reply.clone(),
                lang: self.lang,
                respondent: self.respondent,
            });
        }
        if out.len() < self.parts.len() {
            // Parts left before these (a failure, a crash): claimed with them, in order, or
            // not at all while another sender holds them.
            self.write_unclaimed(tx, now).await?;
            return claim().run(tx).await;
        }
        Ok(out)
    }

    async fn write_unclaimed(&self, tx: &mut impl Exec, now: i64) -> Result<()> {
        for part in &self.parts {
            tx.execute(
                QUEUE_REPLY,
                args![
                    self.channel.as_str(),
                    &self.address,
                    self.respondent,
                    self.lang.tag(),
                    part,
                    now
                ],
            )
            .await
            .ctx("queueing a reply")?;
        }
        Ok(())
    }
}

/// How one part ended: taken by the platform (with its message id), or refused for good
/// (with the reason; it is not sent again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    /// The part.
    pub id: i64,
    /// The platform's id of the (last) message it became.
    pub platform_message_id: Option<String>,
    /// Why the platform refused it, when it did.
    pub error: Option<String>,
}

/// The reply outbox of a [`Store`]; see the module docs.
#[derive(Debug, Clone, Copy)]
pub struct Replies<'a> {
    store: &'a Store,
}

impl Store {
    /// The reply outbox.
    pub fn replies(&self) -> Replies<'_> {
        Replies { store: self }
    }
}

impl Replies<'_> {
    /// Unsent parts of `channel`, oldest first, at most `limit`; per address in order.
    pub async fn pending(&self, channel: Channel, limit: usize) -> Result<Vec<QueuedReply>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = sqlx::query(PENDING)
            .bind(channel.as_str())
            .bind(limit)
            .fetch_all(&self.store.reader)
            .await
            .map_err(db("listing unsent replies"))?;
        rows.iter().map(queued_from_row).collect()
    }

    /// Unsent parts of one address, in order.
    pub async fn unsent(&self, channel: Channel, address: &str) -> Result<Vec<QueuedReply>> {
        // Read after every answer of the web chat: inline, as the other per-message reads.
        self.store
            .read_all(
                "listing an address's unsent replies",
                UNSENT,
                args![channel.as_str(), address],
                |row| queued_from_row(row),
            )
            .await
    }

    /// Claims the unsent parts of `address` for `sender` until `lease_until`, in order:
    /// all of them, or none while another sender holds any (see [`Replies::settle`] for
    /// the end of a part's life). Two processes sharing a database never send one part
    /// both, as long as a send takes less than the lease.
    pub async fn claim(
        &self,
        channel: Channel,
        address: &str,
        sender: &str,
        lease_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<QueuedReply>> {
        let (until, now) = (to_ms(lease_until), to_ms(now));
        self.store
            .write(Claim {
                channel,
                address: address.to_owned(),
                sender: sender.to_owned(),
                until,
                now,
            })
            .await
    }

    /// Every part of one address (sent or not) with an id above `after_id`, in order: a
    /// client polling by cursor (the web chat).
    pub async fn after(
        &self,
        channel: Channel,
        address: &str,
        after_id: i64,
    ) -> Result<Vec<QueuedReply>> {
        let rows = sqlx::query(AFTER)
            .bind(channel.as_str())
            .bind(address)
            .bind(after_id)
            .fetch_all(&self.store.reader)
            .await
            .map_err(db("listing an address's replies"))?;
        rows.iter().map(queued_from_row).collect()
    }

    /// Marks one part sent, with the platform's message id if it gave one.
    pub async fn mark_sent(&self, id: i64, platform_message_id: Option<&str>) -> Result<()> {
        self.settle(
            &[Settled {
                id,
                platform_message_id: platform_message_id.map(str::to_owned),
                error: None,
            }],
            Utc::now(),
        )
        .await
    }

    /// [`Replies::settle`], without waiting for the commit where the store keeps its writes
    /// in order (a SQLite file: every later write of this process, such as the next claim
    /// of the address's parts, comes after it); elsewhere the same as `settle`. Meant for
    /// the last part a sender delivered: if the process dies before the write is
    /// committed, that part is sent again after the restart, as a part in flight would
    /// be; a failure of the write is logged, and the part would be sent again later.
    pub async fn settle_in_order(&self, parts: &[Settled], now: DateTime<Utc>) -> Result<()> {
        if parts.is_empty() {
            return Ok(());
        }
        self.store
            .write_in_order(Settle {
                parts: parts.to_vec(),
                now: to_ms(now),
            })
            .await
    }

    /// Settles parts (sent, or refused for good) at `now`, in one transaction. A part
    /// settled before stays as it was.
    ///
    /// One part on PostgreSQL is one autocommit statement on the store's mark connections
    /// (a round trip, not queued behind steps, not waiting for the disk; see
    /// `Store::marks`): the window in which a kill leaves a part the platform took
    /// unmarked, to be sent again after the restart, is as short as the sender can make
    /// it. (On the SQLite group writer a part is a savepoint of the next group's commit.)
    pub async fn settle(&self, parts: &[Settled], now: DateTime<Utc>) -> Result<()> {
        if parts.is_empty() {
            return Ok(());
        }
        if let ([p], Some(marks)) = (parts, &self.store.marks) {
            sqlx::query(SETTLE)
                .bind(to_ms(now))
                .bind(p.platform_message_id.as_deref())
                .bind(p.error.as_deref())
                .bind(p.id)
                .execute(marks)
                .await
                .map_err(db("settling a reply"))?;
            return Ok(());
        }
        self.store
            .write(Settle {
                parts: parts.to_vec(),
                now: to_ms(now),
            })
            .await
    }

    /// Queues `batch` outside a conversation step. With `inbound`, the message id is claimed
    /// in the same transaction, and a message claimed before queues nothing: returns
    /// `None`. Else the parts claimed with the batch's lease, if it has one (see
    /// [`ReplyBatch::claimed`]).
    pub async fn queue(
        &self,
        batch: &ReplyBatch,
        inbound: Option<(Channel, &str)>,
        now: DateTime<Utc>,
    ) -> Result<Option<Vec<QueuedReply>>> {
        self.store
            .write(Queue {
                batch: batch.clone(),
                inbound: inbound.map(|(c, id)| (c, id.to_owned())),
                now: to_ms(now),
            })
            .await
    }
}

/// Claims an inbound message handled outside a step; true if it was not claimed before.
#[derive(Clone)]
pub(super) struct ClaimInbound {
    pub(super) channel: String,
    pub(super) message_id: String,
    pub(super) now: i64,
}

impl Write for ClaimInbound {
    type Out = bool;
    const CONTEXT: &'static str = "recording an inbound message";

    async fn run(self, tx: &mut impl Exec) -> Result<bool> {
        let claimed = tx
            .execute(
                CLAIM_INBOUND,
                args![&self.channel, &self.message_id, self.now],
            )
            .await
            .ctx("recording an inbound message")?;
        Ok(claimed == 1)
    }
}

/// [`Replies::claim`]'s write.
#[derive(Clone)]
struct Claim {
    channel: Channel,
    address: String,
    sender: String,
    until: i64,
    now: i64,
}

impl Write for Claim {
    type Out = Vec<QueuedReply>;
    const CONTEXT: &'static str = "claiming replies";

    async fn run(self, tx: &mut impl Exec) -> Result<Vec<QueuedReply>> {
        let mut parts = tx
            .fetch_all(
                CLAIM,
                args![
                    &self.sender,
                    self.until,
                    self.channel.as_str(),
                    &self.address,
                    self.now
                ],
                |r| queued_from_row(r),
            )
            .await
            .ctx("claiming replies")?;
        // RETURNING promises no order.
        parts.sort_by_key(|p| p.id);
        Ok(parts)
    }
}

/// [`Replies::settle`]'s write.
#[derive(Clone)]
struct Settle {
    parts: Vec<Settled>,
    now: i64,
}

impl Write for Settle {
    type Out = ();
    const CONTEXT: &'static str = "settling replies";

    async fn run(self, tx: &mut impl Exec) -> Result<()> {
        for p in &self.parts {
            tx.execute(
                SETTLE,
                args![self.now, &p.platform_message_id, &p.error, p.id],
            )
            .await
            .ctx("settling a reply")?;
        }
        Ok(())
    }
}

/// [`Replies::queue`]'s write.
#[derive(Clone)]
struct Queue {
    batch: ReplyBatch,
    inbound: Option<(Channel, String)>,
    now: i64,
}

impl Write for Queue {
    type Out = Option<Vec<QueuedReply>>;
    const CONTEXT: &'static str = "queueing replies";

    async fn run(self, tx: &mut impl Exec) -> Result<Option<Vec<QueuedReply>>> {
        if let Some((channel, id)) = self.inbound {
            let claim = ClaimInbound {
                channel: channel.as_str().to_owned(),
                message_id: id,
                now: self.now,
            };
            if !claim.run(tx).await? {
                return Ok(None);
            }
        }
        self.batch.write(tx, self.now).await.map(Some)
    }
}

/// Decodes a `reply_outbox` row.
fn queued_from_row(row: &(impl Columns + ?Sized)) -> Result<QueuedReply> {
    let channel = row.text("channel")?;
    let channel = Channel::parse(&channel).ok_or_else(|| StoreError::Corrupt {
        context: "reply_outbox channel",
        detail: format!("unknown channel {channel:?}"),
    })?;
    let lang = row.text("lang")?;
    let reply = row.text("reply")?;
    Ok(QueuedReply {
        id: row.int("id")?,
        channel,
        address: row.text("address")?,
        reply: serde_json::from_str(&reply).map_err(|e| StoreError::Corrupt {
            context: "reply_outbox reply",
            detail: e.to_string(),
        })?,
        lang: Lang::from_tag(&lang).unwrap_or_default(),
        respondent: row.int_opt("respondent_id")?,
    })
}
