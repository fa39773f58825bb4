//! `jejak respondent show|export|delete ID --reason TEXT`: a data subject's requests that
//! arrive by letter or e-mail (UU No. 27 Tahun 2022), answered by staff on the server's
//! command line. Every action, reading included, is written to the console's audit log
//! (`staff_audit`: who, when, what, why) before anything is shown or changed.

use std::io::Write;

use chrono::{DateTime, Utc};
use clap::Subcommand;

use crate::i18n::Catalog;
use crate::model::Lang;
use crate::store::{Respondent, RespondentId, Store};

/// `jejak respondent …`
#[derive(Debug, Subcommand)]
pub enum RespondentAction {
    /// Show what is stored about a respondent: roster fields, channel addresses, sessions
    /// and answers.
    Show {
        /// The respondent: the store's number, or the roster id (NISN/NIM).
        id: String,
        /// Why (the request it answers); written to the audit log.
        #[arg(long)]
        reason: String,
    },
    /// Write everything stored about a respondent as JSON (to standard output, or --out),
    /// to hand to them.
    Export {
        /// The respondent: the store's number, or the roster id (NISN/NIM).
        id: String,
        /// Why (the request it answers); written to the audit log.
        #[arg(long)]
        reason: String,
        /// The output file.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Erase a respondent's personal data and answers, as `/hapus` in the chat does; the
    /// row stays as a tombstone without personal data so the report's counts do not move.
    Delete {
        /// The respondent: the store's number, or the roster id (NISN/NIM).
        id: String,
        /// Why (the request it answers); written to the audit log.
        #[arg(long)]
        reason: String,
    },
}

/// Runs a respondent command, printing to `out` (results) and `err` (refusals); returns
/// the exit code (0 done, 1 no such respondent, 2 no reason given).
pub async fn run(
    store: &Store,
    action: RespondentAction,
    lang: Lang,
    now: DateTime<Utc>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<i32> {
    let cat = Catalog::embedded()?;
    let t = |id: &str, args: &[(&str, &str)]| cat.message(lang, id, args);
    let (which, id_arg, reason) = match &action {
        RespondentAction::Show { id, reason } => ("respondent-show", id, reason),
        RespondentAction::Export { id, reason, .. } => ("respondent-export", id, reason),
        RespondentAction::Delete { id, reason } => ("respondent-delete", id, reason),
    };
    let reason = reason.trim();
    if reason.is_empty() {
        writeln!(err, "{}", t("cli-resp-reason-needed", &[]))?;
        return Ok(2);
    }
    let Some(id) = find(store, id_arg).await? else {
        writeln!(err, "{}", t("cli-resp-not-found", &[("id", id_arg)]))?;
        return Ok(1);
    };
    let Some(r) = store.respondents().respondent(id).await? else {
        writeln!(err, "{}", t("cli-resp-not-found", &[("id", id_arg)]))?;
        return Ok(1);
    };
    // Who asked, as far as the server knows: its login name (no personal data of the
    // respondent goes into the log, only their number).
    let user = std::env::var("USER").unwrap_or_default();
    let detail = format!("respondent {id}; reason: {reason}; unix user: {user}");
    super::cli_audit(store, which, &detail, now).await?;
    match action {
        RespondentAction::Show { .. } => {
            show(store, &r, &cat, lang, out).await?;
        }
        RespondentAction::Export { out: file, .. } => {
            let doc = export(store, &r, now).await?;
            let text = serde_json::to_string_pretty(&doc)?;
            match file {
                Some(path) => {
                    std::fs::write(&path, text + "\n")?;
                    let file = path.display().to_string();
                    writeln!(
                        out,
                        "{}",
                        t(
                            "cli-resp-exported",
                            &[("id", &id.to_string()), ("file", &file)]
                        )
                    )?;
                }
                None => writeln!(out, "{text}")?,
            }
        }
        RespondentAction::Delete { .. } => {
            store.respondents().erase(id, now).await?;
            writeln!(out, "{}", t("cli-resp-deleted", &[("id", &id.to_string())]))?;
        }
    }
    Ok(0)
}

/// The respondent named on the command line: the store's number, else a roster id.
async fn find(store: &Store, arg: &str) -> anyhow::Result<Option<RespondentId>> {
    let arg = arg.trim();
    if let Ok(n) = arg.parse::<RespondentId>()
        && store.respondents().respondent(n).await?.is_some()
    {
        return Ok(Some(n));
    }
    Ok(store.respondents().respondent_by_external_id(arg).await?)
}

/// The readable listing of `jejak respondent show`.
async fn show(
    store: &Store,
    r: &Respondent,
    cat: &Catalog,
    lang: Lang,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let t = |id: &str, args: &[(&str, &str)]| cat.message(lang, id, args);
    writeln!(out, "{}", t("cli-resp-title", &[("id", &r.id.to_string())]))?;
    if let Some(at) = store.respondents().erased_at(r.id).await? {
        writeln!(
            out,
            "{}",
            t(
                "cli-resp-erased",
                &[("at", &at.format("%Y-%m-%d %H:%M UTC").to_string())]
            )
        )?;
    }
    let f = &r.fields;
    let rows = [
        ("mydata-name", &f.name),
        ("mydata-external-id", &f.external_id),
        ("mydata-birth-date", &f.birth_date),
        ("mydata-phone", &f.phone),
        ("mydata-email", &f.email),
        ("mydata-cohort", &f.cohort),
        ("mydata-programme", &f.programme),
        ("mydata-school", &f.school),
        ("mydata-province", &f.province),
    ];
    for (label, value) in rows {
        let v = value.as_deref().unwrap_or("-");
        writeln!(out, "  {}: {v}", t(label, &[]))?;
    }
    for (k, v) in &f.extra {
        writeln!(out, "  {k}: {v}")?;
    }
    writeln!(out, "{}", t("cli-resp-channels", &[]))?;
    let bindings = store.respondents().bindings(r.id).await?;
    if bindings.is_empty() {
        writeln!(out, "  {}", t("mydata-none", &[]))?;
    }
    for (channel, address) in &bindings {
        writeln!(out, "  {channel}: {address}")?;
    }
    for s in store.sessions().sessions_of(r.id).await? {
        let answers = store.sessions().current_answers(s.id).await?;
        writeln!(
            out,
            "{}",
            t(
                "cli-resp-session",
                &[
                    ("flow", &s.flow_id),
                    ("status", s.status.as_str()),
                    ("n", &answers.len().to_string()),
                ]
            )
        )?;
        for a in answers {
            writeln!(out, "  {}: {}", a.key.column(), a.raw)?;
        }
    }
    Ok(())
}

/// Everything stored about a respondent, as one JSON document (also the console's
/// download).
pub async fn export(
    store: &Store,
    r: &Respondent,
    now: DateTime<Utc>,
) -> anyhow::Result<serde_json::Value> {
    let f = &r.fields;
    let mut sessions = Vec::new();
    for s in store.sessions().sessions_of(r.id).await? {
        let answers: Vec<serde_json::Value> = store
            .sessions()
            .current_answers(s.id)
            .await?
            .into_iter()
            .map(|a| {
                serde_json::json!({
                    "question": a.key.code,
                    "iteration": a.key.iteration,
                    "answer": a.raw,
                    "value": a.value.export(),
                    "answered_at": a.answered_at.to_rfc3339(),
                })
            })
            .collect();
        sessions.push(serde_json::json!({
            "flow": s.flow_id,
            "status": s.status.as_str(),
            "started_at": s.created_at.to_rfc3339(),
            "completed_at": s.completed_at.map(|t| t.to_rfc3339()),
            "answers": answers,
        }));
    }
    let channels: Vec<serde_json::Value> = store
        .respondents()
        .bindings(r.id)
        .await?
        .into_iter()
        .map(|(channel, address)| serde_json::json!({ "channel": channel, "address": address }))
        .collect();
    let erased_at = store.respondents().erased_at(r.id).await?;
    Ok(serde_json::json!({
        "respondent": r.id,
        "exported_at": now.to_rfc3339(),
        "erased_at": erased_at.map(|t| t.to_rfc3339()),
        "roster": {
            "name": f.name,
            "external_id": f.external_id,
            "birth_date": f.birth_date,
            "phone": f.phone,
            "email": f.email,
            "cohort": f.cohort,
            "programme": f.programme,
            "school": f.school,
            "province": f.province,
            "extra": f.extra,
            "language": r.language.map(|l| l.tag()),
            "timezone": r.timezone,
        },
        "channels": channels,
        "sessions": sessions,
    }))
}
