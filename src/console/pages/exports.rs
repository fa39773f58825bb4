//! Exports: the answers (CSV, XLSX), the codebook and the response-rate report (XLSX) of a
//! flow, for the staff member's scope only. The files are `jejak export` / `jejak report`'s
//! own writers ([`crate::report`]) with the member's [`Scope`](crate::store::Scope) passed
//! down to the SQL.
//!
//! Who may download what: the answers carry names and answers (personal data), so they need
//! an admin or an operator. The codebook describes the questions only (codes, texts, options)
//! and the report holds counts only: every role, viewers included, may have them.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::html;

use crate::console::layout::{page, time_in_zones};
use crate::console::request::{Reject, Staff, Tr};
use crate::console::{AppState, BASE};
use crate::flow::Flow;
use crate::report::response::{GroupBy, response_report_scoped};
use crate::report::{export, xlsx};

/// The routes of this file.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(&format!("{BASE}/exports"), get(exports_page))
        .route(&format!("{BASE}/exports/download"), get(download))
}

/// What can be downloaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    /// The answers as CSV (comma, UTF-8).
    AnswersCsv,
    /// The answers as CSV for Excel set to Indonesian (semicolon, UTF-8 with BOM).
    AnswersCsvExcel,
    /// The answers as XLSX.
    AnswersXlsx,
    /// The codebook (CSV).
    Codebook,
    /// The response-rate report (XLSX).
    Report,
}

impl ExportKind {
    const ALL: [ExportKind; 5] = [
        ExportKind::AnswersCsv,
        ExportKind::AnswersCsvExcel,
        ExportKind::AnswersXlsx,
        ExportKind::Codebook,
        ExportKind::Report,
    ];

    /// The name in URLs and in the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportKind::AnswersCsv => "answers-csv",
            ExportKind::AnswersCsvExcel => "answers-csv-excel",
            ExportKind::AnswersXlsx => "answers-xlsx",
            ExportKind::Codebook => "codebook",
            ExportKind::Report => "report",
        }
    }

    fn parse(s: &str) -> Option<ExportKind> {
        ExportKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the file holds personal data (only admins and operators may have it).
    pub fn personal(self) -> bool {
        matches!(
            self,
            ExportKind::AnswersCsv | ExportKind::AnswersCsvExcel | ExportKind::AnswersXlsx
        )
    }

    fn extension(self) -> &'static str {
        match self {
            ExportKind::AnswersCsv | ExportKind::AnswersCsvExcel | ExportKind::Codebook => "csv",
            ExportKind::AnswersXlsx | ExportKind::Report => "xlsx",
        }
    }

    fn content_type(self) -> &'static str {
        match self.extension() {
            "csv" => "text/csv; charset=utf-8",
            _ => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    /// Text ids: the link's label and the file's name stem.
    fn texts(self) -> (&'static str, &'static str) {
        match self {
            ExportKind::AnswersCsv => ("c-export-answers-csv", "c-export-file-answers"),
            ExportKind::AnswersCsvExcel => ("c-export-answers-csv-excel", "c-export-file-answers"),
            ExportKind::AnswersXlsx => ("c-export-answers-xlsx", "c-export-file-answers"),
            ExportKind::Codebook => ("c-export-codebook", "c-export-file-codebook"),
            ExportKind::Report => ("c-export-report", "c-export-file-report"),
        }
    }
}

/// The query of the exports page and of a download.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ExportQuery {
    /// Flow id (default: the first flow).
    pub flow: Option<String>,
    /// What to download.
    pub kind: Option<String>,
    /// For the report: `cohort`, `programme` or `school`.
    pub by: Option<String>,
}

fn chosen_flow<'a>(state: &'a AppState, q: &ExportQuery) -> Option<&'a std::sync::Arc<Flow>> {
    match q.flow.as_deref() {
        Some(id) => state.flow(id),
        None => state.flows.first(),
    }
}

async fn exports_page(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<ExportQuery>,
) -> Response {
    let tr = Tr::new(&state.catalog, staff.lang());
    let title = tr.t("c-nav-exports");
    let Some(flow) = chosen_flow(&state, &q).cloned() else {
        let body = html! { p { (tr.t("c-no-flows")) } };
        return page(tr, &staff, "/exports", &title, body).into_response();
    };
    let manager = staff.account().can_manage();
    let link = |kind: ExportKind, by: Option<GroupBy>| {
        let mut url = format!(
            "{BASE}/exports/download?flow={}&kind={}",
            super::overview::urlencode(&flow.id),
            kind.as_str()
        );
        if let Some(by) = by {
            url.push_str(&format!("&by={}", by.name()));
        }
        url
    };
    let body = html! {
        form.filters method="get" action={(BASE) "/exports"} {
            label { (tr.t("c-flow"))
                select name="flow" {
                    @for f in &state.flows {
                        option value=(f.id) selected[f.id == flow.id] { (f.texts.format(tr.lang, &f.title, None)) " (" (f.id) ")" }
                    }
                }
            }
            button type="submit" { (tr.t("c-show")) }
        }
        p.muted { (tr.t("c-export-scope-note")) }
        ul.downloads #downloads {
            @for kind in [ExportKind::AnswersCsv, ExportKind::AnswersCsvExcel, ExportKind::AnswersXlsx, ExportKind::Codebook] {
                li {
                    @if kind.personal() && !manager {
                        span.muted { (tr.t(kind.texts().0)) " — " (tr.t("c-export-needs-manager")) }
                    } @else {
                        a href=(link(kind, None)) download { (tr.t(kind.texts().0)) }
                    }
                }
            }
            li {
                (tr.t("c-export-report")) ": "
                @for by in [GroupBy::School, GroupBy::Programme, GroupBy::Cohort] {
                    a.by href=(link(ExportKind::Report, Some(by))) download { (tr.t(&format!("c-by-{}", by.name()))) }
                    " "
                }
            }
        }
        p.muted { (tr.t("c-export-formula-note")) }
        p.muted { (tr.ta("c-updated-at", &[("time", &time_in_zones(tr, state.clock.now()))])) }
    };
    page(tr, &staff, "/exports", &title, body).into_response()
}

async fn download(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<ExportQuery>,
) -> Response {
    let tr = Tr::new(&state.catalog, staff.lang());
    let Some(flow) = chosen_flow(&state, &q).cloned() else {
        return crate::console::layout::not_found(tr);
    };
    let Some(kind) = q.kind.as_deref().and_then(ExportKind::parse) else {
        return crate::console::layout::not_found(tr);
    };
    if kind.personal() && !staff.account().can_manage() {
        return Reject::Forbidden.into_response();
    }
    let by = q.by.as_deref().and_then(GroupBy::parse);
    let scope = staff.scope();
    let file = match write_file(&state, &flow, kind, by, &scope, staff.lang()).await {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(error = %e, kind = kind.as_str(), "cannot write an export");
            return (StatusCode::INTERNAL_SERVER_ERROR, tr.t("c-export-failed")).into_response();
        }
    };
    let rows = match (kind, file.rows) {
        (_, Some(n)) => format!(" rows={n}"),
        (ExportKind::Report, None) => format!(" by={}", by.unwrap_or(GroupBy::School).name()),
        _ => String::new(),
    };
    staff
        .audit(
            &state,
            "export",
            &format!("flow={} kind={}{rows}", flow.id, kind.as_str()),
        )
        .await;
    let date = state
        .clock
        .now()
        .with_timezone(&chrono_tz::Asia::Jakarta)
        .format("%Y-%m-%d");
    let name = format!(
        "{}-{}-{date}.{}",
        tr.t(kind.texts().1),
        safe_name(&flow.id),
        kind.extension()
    );
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(kind.content_type()),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        stream_file(file.file),
    )
        .into_response()
}

/// A written export.
struct Written {
    /// The file, opened for reading; its name is already removed from the scratch directory.
    file: std::fs::File,
    /// Data rows, for the answers.
    rows: Option<usize>,
}

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
enum WriteError {
    #[error(transparent)]
    Export(#[from] export::ExportError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("scratch file: {0}")]
    Io(#[from] std::io::Error),
    #[error("random: {0}")]
    Random(#[from] getrandom::Error),
}

/// Writes the file into a private file under `state.scratch` (XLSX in rust_xlsxwriter's
/// constant-memory mode), so that a large export never sits in memory whole.
async fn write_file(
    state: &AppState,
    flow: &Flow,
    kind: ExportKind,
    by: Option<GroupBy>,
    scope: &crate::store::Scope,
    lang: crate::model::Lang,
) -> Result<Written, WriteError> {
    let path = scratch_file(state, kind.extension())?;
    let rows = match kind {
        ExportKind::AnswersCsv | ExportKind::AnswersCsvExcel => {
            let out = std::io::BufWriter::new(std::fs::File::create(&path.0)?);
            let dialect = if kind == ExportKind::AnswersCsvExcel {
                export::CsvDialect::Excel
            } else {
                export::CsvDialect::Plain
            };
            Some(export::write_csv_in(&state.store, flow, scope, dialect, out).await?)
        }
        ExportKind::Codebook => {
            let out = std::io::BufWriter::new(std::fs::File::create(&path.0)?);
            export::write_codebook_all(&state.store, flow, out).await?;
            None
        }
        ExportKind::AnswersXlsx => {
            Some(xlsx::write_export_in(&state.store, flow, scope, &path.0).await?)
        }
        ExportKind::Report => {
            let report = response_report_scoped(
                &state.store,
                &flow.id,
                Some(by.unwrap_or(GroupBy::School)),
                scope,
            )
            .await?;
            xlsx::write_report(&report, &path.0, lang)?;
            None
        }
    };
    // Opened before the name is removed (when `path` drops): the open file stays readable.
    let file = std::fs::File::open(&path.0)?;
    Ok(Written { file, rows })
}

/// The body of a download: the file read in chunks on a blocking thread (also the
/// invitation sheets' and QR archives' downloads).
pub(super) fn stream_file(mut file: std::fs::File) -> axum::body::Body {
    use std::io::Read as _;
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Vec<u8>>>(4);
    tokio::task::spawn_blocking(move || {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let chunk = match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => Ok(buf[..n].to_vec()),
                Err(e) => Err(e),
            };
            let failed = chunk.is_err();
            // A closed channel means the browser went away: stop reading.
            if tx.blocking_send(chunk).is_err() || failed {
                break;
            }
        }
    });
    let chunks = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    axum::body::Body::from_stream(chunks)
}

/// A file in the scratch directory, removed when dropped (also when writing failed).
struct ScratchFile(std::path::PathBuf);

impl Drop for ScratchFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn scratch_file(state: &AppState, extension: &str) -> Result<ScratchFile, WriteError> {
    std::fs::create_dir_all(&state.scratch)?;
    let name = format!("export-{}.{extension}", crate::console::auth::new_token()?);
    Ok(ScratchFile(state.scratch.join(name)))
}

/// A flow id as a file name part: letters, digits, `-` and `_`.
fn safe_name(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
