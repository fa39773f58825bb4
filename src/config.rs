//! Where settings come from: command-line flags, then environment variables, then the
//! optional `jejak.toml`, then defaults. Secrets never live in the repository.

use crate::store::Store;
use anyhow::Context as _;
use std::path::{Path, PathBuf};

/// The optional configuration file (`jejak.toml` in the working directory, or `JEJAK_CONFIG`).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// `sqlite://…` or `postgres://…`.
    pub database_url: Option<String>,
    /// Directory of the embedded SQLite database.
    pub data_dir: Option<PathBuf>,
    /// `[server]`: the HTTP server that webhooks join.
    pub server: Option<ServerFile>,
    /// `[telegram]`: the Telegram bot.
    pub telegram: Option<TelegramFile>,
    /// `[whatsapp]`: the WhatsApp Cloud API number.
    pub whatsapp: Option<WhatsAppFile>,
    /// `[schedule]`: reminder waves (quiet hours, send rates).
    pub schedule: Option<ScheduleFile>,
}

/// `[server]` in `jejak.toml`.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerFile {
    /// Address the HTTP server listens on (`JEJAK_LISTEN`), e.g. `0.0.0.0:8080`.
    pub listen: Option<String>,
    /// The public address alumni reach this server at (`JEJAK_PUBLIC_URL`), e.g.
    /// `https://tracer.smkn5.sch.id`: the base of the web chat links in invitations.
    pub public_url: Option<String>,
}

/// `[telegram]` in `jejak.toml`. Environment variables override each field.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelegramFile {
    /// The bot token from BotFather (`TELEGRAM_BOT_TOKEN`). A secret: never logged.
    pub bot_token: Option<String>,
    /// The bot's username, for `https://t.me/<username>?start=<token>` links.
    pub bot_username: Option<String>,
    /// Bot API base URL (`TELEGRAM_API_URL`); default the public one.
    pub api_url: Option<String>,
    /// Public HTTPS URL for webhook mode (`TELEGRAM_WEBHOOK_URL`); polling when absent.
    pub webhook_url: Option<String>,
    /// Webhook secret token (`TELEGRAM_WEBHOOK_SECRET`): 1–256 of `A-Za-z0-9_-`.
    pub webhook_secret: Option<String>,
    /// Whether a plain `/start` (no token) starts an anonymous respondent.
    pub open_mode: Option<bool>,
    /// In open mode, whether a chat without a personal link must first prove it is on the
    /// roster (external id + birth date, limited attempts) instead of starting anonymously
    /// (`TELEGRAM_OPEN_IDENTITY`).
    pub open_identity: Option<bool>,
}

/// `[whatsapp]` in `jejak.toml`. Environment variables override each field.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhatsAppFile {
    /// The Cloud API phone number id (`WHATSAPP_PHONE_NUMBER_ID`).
    pub phone_number_id: Option<String>,
    /// The number alumni write to, in E.164, for `https://wa.me/<number>?text=…` links.
    pub business_number: Option<String>,
    /// Access token (`WHATSAPP_ACCESS_TOKEN`). A secret: never logged.
    pub access_token: Option<String>,
    /// App secret for webhook signatures (`WHATSAPP_APP_SECRET`). A secret.
    pub app_secret: Option<String>,
    /// Webhook verify token (`WHATSAPP_VERIFY_TOKEN`). A secret.
    pub verify_token: Option<String>,
    /// Graph API version, e.g. `v21.0` (`WHATSAPP_API_VERSION`).
    pub api_version: Option<String>,
    /// Graph API base URL (`WHATSAPP_API_URL`); default the public one.
    pub api_url: Option<String>,
    /// Messages per second the number may send (default 80).
    pub rate_per_second: Option<u32>,
}

/// `[schedule]` in `jejak.toml`: quiet hours and send rates for reminder waves.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleFile {
    /// Start of quiet hours in the respondent's zone, `HH:MM` (default `21:00`).
    pub quiet_start: Option<String>,
    /// End of quiet hours, `HH:MM` (default `07:00`).
    pub quiet_end: Option<String>,
    /// Extra blocked windows, e.g. `["Fri 11:00-13:00"]`.
    pub blocked: Option<Vec<String>>,
    /// Telegram messages per second in total (default 30).
    pub telegram_rate_per_second: Option<u32>,
    /// Seconds between two messages to one Telegram chat (default 1).
    pub telegram_per_chat_seconds: Option<u32>,
    /// WhatsApp messages per second in total, for reminders (default: `[whatsapp]
    /// rate_per_second`, else 80).
    pub whatsapp_rate_per_second: Option<u32>,
    /// Share of each platform limit actually used, for network jitter (default 0.97).
    pub rate_margin: Option<f64>,
    /// Most sends in flight at once per worker (default 32).
    pub max_in_flight: Option<usize>,
}

impl ScheduleFile {
    /// The quiet hours these settings describe (defaults where unset).
    pub fn quiet_hours(
        &self,
    ) -> Result<crate::schedule::quiet::QuietHours, crate::schedule::quiet::QuietError> {
        crate::schedule::quiet::QuietHours::new(
            self.quiet_start.as_deref(),
            self.quiet_end.as_deref(),
            self.blocked.as_deref().unwrap_or_default(),
        )
    }
}

impl FileConfig {
    /// Reads `path` if it exists.
    pub fn read(path: &Path) -> anyhow::Result<FileConfig> {
        match std::fs::read_to_string(path) {
            Ok(s) => toml::from_str(&s).with_context(|| format!("reading {}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(FileConfig::default()),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }
}

/// Opens the store: the database URL if one is given, else SQLite in the data directory
/// (created on first run).
pub async fn open_store(database_url: Option<&str>, data_dir: &Path) -> anyhow::Result<Store> {
    match database_url {
        Some(url) => Store::connect(url)
            .await
            .context("opening the database from DATABASE_URL"),
        None => Store::open_data_dir(data_dir)
            .await
            .with_context(|| format!("opening the SQLite database in {}", data_dir.display())),
    }
}

/// Compares two secrets (tokens, webhook secrets, CSRF tokens) without stopping at the first
/// difference, so timing does not tell an attacker how much of the secret they guessed.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
