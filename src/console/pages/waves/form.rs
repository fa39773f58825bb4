//! A new wave (`/console/waves/new`, managers): every option of `jejak wave add`, a
//! repeating schedule chosen in plain words (weekdays and a time) with cron as the advanced
//! choice, then a dry run (how many would receive it now, who is excluded and why) before
//! "Save". The form posts twice: `step=preview` checks and shows the dry run, `step=save`
//! checks again and stores. Everything is checked by [`admin::build`], as on the command
//! line; the console adds that a one-off time must not have passed and that an operator's
//! wave is limited to one of their schools.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::{Markup, html};

use super::unavailable;
use crate::console::layout::{csrf, flash, page};
use crate::console::request::{FormData, Manager, Posted, Reject, Staff, Tr};
use crate::console::{AppState, BASE};
use crate::schedule::admin::{self, WEEKDAYS, WaveError, WaveInput, Weekly};
use crate::schedule::eligibility::{FilterError, Segment};
use crate::schedule::spec::SpecError;
use crate::store::{NewWave, Scope};

/// The routes of the new-wave form.
pub fn routes() -> Router<AppState> {
    Router::new().route(&format!("{BASE}/waves/new"), get(new_page).post(submit))
}

/// The zones offered in the form (an IANA name can be typed instead).
const ZONES: [(&str, &str); 3] = [
    ("Asia/Jakarta", "WIB"),
    ("Asia/Makassar", "WITA"),
    ("Asia/Jayapura", "WIT"),
];

/// The segment fields typed in (the school is a choice of the roster's schools).
const TEXT_SEGMENT_FIELDS: [&str; 3] = ["cohort", "programme", "province"];

/// Why the form was refused: a text to show and the status to answer with.
struct Refusal {
    status: StatusCode,
    text: String,
}

impl Refusal {
    fn bad(text: String) -> Refusal {
        Refusal {
            status: StatusCode::BAD_REQUEST,
            text,
        }
    }
}

/// The form's values: what was posted, or the defaults of an empty form.
struct Values<'a> {
    form: Option<&'a FormData>,
}

impl Values<'_> {
    fn get(&self, name: &str) -> &str {
        let given = self.form.and_then(|f| f.get(name));
        match (given, self.form) {
            (Some(v), _) => v,
            // Defaults apply to a fresh form only: a posted blank stays blank.
            (None, Some(_)) => "",
            (None, None) => match name {
                "kind" => "once",
                "time" | "weekly_time" => "09:00",
                "tz" => "Asia/Jakarta",
                "status" => "pending",
                "template_lang" => "id",
                _ => "",
            },
        }
    }

    fn has(&self, name: &str, value: &str) -> bool {
        self.form
            .is_some_and(|f| f.all(name).iter().any(|v| v.eq_ignore_ascii_case(value)))
    }
}

async fn new_page(State(state): State<AppState>, Manager(staff): Manager) -> Response {
    let tr = Tr::new(&state.catalog, staff.lang());
    let schools = match state.store.waves().roster_schools(&staff.scope()).await {
        Ok(s) => s,
        Err(e) => return unavailable(e, "listing schools"),
    };
    let body = form_markup(
        &state,
        tr,
        &staff,
        &Values { form: None },
        &schools,
        None,
        None,
    );
    page(tr, &staff, "/waves", &tr.t("c-wave-new"), body).into_response()
}

async fn submit(State(state): State<AppState>, p: Posted) -> Response {
    let staff = p.staff;
    if !staff.account().can_manage() {
        return Reject::Forbidden.into_response();
    }
    let tr = Tr::new(&state.catalog, staff.lang());
    let scope = staff.scope();
    let schools = match state.store.waves().roster_schools(&scope).await {
        Ok(s) => s,
        Err(e) => return unavailable(e, "listing schools"),
    };
    let values = Values {
        form: Some(&p.form),
    };
    let now = state.clock.now();
    let checked = wave_of(&state, tr, &p.form, &scope).and_then(|w| {
        let shown = values.get("date").to_owned() + " " + values.get("time");
        admin::refuse_past(&w, now, shown.trim())
            .map(|()| w)
            .map_err(|e| Refusal::bad(error_text(tr, &e)))
    });
    let wave = match checked {
        Ok(w) => w,
        Err(r) => {
            let body = form_markup(&state, tr, &staff, &values, &schools, Some(&r.text), None);
            return (
                r.status,
                page(tr, &staff, "/waves", &tr.t("c-wave-new"), body),
            )
                .into_response();
        }
    };
    if p.form.get("step") == Some("save") {
        let id = match state
            .store
            .waves()
            .create_wave_by(&wave, now, Some(staff.account().id))
            .await
        {
            Ok(id) => id,
            Err(e) => return unavailable(e, "storing a wave"),
        };
        staff
            .audit(
                &state,
                "wave-add",
                &format!(
                    "wave {id} \"{}\" flow {} message {} audience {}",
                    wave.name, wave.flow_id, wave.message_id, wave.segment
                ),
            )
            .await;
        return Redirect::to(&format!("{BASE}/waves/{id}?done=add")).into_response();
    }
    let preview = admin::unsaved(wave, now);
    let dry = match admin::dry_run(&state.store, &preview, &state.settings.quiet, now).await {
        Ok(d) => d,
        Err(e) => return unavailable(e, "a dry run"),
    };
    let summary = html! {
        section #preview {
            h2 { (tr.t("c-wave-preview")) }
            p { (super::schedule_words(tr, &preview)) " · " (super::segment_words(tr, &preview.spec.segment))
                " · " (super::status_words(tr, preview.spec.status)) }
            (super::show::dry_run_markup(tr, &dry))
        }
    };
    let body = form_markup(&state, tr, &staff, &values, &schools, None, Some(summary));
    page(tr, &staff, "/waves", &tr.t("c-wave-new"), body).into_response()
}

/// Reads the form into a checked wave: the console's part (which schedule kind, the
/// weekdays, the school within the member's scope) and then [`admin::build`].
fn wave_of(state: &AppState, tr: Tr<'_>, f: &FormData, scope: &Scope) -> Result<NewWave, Refusal> {
    let flow_id = f.get("flow").unwrap_or_default();
    if state.flow(flow_id).is_none() {
        return Err(Refusal::bad(tr.t("c-wave-err-flow")));
    }
    let (at, cron) = match f.get("kind").unwrap_or("once") {
        "once" => match (f.get("date"), f.get("time")) {
            (Some(d), Some(t)) => (Some(format!("{d} {t}")), None),
            _ => return Err(Refusal::bad(tr.t("c-wave-err-no-schedule"))),
        },
        "weekly" => {
            let wk = Weekly::new(&f.all("days"), f.get("weekly_time").unwrap_or_default())
                .map_err(|e| Refusal::bad(error_text(tr, &e)))?;
            (None, Some(wk.cron()))
        }
        "cron" => match f.get("cron") {
            Some(c) => (None, Some(c.to_owned())),
            None => return Err(Refusal::bad(tr.t("c-wave-err-no-schedule"))),
        },
        _ => return Err(Refusal::bad(tr.t("c-wave-err-no-schedule"))),
    };
    let mut segment = BTreeMap::new();
    for k in TEXT_SEGMENT_FIELDS {
        if let Some(v) = f.get(k) {
            segment.insert(k.to_owned(), v.to_owned());
        }
    }
    let school = f.get("school");
    match (scope, school) {
        (Scope::All, _) => {}
        // A limited member's wave must name one of their schools: a wave without a school
        // would reach every school's alumni.
        (Scope::Schools(_), None) => {
            return Err(Refusal::bad(tr.t("c-wave-err-school-required")));
        }
        (Scope::Schools(_), Some(s)) if !scope.admits(Some(s)) => {
            tracing::warn!("a wave for a school outside the member's scope was refused");
            return Err(Refusal {
                status: StatusCode::FORBIDDEN,
                text: tr.t("c-wave-err-school-scope"),
            });
        }
        (Scope::Schools(_), Some(_)) => {}
    }
    if let Some(s) = school {
        segment.insert("school".to_owned(), s.to_owned());
    }
    let max_per_person = match f.get("max_per_person") {
        None => None,
        Some(v) => Some(
            v.parse::<i64>()
                .map_err(|_| Refusal::bad(tr.t("c-wave-err-max")))?,
        ),
    };
    let template_params = f
        .get("template_params")
        .map(|p| {
            p.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let input = WaveInput {
        flow_id: flow_id.to_owned(),
        at,
        cron,
        tz: f
            .get("tz_other")
            .or_else(|| f.get("tz"))
            .unwrap_or(crate::schedule::zones::DEFAULT_ZONE_NAME)
            .to_owned(),
        until: f.get("until").map(str::to_owned),
        segment: Segment(segment),
        status: f.get("status").unwrap_or("pending").to_owned(),
        message: f.get("message").unwrap_or_default().to_owned(),
        max_per_person,
        min_gap: f.get("min_gap").map(str::to_owned),
        name: f.get("name").map(str::to_owned),
        template: f.get("template").map(str::to_owned),
        template_lang: f.get("template_lang").unwrap_or("id").to_owned(),
        template_params,
    };
    admin::build(&input, &state.catalog).map_err(|e| Refusal::bad(error_text(tr, &e)))
}

/// A refusal in the reader's language.
fn error_text(tr: Tr<'_>, e: &WaveError) -> String {
    match e {
        WaveError::Zone(z) => tr.ta("c-wave-err-zone", &[("zone", &z.0)]),
        WaveError::Spec(SpecError::At(s)) => tr.ta("c-wave-err-at", &[("value", s)]),
        WaveError::Spec(SpecError::Until(s)) => tr.ta("c-wave-err-until", &[("value", s)]),
        WaveError::Spec(SpecError::NoSuchLocalTime(s)) => {
            tr.ta("c-wave-err-no-such-time", &[("value", s)])
        }
        WaveError::Spec(SpecError::Cron(s, why)) => {
            tr.ta("c-wave-err-cron", &[("value", s), ("why", why)])
        }
        WaveError::Spec(SpecError::Gap(s)) => tr.ta("c-wave-err-gap", &[("value", s)]),
        WaveError::Filter(FilterError::Status(s)) => tr.ta("c-wave-err-status", &[("value", s)]),
        WaveError::Filter(_) => tr.t("c-wave-err-segment"),
        WaveError::NoSchedule | WaveError::BothSchedules => tr.t("c-wave-err-no-schedule"),
        WaveError::UnknownMessage { id, .. } => tr.ta("c-wave-err-message", &[("id", id)]),
        WaveError::MaxPerPerson => tr.t("c-wave-err-max"),
        WaveError::TemplateParam(p) => tr.ta("c-wave-err-template-param", &[("field", p)]),
        WaveError::Past(s) => tr.ta("c-wave-err-past", &[("value", s)]),
        WaveError::Weekly => tr.t("c-wave-err-weekly"),
    }
}

/// The form, filled with `v`; with an error above it, or with the dry run and the
/// "Save" button after a successful check.
fn form_markup(
    state: &AppState,
    tr: Tr<'_>,
    staff: &Staff,
    v: &Values<'_>,
    schools: &[String],
    error: Option<&str>,
    preview: Option<Markup>,
) -> Markup {
    let limited = matches!(staff.scope(), Scope::Schools(_));
    let messages = admin::reminder_ids(&state.catalog);
    let kind = v.get("kind");
    let zone_is_listed = ZONES.iter().any(|(z, _)| *z == v.get("tz"));
    html! {
        @if let Some(e) = error { (flash("error", e)) }
        form.stack #wave-form method="post" action={(BASE) "/waves/new"} {
            (csrf(staff))
            label { (tr.t("c-flow"))
                select name="flow" required {
                    @for f in &state.flows {
                        option value=(f.id) selected[v.get("flow") == f.id] {
                            (f.texts.format(tr.lang, &f.title, None)) " (" (f.id) ")"
                        }
                    }
                }
            }
            label { (tr.t("c-wave-message"))
                select name="message" required {
                    @for id in &messages {
                        option value=(id) selected[v.get("message") == id] {
                            (id) " — " (preview_text(tr, id))
                        }
                    }
                }
            }
            fieldset {
                legend { (tr.t("c-wave-when")) }
                label.choice {
                    input type="radio" name="kind" value="once" checked[kind == "once"];
                    " " (tr.t("c-wave-kind-once"))
                }
                div.row {
                    label { (tr.t("c-wave-date")) input type="date" name="date" value=(v.get("date")); }
                    label { (tr.t("c-wave-time")) input type="time" name="time" value=(v.get("time")); }
                }
                label.choice {
                    input type="radio" name="kind" value="weekly" checked[kind == "weekly"];
                    " " (tr.t("c-wave-kind-weekly"))
                }
                div.row {
                    @for (_, name) in WEEKDAYS {
                        label.choice {
                            input type="checkbox" name="days" value=(name) checked[v.has("days", name)];
                            " " (tr.t(&format!("c-wave-day-{}", name.to_lowercase())))
                        }
                    }
                    label { (tr.t("c-wave-time")) input type="time" name="weekly_time" value=(v.get("weekly_time")); }
                }
                details open[kind == "cron"] {
                    summary { (tr.t("c-wave-advanced")) }
                    label.choice {
                        input type="radio" name="kind" value="cron" checked[kind == "cron"];
                        " " (tr.t("c-wave-kind-cron"))
                    }
                    label { (tr.t("c-wave-cron-field"))
                        input type="text" name="cron" value=(v.get("cron")) placeholder="0 9 * * MON";
                    }
                }
                label { (tr.t("c-wave-zone"))
                    select name="tz" {
                        @for (z, label) in ZONES {
                            option value=(z) selected[v.get("tz") == z] { (label) " (" (z) ")" }
                        }
                    }
                }
                label { (tr.t("c-wave-zone-other"))
                    input type="text" name="tz_other" placeholder="Asia/Pontianak"
                        value=(if zone_is_listed { v.get("tz_other") } else { v.get("tz") });
                }
                label { (tr.t("c-wave-until-field"))
                    input type="date" name="until" value=(v.get("until"));
                }
            }
            fieldset {
                legend { (tr.t("c-wave-audience")) }
                label { (tr.t("c-wave-field-school"))
                    select name="school" required[limited] {
                        @if !limited { option value="" { (tr.t("c-wave-all-schools")) } }
                        @for s in schools {
                            option value=(s) selected[v.get("school") == s.as_str()] { (s) }
                        }
                    }
                }
                @for k in TEXT_SEGMENT_FIELDS {
                    label { (tr.t(&format!("c-wave-field-{k}")))
                        input type="text" name=(k) value=(v.get(k)) placeholder=(tr.t("c-wave-blank-all"));
                    }
                }
                label { (tr.t("c-wave-status-field"))
                    select name="status" {
                        @for s in ["pending", "not-started", "in-progress"] {
                            option value=(s) selected[v.get("status") == s] { (tr.t(&format!("c-wave-status-{s}"))) }
                        }
                    }
                }
            }
            fieldset {
                legend { (tr.t("c-wave-limits")) }
                label { (tr.t("c-wave-max-field"))
                    input type="number" min="1" name="max_per_person" value=(v.get("max_per_person"));
                }
                label { (tr.t("c-wave-gap-field"))
                    input type="text" name="min_gap" value=(v.get("min_gap")) placeholder="3d";
                }
                label { (tr.t("c-wave-name-field"))
                    input type="text" name="name" value=(v.get("name"));
                }
            }
            details open[!v.get("template").is_empty()] {
                summary { (tr.t("c-wave-template")) }
                p.muted { (tr.t("c-wave-template-help")) }
                label { (tr.t("c-wave-template-name"))
                    input type="text" name="template" value=(v.get("template"));
                }
                label { (tr.t("c-wave-template-lang"))
                    input type="text" name="template_lang" value=(v.get("template_lang"));
                }
                label { (tr.t("c-wave-template-params"))
                    input type="text" name="template_params" value=(v.get("template_params")) placeholder="name,school";
                }
            }
            @if let Some(p) = preview {
                (p)
                div.row {
                    button type="submit" name="step" value="save" #save { (tr.t("c-save")) }
                    button.secondary type="submit" name="step" value="preview" { (tr.t("c-wave-check-again")) }
                }
            } @else {
                button type="submit" name="step" value="preview" #check { (tr.t("c-wave-check")) }
            }
        }
    }
}

/// The reminder's text in the reader's language, with a stand-in for the name.
pub(super) fn preview_text(tr: Tr<'_>, id: &str) -> String {
    let text = tr.ta(id, &[("name", &tr.t("c-wave-name-stand-in"))]);
    let mut short: String = text.chars().take(70).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}
