//! Sends the outbox: claims due rows, re-checks each one at send time (finished or stopped
//! since planning, unreachable, quiet hours where they live), paces sends at the channel's
//! rate shared among live workers and per chat, and records every outcome.
//!
//! Exactly once across crashes: a row is committed as `sending` once its send slot is
//! taken, right before the platform call, and as `sent` right after. A row found in `sending` whose worker is dead is
//! `uncertain` and is not sent again (a reminder missed is better than a reminder twice).

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::time::Instant;

use super::Clock;
use super::quiet::QuietHours;
use super::zones;
use crate::channel::{Outbound, OutboundMessage, SendError, Template};
use crate::engine::{self, Context, Reply, SessionState};
use crate::flow::Flow;
use crate::i18n::Catalog;
use crate::model::Lang;
use crate::store::{OutboxItem, Result, Settle, Store};

/// How a dispatcher behaves. [`DispatchConfig::default`] gives Telegram's limits.
#[derive(Debug, Clone)]
pub struct DispatchConfig {
    /// This worker's id in `dispatch_workers` (unique per process).
    pub worker_id: String,
    /// Quiet hours and blocked windows.
    pub quiet: QuietHours,
    /// Messages per second per channel, in total over all workers.
    pub rates: HashMap<String, f64>,
    /// Shortest time between two messages to one chat.
    pub per_chat_interval: StdDuration,
    /// The share of the platform limit actually used, for jitter between a request
    /// leaving and reaching the platform (0.97: a 30/s limit is paced at 29.1/s). However
    /// many workers share the rate, each one's requests reach the platform at most its
    /// share per rolling second as long as none is delayed more than
    /// `1 s × (1 / rate_margin − 1)` against an earlier one: 31 ms at 0.97. Measured with
    /// three workers on a loaded machine (load 5–6): 0.985 (15 ms) and 0.98 (20 ms) still
    /// drew one 429 in about 40 s, 0.97 none (`WAVES_BENCH_RATE_MARGIN`, docs/benchmarks.md).
    pub rate_margin: f64,
    /// Most requests in flight at once (platform latency × rate).
    pub max_in_flight: usize,
    /// How long a claim on pending rows lasts if its worker vanishes.
    pub claim_lease: StdDuration,
    /// How often a worker beats (and re-reads how many workers share the rate).
    pub heartbeat_every: StdDuration,
    /// A worker without a beat for this long is dead.
    pub live_window: StdDuration,
    /// Attempts before a message failing temporarily is given up.
    pub max_attempts: i64,
    /// Longest sleep when there is nothing to send.
    pub idle_poll: StdDuration,
    /// How long after its slot a request leaves, at the earliest. The row is committed as
    /// `sending` after the slot is taken; the commit's time varies (a lock, a disk flush, a
    /// busy CPU), and a request leaving as soon as its commit is done left closer to the
    /// one before it than the pacer spaced them: with three workers paced at 98.5 % of
    /// Telegram's 30/s on PostgreSQL, 5–6 × 429 in 40 s. Waiting a fixed time after the
    /// slot keeps the spacing whenever the commit is quicker than this (and the pacer's
    /// gate keeps it when it is not, losing the time instead).
    pub send_lag: StdDuration,
}

impl Default for DispatchConfig {
    fn default() -> Self {
        DispatchConfig {
            worker_id: new_worker_id(),
            quiet: QuietHours::default(),
            rates: HashMap::from([("telegram".into(), 30.0), ("whatsapp".into(), 80.0)]),
            per_chat_interval: StdDuration::from_secs(1),
            rate_margin: 0.97,
            max_in_flight: 32,
            claim_lease: StdDuration::from_secs(30),
            heartbeat_every: StdDuration::from_millis(500),
            live_window: StdDuration::from_secs(3),
            max_attempts: 5,
            idle_poll: StdDuration::from_millis(500),
            send_lag: StdDuration::from_millis(25),
        }
    }
}

/// A fresh worker id: the process id plus random bits (ids must differ across restarts).
pub fn new_worker_id() -> String {
    let mut b = [0u8; 6];
    // Without OS randomness the nanosecond clock still separates restarts of one process.
    if getrandom::fill(&mut b).is_err() {
        let n = Utc::now().timestamp_subsec_nanos().to_le_bytes();
        b[..4].copy_from_slice(&n);
    }
    format!("{}-{}", std::process::id(), hex::encode(b))
}

/// Spaces sends evenly at a rate that can change (workers join and leave) and pauses when
/// the platform says "retry after".
///
/// Twice: a row takes a slot ([`Pacer::acquire`]) before it is recorded as `sending`, and its
/// request leaves through the gate ([`Pacer::depart`]) after that commit. The slots alone
/// kept the spacing only while every commit was quicker than `send_lag`: a commit that took
/// longer sent its request late, the next one left on time, and the two went closer than
/// the interval (on a loaded machine, one worker's 11 requests in one second: a 429 from a
/// platform that counts 30 per second, with three workers at 98.5 % of it). The gate keeps
/// at least the interval between two requests actually leaving, so lateness is lost time,
/// never a burst.
#[derive(Debug)]
struct Pacer {
    state: Mutex<PacerState>,
}

#[derive(Debug)]
struct PacerState {
    /// The next free slot.
    next: Instant,
    /// The earliest time the next request may leave.
    gate: Instant,
    interval: StdDuration,
}

impl Pacer {
    fn new(interval: StdDuration) -> Pacer {
        let now = Instant::now();
        Pacer {
            state: Mutex::new(PacerState {
                next: now,
                gate: now,
                interval,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PacerState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for the slot of `n` messages; returns the slot's time.
    async fn acquire(&self, n: u32) -> Instant {
        let at = {
            let mut g = self.lock();
            let at = g.next.max(Instant::now());
            g.next = at + g.interval * n.max(1);
            at
        };
        tokio::time::sleep_until(at).await;
        at
    }

    /// Waits until the request of `n` messages may leave: not before `at`, and at least
    /// the interval (per message) after the request that left before it. Returns the time
    /// it may leave.
    async fn depart(&self, at: Instant, n: u32) -> Instant {
        let at = {
            let mut g = self.lock();
            let at = at.max(g.gate).max(Instant::now());
            g.gate = at + g.interval * n.max(1);
            at
        };
        tokio::time::sleep_until(at).await;
        at
    }

    fn set_interval(&self, d: StdDuration) {
        self.lock().interval = d;
    }

    fn pause(&self, d: StdDuration) {
        let mut g = self.lock();
        let until = Instant::now() + d;
        g.next = g.next.max(until);
        // Requests that already hold a slot wait too.
        g.gate = g.gate.max(until);
    }
}

/// What one call of [`Dispatcher::dispatch_batch`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchReport {
    /// Rows claimed.
    pub claimed: usize,
    /// Sent.
    pub sent: usize,
    /// Skipped (finished, stopped, unreachable since planning).
    pub skipped: usize,
    /// Held back (quiet hours, per-chat limit).
    pub held: usize,
    /// Requeued after a rate limit or temporary failure.
    pub retried: usize,
    /// Failed for good.
    pub failed: usize,
    /// Addresses found dead.
    pub unreachable: usize,
    /// Sent, but the answer never came (timeout, connection lost): recorded `uncertain`,
    /// not sent again.
    pub uncertain: usize,
}

impl BatchReport {
    /// Counts one finished send; returns its database error, if it had one.
    fn record(
        &mut self,
        done: std::result::Result<Result<Outcome>, tokio::task::JoinError>,
    ) -> Option<crate::store::StoreError> {
        match done {
            Ok(Ok(kind)) => {
                match kind {
                    Outcome::Sent => self.sent += 1,
                    Outcome::Retried => self.retried += 1,
                    Outcome::Failed => self.failed += 1,
                    Outcome::Unreachable => self.unreachable += 1,
                    Outcome::Uncertain => self.uncertain += 1,
                    Outcome::NotOurs => {}
                }
                None
            }
            Ok(Err(e)) => Some(e),
            Err(e) => {
                tracing::error!(error = %e, "a send task panicked");
                None
            }
        }
    }
}

/// Aborts tasks when dropped (see [`Dispatcher::run`]).
struct AbortOnDrop<const N: usize>([tokio::task::AbortHandle; N]);

impl<const N: usize> Drop for AbortOnDrop<N> {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// The reminder sender. Cheap to share (`Arc`).
pub struct Dispatcher {
    store: Store,
    outbounds: HashMap<&'static str, Arc<dyn Outbound>>,
    catalog: Arc<Catalog>,
    flows: HashMap<String, Arc<Flow>>,
    clock: Arc<dyn Clock>,
    cfg: DispatchConfig,
    pacers: HashMap<&'static str, Pacer>,
    per_chat: Option<DefaultKeyedRateLimiter<String>>,
    live_workers: std::sync::atomic::AtomicI64,
    /// Requests in flight, over batches: the next batch is claimed while the last one's
    /// sends are still on their way.
    in_flight: Arc<tokio::sync::Semaphore>,
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher")
            .field("worker", &self.cfg.worker_id)
            .field("channels", &self.outbounds.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Dispatcher {
    /// A dispatcher sending through `outbounds` (one per channel), rendering reminders from
    /// `catalog` and resuming respondents at their question in `flows` (by flow id).
    pub fn new(
        store: Store,
        outbounds: Vec<Arc<dyn Outbound>>,
        catalog: Arc<Catalog>,
        flows: Vec<Arc<Flow>>,
        clock: Arc<dyn Clock>,
        cfg: DispatchConfig,
    ) -> Dispatcher {
        let outbounds: HashMap<&'static str, Arc<dyn Outbound>> =
            outbounds.into_iter().map(|o| (o.channel(), o)).collect();
        let pacers = outbounds
            .keys()
            .map(|c| {
                (
                    *c,
                    Pacer::new(interval_for(cfg.rates.get(*c), cfg.rate_margin, 1)),
                )
            })
            .collect();
        let per_chat = Quota::with_period(cfg.per_chat_interval)
            .map(|q| RateLimiter::keyed(q.allow_burst(NonZeroU32::MIN)));
        let in_flight = Arc::new(tokio::sync::Semaphore::new(cfg.max_in_flight.max(1)));
        Dispatcher {
            store,
            outbounds,
            catalog,
            flows: flows.into_iter().map(|f| (f.id.clone(), f)).collect(),
            clock,
            cfg,
            pacers,
            per_chat,
            live_workers: std::sync::atomic::AtomicI64::new(1),
            in_flight,
        }
    }

    /// This worker's id.
    pub fn worker_id(&self) -> &str {
        &self.cfg.worker_id
    }

    /// Records a heartbeat and re-divides each channel's rate among the live workers.
    pub async fn heartbeat(&self) -> Result<i64> {
        let now = self.clock.now();
        let live = self
            .store
            .waves()
            .worker_heartbeat(
                &self.cfg.worker_id,
                now,
                now - to_chrono(self.cfg.live_window),
            )
            .await?
            .max(1);
        let before = self
            .live_workers
            .swap(live, std::sync::atomic::Ordering::Relaxed);
        if before != live {
            tracing::info!(workers = live, "dispatchers sharing the send rate");
        }
        for (c, p) in &self.pacers {
            p.set_interval(interval_for(
                self.cfg.rates.get(*c),
                self.cfg.rate_margin,
                live,
            ));
        }
        if let Some(l) = &self.per_chat {
            l.retain_recent();
        }
        Ok(live)
    }

    /// Records rows of dead workers left in `sending` as uncertain and frees their claims.
    pub async fn recover(&self) -> Result<u64> {
        let now = self.clock.now();
        let n = self
            .store
            .waves()
            .recover_outbox(
                now - to_chrono(self.cfg.live_window),
                now - to_chrono(self.cfg.claim_lease),
            )
            .await?;
        if n > 0 {
            tracing::warn!(
                messages = n,
                "messages in flight when a dispatcher stopped are recorded as uncertain and not resent"
            );
        }
        Ok(n)
    }

    /// Plans due wave runs.
    pub async fn plan(&self) -> Result<usize> {
        let planned =
            super::planner::plan_due(&self.store, &self.cfg.quiet, self.clock.now()).await?;
        Ok(planned.len())
    }

    /// Claims one batch of due rows and sends them (waiting for every send to finish).
    pub async fn dispatch_batch(self: &Arc<Self>) -> Result<BatchReport> {
        let mut tasks = tokio::task::JoinSet::new();
        let mut report = BatchReport::default();
        // A database error stops claiming new sends, but the sends already started are
        // awaited and recorded first (dropping them would leave rows in `sending`).
        let mut failure = self.start_batch(&mut tasks, &mut report).await.err();
        while let Some(done) = tasks.join_next().await {
            if let Some(e) = report.record(done) {
                failure = Some(e);
            }
        }
        match failure {
            Some(e) => Err(e),
            None => Ok(report),
        }
    }

    /// Claims one batch of due rows and starts sending them into `tasks`, returning once
    /// the last one has its slot (its send may still be on its way). Counts what it did in
    /// `report`; the outcomes of the sends come from `tasks`.
    async fn start_batch(
        self: &Arc<Self>,
        tasks: &mut tokio::task::JoinSet<Result<Outcome>>,
        report: &mut BatchReport,
    ) -> Result<()> {
        let now = self.clock.now();
        let live = self
            .live_workers
            .load(std::sync::atomic::Ordering::Relaxed)
            .max(1);
        // About two seconds of this worker's share: enough to keep the pipe full, small
        // enough that another worker finds rows left to claim.
        let total_rate: f64 = self.cfg.rates.values().copied().fold(0.0, f64::max);
        let limit = ((total_rate / live as f64) * 2.0).ceil().clamp(4.0, 1000.0) as i64;
        let channels: Vec<&'static str> = self.outbounds.keys().copied().collect();
        let items = self
            .store
            .waves()
            .claim_outbox(
                &self.cfg.worker_id,
                now,
                now + to_chrono(self.cfg.claim_lease),
                limit,
                &channels,
            )
            .await?;
        report.claimed += items.len();
        for item in items {
            self.prepare_and_start(item, tasks, report).await?;
        }
        Ok(())
    }

    /// Re-checks one claimed row and, if it is to go out now, starts sending it.
    async fn prepare_and_start(
        self: &Arc<Self>,
        item: OutboxItem,
        tasks: &mut tokio::task::JoinSet<Result<Outcome>>,
        report: &mut BatchReport,
    ) -> Result<()> {
        {
            let now = self.clock.now();
            if let Some(reason) = skip_reason(&item) {
                self.store
                    .waves()
                    .outbox_skip(item.id, &self.cfg.worker_id, reason)
                    .await?;
                report.skipped += 1;
                return Ok(());
            }
            let tz = zones::respondent_zone(item.timezone.as_deref());
            if self.cfg.quiet.is_quiet(now, tz) {
                let at = self.cfg.quiet.next_allowed(now, tz);
                self.store
                    .waves()
                    .outbox_release(item.id, &self.cfg.worker_id, at, Some("quiet hours"))
                    .await?;
                report.held += 1;
                return Ok(());
            }
            if let Some(l) = &self.per_chat
                && l.check_key(&format!("{}:{}", item.channel, item.address))
                    .is_err()
            {
                let at = now + to_chrono(self.cfg.per_chat_interval);
                self.store
                    .waves()
                    .outbox_release(item.id, &self.cfg.worker_id, at, None)
                    .await?;
                report.held += 1;
                return Ok(());
            }
            let Some(outbound) = self.outbounds.get(item.channel.as_str()).cloned() else {
                return Ok(());
            };
            let flow = self.flow_for(&item).await;
            let message = self.compose(&item, flow.as_ref());
            let permit = match self.in_flight.clone().acquire_owned().await {
                Ok(p) => p,
                Err(_) => return Ok(()),
            };
            // Take the slots first (this worker's share of the rate, then the account's
            // budget shared with conversation replies), and only then record the row as
            // `sending` and send: a crash while waiting for a slot leaves the row pending
            // (it goes out later), so `uncertain` means a request was on its way or about
            // to leave (within `send_lag`). The commit runs in the send's task, so it
            // overlaps the wait for the next slot instead of delaying it; the request leaves
            // `send_lag` after its slot, or one commit after it if the commit takes longer.
            let n = u32::try_from(message.replies.len()).unwrap_or(1);
            let slot = match self.pacers.get(item.channel.as_str()) {
                Some(p) => p.acquire(n).await,
                None => Instant::now(),
            };
            outbound.reserve(&item.address).await;
            let leave_at = slot + self.cfg.send_lag;
            let this = Arc::clone(self);
            tasks.spawn(async move {
                let _permit = permit;
                if !this
                    .store
                    .waves()
                    .outbox_sending(item.id, &this.cfg.worker_id, this.clock.now())
                    .await?
                {
                    // No longer this worker's pending row (its claim expired and another
                    // worker took it, or the wave was cancelled): nothing to send.
                    return Ok(Outcome::NotOurs);
                }
                // Spaced as the slots were, and never closer (see `Pacer`).
                match this.pacers.get(item.channel.as_str()) {
                    Some(p) => {
                        p.depart(leave_at, n).await;
                    }
                    None => tokio::time::sleep_until(leave_at).await,
                }
                let result = outbound.send_reserved(&item.address, &message).await;
                this.settle(&item, result).await
            });
        }
        Ok(())
    }

    /// One round: heartbeat, recovery, planning and one batch. For tests and tools that
    /// drive the dispatcher step by step with a manual clock.
    pub async fn run_once(self: &Arc<Self>) -> Result<BatchReport> {
        self.heartbeat().await?;
        self.recover().await?;
        self.plan().await?;
        self.dispatch_batch().await
    }

    /// Runs until `shutdown` resolves: beats every `heartbeat_every`, recovers and plans
    /// every second, sends whatever is due. On shutdown the sends started are finished and
    /// the worker leaves the table, so the others take its share of the rate at once.
    pub async fn run(
        self: Arc<Self>,
        shutdown: impl std::future::Future<Output = ()> + Send,
    ) -> Result<()> {
        self.heartbeat().await?;
        // Joining workers wait until every other worker has seen them, so the total rate
        // never exceeds the limit while the shares are being re-divided.
        tokio::time::sleep(self.cfg.heartbeat_every * 2).await;
        // And count again before the first send: workers that joined during the wait are
        // waiting for this one to have seen them (with the count of the first beat, three
        // workers started together sent at 1 + 1/2 + 1/3 of the rate for half a second).
        self.heartbeat().await?;
        let beat = {
            let this = Arc::clone(&self);
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(this.cfg.heartbeat_every).await;
                    if let Err(e) = this.heartbeat().await {
                        tracing::warn!(error = %e, "dispatcher heartbeat failed");
                    }
                }
            })
        };
        // Recovery and planning run beside the sends, not between two batches, where their
        // transactions left the pacer's slots unused (a planning run can take seconds).
        let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
        let housekeeping = {
            let this = Arc::clone(&self);
            tokio::spawn(async move {
                loop {
                    if let Err(e) = this.recover().await {
                        tracing::warn!(error = %e, "outbox recovery failed");
                    }
                    if let Err(e) = this.plan().await {
                        tracing::warn!(error = %e, "planning wave runs failed");
                    }
                    tokio::select! {
                        _ = stop_rx.changed() => break,
                        _ = tokio::time::sleep(StdDuration::from_secs(1)) => {}
                    }
                }
            })
        };
        // Should `run` itself be dropped half-way (its task aborted), the beat goes with it:
        // a worker nobody runs must not look alive to the others, who would keep leaving it
        // a share of the rate. The housekeeping would stop after its round (its `stop_tx`
        // is gone); it is stopped at once with the beat (a planning transaction cut off
        // rolls back).
        let _helpers = AbortOnDrop([beat.abort_handle(), housekeeping.abort_handle()]);
        tokio::pin!(shutdown);
        // The sends of earlier batches still on their way: the next batch is claimed as
        // soon as the last row of this one has its slot, so the pacer's next slot is not
        // lost to the wait for the last answer and the claim.
        let mut tasks = tokio::task::JoinSet::new();
        let result = loop {
            while let Some(done) = tasks.try_join_next() {
                if let Some(e) = BatchReport::default().record(done) {
                    tracing::warn!(error = %e, "recording a send failed");
                }
            }
            // A batch is never dropped half-way (that would cut sends off between `sending`
            // and `sent`): on shutdown the batch in hand is finished first.
            let mut stopping = false;
            let mut report = BatchReport::default();
            let work = {
                let mut batch = std::pin::pin!(self.start_batch(&mut tasks, &mut report));
                tokio::select! {
                    _ = &mut shutdown => {
                        stopping = true;
                        batch.await
                    }
                    r = &mut batch => r,
                }
            };
            if stopping {
                if let Err(e) = work {
                    tracing::warn!(error = %e, "dispatching failed while stopping");
                }
                break Ok(());
            }
            match work {
                Ok(()) if report.claimed > 0 => continue,
                Ok(()) => {}
                Err(e) => tracing::warn!(error = %e, "dispatching failed; retrying"),
            }
            tokio::select! {
                _ = &mut shutdown => break Ok(()),
                _ = tokio::time::sleep(self.cfg.idle_poll) => {}
            }
        };
        while let Some(done) = tasks.join_next().await {
            if let Some(e) = BatchReport::default().record(done) {
                tracing::warn!(error = %e, "recording a send failed while stopping");
            }
        }
        beat.abort();
        let _ = stop_tx.send(true);
        if let Err(e) = housekeeping.await {
            tracing::warn!(error = %e, "outbox housekeeping stopped abnormally");
        }
        if let Err(e) = self.store.waves().worker_stopped(&self.cfg.worker_id).await {
            tracing::warn!(error = %e, "could not deregister the dispatcher");
        }
        result
    }

    /// The flow version the respondent's session runs, by the rule the conversation core
    /// applies to their answer (`Conversations::flow_of`): a begun session keeps the version
    /// it started, compiled from the store's text when it is not the loaded one; an invited
    /// session, or a version the store does not know, takes the loaded flow. Otherwise the
    /// reminder would re-ask the newest version's question while their answer is read
    /// against their own version's.
    async fn flow_for(&self, item: &OutboxItem) -> Option<Arc<Flow>> {
        let loaded = self.flows.get(&item.flow_id)?;
        let version = match item.session_version {
            Some(v) if v != loaded.version && item.session_status.as_deref() != Some("invited") => {
                v
            }
            _ => return Some(loaded.clone()),
        };
        match self
            .store
            .flow_sources()
            .compiled(&item.flow_id, version)
            .await
        {
            Ok(Some(f)) => Some(f),
            Ok(None) => Some(loaded.clone()),
            Err(e) => {
                // The reminder still goes, without the question: asking the newest
                // version's question could ask the wrong one.
                tracing::warn!(error = %e, version, "cannot load the session's flow version");
                None
            }
        }
    }

    /// The reminder text, followed by the question the respondent is at in `flow` (their
    /// session's version; so answering the reminder continues the survey), and the wave's
    /// template for WhatsApp.
    fn compose(&self, item: &OutboxItem, flow: Option<&Arc<Flow>>) -> OutboundMessage {
        let state: Option<SessionState> = item
            .session_state
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok())
            .filter(|st: &SessionState| {
                flow.is_some_and(|f| st.is_valid(f.items.len(), f.groups.len()))
            });
        let lang = state
            .as_ref()
            .map(|s| s.lang)
            .or_else(|| item.language.as_deref().and_then(Lang::from_tag))
            .or_else(|| flow.map(|f| f.default_lang()))
            .unwrap_or_default();
        let fallback_name = match lang {
            Lang::Id => "Alumni",
            Lang::En => "there",
        };
        let name = item.fields.name.as_deref().unwrap_or(fallback_name);
        let args = [
            ("name", name),
            ("cohort", item.fields.cohort.as_deref().unwrap_or("")),
            ("programme", item.fields.programme.as_deref().unwrap_or("")),
            ("school", item.fields.school.as_deref().unwrap_or("")),
        ];
        let text = self.catalog.message(lang, &item.message_id, &args);
        let current = match (flow, &state) {
            (Some(f), Some(st)) => engine::current_prompt(
                &Context {
                    flow: f,
                    catalog: &self.catalog,
                    respondent: &item.fields,
                },
                st,
            ),
            _ => None,
        };
        // One message, not two: one send per reminder keeps within the per-chat limit and
        // puts the question's buttons right under the reminder.
        let reply = match current {
            Some(q) => Reply {
                text: format!("{text}\n\n{}", q.text),
                prompt: q.prompt,
            },
            None => Reply::say(text),
        };
        let template = item.template.as_ref().map(|t| Template {
            name: t.name.clone(),
            language: t.language.clone(),
            params: t
                .params
                .iter()
                .map(|f| item.fields.get(f).unwrap_or("").to_owned())
                .collect(),
        });
        OutboundMessage {
            replies: vec![reply],
            template,
        }
    }

    async fn settle(
        &self,
        item: &OutboxItem,
        result: std::result::Result<Vec<String>, SendError>,
    ) -> Result<Outcome> {
        let now = self.clock.now();
        crate::metrics::send_result(item.channel.as_str(), &result);
        let (settle, outcome) = match result {
            Ok(ids) => (Settle::Sent(ids.into_iter().next()), Outcome::Sent),
            Err(SendError::RetryAfter(d)) => {
                crate::metrics::backoff();
                if let Some(p) = self.pacers.get(item.channel.as_str()) {
                    p.pause(d);
                }
                (
                    Settle::Retry(now + to_chrono(d), "rate limited".into()),
                    Outcome::Retried,
                )
            }
            Err(SendError::Unreachable(why)) => (Settle::Unreachable(why), Outcome::Unreachable),
            // Like a crash in flight: the platform may have it; never sent again blindly.
            Err(SendError::Uncertain(why)) => (
                Settle::Uncertain(format!("no answer from the platform; not resent: {why}")),
                Outcome::Uncertain,
            ),
            Err(SendError::Transient(why)) if item.attempts + 1 < self.cfg.max_attempts => {
                // 2, 4, 8, … seconds, at most five minutes.
                let backoff = 2i64.saturating_pow(u32::try_from(item.attempts + 1).unwrap_or(8));
                (
                    Settle::Retry(now + Duration::seconds(backoff.min(300)), why),
                    Outcome::Retried,
                )
            }
            Err(SendError::Transient(why)) | Err(SendError::Rejected(why)) => {
                (Settle::Failed(why), Outcome::Failed)
            }
        };
        self.store
            .waves()
            .outbox_settle(item.id, item.respondent_id, &settle, now)
            .await?;
        Ok(outcome)
    }
}

enum Outcome {
    Sent,
    Retried,
    Failed,
    Unreachable,
    /// The outcome is unknown (timeout, connection lost after the request left).
    Uncertain,
    /// The row was no longer this worker's to send.
    NotOurs,
}

/// Why a claimed row should not go out after all (things that changed since planning).
fn skip_reason(item: &OutboxItem) -> Option<&'static str> {
    if item.unreachable {
        return Some("respondent unreachable");
    }
    match item.session_status.as_deref() {
        Some("completed") => Some("completed the survey"),
        Some("opted_out") => Some("opted out"),
        Some("expired") => Some("the survey closed"),
        _ => None,
    }
}

/// Time between two sends for `rate` messages per second shared by `workers`.
fn interval_for(rate: Option<&f64>, margin: f64, workers: i64) -> StdDuration {
    let rate = rate.copied().filter(|r| *r > 0.0).unwrap_or(30.0) * margin.clamp(0.1, 1.0);
    StdDuration::from_secs_f64(workers.max(1) as f64 / rate)
}

fn to_chrono(d: StdDuration) -> Duration {
    Duration::from_std(d).unwrap_or(Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two requests whose commits made them late (both may leave "now") still leave an
    /// interval apart; and a retry-after holds back requests that already have a slot.
    #[tokio::test]
    async fn requests_leave_an_interval_apart_even_when_late() {
        let interval = StdDuration::from_millis(40);
        let pacer = Pacer::new(interval);
        let first = pacer.acquire(1).await;
        let second = pacer.acquire(1).await;
        assert!(second >= first + interval);
        // Both commits took longer than the second slot: without the gate both requests
        // would leave at once.
        tokio::time::sleep_until(second + interval).await;
        let a = pacer.depart(first, 1).await;
        let b = pacer.depart(second, 1).await;
        assert!(b >= a + interval, "{:?}", b - a);
        // Two messages in one request take two intervals.
        let c = pacer.depart(Instant::now(), 2).await;
        let d = pacer.depart(Instant::now(), 1).await;
        assert!(d >= c + interval * 2, "{:?}", d - c);
        // "Retry after": a request holding an earlier slot waits too.
        let slot = pacer.acquire(1).await;
        pacer.pause(StdDuration::from_millis(120));
        let t2 = Instant::now();
        pacer.depart(slot, 1).await;
        assert!(
            t2.elapsed() >= StdDuration::from_millis(110),
            "{:?}",
            t2.elapsed()
        );
    }
}
