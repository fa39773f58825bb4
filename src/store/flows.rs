//! Flows known to the store (migration 0015): the YAML text of every flow version a process
//! loaded, and the compiled flows of this database, cached per (id, version).
//!
//! Why the text and not only the version number: a respondent in the middle of version 1
//! keeps answering version 1 after version 2 is deployed, so the process must be able to
//! compile version 1 again although its file is gone; and `jejak export --flow ID` must know
//! every version's questions wherever it runs, not only where `./flows` holds the file.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::error::db;
use super::{Result, StoreError, get, to_ms};
use crate::flow::Flow;

/// Compiled flows of one database, by (id, version). Shared by clones of the store; a
/// flow's text never changes under its (id, version), so an entry never goes stale.
#[derive(Debug, Default, Clone)]
pub(crate) struct FlowCache(Arc<Mutex<ByVersion>>);

/// Compiled flows by (id, version).
type ByVersion = HashMap<(String, i64), Arc<Flow>>;

impl FlowCache {
    fn get(&self, id: &str, version: i64) -> Option<Arc<Flow>> {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&(id.to_owned(), version)).cloned()
    }

    fn put(&self, flow: Arc<Flow>) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.entry((flow.id.clone(), flow.version)).or_insert(flow);
    }
}

/// What [`FlowSources::remember`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remembered {
    /// This version was not known: its text is stored now.
    New,
    /// The same text was already stored under this version.
    Known,
}

handle!(
    FlowSources,
    flow_sources,
    "Flow versions known to the store: their texts and compiled flows."
);

const INSERT: &str = "INSERT INTO flow_sources (flow_id, version, source, sha256, stored_at) \
                      VALUES ($1, $2, $3, $4, $5) ON CONFLICT (flow_id, version) DO NOTHING";
const DIGEST: &str = "SELECT sha256 FROM flow_sources WHERE flow_id = $1 AND version = $2";
const SOURCE: &str = "SELECT source FROM flow_sources WHERE flow_id = $1 AND version = $2";
const VERSIONS: &str = "SELECT version FROM flow_sources WHERE flow_id = $1 ORDER BY version DESC";

/// The hex SHA-256 of a flow text.
fn digest(source: &str) -> String {
    hex::encode(Sha256::digest(source.as_bytes()))
}

impl FlowSources<'_> {
    /// Stores a loaded flow's text under its (id, version) unless it is there already, and
    /// keeps the compiled flow in the cache. A different text under the same version is
    /// refused with [`StoreError::FlowVersionChanged`]: sessions and answers of that version
    /// were given with the stored text, so a changed flow needs a new `version`.
    pub async fn remember(&self, flow: &Arc<Flow>, now: DateTime<Utc>) -> Result<Remembered> {
        let sha = digest(&flow.source);
        let done = sqlx::query(INSERT)
            .bind(&flow.id)
            .bind(flow.version)
            .bind(&flow.source)
            .bind(&sha)
            .bind(to_ms(now))
            .execute(&self.store.writer)
            .await
            .map_err(db("storing a flow's text"))?;
        let outcome = if done.rows_affected() == 1 {
            Remembered::New
        } else {
            let row = sqlx::query(DIGEST)
                .bind(&flow.id)
                .bind(flow.version)
                .fetch_one(&self.store.writer)
                .await
                .map_err(db("reading a stored flow's digest"))?;
            let stored: String = get(&row, "sha256")?;
            if stored != sha {
                return Err(StoreError::FlowVersionChanged {
                    flow_id: flow.id.clone(),
                    version: flow.version,
                });
            }
            Remembered::Known
        };
        self.store.flow_cache.put(flow.clone());
        Ok(outcome)
    }

    /// The stored text of a flow version.
    pub async fn source(&self, flow_id: &str, version: i64) -> Result<Option<String>> {
        let row = sqlx::query(SOURCE)
            .bind(flow_id)
            .bind(version)
            .fetch_optional(&self.store.reader)
            .await
            .map_err(db("reading a stored flow's text"))?;
        row.map(|r| get(&r, "source")).transpose()
    }

    /// The stored versions of a flow, newest first.
    pub async fn versions(&self, flow_id: &str) -> Result<Vec<i64>> {
        let rows = sqlx::query(VERSIONS)
            .bind(flow_id)
            .fetch_all(&self.store.reader)
            .await
            .map_err(db("listing a flow's versions"))?;
        rows.iter().map(|r| get(r, "version")).collect()
    }

    /// A flow version compiled from its stored text (once per process: then from the
    /// cache); `None` when the store does not know that version.
    pub async fn compiled(&self, flow_id: &str, version: i64) -> Result<Option<Arc<Flow>>> {
        if let Some(f) = self.store.flow_cache.get(flow_id, version) {
            return Ok(Some(f));
        }
        let Some(src) = self.source(flow_id, version).await? else {
            return Ok(None);
        };
        let flow = crate::flow::compile(&src).map_err(|d| StoreError::Corrupt {
            context: "flow_sources.source",
            detail: format!(
                "flow `{flow_id}` version {version} no longer compiles: {}",
                d.first().map(|d| d.message.as_str()).unwrap_or_default()
            ),
        })?;
        let flow = Arc::new(flow);
        self.store.flow_cache.put(flow.clone());
        Ok(Some(flow))
    }

    /// Every stored version of a flow, compiled, newest first.
    pub async fn all_versions(&self, flow_id: &str) -> Result<Vec<Arc<Flow>>> {
        let mut out = Vec::new();
        for v in self.versions(flow_id).await? {
            if let Some(f) = self.compiled(flow_id, v).await? {
                out.push(f);
            }
        }
        Ok(out)
    }
}
