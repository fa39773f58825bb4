//! Reads of the staff console's roster pages: respondent search (by name, external id or
//! phone, with filters), one respondent's page (sessions, channels, reminders), the
//! invitation list of a scope, and the stored schools of external ids (so an operator's
//! roster upload cannot take over a respondent of another school).
//!
//! Every read that lists or shows respondents carries the staff member's [`Scope`] in its
//! SQL. Only placeholders are spliced into the dynamic statements; every value is bound.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;

use super::error::db;
use super::roster::InviteRow;
use super::sessions::session_from_row;
use super::{Respondent, RespondentId, Result, Scope, SessionRecord, StoreError, from_ms, get};

/// Respondents on one page of the search.
pub const SEARCH_PAGE: usize = 50;

/// Where a respondent stands in a flow, as the console's status filter names it. Each
/// respondent on a flow's roster is in exactly one of the first four; `Unreachable` is the
/// platform's verdict and cuts across them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// On the roster, has not begun (no session left `invited`, or it expired unanswered).
    Invited,
    /// Began (consent or answers) and has neither completed nor opted out.
    Started,
    /// Has a completed session.
    Completed,
    /// Declined or stopped, and has not completed.
    OptedOut,
    /// On the roster and marked unreachable (blocked the bot, number gone).
    Unreachable,
}

impl Standing {
    /// Every standing, in the order the filter lists them.
    pub const ALL: [Standing; 5] = [
        Standing::Invited,
        Standing::Started,
        Standing::Completed,
        Standing::OptedOut,
        Standing::Unreachable,
    ];

    /// The name used in URLs and texts (`invited`, `started`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Invited => "invited",
            Standing::Started => "started",
            Standing::Completed => "completed",
            Standing::OptedOut => "opted_out",
            Standing::Unreachable => "unreachable",
        }
    }

    /// Parses [`Standing::as_str`].
    pub fn parse(s: &str) -> Option<Standing> {
        Standing::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }
}

/// The SQL of a respondent's standing in the flow bound at `$flow` (a placeholder such as
/// `$1`), over the respondent alias `r`: `completed`, `opted_out`, `started`, `invited`, or
/// NULL when they are not on the flow's roster. The same rules as `jejak report`.
fn standing_sql(flow: &str) -> String {
    let has = |cond: &str| {
        format!(
            "EXISTS (SELECT 1 FROM sessions s WHERE s.respondent_id = r.id \
             AND s.flow_id = {flow} AND ({cond}))"
        )
    };
    format!(
        "CASE WHEN {} THEN 'completed' WHEN {} THEN 'opted_out' WHEN {} THEN 'started' \
         WHEN {} THEN 'invited' ELSE NULL END",
        has("s.status = 'completed'"),
        has("s.status = 'opted_out'"),
        // An erased session that had started still counts as started (migration 0016),
        // as in the report.
        has(
            "s.erased_started = 1 OR s.status IN ('consent', 'answering') OR \
             (s.status = 'expired' AND \
             EXISTS (SELECT 1 FROM answers a WHERE a.session_id = s.id))"
        ),
        has("1 = 1"),
    )
}

/// The condition "respondent `r` stands at `st` in the flow bound at `flow`", the same
/// classification as [`standing_sql`]. The rarer standings are written as set membership
/// (one pass over the flow's sessions, hashed or indexed once by both backends) instead of
/// four correlated look-ups per respondent.
fn standing_cond(st: Standing, flow: &str) -> String {
    let set = |cond: &str| {
        format!(
            "r.id IN (SELECT s.respondent_id FROM sessions s \
             WHERE s.flow_id = {flow} AND ({cond}))"
        )
    };
    let probe = |cond: &str| {
        format!(
            "EXISTS (SELECT 1 FROM sessions s WHERE s.respondent_id = r.id \
             AND s.flow_id = {flow} AND ({cond}))"
        )
    };
    let completed = set("s.status = 'completed'");
    let opted_out = set("s.status = 'opted_out'");
    // An expired session with an answer, or an erased one that had started (migration
    // 0016: erasure deletes the answers but the report still counts it as started).
    let answered = "(s.erased_started = 1 OR (s.status = 'expired' AND \
                    EXISTS (SELECT 1 FROM answers a WHERE a.session_id = s.id)))";
    match st {
        Standing::Completed => completed,
        Standing::OptedOut => format!("{opted_out} AND NOT {completed}"),
        Standing::Started => format!(
            "{} AND NOT {completed} AND NOT {opted_out}",
            set(&format!(
                "s.status IN ('consent', 'answering') OR {answered}"
            ))
        ),
        // Most of a roster is "not started" for most of a survey: per-row look-ups (indexed
        // by respondent and flow) let the listing stop after one page, where building the
        // set of the whole roster first would not.
        Standing::Invited => format!(
            "{} AND NOT {}",
            probe("1 = 1"),
            probe(&format!(
                "s.status IN ('consent', 'answering', 'completed', 'opted_out') OR {answered}"
            ))
        ),
        Standing::Unreachable => format!("r.unreachable = 1 AND {}", probe("1 = 1")),
    }
}

/// What staff search for.
#[derive(Debug, Clone, Default)]
pub struct RespondentSearch {
    /// Free text: part of a name, the start of an external id, or a phone number as people
    /// type it (`0812-3456-7890`, `+62 812…`, `62812…`).
    pub text: Option<String>,
    /// The flow whose standing is shown and filtered.
    pub flow_id: String,
    /// Only respondents of the flow in this standing.
    pub standing: Option<Standing>,
    /// Only this cohort (exact).
    pub cohort: Option<String>,
    /// Only this programme (exact).
    pub programme: Option<String>,
    /// Page, from 0; a page has [`SEARCH_PAGE`] respondents.
    pub page: usize,
}

/// One respondent in the search results.
#[derive(Debug, Clone, PartialEq)]
pub struct RespondentHit {
    /// The store's id.
    pub id: RespondentId,
    /// NISN/NIM.
    pub external_id: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Phone (E.164).
    pub phone: Option<String>,
    /// Cohort.
    pub cohort: Option<String>,
    /// Programme.
    pub programme: Option<String>,
    /// School.
    pub school: Option<String>,
    /// Standing in the searched flow (`None`: not on its roster).
    pub standing: Option<Standing>,
    /// Marked unreachable.
    pub unreachable: bool,
}

/// One page of search results.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchPage {
    /// The respondents of the page, by name then id.
    pub hits: Vec<RespondentHit>,
    /// Whether there is a next page.
    pub more: bool,
}

/// A channel address bound to a respondent.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundChannel {
    /// `telegram`, `whatsapp`, …
    pub channel: String,
    /// The chat id or number (personal data: show masked).
    pub address: String,
    /// When it was bound.
    pub bound_at: DateTime<Utc>,
}

/// A wave message addressed to a respondent.
#[derive(Debug, Clone, PartialEq)]
pub struct Reminder {
    /// The wave's id.
    pub wave_id: i64,
    /// The wave's name.
    pub wave_name: String,
    /// The wave's flow.
    pub flow_id: String,
    /// Outbox status (`sent`, `failed`, `pending`, …).
    pub status: String,
    /// When it was sent, else last tried, else when it is due.
    pub at: DateTime<Utc>,
}

/// The condition of a phone search: an exact number, or the start of one.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PhoneMatch {
    Exact(String),
    Prefix(String),
}

/// A phone number as typed, as the stored E.164 form or its start: `0812-34` → `+6281234`
/// (prefix), `+62 812 3456 7890` → exact. `None` unless the text is digits with the usual
/// separators and has at least 4 digits.
fn phone_match(text: &str) -> Option<PhoneMatch> {
    if let Some(full) = crate::understand::parse_phone(text) {
        return Some(PhoneMatch::Exact(full));
    }
    let s = text.trim();
    let (plus, rest) = match s.strip_prefix('+') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let mut digits = String::new();
    for c in rest.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else if !(c.is_whitespace() || matches!(c, '-' | '.' | '(' | ')' | '/')) {
            return None;
        }
    }
    if digits.len() < 4 {
        return None;
    }
    let e164 = if plus {
        format!("+{digits}")
    } else if let Some(r) = digits.strip_prefix("00") {
        format!("+{r}")
    } else if let Some(r) = digits.strip_prefix("62") {
        format!("+62{}", r.strip_prefix('0').unwrap_or(r))
    } else if let Some(r) = digits.strip_prefix('0') {
        format!("+62{r}")
    } else if digits.starts_with('8') {
        format!("+62{digits}")
    } else {
        return None;
    };
    Some(PhoneMatch::Prefix(e164))
}

/// The first string after every string starting with `prefix` (its last character
/// incremented), for an index range `col >= prefix AND col < upper`; `None` when the last
/// character cannot be incremented.
fn prefix_upper(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    let last = chars.pop()?;
    let next = char::from_u32(u32::from(last) + 1)?;
    chars.push(next);
    Some(chars.into_iter().collect())
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Builds a statement's placeholders and binds in step.
#[derive(Default)]
struct Binds {
    values: Vec<String>,
}

impl Binds {
    /// Adds a value; returns its placeholder.
    fn push(&mut self, v: impl Into<String>) -> String {
        self.values.push(v.into());
        format!("${}", self.values.len())
    }

    /// Adds the scope's condition on `column`.
    fn scope(&mut self, scope: &Scope, column: &str) -> String {
        let (cond, values) = scope.sql(column, self.values.len() + 1);
        self.values.extend(values);
        cond
    }
}

/// A prefix condition on `col` that an index on `col` can serve (a range) and that is
/// exact under any collation (the `substr` check).
fn prefix_cond(b: &mut Binds, col: &str, prefix: &str) -> String {
    let lower = b.push(prefix);
    let len = b.push(prefix.chars().count().to_string());
    let exact = format!("substr({col}, 1, CAST({len} AS INTEGER)) = {lower}");
    match prefix_upper(prefix) {
        Some(upper) => {
            let upper = b.push(upper);
            format!("({col} >= {lower} AND {col} < {upper} AND {exact})")
        }
        None => format!("({exact})"),
    }
}

handle!(
    Search,
    search,
    "The staff console's searches over respondents, their sessions, channels and reminders."
);

impl Search<'_> {
    /// One page of respondents within `scope` matching `q`, ordered by name then id.
    ///
    /// A text of digits (with phone separators) matches the start of the external id or
    /// the phone number (both indexed); any other text matches part of the name
    /// (case-insensitive; a scan) or the start of the external id.
    pub async fn search_respondents(
        &self,
        q: &RespondentSearch,
        scope: &Scope,
    ) -> Result<SearchPage> {
        let mut b = Binds::default();
        let mut conds = vec![b.scope(scope, "r.school")];
        if let Some(text) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let mut any = Vec::new();
            let phone = phone_match(text);
            if phone.is_some() {
                let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
                any.push(prefix_cond(&mut b, "r.external_id", &digits));
            } else {
                any.push(prefix_cond(&mut b, "r.external_id", text));
                let pattern = format!("%{}%", like_escape(&text.to_lowercase()));
                let p = b.push(pattern);
                any.push(format!("lower(r.name) LIKE {p} ESCAPE '\\'"));
            }
            match phone {
                Some(PhoneMatch::Exact(n)) => {
                    let p = b.push(n);
                    any.push(format!("r.phone = {p}"));
                }
                Some(PhoneMatch::Prefix(n)) => any.push(prefix_cond(&mut b, "r.phone", &n)),
                None => {}
            }
            conds.push(format!("({})", any.join(" OR ")));
        }
        if let Some(c) = q.cohort.as_deref().filter(|c| !c.trim().is_empty()) {
            let p = b.push(c.trim());
            conds.push(format!("r.cohort = {p}"));
        }
        if let Some(p) = q.programme.as_deref().filter(|c| !c.trim().is_empty()) {
            let p = b.push(p.trim());
            conds.push(format!("r.programme = {p}"));
        }
        if let Some(st) = q.standing {
            let flow = b.push(q.flow_id.clone());
            conds.push(standing_cond(st, &flow));
        }
        let limit = SEARCH_PAGE + 1;
        let offset = q.page.saturating_mul(SEARCH_PAGE);
        let sql = format!(
            "SELECT r.id FROM respondents r WHERE {} \
             ORDER BY r.name, r.id LIMIT {limit} OFFSET {offset}",
            conds.join(" AND ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for v in &b.values {
            query = query.bind(v.as_str());
        }
        let rows = query
            .fetch_all(&self.store.reader)
            .await
            .map_err(db("searching respondents"))?;
        let mut ids: Vec<RespondentId> = rows
            .iter()
            .map(|row| get::<i64>(row, "id"))
            .collect::<Result<_>>()?;
        let more = ids.len() > SEARCH_PAGE;
        ids.truncate(SEARCH_PAGE);
        let hits = self.hits(&ids, &q.flow_id).await?;
        Ok(SearchPage { hits, more })
    }

    /// The rows of a results page, with their standing in the flow, in the order of `ids`.
    async fn hits(&self, ids: &[RespondentId], flow_id: &str) -> Result<Vec<RespondentHit>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT r.id, r.external_id, r.name, r.phone, r.cohort, r.programme, r.school, \
                 r.unreachable, {} AS standing \
             FROM respondents r WHERE r.id IN ({})",
            standing_sql("$1"),
            marks.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(flow_id);
        for id in ids {
            query = query.bind(*id);
        }
        let rows = query
            .fetch_all(&self.store.reader)
            .await
            .map_err(db("reading search results"))?;
        let mut by_id: HashMap<RespondentId, RespondentHit> = HashMap::new();
        for row in &rows {
            let standing: Option<String> = get(row, "standing")?;
            let hit = RespondentHit {
                id: get(row, "id")?,
                external_id: get(row, "external_id")?,
                name: get(row, "name")?,
                phone: get(row, "phone")?,
                cohort: get(row, "cohort")?,
                programme: get(row, "programme")?,
                school: get(row, "school")?,
                standing: standing.as_deref().and_then(Standing::parse),
                unreachable: get::<i64>(row, "unreachable")? != 0,
            };
            by_id.insert(hit.id, hit);
        }
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    /// The cohorts and programmes of the respondents within `scope`, sorted (for the
    /// search filters). One pass over the (cohort, programme, school) index.
    pub async fn segment_values(&self, scope: &Scope) -> Result<(Vec<String>, Vec<String>)> {
        let (cond, schools) = scope.sql("r.school", 1);
        let sql = format!("SELECT DISTINCT r.cohort, r.programme FROM respondents r WHERE {cond}");
        let mut query = sqlx::query(AssertSqlSafe(sql));
        query = super::scope::bind(query, schools);
        let rows = query
            .fetch_all(&self.store.reader)
            .await
            .map_err(db("listing cohorts and programmes"))?;
        let mut cohorts = std::collections::BTreeSet::new();
        let mut programmes = std::collections::BTreeSet::new();
        for row in &rows {
            if let Some(c) = get::<Option<String>>(row, "cohort")? {
                cohorts.insert(c);
            }
            if let Some(p) = get::<Option<String>>(row, "programme")? {
                programmes.insert(p);
            }
        }
        Ok((
            cohorts.into_iter().collect(),
            programmes.into_iter().collect(),
        ))
    }

    /// The respondent with this id if they are within `scope` (else `None`, as for an id
    /// that does not exist).
    pub async fn respondent_in_scope(
        &self,
        id: RespondentId,
        scope: &Scope,
    ) -> Result<Option<Respondent>> {
        let (cond, schools) = scope.sql("r.school", 2);
        let sql = format!("SELECT r.id FROM respondents r WHERE r.id = $1 AND {cond}");
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(id);
        query = super::scope::bind(query, schools);
        let found = query
            .fetch_optional(&self.store.reader)
            .await
            .map_err(db("checking a respondent's scope"))?;
        if found.is_none() {
            return Ok(None);
        }
        self.store.respondents().respondent(id).await
    }

    /// Every session of a respondent, oldest first.
    pub async fn sessions_of(&self, id: RespondentId) -> Result<Vec<SessionRecord>> {
        let rows = sqlx::query(
            "SELECT id, respondent_id, flow_id, flow_version, status, state, revision, \
                 created_at, updated_at, completed_at \
             FROM sessions WHERE respondent_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.store.reader)
        .await
        .map_err(db("listing a respondent's sessions"))?;
        rows.iter().map(session_from_row).collect()
    }

    /// The channel addresses bound to a respondent.
    pub async fn channels_of(&self, id: RespondentId) -> Result<Vec<BoundChannel>> {
        let rows = sqlx::query(
            "SELECT channel, address, bound_at FROM channel_bindings \
             WHERE respondent_id = $1 ORDER BY bound_at, channel",
        )
        .bind(id)
        .fetch_all(&self.store.reader)
        .await
        .map_err(db("listing a respondent's channels"))?;
        rows.iter()
            .map(|row| {
                Ok(BoundChannel {
                    channel: get(row, "channel")?,
                    address: get(row, "address")?,
                    bound_at: from_ms(get(row, "bound_at")?, "channel bound_at")?,
                })
            })
            .collect()
    }

    /// The wave messages addressed to a respondent, oldest first.
    pub async fn reminders_of(&self, id: RespondentId) -> Result<Vec<Reminder>> {
        let rows = sqlx::query(
            "SELECT o.wave_id, w.name, w.flow_id, o.status, \
                 COALESCE(o.sent_at, o.attempt_at, o.not_before) AS at \
             FROM outbox o JOIN waves w ON w.id = o.wave_id \
             WHERE o.respondent_id = $1 ORDER BY 5, o.id",
        )
        .bind(id)
        .fetch_all(&self.store.reader)
        .await
        .map_err(db("listing a respondent's reminders"))?;
        rows.iter()
            .map(|row| {
                Ok(Reminder {
                    wave_id: get(row, "wave_id")?,
                    wave_name: get(row, "name")?,
                    flow_id: get(row, "flow_id")?,
                    status: get(row, "status")?,
                    at: from_ms(get(row, "at")?, "reminder time")?,
                })
            })
            .collect()
    }

    /// Everyone on the flow's roster within `scope`, by id: what `jejak invite` lists,
    /// limited to a staff member's schools.
    pub async fn invite_rows_in(&self, flow_id: &str, scope: &Scope) -> Result<Vec<InviteRow>> {
        let (cond, schools) = scope.sql("r.school", 2);
        let sql = format!(
            "SELECT r.id, r.external_id, r.name, r.phone, r.cohort, r.programme, r.school, \
                 r.token \
             FROM respondents r \
             WHERE EXISTS (SELECT 1 FROM sessions s \
                           WHERE s.respondent_id = r.id AND s.flow_id = $1) \
               AND {cond} \
             ORDER BY r.id"
        );
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(flow_id);
        query = super::scope::bind(query, schools);
        let rows = query
            .fetch_all(&self.store.reader)
            .await
            .map_err(db("listing respondents to invite"))?;
        rows.iter().map(invite_row).collect()
    }

    /// The stored school of each of these external ids that is stored (`None` inside: the
    /// respondent has no school).
    pub async fn schools_of_external_ids(
        &self,
        ids: &[String],
    ) -> Result<HashMap<String, Option<String>>> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(super::ROSTER_BATCH_ROWS) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT external_id, school FROM respondents WHERE external_id IN ({})",
                marks.join(", ")
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for id in chunk {
                query = query.bind(id.as_str());
            }
            let rows = query
                .fetch_all(&self.store.reader)
                .await
                .map_err(db("reading the schools of external ids"))?;
            for row in &rows {
                out.insert(get(row, "external_id")?, get(row, "school")?);
            }
        }
        Ok(out)
    }
}

/// An [`InviteRow`] from a row with its columns (`id`, `external_id`, `name`, `phone`,
/// `cohort`, `programme`, `school`, `token`).
pub(super) fn invite_row(row: &sqlx::any::AnyRow) -> Result<InviteRow> {
    Ok(InviteRow {
        id: get(row, "id")?,
        external_id: get(row, "external_id")?,
        name: get(row, "name")?,
        phone: get(row, "phone")?,
        cohort: get(row, "cohort")?,
        programme: get(row, "programme")?,
        school: get(row, "school")?,
        token: get::<Option<String>>(row, "token")?.ok_or_else(|| StoreError::Corrupt {
            context: "respondent token",
            detail: "a respondent without an enrolment token".into(),
        })?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_as_typed() {
        assert_eq!(
            phone_match("0812-3456-7890"),
            Some(PhoneMatch::Exact("+6281234567890".into()))
        );
        assert_eq!(
            phone_match("0812-34"),
            Some(PhoneMatch::Prefix("+6281234".into()))
        );
        assert_eq!(
            phone_match("+62 812"),
            Some(PhoneMatch::Prefix("+62812".into()))
        );
        assert_eq!(
            phone_match("62812"),
            Some(PhoneMatch::Prefix("+62812".into()))
        );
        assert_eq!(phone_match("Ani"), None);
        assert_eq!(phone_match("081"), None);
    }

    #[test]
    fn prefix_ranges_and_like_escapes() {
        assert_eq!(prefix_upper("0011").as_deref(), Some("0012"));
        assert_eq!(prefix_upper("+6281").as_deref(), Some("+6282"));
        assert_eq!(like_escape("50%_a\\"), "50\\%\\_a\\\\");
    }
}
