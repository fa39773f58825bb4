//! Where settings come from: command-line flags, then environment variables, then the
//! optional `jejak.toml`, then defaults. Secrets never live in the repository.

use crate::store::Store;
use anyhow::Context as _;
use std::path::{Path, PathBuf};

/// The optional configuration file (`jejak.toml` in the working directory, or `JEJAK_CONFIG`).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// `sqlite://…` or `postgres://…`.
    pub database_url: Option<String>,
    /// Directory of the embedded SQLite database.
    pub data_dir: Option<PathBuf>,
}

impl FileConfig {
    /// Reads `path` if it exists.
    pub fn read(path: &Path) -> anyhow::Result<FileConfig> {
        match std::fs::read_to_string(path) {
            Ok(s) => toml::from_str(&s).with_context(|| format!("reading {}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(FileConfig::default()),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }
}

/// Opens the store: the database URL if one is given, else SQLite in the data directory
/// (created on first run).
pub async fn open_store(database_url: Option<&str>, data_dir: &Path) -> anyhow::Result<Store> {
    match database_url {
        Some(url) => Store::connect(url)
            .await
            .context("opening the database from DATABASE_URL"),
        None => Store::open_data_dir(data_dir)
            .await
            .with_context(|| format!("opening the SQLite database in {}", data_dir.display())),
    }
}
