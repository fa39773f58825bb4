//! `jejak doctor`: checks what a server needs before `jejak run` — the configuration file,
//! the database and its schema, every flow, the Telegram token and webhook, the WhatsApp
//! token — and says what is wrong in plain words (staff's language, Indonesian first).
//!
//! It only looks: no database file is created, no migration applied, no webhook set. Secrets
//! never appear in what it prints (an error that carries the bot token has it replaced).

use std::path::{Path, PathBuf};

use crate::channel::telegram::{TelegramConfig, TelegramError};
use crate::channel::whatsapp::config::WhatsAppConfig;
use crate::config::FileConfig;
use crate::flow::{self, FlowError};
use crate::i18n::staff_text;
use crate::model::Lang;
use crate::store::{self, SchemaState};

/// How one check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Fine.
    Ok,
    /// Works, but something deserves a look (a webhook `jejak run` will set anyway).
    Warn,
    /// Off on purpose (a channel not configured).
    Skip,
    /// Must be fixed before `jejak run` can do its job.
    Fail,
}

impl Verdict {
    fn mark(self) -> &'static str {
        match self {
            Verdict::Ok => "✓",
            Verdict::Warn => "!",
            Verdict::Skip => "-",
            Verdict::Fail => "✗",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone)]
pub struct Finding {
    /// How it came out.
    pub verdict: Verdict,
    /// What was found, in the staff member's language.
    pub text: String,
}

/// Where `jejak doctor` looks.
#[derive(Debug, Clone)]
pub struct DoctorInput {
    /// `--database-url` / `DATABASE_URL`, if given.
    pub database_url: Option<String>,
    /// The SQLite folder when there is no URL.
    pub data_dir: PathBuf,
    /// The folder of flow files.
    pub flows_dir: PathBuf,
    /// The configuration file (`JEJAK_CONFIG`, default `jejak.toml`).
    pub config_path: PathBuf,
}

/// Runs every check, prints one line each and a summary; returns 1 when any failed.
pub async fn run(input: &DoctorInput, lang: Lang) -> i32 {
    let findings = examine(input, lang, |k| std::env::var(k).ok()).await;
    println!("{}", staff_text(lang, "cli-doctor-title", &[]));
    for f in &findings {
        println!("{} {}", f.verdict.mark(), f.text);
    }
    let failed = findings
        .iter()
        .filter(|f| f.verdict == Verdict::Fail)
        .count();
    if failed == 0 {
        println!("{}", staff_text(lang, "cli-doctor-summary-ok", &[]));
        0
    } else {
        println!(
            "{}",
            staff_text(
                lang,
                "cli-doctor-summary-fail",
                &[("n", &failed.to_string())]
            )
        );
        1
    }
}

/// Every check, in the order a reader fixes them; `env` reads the environment.
pub async fn examine(
    input: &DoctorInput,
    lang: Lang,
    env: impl Fn(&str) -> Option<String> + Copy,
) -> Vec<Finding> {
    let t = |id: &str, args: &[(&str, &str)]| staff_text(lang, id, args);
    let found = |verdict, text| Finding { verdict, text };
    let mut out = Vec::new();

    let config_shown = input.config_path.display().to_string();
    let file = if input.config_path.exists() {
        match FileConfig::read(&input.config_path) {
            Ok(f) => {
                out.push(found(
                    Verdict::Ok,
                    t("cli-doctor-config-file", &[("path", &config_shown)]),
                ));
                f
            }
            Err(e) => {
                out.push(found(
                    Verdict::Fail,
                    t(
                        "cli-doctor-config-bad",
                        &[
                            ("path", &config_shown),
                            ("error", &super::error_text(&e, lang)),
                        ],
                    ),
                ));
                FileConfig::default()
            }
        }
    } else {
        out.push(found(
            Verdict::Ok,
            t("cli-doctor-config-none", &[("path", &config_shown)]),
        ));
        FileConfig::default()
    };

    out.push(database(input, &file, lang, env).await);
    out.extend(flows(&input.flows_dir, lang));
    out.extend(telegram(&file, lang, env).await);
    out.extend(whatsapp(&file, lang, env).await);
    out
}

/// The database: reachable, schema current (read without migrating).
async fn database(
    input: &DoctorInput,
    file: &FileConfig,
    lang: Lang,
    env: impl Fn(&str) -> Option<String>,
) -> Finding {
    let t = |id: &str, args: &[(&str, &str)]| staff_text(lang, id, args);
    let url = input
        .database_url
        .clone()
        .or_else(|| env("DATABASE_URL"))
        .or_else(|| file.database_url.clone());
    let dir = file
        .data_dir
        .clone()
        .unwrap_or_else(|| input.data_dir.clone());
    let (url, shown) = match url {
        Some(u) => {
            let backend = store::Backend::from_url(&u).map_or("?", |b| b.name());
            (u, backend.to_string())
        }
        None => (
            store::data_dir_url(&dir),
            format!("SQLite, {}", dir.join(store::SQLITE_FILE_NAME).display()),
        ),
    };
    match store::inspect_schema(&url).await {
        Ok(SchemaState::Reachable { missing }) if missing.is_empty() => Finding {
            verdict: Verdict::Ok,
            text: t("cli-doctor-db-ok", &[("db", &shown)]),
        },
        Ok(SchemaState::Reachable { missing }) => Finding {
            verdict: Verdict::Warn,
            text: t(
                "cli-doctor-db-migrations",
                &[
                    ("db", &shown),
                    ("n", &missing.len().to_string()),
                    (
                        "versions",
                        &missing
                            .iter()
                            .map(i64::to_string)
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                ],
            ),
        },
        Ok(SchemaState::NoFileYet) => Finding {
            verdict: Verdict::Warn,
            text: t("cli-doctor-db-nofile", &[("db", &shown)]),
        },
        Err(e) => Finding {
            verdict: Verdict::Fail,
            // A PostgreSQL URL may carry a password: the error names the backend, not it.
            text: t(
                "cli-doctor-db-fail",
                &[("db", &shown), ("error", &e.to_string())],
            ),
        },
    }
}

/// Every flow file of `dir`: valid or how many mistakes.
fn flows(dir: &Path, lang: Lang) -> Vec<Finding> {
    let t = |id: &str, args: &[(&str, &str)]| staff_text(lang, id, args);
    let shown = dir.display().to_string();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    if files.is_empty() {
        return vec![Finding {
            verdict: Verdict::Fail,
            text: t("cli-doctor-flows-none", &[("dir", &shown)]),
        }];
    }
    files
        .iter()
        .map(|f| {
            let file = f.display().to_string();
            match flow::load(f) {
                Ok(flow) => Finding {
                    verdict: Verdict::Ok,
                    text: t(
                        "cli-doctor-flow-ok",
                        &[
                            ("file", &file),
                            ("flow", &flow.id),
                            ("version", &flow.version.to_string()),
                        ],
                    ),
                },
                Err(FlowError::Invalid { diagnostics, .. }) => Finding {
                    verdict: Verdict::Fail,
                    text: t(
                        "cli-doctor-flow-bad",
                        &[("file", &file), ("n", &diagnostics.len().to_string())],
                    ),
                },
                Err(e) => Finding {
                    verdict: Verdict::Fail,
                    text: t(
                        "cli-doctor-flow-unreadable",
                        &[("file", &file), ("error", &e.to_string())],
                    ),
                },
            }
        })
        .collect()
}

/// The Telegram bot: token accepted (`getMe`), username as configured, webhook as
/// configured (`getWebhookInfo`).
async fn telegram(
    file: &FileConfig,
    lang: Lang,
    env: impl Fn(&str) -> Option<String>,
) -> Vec<Finding> {
    use teloxide::prelude::Requester as _;
    let t = |id: &str, args: &[(&str, &str)]| staff_text(lang, id, args);
    let one = |verdict, text| vec![Finding { verdict, text }];
    let config = match TelegramConfig::resolve(file.telegram.as_ref(), env) {
        Ok(c) => c,
        Err(TelegramError::MissingToken) => return one(Verdict::Skip, t("cli-doctor-tg-off", &[])),
        Err(e) => {
            return one(
                Verdict::Fail,
                t("cli-doctor-tg-config", &[("error", &e.to_string())]),
            );
        }
    };
    let hide = |e: &dyn std::fmt::Display| e.to_string().replace(&config.token, "<token>");
    let bot = match config.bot() {
        Ok(b) => b,
        Err(e) => {
            return one(
                Verdict::Fail,
                t("cli-doctor-tg-config", &[("error", &hide(&e))]),
            );
        }
    };
    let me = match bot.get_me().await {
        Ok(me) => me,
        Err(teloxide::RequestError::Api(e)) => {
            return one(
                Verdict::Fail,
                t("cli-doctor-tg-rejected", &[("error", &hide(&e))]),
            );
        }
        Err(e) => {
            return one(
                Verdict::Fail,
                t(
                    "cli-doctor-tg-unreachable",
                    &[("url", config.api_url.as_str()), ("error", &hide(&e))],
                ),
            );
        }
    };
    let actual = me.username.clone().unwrap_or_default();
    let mut out = vec![Finding {
        verdict: Verdict::Ok,
        text: t("cli-doctor-tg-ok", &[("username", &actual)]),
    }];
    if let Some(configured) = config
        .bot_username
        .as_deref()
        .map(|u| u.trim_start_matches('@'))
        .filter(|u| !u.eq_ignore_ascii_case(&actual))
    {
        out.push(Finding {
            verdict: Verdict::Fail,
            text: t(
                "cli-doctor-tg-username",
                &[("configured", configured), ("actual", &actual)],
            ),
        });
    }
    let info = match bot.get_webhook_info().await {
        Ok(info) => info,
        Err(e) => {
            out.push(Finding {
                verdict: Verdict::Warn,
                text: t("cli-doctor-tg-webhook-unknown", &[("error", &hide(&e))]),
            });
            return out;
        }
    };
    let set = info.url.as_ref().map(|u| u.as_str().to_string());
    let finding = match (&config.webhook_url, set) {
        (Some(want), Some(got)) if want.as_str() == got => Finding {
            verdict: Verdict::Ok,
            text: t("cli-doctor-tg-webhook-ok", &[("url", &got)]),
        },
        (Some(want), Some(got)) => Finding {
            verdict: Verdict::Warn,
            text: t(
                "cli-doctor-tg-webhook-other",
                &[("actual", &got), ("expected", want.as_str())],
            ),
        },
        (Some(want), None) => Finding {
            verdict: Verdict::Warn,
            text: t("cli-doctor-tg-webhook-none", &[("expected", want.as_str())]),
        },
        (None, Some(got)) => Finding {
            verdict: Verdict::Warn,
            text: t("cli-doctor-tg-webhook-polling", &[("actual", &got)]),
        },
        (None, None) => Finding {
            verdict: Verdict::Ok,
            text: t("cli-doctor-tg-polling", &[]),
        },
    };
    out.push(finding);
    if let Some(error) = info.last_error_message.filter(|m| !m.is_empty()) {
        out.push(Finding {
            verdict: Verdict::Warn,
            text: t("cli-doctor-tg-webhook-error", &[("error", &error)]),
        });
    }
    out
}

/// The WhatsApp number: the access token reads the phone number's record.
async fn whatsapp(
    file: &FileConfig,
    lang: Lang,
    env: impl Fn(&str) -> Option<String>,
) -> Vec<Finding> {
    let t = |id: &str, args: &[(&str, &str)]| staff_text(lang, id, args);
    let one = |verdict, text| vec![Finding { verdict, text }];
    let config = match WhatsAppConfig::resolve(file.whatsapp.as_ref(), env) {
        Ok(Some(c)) => c,
        Ok(None) => return one(Verdict::Skip, t("cli-doctor-wa-off", &[])),
        Err(e) => {
            return one(
                Verdict::Fail,
                t("cli-doctor-wa-config", &[("error", &e.to_string())]),
            );
        }
    };
    let url = format!(
        "{}/{}/{}?fields=display_phone_number,verified_name",
        config.api_url, config.api_version, config.phone_number_id
    );
    let client = match reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(15))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            return one(
                Verdict::Fail,
                t("cli-doctor-wa-unreachable", &[("error", &e.to_string())]),
            );
        }
    };
    let response = client
        .get(&url)
        .bearer_auth(config.access_token.expose())
        .send()
        .await;
    let response = match response {
        Ok(r) => r,
        Err(e) => {
            // reqwest names the URL, which holds no secret (the token is a header).
            return one(
                Verdict::Fail,
                t("cli-doctor-wa-unreachable", &[("error", &e.to_string())]),
            );
        }
    };
    let status = response.status();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    if status.is_success() {
        let number = body
            .get("display_phone_number")
            .and_then(serde_json::Value::as_str)
            .unwrap_or(&config.phone_number_id)
            .to_string();
        return one(Verdict::Ok, t("cli-doctor-wa-ok", &[("number", &number)]));
    }
    let message = body
        .pointer("/error/message")
        .and_then(serde_json::Value::as_str)
        .map_or_else(|| status.to_string(), str::to_string);
    let id = if matches!(status.as_u16(), 401 | 403)
        || body
            .pointer("/error/code")
            .and_then(serde_json::Value::as_i64)
            == Some(190)
    {
        "cli-doctor-wa-rejected"
    } else {
        "cli-doctor-wa-failed"
    };
    one(Verdict::Fail, t(id, &[("error", &message)]))
}
