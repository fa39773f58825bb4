//! A data subject's requests that arrive by letter or e-mail (UU No. 27 Tahun 2022),
//! answered in the console as `jejak respondent show|export|delete` answers them on the
//! command line: see everything stored about a respondent, download it as JSON, erase it
//! (after a confirmation step). Each needs a reason and is written to the audit log (who,
//! when, what, why) before anything is shown or changed. Admins and operators, within their
//! schools: a respondent outside the scope is "not found".
//!
//! And the retention purge for admins: what `jejak purge --dry-run` would erase (counts per
//! flow and cohort, no names), and a button that runs it.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::{Markup, html};

use crate::console::layout::{csrf, datetime_wib, flash, not_found, page};
use crate::console::request::{Admin, Manager, Posted, Reject, Staff, Tr};
use crate::console::{AppState, BASE};
use crate::schedule::retention;
use crate::store::{Respondent, Role};

/// The routes of this file.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(&format!("{BASE}/respondents/{{id}}/data"), get(show))
        .route(
            &format!("{BASE}/respondents/{{id}}/export"),
            axum::routing::post(export),
        )
        .route(
            &format!("{BASE}/respondents/{{id}}/delete"),
            axum::routing::post(delete),
        )
        .route(&format!("{BASE}/purge"), get(purge_page).post(purge_run))
}

/// The query of the data page: why it is looked at.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ReasonQuery {
    /// The request it answers.
    pub reason: Option<String>,
}

/// The three forms of the respondent page's "data rights" section (each asks a reason).
pub fn rights_section(tr: Tr<'_>, staff: &Staff, id: i64) -> Markup {
    html! {
        h2 { (tr.t("c-rights-title")) }
        p.muted { (tr.t("c-rights-intro")) }
        form.filters #rights-show method="get" action={(BASE) "/respondents/" (id) "/data"} {
            label { (tr.t("c-rights-reason")) input type="text" name="reason" required; }
            button type="submit" { (tr.t("c-rights-show")) }
        }
        form.filters #rights-export method="post" action={(BASE) "/respondents/" (id) "/export"} {
            (csrf(staff))
            label { (tr.t("c-rights-reason")) input type="text" name="reason" required; }
            button type="submit" { (tr.t("c-rights-export")) }
        }
        form.filters #rights-delete method="post" action={(BASE) "/respondents/" (id) "/delete"} {
            (csrf(staff))
            label { (tr.t("c-rights-reason")) input type="text" name="reason" required; }
            button.danger type="submit" { (tr.t("c-rights-delete")) }
        }
    }
}

/// The reason given, trimmed; `None` when blank.
fn reason_of(v: Option<&str>) -> Option<String> {
    v.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.chars().take(500).collect())
}

/// The respondent `id` if the member may act on them.
async fn in_scope(state: &AppState, staff: &Staff, id: &str) -> Result<Respondent, Response> {
    let tr = Tr::new(&state.catalog, staff.lang());
    let Ok(id) = id.parse::<i64>() else {
        return Err(not_found(tr));
    };
    match state
        .store
        .search()
        .respondent_in_scope(id, &staff.scope())
        .await
    {
        Ok(Some(r)) => Ok(r),
        Ok(None) => Err(not_found(tr)),
        Err(e) => {
            tracing::error!(error = %e, "cannot read a respondent");
            Err(Reject::Unavailable.into_response())
        }
    }
}

/// Writes the audit line of a request (the respondent's number and the reason; no
/// personal data of the respondent).
async fn audit(state: &AppState, staff: &Staff, action: &str, id: i64, reason: &str) {
    staff
        .audit(state, action, &format!("respondent {id}; reason: {reason}"))
        .await;
}

fn managing(staff: &Staff) -> bool {
    matches!(staff.account().role, Role::Admin | Role::Operator)
}

/// A plain page with a message and the way back to the respondent.
fn message(tr: Tr<'_>, staff: &Staff, status: StatusCode, id: i64, msg: Markup) -> Response {
    let body = html! {
        (msg)
        p { a href={(BASE) "/respondents/" (id)} { (tr.t("c-rights-back")) } }
    };
    (
        status,
        page(tr, staff, "/respondents", &tr.t("c-rights-title"), body),
    )
        .into_response()
}

async fn show(
    State(state): State<AppState>,
    Manager(staff): Manager,
    Path(id): Path<String>,
    Query(q): Query<ReasonQuery>,
) -> Response {
    let tr = Tr::new(&state.catalog, staff.lang());
    let r = match in_scope(&state, &staff, &id).await {
        Ok(r) => r,
        Err(res) => return res,
    };
    let Some(reason) = reason_of(q.reason.as_deref()) else {
        let msg = flash("error", &tr.t("c-rights-reason-needed"));
        return message(tr, &staff, StatusCode::BAD_REQUEST, r.id, msg);
    };
    audit(&state, &staff, "respondent-show", r.id, &reason).await;
    let doc = match crate::cli::respondent::export(&state.store, &r, state.clock.now()).await {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(error = %e, "cannot read a respondent's data");
            return Reject::Unavailable.into_response();
        }
    };
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let empty = serde_json::Map::new();
    let roster = doc["roster"].as_object().unwrap_or(&empty);
    let none = Vec::new();
    let channels = doc["channels"].as_array().unwrap_or(&none);
    let sessions = doc["sessions"].as_array().unwrap_or(&none);
    let body = html! {
        p { a href={(BASE) "/respondents/" (r.id)} { (tr.t("c-rights-back")) } }
        p.muted #rights-reason { (tr.ta("c-rights-shown-for", &[("reason", &reason)])) }
        @if let Some(at) = doc["erased_at"].as_str() {
            p.flash.info { (tr.ta("c-rights-erased-at", &[("at", at)])) }
        }
        h2 { (tr.t("c-rights-roster")) }
        table #stored-fields {
            tbody {
                @for (k, v) in roster {
                    @if k.as_str() != "extra" {
                        tr { th scope="row" { (k) } td { (text(v)) } }
                    }
                }
                @if let Some(extra) = roster.get("extra").and_then(|e| e.as_object()) {
                    @for (k, v) in extra {
                        tr { th scope="row" { (k) } td { (text(v)) } }
                    }
                }
            }
        }
        h2 { (tr.t("c-resp-channels")) }
        @if channels.is_empty() {
            p.muted { (tr.t("c-resp-no-channels")) }
        } @else {
            // The whole address: the respondent asked for what is stored.
            ul #stored-channels {
                @for c in channels {
                    li { (text(&c["channel"])) ": " (text(&c["address"])) }
                }
            }
        }
        h2 { (tr.t("c-resp-answers")) }
        @for s in sessions {
            h3 { (text(&s["flow"])) " · " (text(&s["status"])) }
            table.stored-answers {
                thead { tr {
                    th { (tr.t("c-resp-code")) }
                    th { (tr.t("c-resp-answer")) }
                    th { (tr.t("c-resp-answered-at")) }
                } }
                tbody {
                    @for a in s["answers"].as_array().unwrap_or(&none) {
                        tr {
                            td { (text(&a["question"])) }
                            td { (text(&a["answer"])) }
                            td { (text(&a["answered_at"])) }
                        }
                    }
                }
            }
        }
    };
    page(tr, &staff, "/respondents", &tr.t("c-rights-title"), body).into_response()
}

async fn export(State(state): State<AppState>, Path(id): Path<String>, p: Posted) -> Response {
    if !managing(&p.staff) {
        return Reject::Forbidden.into_response();
    }
    let staff = &p.staff;
    let tr = Tr::new(&state.catalog, staff.lang());
    let r = match in_scope(&state, staff, &id).await {
        Ok(r) => r,
        Err(res) => return res,
    };
    let Some(reason) = reason_of(p.form.get("reason")) else {
        let msg = flash("error", &tr.t("c-rights-reason-needed"));
        return message(tr, staff, StatusCode::BAD_REQUEST, r.id, msg);
    };
    audit(&state, staff, "respondent-export", r.id, &reason).await;
    let doc = match crate::cli::respondent::export(&state.store, &r, state.clock.now()).await {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(error = %e, "cannot export a respondent's data");
            return Reject::Unavailable.into_response();
        }
    };
    let body = match serde_json::to_string_pretty(&doc) {
        Ok(b) => b + "\n",
        Err(e) => {
            tracing::error!(error = %e, "cannot write a respondent's data as JSON");
            return Reject::Unavailable.into_response();
        }
    };
    (
        [
            (
                header::CONTENT_TYPE,
                "application/json; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"respondent-{}.json\"", r.id),
            ),
        ],
        body,
    )
        .into_response()
}

async fn delete(State(state): State<AppState>, Path(id): Path<String>, p: Posted) -> Response {
    if !managing(&p.staff) {
        return Reject::Forbidden.into_response();
    }
    let staff = &p.staff;
    let tr = Tr::new(&state.catalog, staff.lang());
    let r = match in_scope(&state, staff, &id).await {
        Ok(r) => r,
        Err(res) => return res,
    };
    let Some(reason) = reason_of(p.form.get("reason")) else {
        let msg = flash("error", &tr.t("c-rights-reason-needed"));
        return message(tr, staff, StatusCode::BAD_REQUEST, r.id, msg);
    };
    if p.form.get("confirm") != Some("yes") {
        // The confirmation step: nothing is changed until it is pressed.
        let who = r
            .fields
            .name
            .clone()
            .or_else(|| r.fields.external_id.clone())
            .unwrap_or_default();
        let body = html! {
            p.flash.error #confirm-delete {
                (tr.ta("c-rights-delete-confirm", &[("name", &who), ("id", &r.id.to_string())]))
            }
            p { (tr.ta("c-rights-shown-for", &[("reason", &reason)])) }
            form method="post" action={(BASE) "/respondents/" (r.id) "/delete"} {
                (csrf(staff))
                input type="hidden" name="reason" value=(reason);
                input type="hidden" name="confirm" value="yes";
                button.danger #confirm-delete-button type="submit" { (tr.t("c-rights-delete-yes")) }
            }
            p { a href={(BASE) "/respondents/" (r.id)} { (tr.t("c-rights-cancel")) } }
        };
        return page(tr, staff, "/respondents", &tr.t("c-rights-delete"), body).into_response();
    }
    audit(&state, staff, "respondent-delete", r.id, &reason).await;
    if let Err(e) = state
        .store
        .respondents()
        .erase(r.id, state.clock.now())
        .await
    {
        tracing::error!(error = %e, "cannot erase a respondent");
        return Reject::Unavailable.into_response();
    }
    let body = html! {
        p.flash.ok #deleted role="status" { (tr.ta("c-rights-deleted", &[("id", &r.id.to_string())])) }
        p { a href={(BASE) "/respondents"} { (tr.t("c-resp-back")) } }
    };
    page(tr, staff, "/respondents", &tr.t("c-rights-delete"), body).into_response()
}

/// The plan's table: sessions per flow and cohort, and how many respondents.
fn plan_table(tr: Tr<'_>, plan: &retention::PurgePlan) -> Markup {
    html! {
        @if plan.respondents.is_empty() {
            p.muted #purge-none { (tr.t("c-purge-none")) }
        } @else {
            p #purge-count { (tr.ta("c-purge-would", &[("n", &plan.respondents.len().to_string())])) }
            table #purge-plan {
                thead { tr {
                    th { (tr.t("c-flow")) }
                    th { (tr.t("c-by-cohort")) }
                    th { (tr.t("c-purge-sessions")) }
                } }
                tbody {
                    @for ((flow, cohort), n) in &plan.sessions {
                        tr {
                            td { (flow) }
                            td { (cohort.as_deref().unwrap_or("—")) }
                            td { (n) }
                        }
                    }
                }
            }
        }
    }
}

async fn purge_page(State(state): State<AppState>, Admin(staff): Admin) -> Response {
    let tr = Tr::new(&state.catalog, staff.lang());
    let scope = retention::Scope {
        flows: &state.flows,
        only_flow: None,
    };
    let now = state.clock.now();
    let plan = match retention::plan(&state.store, scope, now).await {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(error = %e, "cannot plan the retention purge");
            return Reject::Unavailable.into_response();
        }
    };
    let with_retention = state.flows.iter().any(|f| f.retention.is_some());
    let body = html! {
        p.muted { (tr.t("c-purge-intro")) " " (datetime_wib(tr, now)) }
        @if !with_retention {
            p.muted #purge-no-retention { (tr.t("c-purge-no-retention")) }
        } @else {
            (plan_table(tr, &plan))
            @if !plan.respondents.is_empty() {
                form.filters #purge-run method="post" action={(BASE) "/purge"} {
                    (csrf(&staff))
                    label { (tr.t("c-rights-reason")) input type="text" name="reason" required; }
                    button.danger type="submit" { (tr.t("c-purge-run")) }
                }
            }
        }
    };
    page(tr, &staff, "/purge", &tr.t("c-nav-purge"), body).into_response()
}

async fn purge_run(State(state): State<AppState>, p: Posted) -> Response {
    let staff = &p.staff;
    if staff.account().role != Role::Admin {
        return Reject::Forbidden.into_response();
    }
    let tr = Tr::new(&state.catalog, staff.lang());
    let Some(reason) = reason_of(p.form.get("reason")) else {
        let body = html! {
            (flash("error", &tr.t("c-rights-reason-needed")))
            p { a href={(BASE) "/purge"} { (tr.t("c-nav-purge")) } }
        };
        return (
            StatusCode::BAD_REQUEST,
            page(tr, staff, "/purge", &tr.t("c-nav-purge"), body),
        )
            .into_response();
    };
    let scope = retention::Scope {
        flows: &state.flows,
        only_flow: None,
    };
    let actor = staff.account().email.clone();
    let reason = format!("reason: {reason}; console");
    let done = match retention::purge(
        &state.store,
        scope,
        state.clock.now(),
        &actor,
        &reason,
        true,
    )
    .await
    {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(error = %e, "cannot run the retention purge");
            return Reject::Unavailable.into_response();
        }
    };
    let body = html! {
        p.flash.ok #purged role="status" {
            (tr.ta("c-purge-done", &[("n", &done.erased.len().to_string())]))
        }
        (plan_table(tr, &done.plan))
        p { a href={(BASE) "/purge"} { (tr.t("c-nav-purge")) } }
    };
    page(tr, staff, "/purge", &tr.t("c-nav-purge"), body).into_response()
}
