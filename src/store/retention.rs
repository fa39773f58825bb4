//! The retention job's statements: which respondents' sessions are all older than their
//! flow's retention, and their erasure through the same [`erase_in`] as `/hapus`.
//!
//! Which time counts for a session: its completion (`completed_at`) when it was completed,
//! else its last activity (`updated_at`: the last step, or the closing day's expiry). A
//! completed survey's data was collected when it was completed, and reading it back
//! (`/datasaya`) later must not extend how long it is kept; an unfinished session was
//! last collected at its last step, and an invitation nobody answered at its import.
//!
//! The unit erased is the respondent: the roster's personal fields serve every flow the
//! respondent is on, so they go when every one of their sessions is past its flow's
//! retention. A session of a flow this process does not know (no retention to apply) keeps
//! the respondent. Respondents without any session are outside every flow and are left.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::error::{Result, db};
use super::respondents::{Erasure, erase_in};
use super::sql::{Ctx as _, Exec, Write, args};
use super::{RespondentId, get, to_ms};

/// One flow's retention as the store applies it: a session of `flow` whose time (see the
/// module) is before `cutoff` is past it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionRule {
    /// The flow id.
    pub flow: String,
    /// Sessions that ended before this instant are due.
    pub cutoff: DateTime<Utc>,
}

/// A respondent all of whose sessions are past their flows' retention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueRespondent {
    /// The respondent.
    pub id: RespondentId,
    /// Their cohort (the roster label the dry run counts by; not personal on its own).
    pub cohort: Option<String>,
    /// The flows of their sessions, one entry per session.
    pub flows: Vec<String>,
}

/// Every session of every not yet erased respondent with at least one session that ended
/// before `$1` (the latest cutoff of all rules: any session past its own rule is in).
const CANDIDATES: &str = "SELECT s.respondent_id, s.flow_id, r.cohort, \
     COALESCE(s.completed_at, s.updated_at) AS ended_at \
     FROM sessions s JOIN respondents r ON r.id = s.respondent_id \
     WHERE r.erased_at IS NULL AND s.respondent_id IN \
     (SELECT s2.respondent_id FROM sessions s2 \
      WHERE COALESCE(s2.completed_at, s2.updated_at) < $1) \
     ORDER BY s.respondent_id, s.id";

/// One respondent's sessions inside the erasing write, to decide again there (`$1`): a
/// message may have come in since the candidates were read.
const SESSIONS_OF: &str = "SELECT s.flow_id, COALESCE(s.completed_at, s.updated_at) AS ended_at \
     FROM sessions s JOIN respondents r ON r.id = s.respondent_id \
     WHERE s.respondent_id = $1 AND r.erased_at IS NULL";

/// Whether every session (flow, time in ms) is past its flow's rule; false for none.
fn all_due(sessions: &[(String, i64)], rules: &BTreeMap<String, i64>) -> bool {
    !sessions.is_empty()
        && sessions
            .iter()
            .all(|(flow, at)| rules.get(flow).is_some_and(|cutoff| at < cutoff))
}

/// The rules as flow → cutoff in milliseconds.
fn cutoffs(rules: &[RetentionRule]) -> BTreeMap<String, i64> {
    rules
        .iter()
        .map(|r| (r.flow.clone(), to_ms(r.cutoff)))
        .collect()
}

/// Erases the respondents that are still due when the write runs.
#[derive(Clone)]
struct EraseDue {
    ids: Vec<RespondentId>,
    rules: BTreeMap<String, i64>,
    now: i64,
}

impl Write for EraseDue {
    type Out = Vec<RespondentId>;
    const CONTEXT: &'static str = "erasing respondents past their retention";

    async fn run(self, tx: &mut impl Exec) -> Result<Vec<RespondentId>> {
        let mut erased = Vec::new();
        for id in self.ids {
            let sessions = tx
                .fetch_all(SESSIONS_OF, args![id], |r| {
                    Ok((r.text("flow_id")?, r.int("ended_at")?))
                })
                .await
                .ctx(Self::CONTEXT)?;
            if all_due(&sessions, &self.rules)
                && erase_in(tx, id, 0, self.now, Erasure::Retention).await?
            {
                erased.push(id);
            }
        }
        Ok(erased)
    }
}

/// Respondents erased per write: small enough that a conversation's step on the SQLite
/// writer never waits long behind one, large enough that a roster of 150,000 is a few
/// hundred transactions.
pub const RETENTION_BATCH: usize = 200;

handle!(
    Retention,
    retention,
    "The retention job's reads and erasures (see `store/retention.rs`)."
);

impl Retention<'_> {
    /// The respondents all of whose sessions are past their flows' `rules`, not yet erased.
    pub async fn due(&self, rules: &[RetentionRule]) -> Result<Vec<DueRespondent>> {
        let Some(latest) = rules.iter().map(|r| r.cutoff).max() else {
            return Ok(Vec::new());
        };
        let cutoffs = cutoffs(rules);
        let rows = sqlx::query(CANDIDATES)
            .bind(to_ms(latest))
            .fetch_all(&self.store.reader)
            .await
            .map_err(db("reading sessions past their retention"))?;
        let mut out: Vec<DueRespondent> = Vec::new();
        let mut sessions: Vec<(String, i64)> = Vec::new();
        let mut current: Option<(RespondentId, Option<String>)> = None;
        let mut finish = |who: Option<(RespondentId, Option<String>)>,
                          sessions: &mut Vec<(String, i64)>| {
            if let Some((id, cohort)) = who
                && all_due(sessions, &cutoffs)
            {
                out.push(DueRespondent {
                    id,
                    cohort,
                    flows: sessions.iter().map(|(f, _)| f.clone()).collect(),
                });
            }
            sessions.clear();
        };
        for row in &rows {
            let id: RespondentId = get(row, "respondent_id")?;
            if current.as_ref().is_none_or(|(c, _)| *c != id) {
                finish(current.take(), &mut sessions);
                current = Some((id, get(row, "cohort")?));
            }
            sessions.push((get(row, "flow_id")?, get(row, "ended_at")?));
        }
        finish(current.take(), &mut sessions);
        Ok(out)
    }

    /// Erases `ids` (as `/hapus` does) in writes of [`RETENTION_BATCH`], each respondent
    /// decided again inside the write against `rules`; returns those erased.
    pub async fn erase(
        &self,
        ids: &[RespondentId],
        rules: &[RetentionRule],
        now: DateTime<Utc>,
    ) -> Result<Vec<RespondentId>> {
        let cutoffs = cutoffs(rules);
        let mut erased = Vec::new();
        for batch in ids.chunks(RETENTION_BATCH) {
            erased.extend(
                self.store
                    .write(EraseDue {
                        ids: batch.to_vec(),
                        rules: cutoffs.clone(),
                        now: to_ms(now),
                    })
                    .await?,
            );
        }
        Ok(erased)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_respondent_is_due_only_when_every_session_is() {
        let rules = BTreeMap::from([("a".to_string(), 100), ("b".to_string(), 50)]);
        let s = |v: &[(&str, i64)]| -> Vec<(String, i64)> {
            v.iter().map(|(f, t)| (f.to_string(), *t)).collect()
        };
        assert!(all_due(&s(&[("a", 99)]), &rules));
        assert!(!all_due(&s(&[("a", 100)]), &rules));
        assert!(all_due(&s(&[("a", 10), ("b", 49)]), &rules));
        assert!(!all_due(&s(&[("a", 10), ("b", 60)]), &rules));
        // A flow without a rule keeps the respondent; so does having no session.
        assert!(!all_due(&s(&[("a", 10), ("c", 0)]), &rules));
        assert!(!all_due(&[], &rules));
    }
}
