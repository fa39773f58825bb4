//! Hostile input for every parser that takes outside input, a few thousand cases each in
//! `cargo test` (the 100,000-case runs are `cargo bench --bench fuzz`, recorded in
//! docs/benchmarks.md). No input may panic. `FUZZ_CASES` and `FUZZ_SEED` change the size
//! and the start of a run.

#[path = "support/fuzz_targets.rs"]
mod fuzz_targets;

fn cases() -> u64 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_500)
}

fn seed() -> u64 {
    std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_261_203)
}

#[test]
fn no_parser_panics_on_hostile_input() {
    let mut failures = Vec::new();
    for t in fuzz_targets::targets() {
        assert!(!t.seeds.is_empty(), "{}: no seed inputs found", t.name);
        let out = fuzz_targets::run_target(&t, cases(), seed());
        assert_eq!(out.cases, cases());
        for (case_seed, msg) in out.panics.iter().take(3) {
            failures.push(format!("{}: case seed {case_seed}: {msg}", t.name));
        }
    }
    assert!(failures.is_empty(), "panics:\n{}", failures.join("\n"));
}

/// The generator really makes hostile input: mutated seeds differ from the seeds, and the
/// roster target really reads rows (a target that returned at once would prove nothing).
#[test]
fn the_cases_are_varied_and_reach_the_parsers() {
    let targets = fuzz_targets::targets();
    let flow = targets
        .iter()
        .find(|t| t.name == "flow YAML")
        .expect("flow target");
    let mut rng = fuzz_targets::Rng::new(1);
    let mut changed = 0;
    for _ in 0..100 {
        let c = fuzz_targets::case(&mut rng, &flow.seeds);
        if !flow.seeds.contains(&c) {
            changed += 1;
        }
    }
    assert!(
        changed > 90,
        "only {changed} of 100 cases differ from the seeds"
    );
    // A seed flow compiles: the target reaches the compiler, not only the YAML reader.
    let compiled = flow
        .seeds
        .iter()
        .filter(|s| jejak::flow::compile(&String::from_utf8_lossy(s)).is_ok())
        .count();
    assert!(compiled > 0, "no seed flow compiles");
}
