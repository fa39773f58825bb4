//! The report as staff read it: an aligned table for the terminal, CSV, and an XLSX
//! workbook with one sheet per breakdown and a column chart of its proportions. Headings
//! and indicator names come from Fluent (`cli-ind-…` in `locales/*/cli.ftl`).

use std::io::Write;
use std::path::Path;

use rust_xlsxwriter::{Chart, ChartType, Format, Workbook, XlsxError};

use super::compute::{Figure, Measure};
use super::{Breakdown, GroupFigures, IndicatorReport, MIN_N, MIN_RESPONSE_RATE, Warning};
use crate::i18n::staff_text;
use crate::model::Lang;
use crate::report::cell::neutralise;
use crate::report::response::{BLANK_GROUP, GroupBy};

/// The column headings, in `lang`.
pub fn header(by: Option<GroupBy>, lang: Lang) -> Vec<String> {
    let t = |id: &str| staff_text(lang, id, &[]);
    let group = match by {
        None => "cli-col-group",
        Some(GroupBy::Cohort) => "cli-col-cohort",
        Some(GroupBy::Programme) => "cli-col-programme",
        Some(GroupBy::School) => "cli-col-school",
    };
    vec![
        t(group),
        t("cli-ind-col-indicator"),
        t("cli-ind-col-value"),
        t("cli-ind-col-n"),
        t("cli-ind-col-low"),
        t("cli-ind-col-high"),
        t("cli-ind-col-response"),
        t("cli-ind-col-warning"),
    ]
}

/// An indicator's name in `lang` (its unit in brackets).
pub fn name(f: &Figure, lang: Lang) -> String {
    let id = format!("cli-ind-{}", f.measure.id());
    staff_text(lang, &id, &[("row", f.row.as_deref().unwrap_or_default())])
}

/// How numbers are written: with a decimal point for files other programs read (CSV,
/// XLSX), or the way a reader of the table's language writes them (Indonesian: 70,0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Numbers {
    /// `70.0` whatever the language.
    Machine,
    /// `70,0` in Indonesian, `70.0` in English.
    Local(Lang),
}

impl Numbers {
    /// `x` with `places` decimals.
    fn fixed(self, x: f64, places: usize) -> String {
        let s = format!("{x:.places$}");
        match self {
            Numbers::Local(Lang::Id) => s.replace('.', ","),
            Numbers::Local(Lang::En) | Numbers::Machine => s,
        }
    }
}

/// A figure's value as written: a percentage for proportions, months or a ratio otherwise.
fn value(f: &Figure, num: Numbers) -> String {
    match (f.value, f.hits, f.measure) {
        (None, _, _) => String::new(),
        (Some(v), Some(_), _) => num.fixed(v * 100.0, 1),
        (Some(v), None, Measure::IncomeRatioMedian) => num.fixed(v, 2),
        (Some(v), None, _) => num.fixed(v, 1),
    }
}

fn percent(x: Option<f64>, num: Numbers) -> String {
    x.map(|x| num.fixed(x * 100.0, 1)).unwrap_or_default()
}

fn group_label(g: &GroupFigures, lang: Lang) -> String {
    match g.label.as_deref() {
        None => staff_text(lang, "cli-total", &[]),
        Some(BLANK_GROUP) => staff_text(lang, "cli-blank-group", &[]),
        Some(l) => l.to_string(),
    }
}

fn warning_text(g: &GroupFigures, f: &Figure, lang: Lang, num: Numbers) -> String {
    g.warnings(f)
        .iter()
        .map(|w| match w {
            Warning::LowResponse => staff_text(
                lang,
                "cli-ind-warn-response",
                &[("rate", &percent(g.response_rate(), num))],
            ),
            Warning::SmallN => staff_text(lang, "cli-ind-warn-n", &[("n", &f.n.to_string())]),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The rows of one breakdown: per group, its proportions first (so each group's
/// proportions are one block for the chart), then its other figures; the total last.
/// Numbers with a decimal point, for files (CSV, XLSX).
pub fn rows(b: &Breakdown, lang: Lang) -> Vec<Vec<String>> {
    rows_as(b, lang, Numbers::Machine)
}

fn rows_as(b: &Breakdown, lang: Lang, num: Numbers) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for g in &b.groups {
        let label = group_label(g, lang);
        for f in ordered(&g.figures) {
            let (low, high) = f
                .interval()
                .map_or((None, None), |(l, h)| (Some(l), Some(h)));
            out.push(vec![
                label.clone(),
                name(f, lang),
                value(f, num),
                f.n.to_string(),
                percent(low, num),
                percent(high, num),
                percent(g.response_rate(), num),
                warning_text(g, f, lang, num),
            ]);
        }
    }
    out
}

fn ordered(figures: &[Figure]) -> impl Iterator<Item = &Figure> {
    figures
        .iter()
        .filter(|f| f.hits.is_some())
        .chain(figures.iter().filter(|f| f.hits.is_none()))
}

/// The rule behind the warnings, in `lang`.
pub fn rule(lang: Lang) -> String {
    staff_text(
        lang,
        "cli-ind-rule",
        &[
            ("rate", &format!("{:.0}", MIN_RESPONSE_RATE * 100.0)),
            ("n", &MIN_N.to_string()),
        ],
    )
}

/// Writes the report as CSV (every breakdown one after the other, same columns).
pub fn write_csv(r: &IndicatorReport, out: impl Write, lang: Lang) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    for (i, b) in r.breakdowns.iter().enumerate() {
        if i == 0 {
            w.write_record(header(b.by, lang))?;
        }
        for mut row in rows(b, lang) {
            // Group labels are the roster's texts: user data.
            if let Some(label) = row.first_mut() {
                *label = neutralise(label).into_owned();
            }
            w.write_record(&row)?;
        }
    }
    w.flush()?;
    Ok(())
}

/// Writes the report as aligned text tables, one per breakdown, and the warning rule; numbers
/// as the language writes them (70,0 in Indonesian), since people read this one.
pub fn write_table(r: &IndicatorReport, mut out: impl Write, lang: Lang) -> std::io::Result<()> {
    writeln!(
        out,
        "{}",
        staff_text(lang, "cli-ind-title", &[("flow", &r.flow_id)])
    )?;
    for b in &r.breakdowns {
        let mut table = vec![header(b.by, lang)];
        table.extend(rows_as(b, lang, Numbers::Local(lang)));
        let cols = table[0].len();
        let widths: Vec<usize> = (0..cols)
            .map(|i| {
                table
                    .iter()
                    .map(|r| r[i].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        writeln!(out)?;
        for (n, row) in table.iter().enumerate() {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                let pad = " ".repeat(widths[i] - cell.chars().count());
                if i < 2 || i + 1 == cols {
                    line.push_str(cell);
                    line.push_str(&pad);
                } else {
                    line.push_str(&pad);
                    line.push_str(cell);
                }
                line.push_str("  ");
            }
            writeln!(out, "{}", line.trim_end())?;
            if n == 0 {
                writeln!(
                    out,
                    "{}",
                    "-".repeat(widths.iter().sum::<usize>() + 2 * (cols - 1))
                )?;
            }
        }
    }
    writeln!(out)?;
    writeln!(out, "{}", rule(lang))?;
    Ok(())
}

/// The sheet name of a breakdown, in `lang`.
fn sheet_name(by: Option<GroupBy>, lang: Lang) -> String {
    let id = match by {
        None => "cli-ind-sheet-total",
        Some(GroupBy::Cohort) => "cli-ind-sheet-cohort",
        Some(GroupBy::Programme) => "cli-ind-sheet-programme",
        Some(GroupBy::School) => "cli-ind-sheet-school",
    };
    staff_text(lang, id, &[])
}

/// Writes the report as XLSX: one sheet per breakdown (values as numbers), each with a
/// column chart of its proportions, one series per group.
pub fn write_xlsx(r: &IndicatorReport, path: &Path, lang: Lang) -> Result<(), XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    for b in &r.breakdowns {
        let name = sheet_name(b.by, lang);
        let ws = book.add_worksheet();
        ws.set_name(&name)?;
        for (c, h) in header(b.by, lang).iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &bold)?;
        }
        let mut row: u32 = 1;
        let mut chart = Chart::new(ChartType::Column);
        let mut series = 0;
        for g in &b.groups {
            let first = row;
            let shares = g.figures.iter().filter(|f| f.hits.is_some()).count() as u32;
            for cells in rows(
                &Breakdown {
                    by: b.by,
                    groups: vec![g.clone()],
                },
                lang,
            ) {
                for (c, v) in cells.iter().enumerate() {
                    let c = c as u16;
                    if c == 0 {
                        ws.write_string(row, c, neutralise(v).as_ref())?;
                    } else if c != 1
                        && c != 7
                        && let Ok(x) = v.parse::<f64>()
                    {
                        ws.write_number(row, c, x)?;
                    } else if !v.is_empty() {
                        ws.write_string(row, c, v)?;
                    }
                }
                row += 1;
            }
            if shares > 0 {
                chart
                    .add_series()
                    .set_name((name.as_str(), first, 0))
                    .set_categories((name.as_str(), first, 1, first + shares - 1, 1))
                    .set_values((name.as_str(), first, 2, first + shares - 1, 2));
                series += 1;
            }
        }
        ws.set_freeze_panes(1, 0)?;
        ws.set_column_width(1, 40)?;
        ws.write_string(row + 1, 0, rule(lang))?;
        if series > 0 {
            chart
                .title()
                .set_name(&staff_text(lang, "cli-ind-chart", &[]));
            chart.y_axis().set_name("%");
            ws.insert_chart(row + 3, 0, &chart)?;
        }
    }
    book.save(path)
}
