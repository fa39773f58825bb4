//! WhatsApp dead letters for admins: webhook bodies whose handling failed three times (or
//! panicked), with when they arrived, when they were given up and why (an error text, no
//! number, no message), and a "retry" button once the cause is mended. The body itself is
//! never shown: it holds the respondent's number and words.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::html;

use crate::channel::whatsapp::{Retried, RetryQueue};
use crate::console::layout::{csrf, datetime_wib, flash, page};
use crate::console::request::{Admin, Posted, Reject, Tr};
use crate::console::{AppState, BASE};
use crate::store::Role;

/// The most dead letters the page lists.
pub const LIMIT: i64 = 200;

/// The routes of this file.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(&format!("{BASE}/whatsapp"), get(dead_letters))
        .route(&format!("{BASE}/whatsapp/{{id}}/retry"), post(retry))
}

/// The page's query: what the last retry did.
#[derive(Debug, Default, serde::Deserialize)]
pub struct DoneQuery {
    /// `now`, `later` or `gone`.
    pub done: Option<String>,
}

async fn dead_letters(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Query(q): Query<DoneQuery>,
) -> Response {
    let tr = Tr::new(&state.catalog, staff.lang());
    let letters = match state.store.whatsapp().whatsapp_dead_letters(LIMIT).await {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(error = %e, "cannot read WhatsApp dead letters");
            return Reject::Unavailable.into_response();
        }
    };
    let done = match q.done.as_deref() {
        Some("now") => Some(flash("ok", &tr.t("c-wa-retried-now"))),
        Some("later") => Some(flash("info", &tr.t("c-wa-retried-later"))),
        Some("gone") => Some(flash("info", &tr.t("c-wa-retry-gone"))),
        _ => None,
    };
    let body = html! {
        @if let Some(d) = done { (d) }
        p.muted { (tr.t("c-wa-dead-intro")) }
        @if letters.is_empty() {
            p.muted #dead-empty { (tr.t("c-wa-dead-empty")) }
        } @else {
            div.scroll {
                table #dead-letters {
                    thead { tr {
                        th { "#" }
                        th { (tr.t("c-wa-received")) }
                        th { (tr.t("c-wa-dead-at")) }
                        th { (tr.t("c-wa-reason")) }
                        th {}
                    } }
                    tbody {
                        @for d in &letters {
                            tr data-id=(d.id) {
                                td { (d.id) }
                                td { (datetime_wib(tr, d.received_at)) }
                                td { (datetime_wib(tr, d.dead_at)) }
                                td { code { (d.reason) } }
                                td {
                                    form method="post" action={(BASE) "/whatsapp/" (d.id) "/retry"} {
                                        (csrf(&staff))
                                        button type="submit" { (tr.t("c-wa-retry")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    page(tr, &staff, "/whatsapp", &tr.t("c-nav-whatsapp"), body).into_response()
}

async fn retry(State(state): State<AppState>, Path(id): Path<i64>, p: Posted) -> Response {
    if p.staff.account().role != Role::Admin {
        return Reject::Forbidden.into_response();
    }
    let queue = state.settings.whatsapp_retry.as_ref();
    let done = match RetryQueue::retry(queue, &state.store, id).await {
        Ok(Retried::Now) => "now",
        Ok(Retried::AtNextStart) => "later",
        Ok(Retried::NotDead) => "gone",
        Err(e) => {
            tracing::error!(error = %e, "cannot retry a WhatsApp dead letter");
            return Reject::Unavailable.into_response();
        }
    };
    if done != "gone" {
        p.staff
            .audit(&state, "whatsapp-retry", &format!("dead letter {id}"))
            .await;
    }
    Redirect::to(&format!("{BASE}/whatsapp?done={done}")).into_response()
}
