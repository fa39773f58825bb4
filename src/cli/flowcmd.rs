//! `jejak flow check` and `jejak flow test`.

use crate::flow::{self, FlowError, transcript};
use crate::i18n::{Catalog, staff_text};
use crate::model::Lang;
use anyhow::Context as _;
use std::path::PathBuf;

/// Checks each file; prints every problem; returns 0 when all are valid, 1 otherwise. The
/// problems themselves (`file:line:col: …`) are for flow authors and stay in English; the
/// summaries follow `lang`.
pub fn check(files: &[PathBuf], lang: Lang) -> i32 {
    let mut bad = 0;
    for f in files {
        let file = f.display().to_string();
        match flow::load(f) {
            Ok(flow) => println!(
                "{}",
                staff_text(
                    lang,
                    "cli-flow-ok",
                    &[
                        ("file", &file),
                        ("questions", &flow.asked_count().to_string()),
                        ("flow", &flow.id),
                        ("version", &flow.version.to_string()),
                    ],
                )
            ),
            Err(FlowError::Invalid { diagnostics, .. }) => {
                bad += 1;
                for d in &diagnostics {
                    eprintln!("{file}:{}:{}: {}", d.line, d.col, d.message);
                }
                eprintln!(
                    "{}",
                    staff_text(
                        lang,
                        "cli-flow-errors",
                        &[("file", &file), ("n", &diagnostics.len().to_string())],
                    )
                );
            }
            Err(e) => {
                bad += 1;
                eprintln!("{}", e.text(lang));
            }
        }
    }
    i32::from(bad > 0)
}

/// Runs the transcripts of each flow; returns 0 when all pass and reach every question.
pub fn test(files: &[PathBuf], lang: Lang) -> anyhow::Result<i32> {
    let catalog = Catalog::embedded()?;
    let mut ok = true;
    for f in files {
        let file = f.display().to_string();
        let flow = match flow::load(f) {
            Ok(flow) => flow,
            Err(e) => {
                eprintln!("{}", e.text(lang));
                ok = false;
                continue;
            }
        };
        let dir = transcript::transcripts_dir(f);
        let dir_text = dir.display().to_string();
        let report = transcript::run_dir(&flow, &catalog, &dir).with_context(|| {
            staff_text(lang, "cli-flow-transcripts-failed", &[("dir", &dir_text)])
        })?;
        for r in &report.results {
            let args = [
                ("path", r.path.display().to_string()),
                ("name", r.name.to_string()),
            ];
            let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            if r.failures.is_empty() {
                println!("{}", staff_text(lang, "cli-transcript-ok", &args));
            } else {
                println!("{}", staff_text(lang, "cli-transcript-fail", &args));
                for fail in &r.failures {
                    println!("  - {fail}");
                }
            }
        }
        if report.results.is_empty() {
            println!(
                "{}",
                staff_text(
                    lang,
                    "cli-flow-no-transcripts",
                    &[("file", &file), ("dir", &dir_text)],
                )
            );
        }
        if !report.unreached.is_empty() {
            println!(
                "{}",
                staff_text(
                    lang,
                    "cli-flow-unreached",
                    &[("file", &file), ("codes", &report.unreached.join(", "))],
                )
            );
        }
        let passed = report.passed();
        let id = if report.unreached.is_empty() {
            "cli-flow-passed-all"
        } else {
            "cli-flow-passed"
        };
        let n_passed = report
            .results
            .iter()
            .filter(|r| r.failures.is_empty())
            .count();
        println!(
            "{}",
            staff_text(
                lang,
                id,
                &[
                    ("file", &file),
                    ("passed", &n_passed.to_string()),
                    ("total", &report.results.len().to_string()),
                ],
            )
        );
        ok &= passed;
    }
    Ok(i32::from(!ok))
}
