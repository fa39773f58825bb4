//! The shipped flows' transcripts run as part of `cargo test`, and a broken transcript fails.

use jejak::flow::{self, transcript};
use jejak::i18n::Catalog;
use std::collections::BTreeSet;
use std::path::Path;

fn check_flow(file: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let flow = flow::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let catalog = Catalog::embedded().expect("catalog");
    let report = transcript::run_dir(&flow, &catalog, &transcript::transcripts_dir(&path))
        .expect("transcripts readable");
    for r in &report.results {
        assert!(
            r.failures.is_empty(),
            "{}: {:#?}",
            r.path.display(),
            r.failures
        );
    }
    assert!(
        report.unreached.is_empty(),
        "unreached questions: {:?}",
        report.unreached
    );
    assert!(report.results.len() >= 5, "too few transcripts for {file}");
    assert!(report.passed());
}

#[test]
fn smk_transcripts_pass_and_reach_every_question() {
    check_flow("flows/tracer-smk.yaml");
}

#[test]
fn dikti_transcripts_pass_and_reach_every_question() {
    check_flow("flows/tracer-dikti.yaml");
}

#[test]
fn training_transcripts_pass_and_reach_every_question() {
    check_flow("flows/tracer-pelatihan.yaml");
}

#[test]
fn a_wrong_expectation_or_answer_fails() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("flows/tracer-smk.yaml");
    let flow = flow::load(&path).expect("flow");
    let catalog = Catalog::embedded().expect("catalog");
    let t: transcript::Transcript = serde_saphyr::from_str(
        r#"
name: wrong on purpose
respondent: { name: Siti }
steps:
  - say: /mulai
    expect: ["Siti"]
  - say: ya
    expect: ["Pertanyaan 1 dari", "this text is not there"]
  - say: "1"
answers:
  f8: "3"
status: completed
"#,
    )
    .expect("transcript parses");
    let mut reached = BTreeSet::new();
    let failures = transcript::run(&flow, &catalog, &t, &mut reached);
    assert_eq!(failures.len(), 3, "{failures:#?}");
    assert!(failures[0].contains("this text is not there"));
    assert!(failures[1].contains("answer `f8`: expected `3`, got `1`"));
    assert!(failures[2].contains("status: expected `completed`, got `answering`"));
    assert!(reached.contains(&0));
}
