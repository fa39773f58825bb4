//! CSV export (one row per respondent, one column per question code, national codes kept as
//! they are so files merge with national data) and the codebook that explains the columns.

use super::cell::Cell;
use crate::engine::SessionState;
use crate::flow::cond::Facts;
use crate::flow::{Flow, Kind};
use crate::model::{AnswerKey, SessionStatus, Value};
use crate::store::{ExportSession, Respondent, Scope, SessionRecord, Store, StoreError};
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading the database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing the file failed.
    #[error("writing the export: {0}")]
    Csv(#[from] csv::Error),
    /// Writing the file failed.
    #[error("writing the export: {0}")]
    Io(#[from] std::io::Error),
    /// Writing the XLSX workbook failed.
    #[error("writing the XLSX export: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

/// One export column: where its value comes from. Columns are named by answer code, not by
/// a flow's item index, so one column set serves every version of a flow.
pub(super) struct Column {
    pub(super) name: String,
    /// The answer's code (`f8`, `job_name`).
    pub(super) code: String,
    pub(super) iteration: u32,
    /// For multiple choice: the option this 0/1 column stands for.
    pub(super) option: Option<String>,
    /// For a grid row: the scale whose point this column holds.
    pub(super) scale: Option<usize>,
}

pub(super) fn columns(flow: &Flow) -> Vec<Column> {
    let mut cols = Vec::new();
    for q in &flow.items {
        let iterations: Vec<u32> = match q.group {
            Some(g) => (1..=flow.groups[g].max).collect(),
            None => vec![0],
        };
        for it in iterations {
            let base = AnswerKey {
                code: q.code.clone(),
                iteration: it,
            }
            .column();
            let col = |name: String, option: Option<String>, scale: Option<usize>| Column {
                name,
                code: q.code.clone(),
                iteration: it,
                option,
                scale,
            };
            match &q.kind {
                Kind::Multi { options, .. } => {
                    for o in options {
                        // The national files name these columns themselves (f401…f415).
                        let name = match (&o.export, it) {
                            (Some(e), 0) => e.clone(),
                            (Some(e), it) => format!("{e}_{it}"),
                            (None, _) => format!("{base}_{}", o.code),
                        };
                        cols.push(col(name, Some(o.code.clone()), None));
                    }
                }
                Kind::Grid { exports, .. } => {
                    // The national files name these columns themselves (f1761, f1762).
                    for (k, e) in exports.iter().enumerate() {
                        let name = if it == 0 {
                            e.clone()
                        } else {
                            format!("{e}_{it}")
                        };
                        cols.push(col(name, None, Some(k)));
                    }
                }
                _ => cols.push(col(base, None, None)),
            }
        }
    }
    cols
}

/// One column set for every version of a flow (`versions` newest first): the newest
/// version's columns in its order, then the columns only older versions have (from the
/// newest of them first), so a file exported after a new version still holds every answer
/// given under the old one.
fn union_columns(versions: &[&Flow]) -> Vec<Column> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for f in versions {
        for c in columns(f) {
            if seen.insert(c.name.clone()) {
                out.push(c);
            }
        }
    }
    out
}

/// `flow` and every other version of it the store knows, newest first (`flow` stands for
/// its own version). The stored versions are compiled once per process (the store's cache).
pub(super) async fn versions_of(store: &Store, flow: &Flow) -> Result<Vec<Arc<Flow>>, ExportError> {
    Ok(store
        .flow_sources()
        .all_versions(&flow.id)
        .await?
        .into_iter()
        .filter(|f| f.version != flow.version)
        .collect())
}

/// The list of versions as references, newest first.
pub(super) fn ordered<'a>(flow: &'a Flow, others: &'a [Arc<Flow>]) -> Vec<&'a Flow> {
    let mut all: Vec<&Flow> = std::iter::once(flow)
        .chain(others.iter().map(|f| &**f))
        .collect();
    all.sort_by_key(|f| std::cmp::Reverse(f.version));
    all
}

/// Writes the answers of every respondent who has a session of `flow` as CSV
/// (`jejak export`: every school).
pub async fn write_csv(store: &Store, flow: &Flow, out: impl Write) -> Result<usize, ExportError> {
    write_csv_in(store, flow, &Scope::All, CsvDialect::Plain, out).await
}

/// How a CSV file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CsvDialect {
    /// Comma-separated UTF-8 without a byte-order mark: what scripts, R, Stata and the
    /// national upload tools read.
    #[default]
    Plain,
    /// Semicolon-separated UTF-8 with a byte-order mark: opens in columns, with its accents
    /// intact, when double-clicked in Excel set to Indonesian (whose list separator is `;`).
    Excel,
}

impl CsvDialect {
    /// Reads a `--format` name: `csv` or `csv-excel`.
    pub fn from_format(name: &str) -> Option<CsvDialect> {
        match name {
            "csv" => Some(CsvDialect::Plain),
            "csv-excel" => Some(CsvDialect::Excel),
            _ => None,
        }
    }

    /// A CSV writer of this dialect over `out` (the byte-order mark already written).
    pub fn writer<W: Write>(self, mut out: W) -> Result<csv::Writer<W>, ExportError> {
        let mut b = csv::WriterBuilder::new();
        if self == CsvDialect::Excel {
            out.write_all("\u{feff}".as_bytes())?;
            b.delimiter(b';');
        }
        Ok(b.from_writer(out))
    }
}

/// Writes the answers of the respondents inside `scope` who have a session of `flow` (any
/// version) as CSV in `dialect` (the console's export for a staff member). Returns the
/// number of data rows.
pub async fn write_csv_in(
    store: &Store,
    flow: &Flow,
    scope: &Scope,
    dialect: CsvDialect,
    out: impl Write,
) -> Result<usize, ExportError> {
    let mut w = dialect.writer(out)?;
    let rows = for_each_row(store, flow, scope, |rec| {
        Ok(w.write_record(rec.iter().map(Cell::as_str))?)
    })
    .await?;
    w.flush()?;
    Ok(rows)
}

/// The roster columns of the export, before the answers, by the field each one holds.
const IDENTITY: [&str; 6] = [
    "external_id",
    "name",
    "cohort",
    "programme",
    "school",
    "province",
];

/// Produces the export row by row: the header first, then one row per session of `flow`
/// (of any version the store knows) whose respondent is inside `scope` (the CSV and XLSX
/// writers share it). Roster fields are named as the flow's `export_fields` maps them, and
/// every extra roster column follows them. Text cells are neutralised against formula
/// injection ([`neutralise`](super::cell::neutralise)); number answers are
/// [`Cell::Number`]. Returns the number of data rows.
pub async fn for_each_row(
    store: &Store,
    flow: &Flow,
    scope: &Scope,
    mut emit: impl FnMut(&[Cell]) -> Result<(), ExportError>,
) -> Result<usize, ExportError> {
    let others = versions_of(store, flow).await?;
    let versions = ordered(flow, &others);
    let cols = union_columns(&versions);
    // The extra roster columns: each respondent's own keys, so the header must wait until
    // all are known (one streamed statement that keeps only the names).
    let extra_keys = store.export().extra_keys(&flow.id, scope).await?;
    // The newest version names the roster columns.
    let newest = versions.first().copied().unwrap_or(flow);
    let rename = |field: &str| -> String {
        newest
            .export_fields
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, c)| c.clone())
            .unwrap_or_else(|| field.to_owned())
    };
    let taken: std::collections::HashSet<&str> = cols.iter().map(|c| c.name.as_str()).collect();
    let mut header: Vec<Cell> = vec![Cell::text("respondent_id")];
    header.extend(IDENTITY.iter().map(|f| Cell::text(&rename(f))));
    for k in &extra_keys {
        let named = rename(&format!("extra.{k}"));
        // An extra column keeps its roster name unless a question's column has it.
        let name = if named == format!("extra.{k}") {
            if taken.contains(k.as_str()) || IDENTITY.contains(&k.as_str()) {
                format!("extra_{k}")
            } else {
                k.clone()
            }
        } else {
            named
        };
        header.push(Cell::text(&name));
    }
    header.extend(
        ["status", "language", "flow_version", "completed_at"]
            .iter()
            .map(|s| Cell::text(s)),
    );
    header.extend(cols.iter().map(|c| Cell::text(&c.name)));
    emit(&header)?;
    let mut rows = 0;
    // Page by page in session order: a page's sessions with their respondents, then the
    // current answers of exactly those sessions (two statements per page, whatever the
    // roster's size; memory is one page, not the flow).
    let mut after = 0;
    loop {
        let page = store.export().sessions_page(&flow.id, scope, after).await?;
        let Some(last) = page.last() else {
            break;
        };
        after = last.session.id;
        let ids: Vec<_> = page.iter().map(|p| p.session.id).collect();
        let mut answers = store
            .export()
            .current_answers_of(&ids)
            .await?
            .into_iter()
            .peekable();
        for ExportSession {
            session: s,
            respondent: r,
        } in page
        {
            // The answers come in session order too: this session's are next.
            let mut mine: HashMap<AnswerKey, Value> = HashMap::new();
            while let Some(a) = answers.next_if(|a| a.session_id <= s.id) {
                if a.session_id == s.id {
                    mine.insert(a.key, a.value);
                }
            }
            emit(&row(&versions, flow, &extra_keys, &cols, &s, &r, &mine))?;
            rows += 1;
        }
    }
    Ok(rows)
}

/// One data row of the export: `s` of respondent `r` with its current `answers`.
fn row(
    versions: &[&Flow],
    flow: &Flow,
    extra_keys: &std::collections::BTreeSet<String>,
    cols: &[Column],
    s: &SessionRecord,
    r: &Respondent,
    answers: &HashMap<AnswerKey, Value>,
) -> Vec<Cell> {
    {
        // Missing answers and yes/no codes are read the way the session's own version
        // defines them.
        let sf = versions
            .iter()
            .find(|f| f.version == s.flow_version)
            .copied()
            .unwrap_or(flow);
        let f = &r.fields;
        let opt = |v: &Option<String>| Cell::text(v.as_deref().unwrap_or_default());
        let mut rec: Vec<Cell> = vec![
            Cell::text(&r.id.to_string()),
            opt(&f.external_id),
            opt(&f.name),
            opt(&f.cohort),
            opt(&f.programme),
            opt(&f.school),
            opt(&f.province),
        ];
        rec.extend(
            extra_keys
                .iter()
                .map(|k| Cell::text(f.extra.get(k).map(String::as_str).unwrap_or_default())),
        );
        // The language the conversation was held in (a respondent who switched to English
        // answered in English), else the one the roster or first contact gave.
        let lang = serde_json::from_str::<SessionState>(&s.state_json)
            .ok()
            .filter(|_| s.status != SessionStatus::Invited)
            .map(|st| st.lang)
            .or(r.language);
        rec.extend([
            Cell::text(s.status.as_str()),
            Cell::text(lang.map(|l| l.tag()).unwrap_or_default()),
            Cell::text(&s.flow_version.to_string()),
            Cell::text(&s.completed_at.map(|t| t.to_rfc3339()).unwrap_or_default()),
        ]);
        for c in cols {
            if let Some(Kind::Computed { expr, .. }) = sf.question(&c.code).map(|q| &q.kind) {
                // Worked out from the stored answers with the session's own version, as the
                // engine does (nothing computed is stored).
                let facts = Stored {
                    flow: sf,
                    answers,
                    fields: f,
                    iteration: c.iteration,
                };
                rec.push(match expr.value(&facts) {
                    Some(v) => answer_cell(&v),
                    None if s.status != SessionStatus::Completed => Cell::text(""),
                    None => code_cell(&sf.missing.not_asked),
                });
                continue;
            }
            let key = AnswerKey {
                code: c.code.clone(),
                iteration: c.iteration,
            };
            let cell = match (answers.get(&key), &c.option) {
                // Not reached yet in an open session: nothing is known.
                (None, _) if s.status != SessionStatus::Completed => Cell::text(""),
                (None, _) => code_cell(&sf.missing.not_asked),
                (Some(Value::Skipped), _) => code_cell(&sf.missing.skipped),
                (Some(Value::Refused), _) => code_cell(&sf.missing.refused),
                (Some(Value::Choices(picked)), Some(o)) => Cell::int(i64::from(picked.contains(o))),
                (Some(Value::Ratings(points)), _) => match c.scale.and_then(|k| points.get(k)) {
                    Some(n) => Cell::int(*n),
                    None => Cell::text(""),
                },
                (Some(Value::Bool(b)), _) => match sf.question(&c.code).map(|q| &q.kind) {
                    Some(Kind::YesNo { codes, .. }) => {
                        code_cell(if *b { &codes.yes } else { &codes.no })
                    }
                    _ => answer_cell(&Value::Bool(*b)),
                },
                (Some(v), _) => answer_cell(v),
            };
            rec.push(cell);
        }
        rec
    }
}

/// A session's stored answers as conditions and computed values see them.
struct Stored<'a> {
    flow: &'a Flow,
    answers: &'a HashMap<AnswerKey, Value>,
    fields: &'a crate::model::RespondentFields,
    iteration: u32,
}

impl Facts for Stored<'_> {
    fn answer(&self, code: &str) -> Option<Cow<'_, Value>> {
        let q = self.flow.question(code)?;
        if let Kind::Computed { expr, .. } = &q.kind {
            return expr.value(self).map(Cow::Owned);
        }
        let key = AnswerKey {
            code: code.to_string(),
            iteration: if q.group.is_some() { self.iteration } else { 0 },
        };
        self.answers.get(&key).map(Cow::Borrowed)
    }

    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name)
    }
}

/// An export code as a cell: a number when it is one, so `1`/`2` stay numeric in XLSX.
fn code_cell(code: &str) -> Cell {
    if code.is_empty() {
        return Cell::text("");
    }
    match code.parse::<i64>() {
        Ok(n) => Cell::int(n),
        Err(_) => Cell::text(code),
    }
}

/// An answer as a cell: numbers as numbers, everything else as (neutralised) text.
fn answer_cell(v: &Value) -> Cell {
    match v {
        Value::Integer(n) | Value::Money(n) | Value::Scale(n) => Cell::int(*n),
        Value::Decimal(x) => Cell::decimal(*x),
        Value::Bool(b) => Cell::int(i64::from(*b)),
        other => Cell::text(&other.export()),
    }
}

pub use super::codebook::{write_codebook, write_codebook_all};
