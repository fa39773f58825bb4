//! [`PlatformRate`]: one send budget per platform account (a Telegram bot, a WhatsApp
//! number), taken by everything that sends on it: the conversation's replies
//! ([`Deliver`](crate::conversation::Deliver)) and the reminder waves
//! ([`Outbound`](super::Outbound)). `jejak run` creates one per account and hands it to both,
//! so together they stay within the platform's limit instead of each using all of it.
//!
//! How the share works: replies come first. A reminder takes a slot only while no reply is
//! waiting for one ([`PlatformRate::acquire_reminder`]), so a respondent in the middle of
//! the survey never waits behind a wave; and the dispatcher paces waves at a part of the
//! rate ([`WAVE_SHARE`]), so a reply normally finds a free slot at once. The dispatcher
//! takes a reminder's slot before it records the row as `sending`
//! ([`Outbound::reserve`](super::Outbound::reserve)), so a crash while a reminder waits
//! here leaves the row pending, not uncertain. Heavy conversation slows a wave down, never the other way round. The budget
//! is spaced evenly (no burst), so no one-second window holds more than the rate, which is
//! how the platforms count.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::Duration;

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};

/// The part of a platform's rate the reminder dispatcher of `jejak run` paces waves at; the
/// rest is kept for conversation replies.
pub const WAVE_SHARE: f64 = 0.8;

/// Messages one chat may receive at once before its own limit spaces them (Telegram
/// allows short bursts above one message per second in a chat).
pub const CHAT_BURST: u32 = 3;

/// Who is sending: a conversation's reply goes before a reminder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// A reply to what a respondent just said.
    Reply,
    /// A reminder or an invitation of a wave.
    Reminder,
    /// A request whose slot was already taken with [`PlatformRate::acquire_reminder`]
    /// (the dispatcher takes the slot, then records the row as `sending`, then sends, so a
    /// row is `sending` only while its request is really on its way): goes at once.
    Reserved,
}

/// One platform account's send budget; see the module docs. Cheap to share in an `Arc`.
#[derive(Debug)]
pub struct PlatformRate {
    total: Option<DefaultDirectRateLimiter>,
    per_chat: Option<DefaultKeyedRateLimiter<String>>,
    /// Messages since the per-chat table was last trimmed.
    since_trim: AtomicU32,
    /// Replies waiting for a slot (reminders give way to them).
    replies_waiting: AtomicUsize,
}

/// Messages between two trims of the per-chat table (chats whose budget is full again are
/// dropped; it would otherwise keep every chat ever written to).
const TRIM_EVERY: u32 = 4096;

impl PlatformRate {
    /// `per_second` messages in total (none or not positive: no limit), and, with
    /// `per_chat`, one message per that interval to each address after a burst of
    /// [`CHAT_BURST`].
    pub fn new(per_second: Option<f64>, per_chat: Option<Duration>) -> PlatformRate {
        let total = per_second
            .filter(|r| r.is_finite() && *r > 0.0)
            .and_then(|r| Quota::with_period(Duration::from_secs_f64(1.0 / r)))
            .map(|q| RateLimiter::direct(q.allow_burst(NonZeroU32::MIN)));
        let burst = NonZeroU32::new(CHAT_BURST).unwrap_or(NonZeroU32::MIN);
        let per_chat = per_chat
            .filter(|d| !d.is_zero())
            .and_then(Quota::with_period)
            .map(|q| RateLimiter::keyed(q.allow_burst(burst)));
        PlatformRate {
            total,
            per_chat,
            since_trim: AtomicU32::new(0),
            replies_waiting: AtomicUsize::new(0),
        }
    }

    /// No limit at all (tests and benchmarks that measure the bot, not the platform).
    pub fn unlimited() -> PlatformRate {
        PlatformRate::new(None, None)
    }

    /// Waits for the slot of one message of `priority` to `address`.
    pub async fn acquire(&self, address: &str, priority: Priority) {
        match priority {
            Priority::Reply => self.acquire_reply(address).await,
            Priority::Reminder => self.acquire_reminder(address).await,
            Priority::Reserved => {}
        }
    }

    /// Waits until one more reply to `address` may go (before any reminder waiting).
    pub async fn acquire_reply(&self, address: &str) {
        self.per_chat(address).await;
        if let Some(l) = &self.total {
            // Counted while waiting; the guard also counts down a wait cut off by a
            // dropped future.
            let _waiting = Waiting::new(&self.replies_waiting);
            l.until_ready().await;
        }
    }

    /// Waits until one more reminder to `address` may go: a free slot while no reply is
    /// waiting for one.
    pub async fn acquire_reminder(&self, address: &str) {
        self.per_chat(address).await;
        let Some(l) = &self.total else {
            return;
        };
        loop {
            if self.replies_waiting.load(Ordering::Acquire) == 0 {
                match l.check() {
                    Ok(()) => return,
                    Err(not_until) => {
                        let wait = not_until.wait_time_from(DefaultClock::default().now());
                        tokio::time::sleep(wait.max(GIVE_WAY)).await;
                    }
                }
            } else {
                tokio::time::sleep(GIVE_WAY).await;
            }
        }
    }

    async fn per_chat(&self, address: &str) {
        if let Some(l) = &self.per_chat {
            if self.since_trim.fetch_add(1, Ordering::Relaxed) >= TRIM_EVERY {
                self.since_trim.store(0, Ordering::Relaxed);
                l.retain_recent();
            }
            l.until_key_ready(&address.to_string()).await;
        }
    }
}

/// How long a reminder waits before looking again while replies go first.
const GIVE_WAY: Duration = Duration::from_millis(2);

/// Counts a waiting reply for as long as it lives.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(n: &'a AtomicUsize) -> Self {
        n.fetch_add(1, Ordering::AcqRel);
        Waiting(n)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[tokio::test]
    async fn spaces_messages_evenly_and_per_chat() {
        let rate = PlatformRate::new(Some(100.0), Some(Duration::from_millis(200)));
        let t0 = Instant::now();
        // Ten messages in total: about 90 ms at 100/s (the first goes at once).
        for i in 0..10 {
            rate.acquire_reply(&format!("chat-{i}")).await;
        }
        let total = t0.elapsed();
        assert!(total >= Duration::from_millis(80), "{total:?}");
        // One chat: the burst at once, then one per 200 ms.
        let t1 = Instant::now();
        for _ in 0..(CHAT_BURST + 1) {
            rate.acquire_reply("one").await;
        }
        let chat = t1.elapsed();
        assert!(chat >= Duration::from_millis(180), "{chat:?}");
        let free = PlatformRate::unlimited();
        let t2 = Instant::now();
        for _ in 0..1000 {
            free.acquire_reminder("x").await;
        }
        assert!(t2.elapsed() < Duration::from_millis(200));
    }
}
