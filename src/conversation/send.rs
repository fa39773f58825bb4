//! [`ReplySender`]: delivers a channel's queued reply parts, in order per address, and marks
//! each one sent as soon as the platform took it.
//!
//! A channel calls [`ReplySender::flush`] for the address right after receiving a message
//! (so an answer's replies go out at once), and runs [`ReplySender::run`], which sweeps the
//! outbox for parts left unsent: by a crash between a step's commit and the send, or by a
//! platform failure that outlasted the retries. A lock per address keeps the two from
//! sending a part twice in one process, and a claim with a lease on the address's parts
//! ([`Replies::claim`](crate::store::Replies::claim)) does so across processes sharing a
//! database.
//!
//! What a crash can still do: a part the platform took in the instant before its `sent`
//! mark was committed is sent again after the restart (the platforms have no idempotency
//! key for messages). That is one part per address at most, against a lost question,
//! which would leave the respondent waiting for ever.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::{KeyGuard, KeyedLocks};
use crate::channel::SendError;
use crate::clock::Clock;
use crate::model::Channel;
use crate::store::{Lease, QueuedReply, Settled, Store, StoreError};

/// The future of [`Deliver::deliver`].
pub type DeliverFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Option<String>, SendError>> + Send + 'a>>;

/// How one channel puts a queued part on its platform.
pub trait Deliver: Send + Sync + 'static {
    /// The channel whose parts this delivers.
    fn channel(&self) -> Channel;

    /// Sends one part (rendered the channel's way, possibly as several platform messages),
    /// retrying rate limits and passing failures itself; returns the platform's id of the
    /// last message it became.
    fn deliver<'a>(&'a self, part: &'a QueuedReply) -> DeliverFuture<'a>;
}

/// What a flush did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Flushed {
    /// Parts the platform took.
    pub sent: usize,
    /// Parts settled without being sent (refused for good, or the address is unreachable).
    pub dropped: usize,
    /// Parts sent whose answer never came (timeout, connection lost): settled as
    /// uncertain and not sent again (the respondent may well have them).
    pub uncertain: usize,
    /// Why delivery stopped with parts still unsent (a failure that may pass; the sweep
    /// tries again).
    pub stopped: Option<SendError>,
}

/// How often [`ReplySender::run`] looks for parts left unsent.
pub const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// Parts read per sweep.
const SWEEP_BATCH: usize = 512;

/// How long a sender's claim on an address's parts keeps other senders (other processes
/// on the same database) away. Longer than any flush takes with its retries in normal
/// operation; after a crash, the restarted process (a new sender) waits this long for the
/// parts the dead one held.
pub const CLAIM_LEASE: Duration = Duration::from_secs(15);

/// Delivers one channel's reply outbox; see the module docs.
pub struct ReplySender {
    /// This sender's id in claims: random, so a restarted process is a new sender.
    id: String,
    store: Store,
    platform: Arc<dyn Deliver>,
    clock: Arc<dyn Clock>,
    locks: KeyedLocks<String>,
}

impl std::fmt::Debug for ReplySender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplySender")
            .field("channel", &self.platform.channel())
            .finish_non_exhaustive()
    }
}

impl ReplySender {
    /// A sender of `platform`'s channel over `store`'s outbox.
    pub fn new(store: Store, platform: Arc<dyn Deliver>, clock: Arc<dyn Clock>) -> ReplySender {
        let mut bits = [0u8; 8];
        // Without the OS's randomness the time still tells senders apart.
        if getrandom::fill(&mut bits).is_err() {
            bits = clock.now().timestamp_nanos_opt().unwrap_or(0).to_le_bytes();
        }
        ReplySender {
            id: format!("{}-{}", std::process::id(), hex::encode(bits)),
            store,
            platform,
            clock,
            locks: KeyedLocks::new(),
        }
    }

    /// The channel delivered.
    pub fn channel(&self) -> Channel {
        self.platform.channel()
    }

    /// Delivers every unsent part of `address`, in order, marking each sent as soon as the
    /// platform took it. Stops at a failure that may pass (the rest would make no sense
    /// before it); a part the platform refused for good is settled with the reason and
    /// the next one goes; an unreachable address marks its respondent unreachable and
    /// settles what is left.
    pub async fn flush(&self, address: &str) -> Result<Flushed, StoreError> {
        let _held = self.hold(address).await;
        self.flush_held(address).await
    }

    /// Takes this sender's lock on `address`, held until the guard is dropped: nothing of
    /// this sender sends to the address meanwhile.
    pub(crate) async fn hold(&self, address: &str) -> KeyGuard<'_, String> {
        self.locks.lock(address.to_string()).await
    }

    /// This sender's claim from now on, for [`ReplyBatch::claimed`](crate::store::ReplyBatch::claimed).
    pub(crate) fn lease(&self) -> Lease {
        let now = self.clock.now();
        let lease = chrono::Duration::from_std(CLAIM_LEASE).unwrap_or(chrono::Duration::MAX);
        Lease {
            sender: self.id.clone(),
            until: now + lease,
            now,
        }
    }

    /// [`ReplySender::flush`], the address's lock held (see [`ReplySender::hold`]).
    pub(crate) async fn flush_held(&self, address: &str) -> Result<Flushed, StoreError> {
        let lease = self.lease();
        let parts = self
            .store
            .replies()
            .claim(
                self.channel(),
                address,
                &lease.sender,
                lease.until,
                lease.now,
            )
            .await?;
        self.deliver_held(address, parts).await
    }

    /// Delivers `parts`, claimed by this sender for `address` (in order), the address's
    /// lock held (see [`ReplySender::hold`]).
    pub(crate) async fn deliver_held(
        &self,
        address: &str,
        parts: Vec<QueuedReply>,
    ) -> Result<Flushed, StoreError> {
        let channel = self.channel();
        let mut done = Flushed::default();
        let mut rest = parts.iter();
        while let Some(part) = rest.next() {
            let delivered = self.platform.deliver(part).await;
            crate::metrics::send_result(channel.as_str(), &delivered);
            match delivered {
                Ok(id) if rest.len() == 0 => {
                    // The last part: the next send to this address is the next claim,
                    // which the store orders after this settlement, so nobody waits for
                    // it (a crash before it is committed repeats this part, as one in
                    // flight).
                    let part = Settled {
                        id: part.id,
                        platform_message_id: id,
                        error: None,
                    };
                    self.store
                        .replies()
                        .settle_in_order(std::slice::from_ref(&part), self.clock.now())
                        .await?;
                    done.sent += 1;
                }
                Ok(id) => {
                    self.settle(part.id, id, None).await?;
                    done.sent += 1;
                }
                Err(SendError::Rejected(e)) => {
                    tracing::warn!(%channel, error = %e, "reply part refused by the platform; dropped");
                    self.settle(part.id, None, Some(format!("rejected: {e}")))
                        .await?;
                    done.dropped += 1;
                }
                Err(SendError::Uncertain(e)) => {
                    // Sending it again could show the respondent the same message twice
                    // (a reply slower than the timeout arrives all the same): settled
                    // with the reason, and the next part goes.
                    tracing::warn!(%channel, error = %e, "no answer for a reply part; not sent again");
                    self.settle(part.id, None, Some(format!("uncertain: {e}")))
                        .await?;
                    done.uncertain += 1;
                }
                Err(SendError::Unreachable(e)) => {
                    tracing::info!(%channel, error = %e, "address unreachable; its replies dropped");
                    let respondent = match part.respondent {
                        Some(id) => Some(id),
                        None => {
                            self.store
                                .respondents()
                                .respondent_by_channel(channel.as_str(), address)
                                .await?
                        }
                    };
                    if let Some(id) = respondent {
                        self.store.respondents().mark_unreachable(id, true).await?;
                    }
                    let now = self.clock.now();
                    let settled: Vec<Settled> = std::iter::once(part)
                        .chain(rest)
                        .map(|p| Settled {
                            id: p.id,
                            platform_message_id: None,
                            error: Some(format!("unreachable: {e}")),
                        })
                        .collect();
                    done.dropped += settled.len();
                    self.store.replies().settle(&settled, now).await?;
                    break;
                }
                Err(e) => {
                    tracing::warn!(%channel, error = %e, "reply not delivered yet; will try again");
                    done.stopped = Some(e);
                    break;
                }
            }
        }
        Ok(done)
    }

    async fn settle(
        &self,
        id: i64,
        platform_message_id: Option<String>,
        error: Option<String>,
    ) -> Result<(), StoreError> {
        let part = Settled {
            id,
            platform_message_id,
            error,
        };
        self.store
            .replies()
            .settle(std::slice::from_ref(&part), self.clock.now())
            .await
    }

    /// Sweeps the outbox at once and then every [`SWEEP_EVERY`] until `shutdown` turns
    /// true: every address with unsent parts is flushed (addresses concurrently, each in
    /// order).
    pub async fn run(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                break;
            }
            self.clone().sweep().await;
            tokio::select! {
                changed = shutdown.changed() => {
                    if changed.is_err() {
                        break;
                    }
                }
                _ = tokio::time::sleep(SWEEP_EVERY) => {}
            }
        }
    }

    /// One sweep; returns how many addresses had parts waiting.
    pub async fn sweep(self: Arc<Self>) -> usize {
        let pending = match self
            .store
            .replies()
            .pending(self.channel(), SWEEP_BATCH)
            .await
        {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the reply outbox");
                return 0;
            }
        };
        let mut addresses: Vec<String> = Vec::new();
        for p in pending {
            if !addresses.contains(&p.address) {
                addresses.push(p.address);
            }
        }
        let n = addresses.len();
        let mut tasks = tokio::task::JoinSet::new();
        for address in addresses {
            let me = self.clone();
            tasks.spawn(async move {
                if let Err(e) = me.flush(&address).await {
                    tracing::warn!(error = %e, "cannot deliver queued replies");
                }
            });
        }
        while tasks.join_next().await.is_some() {}
        n
    }
}
