//! Reading a roster file row by row: CSV (comma, semicolon or tab separated, as Excel saves
//! it in Indonesian or English settings) or XLSX (the first sheet). Rows stream through a
//! callback with their line number in the file (the row number Excel shows), so a 150,000
//! row file never sits in memory whole and every problem can be pointed at.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use calamine::{DataRef, Reader, Xlsx};

/// One row of cells as text.
#[derive(Debug, Clone, PartialEq)]
pub struct RawRow {
    /// 1-based line of the file (CSV: the line the record starts on; XLSX: the row number).
    pub line: u64,
    /// The cells, as text; `Err` when the row is not valid UTF-8 (CSV only).
    pub cells: Result<Vec<String>, String>,
}

/// How far through the file the reader is, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Units done (bytes for CSV, rows for XLSX).
    pub done: u64,
    /// Units in all.
    pub total: u64,
}

/// The file cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Opening or reading failed.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The CSV is malformed beyond one row (e.g. an unterminated quote).
    #[error("{path}: line {line}: {message}")]
    Csv {
        /// The file.
        path: String,
        /// Where.
        line: u64,
        /// What the CSV reader said.
        message: String,
    },
    /// The XLSX cannot be opened or read.
    #[error("{path}: not a readable XLSX workbook: {message}")]
    Xlsx {
        /// The file.
        path: String,
        /// What calamine said.
        message: String,
    },
    /// Neither `.csv` nor `.xlsx`.
    #[error("{path}: unknown file type; save the roster as .csv or .xlsx")]
    UnknownType {
        /// The file.
        path: String,
    },
}

impl ReadError {
    /// The error as staff read it, in `lang` (`cli-read-…` in `locales/*/cli.ftl`); the
    /// system's or the parser's own words stay as they come.
    pub fn text(&self, lang: crate::model::Lang) -> String {
        use crate::i18n::staff_text;
        match self {
            ReadError::Io { path, source } => staff_text(
                lang,
                "cli-read-io",
                &[("path", path), ("error", &source.to_string())],
            ),
            ReadError::Csv {
                path,
                line,
                message,
            } => staff_text(
                lang,
                "cli-read-csv",
                &[
                    ("path", path),
                    ("line", &line.to_string()),
                    ("error", message),
                ],
            ),
            ReadError::Xlsx { path, message } => {
                staff_text(lang, "cli-read-xlsx", &[("path", path), ("error", message)])
            }
            ReadError::UnknownType { path } => {
                staff_text(lang, "cli-read-unknown-type", &[("path", path)])
            }
        }
    }
}

/// Reads every row of `path` (header row included, as the first row), calling `each` for
/// each one; `each` returns `false` to stop early. `progress` is told where the reader is.
pub fn read_file(
    path: &Path,
    mut progress: impl FnMut(Position),
    mut each: impl FnMut(RawRow) -> bool,
) -> Result<(), ReadError> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "csv" | "txt" | "tsv" => read_csv(path, &mut progress, &mut each),
        "xlsx" | "xlsm" => read_xlsx(path, &mut progress, &mut each),
        _ => Err(ReadError::UnknownType {
            path: path.display().to_string(),
        }),
    }
}

/// Picks the separator from the first line: the most frequent of `,`, `;` and tab outside
/// quotes (Excel in Indonesian settings saves CSV with `;`, since `,` is the decimal comma).
fn sniff_delimiter(first_line: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in first_line {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            b'\n' => break,
            _ => {}
        }
    }
    let seps = [b',', b';', b'\t'];
    let best = (0..3).max_by_key(|&i| (counts[i], 3 - i)).unwrap_or(0);
    seps[best]
}

fn read_csv(
    path: &Path,
    progress: &mut dyn FnMut(Position),
    each: &mut dyn FnMut(RawRow) -> bool,
) -> Result<(), ReadError> {
    let io = |source| ReadError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut file = File::open(path).map_err(io)?;
    let total = file.metadata().map_err(io)?.len();
    let mut head = vec![0u8; 64 * 1024];
    let n = file.read(&mut head).map_err(io)?;
    head.truncate(n);
    let delimiter = sniff_delimiter(&head);
    let file = File::open(path).map_err(io)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(BufReader::with_capacity(256 * 1024, file));
    let mut record = csv::ByteRecord::new();
    let mut rows = 0u64;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                return Err(ReadError::Csv {
                    path: path.display().to_string(),
                    line: e.position().map(|p| p.line()).unwrap_or(0),
                    message: e.to_string(),
                });
            }
        }
        let line = record.position().map(|p| p.line()).unwrap_or(rows + 1);
        let cells: Result<Vec<String>, String> = record
            .iter()
            .map(|c| std::str::from_utf8(c).map(str::to_owned))
            .collect::<Result<_, _>>()
            .map_err(|_| {
                "not UTF-8 text: save the file as \"CSV UTF-8\" (Excel) and import it again"
                    .to_string()
            });
        rows += 1;
        if rows.is_multiple_of(1024) {
            let done = record.position().map(|p| p.byte()).unwrap_or(0);
            progress(Position { done, total });
        }
        if !each(RawRow { line, cells }) {
            return Ok(());
        }
    }
    progress(Position { done: total, total });
    Ok(())
}

/// A cell as the text staff see. Whole numbers lose Excel's `.0` (a NISN typed as a number
/// comes out as `12345678`; leading zeros are gone in the sheet itself and cannot be
/// recovered: format the column as text in Excel), dates become ISO `YYYY-MM-DD`.
fn cell_text(v: &DataRef<'_>) -> String {
    match v {
        DataRef::Empty => String::new(),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else {
                f.to_string()
            }
        }
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) => {
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{day:02}")
        }
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => format!("#{e:?}"),
    }
}

fn read_xlsx(
    path: &Path,
    progress: &mut dyn FnMut(Position),
    each: &mut dyn FnMut(RawRow) -> bool,
) -> Result<(), ReadError> {
    let xerr = |e: calamine::XlsxError| ReadError::Xlsx {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let file = File::open(path).map_err(|source| ReadError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let mut book: Xlsx<_> = Xlsx::new(BufReader::new(file)).map_err(xerr)?;
    let Some(sheet) = book.sheet_names().first().cloned() else {
        return Ok(());
    };
    let mut cells = book.worksheet_cells_reader(&sheet).map_err(xerr)?;
    let total = u64::from(cells.dimensions().end.0) + 1;
    let mut current: Option<u32> = None;
    let mut row: Vec<String> = Vec::new();
    // Cells arrive row by row, left to right; empty cells may be missing entirely.
    while let Some(cell) = cells.next_cell().map_err(xerr)? {
        let (r, c) = cell.get_position();
        if current != Some(r) {
            if let Some(prev) = current {
                if !each(RawRow {
                    line: u64::from(prev) + 1,
                    cells: Ok(std::mem::take(&mut row)),
                }) {
                    return Ok(());
                }
                if prev.is_multiple_of(1024) {
                    progress(Position {
                        done: u64::from(prev) + 1,
                        total,
                    });
                }
            }
            current = Some(r);
            row.clear();
        }
        let text = cell_text(cell.get_value());
        if text.is_empty() {
            continue;
        }
        let c = c as usize;
        if row.len() <= c {
            row.resize(c + 1, String::new());
        }
        row[c] = text;
    }
    if let Some(prev) = current {
        each(RawRow {
            line: u64::from(prev) + 1,
            cells: Ok(row),
        });
    }
    progress(Position { done: total, total });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiter_sniffing() {
        assert_eq!(sniff_delimiter(b"nisn;nama;no_hp\n1;2;3"), b';');
        assert_eq!(sniff_delimiter(b"nisn,nama,no_hp\n"), b',');
        assert_eq!(sniff_delimiter(b"nisn\tnama\n"), b'\t');
        assert_eq!(sniff_delimiter(b"\"a;b\",c\n"), b',');
        assert_eq!(sniff_delimiter(b"nisn\n"), b',');
    }
}
