//! `jejak whatsapp dead-letters` and `jejak whatsapp retry ID`: the WhatsApp webhook bodies
//! whose handling failed three times, for staff on the server's command line (the console's
//! WhatsApp page shows the same). A retry from here makes the body pending again; a running
//! `jejak run` picks it up at its next start (the console's retry hands it over at once).

use std::io::Write;

use chrono::{DateTime, Utc};
use clap::Subcommand;

use crate::channel::whatsapp::{Retried, RetryQueue};
use crate::i18n::staff_text;
use crate::model::Lang;
use crate::store::Store;

/// The most dead letters listed.
const LIMIT: i64 = 1000;

/// `jejak whatsapp …`
#[derive(Debug, Subcommand)]
pub enum WhatsAppAction {
    /// List the dead letters: id, when received, when given up, why (never the number or
    /// the message).
    DeadLetters,
    /// Make a dead letter pending again (processed at the next start of `jejak run`).
    Retry {
        /// The dead letter's id, as listed.
        id: i64,
    },
}

/// Runs a `jejak whatsapp` command, printing to `out`; returns the exit code (0 done, 1 no
/// such dead letter).
pub async fn run(
    store: &Store,
    action: WhatsAppAction,
    lang: Lang,
    now: DateTime<Utc>,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    let t = |id: &str, a: &[(&str, &str)]| staff_text(lang, id, a);
    match action {
        WhatsAppAction::DeadLetters => {
            let letters = store.whatsapp().whatsapp_dead_letters(LIMIT).await?;
            if letters.is_empty() {
                writeln!(out, "{}", t("cli-wa-dead-none", &[]))?;
            }
            for d in letters {
                let fmt = |t: DateTime<Utc>| t.format("%Y-%m-%d %H:%M UTC").to_string();
                writeln!(
                    out,
                    "{}",
                    t(
                        "cli-wa-dead-line",
                        &[
                            ("id", &d.id.to_string()),
                            ("received", &fmt(d.received_at)),
                            ("dead", &fmt(d.dead_at)),
                            ("reason", &d.reason),
                        ]
                    )
                )?;
            }
            Ok(0)
        }
        WhatsAppAction::Retry { id } => {
            let sid = id.to_string();
            match RetryQueue::retry(None, store, id).await? {
                Retried::NotDead => {
                    writeln!(out, "{}", t("cli-wa-retry-none", &[("id", &sid)]))?;
                    Ok(1)
                }
                Retried::Now | Retried::AtNextStart => {
                    let user = std::env::var("USER").unwrap_or_default();
                    let detail = format!("dead letter {id}; unix user: {user}");
                    super::cli_audit(store, "whatsapp-retry", &detail, now).await?;
                    writeln!(out, "{}", t("cli-wa-retried", &[("id", &sid)]))?;
                    Ok(0)
                }
            }
        }
    }
}
