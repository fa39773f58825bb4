//! CSV export (one row per respondent, one column per question code, national codes kept as
//! they are so files merge with national data) and the codebook that explains the columns.

use super::cell::{Cell, neutralise};
use crate::flow::cond::Facts;
use crate::flow::{Flow, Kind};
use crate::model::{AnswerKey, Lang, SessionStatus, Value};
use crate::store::{Scope, Store, StoreError};
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Write;

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading the database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing the file failed.
    #[error("writing the export: {0}")]
    Csv(#[from] csv::Error),
    /// Writing the file failed.
    #[error("writing the export: {0}")]
    Io(#[from] std::io::Error),
    /// Writing the XLSX workbook failed.
    #[error("writing the XLSX export: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

/// One export column: where its value comes from.
struct Column {
    name: String,
    item: usize,
    iteration: u32,
    /// For multiple choice: the option this 0/1 column stands for.
    option: Option<String>,
    /// For a grid row: the scale whose point this column holds.
    scale: Option<usize>,
}

fn columns(flow: &Flow) -> Vec<Column> {
    let mut cols = Vec::new();
    for (i, q) in flow.items.iter().enumerate() {
        let iterations: Vec<u32> = match q.group {
            Some(g) => (1..=flow.groups[g].max).collect(),
            None => vec![0],
        };
        for it in iterations {
            let base = AnswerKey {
                code: q.code.clone(),
                iteration: it,
            }
            .column();
            match &q.kind {
                Kind::Multi { options, .. } => {
                    for o in options {
                        // The national files name these columns themselves (f401…f415).
                        let name = match (&o.export, it) {
                            (Some(e), 0) => e.clone(),
                            (Some(e), it) => format!("{e}_{it}"),
                            (None, _) => format!("{base}_{}", o.code),
                        };
                        cols.push(Column {
                            name,
                            item: i,
                            iteration: it,
                            option: Some(o.code.clone()),
                            scale: None,
                        });
                    }
                }
                Kind::Grid { exports, .. } => {
                    // The national files name these columns themselves (f1761, f1762).
                    for (k, e) in exports.iter().enumerate() {
                        cols.push(Column {
                            name: if it == 0 {
                                e.clone()
                            } else {
                                format!("{e}_{it}")
                            },
                            item: i,
                            iteration: it,
                            option: None,
                            scale: Some(k),
                        });
                    }
                }
                _ => cols.push(Column {
                    name: base,
                    item: i,
                    iteration: it,
                    option: None,
                    scale: None,
                }),
            }
        }
    }
    cols
}

/// Writes the answers of every respondent who has a session of `flow` as CSV
/// (`jejak export`: every school).
pub async fn write_csv(store: &Store, flow: &Flow, out: impl Write) -> Result<usize, ExportError> {
    write_csv_in(store, flow, &Scope::All, out).await
}

/// Writes the answers of the respondents inside `scope` who have a session of `flow` as CSV
/// (the console's export for a staff member). Returns the number of data rows.
pub async fn write_csv_in(
    store: &Store,
    flow: &Flow,
    scope: &Scope,
    out: impl Write,
) -> Result<usize, ExportError> {
    let mut w = csv::Writer::from_writer(out);
    let rows = for_each_row(store, flow, scope, |rec| {
        Ok(w.write_record(rec.iter().map(Cell::as_str))?)
    })
    .await?;
    w.flush()?;
    Ok(rows)
}

/// Produces the export row by row: the header first, then one row per session of `flow`
/// whose respondent is inside `scope` (the CSV and XLSX writers share it). Text cells are
/// neutralised against formula injection ([`neutralise`](super::cell::neutralise)); number
/// answers are [`Cell::Number`]. Returns the number of data rows.
pub async fn for_each_row(
    store: &Store,
    flow: &Flow,
    scope: &Scope,
    mut emit: impl FnMut(&[Cell]) -> Result<(), ExportError>,
) -> Result<usize, ExportError> {
    let cols = columns(flow);
    let mut header: Vec<Cell> = [
        "respondent_id",
        "external_id",
        "name",
        "cohort",
        "programme",
        "school",
        "province",
        "status",
        "language",
        "flow_version",
        "completed_at",
    ]
    .iter()
    .map(|s| Cell::text(s))
    .collect();
    header.extend(cols.iter().map(|c| Cell::text(&c.name)));
    emit(&header)?;
    let mut rows = 0;
    for s in store
        .sessions()
        .sessions_for_flow_in(&flow.id, scope)
        .await?
    {
        let Some(r) = store.respondents().respondent(s.respondent_id).await? else {
            continue;
        };
        // The session list is already scoped in SQL; this second look guards the rule
        // should the respondent's school change between the two reads.
        if !scope.admits(r.fields.school.as_deref()) {
            continue;
        }
        let answers: HashMap<AnswerKey, Value> = store
            .sessions()
            .current_answers(s.id)
            .await?
            .into_iter()
            .map(|a| (a.key, a.value))
            .collect();
        let f = &r.fields;
        let opt = |v: &Option<String>| Cell::text(v.as_deref().unwrap_or_default());
        let mut rec: Vec<Cell> = vec![
            Cell::text(&r.id.to_string()),
            opt(&f.external_id),
            opt(&f.name),
            opt(&f.cohort),
            opt(&f.programme),
            opt(&f.school),
            opt(&f.province),
            Cell::text(s.status.as_str()),
            Cell::text(r.language.map(|l| l.tag()).unwrap_or_default()),
            Cell::text(&s.flow_version.to_string()),
            Cell::text(&s.completed_at.map(|t| t.to_rfc3339()).unwrap_or_default()),
        ];
        for c in &cols {
            let q = &flow.items[c.item];
            if let Kind::Computed { expr, .. } = &q.kind {
                // Worked out from the stored answers, as the engine does (nothing computed
                // is stored).
                let facts = Stored {
                    flow,
                    answers: &answers,
                    fields: f,
                    iteration: c.iteration,
                };
                rec.push(match expr.value(&facts) {
                    Some(v) => answer_cell(&v),
                    None if s.status != SessionStatus::Completed => Cell::text(""),
                    None => code_cell(&flow.missing.not_asked),
                });
                continue;
            }
            let key = AnswerKey {
                code: flow.items[c.item].code.clone(),
                iteration: c.iteration,
            };
            let cell = match (answers.get(&key), &c.option) {
                // Not reached yet in an open session: nothing is known.
                (None, _) if s.status != SessionStatus::Completed => Cell::text(""),
                (None, _) => code_cell(&flow.missing.not_asked),
                (Some(Value::Skipped), _) => code_cell(&flow.missing.skipped),
                (Some(Value::Choices(picked)), Some(o)) => Cell::int(i64::from(picked.contains(o))),
                (Some(Value::Ratings(points)), _) => match c.scale.and_then(|k| points.get(k)) {
                    Some(n) => Cell::int(*n),
                    None => Cell::text(""),
                },
                (Some(Value::Bool(b)), _) => match &flow.items[c.item].kind {
                    Kind::YesNo { codes, .. } => code_cell(if *b { &codes.yes } else { &codes.no }),
                    _ => answer_cell(&Value::Bool(*b)),
                },
                (Some(v), _) => answer_cell(v),
            };
            rec.push(cell);
        }
        emit(&rec)?;
        rows += 1;
    }
    Ok(rows)
}

/// A session's stored answers as conditions and computed values see them.
struct Stored<'a> {
    flow: &'a Flow,
    answers: &'a HashMap<AnswerKey, Value>,
    fields: &'a crate::model::RespondentFields,
    iteration: u32,
}

impl Facts for Stored<'_> {
    fn answer(&self, code: &str) -> Option<Cow<'_, Value>> {
        let q = self.flow.question(code)?;
        if let Kind::Computed { expr, .. } = &q.kind {
            return expr.value(self).map(Cow::Owned);
        }
        let key = AnswerKey {
            code: code.to_string(),
            iteration: if q.group.is_some() { self.iteration } else { 0 },
        };
        self.answers.get(&key).map(Cow::Borrowed)
    }

    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name)
    }
}

/// An export code as a cell: a number when it is one, so `1`/`2` stay numeric in XLSX.
fn code_cell(code: &str) -> Cell {
    if code.is_empty() {
        return Cell::text("");
    }
    match code.parse::<i64>() {
        Ok(n) => Cell::int(n),
        Err(_) => Cell::text(code),
    }
}

/// An answer as a cell: numbers as numbers, everything else as (neutralised) text.
fn answer_cell(v: &Value) -> Cell {
    match v {
        Value::Integer(n) | Value::Money(n) | Value::Scale(n) => Cell::int(*n),
        Value::Decimal(x) => Cell::decimal(*x),
        Value::Bool(b) => Cell::int(i64::from(*b)),
        other => Cell::text(&other.export()),
    }
}

/// Writes the codebook: one row per question (code, section, type, texts per language,
/// options as `code=label` per language, unit, whether optional).
pub fn write_codebook(flow: &Flow, out: impl Write) -> Result<(), ExportError> {
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec![
        "code".to_string(),
        "section".into(),
        "type".into(),
        "optional".into(),
        "repeat_group".into(),
        "follow_up_of".into(),
    ];
    for l in &flow.languages {
        header.push(format!("text_{}", l.tag()));
        header.push(format!("choices_{}", l.tag()));
    }
    header.push("columns".into());
    w.write_record(&header)?;
    let cols = columns(flow);
    for (i, q) in flow.items.iter().enumerate() {
        if let Kind::Grid {
            grid,
            stem,
            scales,
            exports,
            ..
        } = &q.kind
        {
            // A grid row is one codebook row per scale, each under its export code (f1761).
            for (k, (scale, code)) in scales.iter().zip(exports).enumerate() {
                let mut rec = head(flow, q, code.clone());
                rec[2] = format!("grid:{grid}");
                for l in &flow.languages {
                    let f = |t| flow.texts.format(*l, t, None);
                    rec.push(format!(
                        "{} — {} — {}",
                        f(stem),
                        f(&q.text),
                        f(&scale.label)
                    ));
                    rec.push(scale_choices(flow, scale, *l));
                }
                rec.push(
                    cols.iter()
                        .filter(|c| c.item == i && c.scale == Some(k))
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(" "),
                );
                w.write_record(rec.iter().map(|c| neutralise(c).into_owned()))?;
            }
            continue;
        }
        let mut rec = head(flow, q, q.code.clone());
        for l in &flow.languages {
            rec.push(flow.texts.format(*l, &q.text, None));
            rec.push(choices(flow, &q.kind, *l));
        }
        // The export's own column names for this question, so the codebook and the file
        // say the same (`f401 f402 …`, `job_name_1 job_name_2 …`).
        rec.push(
            cols.iter()
                .filter(|c| c.item == i)
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        );
        // The texts are the flow author's, but a question may well begin with "-" or "=".
        w.write_record(rec.iter().map(|c| neutralise(c).into_owned()))?;
    }
    w.flush()?;
    Ok(())
}

/// The first cells of a codebook row: code, section, type, optional, group, follow-up.
fn head(flow: &Flow, q: &crate::flow::Question, code: String) -> Vec<String> {
    vec![
        code,
        flow.sections[q.section].id.clone(),
        q.kind.name().to_string(),
        if q.optional { "yes" } else { "no" }.to_string(),
        q.group
            .map(|g| flow.groups[g].id.clone())
            .unwrap_or_default(),
        q.follows
            .as_ref()
            .map(|(p, o)| format!("{}={o}", flow.items[*p].code))
            .unwrap_or_default(),
    ]
}

/// A grid scale in the codebook: its ends' meanings, or its range.
fn scale_choices(flow: &Flow, s: &crate::flow::GridScale, lang: Lang) -> String {
    match (&s.low, &s.high) {
        (Some(low), Some(high)) => format!(
            "{}={}; {}={}",
            s.from,
            flow.texts.format(lang, low, None),
            s.to,
            flow.texts.format(lang, high, None)
        ),
        _ => format!("{}-{}", s.from, s.to),
    }
}

fn choices(flow: &Flow, kind: &Kind, lang: Lang) -> String {
    match kind {
        Kind::Single { options } | Kind::Multi { options, .. } => options
            .iter()
            .map(|o| format!("{}={}", o.code, flow.texts.format(lang, &o.label, None)))
            .collect::<Vec<_>>()
            .join("; "),
        Kind::Likert {
            from,
            to,
            low,
            high,
        } => format!(
            "{from}={}; {to}={}",
            flow.texts.format(lang, low, None),
            flow.texts.format(lang, high, None)
        ),
        Kind::YesNo { codes, .. } => format!("{}=yes; {}=no", codes.yes, codes.no),
        Kind::Computed { source, .. } => source.clone(),
        _ => String::new(),
    }
}
