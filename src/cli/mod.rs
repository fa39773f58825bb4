//! The `jejak` command line.

pub mod flowcmd;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Jejak: tracer-study surveys by chat.
#[derive(Debug, Parser)]
#[command(name = "jejak", version, about)]
pub struct Cli {
    /// Database URL (`sqlite://…` or `postgres://…`); default: SQLite in the data directory.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Where the embedded SQLite database lives.
    #[arg(long, env = "JEJAK_DATA_DIR", global = true, default_value = "jejak-data")]
    pub data_dir: PathBuf,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Work on flow files.
    Flow {
        /// What to do with flows.
        #[command(subcommand)]
        action: FlowAction,
    },
}

/// `jejak flow …`
#[derive(Debug, Subcommand)]
pub enum FlowAction {
    /// Check flow files and print every error as file:line:col.
    Check {
        /// Flow files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Replay the transcripts in flows/tests/<name>/ and check every question is reached.
    Test {
        /// Flow files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

/// Runs the command line; returns the process exit code.
pub async fn run(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Flow { action: FlowAction::Check { files } } => Ok(flowcmd::check(&files)),
        Command::Flow { action: FlowAction::Test { files } } => flowcmd::test(&files),
    }
}
