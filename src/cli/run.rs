//! `jejak run`: the long-running bot process. Every part (the Telegram bot, the WhatsApp
//! webhook and its processor, the reminder scheduler and dispatcher) joins one [`Process`]:
//! it may merge a router into the one HTTP server and spawn tasks that stop when the
//! shutdown signal (Ctrl-C, SIGTERM) turns true. The HTTP server binds only if a part joined.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::channel::rate::WAVE_SHARE;
use crate::channel::telegram::{TelegramBot, TelegramConfig, TelegramError, TelegramOutbound};
use crate::channel::whatsapp::config::WhatsAppConfig;
use crate::channel::whatsapp::{self};
use crate::channel::{Outbound, PlatformRate};
use crate::config::{self, FileConfig};
use crate::conversation::{Conversations, Receiver};
use crate::i18n::Catalog;
use crate::server::HttpServer;

/// The default listen address of the HTTP server: this machine only. The staff console
/// shows personal data, and Telegram and Meta only call webhooks over HTTPS anyway, so the
/// server is meant to sit behind an HTTPS proxy (Caddy, nginx) on the same machine; facing
/// the network directly takes an explicit `JEJAK_LISTEN=0.0.0.0:8080`.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// Everything the parts of `jejak run` share while starting.
pub struct Process {
    /// The configuration file (`jejak.toml`), already read.
    pub file: FileConfig,
    /// The conversation service (store, flow, catalog).
    pub conv: Conversations,
    /// The one receiver every channel hands its messages to.
    pub receiver: Arc<Receiver>,
    /// The HTTP server parts merge their routers into.
    pub server: HttpServer,
    /// The public base URL of links (web chat invitations), if known.
    pub public_url: Option<String>,
    /// Long-running tasks; the process ends when all have ended.
    pub tasks: JoinSet<anyhow::Result<()>>,
    /// Turns true when the process should stop; every task watches it.
    pub shutdown: watch::Receiver<bool>,
    shutdown_tx: watch::Sender<bool>,
}

impl Process {
    /// Merges a part's router into the HTTP server.
    pub fn merge(&mut self, name: &'static str, router: axum::Router) {
        let server = std::mem::take(&mut self.server);
        self.server = server.merge(name, router);
    }
}

/// Reads `JEJAK_CONFIG` (default `jejak.toml`).
pub fn read_file_config() -> anyhow::Result<FileConfig> {
    FileConfig::read(Path::new(
        &std::env::var("JEJAK_CONFIG").unwrap_or_else(|_| "jejak.toml".into()),
    ))
}

/// The resolved Telegram settings: environment over `[telegram]`.
pub fn telegram_config(file: &FileConfig) -> Result<TelegramConfig, TelegramError> {
    TelegramConfig::resolve(file.telegram.as_ref(), |k| std::env::var(k).ok())
}

/// Called once the HTTP server listens, with its address (`jejak demo` prints its links).
pub type OnListen = Box<dyn FnOnce(std::net::SocketAddr) + Send>;

/// How `jejak run` (and `jejak demo`, which is `jejak run` over a demo folder) runs.
pub struct RunOptions {
    /// `DATABASE_URL` / `--database-url`.
    pub database_url: Option<String>,
    /// The SQLite folder when there is no URL.
    pub data_dir: std::path::PathBuf,
    /// The flow file or id.
    pub flow: String,
    /// Whether Telegram and WhatsApp start when configured (`jejak demo` runs without them,
    /// whatever the environment says).
    pub chat_apps: bool,
    /// The listen address, over `JEJAK_LISTEN` and `[server] listen` (the demo's choice).
    pub listen: Option<String>,
    /// The public base URL of links, over `JEJAK_PUBLIC_URL` and `[server] public_url`.
    pub public_url: Option<String>,
    /// Called once the server listens.
    pub on_listen: Option<OnListen>,
}

/// Runs the bot until Ctrl-C or SIGTERM; returns the exit code.
pub async fn run(database_url: Option<String>, data_dir: &Path, flow: &str) -> anyhow::Result<i32> {
    run_with(RunOptions {
        database_url,
        data_dir: data_dir.to_path_buf(),
        flow: flow.to_string(),
        chat_apps: true,
        listen: None,
        public_url: None,
        on_listen: None,
    })
    .await
}

/// [`run`] with its options.
pub async fn run_with(opts: RunOptions) -> anyhow::Result<i32> {
    // The shipped lookup lists are embedded; a broken one stops the process here rather
    // than in a respondent's conversation.
    crate::lookup::lists().context("the shipped lookup lists (data/)")?;
    let RunOptions {
        database_url,
        data_dir,
        flow,
        chat_apps,
        listen,
        public_url,
        on_listen,
    } = opts;
    let data_dir = data_dir.as_path();
    let flow = flow.as_str();
    let file = read_file_config()?;
    // Check the settings before touching the database: a missing token is the commonest
    // first-run mistake and deserves a clear message, not a stack of contexts.
    let telegram = match telegram_config(&file) {
        _ if !chat_apps => None,
        Ok(c) => Some(c),
        Err(TelegramError::MissingToken) => None,
        Err(e) => {
            eprintln!("jejak run: {e}");
            return Ok(2);
        }
    };
    let whatsapp = match WhatsAppConfig::from_env(file.whatsapp.as_ref()) {
        _ if !chat_apps => None,
        Ok(c) => c,
        Err(e) => {
            eprintln!("jejak run: {e}");
            return Ok(2);
        }
    };
    // Without a channel the process still serves the staff console and sends nothing: staff
    // can import the roster and prepare waves before the bot exists.
    if telegram.is_none() && chat_apps {
        eprintln!("jejak run: Telegram off: {}", TelegramError::MissingToken);
    }
    if whatsapp.is_none() && chat_apps {
        eprintln!(
            "jejak run: WhatsApp off: set WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_ACCESS_TOKEN, \
             WHATSAPP_APP_SECRET and WHATSAPP_VERIFY_TOKEN to turn it on"
        );
    }
    let flow = super::resolve_flow(flow)?;
    let url = database_url.or(file.database_url.clone());
    let dir = file
        .data_dir
        .clone()
        .unwrap_or_else(|| data_dir.to_path_buf());
    let store = config::open_store(url.as_deref(), &dir).await?;
    let flow = super::remember_flow(&store, flow, crate::model::Lang::default()).await?;
    let conv = Conversations {
        store: store.clone(),
        flow,
        catalog: Arc::new(Catalog::embedded()?),
    };
    let clock: Arc<dyn crate::clock::Clock> = Arc::new(crate::clock::SystemClock);
    // One receiver for every channel; open mode and the open link's identity check are
    // set under [telegram] (TELEGRAM_OPEN_MODE, TELEGRAM_OPEN_IDENTITY) and hold everywhere.
    let open_mode = telegram.as_ref().and_then(|t| t.open_mode);
    // The web chat serves `/c/open/<flow>` exactly when the receiver starts strangers.
    let web_open = open_mode.unwrap_or(conv.flow.open);
    let mut receiver = Receiver::new(conv.clone(), clock.clone()).with_open_mode(open_mode);
    if telegram.as_ref().is_some_and(|t| t.open_identity) {
        receiver = receiver.with_identity_check(crate::roster::identity::Policy::default());
    }
    let (shutdown_tx, shutdown) = watch::channel(false);
    let public_url = public_url.or_else(|| crate::channel::web::public_url(file.server.as_ref()));
    let mut p = Process {
        file,
        public_url,
        conv,
        receiver: Arc::new(receiver),
        server: HttpServer::new(),
        tasks: JoinSet::new(),
        shutdown,
        shutdown_tx,
    };

    // One send budget per platform account, created here once and taken by both the
    // conversation's replies and the reminder waves (see `channel::rate`).
    let whatsapp_file_rate = p.file.whatsapp.as_ref().and_then(|w| w.rate_per_second);
    let mut dispatch = super::wave::dispatch_config(
        &p.file.schedule.clone().unwrap_or_default(),
        whatsapp_file_rate,
    )?;
    if let Some(w) = &whatsapp {
        // The number's rate as the channel resolved it (environment over file).
        dispatch
            .rates
            .insert("whatsapp".into(), f64::from(w.rate_per_second.max(1)));
    }
    let budget = |channel: &str, per_chat: Option<std::time::Duration>| {
        let rate = dispatch
            .rates
            .get(channel)
            .map(|r| r * dispatch.rate_margin);
        Arc::new(PlatformRate::new(rate, per_chat))
    };
    let mut outbounds: Vec<Arc<dyn Outbound>> = Vec::new();
    let mut whatsapp_retry = None;
    if let Some(telegram) = &telegram {
        let rate = budget("telegram", Some(dispatch.per_chat_interval));
        start_telegram(&mut p, telegram, rate.clone()).await?;
        outbounds.push(Arc::new(
            TelegramOutbound::from_config(telegram, &p.conv.flow, p.conv.catalog.clone())?
                .with_rate(rate),
        ));
    }
    if let Some(whatsapp) = &whatsapp {
        let rate = budget("whatsapp", None);
        let (outbound, retry) = start_whatsapp(&mut p, whatsapp, rate).await?;
        outbounds.push(outbound);
        whatsapp_retry = Some(retry);
    }
    // Waves are paced at their share of each budget; the rest stays free for replies.
    for r in dispatch.rates.values_mut() {
        *r *= WAVE_SHARE;
    }
    start_reminders(&mut p, outbounds, dispatch);
    start_retention(&mut p, clock.clone());
    start_console(&mut p, telegram.as_ref(), whatsapp.as_ref(), whatsapp_retry);
    start_web(&mut p, web_open);
    let channels = [
        ("telegram", telegram.is_some()),
        ("whatsapp", whatsapp.is_some()),
        ("web", true),
    ]
    .iter()
    .filter(|(_, on)| *on)
    .map(|(c, _)| c.to_string())
    .collect();
    let ops = crate::server::ops_router(p.conv.store.clone(), channels, clock);
    p.merge("ops", ops);

    spawn_signal_handler(p.shutdown_tx.clone());
    if p.server.has_parts() {
        let listen = listen
            .or_else(|| {
                std::env::var("JEJAK_LISTEN")
                    .ok()
                    .filter(|s| !s.trim().is_empty())
            })
            .or_else(|| p.file.server.as_ref().and_then(|s| s.listen.clone()))
            .unwrap_or_else(|| DEFAULT_LISTEN.to_string());
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .with_context(|| format!("listening on {listen} (JEJAK_LISTEN)"))?;
        let addr = listener.local_addr()?;
        eprintln!(
            "jejak run: konsol staf / staff console: http://{addr}{}/",
            crate::console::BASE
        );
        if let Some(announce) = on_listen {
            announce(addr);
        }
        let server = std::mem::take(&mut p.server);
        let mut rx = p.shutdown.clone();
        p.tasks.spawn(async move {
            server
                .serve(listener, async move {
                    let _ = rx.wait_for(|v| *v).await;
                })
                .await
                .context("HTTP server")
        });
    }
    let mut code = 0;
    while let Some(res) = p.tasks.join_next().await {
        let failed = match res {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(super::error_text(&e, super::process_lang())),
            Err(e) => Some(e.to_string()),
        };
        if let Some(e) = failed {
            tracing::error!(error = %e, "a part of jejak run failed; stopping");
            eprintln!("jejak run: {e}");
            code = 1;
            let _ = p.shutdown_tx.send(true);
        }
    }
    store.close().await;
    Ok(code)
}

/// The Telegram bot: polling task, or webhook router plus `setWebhook`.
async fn start_telegram(
    p: &mut Process,
    config: &TelegramConfig,
    rate: Arc<PlatformRate>,
) -> anyhow::Result<()> {
    let bot =
        Arc::new(TelegramBot::with_receiver(config.bot()?, p.receiver.clone()).with_rate(rate));
    // Replies a crash left unsent go at once, then whatever a failure left, every second.
    let sweep = bot.reply_sender();
    let rx = p.shutdown.clone();
    p.tasks.spawn(async move {
        sweep.run(rx).await;
        Ok(())
    });
    if let Err(e) = bot.set_commands().await {
        tracing::warn!(error = %e, "cannot register the bot's commands");
    }
    match config.webhook_target() {
        Some(url) => {
            bot.set_webhook(url.clone(), &config.webhook_secret)
                .await
                .map_err(|e| anyhow::anyhow!("setting the Telegram webhook: {e}"))?;
            tracing::info!(url = %url, "Telegram webhook set");
            let router = bot.webhook_router(&config.webhook_path(), config.webhook_secret.clone());
            p.merge("telegram", router);
        }
        None => {
            tracing::info!("Telegram long polling");
            let rx = p.shutdown.clone();
            p.tasks.spawn(async move {
                bot.run_polling(rx).await;
                Ok(())
            });
        }
    }
    Ok(())
}

/// The WhatsApp channel: the webhook routes join the HTTP server, the processor runs as a
/// task. Returns its sender for reminders (both send within `rate`) and the way to hand it
/// dead letters the console retries.
async fn start_whatsapp(
    p: &mut Process,
    config: &WhatsAppConfig,
    rate: Arc<PlatformRate>,
) -> anyhow::Result<(Arc<dyn Outbound>, whatsapp::RetryQueue)> {
    let wa = whatsapp::start_with(
        config,
        p.receiver.clone(),
        Arc::new(whatsapp::clock::SystemClock),
        rate,
    )
    .await
    .context("starting the WhatsApp channel")?;
    tracing::info!(path = whatsapp::WEBHOOK_PATH, "WhatsApp webhook");
    p.merge("whatsapp", wa.router);
    let rx = p.shutdown.clone();
    let processor = wa.processor;
    p.tasks.spawn(async move {
        processor.run(rx).await;
        Ok(())
    });
    Ok((wa.outbound, wa.retry))
}

/// The staff console joins the HTTP server, over every flow in `JEJAK_FLOWS_DIR` (default
/// `flows/`) plus the flow this process runs.
fn start_console(
    p: &mut Process,
    telegram: Option<&TelegramConfig>,
    whatsapp: Option<&WhatsAppConfig>,
    whatsapp_retry: Option<whatsapp::RetryQueue>,
) {
    let dir = std::path::PathBuf::from(
        std::env::var("JEJAK_FLOWS_DIR").unwrap_or_else(|_| "flows".into()),
    );
    let mut flows = super::wave::load_flows(&dir);
    flows.retain(|f| f.id != p.conv.flow.id);
    flows.sort_by(|a, b| a.id.cmp(&b.id));
    // The flow this process runs comes first: it is the overview's default.
    flows.insert(0, p.conv.flow.clone());
    let secure_cookies = std::env::var("JEJAK_CONSOLE_SECURE_COOKIES")
        .ok()
        .is_some_and(|v| matches!(v.trim(), "1" | "true" | "yes"));
    let settings = crate::console::ConsoleSettings {
        secure_cookies,
        bot_username: telegram.and_then(|t| t.bot_username.clone()).or_else(|| {
            p.file
                .telegram
                .as_ref()
                .and_then(|t| t.bot_username.clone())
        }),
        whatsapp_number: whatsapp
            .and_then(|w| w.business_number.clone())
            .or_else(|| {
                p.file
                    .whatsapp
                    .as_ref()
                    .and_then(|w| w.business_number.clone())
            }),
        public_url: p.public_url.clone(),
        flows_dir: Some(dir),
        // A bad [schedule] stops the dispatcher with its own message; the console's dry
        // runs then fall back to the default night.
        quiet: p
            .file
            .schedule
            .clone()
            .unwrap_or_default()
            .quiet_hours()
            .unwrap_or_default(),
        whatsapp_retry,
    };
    let state = std::sync::Arc::new(crate::console::ConsoleState {
        store: p.conv.store.clone(),
        catalog: p.conv.catalog.clone(),
        flows,
        clock: Arc::new(crate::clock::SystemClock),
        settings,
        scratch: std::env::temp_dir().join(format!("jejak-console-{}", std::process::id())),
    });
    p.merge("console", crate::console::router(state));
}

/// The web chat joins the HTTP server over the process's one receiver: `/c/<token>` for
/// everyone on the roster, and `/c/open/<flow>` when `open` (the receiver's open mode). It
/// needs no sender: the page fetches its replies.
fn start_web(p: &mut Process, open: bool) {
    let secure_cookies = std::env::var("JEJAK_CONSOLE_SECURE_COOKIES")
        .ok()
        .is_some_and(|v| matches!(v.trim(), "1" | "true" | "yes"))
        || p.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"));
    let settings = crate::channel::web::WebSettings {
        secure_cookies,
        open_flows: if open {
            vec![p.conv.flow.id.clone()]
        } else {
            Vec::new()
        },
        limits: Default::default(),
    };
    let state = Arc::new(crate::channel::web::WebState::new(
        p.receiver.clone(),
        p.conv.store.clone(),
        p.conv.catalog.clone(),
        settings,
    ));
    p.merge("web", crate::channel::web::router(state));
}

/// The reminder waves: plans due wave runs into the outbox and sends them through the
/// channels configured above, paced by `cfg` (their share of each platform's rate; see
/// `schedule::dispatcher` and `channel::rate`). Flows for repeating a respondent's current
/// question come from `JEJAK_FLOWS_DIR` (default `flows/`) plus the flow this process runs.
fn start_reminders(
    p: &mut Process,
    outbounds: Vec<Arc<dyn Outbound>>,
    cfg: crate::schedule::dispatcher::DispatchConfig,
) {
    let dir = std::env::var("JEJAK_FLOWS_DIR").unwrap_or_else(|_| "flows".into());
    let mut flows = super::wave::load_flows(Path::new(&dir));
    if !flows.iter().any(|f| f.id == p.conv.flow.id) {
        flows.push(p.conv.flow.clone());
    }
    let dispatcher = Arc::new(crate::schedule::dispatcher::Dispatcher::new(
        p.conv.store.clone(),
        outbounds,
        p.conv.catalog.clone(),
        flows,
        Arc::new(crate::schedule::SystemClock),
        cfg,
    ));
    let mut rx = p.shutdown.clone();
    p.tasks.spawn(async move {
        dispatcher
            .run(async move {
                let _ = rx.wait_for(|v| *v).await;
            })
            .await
            .context("the reminder dispatcher stopped")
    });
}

/// The daily retention purge (`schedule::retention`) over the flows of `JEJAK_FLOWS_DIR`
/// (default `flows/`) plus the flow this process runs: at start, then every day. It runs
/// here, not in `jejak dispatch`, because every deployment runs `jejak run` and its
/// receiver must forget the addresses of whoever is erased (several processes purging
/// would only repeat work: each erasure is decided again inside its transaction).
fn start_retention(p: &mut Process, clock: Arc<dyn crate::clock::Clock>) {
    let dir = std::env::var("JEJAK_FLOWS_DIR").unwrap_or_else(|_| "flows".into());
    let mut flows = super::wave::load_flows(Path::new(&dir));
    if !flows.iter().any(|f| f.id == p.conv.flow.id) {
        flows.push(p.conv.flow.clone());
    }
    let receiver = p.receiver.clone();
    let job = crate::schedule::retention::RetentionJob {
        store: p.conv.store.clone(),
        flows,
        clock,
        every: crate::schedule::retention::PURGE_EVERY,
        on_erased: Some(Box::new(move |id| receiver.forget_respondent(id))),
    };
    let rx = p.shutdown.clone();
    p.tasks.spawn(async move {
        job.run(rx).await;
        Ok(())
    });
}

/// Sets the shutdown signal on Ctrl-C or SIGTERM.
fn spawn_signal_handler(tx: watch::Sender<bool>) {
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(s) => s,
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot watch SIGTERM");
                        let _ = tokio::signal::ctrl_c().await;
                        let _ = tx.send(true);
                        return;
                    }
                };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("shutting down");
        let _ = tx.send(true);
    });
}
