//! `jejak roster import`: a roster file into the store. A reader thread parses and checks
//! rows while the database writes the previous batch; each batch of
//! [`ROSTER_BATCH_ROWS`] rows is one transaction (upsert by external id plus enrolment in
//! the flow). Bad rows are reported with their line number and reasons and the good rows
//! load. A failure half-way (an error, Ctrl-C, a killed process) leaves the committed
//! batches in place: a prefix of the file's rows, each stored with its session of the flow,
//! and nothing of the batch that was being written (its transaction rolls back). Importing
//! the same file again completes it: rows are matched by external id, a respondent who
//! already has a session of the flow gets no second one, and tokens are kept (so no
//! exported link changes). That re-run counts the rows already stored as updated.

use std::collections::HashMap;
use std::io::IsTerminal as _;
use std::path::Path;

use chrono::{DateTime, Utc};
use indicatif::{ProgressBar, ProgressStyle};

use super::header::{HeaderError, classify};
use super::read::{FileNotes, ReadError, read_file};
use super::row::{parse_row, quoted};
use crate::engine::state::SessionState;
use crate::flow::Flow;
use crate::i18n::staff_text;
use crate::model::Lang;
use crate::store::{Enrolment, NewRespondent, ROSTER_BATCH_ROWS, Scope, Store, StoreError};

/// Files from this size on get a progress bar (when standard error is a terminal).
pub const PROGRESS_MIN_BYTES: u64 = 256 * 1024;

/// A row that did not load, or loaded with remarks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowIssue {
    /// 1-based line (CSV) or row number (XLSX).
    pub line: u64,
    /// What is wrong, one entry per problem.
    pub reasons: Vec<String>,
    /// The row's cells as read from the file (empty for a row that could not be read as
    /// text), so staff can be given the rejected rows back to fix. Kept for rejected rows
    /// only; empty for warnings.
    pub cells: Vec<String>,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Data rows read (blank rows not counted).
    pub rows: u64,
    /// Rows stored (new plus updated).
    pub loaded: usize,
    /// Respondents new to the store.
    pub inserted: usize,
    /// Respondents updated by external id.
    pub updated: usize,
    /// Sessions of the flow created (respondents newly on the flow's roster).
    pub enrolled: usize,
    /// Rows that did not load, in file order.
    pub rejected: Vec<RowIssue>,
    /// Rows that loaded with something staff should check, in file order.
    pub warnings: Vec<RowIssue>,
    /// The header row's cells as read from the file (for a file of the rejected rows).
    pub header: Vec<String>,
    /// What staff are told once about the file as a whole (a workbook under a `.csv` name,
    /// a CSV decoded as Windows-1252), in the import's language.
    pub notices: Vec<String>,
}

/// The notices of `notes`, in `lang`.
pub fn notices(notes: FileNotes, lang: Lang) -> Vec<String> {
    let mut out = Vec::new();
    if notes.workbook_named_csv {
        out.push(staff_text(lang, "cli-import-workbook-named-csv", &[]));
    }
    if notes.windows_1252 {
        out.push(staff_text(lang, "cli-import-windows-1252", &[]));
    }
    out
}

/// Why an import stopped.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The header row is unusable.
    #[error("line {line}: {source}")]
    Header {
        /// The header's line.
        line: u64,
        /// What is wrong.
        source: HeaderError,
    },
    /// The file has no header row.
    #[error("the file is empty: expected a header row (nisn, nama, no_hp, …)")]
    Empty,
    /// The database refused a batch; the batches before it are stored.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The engine state of a new session could not be encoded.
    #[error("encoding a new session: {0}")]
    State(#[from] serde_json::Error),
    /// The reader thread died (a bug).
    #[error("the roster reader stopped unexpectedly")]
    Reader,
    /// [`ImportOptions::stop`] was set (Ctrl-C): the import stopped between two batches.
    /// The batches before are committed (their respondents and sessions complete), nothing
    /// of a later one is; importing the same file again completes it.
    #[error("interrupted after {loaded} rows were stored")]
    Interrupted {
        /// Rows stored before the stop (each in a committed batch).
        loaded: usize,
    },
}

impl ImportError {
    /// The error as staff read it, in `lang`; errors of the database and bugs stay in
    /// English (they are for whoever runs the server).
    pub fn text(&self, lang: Lang) -> String {
        match self {
            ImportError::Read(e) => e.text(lang),
            ImportError::Header { line, source } => staff_text(
                lang,
                "cli-import-header",
                &[("line", &line.to_string()), ("reason", &source.text(lang))],
            ),
            ImportError::Empty => staff_text(lang, "cli-import-empty", &[]),
            ImportError::Interrupted { loaded } => staff_text(
                lang,
                "cli-import-interrupted",
                &[("loaded", &loaded.to_string())],
            ),
            other => other.to_string(),
        }
    }
}

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Enrol every imported respondent in this flow (see [`enrolment`]).
    pub enrol: Option<Enrolment>,
    /// Show a progress bar on large files when standard error is a terminal.
    pub progress: bool,
    /// When set (by a Ctrl-C handler), the import stops before its next batch and returns
    /// [`ImportError::Interrupted`]. Checked between batches only, so a batch is either
    /// wholly stored or not at all (see the module docs).
    pub stop: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
}

/// The enrolment of roster rows into `flow`: fresh `invited` sessions in the respondent's
/// language when the flow offers it, else in the flow's default language.
pub fn enrolment(flow: &Flow) -> Result<Enrolment, serde_json::Error> {
    let default = flow.default_lang();
    let en = if flow.languages.contains(&Lang::En) {
        Lang::En
    } else {
        default
    };
    Ok(Enrolment {
        flow_id: flow.id.clone(),
        flow_version: flow.version,
        state_en: serde_json::to_string(&SessionState::invited(en))?,
        state_default: serde_json::to_string(&SessionState::invited(default))?,
    })
}

/// A parsed row waiting for its batch: its line, the respondent, the cells as read.
struct Pending {
    line: u64,
    respondent: NewRespondent,
    cells: Vec<String>,
}

/// What the reader thread sends.
enum Item {
    /// Rows to store, each with its line, and how many of them repeat an external id that
    /// an earlier batch of this import stored (the store counts those as new: they were
    /// created moments ago).
    Batch(Vec<Pending>, usize),
    Rejected(RowIssue),
    /// The header row's cells.
    Header(Vec<String>),
    Warning(RowIssue),
    Failed(ImportError),
    /// Non-blank data rows read and what the reader noticed about the file, sent last.
    Done(u64, FileNotes),
}

/// The first line of every external id seen so far in a file, to warn about repeats.
///
/// A national roster has 1.5 million ids; as `HashMap<String, u64>` they took about 80
/// bytes each (the string's own allocation, its 24-byte header, the line, the table's
/// slack): 120 MB of the import's 200 MB budget. Ids made only of digits (NISN, NIM:
/// nearly all of them) are packed into one `u64` with their length, so leading zeros still
/// count ("0012" and "12" stay different ids); others keep their text.
#[derive(Default)]
struct FirstLines {
    /// Ids of 1–17 digits: the length in the top bits, the value below (10^17 < 2^57).
    digits: HashMap<u64, u64>,
    /// Every other id.
    other: HashMap<Box<str>, u64>,
}

impl FirstLines {
    /// The id's first line: `line` itself when `key` was not seen before (and is recorded
    /// now), else the line it was first seen on.
    fn first(&mut self, key: &str, line: u64) -> u64 {
        match pack_digits(key) {
            Some(k) => *self.digits.entry(k).or_insert(line),
            None => match self.other.get(key) {
                Some(&first) => first,
                None => {
                    self.other.insert(key.into(), line);
                    line
                }
            },
        }
    }
}

/// An id of 1–17 ASCII digits as `length << 57 | value`; `None` for anything else.
fn pack_digits(key: &str) -> Option<u64> {
    if key.is_empty() || key.len() > 17 || !key.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value = key.bytes().fold(0u64, |v, b| v * 10 + u64::from(b - b'0'));
    Some((key.len() as u64) << 57 | value)
}

/// Merges a later row with the same external id into an earlier one: cells the later row
/// has win, empty ones keep the earlier value (as a re-import would).
fn merge(into: &mut NewRespondent, later: NewRespondent) {
    let f = later.fields;
    macro_rules! take {
        ($($dst:expr => $src:expr),*) => { $( if $src.is_some() { $dst = $src; } )* };
    }
    take!(
        into.fields.name => f.name,
        into.fields.cohort => f.cohort,
        into.fields.programme => f.programme,
        into.fields.school => f.school,
        into.fields.province => f.province,
        into.phone => later.phone,
        into.email => later.email,
        into.timezone => later.timezone,
        into.language => later.language,
        into.birth_date => later.birth_date
    );
    if !f.extra.is_empty() {
        into.fields.extra = f.extra;
    }
}

/// Parses the file on the calling (blocking) thread and sends batches down `tx`.
fn reader(path: &Path, tx: tokio::sync::mpsc::Sender<Item>, bar: ProgressBar, lang: Lang) {
    let mut columns = None;
    let mut batch: Vec<Pending> = Vec::with_capacity(ROSTER_BATCH_ROWS);
    let mut in_batch: HashMap<String, usize> = HashMap::new();
    let mut first_line = FirstLines::default();
    let mut alive = true;
    let mut rows: u64 = 0;
    let mut repeats = 0usize;
    let send = |item: Item, alive: &mut bool| {
        if tx.blocking_send(item).is_err() {
            *alive = false;
        }
    };
    let result = read_file(
        path,
        |pos| {
            bar.set_length(pos.total);
            bar.set_position(pos.done);
        },
        |raw| {
            let cells = raw.cells;
            let Some(cols) = &columns else {
                if cells.iter().all(|c| c.trim().is_empty()) {
                    return true;
                }
                match classify(&cells) {
                    Ok(c) => {
                        columns = Some(c);
                        send(Item::Header(cells), &mut alive);
                        return alive;
                    }
                    Err(source) => {
                        send(
                            Item::Failed(ImportError::Header {
                                line: raw.line,
                                source,
                            }),
                            &mut alive,
                        );
                        return false;
                    }
                }
            };
            let parsed = parse_row(cols, &cells, lang);
            if !matches!(parsed, Ok(None)) {
                rows += 1;
            }
            match parsed {
                Ok(None) => {}
                Err(reasons) => send(
                    Item::Rejected(RowIssue {
                        line: raw.line,
                        reasons,
                        cells,
                    }),
                    &mut alive,
                ),
                Ok(Some(parsed)) => {
                    let mut warnings = parsed.warnings;
                    let r = parsed.respondent;
                    // Every parsed row has an external id (parse_row rejects rows without).
                    let key = r.fields.external_id.clone().unwrap_or_default();
                    let first = first_line.first(&key, raw.line);
                    if first != raw.line {
                        warnings.push(staff_text(
                            lang,
                            "cli-row-repeat",
                            &[("value", &quoted(&key)), ("first", &first.to_string())],
                        ));
                    }
                    if !warnings.is_empty() {
                        send(
                            Item::Warning(RowIssue {
                                line: raw.line,
                                reasons: warnings,
                                cells: Vec::new(),
                            }),
                            &mut alive,
                        );
                    }
                    match in_batch.get(&key) {
                        Some(&i) => merge(&mut batch[i].respondent, r),
                        None => {
                            if first != raw.line {
                                repeats += 1;
                            }
                            in_batch.insert(key, batch.len());
                            batch.push(Pending {
                                line: raw.line,
                                respondent: r,
                                cells,
                            });
                        }
                    }
                    if batch.len() >= ROSTER_BATCH_ROWS {
                        in_batch.clear();
                        let full =
                            std::mem::replace(&mut batch, Vec::with_capacity(ROSTER_BATCH_ROWS));
                        send(Item::Batch(full, std::mem::take(&mut repeats)), &mut alive);
                    }
                }
            }
            alive
        },
    );
    match result {
        Err(e) => send(Item::Failed(e.into()), &mut alive),
        Ok(_) if columns.is_none() => send(Item::Failed(ImportError::Empty), &mut alive),
        Ok(notes) => {
            if !batch.is_empty() {
                send(Item::Batch(batch, repeats), &mut alive);
            }
            send(Item::Done(rows, notes), &mut alive);
        }
    }
}

/// Imports the roster file at `path` (`.csv` or `.xlsx`), with the reasons of rejected rows
/// and warnings in Indonesian (the staff default; see [`import_file_in`]).
pub async fn import_file(
    store: &Store,
    path: &Path,
    opts: &ImportOptions,
    now: DateTime<Utc>,
) -> Result<ImportReport, ImportError> {
    import_file_in(store, path, opts, now, Lang::default()).await
}

/// [`import_file`] with the reasons of rejected rows and warnings in `lang` (the staff
/// member's language).
pub async fn import_file_in(
    store: &Store,
    path: &Path,
    opts: &ImportOptions,
    now: DateTime<Utc>,
    lang: Lang,
) -> Result<ImportReport, ImportError> {
    import_file_scoped(store, path, opts, &Scope::All, now, lang).await
}

/// Why a row falls outside `scope`, if it does (in `lang`): its school is not one of the
/// scope's, or it is empty (an operator's row must name their school, so the row is not
/// stored where nobody in charge of it can see it), or its external id belongs to a
/// respondent of another school (`existing`: the stored school of that id, if stored) that
/// the upsert would otherwise overwrite and pull into this scope.
pub fn out_of_scope(
    scope: &Scope,
    row: &NewRespondent,
    existing: Option<&Option<String>>,
    lang: Lang,
) -> Option<String> {
    if matches!(scope, Scope::All) {
        return None;
    }
    let school = row.fields.school.as_deref().map(str::trim).unwrap_or("");
    if school.is_empty() {
        return Some(staff_text(lang, "c-roster-row-no-school", &[]));
    }
    if !scope.admits(Some(school)) {
        return Some(staff_text(
            lang,
            "c-roster-row-other-school",
            &[("value", &quoted(school))],
        ));
    }
    if let Some(stored) = existing
        && !scope.admits(stored.as_deref())
    {
        return Some(staff_text(lang, "c-roster-row-taken-id", &[]));
    }
    None
}

/// As [`import_file_in`], loading only rows inside `scope` (a staff member's schools):
/// other rows are rejected with the reason [`out_of_scope`] gives, and the rest load as
/// usual.
pub async fn import_file_scoped(
    store: &Store,
    path: &Path,
    opts: &ImportOptions,
    scope: &Scope,
    now: DateTime<Utc>,
    lang: Lang,
) -> Result<ImportReport, ImportError> {
    let size = std::fs::metadata(path)
        .map_err(|source| ReadError::Io {
            path: path.display().to_string(),
            source,
        })?
        .len();
    let bar = if opts.progress && size >= PROGRESS_MIN_BYTES && std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(size);
        if let Ok(style) =
            ProgressStyle::with_template("{bar:40} {percent:>3}% {elapsed} (ETA {eta}) {msg}")
        {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Item>(4);
    let owned = path.to_path_buf();
    let reader_bar = bar.clone();
    let handle = std::thread::spawn(move || reader(&owned, tx, reader_bar, lang));
    let mut report = ImportReport::default();
    let mut outcome: Result<(), ImportError> = Ok(());
    while let Some(item) = rx.recv().await {
        match item {
            Item::Header(cells) => report.header = cells,
            Item::Batch(rows, repeats) => {
                if opts
                    .stop
                    .as_ref()
                    .is_some_and(|s| s.load(std::sync::atomic::Ordering::Relaxed))
                {
                    outcome = Err(ImportError::Interrupted {
                        loaded: report.loaded,
                    });
                    break;
                }
                let rows = match keep_in_scope(store, scope, rows, &mut report, lang).await {
                    Ok(rows) => rows,
                    Err(e) => {
                        outcome = Err(e.into());
                        break;
                    }
                };
                if rows.is_empty() {
                    continue;
                }
                let list: Vec<NewRespondent> = rows.into_iter().map(|p| p.respondent).collect();
                match store
                    .roster()
                    .upsert_roster_batch(&list, opts.enrol.as_ref(), now)
                    .await
                {
                    Ok(o) => {
                        let repeats = repeats.min(o.inserted);
                        report.inserted += o.inserted - repeats;
                        report.updated += o.updated + repeats;
                        report.enrolled += o.enrolled;
                        report.loaded += o.inserted + o.updated;
                        bar.set_message(format!("{} rows", report.loaded));
                    }
                    Err(e) => {
                        outcome = Err(e.into());
                        break;
                    }
                }
            }
            Item::Rejected(issue) => insert_in_order(&mut report.rejected, issue),
            Item::Done(n, notes) => {
                report.rows = n;
                report.notices = notices(notes, lang);
            }
            Item::Warning(issue) => report.warnings.push(issue),
            Item::Failed(e) => {
                outcome = Err(e);
                break;
            }
        }
    }
    // Stops the reader if it is still going (its next send fails).
    drop(rx);
    let ended = store.roster().end_import().await;
    let joined = tokio::task::spawn_blocking(move || handle.join()).await;
    bar.finish_and_clear();
    outcome?;
    ended?;
    match joined {
        Ok(Ok(())) => {}
        _ => return Err(ImportError::Reader),
    }
    Ok(report)
}

/// Drops the rows of a batch that fall outside `scope` (rejecting them in `report`).
async fn keep_in_scope(
    store: &Store,
    scope: &Scope,
    rows: Vec<Pending>,
    report: &mut ImportReport,
    lang: Lang,
) -> Result<Vec<Pending>, StoreError> {
    if matches!(scope, Scope::All) {
        return Ok(rows);
    }
    let ids: Vec<String> = rows
        .iter()
        .filter_map(|p| p.respondent.fields.external_id.clone())
        .collect();
    let stored = store.search().schools_of_external_ids(&ids).await?;
    let mut kept = Vec::with_capacity(rows.len());
    for p in rows {
        let existing = p
            .respondent
            .fields
            .external_id
            .as_ref()
            .and_then(|e| stored.get(e));
        match out_of_scope(scope, &p.respondent, existing, lang) {
            None => kept.push(p),
            Some(reason) => insert_in_order(
                &mut report.rejected,
                RowIssue {
                    line: p.line,
                    reasons: vec![reason],
                    cells: p.cells,
                },
            ),
        }
    }
    Ok(kept)
}

/// Adds a rejected row keeping file order (rows rejected for scope arrive with their batch,
/// after rows of later lines that the reader rejected at once).
fn insert_in_order(list: &mut Vec<RowIssue>, issue: RowIssue) {
    let at = list.partition_point(|i| i.line <= issue.line);
    list.insert(at, issue);
}

#[cfg(test)]
mod tests {
    use super::{FirstLines, pack_digits};

    #[test]
    fn packed_ids_keep_leading_zeros_and_length() {
        assert_ne!(pack_digits("0012"), pack_digits("12"));
        assert_ne!(pack_digits("0"), pack_digits("00"));
        assert_eq!(pack_digits("0012"), pack_digits("0012"));
        assert_eq!(
            pack_digits("99999999999999999"),
            Some(17 << 57 | 99_999_999_999_999_999)
        );
        assert_eq!(pack_digits("123456789012345678"), None);
        assert_eq!(pack_digits("12a"), None);
        assert_eq!(pack_digits(""), None);
        assert_eq!(pack_digits("١٢"), None);
    }

    #[test]
    fn first_lines_report_the_first_occurrence_of_each_id() {
        let mut f = FirstLines::default();
        assert_eq!(f.first("0012", 2), 2);
        assert_eq!(f.first("12", 3), 3);
        assert_eq!(f.first("A-12", 4), 4);
        assert_eq!(f.first("0012", 5), 2);
        assert_eq!(f.first("A-12", 6), 4);
        assert_eq!(f.first("12", 7), 3);
        assert_eq!(f.first("123456789012345678", 8), 8);
        assert_eq!(f.first("123456789012345678", 9), 8);
    }
}
