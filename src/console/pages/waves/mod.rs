//! Reminder waves in the console: the list and a 4-week calendar of coming sends
//! (`/console/waves`, every role), a new wave with its dry run before saving (`form.rs`,
//! managers), and a wave's page with its live progress, dry run and pause / resume /
//! cancel (`show.rs`).
//!
//! The rules are the command line's ([`crate::schedule::admin`]): the same checks as
//! `jejak wave add`, the same dry run as `jejak wave show`, the same state changes as
//! `jejak wave pause|resume|cancel`.
//!
//! Scope: a wave belongs to the school its segment names. A member limited to schools
//! (an operator, or a viewer with schools) sees and changes only the waves of those schools;
//! a wave without a school reaches every school, so only admins and viewers without schools
//! see it (checked in SQL, [`crate::store::Waves::waves_in`]): for anyone else it is "not
//! found", like an id that does not exist.

mod form;
mod show;

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Datelike as _, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use maud::{Markup, html};

use crate::console::layout::{page, time_in_zones};
use crate::console::request::{Reject, Staff, Tr};
use crate::console::{AppState, BASE};
use crate::schedule::admin::{self, WEEKDAYS, Weekly};
use crate::schedule::eligibility::{Segment, StatusFilter};
use crate::schedule::zones;
use crate::store::{Wave, WaveState};

/// How many weeks the calendar shows.
const CALENDAR_WEEKS: i64 = 4;

/// The most sends of one wave the calendar counts (a cron every few minutes would
/// otherwise make thousands).
const CALENDAR_MAX_PER_WAVE: usize = 400;

/// The routes of the waves pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(&format!("{BASE}/waves"), get(list))
        .merge(form::routes())
        .merge(show::routes())
}

/// Logs a store failure and answers "unavailable".
fn unavailable(e: impl std::fmt::Display, what: &'static str) -> Response {
    tracing::error!(error = %e, what, "waves page failed");
    Reject::Unavailable.into_response()
}

/// A wave with what the list shows of it.
struct Listed {
    wave: Wave,
    next: Vec<DateTime<Utc>>,
}

async fn list(State(state): State<AppState>, staff: Staff) -> Response {
    let tr = Tr::new(&state.catalog, staff.lang());
    let now = state.clock.now();
    let waves = match state.store.waves().waves_in(&staff.scope()).await {
        Ok(w) => w,
        Err(e) => return unavailable(e, "listing waves"),
    };
    let start = week_start(now);
    let horizon = wib_midnight(start + Duration::weeks(CALENDAR_WEEKS));
    let mut listed = Vec::with_capacity(waves.len());
    for wave in waves {
        let last = match state.store.waves().last_run_due(wave.id).await {
            Ok(l) => l,
            Err(e) => return unavailable(e, "a wave's last run"),
        };
        let next = admin::upcoming(&wave, last, now, CALENDAR_MAX_PER_WAVE, Some(horizon));
        // A one-off or a rare cron may be further away than the calendar: the list still
        // says when.
        let next = if next.is_empty() {
            admin::upcoming(&wave, last, now, 1, None)
        } else {
            next
        };
        listed.push(Listed { wave, next });
    }
    let manage = staff.account().can_manage();
    let body = html! {
        @if manage {
            p { a.button href={(BASE) "/waves/new"} { (tr.t("c-wave-new")) } }
        }
        p.muted { (tr.t("c-waves-intro")) }
        @if listed.is_empty() {
            p #no-waves { (tr.t("c-waves-none")) }
        } @else {
            div.scroll {
                table #waves {
                    thead { tr {
                        th { (tr.t("c-wave-col-wave")) }
                        th { (tr.t("c-wave-col-schedule")) }
                        th { (tr.t("c-wave-col-audience")) }
                        th { (tr.t("c-wave-col-state")) }
                        th { (tr.t("c-wave-col-next")) }
                    } }
                    tbody {
                        @for l in &listed {
                            @let w = &l.wave;
                            tr data-wave=(w.id) {
                                td {
                                    a href={(BASE) "/waves/" (w.id)} { "#" (w.id) " " (w.spec.name) }
                                    br;
                                    span.muted { (tr.t("c-flow")) ": " (w.spec.flow_id) " · "
                                        (tr.t("c-wave-message")) ": " (w.spec.message_id) }
                                }
                                td { (schedule_words(tr, w)) }
                                td { (segment_words(tr, &w.spec.segment)) br; span.muted { (status_words(tr, w.spec.status)) } }
                                td { span.badge { (state_words(tr, w.state)) } }
                                td.next {
                                    @match l.next.first() {
                                        Some(n) => { (time_in_zones(tr, *n)) }
                                        None => { span.muted { (tr.t("c-wave-no-next")) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { (tr.t("c-wave-calendar")) }
        p.muted { (tr.t("c-wave-calendar-note")) }
        (calendar(tr, start, now, &listed))
    };
    page(tr, &staff, "/waves", &tr.t("c-nav-waves"), body).into_response()
}

/// Monday of the current week in WIB.
fn week_start(now: DateTime<Utc>) -> NaiveDate {
    let today = now.with_timezone(&zones::DEFAULT_ZONE).date_naive();
    today - Duration::days(i64::from(today.weekday().num_days_from_monday()))
}

/// The instant a WIB day begins.
fn wib_midnight(d: NaiveDate) -> DateTime<Utc> {
    use chrono::TimeZone as _;
    zones::DEFAULT_ZONE
        .from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| d.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// The coming weeks as a table of days (WIB dates), each day listing the sends due on it.
fn calendar(tr: Tr<'_>, start: NaiveDate, now: DateTime<Utc>, listed: &[Listed]) -> Markup {
    let today = now.with_timezone(&zones::DEFAULT_ZONE).date_naive();
    let mut by_day: BTreeMap<NaiveDate, Vec<(DateTime<Utc>, &Wave)>> = BTreeMap::new();
    for l in listed.iter().filter(|l| l.wave.state == WaveState::Active) {
        for n in &l.next {
            let d = n.with_timezone(&zones::DEFAULT_ZONE).date_naive();
            by_day.entry(d).or_default().push((*n, &l.wave));
        }
    }
    for v in by_day.values_mut() {
        v.sort_by_key(|(t, w)| (*t, w.id));
    }
    html! {
        div.scroll {
            table #calendar.calendar {
                thead { tr {
                    @for (_, name) in WEEKDAYS {
                        th { (tr.t(&format!("c-wave-day-short-{}", name.to_lowercase()))) }
                    }
                } }
                tbody {
                    @for week in 0..CALENDAR_WEEKS {
                        tr {
                            @for day in 0..7 {
                                @let d = start + Duration::days(week * 7 + day);
                                @let sends = by_day.get(&d).map(Vec::as_slice).unwrap_or(&[]);
                                td data-date=(d.format("%Y-%m-%d")) data-sends=(sends.len())
                                   class=[(d == today).then_some("today")] {
                                    @if d == today || d.day() == 1 || (week == 0 && day == 0) {
                                        strong { (d.day()) " " (tr.t(&format!("c-month-{}", d.month()))) }
                                    } @else {
                                        (d.day())
                                    }
                                    @for (t, w) in sends.iter().take(4) {
                                        br;
                                        a.badge href={(BASE) "/waves/" (w.id)} title=(w.spec.name) {
                                            (t.with_timezone(&zones::DEFAULT_ZONE).format("%H:%M")) " #" (w.id)
                                        }
                                    }
                                    @if sends.len() > 4 {
                                        br;
                                        span.muted { (tr.ta("c-wave-calendar-more", &[("n", &(sends.len() - 4).to_string())])) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A local date and time in a zone, with the month's name in the reader's language
/// ("1 Des 2026 09:00 WITA").
fn local_datetime(tr: Tr<'_>, t: DateTime<Utc>, tz: Tz) -> String {
    let l = t.with_timezone(&tz);
    format!(
        "{} {} {} {} {}",
        l.day(),
        tr.t(&format!("c-month-{}", l.month())),
        l.year(),
        l.format("%H:%M"),
        zones::label(tz)
    )
}

/// A wave's schedule in plain words: "once, 1 Des 2026 09:00 WITA", "every Monday and
/// Thursday at 09:00 WIB", or the cron expression for anything else; with its end.
pub(crate) fn schedule_words(tr: Tr<'_>, w: &Wave) -> String {
    let tz = zones::respondent_zone(w.spec.tz.as_deref());
    let label = zones::label(tz);
    let mut s = match (&w.spec.at, &w.spec.cron) {
        (Some(at), _) => tr.ta("c-wave-once", &[("when", &local_datetime(tr, *at, tz))]),
        (None, Some(c)) => match Weekly::from_cron(c) {
            Some(wk) if wk.days.len() == 7 => {
                tr.ta("c-wave-daily", &[("time", &wk.time()), ("zone", label)])
            }
            Some(wk) => tr.ta(
                "c-wave-weekly",
                &[
                    ("days", &days_words(tr, &wk)),
                    ("time", &wk.time()),
                    ("zone", label),
                ],
            ),
            None => tr.ta("c-wave-cron", &[("cron", c), ("zone", label)]),
        },
        (None, None) => String::new(),
    };
    if let Some(u) = w.spec.until {
        s.push_str(&tr.ta("c-wave-until", &[("when", &local_datetime(tr, u, tz))]));
    }
    s
}

/// "Monday, Wednesday and Friday".
fn days_words(tr: Tr<'_>, wk: &Weekly) -> String {
    let names: Vec<String> = wk
        .days
        .iter()
        .map(|d| {
            let (_, n) = WEEKDAYS[usize::from(*d)];
            tr.t(&format!("c-wave-day-{}", n.to_lowercase()))
        })
        .collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => tr.ta("c-wave-and", &[("first", &rest.join(", ")), ("last", last)]),
    }
}

/// A segment in plain words: "everyone" or "cohort 2025 · school SMKN 1 Contoh".
fn segment_words(tr: Tr<'_>, s: &Segment) -> String {
    if s.0.is_empty() {
        return tr.t("c-wave-everyone");
    }
    s.0.iter()
        .map(|(k, v)| format!("{} {v}", tr.t(&format!("c-wave-field-{k}"))))
        .collect::<Vec<_>>()
        .join(" · ")
}

fn status_words(tr: Tr<'_>, s: StatusFilter) -> String {
    tr.t(&format!("c-wave-status-{}", s.as_str()))
}

fn state_words(tr: Tr<'_>, s: WaveState) -> String {
    tr.t(&format!("c-wave-state-{}", s.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_weeks_start_on_monday_in_wib() {
        // 2026-12-02 is a Wednesday; 20:00 UTC is already Thursday 03:00 WIB.
        let t = DateTime::parse_from_rfc3339("2026-12-02T20:00:00Z")
            .expect("t")
            .with_timezone(&Utc);
        assert_eq!(
            week_start(t),
            NaiveDate::from_ymd_opt(2026, 11, 30).expect("d")
        );
        assert_eq!(
            wib_midnight(NaiveDate::from_ymd_opt(2026, 11, 30).expect("d")).to_rfc3339(),
            "2026-11-29T17:00:00+00:00"
        );
    }
}
