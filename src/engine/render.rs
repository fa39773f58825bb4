//! What the bot says: question prompts with progress and hints, answers shown back in the
//! respondent's language, and the summary.

use super::Context;
use super::command;
use super::nav::{self, View};
use super::state::{Position, Prompt, Reply, ReplyOption, SessionState};
use crate::flow::{Kind, Question, Text};
use crate::i18n::Msg;
use crate::model::{Lang, RespondentFields, Value};
use crate::understand;
use fluent_bundle::{FluentArgs, FluentValue};

/// The prompt id of a position, carried by buttons so stale ones can be recognised.
pub fn prompt_id(cx: &Context, pos: Position) -> String {
    match pos {
        Position::Question { item, iteration: 0 } => cx.flow.items[item].code.clone(),
        Position::Question { item, iteration } => {
            format!("{}#{iteration}", cx.flow.items[item].code)
        }
        Position::More { group, iteration } => {
            format!("@more:{}#{iteration}", cx.flow.groups[group].id)
        }
    }
}

/// Yes/no options (values `yes` / `no`).
pub fn yes_no(cx: &Context, lang: Lang, id: &str) -> Prompt {
    Prompt {
        id: id.to_string(),
        options: vec![
            ReplyOption {
                value: "yes".into(),
                label: cx.catalog.t(lang, Msg::Yes),
            },
            ReplyOption {
                value: "no".into(),
                label: cx.catalog.t(lang, Msg::No),
            },
        ],
        multi: false,
        numbered: false,
    }
}

/// Formats one of the flow's texts with piped fields and answers.
pub fn text(cx: &Context, st: &SessionState, t: &Text, iteration: u32) -> String {
    if t.vars.is_empty() {
        return cx.flow.texts.format(st.lang, t, None);
    }
    let args = pipe_args(cx, st, &t.vars, iteration);
    cx.flow.texts.format(st.lang, t, Some(&args))
}

fn pipe_args<'a>(
    cx: &Context,
    st: &SessionState,
    vars: &[String],
    iteration: u32,
) -> FluentArgs<'a> {
    let mut args = FluentArgs::with_capacity(vars.len());
    for var in vars {
        let value = if var == "iteration" {
            iteration.to_string()
        } else if RespondentFields::KNOWN.contains(&var.as_str()) {
            cx.respondent.get(var).unwrap_or("…").to_string()
        } else if let Some(item) = cx.flow.index_of(var) {
            // Through the conditions' view, so a computed value is worked out here too.
            let view = View {
                flow: cx.flow,
                answers: &st.answers,
                fields: cx.respondent,
                iteration,
            };
            match crate::flow::cond::Facts::answer(&view, var) {
                Some(v) => display(cx, st.lang, &cx.flow.items[item], &v),
                None => "…".to_string(),
            }
        } else {
            "…".to_string()
        };
        args.set(var.clone(), FluentValue::from(value));
    }
    args
}

/// An answer as the respondent reads it: labels, rupiah, month names.
pub fn display(cx: &Context, lang: Lang, q: &Question, v: &Value) -> String {
    let label = |code: &str| {
        q.kind
            .options()
            .iter()
            .find(|o| o.code == code)
            .map(|o| cx.flow.texts.format(lang, &o.label, None))
            .unwrap_or_else(|| code.to_string())
    };
    let unit = |u: &Option<Text>, s: String| match u {
        Some(u) => format!("{s} {}", cx.flow.texts.format(lang, u, None)),
        None => s,
    };
    match v {
        Value::Text(s) | Value::Phone(s) | Value::Email(s) => s.clone(),
        Value::Integer(n) => match &q.kind {
            Kind::Integer { unit: u, .. } | Kind::Computed { unit: u, .. } => {
                unit(u, understand::format_number(*n as f64, lang))
            }
            _ => understand::format_number(*n as f64, lang),
        },
        Value::Decimal(x) => match &q.kind {
            Kind::Decimal { unit: u, .. } | Kind::Computed { unit: u, .. } => {
                unit(u, understand::format_number(*x, lang))
            }
            _ => understand::format_number(*x, lang),
        },
        Value::Money(n) => understand::format_rupiah(*n),
        Value::Choice(c) => match &q.kind {
            // A lookup's rows are named by the list, not by options of the flow.
            Kind::Lookup { list, .. } => crate::lookup::lists()
                .ok()
                .and_then(|l| l.get(*list).entry(c))
                .map_or_else(|| c.clone(), |e| e.name.clone()),
            _ => label(c),
        },
        Value::Choices(cs) => cs.iter().map(|c| label(c)).collect::<Vec<_>>().join(", "),
        Value::Scale(n) => n.to_string(),
        Value::Ratings(points) => match &q.kind {
            Kind::Grid { scales, .. } => scales
                .iter()
                .zip(points)
                .map(|(s, n)| format!("{} {n}", cx.flow.texts.format(lang, &s.label, None)))
                .collect::<Vec<_>>()
                .join(", "),
            _ => v.export(),
        },
        Value::Bool(true) => cx.catalog.t(lang, Msg::Yes),
        Value::Bool(false) => cx.catalog.t(lang, Msg::No),
        Value::Date(d) => understand::format_date(*d, lang),
        Value::MonthYear { year, month } => understand::format_month_year(*year, *month, lang),
        Value::Skipped => cx.catalog.t(lang, Msg::SummarySkipped),
        Value::Refused => cx.catalog.t(lang, Msg::SummaryRefused),
    }
}

/// The message asking the question at `pos`, with progress, section title (and intro), group
/// intro and the hint for its answer type.
pub fn ask(cx: &Context, st: &SessionState, pos: Position) -> Reply {
    ask_with(cx, st, pos, true)
}

/// [`ask`], asking the same question again (after a refusal, help, a summary): the section's
/// intro was just said and is not repeated.
pub fn ask_again(cx: &Context, st: &SessionState, pos: Position) -> Reply {
    ask_with(cx, st, pos, false)
}

fn ask_with(cx: &Context, st: &SessionState, pos: Position, section_intro: bool) -> Reply {
    let lang = st.lang;
    let cat = cx.catalog;
    let flow = cx.flow;
    match pos {
        Position::More { group, iteration } => {
            let g = &flow.groups[group];
            let body = format!(
                "{}\n{}",
                text(cx, st, &g.more, iteration),
                cat.t(lang, Msg::MoreHint)
            );
            Reply {
                text: body,
                prompt: Some(yes_no(cx, lang, &prompt_id(cx, pos))),
            }
        }
        Position::Question { item, iteration } => {
            let q = &flow.items[item];
            let mut lines = Vec::new();
            let answered = st
                .history
                .iter()
                .filter(|s| matches!(s.at, Position::Question { .. }))
                .count();
            let view = View {
                flow,
                answers: &st.answers,
                fields: cx.respondent,
                iteration,
            };
            let total = answered + nav::remaining(&view, pos);
            lines.push(cat.ta(
                lang,
                Msg::Progress,
                &[
                    ("n", &(answered + 1).to_string()),
                    ("total", &total.to_string()),
                ],
            ));
            let prev_section = st.history.iter().rev().find_map(|s| match s.at {
                Position::Question { item, .. } => Some(flow.items[item].section),
                Position::More { .. } => None,
            });
            if prev_section != Some(q.section) {
                let section = &flow.sections[q.section];
                lines.push(format!("*{}*", text(cx, st, &section.title, 0)));
                if section_intro && let Some(intro) = &section.intro {
                    lines.push(text(cx, st, intro, 0));
                }
            }
            if let Some(g) = q.group.map(|g| &flow.groups[g])
                && g.start == item
                && iteration == 1
                && let Some(intro) = &g.intro
            {
                lines.push(text(cx, st, intro, iteration));
            }
            let question = match &q.kind {
                // A grid row: the grid's question, then what this row rates.
                Kind::Grid { stem, .. } => format!(
                    "{}\n*{}*",
                    text(cx, st, stem, iteration),
                    text(cx, st, &q.text, iteration)
                ),
                _ => text(cx, st, &q.text, iteration),
            };
            // A question that already says when to type /lewati gets no second, generic line.
            let skip_hint = q.optional && !command::mentions_skip(&question);
            lines.push(question);
            let mut options = Vec::new();
            let mut numbered = true;
            let hint = match &q.kind {
                Kind::Single { options: opts } | Kind::Multi { options: opts, .. } => {
                    options = opts
                        .iter()
                        .map(|o| ReplyOption {
                            value: o.code.clone(),
                            label: flow.texts.format(lang, &o.label, None),
                        })
                        .collect();
                    cat.t(
                        lang,
                        if matches!(q.kind, Kind::Multi { .. }) {
                            Msg::HintMulti
                        } else {
                            Msg::HintSingle
                        },
                    )
                }
                Kind::Likert {
                    from,
                    to,
                    low,
                    high,
                } => {
                    numbered = false;
                    options = (*from..=*to)
                        .map(|n| ReplyOption {
                            value: n.to_string(),
                            label: n.to_string(),
                        })
                        .collect();
                    cat.ta(
                        lang,
                        Msg::HintLikert,
                        &[
                            ("from", &from.to_string()),
                            ("to", &to.to_string()),
                            ("low", &flow.texts.format(lang, low, None)),
                            ("high", &flow.texts.format(lang, high, None)),
                        ],
                    )
                }
                Kind::Grid { scales, .. } => {
                    numbered = false;
                    grid_hint(cx, lang, scales, &mut options)
                }
                Kind::YesNo { .. } => {
                    numbered = false;
                    options = yes_no(cx, lang, "").options;
                    cat.t(lang, Msg::HintYesNo)
                }
                Kind::Text { .. } => cat.t(lang, Msg::HintText),
                Kind::Integer { .. } => cat.t(lang, Msg::HintInteger),
                Kind::Decimal { .. } => cat.t(lang, Msg::HintDecimal),
                Kind::Money { .. } => cat.t(lang, Msg::HintMoney),
                Kind::Date { month_ok: true, .. } => cat.t(lang, Msg::HintDateOrMonth),
                Kind::Date { .. } => cat.t(lang, Msg::HintDate),
                Kind::MonthYear { .. } => cat.t(lang, Msg::HintMonthYear),
                Kind::Phone => cat.t(lang, Msg::HintPhone),
                Kind::Email => cat.t(lang, Msg::HintEmail),
                Kind::Lookup { other, .. } => cat.t(
                    lang,
                    if other.is_some() {
                        Msg::HintLookupOther
                    } else {
                        Msg::HintLookup
                    },
                ),
                // Never asked (`nav` skips it); nothing to hint.
                Kind::Computed { .. } => String::new(),
            };
            lines.push(hint);
            if skip_hint {
                lines.push(cat.t(lang, Msg::OptionalHint));
            }
            if q.refusable {
                lines.push(cat.t(lang, Msg::RefuseHint));
                // A button where the question has buttons, last, so the numbers of the
                // answers stay as they are (typed, it is the number after the last option).
                if !options.is_empty() {
                    options.push(ReplyOption {
                        value: super::answer::REFUSE.to_string(),
                        label: cat.t(lang, Msg::RefuseButton),
                    });
                }
            }
            Reply {
                text: lines.join("\n"),
                prompt: Some(Prompt {
                    id: prompt_id(cx, pos),
                    options,
                    multi: matches!(q.kind, Kind::Multi { .. }),
                    numbered,
                }),
            }
        }
    }
}

/// The hint of a grid row. One scale: its points as buttons, like a Likert question. Several:
/// all points typed in one message ("4 5"), with the meaning of the ends when the scales
/// share them.
fn grid_hint(
    cx: &Context,
    lang: Lang,
    scales: &[crate::flow::GridScale],
    options: &mut Vec<ReplyOption>,
) -> String {
    let cat = cx.catalog;
    let flow = cx.flow;
    if let [s] = scales {
        *options = (s.from..=s.to)
            .map(|n| ReplyOption {
                value: n.to_string(),
                label: n.to_string(),
            })
            .collect();
        return match (&s.low, &s.high) {
            (Some(low), Some(high)) => cat.ta(
                lang,
                Msg::HintLikert,
                &[
                    ("from", &s.from.to_string()),
                    ("to", &s.to.to_string()),
                    ("low", &flow.texts.format(lang, low, None)),
                    ("high", &flow.texts.format(lang, high, None)),
                ],
            ),
            _ => cat.ta(
                lang,
                Msg::ErrLikert,
                &[("from", &s.from.to_string()), ("to", &s.to.to_string())],
            ),
        };
    }
    let mut hint = cat.ta(
        lang,
        Msg::HintGrid,
        &[
            ("count", &scales.len().to_string()),
            ("scales", &super::answer::grid_scales(flow, lang, scales)),
            ("example", &super::answer::grid_example(scales)),
        ],
    );
    if let Some(first) = scales.first()
        && let (Some(low), Some(high)) = (&first.low, &first.high)
        && scales
            .iter()
            .all(|s| s.from == first.from && s.to == first.to)
    {
        hint.push_str(&format!(
            "\n{} = {} … {} = {}",
            first.from,
            flow.texts.format(lang, low, None),
            first.to,
            flow.texts.format(lang, high, None)
        ));
    }
    hint
}

/// The respondent's answers on their path, question by question.
pub fn summary(cx: &Context, st: &SessionState) -> Reply {
    let lang = st.lang;
    if st.answers.is_empty() {
        return Reply::say(cx.catalog.t(lang, Msg::SummaryEmpty));
    }
    let mut lines = vec![cx.catalog.t(lang, Msg::SummaryTitle)];
    lines.extend(answer_lines(cx, st).into_iter().map(|l| format!("• {l}")));
    Reply::say(lines.join("\n"))
}

/// One line per answer on the path: the question's head and the answer shown back.
fn answer_lines(cx: &Context, st: &SessionState) -> Vec<String> {
    let mut lines = Vec::new();
    for step in &st.history {
        if let Position::Question { .. } = step.at
            && let Some(line) = answer_line(cx, st, step.at)
        {
            lines.push(line);
        }
    }
    lines
}

fn answer_line(cx: &Context, st: &SessionState, pos: Position) -> Option<String> {
    let Position::Question { item, iteration } = pos else {
        return None;
    };
    let q = &cx.flow.items[item];
    let a = st.answers.get(&View::key(cx.flow, item, iteration))?;
    let question = text(cx, st, &q.text, iteration);
    Some(format!(
        "{} {}",
        summary_head(&question),
        display(cx, st.lang, q, &a.value)
    ))
}

/// The label of an answer in the `/ubah` list: its summary line, shortened to fit a button.
pub fn edit_label(cx: &Context, st: &SessionState, pos: Position) -> String {
    const MAX: usize = 60;
    let line = answer_line(cx, st, pos).unwrap_or_default();
    if line.chars().count() <= MAX {
        return line;
    }
    let mut short: String = line.chars().take(MAX - 1).collect();
    short.push('…');
    short
}

/// `/datasaya`: what is stored about the respondent — the roster's fields and the answers
/// on the path — and how to change or erase it.
pub fn my_data(cx: &Context, st: &SessionState) -> Reply {
    let lang = st.lang;
    let cat = cx.catalog;
    let f = cx.respondent;
    let mut lines = vec![format!("*{}*", cat.t(lang, Msg::MyDataTitle))];
    lines.push(cat.t(lang, Msg::MyDataRoster));
    let known = [
        (Msg::MyDataName, &f.name),
        (Msg::MyDataExternalId, &f.external_id),
        (Msg::MyDataBirthDate, &f.birth_date),
        (Msg::MyDataPhone, &f.phone),
        (Msg::MyDataEmail, &f.email),
        (Msg::MyDataCohort, &f.cohort),
        (Msg::MyDataProgramme, &f.programme),
        (Msg::MyDataSchool, &f.school),
        (Msg::MyDataProvince, &f.province),
    ];
    let before = lines.len();
    for (label, value) in known {
        if let Some(v) = value.as_deref().filter(|v| !v.trim().is_empty()) {
            lines.push(format!("• {}: {v}", cat.t(lang, label)));
        }
    }
    for (k, v) in &f.extra {
        lines.push(format!("• {k}: {v}"));
    }
    if lines.len() == before {
        lines.push(format!("• {}", cat.t(lang, Msg::MyDataNone)));
    }
    lines.push(String::new());
    lines.push(cat.t(lang, Msg::MyDataAnswers));
    let answers = answer_lines(cx, st);
    if answers.is_empty() {
        lines.push(format!("• {}", cat.t(lang, Msg::SummaryEmpty)));
    }
    lines.extend(answers.into_iter().map(|l| format!("• {l}")));
    lines.push(String::new());
    lines.push(cat.t(lang, Msg::MyDataRights));
    Reply::say(lines.join("\n"))
}

/// The part of a question shown before its answer in the summary: the question itself,
/// without the examples or instructions that follow it ("…per bulan? Contoh: 3,5 juta",
/// "…? Ketik /lewati jika tidak ada."), so they do not run into the answer. That is the
/// first line up to its first `?`; a question without one ends at its first sentence and
/// gets a colon, so the answer still reads apart from it.
pub fn summary_head(question: &str) -> String {
    let line = question.lines().next().unwrap_or_default().trim();
    if let Some(i) = line.find(['?', '？']) {
        let end = i + line[i..].chars().next().map_or(1, char::len_utf8);
        return line[..end].to_string();
    }
    let sentence = line.find(". ").map_or(line, |i| &line[..i]);
    let sentence = sentence.trim_end_matches(['.', '!', ' ']);
    if sentence.ends_with(':') || sentence.is_empty() {
        sentence.to_string()
    } else {
        format!("{sentence}:")
    }
}

/// The text of a line the engine marks as a title (`*Persetujuan penggunaan data*`, a
/// section title), or `None` for any other line. The engine writes titles in the chat apps'
/// emphasis markup; each channel shows them its own way (Telegram bold HTML, WhatsApp as is,
/// the terminal in bold or plain), and this is the one place that says what a title is.
pub fn title_line(line: &str) -> Option<&str> {
    let t = line.trim();
    let inner = t.strip_prefix('*')?.strip_suffix('*')?;
    (!inner.is_empty() && !inner.contains('*')).then_some(inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_head_stops_before_examples_and_instructions() {
        assert_eq!(
            summary_head("Berapa kira-kira penghasilan Anda? Contoh: 3,5 juta"),
            "Berapa kira-kira penghasilan Anda?"
        );
        assert_eq!(
            summary_head("Alamat email Anda? Ketik /lewati jika tidak ada."),
            "Alamat email Anda?"
        );
        assert_eq!(
            summary_head("Apa kegiatan Anda?\nBaris kedua"),
            "Apa kegiatan Anda?"
        );
        assert_eq!(
            summary_head("Ceritakan satu contoh. Ketik /lewati jika tidak ada."),
            "Ceritakan satu contoh:"
        );
        assert_eq!(
            summary_head("Sebutkan kegiatannya:"),
            "Sebutkan kegiatannya:"
        );
        assert_eq!(summary_head("Nama tempat kerja"), "Nama tempat kerja:");
    }

    #[test]
    fn title_lines_are_whole_lines_in_stars() {
        assert_eq!(
            title_line("*Persetujuan penggunaan data*"),
            Some("Persetujuan penggunaan data")
        );
        assert_eq!(title_line("  *Kontak* "), Some("Kontak"));
        assert_eq!(title_line("Pilih *satu* saja"), None);
        assert_eq!(title_line("*a* dan *b*"), None);
        assert_eq!(title_line("**"), None);
        assert_eq!(title_line("*"), None);
    }
}
