//! The overview: a flow's response rate, overall and per cohort / programme / school
//! (sortable), with completions per day and per wave as charts drawn here as SVG. The numbers
//! are `jejak report`'s own ([`response_report_scoped`]) over the member's scope.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::NaiveDate;
use maud::{Markup, html};

use crate::console::layout::{page, time_in_zones};
use crate::console::request::{Reject, Staff, Tr};
use crate::console::{AppState, BASE};
use crate::report::response::{
    Counts, GroupBy, ResponseReport, format_rate, response_report_scoped,
};

/// The routes of this file.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            BASE,
            get(|| async { Redirect::to(&format!("{BASE}/overview")) }),
        )
        .route(
            &format!("{BASE}/"),
            get(|| async { Redirect::to(&format!("{BASE}/overview")) }),
        )
        .route(&format!("{BASE}/overview"), get(overview))
}

/// The query of the overview page.
#[derive(Debug, Default, serde::Deserialize)]
pub struct OverviewQuery {
    /// Flow id (default: the first flow).
    pub flow: Option<String>,
    /// `cohort`, `programme` or `school` (default school).
    pub by: Option<String>,
    /// Column to sort the groups by.
    pub sort: Option<String>,
    /// `asc` or `desc`.
    pub dir: Option<String>,
}

/// The sortable columns, in table order: key, text id.
const COLUMNS: &[(&str, &str)] = &[
    ("roster", "c-col-roster"),
    ("invited", "c-col-invited"),
    ("started", "c-col-started"),
    ("completed", "c-col-completed"),
    ("opted_out", "c-col-opted-out"),
    ("unreachable", "c-col-unreachable"),
    ("gross_rate", "c-col-gross-rate"),
    ("net_rate", "c-col-net-rate"),
];

fn sort_key(c: &Counts, key: &str) -> f64 {
    match key {
        "roster" => c.roster as f64,
        "invited" => c.invited as f64,
        "started" => c.started as f64,
        "completed" => c.completed as f64,
        "opted_out" => c.opted_out as f64,
        "unreachable" => c.unreachable as f64,
        "gross_rate" => c.gross_rate().unwrap_or(-1.0),
        "net_rate" => c.net_rate().unwrap_or(-1.0),
        _ => 0.0,
    }
}

async fn overview(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Query(q): Query<OverviewQuery>,
) -> Response {
    let tr = Tr::new(&state.catalog, staff.lang());
    let Some(flow) = q
        .flow
        .as_deref()
        .and_then(|id| state.flow(id))
        .or_else(|| state.flows.first())
        .cloned()
    else {
        let body = html! { p { (tr.t("c-no-flows")) } };
        return page(tr, &staff, "/overview", &tr.t("c-nav-overview"), body).into_response();
    };
    let by =
        q.by.as_deref()
            .and_then(GroupBy::parse)
            .unwrap_or(GroupBy::School);
    let scope = staff.scope();
    // The report and the completions per day are independent reads: asked together, on
    // two connections, the page waits for the slower of the two instead of their sum (on
    // PostgreSQL at 150,000 respondents, ~130 ms and ~40 ms).
    let overview = state.store.overview();
    let (report, per_day) = tokio::join!(
        response_report_scoped(&state.store, &flow.id, Some(by), &scope),
        overview.completions_per_day(&flow.id, &scope),
    );
    let report = match report {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "cannot compute the overview");
            return Reject::Unavailable.into_response();
        }
    };
    let per_day = match per_day {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(error = %e, "cannot count completions per day");
            return Reject::Unavailable.into_response();
        }
    };
    let numbers = numbers(tr, &report, &q, &flow.id, by);
    // The script refreshes the numbers every 30 s by asking for this part alone.
    if headers.get("x-jejak-fragment").is_some() {
        return numbers.into_response();
    }
    let title = tr.t("c-nav-overview");
    let body = html! {
        form.filters method="get" action={(BASE) "/overview"} {
            label { (tr.t("c-flow"))
                select name="flow" {
                    @for f in &state.flows {
                        option value=(f.id) selected[f.id == flow.id] { (f.texts.format(tr.lang, &f.title, None)) " (" (f.id) ")" }
                    }
                }
            }
            label { (tr.t("c-group-by"))
                select name="by" {
                    @for g in [GroupBy::School, GroupBy::Programme, GroupBy::Cohort] {
                        option value=(g.name()) selected[g == by] { (tr.t(&format!("c-by-{}", g.name()))) }
                    }
                }
            }
            button type="submit" { (tr.t("c-show")) }
        }
        p.muted { (tr.ta("c-updated-at", &[("time", &time_in_zones(tr, state.clock.now()))])) }
        div #numbers data-refresh="30" { (numbers) }
        section.charts {
            figure {
                figcaption { (tr.t("c-chart-per-day")) }
                (per_day_chart(tr, &per_day))
            }
            figure {
                figcaption { (tr.t("c-chart-per-wave")) }
                (per_wave_chart(tr, &report))
            }
        }
        p.muted { (tr.t("c-definitions")) }
    };
    page(tr, &staff, "/overview", &title, body).into_response()
}

/// The totals and the sortable table of groups.
fn numbers(
    tr: Tr<'_>,
    report: &ResponseReport,
    q: &OverviewQuery,
    flow: &str,
    by: GroupBy,
) -> Markup {
    let sort = q
        .sort
        .as_deref()
        .filter(|s| *s == "label" || COLUMNS.iter().any(|(k, _)| k == s))
        .unwrap_or("label");
    let desc = q.dir.as_deref() == Some("desc");
    let mut groups: Vec<&(String, Counts)> = report.groups.iter().collect();
    if sort == "label" {
        groups.sort_by(|a, b| a.0.cmp(&b.0));
    } else {
        groups.sort_by(|a, b| {
            sort_key(&a.1, sort)
                .total_cmp(&sort_key(&b.1, sort))
                .then_with(|| a.0.cmp(&b.0))
        });
    }
    if desc {
        groups.reverse();
    }
    let link = |key: &str| {
        let dir = if sort == key && !desc { "desc" } else { "asc" };
        format!(
            "{BASE}/overview?flow={}&by={}&sort={key}&dir={dir}",
            urlencode(flow),
            by.name()
        )
    };
    let t = &report.total;
    html! {
        div.cards {
            (card(&tr.t("c-col-roster"), &t.roster.to_string(), "total-roster"))
            (card(&tr.t("c-col-completed"), &t.completed.to_string(), "total-completed"))
            (card(&tr.t("c-col-gross-rate"), &format_rate(t.gross_rate()), "total-gross"))
            (card(&tr.t("c-col-net-rate"), &format_rate(t.net_rate()), "total-net"))
        }
        div.scroll {
            table #groups.numbers {
                thead { tr {
                    th { a href=(link("label")) { (tr.t(&format!("c-by-{}", by.name()))) } }
                    @for (key, text) in COLUMNS {
                        th.num { a href=(link(key)) { (tr.t(text)) } }
                    }
                } }
                tbody {
                    @for (label, c) in &groups {
                        (row(tr, label, c, false))
                    }
                }
                tfoot { (row(tr, &tr.t("c-total"), t, true)) }
            }
        }
    }
}

fn row(tr: Tr<'_>, label: &str, c: &Counts, total: bool) -> Markup {
    let label = if label == crate::report::response::BLANK_GROUP {
        tr.t("c-blank")
    } else {
        label.to_string()
    };
    html! {
        tr class=[total.then_some("total")] data-label=(label) {
            th scope="row" { (label) }
            td.num data-col="roster" { (c.roster) }
            td.num data-col="invited" { (c.invited) }
            td.num data-col="started" { (c.started) }
            td.num data-col="completed" { (c.completed) }
            td.num data-col="opted_out" { (c.opted_out) }
            td.num data-col="unreachable" { (c.unreachable) }
            td.num data-col="gross_rate" { (format_rate(c.gross_rate())) }
            td.num data-col="net_rate" { (format_rate(c.net_rate())) }
        }
    }
}

fn card(label: &str, value: &str, id: &str) -> Markup {
    html! { div.card { span.label { (label) } span.value id=(id) { (value) } } }
}

/// A bar chart as SVG: one bar per label, values written above the bars.
fn bars(items: &[(String, u64)], empty: &str) -> Markup {
    if items.is_empty() {
        return html! { p.muted { (empty) } };
    }
    let max = items.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1) as f64;
    // Wide enough for a date or a short wave name under each bar; longer names are cut here
    // and shown whole in the bar's tooltip.
    let bar_w = 56.0;
    let gap = 10.0;
    let h = 140.0;
    let width = items.len() as f64 * (bar_w + gap) + gap;
    html! {
        svg.chart viewBox={"0 0 " (width) " " (h + 40.0)} role="img" width=(width) height=(h + 40.0) {
            @for (i, (label, n)) in items.iter().enumerate() {
                @let x = gap + i as f64 * (bar_w + gap);
                @let bh = (*n as f64 / max * h).max(1.0);
                rect x=(x) y=(h - bh + 14.0) width=(bar_w) height=(bh) { title { (label) ": " (n) } }
                text x=(x + bar_w / 2.0) y=(h - bh + 10.0) text-anchor="middle" { (n) }
                text.axis x=(x + bar_w / 2.0) y=(h + 30.0) text-anchor="middle" { (short(label)) }
            }
        }
    }
}

/// A label cut to fit under a bar.
fn short(label: &str) -> String {
    const MAX: usize = 9;
    if label.chars().count() <= MAX {
        label.to_string()
    } else {
        let cut: String = label.chars().take(MAX - 1).collect();
        format!("{cut}…")
    }
}

fn per_day_chart(tr: Tr<'_>, days: &[(NaiveDate, u64)]) -> Markup {
    // The last 30 days that had completions keep the chart readable on a phone.
    let start = days.len().saturating_sub(30);
    let items: Vec<(String, u64)> = days[start..]
        .iter()
        .map(|(d, n)| (d.format("%d/%m").to_string(), *n))
        .collect();
    bars(&items, &tr.t("c-no-completions"))
}

fn per_wave_chart(tr: Tr<'_>, report: &ResponseReport) -> Markup {
    let mut items: Vec<(String, u64)> = report
        .waves
        .iter()
        .map(|(id, name)| {
            let n = report
                .total
                .after_wave
                .get(&Some(*id))
                .copied()
                .unwrap_or(0);
            (format!("{name} (#{id})"), n)
        })
        .collect();
    let none = report.total.after_wave.get(&None).copied().unwrap_or(0);
    if none > 0 || !items.is_empty() {
        items.push((tr.t("c-no-wave"), none));
    }
    bars(&items, &tr.t("c-no-completions"))
}

/// Percent-encodes a query value.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
