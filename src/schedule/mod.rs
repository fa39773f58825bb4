//! Reminder waves: when they are due (`spec`), in whose local time (`zones`), when not to
//! disturb anyone (`quiet`), who receives them (`eligibility`), planning due runs into the
//! outbox (`planner`) and sending the outbox at the platform's rate (`dispatcher`); what staff
//! do with waves, from the command line or the console (`admin`: checks, dry run, pause);
//! the daily retention purge (`retention`).
//!
//! Nothing here reads the system clock inside its logic: the planner and dispatcher take
//! `now` from a [`Clock`], so tests drive them through days of schedules in milliseconds.

pub mod admin;
pub mod dispatcher;
pub mod eligibility;
pub mod planner;
pub mod quiet;
pub mod retention;
pub mod spec;
pub mod zones;

pub use crate::clock::{Clock, ManualClock, SystemClock};
