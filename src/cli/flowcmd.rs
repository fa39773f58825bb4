//! `jejak flow check` and `jejak flow test`.

use crate::flow::{self, FlowError, transcript};
use crate::i18n::Catalog;
use anyhow::Context as _;
use std::path::PathBuf;

/// Checks each file; prints every problem; returns 0 when all are valid, 1 otherwise.
pub fn check(files: &[PathBuf]) -> i32 {
    let mut bad = 0;
    for f in files {
        match flow::load(f) {
            Ok(flow) => println!(
                "{}: ok ({} questions, flow `{}` version {})",
                f.display(),
                flow.items.len(),
                flow.id,
                flow.version
            ),
            Err(FlowError::Invalid { diagnostics, .. }) => {
                bad += 1;
                for d in &diagnostics {
                    eprintln!("{}:{}:{}: {}", f.display(), d.line, d.col, d.message);
                }
                eprintln!("{}: {} error(s)", f.display(), diagnostics.len());
            }
            Err(e) => {
                bad += 1;
                eprintln!("{e}");
            }
        }
    }
    i32::from(bad > 0)
}

/// Runs the transcripts of each flow; returns 0 when all pass and reach every question.
pub fn test(files: &[PathBuf]) -> anyhow::Result<i32> {
    let catalog = Catalog::embedded()?;
    let mut ok = true;
    for f in files {
        let flow = match flow::load(f) {
            Ok(flow) => flow,
            Err(e) => {
                eprintln!("{e}");
                ok = false;
                continue;
            }
        };
        let dir = transcript::transcripts_dir(f);
        let report = transcript::run_dir(&flow, &catalog, &dir)
            .with_context(|| format!("reading transcripts in {}", dir.display()))?;
        for r in &report.results {
            if r.failures.is_empty() {
                println!("ok   {} ({})", r.path.display(), r.name);
            } else {
                println!("FAIL {} ({})", r.path.display(), r.name);
                for fail in &r.failures {
                    println!("  - {fail}");
                }
            }
        }
        if report.results.is_empty() {
            println!("{}: no transcripts in {}", f.display(), dir.display());
        }
        if !report.unreached.is_empty() {
            println!(
                "{}: questions no transcript reaches: {}",
                f.display(),
                report.unreached.join(", ")
            );
        }
        let passed = report.passed();
        println!(
            "{}: {}/{} transcripts passed{}",
            f.display(),
            report
                .results
                .iter()
                .filter(|r| r.failures.is_empty())
                .count(),
            report.results.len(),
            if report.unreached.is_empty() {
                ", every question reached"
            } else {
                ""
            }
        );
        ok &= passed;
    }
    Ok(i32::from(!ok))
}
