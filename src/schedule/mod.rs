//! Reminder waves: when they are due (`spec`), in whose local time (`zones`), when not to
//! disturb anyone (`quiet`), who receives them (`eligibility`), planning due runs into the
//! outbox (`planner`) and sending the outbox at the platform's rate (`dispatcher`).
//!
//! Nothing here reads the system clock inside its logic: the planner and dispatcher take
//! `now` from a [`Clock`], so tests drive them through days of schedules in milliseconds.

pub mod dispatcher;
pub mod eligibility;
pub mod planner;
pub mod quiet;
pub mod spec;
pub mod zones;

use chrono::{DateTime, Utc};
use std::sync::Mutex;

/// Where the scheduler and dispatcher get the time from.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to (tests, dry runs).
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    /// A clock standing at `t`.
    pub fn new(t: DateTime<Utc>) -> Self {
        ManualClock(Mutex::new(t))
    }

    /// Moves the clock to `t`.
    pub fn set(&self, t: DateTime<Utc>) {
        // A poisoned lock only means another test thread panicked; the time is still valid.
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = t;
    }

    /// Moves the clock forward by `d`.
    pub fn advance(&self, d: chrono::Duration) {
        let mut g = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *g += d;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
