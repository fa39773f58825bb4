//! The Graph API client: `POST {api}/{version}/{phone-number-id}/messages` with the access
//! token as a bearer token, over the reqwest/rustls stack the rest of Jejak uses. Every send
//! waits for its slot of the number's [`PlatformRate`] first, so replies and reminders
//! together stay under the number's messages per second.

use super::config::{Secret, WhatsAppConfig};
use crate::channel::PlatformRate;
use crate::channel::rate::Priority;
use std::sync::Arc;
use std::time::Duration;

/// Why the Graph API did not take a message. Meta's messages are kept as they are; they do
/// not contain the access token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// 131047: more than 24 hours since the respondent's last message; only a template may
    /// be sent.
    // Meta's messages stay out of every error text: they can quote the recipient's number,
    // and these texts reach the logs and the outbox. The code says what happened.
    #[error("re-engagement required (131047)")]
    ReEngagement(String),
    /// 130429 (the number's throughput), 131056 (too many to one recipient) and the like:
    /// back off and send again.
    #[error("rate limited ({code})")]
    RateLimited {
        /// Meta's error code.
        code: i64,
        /// Meta's message.
        message: String,
    },
    /// Network errors, 5xx, Meta's "temporarily unavailable": send again later.
    #[error("temporary failure: {0}")]
    Transient(String),
    /// The request may have reached Meta but no answer came (timeout, connection lost
    /// after it left): never sent again blindly.
    #[error("outcome unknown: {0}")]
    Uncertain(String),
    /// The number cannot receive messages (not on WhatsApp, not allowed).
    #[error("recipient unreachable ({code})")]
    Unreachable {
        /// Meta's error code.
        code: i64,
        /// Meta's message.
        message: String,
    },
    /// The request itself was refused (bad template, bad token…): sending it again fails
    /// the same way.
    #[error("rejected ({code}){}", own_note(*code, message))]
    Rejected {
        /// Meta's error code (0 when there was none).
        code: i64,
        /// Meta's message.
        message: String,
    },
}

impl ApiError {
    /// Whether sending the same message again later may work.
    pub fn is_retryable(&self) -> bool {
        matches!(self, ApiError::RateLimited { .. } | ApiError::Transient(_))
    }

    /// A short form for logs: the kind and Meta's code, never recipient details.
    pub fn log_code(&self) -> String {
        match self {
            ApiError::ReEngagement(_) => "131047".into(),
            ApiError::RateLimited { code, .. }
            | ApiError::Unreachable { code, .. }
            | ApiError::Rejected { code, .. } => code.to_string(),
            ApiError::Transient(m) => format!("transient: {m}"),
            ApiError::Uncertain(m) => format!("uncertain: {m}"),
        }
    }
}

/// Sorts a Graph API error (HTTP status, Meta's code and message) into an [`ApiError`].
pub fn classify(http_status: u16, code: Option<i64>, message: String) -> ApiError {
    match code {
        Some(131047) => ApiError::ReEngagement(message),
        // 130429 throughput, 131056 pair rate, 80007 account rate, 4/613 app call limits.
        Some(c @ (130429 | 131056 | 80007 | 4 | 613)) => ApiError::RateLimited { code: c, message },
        // Generic, service unavailable, server temporarily unavailable.
        // Meta's message is left out: it can quote the recipient (see `ApiError`).
        Some(c @ (1 | 2 | 131000 | 131016 | 133004)) => ApiError::Transient(format!("code {c}")),
        // Undeliverable, not in the allowed list, user stopped marketing messages.
        Some(c @ (131026 | 131030 | 131050)) => ApiError::Unreachable { code: c, message },
        _ if http_status == 429 => ApiError::RateLimited {
            code: code.unwrap_or(0),
            message,
        },
        // Meta's message is left out: it can quote the recipient (see `ApiError`).
        _ if http_status >= 500 => ApiError::Transient(match code {
            Some(c) => format!("HTTP {http_status} ({c})"),
            None => format!("HTTP {http_status}"),
        }),
        Some(c) => ApiError::Rejected { code: c, message },
        // Without Meta's code, only the status is kept (code 0 texts are shown).
        None => ApiError::Rejected {
            code: 0,
            message: format!("HTTP {http_status}"),
        },
    }
}

/// The text shown after a refusal's code: only for code 0, whose message is ours (an HTTP
/// status, a client that could not be built), never Meta's, which can quote the number.
fn own_note(code: i64, message: &str) -> String {
    if code == 0 {
        format!(": {message}")
    } else {
        String::new()
    }
}

/// The budget of `config`'s number: its messages per second in total (Meta counts per
/// number; there is no per-recipient limit to pace, only 131056 to back off from).
pub fn number_rate(config: &WhatsAppConfig) -> PlatformRate {
    PlatformRate::new(Some(f64::from(config.rate_per_second)), None)
}

/// The Graph API client of one business number.
#[derive(Clone)]
pub struct GraphApi {
    client: reqwest::Client,
    messages_url: String,
    token: Secret,
    rate: Arc<PlatformRate>,
}

impl std::fmt::Debug for GraphApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphApi")
            .field("messages_url", &self.messages_url)
            .finish_non_exhaustive()
    }
}

impl GraphApi {
    /// A client for `config`'s number.
    pub fn new(config: &WhatsAppConfig) -> Result<GraphApi, ApiError> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| ApiError::Rejected {
                code: 0,
                message: format!("cannot build the HTTP client: {e}"),
            })?;
        Ok(GraphApi {
            client,
            messages_url: config.messages_url(),
            token: config.access_token.clone(),
            rate: Arc::new(number_rate(config)),
        })
    }

    /// Sends within `rate`, the number's budget shared with whatever else sends on it
    /// (`jejak run` builds one per number, see [`PlatformRate`]).
    pub fn with_rate(mut self, rate: Arc<PlatformRate>) -> GraphApi {
        self.rate = rate;
        self
    }

    /// Sends one message (a `/messages` request body) once; returns its `wamid`.
    /// `priority` orders it in the number's budget (replies before reminders).
    /// Takes the slot of one reminder to `to` in the number's budget, for a request sent
    /// next with [`Priority::Reserved`] (see
    /// [`Outbound::reserve`](crate::channel::Outbound::reserve)).
    pub async fn reserve(&self, to: &str) {
        self.rate.acquire_reminder(to.trim_start_matches('+')).await;
    }

    pub async fn send_once(
        &self,
        body: &serde_json::Value,
        priority: Priority,
    ) -> Result<String, ApiError> {
        self.rate
            .acquire(body["to"].as_str().unwrap_or_default(), priority)
            .await;
        let resp = self
            .client
            .post(&self.messages_url)
            .bearer_auth(self.token.expose())
            .json(body)
            .send()
            .await
            // Without the URL: it names the phone number id, and errors end up in logs.
            .map_err(|e| {
                let no_connection = e.is_connect();
                let e = e.without_url().to_string();
                // No connection: nothing reached Meta. Otherwise the request may have
                // been taken (a timeout, a connection lost after it left).
                if no_connection {
                    ApiError::Transient(e)
                } else {
                    ApiError::Uncertain(e)
                }
            })?;
        let status = resp.status().as_u16();
        // An answer cut off: Meta got the request and may have sent the message.
        let text = resp
            .text()
            .await
            .map_err(|e| ApiError::Uncertain(e.without_url().to_string()))?;
        let json: Option<serde_json::Value> = serde_json::from_str(&text).ok();
        if (200..300).contains(&status) {
            let id = json
                .as_ref()
                .and_then(|j| j.pointer("/messages/0/id"))
                .and_then(|v| v.as_str())
                .map(str::to_string);
            return id.ok_or_else(|| {
                // Accepted, but we cannot tell which message it became: not worth a retry
                // that could send it twice.
                ApiError::Rejected {
                    code: 0,
                    message: format!("HTTP {status} without a message id"),
                }
            });
        }
        let err = json.as_ref().and_then(|j| j.get("error"));
        let code = err.and_then(|e| e.get("code")).and_then(|c| c.as_i64());
        let message = err
            .and_then(|e| e.get("message"))
            .and_then(|m| m.as_str())
            .map(str::to_string)
            .unwrap_or_else(|| format!("HTTP {status}"));
        Err(classify(status, code, message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(name: &str, http: u16) -> ApiError {
        let path = format!(
            "{}/src/channel/whatsapp/testdata/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let j: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        classify(
            http,
            j["error"]["code"].as_i64(),
            j["error"]["message"].as_str().unwrap().to_string(),
        )
    }

    #[test]
    fn recorded_errors_are_classified() {
        assert!(matches!(
            error_of("error_131047.json", 400),
            ApiError::ReEngagement(_)
        ));
        assert!(matches!(
            error_of("error_130429.json", 400),
            ApiError::RateLimited { code: 130429, .. }
        ));
        assert!(matches!(
            error_of("error_131056.json", 400),
            ApiError::RateLimited { code: 131056, .. }
        ));
        assert!(matches!(
            classify(502, None, "x".into()),
            ApiError::Transient(_)
        ));
        assert!(matches!(
            classify(400, Some(132001), "x".into()),
            ApiError::Rejected { .. }
        ));
        assert!(classify(503, None, "x".into()).is_retryable());
        assert!(!classify(400, Some(131026), "x".into()).is_retryable());
    }

    /// Meta's message can quote the recipient's number: no error text carries it, neither
    /// the `ApiError` nor what the dispatcher and the reply sender log and store.
    #[test]
    fn error_texts_carry_codes_not_metas_message() {
        let quoted = "Recipient +6281234567890 (6281234567890) is not a WhatsApp user";
        for (http, code) in [
            (400, Some(131026)),
            (400, Some(131047)),
            (400, Some(130429)),
            (400, Some(132001)),
            (400, Some(131000)),
            (400, None),
            (500, None),
            (502, Some(2)),
        ] {
            let e = classify(http, code, quoted.into());
            let shown = e.to_string();
            let sent = super::super::outbound::send_error(classify(http, code, quoted.into()));
            for text in [shown, sent.to_string(), e.log_code()] {
                assert!(!text.contains("81234567890"), "{http} {code:?}: {text}");
            }
        }
        let e = classify(400, Some(131026), quoted.into());
        assert_eq!(e.to_string(), "recipient unreachable (131026)");
    }
}
