//! `jejak purge [--flow ID] [--dry-run]`: erases the personal data and answers of the
//! respondents whose sessions are all past their flow's `retention:` (the daily job of
//! `jejak run` does the same; see `schedule::retention`). The dry run lists counts per flow
//! and cohort, never names.

use std::io::Write;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::flow::Flow;
use crate::i18n::staff_text;
use crate::model::Lang;
use crate::schedule::retention::{self, Scope};
use crate::store::Store;

/// What `jejak purge` was asked.
#[derive(Debug, Clone, Default)]
pub struct PurgeArgs {
    /// Only respondents with a session of this flow.
    pub only_flow: Option<String>,
    /// Only show what would go.
    pub dry_run: bool,
    /// Why, for the audit log.
    pub reason: Option<String>,
}

/// Runs `jejak purge` over `flows`, printing to `out`; returns the exit code (0).
pub async fn run(
    store: &Store,
    flows: &[Arc<Flow>],
    args: &PurgeArgs,
    lang: Lang,
    now: DateTime<Utc>,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    let t = |id: &str, a: &[(&str, &str)]| staff_text(lang, id, a);
    if !flows.iter().any(|f| f.retention.is_some()) {
        writeln!(out, "{}", t("cli-purge-no-retention", &[]))?;
        return Ok(0);
    }
    let scope = Scope {
        flows,
        only_flow: args.only_flow.as_deref(),
    };
    let plan = if args.dry_run {
        retention::plan(store, scope, now).await?
    } else {
        let user = std::env::var("USER").unwrap_or_default();
        let reason = format!(
            "reason: {}; unix user: {user}",
            args.reason.as_deref().unwrap_or("jejak purge")
        );
        let done = retention::purge(store, scope, now, "cli", &reason, true).await?;
        print_plan(&done.plan, lang, out)?;
        if !done.plan.respondents.is_empty() {
            let n = done.erased.len().to_string();
            writeln!(out, "{}", t("cli-purge-done", &[("n", &n)]))?;
        }
        return Ok(0);
    };
    print_plan(&plan, lang, out)?;
    if !plan.respondents.is_empty() {
        let n = plan.respondents.len().to_string();
        writeln!(out, "{}", t("cli-purge-would", &[("n", &n)]))?;
    }
    Ok(0)
}

/// The sessions per flow and cohort, or "nothing is past its retention".
fn print_plan(plan: &retention::PurgePlan, lang: Lang, out: &mut dyn Write) -> anyhow::Result<()> {
    if plan.respondents.is_empty() {
        writeln!(out, "{}", staff_text(lang, "cli-purge-none", &[]))?;
    }
    for ((flow, cohort), n) in &plan.sessions {
        let cohort = cohort.as_deref().unwrap_or("-");
        let n = n.to_string();
        writeln!(
            out,
            "{}",
            staff_text(
                lang,
                "cli-purge-row",
                &[("flow", flow), ("cohort", cohort), ("n", &n)]
            )
        )?;
    }
    Ok(())
}
