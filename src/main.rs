//! The `jejak` binary: parses the command line and runs it.

use jejak::cli::{Cli, run};

/// mimalloc instead of glibc malloc: the bot allocates on many threads at once (tokio
/// workers, the SQLite writer, HTTP), where glibc's arena locks showed up in profiles.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // SAFETY: no thread exists yet that could use SQLite.
    if !unsafe { jejak::memory::configure() } {
        eprintln!("jejak: SQLite keeps the C library's malloc (it was already initialised)");
    }
    async_main();
}

#[tokio::main]
async fn async_main() {
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("JEJAK_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr);
    // `JEJAK_LOG_FORMAT=json`: one JSON object per line, for journald/Loki/Elastic.
    if jejak::logs::json_requested(std::env::var("JEJAK_LOG_FORMAT").ok().as_deref()) {
        logs.with_ansi(false)
            .event_format(jejak::logs::JsonLines)
            .init();
    } else {
        logs.init();
    }
    let cli = Cli::parse_localised();
    match run(cli).await {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!(
                "jejak: {}",
                jejak::cli::error_text(&e, jejak::cli::process_lang())
            );
            std::process::exit(2);
        }
    }
}
