//! `jejak wave add|list|show|pause|resume|cancel` and `jejak dispatch`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use chrono::{DateTime, Utc};
use clap::Subcommand;

use crate::channel::Outbound;
use crate::config::ScheduleFile;
use crate::flow::Flow;
use crate::i18n::{Catalog, staff_text};
use crate::model::Lang;
use crate::schedule::admin::{self, WaveChange};
use crate::schedule::dispatcher::{DispatchConfig, Dispatcher};
use crate::schedule::eligibility::{Exclusion, Segment};
use crate::schedule::{SystemClock, zones};
use crate::store::{NewWave, Store, Wave, WaveState};

pub use crate::schedule::admin::{DryRun, dry_run};

/// `jejak wave …`
#[derive(Debug, Subcommand)]
pub enum WaveAction {
    /// Schedule a reminder wave.
    Add(Box<AddArgs>),
    /// List the waves.
    List {
        /// Only the waves of this flow.
        #[arg(long)]
        flow: Option<String>,
    },
    /// Show a wave and a dry run: who would receive it now, who is excluded and why.
    Show {
        /// The wave's id.
        id: i64,
    },
    /// Stop a wave planning and sending until resumed.
    Pause {
        /// The wave's id.
        id: i64,
    },
    /// Resume a paused wave.
    Resume {
        /// The wave's id.
        id: i64,
    },
    /// Stop a wave for good; messages still queued are skipped.
    Cancel {
        /// The wave's id.
        id: i64,
    },
}

/// `jejak wave add`
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// The flow (its id, or its file) the wave reminds about.
    #[arg(long)]
    pub flow: String,
    /// Once, at this local date and time ("2026-12-01 09:00"); a time that has passed is
    /// refused (it would remind everyone at once): use --now for that.
    #[arg(long, conflicts_with = "cron", required_unless_present_any = ["cron", "now"])]
    pub at: Option<String>,
    /// Once, now: the explicit form of a one-off wave that starts at once.
    #[arg(long, conflicts_with_all = ["at", "cron"])]
    pub now: bool,
    /// Repeatedly, on a 5-field cron schedule ("0 9 * * MON" = Mondays 09:00).
    #[arg(long)]
    pub cron: Option<String>,
    /// The zone --at and --cron are read in (IANA name, or WIB/WITA/WIT).
    #[arg(long, default_value = zones::DEFAULT_ZONE_NAME)]
    pub tz: String,
    /// No run after this date (end of that day in --tz) or date and time.
    #[arg(long)]
    pub until: Option<String>,
    /// Only these respondents: cohort=2025,programme=TKJ (also school, province).
    #[arg(long)]
    pub segment: Option<String>,
    /// not-started | in-progress | pending (not finished; the default).
    #[arg(long, default_value = "pending")]
    pub status: String,
    /// The reminder text: a message id of locales/*/waves.ftl (reminder-1, reminder-2,
    /// reminder-last).
    #[arg(long)]
    pub message: String,
    /// At most this many reminders of this wave per person.
    #[arg(long)]
    pub max_per_person: Option<i64>,
    /// At least this long since the person's last reminder of any wave (3d, 12h, 1d12h).
    #[arg(long)]
    pub min_gap: Option<String>,
    /// A name for the wave (shown by `wave list` and the report); default from the message
    /// and schedule.
    #[arg(long)]
    pub name: Option<String>,
    /// WhatsApp template for respondents outside the 24-hour window.
    #[arg(long)]
    pub template: Option<String>,
    /// The template's language code.
    #[arg(long, default_value = "id")]
    pub template_lang: String,
    /// Respondent fields filling the template's parameters, in order (name,school).
    #[arg(long, value_delimiter = ',')]
    pub template_params: Vec<String>,
}

/// Checks `wave add`'s arguments and turns them into a [`NewWave`] for flow `flow_id` (the
/// rules are [`admin::build`]'s and [`admin::refuse_past`]'s, which the console uses too):
/// `--at` must not have passed at `now`; `--now` is a one-off at `now`.
pub fn new_wave(
    a: &AddArgs,
    flow_id: &str,
    catalog: &Catalog,
    now: DateTime<Utc>,
) -> anyhow::Result<NewWave> {
    let segment = a
        .segment
        .as_deref()
        .map(Segment::parse)
        .transpose()?
        .unwrap_or_default();
    let at = if a.now {
        let tz = zones::parse_zone(&a.tz)?;
        Some(now.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
    } else {
        a.at.clone()
    };
    let input = admin::WaveInput {
        flow_id: flow_id.to_owned(),
        at: at.clone(),
        cron: a.cron.clone(),
        tz: a.tz.clone(),
        until: a.until.clone(),
        segment,
        status: a.status.clone(),
        message: a.message.clone(),
        max_per_person: a.max_per_person,
        min_gap: a.min_gap.clone(),
        name: a.name.clone(),
        template: a.template.clone(),
        template_lang: a.template_lang.clone(),
        template_params: a.template_params.clone(),
    };
    let mut w = admin::build(&input, catalog)?;
    match (a.now, &at) {
        (true, _) => w.at = Some(now),
        (false, Some(shown)) => admin::refuse_past(&w, now, shown)?,
        (false, None) => {}
    }
    Ok(w)
}

/// Runs a `wave` subcommand; returns the exit code. What it prints follows `lang`.
pub async fn run(
    store: &Store,
    action: WaveAction,
    schedule: &ScheduleFile,
    lang: Lang,
) -> anyhow::Result<i32> {
    let now = Utc::now();
    match action {
        WaveAction::Add(a) => {
            let flow = super::resolve_flow_in(&a.flow, lang)?;
            let catalog = Catalog::embedded()?;
            let w = match new_wave(&a, &flow.id, &catalog, now) {
                Ok(w) => w,
                Err(e) => {
                    if let Some(admin::WaveError::Past(shown)) = e.downcast_ref() {
                        anyhow::bail!(staff_text(lang, "cli-wave-past", &[("value", shown)]));
                    }
                    return Err(e.context(staff_text(lang, "cli-wave-add-failed", &[])));
                }
            };
            let id = store.waves().create_wave(&w, now).await?;
            println!(
                "{}",
                staff_text(
                    lang,
                    "cli-wave-added",
                    &[("id", &id.to_string()), ("name", &w.name)],
                )
            );
            Ok(0)
        }
        WaveAction::List { flow } => {
            let waves = store.waves().list(flow.as_deref()).await?;
            if waves.is_empty() {
                println!("{}", staff_text(lang, "cli-wave-none", &[]));
            }
            for w in waves {
                let counts = store.waves().outbox_counts(w.id).await?;
                println!(
                    "{:>4}  {:<10}  {:<14}  {}  [{}]  {}",
                    w.id,
                    state_text(w.state, lang),
                    w.spec.flow_id,
                    schedule_text(&w, lang),
                    w.spec.segment,
                    counts_text(&counts, lang)
                );
            }
            Ok(0)
        }
        WaveAction::Show { id } => {
            let Some(w) = store.waves().wave(id).await? else {
                eprintln!("{}", not_found(id, lang));
                return Ok(1);
            };
            let quiet = schedule.quiet_hours()?;
            print!("{}", show(store, &w, &quiet, now, lang).await?);
            Ok(0)
        }
        WaveAction::Pause { id } => change(store, id, WaveChange::Pause, lang).await,
        WaveAction::Resume { id } => change(store, id, WaveChange::Resume, lang).await,
        WaveAction::Cancel { id } => change(store, id, WaveChange::Cancel, lang).await,
    }
}

fn not_found(id: i64, lang: Lang) -> String {
    staff_text(lang, "cli-wave-not-found", &[("id", &id.to_string())])
}

/// A wave's state in `lang` ("aktif", "dijeda", …).
pub fn state_text(state: WaveState, lang: Lang) -> String {
    let id = match state {
        WaveState::Active => "cli-wave-state-active",
        WaveState::Paused => "cli-wave-state-paused",
        WaveState::Cancelled => "cli-wave-state-cancelled",
        WaveState::Finished => "cli-wave-state-finished",
    };
    staff_text(lang, id, &[])
}

async fn change(store: &Store, id: i64, c: WaveChange, lang: Lang) -> anyhow::Result<i32> {
    let to = c.to();
    let id_text = id.to_string();
    if c.apply(store, id).await? {
        println!(
            "{}",
            staff_text(
                lang,
                "cli-wave-now",
                &[("id", &id_text), ("state", &state_text(to, lang))],
            )
        );
        return Ok(0);
    }
    match store.waves().wave(id).await? {
        None => eprintln!("{}", not_found(id, lang)),
        Some(w) => eprintln!(
            "{}",
            staff_text(
                lang,
                "cli-wave-cannot",
                &[
                    ("id", &id_text),
                    ("state", &state_text(w.state, lang)),
                    ("to", &state_text(to, lang)),
                ],
            )
        ),
    }
    Ok(1)
}

fn schedule_text(w: &Wave, lang: Lang) -> String {
    let tz = zones::respondent_zone(w.spec.tz.as_deref());
    let when = match (&w.spec.at, &w.spec.cron) {
        (Some(at), _) => staff_text(
            lang,
            "cli-wave-at",
            &[(
                "when",
                &at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
            )],
        ),
        (None, Some(c)) => staff_text(lang, "cli-wave-cron", &[("cron", c)]),
        (None, None) => "?".into(),
    };
    let until = w
        .spec
        .until
        .map(|u| {
            let when = u.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
            format!(
                " {}",
                staff_text(lang, "cli-wave-until", &[("when", &when)])
            )
        })
        .unwrap_or_default();
    format!("{when} {}{until}", zones::label(tz))
}

fn counts_text(c: &BTreeMap<String, i64>, lang: Lang) -> String {
    if c.is_empty() {
        return staff_text(lang, "cli-wave-no-messages", &[]);
    }
    c.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The text of `wave show` in `lang`: the wave, its messages so far, and a dry run at `now`.
pub async fn show(
    store: &Store,
    w: &Wave,
    quiet: &crate::schedule::quiet::QuietHours,
    now: DateTime<Utc>,
    lang: Lang,
) -> anyhow::Result<String> {
    use std::fmt::Write as _;
    let t = |id: &str, args: &[(&str, &str)]| staff_text(lang, id, args);
    let mut s = String::new();
    writeln!(
        s,
        "{}",
        t(
            "cli-wave-show-title",
            &[
                ("id", &w.id.to_string()),
                ("name", &w.spec.name),
                ("state", &state_text(w.state, lang)),
            ],
        )
    )?;
    writeln!(
        s,
        "  {}",
        t("cli-wave-show-flow", &[("value", &w.spec.flow_id)])
    )?;
    writeln!(
        s,
        "  {}",
        t("cli-wave-show-message", &[("value", &w.spec.message_id)])
    )?;
    writeln!(
        s,
        "  {}",
        t(
            "cli-wave-show-schedule",
            &[("value", &schedule_text(w, lang))]
        )
    )?;
    let last = store.waves().last_run_due(w.id).await?;
    if let Some(n) = admin::upcoming(w, last, now, 1, None).first() {
        let tz = zones::respondent_zone(w.spec.tz.as_deref());
        let when = n.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string();
        writeln!(s, "  {}", t("cli-wave-show-next", &[("value", &when)]))?;
    }
    writeln!(
        s,
        "  {}",
        t(
            "cli-wave-show-audience",
            &[
                ("segment", &w.spec.segment.to_string()),
                ("status", w.spec.status.as_str()),
            ],
        )
    )?;
    if let Some(m) = w.spec.max_per_person {
        writeln!(s, "  {}", t("cli-wave-show-cap", &[("n", &m.to_string())]))?;
    }
    if let Some(g) = w.spec.min_gap_secs {
        writeln!(
            s,
            "  {}",
            t("cli-wave-show-gap", &[("value", &human_secs(g))])
        )?;
    }
    let by_status = store.waves().outbox_counts(w.id).await?;
    let counts = counts_text(&by_status, lang);
    writeln!(
        s,
        "  {}",
        t("cli-wave-show-messages", &[("value", &counts)])
    )?;
    // Said in words: these are the reminders that may or may not have arrived.
    if let Some(n) = by_status.get("uncertain").filter(|n| **n > 0) {
        writeln!(
            s,
            "  {}",
            t("cli-wave-show-uncertain", &[("n", &n.to_string())])
        )?;
    }
    let dry = dry_run(store, w, quiet, now).await?;
    writeln!(s, "{}", t("cli-wave-dry-run", &[]))?;
    writeln!(
        s,
        "  {}",
        t(
            "cli-wave-would-receive",
            &[("n", &dry.eligible_now.to_string())]
        )
    )?;
    writeln!(s, "  {}", t("cli-wave-excluded", &[]))?;
    let labels: Vec<(Exclusion, String)> = Exclusion::ALL
        .iter()
        .map(|e| (*e, label(*e, lang)))
        .collect();
    let width = labels
        .iter()
        .map(|(_, l)| l.chars().count())
        .max()
        .unwrap_or(0);
    for (e, name) in labels {
        let n = dry.excluded.get(&e).copied().unwrap_or(0);
        let detail = if e == Exclusion::QuietHours && !dry.quiet_by_zone.is_empty() {
            let parts: Vec<String> = dry
                .quiet_by_zone
                .iter()
                .map(|(z, n)| format!("{z} {n}"))
                .collect();
            format!(
                " {}",
                t("cli-wave-quiet-detail", &[("zones", &parts.join(", "))])
            )
        } else {
            String::new()
        };
        let pad = " ".repeat(width + 1 - name.chars().count());
        writeln!(s, "    {name}{pad}{n}{detail}")?;
    }
    Ok(s)
}

fn human_secs(g: i64) -> String {
    if g % 86_400 == 0 {
        format!("{}d", g / 86_400)
    } else if g % 3600 == 0 {
        format!("{}h", g / 3600)
    } else {
        format!("{}m", g / 60)
    }
}

/// An exclusion's label in `lang`.
fn label(e: Exclusion, lang: Lang) -> String {
    let id = match e {
        Exclusion::Completed => "cli-excl-completed",
        Exclusion::OptedOut => "cli-excl-opted-out",
        Exclusion::Expired => "cli-excl-expired",
        Exclusion::Unreachable => "cli-excl-unreachable",
        Exclusion::NoChannel => "cli-excl-no-channel",
        Exclusion::OtherStatus => "cli-excl-other-status",
        Exclusion::CapReached => "cli-excl-cap-reached",
        Exclusion::TooSoon => "cli-excl-too-soon",
        Exclusion::QuietHours => "cli-excl-quiet-hours",
    };
    staff_text(lang, id, &[])
}

/// Loads every flow file in `dir` (those that do not load are reported and left out).
pub fn load_flows(dir: &Path) -> Vec<Arc<Flow>> {
    let mut flows = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        tracing::warn!(dir = %dir.display(), "no flows directory: reminders will not repeat the current question");
        return flows;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            match crate::flow::load(&p) {
                Ok(f) => flows.push(Arc::new(f)),
                Err(err) => tracing::warn!(file = %p.display(), error = %err, "flow not loaded"),
            }
        }
    }
    flows
}

/// The dispatcher settings from `[schedule]`.
pub fn dispatch_config(
    s: &ScheduleFile,
    whatsapp_rate: Option<u32>,
) -> anyhow::Result<DispatchConfig> {
    let mut cfg = DispatchConfig {
        quiet: s.quiet_hours()?,
        ..DispatchConfig::default()
    };
    if let Some(r) = s.telegram_rate_per_second {
        cfg.rates.insert("telegram".into(), f64::from(r.max(1)));
    }
    if let Some(r) = s.whatsapp_rate_per_second.or(whatsapp_rate) {
        cfg.rates.insert("whatsapp".into(), f64::from(r.max(1)));
    }
    if let Some(secs) = s.telegram_per_chat_seconds {
        cfg.per_chat_interval = std::time::Duration::from_secs(u64::from(secs));
    }
    if let Some(m) = s.rate_margin {
        if !(0.1..=1.0).contains(&m) {
            bail!("[schedule] rate_margin must be between 0.1 and 1.0");
        }
        cfg.rate_margin = m;
    }
    if let Some(n) = s.max_in_flight {
        cfg.max_in_flight = n.max(1);
    }
    Ok(cfg)
}

/// `jejak dispatch`: plans due waves and sends reminders until Ctrl-C or SIGTERM.
pub async fn dispatch(
    store: Store,
    file: &crate::config::FileConfig,
    flow: Flow,
    flows_dir: &Path,
    cfg: DispatchConfig,
) -> anyhow::Result<i32> {
    let catalog = Arc::new(Catalog::embedded()?);
    let outbounds = outbounds(file, &flow, catalog.clone())?;
    if outbounds.is_empty() {
        bail!(
            "no channel to send reminders on: configure [telegram] bot_token (TELEGRAM_BOT_TOKEN)"
        );
    }
    let mut flows = load_flows(flows_dir);
    if !flows.iter().any(|f| f.id == flow.id) {
        flows.push(Arc::new(flow));
    }
    // Known to the store like every loaded flow (a changed text under an old version is
    // only logged here: reminders do not depend on it).
    for f in &flows {
        if let Err(e) = store.flow_sources().remember(f, Utc::now()).await {
            tracing::warn!(flow = %f.id, error = %e, "flow text not stored");
        }
    }
    let dispatcher = Arc::new(Dispatcher::new(
        store.clone(),
        outbounds,
        catalog,
        flows,
        Arc::new(SystemClock),
        cfg,
    ));
    eprintln!(
        "dispatching reminders as worker {} (Ctrl-C to stop)",
        dispatcher.worker_id()
    );
    dispatcher
        .run(shutdown_signal())
        .await
        .context("the dispatcher stopped")?;
    store.close().await;
    Ok(0)
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// The channels reminders can be sent on, from the configuration: Telegram when a bot
/// token is set (`TELEGRAM_BOT_TOKEN` / `[telegram] bot_token`, API URL from
/// `TELEGRAM_API_URL` / `[telegram] api_url`). `flow` gives the question buttons their
/// callback data, as the live bot renders them.
pub fn outbounds(
    file: &crate::config::FileConfig,
    flow: &Flow,
    catalog: Arc<Catalog>,
) -> anyhow::Result<Vec<Arc<dyn Outbound>>> {
    use crate::channel::telegram::{TelegramConfig, TelegramError, TelegramOutbound};
    let mut out: Vec<Arc<dyn Outbound>> = Vec::new();
    match TelegramConfig::resolve(file.telegram.as_ref(), |k| std::env::var(k).ok()) {
        Ok(cfg) => out.push(Arc::new(TelegramOutbound::from_config(
            &cfg, flow, catalog,
        )?)),
        Err(TelegramError::MissingToken) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(out)
}
