//! `jejak report indicators --flow ID [--by …] [--format table|csv|xlsx] [--out F]`.

use std::path::Path;

use anyhow::Context;
use clap::Subcommand;

use crate::i18n::staff_text;
use crate::model::Lang;
use crate::report::indicators::{IndicatorError, indicator_report, output};
use crate::report::response::GroupBy;
use crate::store::{Scope, Store};

/// `jejak report …` subcommands (without one, `jejak report --flow ID` is the response
/// report).
#[derive(Debug, Subcommand)]
pub enum ReportKind {
    /// Tracer indicators declared in the flow's `indicators:` section: employment, further
    /// study, entrepreneurship, BMW, waiting time, relevance, income against the UMP, IKU 1,
    /// competency gaps; each with its n and a 95 % Wilson interval. A figure is flagged when
    /// its group's response rate is under 50 % or its n under 30.
    Indicators {
        /// The flow id (or flow file).
        #[arg(long)]
        flow: String,
        /// Break down by cohort, programme or school (XLSX without it: every breakdown,
        /// one sheet each).
        #[arg(long, value_parser = ["cohort", "programme", "school"])]
        by: Option<String>,
        /// Output format.
        #[arg(long, default_value = "table", value_parser = ["table", "csv", "xlsx"])]
        format: String,
        /// Output file (standard output when absent; required for xlsx).
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
}

/// Runs `jejak report indicators`.
pub async fn run(
    store: &Store,
    flow: &str,
    by: Option<&str>,
    format: &str,
    out: Option<&Path>,
    lang: Lang,
) -> anyhow::Result<i32> {
    let flow = super::resolve_flow_in(flow, lang)?;
    let by = match by {
        None => None,
        Some(b) => {
            Some(GroupBy::parse(b).with_context(|| staff_text(lang, "cli-err-by", &[("by", b)]))?)
        }
    };
    let bys: Vec<Option<GroupBy>> = match (by, format) {
        (Some(b), _) => vec![None, Some(b)],
        (None, "xlsx") => vec![
            None,
            Some(GroupBy::Cohort),
            Some(GroupBy::Programme),
            Some(GroupBy::School),
        ],
        (None, _) => vec![None],
    };
    let report = match indicator_report(store, &flow, &bys, &Scope::All).await {
        Ok(r) => r,
        Err(IndicatorError::NotDeclared(id)) => {
            anyhow::bail!(staff_text(lang, "cli-ind-none", &[("flow", &id)]))
        }
        Err(e) => {
            return Err(e)
                .with_context(|| staff_text(lang, "cli-err-report", &[("flow", &flow.id)]));
        }
    };
    let write_err =
        |p: &Path| staff_text(lang, "cli-err-write", &[("path", &p.display().to_string())]);
    let sink = |out: Option<&Path>| -> anyhow::Result<Box<dyn std::io::Write>> {
        Ok(match out {
            Some(p) => Box::new(std::io::BufWriter::new(
                std::fs::File::create(p).with_context(|| write_err(p))?,
            )),
            None => Box::new(std::io::stdout().lock()),
        })
    };
    match format {
        "table" => output::write_table(&report, sink(out)?, lang)?,
        "csv" => output::write_csv(&report, sink(out)?, lang)?,
        "xlsx" => {
            let path = out.with_context(|| staff_text(lang, "cli-export-xlsx-needs-out", &[]))?;
            output::write_xlsx(&report, path, lang).with_context(|| write_err(path))?;
        }
        other => anyhow::bail!(staff_text(lang, "cli-err-format", &[("format", other)])),
    }
    Ok(0)
}
