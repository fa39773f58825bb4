//! Roster upload: a CSV/XLSX file loaded with the rules of `jejak roster import`
//! ([`import_file_scoped`] with the flow's [`enrolment`]), limited to the uploader's schools;
//! then the counts, the table of rejected rows and a download of those rows as XLSX, exactly
//! as uploaded, to fix and upload again.
//!
//! The upload is read field by field: the CSRF token must come first and match before the
//! file is read. The file streams to a private temporary file (never whole in memory); past
//! [`MAX_UPLOAD_BYTES`] the rest of the body is read and dropped (so the browser sees the
//! answer rather than a broken connection) and a page says the file is too large.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use axum::Router;
use axum::extract::multipart::Field;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::{Markup, html};

use crate::console::layout::{csrf, flash, page};
use crate::console::request::{CSRF_FIELD, Manager, PostReject, Reject, Staff, Tr};
use crate::console::{AppState, BASE, MAX_UPLOAD_BYTES};
use crate::roster::import::{
    ImportError, ImportOptions, ImportReport, enrolment, import_file_scoped,
};

/// What is read and dropped of an upload beyond the limit before answering anyway (a
/// browser that is cut off mid-upload shows a network error instead of the page).
const DRAIN_LIMIT: usize = 4 * MAX_UPLOAD_BYTES;

/// The routes of this file.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            &format!("{BASE}/roster"),
            // The size limit is enforced while streaming, with a page that says so.
            get(form_page)
                .post(upload)
                .layer(DefaultBodyLimit::disable()),
        )
        .route(&format!("{BASE}/roster/rejected/{{name}}"), get(rejected))
}

async fn form_page(State(state): State<AppState>, Manager(staff): Manager) -> Response {
    let tr = Tr::new(&state.catalog, staff.lang());
    let body = upload_form(&state, tr, &staff, None);
    page(tr, &staff, "/roster", &tr.t("c-nav-roster"), body).into_response()
}

fn upload_form(state: &AppState, tr: Tr<'_>, staff: &Staff, chosen: Option<&str>) -> Markup {
    if state.flows.is_empty() {
        return html! { p { (tr.t("c-no-flows")) } };
    }
    html! {
        p { (tr.t("c-roster-intro")) }
        form.stack method="post" action={(BASE) "/roster"} enctype="multipart/form-data"
            data-progress="upload-progress" {
            (csrf(staff))
            label { (tr.t("c-flow"))
                select name="flow" {
                    @for f in &state.flows {
                        option value=(f.id) selected[chosen == Some(f.id.as_str())] {
                            (f.texts.format(tr.lang, &f.title, None)) " (" (f.id) ")"
                        }
                    }
                }
            }
            label { (tr.t("c-roster-file"))
                input type="file" name="file" accept=".csv,.xlsx,.xlsm,.txt" required;
            }
            progress #upload-progress max="100" value="0" hidden {}
            button type="submit" { (tr.t("c-roster-upload")) }
        }
        p.muted { (tr.ta("c-roster-limit", &[("mb", &(MAX_UPLOAD_BYTES / (1024 * 1024)).to_string())])) }
    }
}

/// An answer with the upload form again and a message above it.
fn again(
    state: &AppState,
    tr: Tr<'_>,
    staff: &Staff,
    status: StatusCode,
    message: &str,
) -> Response {
    let body = html! {
        (flash("error", message))
        (upload_form(state, tr, staff, None))
    };
    (
        status,
        page(tr, staff, "/roster", &tr.t("c-nav-roster"), body),
    )
        .into_response()
}

/// What an upload's file turned out to be.
enum Kind {
    Csv,
    Xlsx,
    /// Not a spreadsheet we read; the text id of the message.
    Refused(&'static str),
}

/// Decides from the first bytes what the file is (browsers and staff name files loosely):
/// a ZIP container is XLSX, an old binary Excel file or anything with NUL bytes or that is
/// not UTF-8 text is refused, other text is CSV.
fn sniff(head: &[u8]) -> Kind {
    if head.starts_with(b"PK\x03\x04") {
        return Kind::Xlsx;
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Kind::Refused("c-roster-old-excel");
    }
    if head.is_empty() {
        return Kind::Refused("c-roster-empty");
    }
    if head.contains(&0) {
        return Kind::Refused("c-roster-not-spreadsheet");
    }
    match std::str::from_utf8(head) {
        Ok(_) => Kind::Csv,
        // The head may end inside a character; only an error before the end is fatal.
        Err(e) if e.error_len().is_none() => Kind::Csv,
        Err(_) => Kind::Refused("c-roster-not-spreadsheet"),
    }
}

/// The longest text field of the upload form read (a CSRF token, a flow id).
const SMALL_FIELD: usize = 1024;

/// A short text field's value, or `None` when it is longer than [`SMALL_FIELD`] or not
/// UTF-8 (the body limit is off on this route, so nothing is read whole unchecked).
async fn small_text(field: &mut Field<'_>) -> Option<String> {
    let mut buf = Vec::new();
    while let Ok(Some(chunk)) = field.chunk().await {
        if buf.len() + chunk.len() > SMALL_FIELD {
            return None;
        }
        buf.extend_from_slice(&chunk);
    }
    String::from_utf8(buf).ok()
}

/// How long a file of rejected rows stays downloadable.
const REJECTED_KEEP: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Removes files of rejected rows older than [`REJECTED_KEEP`] and uploads left behind
/// (a crash mid-import), so the scratch directory does not grow.
fn sweep(scratch: &Path) {
    let Ok(entries) = std::fs::read_dir(scratch) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with("rejected-") || name.starts_with("upload-")) {
            continue;
        }
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > REJECTED_KEEP);
        if old {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// A random name for a private file.
fn random_name() -> Option<String> {
    crate::console::auth::new_token().ok()
}

/// Removes a file when dropped (the uploaded copy, whatever happens).
struct Cleanup(PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// How reading the file part ended.
enum Received {
    Stored { bytes: usize },
    TooLarge,
    Broken,
}

/// Streams a file part to `path`, stopping at the limit.
async fn receive(field: &mut Field<'_>, path: &Path) -> Received {
    let Ok(mut file) = std::fs::File::create(path) else {
        return Received::Broken;
    };
    let mut bytes = 0usize;
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                bytes += chunk.len();
                if bytes > MAX_UPLOAD_BYTES {
                    return Received::TooLarge;
                }
                if file.write_all(&chunk).is_err() {
                    return Received::Broken;
                }
            }
            Ok(None) => break,
            Err(_) => return Received::Broken,
        }
    }
    if file.flush().is_err() {
        return Received::Broken;
    }
    Received::Stored { bytes }
}

/// Reads and drops the rest of an over-large upload, up to [`DRAIN_LIMIT`] in all.
async fn drain(field: &mut Field<'_>) -> usize {
    let mut seen = MAX_UPLOAD_BYTES;
    while let Ok(Some(c)) = field.chunk().await {
        seen += c.len();
        if seen > DRAIN_LIMIT {
            break;
        }
    }
    seen
}

/// Reads and drops the fields after an over-large file, up to [`DRAIN_LIMIT`] in all.
async fn drain_rest(multipart: &mut Multipart, mut seen: usize) {
    while seen <= DRAIN_LIMIT {
        let Ok(Some(mut f)) = multipart.next_field().await else {
            return;
        };
        while let Ok(Some(c)) = f.chunk().await {
            seen += c.len();
            if seen > DRAIN_LIMIT {
                return;
            }
        }
    }
}

async fn upload(
    State(state): State<AppState>,
    Manager(staff): Manager,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let tr = Tr::new(&state.catalog, staff.lang());
    let Ok(mut multipart) = multipart else {
        return again(
            &state,
            tr,
            &staff,
            StatusCode::BAD_REQUEST,
            &tr.t("c-roster-no-file"),
        );
    };
    // The CSRF token comes first; nothing else is read without it.
    let token = match multipart.next_field().await {
        Ok(Some(mut f)) if f.name() == Some(CSRF_FIELD) => small_text(&mut f).await,
        _ => None,
    };
    if !staff.csrf_ok(token.as_deref().map(str::trim)) {
        tracing::warn!("roster upload refused: CSRF token missing or wrong");
        return PostReject::Csrf.into_response();
    }
    if let Err(e) = std::fs::create_dir_all(&state.scratch) {
        tracing::error!(error = %e, "cannot create the console's scratch directory");
        return Reject::Unavailable.into_response();
    }
    sweep(&state.scratch);
    let mut flow_id: Option<String> = None;
    let mut received: Option<(Cleanup, String, usize)> = None;
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                return again(
                    &state,
                    tr,
                    &staff,
                    StatusCode::BAD_REQUEST,
                    &tr.t("c-roster-broken-upload"),
                );
            }
        };
        match field.name() {
            Some("flow") => flow_id = small_text(&mut field).await.map(|s| s.trim().to_string()),
            Some("file") if received.is_none() => {
                let file_name = field
                    .file_name()
                    .map(|n| n.chars().filter(|c| !c.is_control()).take(200).collect())
                    .unwrap_or_default();
                let Some(name) = random_name() else {
                    return Reject::Unavailable.into_response();
                };
                let path = state.scratch.join(format!("upload-{name}"));
                let cleanup = Cleanup(path.clone());
                match receive(&mut field, &path).await {
                    Received::Stored { bytes } => received = Some((cleanup, file_name, bytes)),
                    Received::TooLarge => {
                        drop(cleanup);
                        let seen = drain(&mut field).await;
                        drop(field);
                        drain_rest(&mut multipart, seen).await;
                        let mb = (MAX_UPLOAD_BYTES / (1024 * 1024)).to_string();
                        return again(
                            &state,
                            tr,
                            &staff,
                            StatusCode::PAYLOAD_TOO_LARGE,
                            &tr.ta("c-roster-too-large", &[("mb", &mb)]),
                        );
                    }
                    Received::Broken => {
                        return again(
                            &state,
                            tr,
                            &staff,
                            StatusCode::BAD_REQUEST,
                            &tr.t("c-roster-broken-upload"),
                        );
                    }
                }
            }
            // Unknown fields are read and dropped.
            _ => while let Ok(Some(_)) = field.chunk().await {},
        }
    }
    let Some(flow) = flow_id.as_deref().and_then(|id| state.flow(id)).cloned() else {
        return again(
            &state,
            tr,
            &staff,
            StatusCode::BAD_REQUEST,
            &tr.t("c-roster-no-flow"),
        );
    };
    let Some((cleanup, file_name, bytes)) = received.filter(|r| r.2 > 0) else {
        return again(
            &state,
            tr,
            &staff,
            StatusCode::BAD_REQUEST,
            &tr.t("c-roster-no-file"),
        );
    };
    let head = {
        use std::io::Read as _;
        let mut head = vec![0u8; 8192.min(bytes)];
        match std::fs::File::open(&cleanup.0).and_then(|mut f| f.read_exact(&mut head)) {
            Ok(()) => head,
            Err(_) => return Reject::Unavailable.into_response(),
        }
    };
    let ext = match sniff(&head) {
        Kind::Csv => "csv",
        Kind::Xlsx => "xlsx",
        Kind::Refused(id) => {
            return again(&state, tr, &staff, StatusCode::BAD_REQUEST, &tr.t(id));
        }
    };
    // The reader picks CSV or XLSX by the extension: the file is named by its content.
    let typed = cleanup.0.with_extension(ext);
    if std::fs::rename(&cleanup.0, &typed).is_err() {
        return Reject::Unavailable.into_response();
    }
    let cleanup = Cleanup(typed);
    let opts = match enrolment(&flow) {
        Ok(e) => ImportOptions {
            enrol: Some(e),
            progress: false,
            ..Default::default()
        },
        Err(e) => {
            tracing::error!(error = %e, "cannot encode a new session");
            return Reject::Unavailable.into_response();
        }
    };
    let scope = staff.scope();
    let result = import_file_scoped(
        &state.store,
        &cleanup.0,
        &opts,
        &scope,
        state.clock.now(),
        tr.lang,
    )
    .await;
    drop(cleanup);
    let report = match result {
        Ok(r) => r,
        Err(ImportError::Store(e)) => {
            tracing::error!(error = %e, "roster upload: the database failed");
            return Reject::Unavailable.into_response();
        }
        Err(e) => {
            let why = match &e {
                ImportError::Header { .. } | ImportError::Empty => {
                    tr.ta("c-roster-unusable", &[("reason", &e.text(tr.lang))])
                }
                _ => tr.t("c-roster-not-spreadsheet"),
            };
            return again(&state, tr, &staff, StatusCode::BAD_REQUEST, &why);
        }
    };
    staff
        .audit(
            &state,
            "roster-import",
            &format!(
                "file={file_name:?} flow={} rows={} loaded={} new={} updated={} enrolled={} \
                 rejected={}",
                flow.id,
                report.rows,
                report.loaded,
                report.inserted,
                report.updated,
                report.enrolled,
                report.rejected.len()
            ),
        )
        .await;
    let download = if report.rejected.is_empty() {
        None
    } else {
        match write_rejected(&state, &staff, &report) {
            Ok(name) => Some(name),
            Err(e) => {
                tracing::error!(error = %e, "cannot write the rejected rows");
                None
            }
        }
    };
    let body = result_page(&state, tr, &staff, &file_name, &flow.id, &report, download);
    page(tr, &staff, "/roster", &tr.t("c-nav-roster"), body).into_response()
}

/// The private file of an account's rejected rows called `name`.
fn rejected_path(state: &AppState, staff: &Staff, name: &str) -> PathBuf {
    state
        .scratch
        .join(format!("rejected-{}-{name}.xlsx", staff.account().id))
}

/// Writes the header and the rejected rows, as uploaded, to a private XLSX; returns the
/// unguessable name of the download.
fn write_rejected(
    state: &AppState,
    staff: &Staff,
    report: &ImportReport,
) -> Result<String, String> {
    let name = random_name().ok_or("no random numbers")?;
    // The cells are what was uploaded: a cell that begins like a formula is neutralised, as
    // in every sheet we write from user data.
    let rows: Vec<Vec<String>> = report
        .rejected
        .iter()
        .filter(|r| !r.cells.is_empty())
        .map(|r| {
            r.cells
                .iter()
                .map(|c| crate::report::cell::neutralise(c).into_owned())
                .collect()
        })
        .collect();
    crate::report::xlsx::write_sheet(
        &rejected_path(state, staff, &name),
        "Ditolak",
        &report.header,
        &rows,
    )
    .map_err(|e| e.to_string())?;
    Ok(name)
}

/// The column a reason names (`no_hp: "12ab" is not a phone number` → `no_hp`), if any.
fn column_of(reason: &str) -> Option<(&str, &str)> {
    let (col, rest) = reason.split_once(": ")?;
    let plain = !col.is_empty()
        && col.len() <= 40
        && col
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '/' | '-'));
    plain.then_some((col, rest))
}

fn result_page(
    state: &AppState,
    tr: Tr<'_>,
    staff: &Staff,
    file_name: &str,
    flow: &str,
    r: &ImportReport,
    download: Option<String>,
) -> Markup {
    let n = |v: usize| v.to_string();
    let summary = tr.ta(
        "c-roster-result",
        &[
            ("file", file_name),
            ("rows", &r.rows.to_string()),
            ("loaded", &n(r.loaded)),
            ("new", &n(r.inserted)),
            ("updated", &n(r.updated)),
            ("enrolled", &n(r.enrolled)),
            ("rejected", &n(r.rejected.len())),
        ],
    );
    let issues = |list: &[crate::roster::import::RowIssue], id: &str| {
        html! {
            table #(id) {
                thead { tr {
                    th.num { (tr.t("c-roster-col-line")) }
                    th { (tr.t("c-roster-col-column")) }
                    th { (tr.t("c-roster-col-reason")) }
                } }
                tbody {
                    @for i in list {
                        @for reason in &i.reasons {
                            @let (col, why) = column_of(reason).unwrap_or(("", reason.as_str()));
                            tr data-line=(i.line) {
                                td.num { (i.line) }
                                td { (col) }
                                td { (why) }
                            }
                        }
                    }
                }
            }
        }
    };
    html! {
        @for notice in &r.notices {
            (flash("info", notice))
        }
        (flash(if r.rejected.is_empty() { "ok" } else { "info" }, &summary))
        dl.counts #import-counts {
            dt { (tr.t("c-roster-rows")) } dd #count-rows { (r.rows) }
            dt { (tr.t("c-roster-loaded")) } dd #count-loaded { (r.loaded) }
            dt { (tr.t("c-roster-new")) } dd #count-new { (r.inserted) }
            dt { (tr.t("c-roster-updated")) } dd #count-updated { (r.updated) }
            dt { (tr.t("c-roster-enrolled")) } dd #count-enrolled { (r.enrolled) }
            dt { (tr.t("c-roster-rejected")) } dd #count-rejected { (r.rejected.len()) }
        }
        @if !r.rejected.is_empty() {
            h2 { (tr.t("c-roster-rejected-title")) }
            @if let Some(name) = &download {
                p { a #rejected-download href={(BASE) "/roster/rejected/" (name)} download { (tr.t("c-roster-download-rejected")) } }
            }
            div.scroll { (issues(&r.rejected, "rejected-rows")) }
        }
        @if !r.warnings.is_empty() {
            h2 { (tr.t("c-roster-warnings-title")) }
            div.scroll { (issues(&r.warnings, "warning-rows")) }
        }
        h2 { (tr.t("c-roster-again")) }
        (upload_form(state, tr, staff, Some(flow)))
    }
}

/// The download of an account's rejected rows; another account's file (or a made-up name)
/// is not found.
async fn rejected(
    State(state): State<AppState>,
    Manager(staff): Manager,
    axum::extract::Path(name): axum::extract::Path<String>,
) -> Response {
    let tr = Tr::new(&state.catalog, staff.lang());
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !valid {
        return crate::console::layout::not_found(tr);
    }
    let path = rejected_path(&state, &staff, &name);
    let Ok(bytes) = tokio::task::spawn_blocking(move || std::fs::read(path)).await else {
        return Reject::Unavailable.into_response();
    };
    match bytes {
        Ok(bytes) => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"baris-ditolak.xlsx\"",
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => crate::console::layout::not_found(tr),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_recognised_by_content() {
        assert!(matches!(sniff(b"PK\x03\x04rest"), Kind::Xlsx));
        assert!(matches!(sniff(b"nisn;nama\n1;Ani"), Kind::Csv));
        assert!(matches!(
            sniff(&[0xD0, 0xCF, 0x11, 0xE0, 1]),
            Kind::Refused(_)
        ));
        assert!(matches!(sniff(b"\x89PNG\r\n\x1a\n\0\0"), Kind::Refused(_)));
        assert!(matches!(sniff(b""), Kind::Refused(_)));
        // A multi-byte character cut at the end of the head is still text.
        assert!(matches!(
            sniff("nama,Åsa".as_bytes().split_last().unwrap().1),
            Kind::Csv
        ));
    }

    #[test]
    fn reasons_name_their_column() {
        assert_eq!(
            column_of("no_hp: \"12ab\" is not a phone number"),
            Some(("no_hp", "\"12ab\" is not a phone number"))
        );
        assert_eq!(column_of("3 cells but only 2 columns in the header"), None);
    }
}
