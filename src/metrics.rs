//! The process's counters for `GET /metrics`, written by hand in the Prometheus text format
//! (version 0.0.4): a handful of counters and one histogram over fixed label sets (the four
//! channels, the send results) are plain atomics, so no metrics crate and no registry are
//! needed (ARCHITECTURE.md says why). Parts of the bot count with one call each
//! ([`update_received`], [`step_done`], [`send_result`], [`backoff`],
//! [`webhook_rejected`]); the outbox gauges are read from the database at scrape time.
//!
//! The counters are process-wide statics: one process runs one bot, and a counter that two
//! tests in one binary both move still only grows.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::channel::SendError;
use crate::model::Channel;

/// Upper bounds (seconds) of the step latency histogram's buckets.
pub const STEP_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// The results a send is counted under.
pub const SEND_RESULTS: [&str; 6] = [
    "ok",
    "rate_limited",
    "transient",
    "unreachable",
    "rejected",
    "uncertain",
];

const CHANNELS: usize = Channel::ALL.len();

struct Counters {
    updates: [AtomicU64; CHANNELS],
    steps: AtomicU64,
    step_buckets: [AtomicU64; STEP_BUCKETS.len()],
    step_micros: AtomicU64,
    sends: [[AtomicU64; SEND_RESULTS.len()]; CHANNELS],
    backoffs: AtomicU64,
    rejected: [AtomicU64; CHANNELS],
}

#[allow(clippy::declare_interior_mutable_const)]
const ZERO: AtomicU64 = AtomicU64::new(0);
#[allow(clippy::declare_interior_mutable_const)]
const ROW: [AtomicU64; SEND_RESULTS.len()] = [ZERO; SEND_RESULTS.len()];

static COUNTERS: Counters = Counters {
    updates: [ZERO; CHANNELS],
    steps: ZERO,
    step_buckets: [ZERO; STEP_BUCKETS.len()],
    step_micros: ZERO,
    sends: [ROW; CHANNELS],
    backoffs: ZERO,
    rejected: [ZERO; CHANNELS],
};

fn index(channel: Channel) -> usize {
    Channel::ALL.iter().position(|c| *c == channel).unwrap_or(0)
}

fn index_of_name(channel: &str) -> Option<usize> {
    Channel::ALL.iter().position(|c| c.as_str() == channel)
}

/// One inbound message (update) reached the receiver from `channel`.
pub fn update_received(channel: Channel) {
    COUNTERS.updates[index(channel)].fetch_add(1, Ordering::Relaxed);
}

/// One engine step (an answer handled and committed) took `took`.
pub fn step_done(took: Duration) {
    COUNTERS.steps.fetch_add(1, Ordering::Relaxed);
    let secs = took.as_secs_f64();
    if let Some(i) = STEP_BUCKETS.iter().position(|b| secs <= *b) {
        COUNTERS.step_buckets[i].fetch_add(1, Ordering::Relaxed);
    }
    let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
    COUNTERS.step_micros.fetch_add(micros, Ordering::Relaxed);
}

/// One send on `channel` (its stored name) ended with `result`: a reply part or a reminder.
pub fn send_result<T>(channel: &str, result: &Result<T, SendError>) {
    let r = match result {
        Ok(_) => 0,
        Err(SendError::RetryAfter(_)) => 1,
        Err(SendError::Transient(_)) => 2,
        Err(SendError::Unreachable(_)) => 3,
        Err(SendError::Rejected(_)) => 4,
        Err(SendError::Uncertain(_)) => 5,
    };
    if let Some(c) = index_of_name(channel) {
        COUNTERS.sends[c][r].fetch_add(1, Ordering::Relaxed);
    }
}

/// A sender waited before trying again (a platform's rate limit or a failure that may pass).
pub fn backoff() {
    COUNTERS.backoffs.fetch_add(1, Ordering::Relaxed);
}

/// A webhook request on `channel` was refused for its secret or signature.
pub fn webhook_rejected(channel: Channel) {
    COUNTERS.rejected[index(channel)].fetch_add(1, Ordering::Relaxed);
}

/// What the database says at scrape time (absent when it could not be read).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct OutboxGauges {
    /// Reminder rows still to send or in flight.
    pub depth: i64,
    /// Seconds since the oldest due row became due (0 when none is due).
    pub oldest_due_age_secs: f64,
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn load(a: &AtomicU64) -> u64 {
    a.load(Ordering::Relaxed)
}

/// The metrics in the Prometheus text format; `outbox` when the database answered.
pub fn render(outbox: Option<OutboxGauges>) -> String {
    let c = &COUNTERS;
    let mut out = String::with_capacity(4096);
    family(
        &mut out,
        "jejak_updates_received_total",
        "counter",
        "Inbound messages (updates) received, per channel.",
    );
    for ch in Channel::ALL {
        let _ = writeln!(
            out,
            "jejak_updates_received_total{{channel=\"{}\"}} {}",
            ch.as_str(),
            load(&c.updates[index(ch)])
        );
    }
    family(
        &mut out,
        "jejak_engine_steps_total",
        "counter",
        "Engine steps (answers handled and committed).",
    );
    let _ = writeln!(out, "jejak_engine_steps_total {}", load(&c.steps));
    family(
        &mut out,
        "jejak_step_duration_seconds",
        "histogram",
        "Time of one engine step, database commit included.",
    );
    let mut cumulative = 0;
    for (i, le) in STEP_BUCKETS.iter().enumerate() {
        cumulative += load(&c.step_buckets[i]);
        let _ = writeln!(
            out,
            "jejak_step_duration_seconds_bucket{{le=\"{le}\"}} {cumulative}"
        );
    }
    let count = load(&c.steps);
    let _ = writeln!(
        out,
        "jejak_step_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
    );
    let _ = writeln!(
        out,
        "jejak_step_duration_seconds_sum {}",
        load(&c.step_micros) as f64 / 1e6
    );
    let _ = writeln!(out, "jejak_step_duration_seconds_count {count}");
    family(
        &mut out,
        "jejak_sends_total",
        "counter",
        "Sends to a platform (reply parts and reminders), per channel and result.",
    );
    for ch in Channel::ALL {
        for (r, result) in SEND_RESULTS.iter().enumerate() {
            let _ = writeln!(
                out,
                "jejak_sends_total{{channel=\"{}\",result=\"{result}\"}} {}",
                ch.as_str(),
                load(&c.sends[index(ch)][r])
            );
        }
    }
    family(
        &mut out,
        "jejak_send_backoffs_total",
        "counter",
        "Waits before sending again (rate limits and failures that may pass).",
    );
    let _ = writeln!(out, "jejak_send_backoffs_total {}", load(&c.backoffs));
    family(
        &mut out,
        "jejak_webhook_rejected_total",
        "counter",
        "Webhook requests refused for a wrong or missing secret or signature.",
    );
    for ch in Channel::ALL {
        let _ = writeln!(
            out,
            "jejak_webhook_rejected_total{{channel=\"{}\"}} {}",
            ch.as_str(),
            load(&c.rejected[index(ch)])
        );
    }
    family(
        &mut out,
        "jejak_panics_caught_total",
        "counter",
        "Panics caught in request handlers and workers.",
    );
    let _ = writeln!(
        out,
        "jejak_panics_caught_total {}",
        crate::server::panics_caught()
    );
    family(
        &mut out,
        "jejak_database_up",
        "gauge",
        "1 when the database answered this scrape.",
    );
    let _ = writeln!(out, "jejak_database_up {}", u8::from(outbox.is_some()));
    if let Some(o) = outbox {
        family(
            &mut out,
            "jejak_outbox_depth",
            "gauge",
            "Reminder messages still to send or in flight.",
        );
        let _ = writeln!(out, "jejak_outbox_depth {}", o.depth);
        family(
            &mut out,
            "jejak_outbox_oldest_due_age_seconds",
            "gauge",
            "Seconds since the oldest due reminder became due (0 when none is due).",
        );
        let _ = writeln!(
            out,
            "jejak_outbox_oldest_due_age_seconds {}",
            o.oldest_due_age_secs
        );
    }
    out
}
