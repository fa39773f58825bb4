//! Jejak: a tracer-study chat bot. YAML survey flows (`flow`) run by a pure per-respondent
//! engine (`engine`), speaking Indonesian first (`i18n`), persisted in SQLite or PostgreSQL
//! (`store`), reachable over chat channels (`channel`), with exports (`report`).

pub mod model;
pub mod i18n;
pub mod store;
