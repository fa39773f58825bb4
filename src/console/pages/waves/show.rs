//! A wave's page (`/console/waves/{id}`): what it is, its next sends in WIB, WITA and WIT,
//! its progress from the outbox (refreshed by the page's script every few seconds), its dry
//! run, and for managers the pause / resume / cancel buttons (`POST …/{id}/{action}`).
//! A wave outside the member's scope is "not found", for GET and POST alike.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};

use super::unavailable;
use crate::console::layout::{csrf, flash, not_found, page, time_in_zones};
use crate::console::request::{Posted, Reject, Staff, Tr};
use crate::console::{AppState, BASE};
use crate::schedule::admin::{self, DryRun, WaveChange};
use crate::schedule::eligibility::Exclusion;
use crate::store::{Wave, WaveProgress};

/// How often the progress refreshes itself, in seconds.
const REFRESH_SECS: u32 = 10;

/// The routes of a wave's page and its actions.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(&format!("{BASE}/waves/{{id}}"), get(wave_page))
        .route(&format!("{BASE}/waves/{{id}}/{{action}}"), post(act))
}

/// The query of a wave's page: what just happened, after a redirect.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ShowQuery {
    /// `add`, `pause`, `resume`, `cancel`, or `refused`.
    pub done: Option<String>,
}

/// The wave `id` (as typed in the URL) if it exists inside the member's scope.
async fn scoped_wave(state: &AppState, staff: &Staff, id: &str) -> Result<Option<Wave>, Response> {
    let Ok(id) = id.parse::<i64>() else {
        return Ok(None);
    };
    state
        .store
        .waves()
        .wave_in(id, &staff.scope())
        .await
        .map_err(|e| unavailable(e, "loading a wave"))
}

async fn wave_page(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Response {
    let tr = Tr::new(&state.catalog, staff.lang());
    let wave = match scoped_wave(&state, &staff, &id).await {
        Ok(Some(w)) => w,
        Ok(None) => return not_found(tr),
        Err(r) => return r,
    };
    let now = state.clock.now();
    let progress = match state.store.waves().wave_progress(wave.id, now).await {
        Ok(p) => p,
        Err(e) => return unavailable(e, "a wave's progress"),
    };
    // The script asks for the progress alone every few seconds; the dry run is not
    // recomputed for it.
    if headers.get("x-jejak-fragment").is_some() {
        return progress_markup(tr, &progress, now).into_response();
    }
    let last = match state.store.waves().last_run_due(wave.id).await {
        Ok(l) => l,
        Err(e) => return unavailable(e, "a wave's last run"),
    };
    let next = admin::upcoming(&wave, last, now, 5, None);
    let creator = match state.store.waves().wave_creator(wave.id).await {
        Ok(c) => c,
        Err(e) => return unavailable(e, "a wave's author"),
    };
    let dry = match admin::dry_run(&state.store, &wave, &state.settings.quiet, now).await {
        Ok(d) => d,
        Err(e) => return unavailable(e, "a dry run"),
    };
    let tz = crate::schedule::zones::respondent_zone(wave.spec.tz.as_deref());
    let s = &wave.spec;
    let body = html! {
        @if let Some(done) = q.done.as_deref() {
            @match done {
                "add" | "pause" | "resume" | "cancel" => {
                    (flash("ok", &tr.t(&format!("c-wave-done-{done}"))))
                }
                "refused" => { (flash("error", &tr.t("c-wave-done-refused"))) }
                _ => {}
            }
        }
        p { span.badge #state { (super::state_words(tr, wave.state)) } }
        table.facts {
            tbody {
                tr { th { (tr.t("c-flow")) } td { (s.flow_id) } }
                tr { th { (tr.t("c-wave-message")) } td { (s.message_id) br; span.muted { (super::form::preview_text(tr, &s.message_id)) } } }
                tr { th { (tr.t("c-wave-col-schedule")) } td #schedule { (super::schedule_words(tr, &wave)) } }
                @if let Some(c) = &s.cron { tr { th { (tr.t("c-wave-cron-field")) } td { code { (c) } " (" (tz.name()) ")" } } }
                tr { th { (tr.t("c-wave-col-audience")) } td { (super::segment_words(tr, &s.segment)) " · " (super::status_words(tr, s.status)) } }
                @if let Some(m) = s.max_per_person {
                    tr { th { (tr.t("c-wave-max-field")) } td { (m) } }
                }
                @if let Some(g) = s.min_gap_secs {
                    tr { th { (tr.t("c-wave-gap-field")) } td { (gap_words(tr, g)) } }
                }
                @if let Some(t) = &s.template {
                    tr { th { (tr.t("c-wave-template")) } td { (t.name) " (" (t.language) ")" @if !t.params.is_empty() { " · " (t.params.join(", ")) } } }
                }
                tr { th { (tr.t("c-wave-created")) } td {
                    (time_in_zones(tr, wave.created_at))
                    @if let Some(c) = &creator { " · " (c) } @else { " · " (tr.t("c-wave-by-cli")) }
                } }
            }
        }
        h2 { (tr.t("c-wave-next-sends")) }
        @if next.is_empty() {
            p.muted #next { (tr.t("c-wave-no-next")) }
        } @else {
            ul #next { @for n in &next { li { (time_in_zones(tr, *n)) } } }
        }
        h2 { (tr.t("c-wave-progress")) }
        div #progress data-refresh=(REFRESH_SECS) { (progress_markup(tr, &progress, now)) }
        h2 { (tr.t("c-wave-dry-run")) }
        (dry_run_markup(tr, &dry))
        @if staff.account().can_manage() {
            div.row #actions {
                @for c in [WaveChange::Pause, WaveChange::Resume, WaveChange::Cancel] {
                    @if c.applies_to(wave.state) {
                        form.inline method="post" action={(BASE) "/waves/" (wave.id) "/" (c.name())} {
                            (csrf(&staff))
                            button class=[(c == WaveChange::Cancel).then_some("danger")] type="submit" {
                                (tr.t(&format!("c-wave-do-{}", c.name())))
                            }
                        }
                        " "
                    }
                }
            }
            @if WaveChange::Cancel.applies_to(wave.state) {
                p.muted { (tr.t("c-wave-cancel-note")) }
            }
        }
        p { a href={(BASE) "/waves"} { (tr.t("c-wave-back")) } }
    };
    let title = format!("#{} {}", wave.id, wave.spec.name);
    page(tr, &staff, "/waves", &title, body).into_response()
}

async fn act(
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    p: Posted,
) -> Response {
    let staff = p.staff;
    let tr = Tr::new(&state.catalog, staff.lang());
    if !staff.account().can_manage() {
        return Reject::Forbidden.into_response();
    }
    let Some(change) = WaveChange::parse(&action) else {
        return not_found(tr);
    };
    let wave = match scoped_wave(&state, &staff, &id).await {
        Ok(Some(w)) => w,
        Ok(None) => return not_found(tr),
        Err(r) => return r,
    };
    let done = match change.apply(&state.store, wave.id).await {
        Ok(true) => {
            staff
                .audit(
                    &state,
                    &format!("wave-{}", change.name()),
                    &format!("wave {} \"{}\"", wave.id, wave.spec.name),
                )
                .await;
            change.name()
        }
        // The wave was not in a state this change applies to (a second tab, say).
        Ok(false) => "refused",
        Err(e) => return unavailable(e, "changing a wave's state"),
    };
    Redirect::to(&format!("{BASE}/waves/{}?done={done}", wave.id)).into_response()
}

/// The outbox counts of a wave, as cards.
fn progress_markup(tr: Tr<'_>, p: &WaveProgress, now: chrono::DateTime<chrono::Utc>) -> Markup {
    let cards: [(&str, i64); 9] = [
        ("sent", p.sent),
        ("failed", p.failed),
        ("pending", p.pending + p.sending),
        ("held", p.held),
        ("retrying", p.retrying),
        ("skipped", p.skipped),
        ("uncertain", p.uncertain),
        ("unreachable", p.unreachable),
        ("total", p.total()),
    ];
    html! {
        div.cards {
            @for (key, n) in cards {
                div.card {
                    span.label { (tr.t(&format!("c-wave-p-{key}"))) }
                    span.value id={"p-" (key)} { (n) }
                }
            }
        }
        p.muted { (tr.ta("c-wave-progress-at", &[("time", &time_in_zones(tr, now)), ("secs", &REFRESH_SECS.to_string())])) }
    }
}

/// A dry run: how many would receive the wave now, and who is excluded and why.
pub(super) fn dry_run_markup(tr: Tr<'_>, d: &DryRun) -> Markup {
    html! {
        div.cards {
            div.card {
                span.label { (tr.t("c-wave-would-receive")) }
                span.value #dry-eligible { (d.eligible_now) }
            }
            div.card {
                span.label { (tr.t("c-wave-in-segment")) }
                span.value #dry-segment { (d.segment_size()) }
            }
        }
        table #dry-excluded {
            caption { (tr.t("c-wave-excluded")) }
            tbody {
                @for e in Exclusion::ALL {
                    @let n = d.excluded.get(&e).copied().unwrap_or(0);
                    tr data-reason=(e.code()) {
                        th { (tr.t(&format!("c-wave-x-{}", e.code().replace('_', "-")))) }
                        td.num { (n) }
                        td.muted {
                            @if e == Exclusion::QuietHours && !d.quiet_by_zone.is_empty() {
                                @let parts: Vec<String> = d.quiet_by_zone.iter().map(|(z, n)| format!("{z} {n}")).collect();
                                (tr.ta("c-wave-quiet-zones", &[("zones", &parts.join(", "))]))
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A gap in seconds as "3 days", "12 hours" or "90 minutes".
fn gap_words(tr: Tr<'_>, secs: i64) -> String {
    if secs % 86_400 == 0 {
        tr.ta("c-wave-days", &[("n", &(secs / 86_400).to_string())])
    } else if secs % 3600 == 0 {
        tr.ta("c-wave-hours", &[("n", &(secs / 3600).to_string())])
    } else {
        tr.ta("c-wave-minutes", &[("n", &(secs / 60).to_string())])
    }
}
