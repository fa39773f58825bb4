//! The store's error type.

use std::path::PathBuf;

use super::{Backend, RespondentId, SessionId};

/// Everything that can go wrong in the store. Database errors carry what the store was doing
/// when they happened; URLs are never included, since they may hold passwords.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL names no supported backend.
    #[error(
        "unsupported database URL scheme {scheme:?}: expected sqlite:, postgres: or postgresql:"
    )]
    UnsupportedUrl {
        /// The part of the URL before the first `:`.
        scheme: String,
    },
    /// The directory for the SQLite file could not be created.
    #[error("cannot create database directory {}: {source}", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// Connecting to the database failed.
    #[error("cannot connect to the {backend} database: {source}")]
    Connect {
        /// The backend being connected to.
        backend: Backend,
        /// The underlying driver error.
        source: sqlx::Error,
    },
    /// Applying schema migrations failed.
    #[error("cannot apply {backend} schema migrations: {source}")]
    Migrate {
        /// The backend being migrated.
        backend: Backend,
        /// The underlying migration error.
        source: sqlx::migrate::MigrateError,
    },
    /// A query failed.
    #[error("database error while {context}: {source}")]
    Database {
        /// What the store was doing.
        context: &'static str,
        /// The underlying driver error.
        source: sqlx::Error,
    },
    /// A statement of the SQLite group-commit writer failed (see `store::group`).
    #[error("SQLite error while {context}: {detail}")]
    Sqlite {
        /// What the store was doing.
        context: &'static str,
        /// The SQLite error message.
        detail: String,
    },
    /// The channel address is bound to a different respondent. The address (a phone
    /// number on WhatsApp) stays out of the message: errors end up in logs.
    #[error("{channel} address is already bound to respondent {owner}")]
    AlreadyBound {
        /// The channel (`console`, `telegram`, …).
        channel: String,
        /// The address on that channel.
        address: String,
        /// The respondent the address belongs to.
        owner: RespondentId,
    },
    /// No respondent has this id.
    #[error("respondent {0} does not exist")]
    RespondentNotFound(RespondentId),
    /// No session has this id.
    #[error("session {0} does not exist")]
    SessionNotFound(SessionId),
    /// `open_session` was asked to create a session in a closed status.
    #[error("cannot open a session in closed status {status:?}")]
    ClosedStatus {
        /// The status as stored (`completed`, …).
        status: &'static str,
    },
    /// A value could not be serialised to JSON.
    #[error("cannot encode {context} as JSON: {source}")]
    Encode {
        /// What was being encoded.
        context: &'static str,
        /// The underlying serde error.
        source: serde_json::Error,
    },
    /// A flow's text differs from the one already stored under its id and version.
    #[error(
        "flow `{flow_id}` version {version} is already stored with a different text: bump `version` in the flow file"
    )]
    FlowVersionChanged {
        /// The flow id.
        flow_id: String,
        /// The version both texts claim.
        version: i64,
    },
    /// A stored row holds something the store cannot interpret.
    #[error("corrupt {context} in the database: {detail}")]
    Corrupt {
        /// Which column or record.
        context: &'static str,
        /// What is wrong with it.
        detail: String,
    },
    /// A transaction that several writes shared on PostgreSQL (see `store::pggroup`) failed
    /// as a whole, or its writer could not be started: every write of it gets this error.
    #[error("database error while {context}: {detail}")]
    Grouped {
        /// What the writer was doing.
        context: &'static str,
        /// The driver's error message.
        detail: String,
    },
}

impl StoreError {
    /// What the store was doing when a database statement failed (`None` for other errors).
    pub fn db_context(&self) -> Option<&'static str> {
        match self {
            StoreError::Database { context, .. }
            | StoreError::Sqlite { context, .. }
            | StoreError::Grouped { context, .. } => Some(context),
            _ => None,
        }
    }
}

/// Shorthand for results of store operations.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Wraps a driver error with what the store was doing.
pub(crate) fn db(context: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |source| StoreError::Database { context, source }
}

/// Whether a driver error is a foreign-key violation (a referenced row is missing).
pub(crate) fn is_foreign_key_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(e) if e.kind() == sqlx::error::ErrorKind::ForeignKeyViolation)
}
