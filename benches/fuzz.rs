//! `cargo bench --bench fuzz`: 100,000 hostile inputs per parser that takes outside input
//! (issue 15), with the panics, the slowest case and the cases over one second per target.
//! `FUZZ_CASES` (default 100000) and `FUZZ_SEED` change the run. Exits 1 on any panic or
//! case over a second.

#[path = "../tests/support/fuzz_targets.rs"]
mod fuzz_targets;

/// The same allocator as the `jejak` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    // The parsers panic only into `catch_unwind`; keep the default hook from printing each.
    std::panic::set_hook(Box::new(|_| {}));
    let cases = env_num("FUZZ_CASES", 100_000);
    let seed = env_num("FUZZ_SEED", 20_261_203);
    println!("| target | seeds | cases | panics | over 1 s | slowest | time |");
    println!("|---|---|---|---|---|---|---|");
    let mut bad = false;
    for t in fuzz_targets::targets() {
        let started = std::time::Instant::now();
        let out = fuzz_targets::run_target(&t, cases, seed);
        println!(
            "| {} | {} | {} | {} | {} | {:.1} ms | {:.1} s |",
            t.name,
            t.seeds.len(),
            out.cases,
            out.panics.len(),
            out.slow,
            out.slowest * 1000.0,
            started.elapsed().as_secs_f64()
        );
        for (case_seed, msg) in out.panics.iter().take(3) {
            println!("  panic: case seed {case_seed}: {msg}");
        }
        bad |= !out.panics.is_empty() || out.slow > 0;
    }
    if bad {
        std::process::exit(1);
    }
}
