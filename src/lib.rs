//! Jejak: a tracer-study chat bot. YAML survey flows (`flow`) run by a pure per-respondent
//! engine (`engine`), speaking Indonesian first (`i18n`), persisted in SQLite or PostgreSQL
//! (`store`), reachable over chat channels (`channel`), with exports (`report`) and the
//! `jejak` command line (`cli`).

pub mod channel;
pub mod cli;
pub mod clock;
pub mod config;
pub mod console;
pub mod conversation;
pub mod engine;
pub mod flow;
pub mod i18n;
pub mod logs;
pub mod lookup;
pub mod memory;
pub mod metrics;
pub mod model;
pub mod report;
pub mod roster;
pub mod schedule;
pub mod server;
pub mod store;
pub mod understand;
