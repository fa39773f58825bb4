//! `jejak invite`: every respondent's personal links, for staff to send through their own
//! WhatsApp groups or mail merge, as CSV or XLSX, and QR codes as SVG files.
//!
//! - Telegram deep link: `https://t.me/<bot_username>?start=<token>` (Telegram passes the
//!   token to the bot as `/start <token>`).
//! - WhatsApp click-to-chat: `https://wa.me/<business number digits>?text=MULAI%20<token>`
//!   (opens a chat with `MULAI <token>` typed in).
//! - Web chat: `<public URL>/c/<token>` (the chat page `jejak run` serves; no app needed).
//!
//! QR codes are written as SVG (vector, any print size, no image library needed); the
//! modules come from the `qrcode` crate with its default features (and so the `image`
//! crate) off.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use qrcode::{Color, EcLevel, QrCode};

use crate::store::{InviteRow, Scope, Store, StoreError};

/// Where the links point.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkTargets {
    /// The bot's Telegram username without `@`.
    pub bot_username: Option<String>,
    /// The WhatsApp number, digits only (country code first, no `+`).
    pub whatsapp_digits: Option<String>,
    /// The public base URL of the web chat (`https://tracer.smkn5.sch.id`), no trailing `/`.
    pub web_base: Option<String>,
}

/// Why invitations could not be written.
#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    /// Neither a bot username nor a WhatsApp number nor a public URL is configured.
    #[error(
        "no link target: set [telegram] bot_username (TELEGRAM_BOT_USERNAME), \
         [whatsapp] business_number (WHATSAPP_BUSINESS_NUMBER) and/or [server] public_url \
         (JEJAK_PUBLIC_URL)"
    )]
    NoTarget,
    /// The public URL is not an http(s) address.
    #[error("{0:?} is not a public address such as https://tracer.example.sch.id")]
    BadUrl(String),
    /// The bot username is not a Telegram username.
    #[error("{0:?} is not a Telegram bot username (5–32 of A-Z a-z 0-9 _)")]
    BadUsername(String),
    /// The WhatsApp number is not a phone number.
    #[error("{0:?} is not a WhatsApp number in international form (e.g. +62 812 3456 7890)")]
    BadNumber(String),
    /// The output file type is neither CSV nor XLSX.
    #[error("{0}: write invitations to a .csv or .xlsx file")]
    UnknownType(String),
    /// Reading the roster failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing a file failed.
    #[error("writing {path}: {message}")]
    Write {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// A link too long for a QR code (cannot happen with valid tokens).
    #[error("cannot encode a QR code: {0}")]
    Qr(String),
}

impl LinkTargets {
    /// Checks and normalises the configured chat-app targets: `@jejak_bot` → `jejak_bot`,
    /// `+62 812-3456-7890` → `6281234567890`. At least one target is required.
    pub fn new(
        bot_username: Option<&str>,
        business_number: Option<&str>,
    ) -> Result<LinkTargets, InviteError> {
        LinkTargets::with_web(bot_username, business_number, None)
    }

    /// As [`LinkTargets::new`], with the web chat's public base URL (`JEJAK_PUBLIC_URL`);
    /// any one of the three is enough.
    pub fn with_web(
        bot_username: Option<&str>,
        business_number: Option<&str>,
        public_url: Option<&str>,
    ) -> Result<LinkTargets, InviteError> {
        let bot_username = match bot_username.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(u) => {
                let u = u.trim_start_matches('@');
                let ok = (5..=32).contains(&u.len())
                    && u.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
                if !ok {
                    return Err(InviteError::BadUsername(u.to_string()));
                }
                Some(u.to_string())
            }
        };
        let whatsapp_digits = match business_number.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(n) => {
                let e164 = crate::understand::parse_phone(n)
                    .ok_or_else(|| InviteError::BadNumber(n.to_string()))?;
                Some(e164.trim_start_matches('+').to_string())
            }
        };
        let web_base = match public_url.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(u) => {
                let base = u.trim_end_matches('/');
                let host = base
                    .strip_prefix("https://")
                    .or_else(|| base.strip_prefix("http://"))
                    .unwrap_or("");
                if host.is_empty() || host.contains(char::is_whitespace) {
                    return Err(InviteError::BadUrl(u.to_string()));
                }
                Some(base.to_string())
            }
        };
        if bot_username.is_none() && whatsapp_digits.is_none() && web_base.is_none() {
            return Err(InviteError::NoTarget);
        }
        Ok(LinkTargets {
            bot_username,
            whatsapp_digits,
            web_base,
        })
    }

    /// The personal web chat link for `token`.
    pub fn web(&self, token: &str) -> Option<String> {
        self.web_base
            .as_ref()
            .map(|b| crate::channel::web::personal_link(b, token))
    }

    /// The web chat link of `flow` open to anyone.
    pub fn web_open(&self, flow: &str) -> Option<String> {
        self.web_base
            .as_ref()
            .map(|b| crate::channel::web::open_link(b, flow))
    }

    /// The personal Telegram deep link for `token`.
    pub fn telegram(&self, token: &str) -> Option<String> {
        self.bot_username
            .as_ref()
            .map(|u| format!("https://t.me/{u}?start={token}"))
    }

    /// The personal WhatsApp click-to-chat link for `token`.
    pub fn whatsapp(&self, token: &str) -> Option<String> {
        self.whatsapp_digits
            .as_ref()
            .map(|n| format!("https://wa.me/{n}?text=MULAI%20{token}"))
    }

    /// The open Telegram link (a plain `/start`, for flows open to anyone).
    pub fn telegram_open(&self) -> Option<String> {
        self.bot_username
            .as_ref()
            .map(|u| format!("https://t.me/{u}"))
    }

    /// The open WhatsApp link (`MULAI` without a token).
    pub fn whatsapp_open(&self) -> Option<String> {
        self.whatsapp_digits
            .as_ref()
            .map(|n| format!("https://wa.me/{n}?text=MULAI"))
    }
}

/// The columns of an invitation file.
pub const COLUMNS: [&str; 10] = [
    "external_id",
    "nama",
    "no_hp",
    "angkatan",
    "program",
    "sekolah",
    "token",
    "telegram_link",
    "whatsapp_link",
    "web_link",
];

/// One line of the invitation file. The roster's fields are user data, so a value that
/// begins like a formula is neutralised; the token and the links are ours (a token may begin
/// with `-`, and must stay exactly as it is to work).
pub fn invite_record(r: &InviteRow, links: &LinkTargets) -> [String; 10] {
    let s = |v: &Option<String>| {
        crate::report::cell::neutralise(v.as_deref().unwrap_or_default()).into_owned()
    };
    [
        s(&r.external_id),
        s(&r.name),
        s(&r.phone),
        s(&r.cohort),
        s(&r.programme),
        s(&r.school),
        r.token.clone(),
        links.telegram(&r.token).unwrap_or_default(),
        links.whatsapp(&r.token).unwrap_or_default(),
        links.web(&r.token).unwrap_or_default(),
    ]
}

/// What `jejak invite` wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InviteSummary {
    /// Respondents listed.
    pub respondents: usize,
    /// QR code files written.
    pub qr_files: usize,
}

/// Writes the invitations of everyone on `flow_id`'s roster to `out` (`.csv` or `.xlsx`),
/// QR codes to `qr_dir` if given, and records the respondents as invited.
pub async fn write_invitations(
    store: &Store,
    flow_id: &str,
    links: &LinkTargets,
    out: &Path,
    qr_dir: Option<&Path>,
    now: DateTime<Utc>,
) -> Result<InviteSummary, InviteError> {
    write_invitations_in(store, flow_id, &Scope::All, links, out, qr_dir, now).await
}

/// As [`write_invitations`], for the respondents within `scope` only (a staff member's
/// schools, in the console).
pub async fn write_invitations_in(
    store: &Store,
    flow_id: &str,
    scope: &Scope,
    links: &LinkTargets,
    out: &Path,
    qr_dir: Option<&Path>,
    now: DateTime<Utc>,
) -> Result<InviteSummary, InviteError> {
    let werr = |message: String| InviteError::Write {
        path: out.display().to_string(),
        message,
    };
    let ext = out
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let mut sheet = match ext.as_str() {
        "csv" => {
            let mut w = csv::Writer::from_path(out).map_err(|e| werr(e.to_string()))?;
            w.write_record(COLUMNS).map_err(|e| werr(e.to_string()))?;
            Sheet::Csv(Box::new(w))
        }
        "xlsx" => Sheet::Xlsx(Box::new(
            crate::report::xlsx::SheetWriter::new("Undangan", &COLUMNS)
                .map_err(|e| werr(e.to_string()))?,
        )),
        _ => return Err(InviteError::UnknownType(out.display().to_string())),
    };
    let mut qr_files = 0;
    if let Some(dir) = qr_dir {
        create_dir(dir)?;
        qr_files += write_svgs(dir, &qr_files_of(flow_id, &[], links, true))?;
    }
    // Page by page in id order (a national roster is 1,500,000 rows): only the ids are kept,
    // to record the invitations once the file is whole.
    let mut ids = Vec::new();
    let mut after = 0;
    loop {
        let page = store.export().invite_page(flow_id, scope, after).await?;
        let Some(last) = page.last() else {
            break;
        };
        after = last.id;
        for r in &page {
            let rec = invite_record(r, links);
            match &mut sheet {
                Sheet::Csv(w) => w.write_record(&rec).map_err(|e| werr(e.to_string()))?,
                Sheet::Xlsx(w) => w.push(&rec).map_err(|e| werr(e.to_string()))?,
            }
        }
        if let Some(dir) = qr_dir {
            qr_files += write_svgs(dir, &qr_files_of(flow_id, &page, links, false))?;
        }
        ids.extend(page.iter().map(|r| r.id));
    }
    match sheet {
        Sheet::Csv(mut w) => w.flush().map_err(|e| werr(e.to_string()))?,
        Sheet::Xlsx(w) => w.save(out).map_err(|e| werr(e.to_string()))?,
    }
    // Recorded after the file is written: an export that failed invited nobody.
    store.roster().mark_invited(flow_id, &ids, now).await?;
    Ok(InviteSummary {
        respondents: ids.len(),
        qr_files,
    })
}

/// The invitation sheet being written.
enum Sheet {
    Csv(Box<csv::Writer<std::fs::File>>),
    Xlsx(Box<crate::report::xlsx::SheetWriter>),
}

/// A file-name-safe form of an external id: `A-Z a-z 0-9 - _` kept, anything else `_`;
/// when that changed the id, the store id is appended so two ids cannot collide.
pub fn file_stem(r: &InviteRow) -> String {
    let ext = r.external_id.as_deref().unwrap_or("");
    let safe: String = ext
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe.is_empty() || safe != ext {
        format!("{safe}_r{}", r.id)
    } else {
        safe
    }
}

/// Writes `<id>-telegram.svg` / `<id>-whatsapp.svg` / `<id>-web.svg` per respondent and
/// `open-telegram.svg` / `open-whatsapp.svg` / `open-web.svg` for the open links of `flow_id`,
/// for each configured target. Returns the count.
pub fn write_qr_codes(
    dir: &Path,
    flow_id: &str,
    rows: &[InviteRow],
    links: &LinkTargets,
) -> Result<usize, InviteError> {
    create_dir(dir)?;
    write_svgs(dir, &qr_files(flow_id, rows, links))
}

fn create_dir(dir: &Path) -> Result<(), InviteError> {
    std::fs::create_dir_all(dir).map_err(|e| InviteError::Write {
        path: dir.display().to_string(),
        message: e.to_string(),
    })
}

/// Writes each (file name, link) of `files` as a QR code SVG in `dir`; returns the count.
fn write_svgs(dir: &Path, files: &[(String, String)]) -> Result<usize, InviteError> {
    for (name, link) in files {
        let path: PathBuf = dir.join(name);
        let svg = qr_svg(link)?;
        std::fs::write(&path, svg).map_err(|e| InviteError::Write {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
    }
    Ok(files.len())
}

/// The QR code files of `rows` and the open links of `flow_id`, as (file name, link):
/// `open-telegram.svg`, `open-whatsapp.svg` and `open-web.svg` first, then
/// `<id>-telegram.svg` / `<id>-whatsapp.svg` / `<id>-web.svg` per respondent, for each
/// configured target.
pub fn qr_files(flow_id: &str, rows: &[InviteRow], links: &LinkTargets) -> Vec<(String, String)> {
    qr_files_of(flow_id, rows, links, true)
}

/// [`qr_files`], with the open links' files only when `open` (a sheet written page by page
/// lists them once, before the first page).
fn qr_files_of(
    flow_id: &str,
    rows: &[InviteRow],
    links: &LinkTargets,
    open: bool,
) -> Vec<(String, String)> {
    let mut files = Vec::with_capacity(3 + rows.len() * 3);
    let mut add = |name: String, link: Option<String>| {
        if let Some(link) = link {
            files.push((name, link));
        }
    };
    if open {
        add("open-telegram.svg".into(), links.telegram_open());
        add("open-whatsapp.svg".into(), links.whatsapp_open());
        add("open-web.svg".into(), links.web_open(flow_id));
    }
    for r in rows {
        let stem = file_stem(r);
        add(format!("{stem}-telegram.svg"), links.telegram(&r.token));
        add(format!("{stem}-whatsapp.svg"), links.whatsapp(&r.token));
        add(format!("{stem}-web.svg"), links.web(&r.token));
    }
    files
}

/// Writes the QR codes of the respondents of `flow_id` within `scope` (and of the open
/// links) as SVG files in a ZIP archive at `out`, with the names [`write_qr_codes`] gives,
/// and records those respondents as invited, as `jejak invite` does.
pub async fn write_qr_zip(
    store: &Store,
    flow_id: &str,
    scope: &Scope,
    links: &LinkTargets,
    out: &Path,
    now: DateTime<Utc>,
) -> Result<InviteSummary, InviteError> {
    let werr = |message: String| InviteError::Write {
        path: out.display().to_string(),
        message,
    };
    let file = std::fs::File::create(out).map_err(|e| werr(e.to_string()))?;
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let mut count = 0;
    let mut ids = Vec::new();
    let mut after = 0;
    let mut files = qr_files_of(flow_id, &[], links, true);
    loop {
        let page = store.export().invite_page(flow_id, scope, after).await?;
        files.extend(qr_files_of(flow_id, &page, links, false));
        count += files.len();
        // Encoding a page of QR codes takes a while: off the async workers, the archive
        // going with it and coming back.
        zip = tokio::task::spawn_blocking(move || zip_svgs(zip, &files))
            .await
            .map_err(|e| werr(e.to_string()))??;
        files = Vec::new();
        let Some(last) = page.last() else {
            break;
        };
        after = last.id;
        ids.extend(page.iter().map(|r| r.id));
    }
    zip.finish().map_err(|e| werr(e.to_string()))?;
    // Recorded after the archive is written: an export that failed invited nobody.
    store.roster().mark_invited(flow_id, &ids, now).await?;
    Ok(InviteSummary {
        respondents: ids.len(),
        qr_files: count,
    })
}

/// The QR code archive being written.
type Zip = zip::ZipWriter<std::io::BufWriter<std::fs::File>>;

/// Writes the QR codes of `files` (name, link) as SVG entries of `zip`, and hands it back.
fn zip_svgs(mut zip: Zip, files: &[(String, String)]) -> Result<Zip, InviteError> {
    let werr = |message: String| InviteError::Write {
        path: "QR archive".into(),
        message,
    };
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, link) in files {
        let svg = qr_svg(link)?;
        zip.start_file(name.as_str(), options)
            .map_err(|e| werr(e.to_string()))?;
        std::io::Write::write_all(&mut zip, svg.as_bytes()).map_err(|e| werr(e.to_string()))?;
    }
    Ok(zip)
}

/// Modules of quiet zone around a QR code (the standard asks for 4).
const QUIET: usize = 4;

/// A QR code of `text` (error correction level M) as an SVG document: one unit per module,
/// a white background with a 4-module quiet zone, and one black `M x,y h1v1h-1z` square per
/// dark module, so the file prints sharply at any size.
pub fn qr_svg(text: &str) -> Result<String, InviteError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| InviteError::Qr(e.to_string()))?;
    let width = code.width();
    let colors = code.to_colors();
    let size = width + 2 * QUIET;
    let mut svg = String::with_capacity(width * width * 12 + 400);
    svg.push_str(&format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" \
         version=\"1.1\" viewBox=\"0 0 {size} {size}\" width=\"{px}\" height=\"{px}\" \
         shape-rendering=\"crispEdges\">\n<rect width=\"{size}\" height=\"{size}\" \
         fill=\"#ffffff\"/>\n<path fill=\"#000000\" d=\"",
        px = size * 8
    ));
    for (i, c) in colors.iter().enumerate() {
        if *c == Color::Dark {
            let (x, y) = (i % width + QUIET, i / width + QUIET);
            svg.push_str(&format!("M{x},{y}h1v1h-1z"));
        }
    }
    svg.push_str("\"/>\n</svg>\n");
    Ok(svg)
}

/// Reads the dark modules back from an SVG written by [`qr_svg`] as a greyscale bitmap
/// (`scale` pixels per module, 0 = black, 255 = white), with its side length. For tests and
/// for checking printed files.
pub fn svg_modules(svg: &str, scale: usize) -> Option<(Vec<u8>, usize)> {
    let vb = svg.split("viewBox=\"0 0 ").nth(1)?;
    let size: usize = vb.split(' ').next()?.parse().ok()?;
    let side = size * scale;
    let mut img = vec![255u8; side * side];
    let d = svg.split(" d=\"").nth(1)?.split('"').next()?;
    for part in d.split('M').filter(|p| !p.is_empty()) {
        let coords = part.strip_suffix("h1v1h-1z")?;
        let (x, y) = coords.split_once(',')?;
        let (x, y): (usize, usize) = (x.parse().ok()?, y.parse().ok()?);
        for dy in 0..scale {
            for dx in 0..scale {
                let idx = (y * scale + dy) * side + x * scale + dx;
                *img.get_mut(idx)? = 0;
            }
        }
    }
    Some((img, side))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_normalised() {
        let t = LinkTargets::new(Some("@jejak_bot"), Some("+62 812-3456-7890")).unwrap();
        assert_eq!(
            t.telegram("abc").unwrap(),
            "https://t.me/jejak_bot?start=abc"
        );
        assert_eq!(
            t.whatsapp("abc").unwrap(),
            "https://wa.me/6281234567890?text=MULAI%20abc"
        );
        assert!(matches!(
            LinkTargets::new(None, None),
            Err(InviteError::NoTarget)
        ));
        let web = LinkTargets::with_web(None, None, Some("https://tracer.contoh.sch.id/")).unwrap();
        assert_eq!(
            web.web("abc").unwrap(),
            "https://tracer.contoh.sch.id/c/abc"
        );
        assert_eq!(
            web.web_open("tracer-smk").unwrap(),
            "https://tracer.contoh.sch.id/c/open/tracer-smk"
        );
        assert_eq!(web.telegram("abc"), None);
        assert!(matches!(
            LinkTargets::with_web(None, None, Some("tracer.contoh.sch.id")),
            Err(InviteError::BadUrl(_))
        ));
        assert!(matches!(
            LinkTargets::new(Some("a b"), None),
            Err(InviteError::BadUsername(_))
        ));
        assert!(matches!(
            LinkTargets::new(None, Some("call me")),
            Err(InviteError::BadNumber(_))
        ));
    }
}
