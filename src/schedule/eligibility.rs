//! Who a wave is for: a segment of the roster (cohort, programme, school, province), the
//! respondents' progress (`--status`), and the exclusions every wave applies, each with a
//! reason staff can read in `wave show`.
//!
//! The rules are turned into SQL here, once, so the planner (one `INSERT … SELECT` for a
//! whole roster) and the dry run (one `GROUP BY`) cannot disagree.

use std::collections::BTreeMap;
use std::fmt;

/// Roster fields a segment may filter on, as `respondents` columns.
pub const SEGMENT_FIELDS: [&str; 4] = ["cohort", "programme", "school", "province"];

/// The channels reminders can go out on.
pub const REMINDER_CHANNELS: &str = "('telegram', 'whatsapp')";

/// A wave's audience by roster fields: every `field = value` must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Segment(pub BTreeMap<String, String>);

/// A bad `--segment` or `--status`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    /// Not `field=value,…`.
    #[error("{0:?} is not a segment like cohort=2025,programme=TKJ")]
    Segment(String),
    /// A field that is not in [`SEGMENT_FIELDS`].
    #[error("cannot segment by {0:?}: use cohort, programme, school or province")]
    Field(String),
    /// An unknown status.
    #[error("{0:?} is not a status: use not-started, in-progress or pending")]
    Status(String),
}

impl Segment {
    /// Parses `cohort=2025,programme=TKJ` (`program`/`kompetensi` and `angkatan`/`sekolah`/
    /// `provinsi` are accepted as Indonesian names of the same fields).
    pub fn parse(s: &str) -> Result<Segment, FilterError> {
        let mut m = BTreeMap::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| FilterError::Segment(s.to_owned()))?;
            let key = match k.trim().to_lowercase().as_str() {
                "cohort" | "angkatan" | "tahun_lulus" => "cohort",
                "programme" | "program" | "kompetensi" | "jurusan" => "programme",
                "school" | "sekolah" | "unit" => "school",
                "province" | "provinsi" => "province",
                other => return Err(FilterError::Field(other.to_owned())),
            };
            let v = v.trim();
            if v.is_empty() {
                return Err(FilterError::Segment(s.to_owned()));
            }
            m.insert(key.to_owned(), v.to_owned());
        }
        Ok(Segment(m))
    }
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("everyone");
        }
        let parts: Vec<String> = self.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
        f.write_str(&parts.join(","))
    }
}

/// Which respondents by progress in the flow.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum StatusFilter {
    /// Never started or not past the consent question.
    NotStarted,
    /// Started answering, not finished.
    InProgress,
    /// Either: everyone who has not finished (the default).
    #[default]
    Pending,
}

impl StatusFilter {
    /// Parses `not-started`, `in-progress`, `pending`.
    pub fn parse(s: &str) -> Result<StatusFilter, FilterError> {
        match s.trim().to_lowercase().replace('_', "-").as_str() {
            "not-started" | "belum-mulai" => Ok(StatusFilter::NotStarted),
            "in-progress" | "sedang" => Ok(StatusFilter::InProgress),
            "pending" | "belum-selesai" => Ok(StatusFilter::Pending),
            _ => Err(FilterError::Status(s.to_owned())),
        }
    }

    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusFilter::NotStarted => "not-started",
            StatusFilter::InProgress => "in-progress",
            StatusFilter::Pending => "pending",
        }
    }

    /// The SQL condition on the latest session's status `p.latest_status` (never NULL since
    /// the audience is joined to its session of the flow; the test stays NULL-safe all the
    /// same).
    fn sql(self) -> &'static str {
        match self {
            StatusFilter::NotStarted => {
                "(p.latest_status IS NULL OR p.latest_status IN ('invited', 'consent'))"
            }
            StatusFilter::InProgress => "(COALESCE(p.latest_status, '') = 'answering')",
            StatusFilter::Pending => {
                "(p.latest_status IS NULL \
                 OR p.latest_status IN ('invited', 'consent', 'answering'))"
            }
        }
    }
}

/// Why a respondent in a wave's segment does not receive it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Exclusion {
    /// Finished the survey.
    Completed,
    /// Declined consent or stopped.
    OptedOut,
    /// The survey closed before they finished.
    Expired,
    /// Blocked the bot or the number is gone.
    Unreachable,
    /// Has no Telegram or WhatsApp address.
    NoChannel,
    /// Not in the wave's `--status`.
    OtherStatus,
    /// Already got `--max-per-person` reminders of this wave.
    CapReached,
    /// Got a reminder less than `--min-gap` ago, or one is still queued.
    TooSoon,
    /// It is night (or a blocked window) where they live; sent when it ends.
    QuietHours,
}

impl Exclusion {
    /// Every reason, in the order `wave show` lists them.
    pub const ALL: [Exclusion; 9] = [
        Exclusion::Completed,
        Exclusion::OptedOut,
        Exclusion::Expired,
        Exclusion::Unreachable,
        Exclusion::NoChannel,
        Exclusion::OtherStatus,
        Exclusion::CapReached,
        Exclusion::TooSoon,
        Exclusion::QuietHours,
    ];

    /// The code used in SQL and in `wave show`.
    pub fn code(self) -> &'static str {
        match self {
            Exclusion::Completed => "completed",
            Exclusion::OptedOut => "opted_out",
            Exclusion::Expired => "expired",
            Exclusion::Unreachable => "unreachable",
            Exclusion::NoChannel => "no_channel",
            Exclusion::OtherStatus => "other_status",
            Exclusion::CapReached => "cap_reached",
            Exclusion::TooSoon => "too_soon",
            Exclusion::QuietHours => "quiet_hours",
        }
    }

    /// Parses [`Exclusion::code`].
    pub fn from_code(s: &str) -> Option<Exclusion> {
        Exclusion::ALL.into_iter().find(|e| e.code() == s)
    }
}

/// The rules of one wave run, ready to become SQL.
#[derive(Debug, Clone)]
pub struct Audience {
    /// The wave (for its cap and queued rows).
    pub wave_id: i64,
    /// Roster filter.
    pub segment: Segment,
    /// Progress filter.
    pub status: StatusFilter,
    /// Reminders of this wave per person.
    pub max_per_person: Option<i64>,
    /// No reminder of any wave sent after this instant (unix ms) may precede this one.
    pub gap_cutoff_ms: Option<i64>,
}

/// SQL text plus the string values bound to its placeholders, in order.
#[derive(Debug, Clone)]
pub struct Sql {
    /// The text. Integers are inlined (they come from parsed numbers, never from text);
    /// every string is a placeholder.
    pub text: String,
    /// Values of `$first..` placeholders.
    pub binds: Vec<String>,
}

impl Audience {
    /// The common table expression the audience reads the outbox through: `ob`, one row
    /// per respondent with a reminder that matters to this run, with `of_wave` (their
    /// reminders of this wave, for the cap) and `too_soon` (1 when one is queued, or one of
    /// any wave went out after the gap's cutoff). Goes in front of the statement (`WITH …`).
    ///
    /// Why a materialized CTE, grouped once: the planner's `INSERT INTO outbox … SELECT`
    /// reads the table it writes. Written as per-respondent `EXISTS`/`count(*)` over
    /// `outbox`, PostgreSQL (which had just analysed an empty outbox) chose a nested loop
    /// that scanned the outbox again for every respondent while the statement kept adding
    /// rows to it: quadratic, minutes at 150,000 (docs/benchmarks.md). Materialized, the
    /// outbox is read once, before the first row is inserted, whatever plan is chosen.
    pub fn with_clause(&self) -> String {
        let w = self.wave_id;
        let (soon, relevant) = match self.gap_cutoff_ms {
            Some(cut) => (
                format!(
                    "(o.wave_id = {w} AND o.status IN ('pending', 'sending')) \
                     OR (o.status IN ('sent', 'uncertain', 'sending') \
                         AND COALESCE(o.sent_at, o.attempt_at) > {cut}) \
                     OR (o.status IN ('pending', 'sending') AND o.wave_id <> {w})"
                ),
                format!(
                    "o.wave_id = {w} OR o.status IN ('pending', 'sending') \
                     OR COALESCE(o.sent_at, o.attempt_at) > {cut}"
                ),
            ),
            None => (
                format!("o.wave_id = {w} AND o.status IN ('pending', 'sending')"),
                format!("o.wave_id = {w}"),
            ),
        };
        format!(
            "WITH ob AS MATERIALIZED (SELECT o.respondent_id, \
                 sum(CASE WHEN o.wave_id = {w} THEN 1 ELSE 0 END) AS of_wave, \
                 max(CASE WHEN {soon} THEN 1 ELSE 0 END) AS too_soon \
             FROM outbox o WHERE o.status IN ('pending', 'sending', 'sent', 'uncertain') \
                 AND ({relevant}) \
             GROUP BY o.respondent_id) "
        )
    }

    /// `FROM … WHERE <segment>` over respondents `r` with a session of flow `$1` and their
    /// progress `p` in it, numbering further placeholders from `$2`; it reads `ob` of
    /// [`Audience::with_clause`], which must precede the statement.
    ///
    /// A roster spans flows: only respondents with a session of the wave's flow (enrolled
    /// by `jejak roster import --flow`, or who started it) are its audience, hence the inner
    /// join. `p.latest_status` is the status of their latest session of the flow, kept by
    /// the triggers of migration 0011 (`flow_progress`), so the whole roster is one join of
    /// two tables instead of a search for each respondent's latest session.
    ///
    /// The reminders are joined as a derived table grouped once per statement (`ob`), so
    /// their exclusions are tests on joined columns: PostgreSQL hashes them once instead of
    /// probing per respondent. "Has a reminder channel" is an `EXISTS` in the exclusion
    /// itself ([`Audience::exclusions`]), not a joined `GROUP BY` of every binding: on
    /// PostgreSQL it becomes one hashed subplan of the bindings' respondent ids (no
    /// grouping, no second hash table: 11.8 s to 8.5 s for the dry run at 1,500,000 under
    /// load), on SQLite one probe of `channel_bindings_respondent_channel` per respondent
    /// in respondent order instead of a materialized copy of every binding with an index
    /// built on it (docs/benchmarks.md). Not `NOT IN`: over 1,500,000 ids that do not fit
    /// in `work_mem` PostgreSQL would scan the list per respondent.
    pub fn from_where(&self) -> Sql {
        let mut text = String::from(
            "FROM respondents r \
             JOIN flow_progress p ON p.flow_id = $1 AND p.respondent_id = r.id \
             LEFT JOIN ob ON ob.respondent_id = r.id \
             WHERE 1 = 1",
        );
        let mut binds = Vec::new();
        for (k, v) in &self.segment.0 {
            // Keys were checked against SEGMENT_FIELDS when parsed; re-check so a row
            // edited by hand cannot inject SQL.
            // Compared as the staff scope compares schools (trimmed, lower-case), so
            // `school=smkn 1 contoh` typed by hand finds the roster's "SMKN 1 Contoh ".
            if let Some(col) = SEGMENT_FIELDS.iter().find(|f| **f == k.as_str()) {
                binds.push(crate::store::normalise_field(v));
                text.push_str(&format!(" AND lower(trim(r.{col})) = ${}", binds.len() + 1));
            }
        }
        Sql { text, binds }
    }

    /// The exclusion reasons as `(code, SQL condition)`, in priority order. Each is a test
    /// on the columns of [`Audience::from_where`] (the reminder channel an `EXISTS`), NULL-free.
    pub fn exclusions(&self) -> Vec<(Exclusion, String)> {
        let mut v = vec![
            (
                Exclusion::Completed,
                "COALESCE(p.latest_status, '') = 'completed'".to_owned(),
            ),
            (
                Exclusion::OptedOut,
                "COALESCE(p.latest_status, '') = 'opted_out'".to_owned(),
            ),
            (
                Exclusion::Expired,
                "COALESCE(p.latest_status, '') = 'expired'".to_owned(),
            ),
            (Exclusion::Unreachable, "r.unreachable <> 0".to_owned()),
            (
                Exclusion::NoChannel,
                format!(
                    "NOT EXISTS (SELECT 1 FROM channel_bindings cb \
                     WHERE cb.respondent_id = r.id AND cb.channel IN {REMINDER_CHANNELS})"
                ),
            ),
            (Exclusion::OtherStatus, format!("NOT {}", self.status.sql())),
        ];
        if let Some(cap) = self.max_per_person {
            v.push((
                Exclusion::CapReached,
                format!("COALESCE(ob.of_wave, 0) >= {cap}"),
            ));
        }
        v.push((
            Exclusion::TooSoon,
            "COALESCE(ob.too_soon, 0) = 1".to_owned(),
        ));
        v
    }

    /// A `CASE` giving the first exclusion's code, or `eligible`.
    pub fn classify_case(&self) -> String {
        let mut s = String::from("CASE");
        for (e, cond) in self.exclusions() {
            s.push_str(&format!(" WHEN {cond} THEN '{}'", e.code()));
        }
        s.push_str(" ELSE 'eligible' END");
        s
    }

    /// One `AND NOT (…)` per exclusion. Every condition is NULL-free (the outer-joined
    /// columns go through `COALESCE` or `IS NULL`), since `NOT NULL` would drop exactly the
    /// respondents with no reminder yet.
    pub fn eligible_conditions(&self) -> String {
        self.exclusions()
            .into_iter()
            .map(|(_, c)| format!(" AND NOT ({c})"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_and_statuses_parse() {
        let s = Segment::parse("cohort=2025, Program=TKJ").expect("valid");
        assert_eq!(s.0.get("programme").map(String::as_str), Some("TKJ"));
        assert_eq!(s.to_string(), "cohort=2025,programme=TKJ");
        assert!(Segment::parse("cohort").is_err());
        assert!(Segment::parse("password=x").is_err());
        assert_eq!(
            StatusFilter::parse("in-progress"),
            Ok(StatusFilter::InProgress)
        );
        assert!(StatusFilter::parse("done").is_err());
        assert_eq!(
            Exclusion::from_code("cap_reached"),
            Some(Exclusion::CapReached)
        );
    }
}
