//! The `jejak` command line.

pub mod backup;
pub mod bench;
pub mod demo;
pub mod doctor;
pub mod flowcmd;
pub mod indicators;
pub mod purge;
pub mod respondent;
pub mod roster;
pub mod run;
pub mod staff;
pub mod wave;
pub mod whatsapp;

use crate::channel::console;
use crate::config;
use crate::conversation::Conversations;
use crate::flow::Flow;
use crate::i18n::{Catalog, staff_text};
use crate::model::Lang;
use crate::report::export;
use anyhow::Context as _;
use std::sync::Arc;

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
    #[arg(
        long,
        env = "JEJAK_DATA_DIR",
        global = true,
        default_value = "jejak-data"
    )]
    pub data_dir: PathBuf,
    /// Language of messages and reports for staff: `id` (default) or `en`; else taken from
    /// `LANG` (`en_US.UTF-8` gives English).
    #[arg(long, env = "JEJAK_LANG", global = true)]
    pub lang: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The staff member's language: `--lang` / `JEJAK_LANG`, else `LANG`, else Indonesian.
    pub fn staff_lang(&self) -> crate::model::Lang {
        self.lang
            .as_deref()
            .and_then(crate::model::Lang::from_tag)
            .or_else(|| {
                std::env::var("LANG")
                    .ok()
                    .and_then(|l| crate::model::Lang::from_tag(&l))
            })
            .unwrap_or_default()
    }

    /// Parses the process's arguments like `Cli::parse`, with the help texts that are ours
    /// (the definitions after `jejak report --help`) in the staff member's language. clap
    /// builds the help before the arguments are parsed, so the language is read from the raw
    /// arguments (`--lang X`, `--lang=X`), `JEJAK_LANG` and `LANG`, as [`Cli::staff_lang`]
    /// does after parsing.
    pub fn parse_localised() -> Cli {
        use clap::{CommandFactory as _, FromArgMatches as _};
        let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
        let lang = lang_before_parsing(&args);
        let cmd =
            Cli::command().mut_subcommand("report", |c| c.after_help(roster::report_help(lang)));
        let matches = cmd.get_matches_from(args);
        Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
    }
}

/// An error and its causes in one line, as `{:#}` writes it, in the staff's language where
/// a cause has staff words (a flow or roster file that cannot be read, a header, the
/// system's file and connection errors: see [`cause_text`]), and without a cause that an
/// earlier message already says: the library's errors name their cause in their own message
/// (`cannot read the flow file: Is a directory`) and also give it as their source, which
/// `{:#}` would print a second time.
pub fn error_text(e: &anyhow::Error, lang: Lang) -> String {
    // What has been said, in the library's words: a cause is skipped when an earlier
    // message's own text holds it, whichever language that message is shown in.
    let mut said = String::new();
    let mut text = String::new();
    for cause in e.chain() {
        let part = cause.to_string();
        if said.contains(&part) {
            continue;
        }
        said.push_str(&part);
        said.push('\n');
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&cause_text(cause, lang));
    }
    text
}

/// One error of a chain in `lang` when it is one of the library's errors with staff words,
/// else its own text. The contexts added at the edges are already in the staff's language.
fn cause_text(cause: &(dyn std::error::Error + 'static), lang: Lang) -> String {
    use crate::roster::import::ImportError;
    use crate::roster::read::ReadError;
    if let Some(e) = cause.downcast_ref::<crate::flow::FlowError>() {
        e.text(lang)
    } else if let Some(e) = cause.downcast_ref::<ImportError>() {
        e.text(lang)
    } else if let Some(e) = cause.downcast_ref::<ReadError>() {
        e.text(lang)
    } else if let Some(e) = cause.downcast_ref::<crate::roster::header::HeaderError>() {
        e.text(lang)
    } else if let Some(e) = cause.downcast_ref::<std::io::Error>() {
        crate::i18n::io_text(e, lang)
    } else {
        cause.to_string()
    }
}

/// The staff language of this process, from its own command line ([`lang_before_parsing`]),
/// for messages written where the parsed `--lang` is not at hand (the last error, a part of
/// `jejak run` that stopped).
pub fn process_lang() -> Lang {
    lang_before_parsing(&std::env::args_os().collect::<Vec<_>>())
}

/// The staff language as far as it can be known before clap parses: the value after
/// `--lang` (or in `--lang=…`), else `JEJAK_LANG`, else `LANG`, else Indonesian.
pub fn lang_before_parsing(args: &[std::ffi::OsString]) -> Lang {
    let mut flag = None;
    let mut it = args.iter().filter_map(|a| a.to_str());
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        if a == "--lang" {
            flag = it.next().map(str::to_owned);
        } else if let Some(v) = a.strip_prefix("--lang=") {
            flag = Some(v.to_owned());
        }
    }
    flag.or_else(|| std::env::var("JEJAK_LANG").ok())
        .as_deref()
        .and_then(Lang::from_tag)
        .or_else(|| std::env::var("LANG").ok().and_then(|l| Lang::from_tag(&l)))
        .unwrap_or_default()
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Take a survey in the terminal; run the same command again to resume.
    ///
    /// Each person answers their own survey: `--name Siti` and `--name Budi` are two
    /// respondents, even on one computer, and `--name Siti` again (any case or spacing)
    /// continues Siti's. `--as ID` names the respondent exactly instead. With neither, the
    /// respondent is your login name ($USER), and the chat says so.
    ///
    /// Leave with /keluar or Ctrl-D: the answers are saved, and the goodbye shows the
    /// command to type to continue (`cargo run -- chat …` under Cargo, `jejak chat …` once
    /// installed with `cargo install --path .`).
    #[command(verbatim_doc_comment)]
    Chat {
        /// The flow file, or the id of a flow in flows/.
        #[arg(long, default_value = "flows/tracer-smk.yaml")]
        flow: String,
        /// Who is answering, exactly as given: each value is a separate respondent, whatever
        /// the --name [default: the --name, else $USER]
        #[arg(long = "as")]
        who: Option<String>,
        /// Your name, as the survey greets you; without --as it also says who is answering,
        /// so a different name is a different respondent [default: --as, else $USER]
        #[arg(long)]
        name: Option<String>,
        /// School or training unit, as a roster would give it.
        #[arg(long)]
        school: Option<String>,
        /// Programme (kompetensi keahlian) or training name.
        #[arg(long)]
        programme: Option<String>,
        /// Cohort or graduation year.
        #[arg(long)]
        cohort: Option<String>,
    },
    /// Run the bot (Telegram: long polling, or webhook mode when TELEGRAM_WEBHOOK_URL is
    /// set) until Ctrl-C or SIGTERM.
    Run {
        /// The flow file, or the id of a flow in flows/.
        #[arg(long, default_value = "flows/tracer-smk.yaml")]
        flow: String,
    },
    /// See the whole product in a browser: a demo folder with a small roster, the staff
    /// console and the web chat (no Telegram or WhatsApp needed), with the links printed.
    Demo {
        /// The demo folder (created on first run, reused after).
        #[arg(long, default_value = "jejak-demo")]
        dir: PathBuf,
        /// The flow file, or the id of a flow in flows/.
        #[arg(long, default_value = "flows/tracer-smk.yaml")]
        flow: String,
    },
    /// Export the answers of a flow.
    Export {
        /// The flow file, or a flow id (found in flows/, else among the flows the database
        /// knows).
        #[arg(long)]
        flow: String,
        /// Output format: `csv` (comma, UTF-8: scripts, national uploads), `csv-excel`
        /// (semicolon, UTF-8 with BOM: opens in columns in Excel set to Indonesian), `xlsx`.
        #[arg(long, default_value = "csv", value_parser = ["csv", "csv-excel", "xlsx"])]
        format: String,
        /// Write the codebook (question texts, types, choices) instead of the answers.
        #[arg(long)]
        codebook: bool,
        /// Output file (standard output when absent).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Work on flow files.
    Flow {
        /// What to do with flows.
        #[command(subcommand)]
        action: FlowAction,
    },
    /// The alumni roster (`jejak roster import FILE --flow ID`).
    Roster {
        /// What to do with the roster.
        #[command(subcommand)]
        action: RosterAction,
    },
    /// Write every respondent's personal Telegram, WhatsApp and web chat links (CSV or XLSX), and
    /// optionally QR codes (SVG), for staff to send through their own groups.
    Invite {
        /// The flow id (or flow file) whose roster to invite.
        #[arg(long)]
        flow: String,
        /// Output file: .csv or .xlsx.
        #[arg(long)]
        out: PathBuf,
        /// Also write one QR code (SVG) per respondent and link, plus the open links.
        #[arg(long)]
        qr: Option<PathBuf>,
        /// The bot's Telegram username (else [telegram] bot_username in jejak.toml).
        #[arg(long, env = "TELEGRAM_BOT_USERNAME")]
        bot_username: Option<String>,
        /// The WhatsApp number alumni write to (else [whatsapp] business_number).
        #[arg(long, env = "WHATSAPP_BUSINESS_NUMBER")]
        whatsapp_number: Option<String>,
        /// The address alumni reach `jejak run` at, for web chat links
        /// (`https://tracer.smkn5.sch.id`; else [server] public_url).
        #[arg(long, env = "JEJAK_PUBLIC_URL")]
        public_url: Option<String>,
    },
    /// Response rates of a flow: roster, invited, started, completed, opted out,
    /// unreachable, gross and net rate, and the wave each completion followed
    /// (`jejak report indicators --flow ID`: the tracer indicators).
    #[command(subcommand_negates_reqs = true, args_conflicts_with_subcommands = true)]
    Report {
        /// `indicators`, or nothing for the response report.
        #[command(subcommand)]
        which: Option<indicators::ReportKind>,
        /// The flow id (or flow file).
        #[arg(long, required = true)]
        flow: Option<String>,
        /// Break down by cohort, programme or school.
        #[arg(long, value_parser = ["cohort", "programme", "school"])]
        by: Option<String>,
        /// Output format.
        #[arg(long, default_value = "table", value_parser = ["table", "csv", "xlsx"])]
        format: String,
        /// Output file (standard output when absent; required for xlsx).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Reminder waves: add, list, show (dry run), pause, resume, cancel.
    Wave {
        /// What to do with waves.
        #[command(subcommand)]
        action: wave::WaveAction,
    },
    /// Plan due reminder waves and send them until Ctrl-C or SIGTERM (several workers may
    /// share one PostgreSQL database).
    Dispatch {
        /// The flow the Telegram bot runs (its question buttons), as a file or id.
        #[arg(long, default_value = "flows/tracer-smk.yaml")]
        flow: String,
        /// Where the flow files are (reminders repeat the question a respondent is at).
        #[arg(long, env = "JEJAK_FLOWS_DIR", default_value = "flows")]
        flows: PathBuf,
    },
    /// Check the setup before `jejak run`: configuration, database and schema, every flow,
    /// the Telegram token and webhook, the WhatsApp token. Changes nothing.
    Doctor {
        /// Where the flow files are.
        #[arg(long, env = "JEJAK_FLOWS_DIR", default_value = "flows")]
        flows: PathBuf,
    },
    /// Copy the SQLite database to FILE while the bot runs (a consistent snapshot); on
    /// PostgreSQL use pg_dump instead.
    Backup {
        /// The copy to write (must not exist yet).
        #[arg(long)]
        out: PathBuf,
    },
    /// A respondent's data on request (by letter or e-mail): show, export as JSON, or
    /// delete; each is written to the audit log with its --reason.
    Respondent {
        /// What to do.
        #[command(subcommand)]
        action: respondent::RespondentAction,
    },
    /// Erase the personal data and answers of respondents whose sessions are all past their
    /// flow's `retention:` (the daily job of `jejak run` does the same); --dry-run shows
    /// how many per flow and cohort, without names.
    Purge {
        /// Only respondents with a session of this flow (id or file).
        #[arg(long)]
        flow: Option<String>,
        /// Show what would be erased; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Why, for the audit log.
        #[arg(long)]
        reason: Option<String>,
        /// Where the flow files are (their `retention:` applies).
        #[arg(long, env = "JEJAK_FLOWS_DIR", default_value = "flows")]
        flows: PathBuf,
    },
    /// WhatsApp webhook bodies whose handling failed three times (dead letters): list them,
    /// or make one pending again once the cause is mended.
    Whatsapp {
        /// What to do.
        #[command(subcommand)]
        action: whatsapp::WhatsAppAction,
    },
    /// Staff console accounts: add (prints a one-time password), disable, enable, list.
    Staff {
        /// What to do with accounts.
        #[command(subcommand)]
        action: staff::StaffAction,
    },
    /// Measure throughput (run a release build: `cargo run --release -- bench …`).
    #[command(hide = true)]
    Bench {
        /// Which benchmark.
        #[command(subcommand)]
        which: BenchKind,
    },
}

/// `jejak bench …`
#[derive(Debug, Subcommand)]
pub enum BenchKind {
    /// Pure engine steps per second on one thread, replaying the flow's transcripts.
    Engine {
        /// How long to run.
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        /// The flow file; its transcripts in flows/tests/<name>/ are replayed.
        #[arg(long, default_value = "flows/tracer-smk.yaml")]
        flow: PathBuf,
    },
    /// Persisted answers per second through the conversation service (load, step, commit),
    /// many respondents at once. Uses a fresh temporary SQLite file unless --database-url
    /// (or DATABASE_URL) is given; a PostgreSQL URL gets a fresh schema, dropped afterwards.
    Store {
        /// How many respondents each run a whole transcript script.
        #[arg(long, default_value_t = 2000)]
        respondents: usize,
        /// How many respondents chat at the same time.
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        /// The flow file; its transcripts in flows/tests/<name>/ are replayed.
        #[arg(long, default_value = "flows/tracer-smk.yaml")]
        flow: PathBuf,
    },
    /// Roster import rows per second: generates a roster and imports it twice (inserts,
    /// then updates) into a fresh temporary SQLite file, or a fresh schema of the
    /// PostgreSQL --database-url.
    Roster {
        /// Rows in the generated roster.
        #[arg(long, default_value_t = 150_000)]
        rows: usize,
        /// csv or xlsx.
        #[arg(long, default_value = "csv", value_parser = ["csv", "xlsx"])]
        format: String,
        /// The flow the rows are enrolled in.
        #[arg(long, default_value = "flows/tracer-smk.yaml")]
        flow: PathBuf,
        /// Fail when the process's peak memory passes this many megabytes (issue 14's
        /// target: 200 MB at 1,500,000 rows).
        #[arg(long, default_value_t = 200)]
        max_peak_mb: u64,
    },
}

/// `jejak roster …`
#[derive(Debug, Subcommand)]
pub enum RosterAction {
    /// Load a roster (.csv or .xlsx) with Indonesian or English headers; rows are matched by
    /// external id (NISN/NIM), so importing again updates. Bad rows are listed with their
    /// line number; exit code 1 when any row was rejected, 2 on errors.
    Import {
        /// The roster file.
        file: PathBuf,
        /// The flow (id or file) the respondents are enrolled in.
        #[arg(long)]
        flow: String,
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
    let lang = cli.staff_lang();
    match cli.command {
        Command::Flow {
            action: FlowAction::Check { files },
        } => Ok(flowcmd::check(&files, lang)),
        Command::Flow {
            action: FlowAction::Test { files },
        } => flowcmd::test(&files, lang),
        Command::Chat {
            flow,
            who,
            name,
            school,
            programme,
            cohort,
        } => {
            let flow = resolve_flow_in(&flow, lang)?;
            let store = open(&cli.database_url, &cli.data_dir, lang).await?;
            let flow = remember_flow(&store, flow, lang).await?;
            let conv = Conversations {
                store: store.clone(),
                flow,
                catalog: Arc::new(Catalog::embedded()?),
            };
            let login = std::env::var("USER").ok();
            let identity =
                console::Identity::resolve(who.as_deref(), name.as_deref(), login.as_deref());
            let fields = crate::model::RespondentFields {
                name: Some(name.clone().unwrap_or_else(|| identity.address.clone())),
                school,
                programme,
                cohort,
                ..Default::default()
            };
            let id = console::respondent(&store, &identity.address, fields).await?;
            let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
            let term = console::Terminal {
                bold: console::wants_bold(
                    std::io::IsTerminal::is_terminal(&std::io::stdout()),
                    std::env::var_os("NO_COLOR").as_deref(),
                    std::env::var_os("TERM").as_deref(),
                ),
                // Cargo sets CARGO for the program `cargo run` starts.
                command: console::command_line(&args, std::env::var_os("CARGO").is_some()),
                identity,
                name,
            };
            console::run(&conv, id, &term, tokio::io::stdin(), tokio::io::stdout()).await?;
            store.close().await;
            Ok(0)
        }
        Command::Wave { action } => {
            let file = config_file()?;
            let store = open(&cli.database_url, &cli.data_dir, lang).await?;
            let code = wave::run(&store, action, &file.schedule.unwrap_or_default(), lang).await?;
            store.close().await;
            Ok(code)
        }
        Command::Dispatch { flow, flows } => {
            let file = config_file()?;
            let flow = resolve_flow_in(&flow, lang)?;
            let whatsapp_rate = file.whatsapp.as_ref().and_then(|w| w.rate_per_second);
            let cfg =
                wave::dispatch_config(&file.schedule.clone().unwrap_or_default(), whatsapp_rate)?;
            let store = open(&cli.database_url, &cli.data_dir, lang).await?;
            wave::dispatch(store, &file, flow, &flows, cfg).await
        }
        Command::Bench {
            which: BenchKind::Engine { seconds, flow },
        } => {
            bench::engine(&flow, seconds)?;
            Ok(0)
        }
        Command::Bench {
            which:
                BenchKind::Store {
                    respondents,
                    concurrency,
                    flow,
                },
        } => {
            bench::store(&flow, respondents, concurrency, cli.database_url.as_deref()).await?;
            Ok(0)
        }
        Command::Run { flow } => run::run(cli.database_url, &cli.data_dir, &flow).await,
        Command::Doctor { flows } => {
            let input = doctor::DoctorInput {
                database_url: cli.database_url.clone(),
                data_dir: cli.data_dir.clone(),
                flows_dir: flows,
                config_path: std::env::var("JEJAK_CONFIG")
                    .unwrap_or_else(|_| "jejak.toml".into())
                    .into(),
            };
            Ok(doctor::run(&input, lang).await)
        }
        Command::Backup { out } => {
            backup::run(cli.database_url.as_deref(), &cli.data_dir, &out, lang).await
        }
        Command::Demo { dir, flow } => demo::run(&dir, &flow, lang).await,
        Command::Respondent { action } => {
            let store = open(&cli.database_url, &cli.data_dir, lang).await?;
            let code = respondent::run(
                &store,
                action,
                lang,
                chrono::Utc::now(),
                &mut std::io::stdout(),
                &mut std::io::stderr(),
            )
            .await?;
            store.close().await;
            Ok(code)
        }
        Command::Purge {
            flow,
            dry_run,
            reason,
            flows,
        } => {
            let mut all = wave::load_flows(&flows);
            let only_flow = match &flow {
                Some(arg) => {
                    let f = resolve_flow_in(arg, lang)?;
                    let id = f.id.clone();
                    if !all.iter().any(|g| g.id == id) {
                        all.push(Arc::new(f));
                    }
                    Some(id)
                }
                None => None,
            };
            let store = open(&cli.database_url, &cli.data_dir, lang).await?;
            let args = purge::PurgeArgs {
                only_flow,
                dry_run,
                reason,
            };
            let code = purge::run(
                &store,
                &all,
                &args,
                lang,
                chrono::Utc::now(),
                &mut std::io::stdout(),
            )
            .await;
            store.close().await;
            code
        }
        Command::Whatsapp { action } => {
            let store = open(&cli.database_url, &cli.data_dir, lang).await?;
            let code = whatsapp::run(
                &store,
                action,
                lang,
                chrono::Utc::now(),
                &mut std::io::stdout(),
            )
            .await?;
            store.close().await;
            Ok(code)
        }
        Command::Staff { action } => {
            let store = open(&cli.database_url, &cli.data_dir, lang).await?;
            let code = staff::run(&store, action, lang).await?;
            store.close().await;
            Ok(code)
        }
        Command::Roster {
            action: RosterAction::Import { file, flow },
        } => {
            let store = open(&cli.database_url, &cli.data_dir, lang).await?;
            let code = roster::import(&store, &file, &flow, lang).await;
            store.close().await;
            code
        }
        Command::Invite {
            flow,
            out,
            qr,
            bot_username,
            whatsapp_number,
            public_url,
        } => {
            let store = open(&cli.database_url, &cli.data_dir, lang).await?;
            let code = roster::invite(
                &store,
                &flow,
                &out,
                qr.as_deref(),
                roster::LinkFlags {
                    bot_username,
                    whatsapp_number,
                    public_url,
                },
                lang,
            )
            .await;
            store.close().await;
            code
        }
        Command::Report {
            which:
                Some(indicators::ReportKind::Indicators {
                    flow,
                    by,
                    format,
                    out,
                }),
            ..
        } => {
            let store = open(&cli.database_url, &cli.data_dir, lang).await?;
            let code =
                indicators::run(&store, &flow, by.as_deref(), &format, out.as_deref(), lang).await;
            store.close().await;
            code
        }
        Command::Report {
            which: None,
            flow,
            by,
            format,
            out,
        } => {
            // clap requires `--flow` when no subcommand is given.
            let flow = flow.context("--flow")?;
            let store = open(&cli.database_url, &cli.data_dir, lang).await?;
            let code =
                roster::report(&store, &flow, by.as_deref(), &format, out.as_deref(), lang).await;
            store.close().await;
            code
        }
        Command::Bench {
            which:
                BenchKind::Roster {
                    rows,
                    format,
                    flow,
                    max_peak_mb,
                },
        } => {
            let limit = max_peak_mb.saturating_mul(1_000_000);
            roster::bench(rows, &format, &flow, cli.database_url.as_deref(), limit).await?;
            Ok(0)
        }
        Command::Export {
            flow,
            format,
            codebook: false,
            out: Some(out),
        } if format == "xlsx" => {
            let store = open(&cli.database_url, &cli.data_dir, lang).await?;
            let flow = export_flow(&store, &flow, lang).await?;
            let n = crate::report::xlsx::write_export(&store, &flow, &out).await;
            store.close().await;
            let n = n.with_context(|| export_failed(lang, &flow.id))?;
            eprintln!("{}", exported(lang, n, &flow.id));
            Ok(0)
        }
        Command::Export {
            format, codebook, ..
        } if format == "xlsx" => {
            if codebook {
                anyhow::bail!(staff_text(lang, "cli-export-codebook-xlsx", &[]));
            }
            anyhow::bail!(staff_text(lang, "cli-export-xlsx-needs-out", &[]))
        }
        Command::Export {
            flow,
            format,
            codebook,
            out,
        } => {
            let store = open(&cli.database_url, &cli.data_dir, lang).await?;
            let flow = export_flow(&store, &flow, lang).await?;
            let dialect = export::CsvDialect::from_format(&format).unwrap_or_default();
            let writer: Box<dyn std::io::Write> = match &out {
                Some(p) => Box::new(std::fs::File::create(p).with_context(|| {
                    staff_text(
                        lang,
                        "cli-err-create",
                        &[("path", &p.display().to_string())],
                    )
                })?),
                None => Box::new(std::io::stdout()),
            };
            if codebook {
                let done = export::write_codebook_all(&store, &flow, writer).await;
                store.close().await;
                done.with_context(|| export_failed(lang, &flow.id))?;
            } else {
                let n =
                    export::write_csv_in(&store, &flow, &crate::store::Scope::All, dialect, writer)
                        .await;
                store.close().await;
                let n = n.with_context(|| export_failed(lang, &flow.id))?;
                eprintln!("{}", exported(lang, n, &flow.id));
            }
            Ok(0)
        }
    }
}

/// The optional `jejak.toml` (or `JEJAK_CONFIG`).
fn config_file() -> anyhow::Result<config::FileConfig> {
    config::FileConfig::read(std::path::Path::new(
        &std::env::var("JEJAK_CONFIG").unwrap_or_else(|_| "jejak.toml".into()),
    ))
}

/// Opens the store; a failure starts with a sentence in the staff member's language (the
/// details after it are the driver's own words).
async fn open(
    url: &Option<String>,
    data_dir: &std::path::Path,
    lang: Lang,
) -> anyhow::Result<crate::store::Store> {
    let file = config::FileConfig::read(std::path::Path::new(
        &std::env::var("JEJAK_CONFIG").unwrap_or_else(|_| "jejak.toml".into()),
    ))
    .with_context(|| staff_text(lang, "cli-err-config", &[]))?;
    let url = url.clone().or(file.database_url);
    let dir = file.data_dir.unwrap_or_else(|| data_dir.to_path_buf());
    config::open_store(url.as_deref(), &dir)
        .await
        .with_context(|| staff_text(lang, "cli-err-database", &[]))
}

/// "exported N respondent(s) of flow `x`" in `lang`.
fn exported(lang: Lang, n: usize, flow: &str) -> String {
    staff_text(
        lang,
        "cli-exported",
        &[("n", &n.to_string()), ("flow", flow)],
    )
}

/// The first line of a failed export, in `lang`.
fn export_failed(lang: Lang, flow: &str) -> String {
    staff_text(lang, "cli-export-failed", &[("flow", flow)])
}

/// Makes a loaded flow known to the store (its text by id and version, see
/// [`crate::store::FlowSources`]), so sessions started under it keep it after a newer
/// version is deployed and exports find it anywhere. A changed text under a version already
/// stored is refused: the author must bump `version`.
pub async fn remember_flow(
    store: &crate::store::Store,
    flow: Flow,
    lang: Lang,
) -> anyhow::Result<Arc<Flow>> {
    let flow = Arc::new(flow);
    match store
        .flow_sources()
        .remember(&flow, chrono::Utc::now())
        .await
    {
        Ok(_) => Ok(flow),
        Err(crate::store::StoreError::FlowVersionChanged { flow_id, version }) => {
            anyhow::bail!(staff_text(
                lang,
                "cli-err-flow-version-changed",
                &[("flow", &flow_id), ("version", &version.to_string())],
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// The flow an export names: a file or a flow in `flows/` (made known to the store), else
/// the newest version of that id the store knows, so `export --flow ID` works wherever the
/// process runs. The export itself then covers every stored version.
async fn export_flow(
    store: &crate::store::Store,
    arg: &str,
    lang: Lang,
) -> anyhow::Result<Arc<Flow>> {
    match resolve_flow_in(arg, lang) {
        Ok(flow) => remember_flow(store, flow, lang).await,
        Err(not_here) => {
            let newest = store.flow_sources().versions(arg).await?.into_iter().next();
            match newest {
                Some(v) => store.flow_sources().compiled(arg, v).await?.ok_or(not_here),
                None => Err(not_here),
            }
        }
    }
}

/// A flow given as a file path, or as the id of a flow file in `flows/` (errors in the
/// default staff language, Indonesian; the command line uses [`resolve_flow_in`]).
pub fn resolve_flow(arg: &str) -> anyhow::Result<Flow> {
    resolve_flow_in(arg, Lang::default())
}

/// [`resolve_flow`] with its errors in `lang`.
pub fn resolve_flow_in(arg: &str, lang: Lang) -> anyhow::Result<Flow> {
    let path = std::path::Path::new(arg);
    if path.exists() {
        return crate::flow::load(path)
            .with_context(|| staff_text(lang, "cli-err-flow-invalid", &[("path", arg)]));
    }
    let dir = std::path::Path::new("flows");
    let entries = std::fs::read_dir(dir)
        .with_context(|| staff_text(lang, "cli-err-flows-dir", &[("arg", arg)]))?;
    for e in entries.flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "yaml" || x == "yml")
            && let Ok(f) = crate::flow::load(&p)
            && f.id == arg
        {
            return Ok(f);
        }
    }
    anyhow::bail!(staff_text(lang, "cli-err-no-flow", &[("arg", arg)]))
}

/// Records in the console's audit log what a command run on the server did (actor `cli`:
/// there is no account on the command line).
pub(crate) async fn cli_audit(
    store: &crate::store::Store,
    action: &str,
    detail: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    store
        .staff()
        .audit(
            &crate::store::NewAudit {
                account_id: None,
                actor: "cli",
                action,
                detail,
                address: None,
            },
            now,
        )
        .await?;
    Ok(())
}

#[cfg(test)]
mod error_text_tests {
    use super::error_text;
    use crate::model::Lang;

    fn unreadable_flow() -> anyhow::Error {
        let io = std::io::Error::new(std::io::ErrorKind::IsADirectory, "Is a directory");
        let flow = crate::flow::FlowError::Io {
            path: "/tmp".into(),
            source: io,
        };
        anyhow::Error::new(flow).context("the flow file cannot be used")
    }

    #[test]
    fn a_cause_already_said_is_not_repeated() {
        assert_eq!(
            error_text(&unreadable_flow(), Lang::En),
            "the flow file cannot be used: /tmp: cannot read the flow file: that is a folder, \
             not a file"
        );
        // A cause not said before is kept.
        let plain = anyhow::anyhow!("no route").context("sending failed");
        assert_eq!(error_text(&plain, Lang::Id), "sending failed: no route");
    }

    /// Staff read Indonesian first: the library's causes they meet (an unreadable flow or
    /// roster, the system's file errors) are in Indonesian too, not half in English.
    #[test]
    fn causes_with_staff_words_are_in_the_staff_language() {
        assert_eq!(
            error_text(&unreadable_flow(), Lang::Id),
            "the flow file cannot be used: /tmp: berkas survei tidak bisa dibaca: itu folder, \
             bukan berkas"
        );
        let gone = std::fs::File::open("/nonexistent/alumni.csv").unwrap_err();
        let read = crate::roster::read::ReadError::Io {
            path: "alumni.csv".into(),
            source: gone,
        };
        let e = anyhow::Error::new(crate::roster::import::ImportError::Read(read));
        assert_eq!(
            error_text(&e, Lang::Id),
            "alumni.csv tidak bisa dibaca: berkas atau folder itu tidak ada"
        );
        let bare = anyhow::Error::new(std::fs::read("/nonexistent").unwrap_err())
            .context("Berkas konfigurasi jejak.toml");
        assert_eq!(
            error_text(&bare, Lang::Id),
            "Berkas konfigurasi jejak.toml: berkas atau folder itu tidak ada"
        );
    }
}
