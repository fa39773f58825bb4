//! Retention (UU No. 27 Tahun 2022: data is kept no longer than the consent text says): the
//! flows' `retention:` turned into rules, what a purge would erase (`jejak purge --dry-run`),
//! the purge itself with its audit record (`jejak purge`), and the daily job of `jejak run`.
//! Which session time counts and why: `store/retention.rs`. The erasure is `/hapus`'s
//! (`respondents::erase_in`): the tombstone keeps the report's counts.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::clock::Clock;
use crate::flow::Flow;
use crate::store::{
    DueRespondent, NewAudit, RespondentId, RetentionRule, SENT_KEPT_DAYS, Store, StoreError,
};

/// The rules of the flows that state a retention, seen at `now`.
pub fn rules(flows: &[Arc<Flow>], now: DateTime<Utc>) -> Vec<RetentionRule> {
    flows
        .iter()
        .filter_map(|f| {
            f.retention.map(|r| RetentionRule {
                flow: f.id.clone(),
                cutoff: r.cutoff(now),
            })
        })
        .collect()
}

/// What a purge erases: the respondents, and how many sessions per flow and cohort (the
/// dry run's listing: counts only, no names).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurgePlan {
    /// The respondents to erase.
    pub respondents: Vec<RespondentId>,
    /// Sessions per (flow, cohort; `None`: no cohort).
    pub sessions: BTreeMap<(String, Option<String>), usize>,
}

impl PurgePlan {
    fn from_due(due: Vec<DueRespondent>) -> PurgePlan {
        let mut plan = PurgePlan::default();
        for d in due {
            plan.respondents.push(d.id);
            for flow in d.flows {
                *plan.sessions.entry((flow, d.cohort.clone())).or_default() += 1;
            }
        }
        plan
    }

    /// One line per flow for the audit record: `flow=sessions`, no cohorts (short).
    fn per_flow(&self) -> String {
        let mut by_flow: BTreeMap<&str, usize> = BTreeMap::new();
        for ((flow, _), n) in &self.sessions {
            *by_flow.entry(flow).or_default() += n;
        }
        by_flow
            .iter()
            .map(|(f, n)| format!("{f}={n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What [`plan`] and [`purge`] look at.
#[derive(Clone, Copy)]
pub struct Scope<'a> {
    /// Every flow whose retention applies (a session of a flow not here keeps its
    /// respondent: its retention is unknown).
    pub flows: &'a [Arc<Flow>],
    /// Only respondents with a session of this flow (`jejak purge --flow`).
    pub only_flow: Option<&'a str>,
}

/// What a purge at `now` would erase.
pub async fn plan(
    store: &Store,
    scope: Scope<'_>,
    now: DateTime<Utc>,
) -> Result<PurgePlan, StoreError> {
    let mut due = store.retention().due(&rules(scope.flows, now)).await?;
    if let Some(only) = scope.only_flow {
        due.retain(|d| d.flows.iter().any(|f| f == only));
    }
    Ok(PurgePlan::from_due(due))
}

/// The outcome of a purge.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Purged {
    /// What was planned.
    pub plan: PurgePlan,
    /// The respondents erased (a planned one who wrote in the meantime is not).
    pub erased: Vec<RespondentId>,
}

/// Erases what [`plan`] finds at `now` and writes the audit record (`actor`: `cli`, or
/// `retention` for the daily job; `reason`: why, as staff gave it). `audit_empty`: also
/// record a purge that erased nothing (staff ran it; the daily job does not fill the log
/// with empty days).
pub async fn purge(
    store: &Store,
    scope: Scope<'_>,
    now: DateTime<Utc>,
    actor: &str,
    reason: &str,
    audit_empty: bool,
) -> Result<Purged, StoreError> {
    let plan = plan(store, scope, now).await?;
    let rules = rules(scope.flows, now);
    let erased = store
        .retention()
        .erase(&plan.respondents, &rules, now)
        .await?;
    if !erased.is_empty() || audit_empty {
        let flows = plan.per_flow();
        let detail = format!(
            "retention purge: {} respondent(s) erased of {} due; sessions per flow: {}; {reason}",
            erased.len(),
            plan.respondents.len(),
            if flows.is_empty() { "-" } else { &flows },
        );
        store
            .staff()
            .audit(
                &NewAudit {
                    account_id: None,
                    actor,
                    action: "retention-purge",
                    detail: &detail,
                    address: None,
                },
                now,
            )
            .await?;
    }
    Ok(Purged { plan, erased })
}

/// How often `jejak run` purges: daily, the first time at start.
pub const PURGE_EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// The daily retention job of `jejak run`: the purge (nothing when no flow states a
/// retention), then the pruning of WhatsApp's delivery records.
pub struct RetentionJob {
    /// The store.
    pub store: Store,
    /// The flows whose retention applies.
    pub flows: Vec<Arc<Flow>>,
    /// The time (injected in tests).
    pub clock: Arc<dyn Clock>,
    /// Between purges ([`PURGE_EVERY`]; shorter in tests).
    pub every: Duration,
    /// Called with each erased respondent (the receiver forgets their cached addresses).
    pub on_erased: Option<Box<dyn Fn(RespondentId) + Send + Sync>>,
}

impl RetentionJob {
    /// Purges now and then every `every` until `shutdown` turns true. A failed purge is
    /// logged and tried again at the next turn: a database hiccup must not stop the bot.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            let scope = Scope {
                flows: &self.flows,
                only_flow: None,
            };
            match purge(
                &self.store,
                scope,
                self.clock.now(),
                "retention",
                "daily job",
                false,
            )
            .await
            {
                Ok(p) => {
                    if let Some(f) = &self.on_erased {
                        p.erased.iter().for_each(|id| f(*id));
                    }
                    tracing::info!(erased = p.erased.len(), "retention purge done");
                }
                Err(e) => tracing::warn!(error = %e, "retention purge failed; trying again later"),
            }
            // WhatsApp's sent-message records carry the number and serve only to match
            // delivery statuses, which stop coming after `SENT_KEPT_DAYS`.
            let before = self.clock.now() - chrono::Duration::days(SENT_KEPT_DAYS);
            match self.store.whatsapp().whatsapp_prune_sent(before).await {
                Ok(n) => tracing::info!(pruned = n, "old WhatsApp delivery records pruned"),
                Err(e) => tracing::warn!(error = %e, "pruning WhatsApp delivery records failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(self.every) => {}
                _ = shutdown.wait_for(|v| *v) => return,
            }
        }
    }
}
