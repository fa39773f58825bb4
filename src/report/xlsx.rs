//! XLSX output (rust_xlsxwriter): the answers export, invitation lists and the
//! response-rate report, for staff who live in Excel. Long sheets are written in
//! rust_xlsxwriter's constant-memory mode, row by row.

use std::path::Path;

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::cell::{Cell, neutralise};
use super::export::{ExportError, for_each_row};
use super::response::ResponseReport;
use crate::flow::Flow;
use crate::i18n::staff_text;
use crate::model::Lang;
use crate::store::{Scope, Store};

/// Writes one sheet of text cells (a bold header row, then `rows`) to `path`. Every cell is
/// text, so ids such as NISN `0012345678` and phone numbers keep their leading zeros and `+`.
/// Cells are written as given: callers neutralise user data ([`neutralise`]) and leave what
/// Jejak made itself (tokens, links) untouched.
pub fn write_sheet<R: AsRef<[String]>>(
    path: &Path,
    sheet: &str,
    header: &[String],
    rows: &[R],
) -> Result<(), XlsxError> {
    let mut w = SheetWriter::new(sheet, header)?;
    for row in rows {
        w.push(row.as_ref())?;
    }
    w.save(path)
}

/// The rows of one worksheet in Excel (1,048,576, the header included): rust_xlsxwriter
/// refuses a row beyond it, so a longer list continues on a further sheet.
const EXCEL_ROWS: u32 = 1_048_576;

/// One sheet of cells written row by row as they come ([`write_sheet`] for rows that are
/// already in memory): rust_xlsxwriter's constant-memory mode puts each finished row in a
/// temporary file, so a 1,500,000-row invitation list needs memory for one row. A list
/// longer than a worksheet holds ([`EXCEL_ROWS`]) goes on as "`sheet` 2", "`sheet` 3" …,
/// each with the same header: a national roster of 1,500,000 does not fit in one.
pub struct SheetWriter {
    book: Workbook,
    /// The first sheet's name, and the header every sheet starts with.
    name: String,
    header: Vec<String>,
    /// The sheet being written (0 is the first).
    sheet: usize,
    /// The next row's index on it (0 is the header).
    next: u32,
    /// Rows per sheet, the header included ([`EXCEL_ROWS`] unless set smaller).
    rows_per_sheet: u32,
}

impl SheetWriter {
    /// A workbook with one sheet called `sheet` whose first row is `header`, bold and
    /// frozen.
    pub fn new(sheet: &str, header: &[impl AsRef<str>]) -> Result<SheetWriter, XlsxError> {
        let mut w = SheetWriter {
            book: Workbook::new(),
            name: sheet.to_owned(),
            header: header.iter().map(|h| h.as_ref().to_owned()).collect(),
            sheet: 0,
            next: 1,
            rows_per_sheet: EXCEL_ROWS,
        };
        w.start_sheet(sheet.to_owned())?;
        Ok(w)
    }

    /// At most `rows` rows to a sheet, the header included (at least 2; at most Excel's
    /// 1,048,576). The tests use it to see a list continue on further sheets without
    /// writing a million rows.
    pub fn with_rows_per_sheet(mut self, rows: u32) -> SheetWriter {
        self.rows_per_sheet = rows.clamp(2, EXCEL_ROWS);
        self
    }

    /// Adds a sheet called `name` with the bold, frozen header.
    fn start_sheet(&mut self, name: String) -> Result<(), XlsxError> {
        let bold = Format::new().set_bold();
        let ws = self.book.add_worksheet_with_constant_memory()?;
        ws.set_name(name)?;
        for (c, h) in self.header.iter().enumerate() {
            ws.write_string_with_format(0, col(c), h, &bold)?;
        }
        ws.set_freeze_panes(1, 0)?;
        Ok(())
    }

    /// The sheet and row the next data row goes to, starting a further sheet when the
    /// current one is full.
    fn next_row(&mut self) -> Result<(usize, u32), XlsxError> {
        if self.next >= self.rows_per_sheet {
            self.sheet += 1;
            self.next = 1;
            self.start_sheet(format!("{} {}", self.name, self.sheet + 1))?;
        }
        let at = (self.sheet, self.next);
        self.next += 1;
        Ok(at)
    }

    /// Appends one row of text cells (empty ones are left blank).
    pub fn push(&mut self, row: &[impl AsRef<str>]) -> Result<(), XlsxError> {
        let (sheet, r) = self.next_row()?;
        let ws = self.book.worksheet_from_index(sheet)?;
        for (c, v) in row.iter().enumerate() {
            let v = v.as_ref();
            if !v.is_empty() {
                ws.write_string(r, col(c), v)?;
            }
        }
        Ok(())
    }

    /// Appends one row of export cells: numbers as numbers, text as text (empty ones are
    /// left blank).
    pub fn push_cells(&mut self, row: &[Cell]) -> Result<(), XlsxError> {
        let (sheet, r) = self.next_row()?;
        let ws = self.book.worksheet_from_index(sheet)?;
        for (c, v) in row.iter().enumerate() {
            match v {
                Cell::Number(x, _) => {
                    ws.write_number(r, col(c), *x)?;
                }
                Cell::Text(t) if !t.is_empty() => {
                    ws.write_string(r, col(c), t)?;
                }
                Cell::Text(_) => {}
            }
        }
        Ok(())
    }

    /// Writes the workbook to `path`.
    pub fn save(mut self, path: &Path) -> Result<(), XlsxError> {
        self.book.save(path)
    }
}

/// A column index as rust_xlsxwriter takes it (rows never have more than a few hundred
/// columns; anything beyond Excel's limit is refused by rust_xlsxwriter itself).
fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

/// `jejak export --format xlsx`: the answers, one sheet, the same columns as the CSV.
pub async fn write_export(store: &Store, flow: &Flow, path: &Path) -> Result<usize, ExportError> {
    write_export_in(store, flow, &Scope::All, path).await
}

/// The answers of the respondents inside `scope` as XLSX (the console's export): text cells
/// neutralised as in the CSV, number answers as numbers.
pub async fn write_export_in(
    store: &Store,
    flow: &Flow,
    scope: &Scope,
    path: &Path,
) -> Result<usize, ExportError> {
    // The first row is the header: the writer (and its sheet) starts with it.
    let mut w: Option<SheetWriter> = None;
    let n = for_each_row(store, flow, scope, |rec| {
        match w.as_mut() {
            None => {
                let header: Vec<&str> = rec.iter().map(Cell::as_str).collect();
                w = Some(SheetWriter::new("Jawaban", &header)?);
            }
            Some(w) => w.push_cells(rec)?,
        }
        Ok(())
    })
    .await?;
    match w {
        Some(w) => w.save(path)?,
        None => SheetWriter::new("Jawaban", &[] as &[&str])?.save(path)?,
    }
    Ok(n)
}

/// `jejak report --format xlsx`: sheet "Respons" ("Responses" in English) with the counts as
/// numbers and the rates as percentages, sheet "Gelombang" ("Waves") with the completions per
/// wave; names, headers and labels in `lang`.
pub fn write_report(report: &ResponseReport, path: &Path, lang: Lang) -> Result<(), XlsxError> {
    let t = |id: &str| staff_text(lang, id, &[]);
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let pct = Format::new().set_num_format("0.0%");
    let header = report.header(lang);
    let ws = book.add_worksheet();
    ws.set_name(t("cli-sheet-report"))?;
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, col(c), h, &bold)?;
    }
    let mut lines: Vec<(String, &super::response::Counts)> = report
        .groups
        .iter()
        .map(|(l, c)| (ResponseReport::label(l, lang), c))
        .collect();
    lines.push((t("cli-total"), &report.total));
    for (i, (label, c)) in lines.iter().enumerate() {
        let r = u32::try_from(i + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        ws.write_string(r, 0, neutralise(label).as_ref())?;
        let nums = [
            c.roster,
            c.invited,
            c.started,
            c.completed,
            c.opted_out,
            c.unreachable,
            c.reachable(),
        ];
        for (k, v) in nums.iter().enumerate() {
            ws.write_number(r, col(k + 1), *v as f64)?;
        }
        for (k, rate) in [c.gross_rate(), c.net_rate()].iter().enumerate() {
            if let Some(p) = rate {
                ws.write_number_with_format(r, col(k + 8), p / 100.0, &pct)?;
            }
        }
        let mut k = 10;
        for (id, _) in &report.waves {
            let n = c.after_wave.get(&Some(*id)).copied().unwrap_or(0);
            ws.write_number(r, col(k), n as f64)?;
            k += 1;
        }
        let none = c.after_wave.get(&None).copied().unwrap_or(0);
        ws.write_number(r, col(k), none as f64)?;
    }
    ws.set_freeze_panes(1, 1)?;
    let waves = book.add_worksheet();
    waves.set_name(t("cli-sheet-waves"))?;
    for (c, h) in [
        "cli-col-wave-id",
        "cli-col-wave",
        "cli-col-completions-after",
    ]
    .iter()
    .enumerate()
    {
        waves.write_string_with_format(0, col(c), t(h), &bold)?;
    }
    let mut r = 1u32;
    for (id, name) in &report.waves {
        waves.write_number(r, 0, *id as f64)?;
        waves.write_string(r, 1, neutralise(name).as_ref())?;
        let n = report
            .total
            .after_wave
            .get(&Some(*id))
            .copied()
            .unwrap_or(0);
        waves.write_number(r, 2, n as f64)?;
        r += 1;
    }
    waves.write_string(r, 1, t("cli-wave-none-label"))?;
    let none = report.total.after_wave.get(&None).copied().unwrap_or(0);
    waves.write_number(r, 2, none as f64)?;
    book.save(path)
}
