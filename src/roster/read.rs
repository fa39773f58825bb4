//! Reading a roster file row by row: CSV (comma, semicolon or tab separated, as Excel saves
//! it in Indonesian or English settings) or XLSX (the first sheet). Rows stream through a
//! callback with their line number in the file (the row number Excel shows), so a 150,000
//! row file never sits in memory whole and every problem can be pointed at.
//!
//! What Excel writes is taken as it comes: Windows line ends (CRLF) count one line each; a
//! CSV that is not UTF-8 is decoded whole as Windows-1252 (what Excel on an Indonesian
//! Windows writes for "CSV (Comma delimited)"), never half; a workbook saved under a `.csv`
//! name is read as the workbook it is. Both are told to staff once ([`FileNotes`]).

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use calamine::{DataRef, Reader, Xlsx};

/// One row of cells as text.
#[derive(Debug, Clone, PartialEq)]
pub struct RawRow {
    /// 1-based line of the file (CSV: the line the record starts on; XLSX: the row number).
    pub line: u64,
    /// The cells, as text.
    pub cells: Vec<String>,
}

/// What the reader noticed about the file as a whole, to tell staff once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileNotes {
    /// An XLSX workbook under a CSV name (`.csv`, `.txt`, `.tsv`): read as the workbook.
    pub workbook_named_csv: bool,
    /// A CSV that is not UTF-8, decoded whole as Windows-1252.
    pub windows_1252: bool,
}

/// The first bytes of a ZIP archive (an XLSX workbook is one).
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// The first bytes of an OLE compound file (an Excel 97-2003 `.xls` workbook).
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

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
    /// An Excel 97-2003 workbook (`.xls`, perhaps renamed): not read.
    #[error("{path}: an Excel 97-2003 workbook (.xls); save it as .xlsx or CSV UTF-8")]
    OldWorkbook {
        /// The file.
        path: String,
    },
}

impl ReadError {
    /// The error as staff read it, in `lang` (`cli-read-…` in `locales/*/cli.ftl`); the
    /// system's errors in the staff's words too ([`crate::i18n::io_text`]), the parsers'
    /// own words as they come.
    pub fn text(&self, lang: crate::model::Lang) -> String {
        use crate::i18n::staff_text;
        match self {
            ReadError::Io { path, source } => staff_text(
                lang,
                "cli-read-io",
                &[
                    ("path", path),
                    ("error", &crate::i18n::io_text(source, lang)),
                ],
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
            ReadError::OldWorkbook { path } => {
                staff_text(lang, "cli-read-old-workbook", &[("path", path)])
            }
        }
    }
}

/// Reads every row of `path` (header row included, as the first row), calling `each` for
/// each one; `each` returns `false` to stop early. `progress` is told where the reader is.
/// Returns what staff should be told about the file as a whole.
pub fn read_file(
    path: &Path,
    mut progress: impl FnMut(Position),
    mut each: impl FnMut(RawRow) -> bool,
) -> Result<FileNotes, ReadError> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let mut notes = FileNotes::default();
    match ext.as_str() {
        "csv" | "txt" | "tsv" => {
            let head = read_head(path, OLE_MAGIC.len())?;
            if head.starts_with(OLE_MAGIC) {
                return Err(ReadError::OldWorkbook {
                    path: path.display().to_string(),
                });
            }
            if head.starts_with(ZIP_MAGIC) {
                notes.workbook_named_csv = true;
                read_xlsx(path, &mut progress, &mut each)?;
            } else {
                notes.windows_1252 = read_csv(path, &mut progress, &mut each)?;
            }
        }
        "xlsx" | "xlsm" => read_xlsx(path, &mut progress, &mut each)?,
        "xls" => {
            return Err(ReadError::OldWorkbook {
                path: path.display().to_string(),
            });
        }
        _ => {
            return Err(ReadError::UnknownType {
                path: path.display().to_string(),
            });
        }
    }
    Ok(notes)
}

/// Up to the first `n` bytes of `path`.
fn read_head(path: &Path, n: usize) -> Result<Vec<u8>, ReadError> {
    let io = |source| ReadError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut head = Vec::with_capacity(n);
    File::open(path)
        .map_err(io)?
        .take(n as u64)
        .read_to_end(&mut head)
        .map_err(io)?;
    Ok(head)
}

/// Whether everything `r` yields is UTF-8, read in chunks (a character split between two
/// chunks is carried over), so a large file is checked without being held whole.
fn is_utf8(mut r: impl Read) -> std::io::Result<bool> {
    let mut buf = vec![0u8; 256 * 1024];
    let mut carry = 0usize;
    loop {
        let n = match r.read(&mut buf[carry..]) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            // A character cut off by the end of the file is not UTF-8 either.
            return Ok(carry == 0);
        }
        let len = carry + n;
        match std::str::from_utf8(&buf[..len]) {
            Ok(_) => carry = 0,
            // An incomplete character at the end of the chunk: keep it for the next read.
            Err(e) if e.error_len().is_none() => {
                let valid = e.valid_up_to();
                buf.copy_within(valid..len, 0);
                carry = len - valid;
            }
            Err(_) => return Ok(false),
        }
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

/// A reader that turns every line end into `\n` (Windows `\r\n`, old Mac `\r`) and ends the
/// text with one, so every CSV record ends with a `\n` the CSV parser has counted when it
/// hands the record over: the record's first line is then exact (see [`read_csv`]).
struct LfLines<R> {
    inner: R,
    buf: Vec<u8>,
    /// `buf[start..end]` is read but not yet handed out.
    start: usize,
    end: usize,
    /// The last byte read from `inner` was `\r` (its `\n` may follow in the next chunk).
    after_cr: bool,
    /// The last byte handed out, if any.
    last: Option<u8>,
    done: bool,
}

impl<R: Read> LfLines<R> {
    fn new(inner: R) -> Self {
        LfLines {
            inner,
            buf: vec![0; 64 * 1024],
            start: 0,
            end: 0,
            after_cr: false,
            last: None,
            done: false,
        }
    }
}

impl<R: Read> Read for LfLines<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            if self.start == self.end {
                if self.done {
                    return Ok(0);
                }
                self.start = 0;
                self.end = self.inner.read(&mut self.buf)?;
                if self.end == 0 {
                    self.done = true;
                    if self.last.is_some_and(|b| b != b'\n') {
                        self.last = Some(b'\n');
                        out[0] = b'\n';
                        return Ok(1);
                    }
                    return Ok(0);
                }
            }
            let mut n = 0;
            while self.start < self.end && n < out.len() {
                let b = self.buf[self.start];
                self.start += 1;
                let after_cr = std::mem::replace(&mut self.after_cr, b == b'\r');
                if b == b'\n' && after_cr {
                    // The `\n` of a `\r\n`: its line end is already out.
                    continue;
                }
                out[n] = if b == b'\r' { b'\n' } else { b };
                n += 1;
            }
            if n > 0 {
                self.last = Some(out[n - 1]);
                return Ok(n);
            }
        }
    }
}

/// Reads a CSV file; returns whether it was decoded as Windows-1252 (not UTF-8).
fn read_csv(
    path: &Path,
    progress: &mut dyn FnMut(Position),
    each: &mut dyn FnMut(RawRow) -> bool,
) -> Result<bool, ReadError> {
    let io = |source| ReadError::Io {
        path: path.display().to_string(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    let total = file.metadata().map_err(io)?.len();
    let utf8 = is_utf8(BufReader::new(file)).map_err(io)?;
    // Windows-1252 maps every byte to a character, so the decoded text is whole; its
    // separators and line ends are the same bytes as in UTF-8.
    let open = || -> Result<Box<dyn Read>, ReadError> {
        let file = File::open(path).map_err(io)?;
        Ok(if utf8 {
            Box::new(file)
        } else {
            Box::new(
                encoding_rs_io::DecodeReaderBytesBuilder::new()
                    .encoding(Some(encoding_rs::WINDOWS_1252))
                    .build(file),
            )
        })
    };
    let mut head = Vec::with_capacity(64 * 1024);
    open()?.take(64 * 1024).read_to_end(&mut head).map_err(io)?;
    let delimiter = sniff_delimiter(&head);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(LfLines::new(BufReader::with_capacity(256 * 1024, open()?)));
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
        // The parser has counted every `\n` up to and including this record's last one
        // (each record ends with one: see `LfLines`); the record's own position would be
        // where the previous record ended, before any blank lines.
        let breaks = record.as_slice().iter().filter(|&&b| b == b'\n').count() as u64;
        let line = reader.position().line().saturating_sub(breaks + 1).max(1);
        // The whole text is UTF-8 (checked, or decoded from Windows-1252), and a cell
        // boundary never cuts a character (separators and quotes are ASCII).
        let cells: Vec<String> = record
            .iter()
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        rows += 1;
        if rows.is_multiple_of(1024) {
            // Decoded Windows-1252 is a little longer than the file.
            let done = record.position().map(|p| p.byte()).unwrap_or(0).min(total);
            progress(Position { done, total });
        }
        if !each(RawRow { line, cells }) {
            return Ok(!utf8);
        }
    }
    progress(Position { done: total, total });
    Ok(!utf8)
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
                    cells: std::mem::take(&mut row),
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
            cells: row,
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
