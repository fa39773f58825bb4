//! Invitations: the invitation sheet (XLSX or CSV) of a flow and the QR codes as a ZIP of
//! SVG files, for the member's scope. The files are those of `jejak invite`
//! ([`write_invitations_in`], [`write_qr_zip`]): the same links, columns and file names,
//! and the respondents listed are recorded as invited, so the report counts them.

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::{Markup, html};

use crate::console::layout::{csrf, flash, page};
use crate::console::request::{Manager, Posted, Reject, Staff, Tr};
use crate::console::{AppState, BASE};
use crate::roster::invite::{InviteError, LinkTargets, write_invitations_in, write_qr_zip};

/// The routes of this file.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(&format!("{BASE}/invitations"), get(form_page))
        .route(&format!("{BASE}/invitations/sheet"), post(sheet))
        .route(&format!("{BASE}/invitations/qr"), post(qr))
}

/// The link targets of the configuration, or the text that says what to configure.
fn targets(state: &AppState, tr: Tr<'_>) -> Result<LinkTargets, String> {
    LinkTargets::with_web(
        state.settings.bot_username.as_deref(),
        state.settings.whatsapp_number.as_deref(),
        state.settings.public_url.as_deref(),
    )
    .map_err(|e| match e {
        InviteError::NoTarget => tr.t("c-inv-no-target"),
        other => tr.ta("c-inv-bad-target", &[("reason", &other.to_string())]),
    })
}

async fn form_page(
    axum::extract::State(state): axum::extract::State<AppState>,
    Manager(staff): Manager,
) -> Response {
    let tr = Tr::new(&state.catalog, staff.lang());
    page(
        tr,
        &staff,
        "/invitations",
        &tr.t("c-nav-invitations"),
        forms(&state, tr, &staff, None),
    )
    .into_response()
}

fn forms(state: &AppState, tr: Tr<'_>, staff: &Staff, error: Option<&str>) -> Markup {
    let flows = html! {
        label { (tr.t("c-flow"))
            select name="flow" {
                @for f in &state.flows {
                    option value=(f.id) { (f.texts.format(tr.lang, &f.title, None)) " (" (f.id) ")" }
                }
            }
        }
    };
    html! {
        @if let Some(e) = error { (flash("error", e)) }
        @match targets(state, tr) {
            Err(why) => (flash("error", &why)),
            Ok(_) if state.flows.is_empty() => p { (tr.t("c-no-flows")) },
            Ok(links) => {
                p { (tr.t("c-inv-intro")) }
                p #inv-targets { (tr.ta("c-inv-targets", &[("targets", &target_names(&links, tr))])) }
                @if links.web_base.is_none() { p.muted { (tr.t("c-inv-web-missing")) } }
                h2 { (tr.t("c-inv-sheet")) }
                form.stack method="post" action={(BASE) "/invitations/sheet"} {
                    (csrf(staff))
                    (flows)
                    label { (tr.t("c-inv-format"))
                        select name="format" {
                            option value="xlsx" { "Excel (XLSX)" }
                            option value="csv" { "CSV" }
                        }
                    }
                    button type="submit" { (tr.t("c-inv-download")) }
                }
                h2 { (tr.t("c-inv-qr")) }
                form.stack method="post" action={(BASE) "/invitations/qr"} {
                    (csrf(staff))
                    (flows)
                    button type="submit" { (tr.t("c-inv-download-qr")) }
                }
                p.muted { (tr.t("c-inv-counts-as-invited")) }
            }
        }
    }
}

/// The kinds of links the sheet will hold, in the reader's words.
fn target_names(links: &LinkTargets, tr: Tr<'_>) -> String {
    let mut names = Vec::new();
    if links.bot_username.is_some() {
        names.push("Telegram".to_string());
    }
    if links.whatsapp_digits.is_some() {
        names.push("WhatsApp".to_string());
    }
    if let Some(base) = &links.web_base {
        names.push(tr.ta("c-inv-web", &[("base", base)]));
    }
    names.join(", ")
}

/// An answer with the page again and a message on it.
fn refuse(state: &AppState, tr: Tr<'_>, staff: &Staff, status: StatusCode, why: &str) -> Response {
    (
        status,
        page(
            tr,
            staff,
            "/invitations",
            &tr.t("c-nav-invitations"),
            forms(state, tr, staff, Some(why)),
        ),
    )
        .into_response()
}

/// Checks the posted form: a manager, a known flow, configured links. Returns the flow id
/// and the links, or the answer to give.
fn prepare(state: &AppState, posted: &Posted) -> Result<(String, LinkTargets), Box<Response>> {
    let staff = &posted.staff;
    if !staff.account().can_manage() {
        return Err(Box::new(Reject::Forbidden.into_response()));
    }
    let tr = Tr::new(&state.catalog, staff.lang());
    let links = targets(state, tr)
        .map_err(|why| Box::new(refuse(state, tr, staff, StatusCode::CONFLICT, &why)))?;
    let flow = posted
        .form
        .get("flow")
        .and_then(|id| state.flow(id))
        .map(|f| f.id.clone())
        .ok_or_else(|| {
            Box::new(refuse(
                state,
                tr,
                staff,
                StatusCode::BAD_REQUEST,
                &tr.t("c-inv-no-flow"),
            ))
        })?;
    Ok((flow, links))
}

/// A private path in the scratch directory for a file being built.
fn scratch_file(state: &AppState, ext: &str) -> Option<std::path::PathBuf> {
    std::fs::create_dir_all(&state.scratch).ok()?;
    let name = crate::console::auth::new_token().ok()?;
    Some(state.scratch.join(format!("invite-{name}.{ext}")))
}

/// Answers with the file at `path` as a download named `name`, removing it.
async fn send_file(path: std::path::PathBuf, content_type: &'static str, name: String) -> Response {
    // Opened, then its name removed: the open file stays readable, and is streamed to the
    // browser in chunks (a national invitation sheet is hundreds of megabytes).
    let opened = tokio::task::spawn_blocking(move || {
        let file = std::fs::File::open(&path);
        let _ = std::fs::remove_file(&path);
        file
    })
    .await;
    match opened {
        Ok(Ok(file)) => (
            [
                (header::CONTENT_TYPE, content_type.to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ),
            ],
            super::exports::stream_file(file),
        )
            .into_response(),
        _ => Reject::Unavailable.into_response(),
    }
}

/// A flow id as part of a file name.
fn file_part(flow: &str) -> String {
    flow.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

async fn sheet(
    axum::extract::State(state): axum::extract::State<AppState>,
    posted: Posted,
) -> Response {
    let (flow, links) = match prepare(&state, &posted) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let staff = &posted.staff;
    let csv = posted.form.get("format") == Some("csv");
    let ext = if csv { "csv" } else { "xlsx" };
    let Some(path) = scratch_file(&state, ext) else {
        return Reject::Unavailable.into_response();
    };
    let scope = staff.scope();
    let now = state.clock.now();
    match write_invitations_in(&state.store, &flow, &scope, &links, &path, None, now).await {
        Ok(summary) => {
            staff
                .audit(
                    &state,
                    "invitations-export",
                    &format!(
                        "flow={flow} format={ext} respondents={}",
                        summary.respondents
                    ),
                )
                .await;
            let content_type = if csv {
                "text/csv; charset=utf-8"
            } else {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            };
            send_file(
                path,
                content_type,
                format!("undangan-{}.{ext}", file_part(&flow)),
            )
            .await
        }
        Err(e) => {
            let _ = std::fs::remove_file(&path);
            tracing::error!(error = %e, "cannot write the invitation sheet");
            Reject::Unavailable.into_response()
        }
    }
}

async fn qr(
    axum::extract::State(state): axum::extract::State<AppState>,
    posted: Posted,
) -> Response {
    let (flow, links) = match prepare(&state, &posted) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let staff = &posted.staff;
    let Some(path) = scratch_file(&state, "zip") else {
        return Reject::Unavailable.into_response();
    };
    let scope = staff.scope();
    match write_qr_zip(
        &state.store,
        &flow,
        &scope,
        &links,
        &path,
        state.clock.now(),
    )
    .await
    {
        Ok(summary) => {
            staff
                .audit(
                    &state,
                    "invitations-export",
                    &format!(
                        "flow={flow} format=qr-zip respondents={} files={}",
                        summary.respondents, summary.qr_files
                    ),
                )
                .await;
            send_file(
                path,
                "application/zip",
                format!("qr-{}.zip", file_part(&flow)),
            )
            .await
        }
        Err(e) => {
            let _ = std::fs::remove_file(&path);
            tracing::error!(error = %e, "cannot write the QR codes");
            Reject::Unavailable.into_response()
        }
    }
}
