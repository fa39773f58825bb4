//! Flows: the survey flows this process has loaded (version, questions, languages, open or
//! closed), the result of `flow check` on every file of the flows directory (the library
//! checker [`crate::flow::load`] that `jejak flow check` runs, errors with file:line:col), and
//! a read-only preview of every question in each language. Every role may read it: flows hold
//! no personal data.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::{Markup, html};

use crate::console::layout::{not_found, page};
use crate::console::request::{Staff, Tr};
use crate::console::{AppState, BASE};
use crate::flow::cond::{Cond, Lit, Op, Subject};
use crate::flow::{Flow, FlowError, Kind, Question};
use crate::model::Lang;

/// The routes of this file.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(&format!("{BASE}/flows"), get(flows_page))
        .route(&format!("{BASE}/flows/{{id}}"), get(preview))
}

/// The outcome of checking one flow file.
#[derive(Debug)]
pub enum FileCheck {
    /// The file is a valid flow.
    Ok {
        /// Its id.
        id: String,
        /// Its version.
        version: i64,
        /// Its number of questions.
        questions: usize,
    },
    /// Problems, each `file:line:col: message` as `jejak flow check` prints them.
    Errors(Vec<String>),
}

/// Checks every `.yaml`/`.yml` file of `dir` (not its subdirectories), by file name; a file
/// that cannot be read is said in `lang`, the checker's findings as `jejak flow check` says
/// them.
pub fn check_dir(dir: &Path, lang: Lang) -> std::io::Result<Vec<(PathBuf, FileCheck)>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    Ok(files
        .into_iter()
        .map(|f| {
            let outcome = match crate::flow::load(&f) {
                Ok(flow) => FileCheck::Ok {
                    id: flow.id.clone(),
                    version: flow.version,
                    questions: flow.asked_count(),
                },
                // The same rendering as `jejak flow check`: file:line:col: message.
                Err(e @ FlowError::Invalid { .. }) => {
                    FileCheck::Errors(e.to_string().lines().map(str::to_string).collect())
                }
                Err(e) => FileCheck::Errors(vec![e.text(lang)]),
            };
            (f, outcome)
        })
        .collect())
}

async fn flows_page(State(state): State<AppState>, staff: Staff) -> Response {
    let tr = Tr::new(&state.catalog, staff.lang());
    let title = tr.t("c-nav-flows");
    let checks = match &state.settings.flows_dir {
        None => None,
        Some(dir) => {
            let dir = dir.clone();
            let lang = tr.lang;
            let result = tokio::task::spawn_blocking(move || check_dir(&dir, lang))
                .await
                .ok();
            Some(result)
        }
    };
    // A flow closes at the end of its last day, as read in WIB.
    let today = state
        .clock
        .now()
        .with_timezone(&chrono_tz::Asia::Jakarta)
        .date_naive();
    let body = html! {
        @if state.flows.is_empty() {
            p { (tr.t("c-no-flows")) }
        } @else {
            div.scroll {
                table #flows {
                    thead { tr {
                        th { (tr.t("c-flows-id")) }
                        th.num { (tr.t("c-flows-version")) }
                        th { (tr.t("c-flows-title")) }
                        th.num { (tr.t("c-flows-questions")) }
                        th { (tr.t("c-flows-languages")) }
                        th { (tr.t("c-flows-open-link")) }
                        th { (tr.t("c-flows-state")) }
                    } }
                    tbody {
                        @for f in &state.flows {
                            tr data-flow=(f.id) {
                                td { a href={(BASE) "/flows/" (super::overview::urlencode(&f.id))} { (f.id) } }
                                td.num { (f.version) }
                                td { (f.texts.format(tr.lang, &f.title, None)) }
                                td.num { (f.items.len()) }
                                td { (languages(&f.languages)) }
                                td { @if f.open { (tr.t("c-flows-yes")) } @else { (tr.t("c-flows-no")) } }
                                td {
                                    @match f.closes {
                                        None => (tr.t("c-flows-running")),
                                        Some(d) if d < today => (tr.ta("c-flows-closed-on", &[("date", &d.format("%Y-%m-%d").to_string())])),
                                        Some(d) => (tr.ta("c-flows-closes", &[("date", &d.format("%Y-%m-%d").to_string())])),
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { (tr.t("c-flows-check")) }
        @match checks {
            None => p.muted { (tr.t("c-flows-no-dir")) },
            Some(None) | Some(Some(Err(_))) => p.flash.error { (tr.t("c-flows-dir-unreadable")) },
            Some(Some(Ok(files))) => {
                @if files.is_empty() { p.muted { (tr.t("c-flows-no-files")) } }
                ul.checks #checks {
                    @for (path, outcome) in &files {
                        @let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                        @match outcome {
                            FileCheck::Ok { id, version, questions } => {
                                li.ok data-file=(name) {
                                    strong { (name) } ": "
                                    (tr.ta("c-flows-check-ok", &[("id", id), ("version", &version.to_string()), ("questions", &questions.to_string())]))
                                }
                            }
                            FileCheck::Errors(lines) => {
                                li.error data-file=(name) {
                                    strong { (name) } ": " (tr.ta("c-flows-check-errors", &[("count", &lines.len().to_string())]))
                                    pre.diagnostics { @for l in lines { (l) "\n" } }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    page(tr, &staff, "/flows", &title, body).into_response()
}

fn languages(langs: &[Lang]) -> String {
    langs.iter().map(|l| l.tag()).collect::<Vec<_>>().join(", ")
}

async fn preview(
    State(state): State<AppState>,
    staff: Staff,
    UrlPath(id): UrlPath<String>,
) -> Response {
    let tr = Tr::new(&state.catalog, staff.lang());
    let Some(flow) = state.flow(&id).cloned() else {
        return not_found(tr);
    };
    let title = tr.ta(
        "c-flows-preview-title",
        &[("title", &flow.texts.format(tr.lang, &flow.title, None))],
    );
    let body = html! {
        p.muted {
            (flow.id) " · " (tr.t("c-flows-version")) " " (flow.version) " · "
            (tr.t("c-flows-languages")) ": " (languages(&flow.languages))
        }
        p { a href={(BASE) "/flows"} { (tr.t("c-flows-back")) } }
        @for lang in &flow.languages {
            section.preview lang=(lang.tag()) data-lang=(lang.tag()) {
                h2 { (tr.t(&format!("c-flows-lang-{}", lang.tag()))) }
                ol.questions {
                    @for (i, q) in flow.items.iter().enumerate() {
                        (question(tr, &flow, i, q, *lang))
                    }
                }
            }
        }
    };
    page(tr, &staff, "/flows", &title, body).into_response()
}

fn question(tr: Tr<'_>, flow: &Flow, index: usize, q: &Question, lang: Lang) -> Markup {
    let section = &flow.sections[q.section];
    let first_of_section = index == 0 || flow.items[index - 1].section != q.section;
    html! {
        @if first_of_section {
            li.section-title { strong { (flow.texts.format(lang, &section.title, None)) } }
        }
        li.question data-code=(q.code) {
            p {
                code { (q.code) } " "
                span.badge title=(q.kind.name()) { (tr.t(&format!("c-flows-type-{}", q.kind.name().replace('_', "-")))) }
                " "
                @if q.optional { span.badge { (tr.t("c-flows-optional")) } } @else { span.badge { (tr.t("c-flows-required")) } }
                @if let Some(g) = q.group { " " span.badge { (tr.ta("c-flows-repeat", &[("group", &flow.groups[g].id)])) } }
            }
            p.text { (flow.texts.format(lang, &q.text, None)) }
            @if let Some(help) = &q.help { p.muted { (flow.texts.format(lang, help, None)) } }
            (kind_details(tr, flow, &q.kind, lang))
            @if let Some(when) = &q.when {
                p.muted.when { (tr.t("c-flows-when")) " " (cond_words(tr, when)) }
            }
            @if let Some((parent, option)) = &q.follows {
                p.muted { (tr.ta("c-flows-follows", &[("code", &flow.items[*parent].code), ("option", option)])) }
            }
        }
    }
}

fn kind_details(tr: Tr<'_>, flow: &Flow, kind: &Kind, lang: Lang) -> Markup {
    match kind {
        Kind::Single { options } | Kind::Multi { options, .. } => html! {
            ul.options {
                @for o in options {
                    li { code { (o.code) } " = " (flow.texts.format(lang, &o.label, None))
                        @if o.exclusive { " " span.badge { (tr.t("c-flows-exclusive")) } }
                    }
                }
            }
        },
        Kind::Likert {
            from,
            to,
            low,
            high,
        } => html! {
            p.muted {
                (from) " = " (flow.texts.format(lang, low, None)) " … "
                (to) " = " (flow.texts.format(lang, high, None))
            }
        },
        Kind::Grid {
            scales, exports, ..
        } => html! {
            ul.options {
                @for (s, e) in scales.iter().zip(exports) {
                    li { code { (e) } " = " (flow.texts.format(lang, &s.label, None))
                        " (" (s.from) "–" (s.to) ")"
                    }
                }
            }
        },
        Kind::Integer { bounds, .. } | Kind::Decimal { bounds, .. } | Kind::Money { bounds } => {
            match (bounds.min, bounds.max) {
                (None, None) => html! {},
                (min, max) => html! {
                    p.muted {
                        (tr.t("c-flows-range")) " "
                        (min.map(number).unwrap_or_else(|| "…".into())) " – "
                        (max.map(number).unwrap_or_else(|| "…".into()))
                    }
                },
            }
        }
        _ => html! {},
    }
}

fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        x.to_string()
    }
}

/// A condition in words: `Q5 = 2 dan (Q6 dijawab)`.
pub fn cond_words(tr: Tr<'_>, c: &Cond) -> String {
    match c {
        Cond::All(parts) => join(tr, parts, "c-cond-and"),
        Cond::Any(parts) => join(tr, parts, "c-cond-or"),
        Cond::Not(inner) => format!("{} ({})", tr.t("c-cond-not"), cond_words(tr, inner)),
        Cond::Test(subject, op) => {
            let who = match subject {
                Subject::Answer(code) => code.clone(),
                Subject::Field(f) => tr.ta("c-cond-field", &[("field", f)]),
            };
            match op {
                Op::Eq(l) => format!("{who} = {}", lit(tr, l)),
                Op::Ne(l) => format!("{who} ≠ {}", lit(tr, l)),
                Op::In(ls) => format!(
                    "{who} {} {}",
                    tr.t("c-cond-one-of"),
                    ls.iter().map(|l| lit(tr, l)).collect::<Vec<_>>().join(", ")
                ),
                Op::Has(code) => format!("{who} {} {code}", tr.t("c-cond-has")),
                Op::Cmp(ord, eq, l) => {
                    let sign = match (ord, eq) {
                        (Ordering::Less, false) => "<",
                        (Ordering::Less, true) => "≤",
                        (Ordering::Greater, false) => ">",
                        (Ordering::Greater, true) => "≥",
                        (Ordering::Equal, _) => "=",
                    };
                    format!("{who} {sign} {}", lit(tr, l))
                }
                Op::Answered(true) => format!("{who} {}", tr.t("c-cond-answered")),
                Op::Answered(false) => format!("{who} {}", tr.t("c-cond-not-answered")),
            }
        }
    }
}

fn join(tr: Tr<'_>, parts: &[Cond], word: &str) -> String {
    let word = format!(" {} ", tr.t(word));
    parts
        .iter()
        .map(|p| match p {
            Cond::All(_) | Cond::Any(_) => format!("({})", cond_words(tr, p)),
            _ => cond_words(tr, p),
        })
        .collect::<Vec<_>>()
        .join(&word)
}

fn lit(tr: Tr<'_>, l: &Lit) -> String {
    match l {
        Lit::Str(s) => s.clone(),
        Lit::Num(x) => number(*x),
        Lit::Bool(true) => tr.t("c-cond-yes"),
        Lit::Bool(false) => tr.t("c-cond-no"),
        Lit::Date(d) => d.format("%Y-%m-%d").to_string(),
        Lit::MonthYear(y, m) => format!("{y:04}-{m:02}"),
        Lit::Answer(code) => code.clone(),
    }
}
