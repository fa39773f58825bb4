//! `jejak run`: the long-running bot process. Every part (the Telegram bot today; the
//! WhatsApp webhook, the reminder scheduler and the dispatcher later) joins one [`Process`]:
//! it may merge a router into the one HTTP server and spawn tasks that stop when the
//! shutdown signal (Ctrl-C, SIGTERM) turns true. The HTTP server binds only if a part joined.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::channel::telegram::{TelegramBot, TelegramConfig, TelegramError};
use crate::config::{self, FileConfig};
use crate::conversation::Conversations;
use crate::i18n::Catalog;
use crate::server::HttpServer;

/// The default listen address of the HTTP server.
pub const DEFAULT_LISTEN: &str = "0.0.0.0:8080";

/// Everything the parts of `jejak run` share while starting.
pub struct Process {
    /// The configuration file (`jejak.toml`), already read.
    pub file: FileConfig,
    /// The conversation service (store, flow, catalog).
    pub conv: Conversations,
    /// The HTTP server parts merge their routers into.
    pub server: HttpServer,
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

/// Runs the bot until Ctrl-C or SIGTERM; returns the exit code.
pub async fn run(database_url: Option<String>, data_dir: &Path, flow: &str) -> anyhow::Result<i32> {
    let file = read_file_config()?;
    // Check the settings before touching the database: a missing token is the commonest
    // first-run mistake and deserves a clear message, not a stack of contexts.
    let telegram = match telegram_config(&file) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("jejak run: {e}");
            return Ok(2);
        }
    };
    let flow = super::resolve_flow(flow)?;
    let url = database_url.or(file.database_url.clone());
    let dir = file
        .data_dir
        .clone()
        .unwrap_or_else(|| data_dir.to_path_buf());
    let store = config::open_store(url.as_deref(), &dir).await?;
    let conv = Conversations {
        store: store.clone(),
        flow: Arc::new(flow),
        catalog: Arc::new(Catalog::embedded()?),
    };
    let (shutdown_tx, shutdown) = watch::channel(false);
    let mut p = Process {
        file,
        conv,
        server: HttpServer::new(),
        tasks: JoinSet::new(),
        shutdown,
        shutdown_tx,
    };

    start_telegram(&mut p, &telegram).await?;
    // Further parts join here: start_whatsapp(&mut p)?, start_scheduler(&mut p)?, …

    spawn_signal_handler(p.shutdown_tx.clone());
    if p.server.has_parts() {
        let listen = std::env::var("JEJAK_LISTEN")
            .ok()
            .filter(|s| !s.trim().is_empty())
            .or_else(|| p.file.server.as_ref().and_then(|s| s.listen.clone()))
            .unwrap_or_else(|| DEFAULT_LISTEN.to_string());
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .with_context(|| format!("listening on {listen} (JEJAK_LISTEN)"))?;
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
            Ok(Err(e)) => Some(format!("{e:#}")),
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
async fn start_telegram(p: &mut Process, config: &TelegramConfig) -> anyhow::Result<()> {
    let bot = Arc::new(TelegramBot::from_config(config, p.conv.clone())?);
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
