//! Respondents: search by name, NISN/NIM or phone with filters (standing in a flow, cohort,
//! programme), 50 a page, and one respondent's page (fields, standing per flow, channels,
//! answers so far, reminders, the data-rights forms of `rights.rs`). Admins and operators only; everything within the member's
//! scope, enforced by the store's queries: a respondent outside it is "not found".

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::{Markup, html};

use crate::console::layout::{datetime_wib, not_found, page};
use crate::console::pages::overview::urlencode;
use crate::console::request::{Manager, Reject, Tr};
use crate::console::{AppState, BASE};
use crate::engine::Context;
use crate::engine::render::display;
use crate::model::RespondentFields;
use crate::store::{RespondentSearch, SearchPage, Standing};

/// The routes of this file.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(&format!("{BASE}/respondents"), get(search))
        .route(&format!("{BASE}/respondents/{{id}}"), get(respondent))
}

/// The query of the search page.
#[derive(Debug, Default, serde::Deserialize)]
pub struct SearchQuery {
    /// Name, NISN/NIM or phone.
    pub q: Option<String>,
    /// Flow id (default: the first flow).
    pub flow: Option<String>,
    /// Standing filter.
    pub status: Option<String>,
    /// Cohort filter.
    pub cohort: Option<String>,
    /// Programme filter.
    pub programme: Option<String>,
    /// Page, from 1.
    pub page: Option<usize>,
}

fn blank_none(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

async fn search(
    State(state): State<AppState>,
    Manager(staff): Manager,
    Query(q): Query<SearchQuery>,
) -> Response {
    let tr = Tr::new(&state.catalog, staff.lang());
    let flow_id = q
        .flow
        .as_deref()
        .and_then(|id| state.flow(id))
        .or_else(|| state.flows.first())
        .map(|f| f.id.clone())
        .unwrap_or_default();
    let page_no = q.page.unwrap_or(1).clamp(1, 100_000);
    let standing = q.status.as_deref().and_then(Standing::parse);
    let search = RespondentSearch {
        text: blank_none(&q.q),
        flow_id: flow_id.clone(),
        standing,
        cohort: blank_none(&q.cohort),
        programme: blank_none(&q.programme),
        page: page_no - 1,
    };
    let scope = staff.scope();
    let db = state.store.search();
    let (found, segments) = match tokio::try_join!(
        db.search_respondents(&search, &scope),
        db.segment_values(&scope)
    ) {
        Ok(x) => x,
        Err(e) => {
            tracing::error!(error = %e, "cannot search respondents");
            return Reject::Unavailable.into_response();
        }
    };
    let (cohorts, programmes) = segments;
    let link = |p: usize| {
        let mut url = format!("{BASE}/respondents?flow={}&page={p}", urlencode(&flow_id));
        for (k, v) in [
            ("q", &search.text),
            ("cohort", &search.cohort),
            ("programme", &search.programme),
        ] {
            if let Some(v) = v {
                url.push_str(&format!("&{k}={}", urlencode(v)));
            }
        }
        if let Some(s) = standing {
            url.push_str(&format!("&status={}", s.as_str()));
        }
        url
    };
    let body = html! {
        form.filters method="get" action={(BASE) "/respondents"} {
            label { (tr.t("c-resp-search"))
                input type="search" name="q" value=[search.text.as_deref()]
                    placeholder=(tr.t("c-resp-search-hint"));
            }
            label { (tr.t("c-flow"))
                select name="flow" {
                    @for f in &state.flows {
                        option value=(f.id) selected[f.id == flow_id] { (f.texts.format(tr.lang, &f.title, None)) " (" (f.id) ")" }
                    }
                }
            }
            label { (tr.t("c-resp-status"))
                select name="status" {
                    option value="" { (tr.t("c-resp-any")) }
                    @for s in Standing::ALL {
                        option value=(s.as_str()) selected[standing == Some(s)] { (tr.t(&format!("c-standing-{}", s.as_str()))) }
                    }
                }
            }
            label { (tr.t("c-by-cohort"))
                select name="cohort" {
                    option value="" { (tr.t("c-resp-any")) }
                    @for c in &cohorts {
                        option value=(c) selected[search.cohort.as_deref() == Some(c.as_str())] { (c) }
                    }
                }
            }
            label { (tr.t("c-by-programme"))
                select name="programme" {
                    option value="" { (tr.t("c-resp-any")) }
                    @for p in &programmes {
                        option value=(p) selected[search.programme.as_deref() == Some(p.as_str())] { (p) }
                    }
                }
            }
            button type="submit" { (tr.t("c-resp-find")) }
        }
        (results(tr, &found))
        nav.pager {
            @if page_no > 1 {
                a rel="prev" href=(link(page_no - 1)) { (tr.t("c-resp-prev")) }
            }
            span { (tr.ta("c-resp-page", &[("page", &page_no.to_string())])) }
            @if found.more {
                a rel="next" href=(link(page_no + 1)) { (tr.t("c-resp-next")) }
            }
        }
    };
    page(tr, &staff, "/respondents", &tr.t("c-nav-respondents"), body).into_response()
}

fn results(tr: Tr<'_>, found: &SearchPage) -> Markup {
    if found.hits.is_empty() {
        return html! { p.muted #no-results { (tr.t("c-resp-none")) } };
    }
    html! {
        div.scroll {
            table #results {
                thead { tr {
                    th { (tr.t("c-field-name")) }
                    th { (tr.t("c-field-external-id")) }
                    th { (tr.t("c-field-phone")) }
                    th { (tr.t("c-by-cohort")) }
                    th { (tr.t("c-by-programme")) }
                    th { (tr.t("c-by-school")) }
                    th { (tr.t("c-resp-status")) }
                } }
                tbody {
                    @for h in &found.hits {
                        tr data-id=(h.id) {
                            td { a href={(BASE) "/respondents/" (h.id)} { (h.name.as_deref().unwrap_or("—")) } }
                            td { (h.external_id.as_deref().unwrap_or("")) }
                            td { (h.phone.as_deref().unwrap_or("")) }
                            td { (h.cohort.as_deref().unwrap_or("")) }
                            td { (h.programme.as_deref().unwrap_or("")) }
                            td { (h.school.as_deref().unwrap_or("")) }
                            td {
                                @match h.standing {
                                    Some(s) => (tr.t(&format!("c-standing-{}", s.as_str()))),
                                    None => span.muted { (tr.t("c-standing-none")) },
                                }
                                @if h.unreachable { " · " (tr.t("c-standing-unreachable")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A channel address shown to staff: only its last four characters.
pub fn mask(address: &str) -> String {
    let chars: Vec<char> = address.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("•••• {tail}")
}

async fn respondent(
    State(state): State<AppState>,
    Manager(staff): Manager,
    Path(id): Path<String>,
) -> Response {
    let tr = Tr::new(&state.catalog, staff.lang());
    let Ok(id) = id.parse::<i64>() else {
        return not_found(tr);
    };
    let store = &state.store;
    let r = match store.search().respondent_in_scope(id, &staff.scope()).await {
        Ok(Some(r)) => r,
        Ok(None) => return not_found(tr),
        Err(e) => {
            tracing::error!(error = %e, "cannot read a respondent");
            return Reject::Unavailable.into_response();
        }
    };
    let db = store.search();
    let loaded = tokio::try_join!(db.sessions_of(id), db.channels_of(id), db.reminders_of(id));
    let (sessions, channels, reminders) = match loaded {
        Ok(x) => x,
        Err(e) => {
            tracing::error!(error = %e, "cannot read a respondent's records");
            return Reject::Unavailable.into_response();
        }
    };
    let mut answers = Vec::new();
    for s in &sessions {
        match store.sessions().current_answers(s.id).await {
            Ok(a) if !a.is_empty() => answers.push((s, a)),
            Ok(_) => {}
            Err(e) => {
                tracing::error!(error = %e, "cannot read a respondent's answers");
                return Reject::Unavailable.into_response();
            }
        }
    }
    let f: &RespondentFields = &r.fields;
    let flow_title = |id: &str| {
        state
            .flow(id)
            .map(|fl| format!("{} ({id})", fl.texts.format(tr.lang, &fl.title, None)))
            .unwrap_or_else(|| id.to_string())
    };
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let fields: Vec<(String, String)> = [
        ("c-field-name", opt(&f.name)),
        ("c-field-external-id", opt(&f.external_id)),
        ("c-field-phone", opt(&r.phone)),
        ("c-field-email", opt(&r.email)),
        ("c-by-cohort", opt(&f.cohort)),
        ("c-by-programme", opt(&f.programme)),
        ("c-by-school", opt(&f.school)),
        ("c-field-province", opt(&f.province)),
        ("c-field-timezone", opt(&r.timezone)),
        (
            "c-field-language",
            r.language.map(|l| l.tag().to_string()).unwrap_or_default(),
        ),
        (
            "c-field-birth-date",
            r.birth_date.map(|d| d.to_string()).unwrap_or_default(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (tr.t(k), v))
    .chain(f.extra.iter().map(|(k, v)| (k.clone(), v.clone())))
    .collect();
    let title = f
        .name
        .clone()
        .or_else(|| f.external_id.clone())
        .unwrap_or_else(|| format!("#{id}"));
    let body = html! {
        p { a href={(BASE) "/respondents"} { (tr.t("c-resp-back")) } }
        @if r.unreachable { p.flash.error { (tr.t("c-resp-unreachable")) } }
        table #fields {
            tbody {
                @for (k, v) in &fields {
                    tr { th scope="row" { (k) } td { (v) } }
                }
            }
        }
        h2 { (tr.t("c-resp-flows")) }
        @if sessions.is_empty() {
            p.muted { (tr.t("c-resp-no-sessions")) }
        } @else {
            table #sessions {
                thead { tr {
                    th { (tr.t("c-flow")) }
                    th { (tr.t("c-resp-status")) }
                    th { (tr.t("c-resp-since")) }
                    th { (tr.t("c-resp-completed-at")) }
                } }
                tbody {
                    @for s in &sessions {
                        tr data-flow=(s.flow_id) {
                            td { (flow_title(&s.flow_id)) }
                            td { (tr.t(&format!("c-session-{}", s.status.as_str()))) }
                            td { (datetime_wib(tr, s.created_at)) }
                            td { (s.completed_at.map(|t| datetime_wib(tr, t)).unwrap_or_default()) }
                        }
                    }
                }
            }
        }
        h2 { (tr.t("c-resp-channels")) }
        @if channels.is_empty() {
            p.muted { (tr.t("c-resp-no-channels")) }
        } @else {
            ul #channels {
                @for c in &channels {
                    li { (c.channel) " " (mask(&c.address)) " · " (datetime_wib(tr, c.bound_at)) }
                }
            }
        }
        h2 { (tr.t("c-resp-answers")) }
        @if answers.is_empty() {
            p.muted { (tr.t("c-resp-no-answers")) }
        }
        @for (s, list) in &answers {
            h3 { (flow_title(&s.flow_id)) }
            div.scroll {
                table.answers data-flow=(s.flow_id) {
                    thead { tr {
                        th { (tr.t("c-resp-code")) }
                        th { (tr.t("c-resp-question")) }
                        th { (tr.t("c-resp-answer")) }
                        th { (tr.t("c-resp-answered-at")) }
                    } }
                    tbody {
                        @for a in list {
                            @let flow = state.flow(&s.flow_id);
                            @let q = flow.and_then(|fl| fl.question(&a.key.code));
                            tr {
                                td { (a.key.column()) }
                                td { (match (flow, q) { (Some(fl), Some(q)) => fl.texts.format(tr.lang, &q.text, None), _ => String::new() }) }
                                td { (match (flow, q) {
                                    (Some(fl), Some(q)) => display(&Context { flow: fl, catalog: &state.catalog, respondent: f }, tr.lang, q, &a.value),
                                    _ => a.value.export(),
                                }) }
                                td { (datetime_wib(tr, a.answered_at)) }
                            }
                        }
                    }
                }
            }
        }
        (crate::console::pages::rights::rights_section(tr, &staff, id))
        h2 { (tr.t("c-resp-reminders")) }
        @if reminders.is_empty() {
            p.muted { (tr.t("c-resp-no-reminders")) }
        } @else {
            table #reminders {
                thead { tr {
                    th { (tr.t("c-resp-wave")) }
                    th { (tr.t("c-flow")) }
                    th { (tr.t("c-resp-status")) }
                    th { (tr.t("c-resp-when")) }
                } }
                tbody {
                    @for m in &reminders {
                        tr {
                            td { (m.wave_name) " (#" (m.wave_id) ")" }
                            td { (m.flow_id) }
                            td { (tr.t(&format!("c-outbox-{}", m.status))) }
                            td { (datetime_wib(tr, m.at)) }
                        }
                    }
                }
            }
        }
    };
    page(tr, &staff, "/respondents", &title, body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_masked_to_their_last_four() {
        assert_eq!(mask("+6281234567890"), "•••• 7890");
        assert_eq!(mask("12"), "•••• 12");
    }
}
