//! The audit log for admins: who did what and when (sign-ins, imports, wave changes, exports,
//! account changes), newest first, filtered by actor and action, at most [`LIMIT`] lines.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::html;

use crate::console::layout::{datetime_wib, page};
use crate::console::request::{Admin, Reject, Tr};
use crate::console::{AppState, BASE};
use crate::store::AuditFilter;

/// The most lines the page shows; narrower filters reach older lines.
pub const LIMIT: u32 = 500;

/// The actions the filter suggests (any other can be typed).
const ACTIONS: &[&str] = &[
    "sign-in",
    "sign-in-failed",
    "sign-out",
    "password-change",
    "roster-import",
    "invitations",
    "wave-add",
    "wave-pause",
    "wave-resume",
    "wave-cancel",
    "export",
    "account-add",
    "account-role",
    "account-disable",
    "account-enable",
    "account-reset",
    "whatsapp-retry",
    "respondent-show",
    "respondent-export",
    "respondent-delete",
    "retention-purge",
];

/// The filter of the audit page.
#[derive(Debug, Default, serde::Deserialize)]
pub struct AuditQuery {
    /// Only this actor (an e-mail, or `cli`).
    pub actor: Option<String>,
    /// Only this action.
    pub action: Option<String>,
}

/// The routes of this file.
pub fn routes() -> Router<AppState> {
    Router::new().route(&format!("{BASE}/audit"), get(audit_page))
}

async fn audit_page(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Query(q): Query<AuditQuery>,
) -> Response {
    let tr = Tr::new(&state.catalog, staff.lang());
    let clean = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let actor = clean(&q.actor).map(|a| a.to_lowercase());
    let action = clean(&q.action);
    let filter = AuditFilter {
        actor: actor.clone(),
        action: action.clone(),
        limit: LIMIT,
    };
    let entries = match state.store.staff().audit_entries(&filter).await {
        Ok(e) => e,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the audit log");
            return Reject::Unavailable.into_response();
        }
    };
    let title = tr.t("c-nav-audit");
    let body = html! {
        form.filters method="get" action={(BASE) "/audit"} {
            label { (tr.t("c-audit-actor"))
                input type="text" name="actor" value=[actor.as_deref()] placeholder="nama@sekolah.sch.id";
            }
            label { (tr.t("c-audit-action"))
                // Free text with suggestions: other areas may add actions of their own.
                input type="text" name="action" list="audit-actions" value=[action.as_deref()];
            }
            datalist #audit-actions {
                @for a in ACTIONS { option value=(a) {} }
            }
            button type="submit" { (tr.t("c-show")) }
        }
        @if entries.len() as u32 >= LIMIT {
            p.flash.info { (tr.ta("c-audit-limited", &[("count", &LIMIT.to_string())])) }
        }
        @if entries.is_empty() {
            p.muted #audit-empty { (tr.t("c-audit-empty")) }
        } @else {
            div.scroll {
                table #audit {
                    thead { tr {
                        th { (tr.t("c-audit-time")) }
                        th { (tr.t("c-audit-actor")) }
                        th { (tr.t("c-audit-action")) }
                        th { (tr.t("c-audit-detail")) }
                        th { (tr.t("c-audit-address")) }
                    } }
                    tbody {
                        @for e in &entries {
                            tr data-action=(e.action) {
                                td { (datetime_wib(tr, e.at)) }
                                td { (e.actor) }
                                td { code { (e.action) } }
                                td { (e.detail) }
                                td { (e.address.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
        }
    };
    page(tr, &staff, "/audit", &title, body).into_response()
}
