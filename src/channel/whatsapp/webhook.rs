//! The webhook endpoint. `GET` answers Meta's subscription check; `POST` takes updates,
//! checks their `X-Hub-Signature-256` (HMAC-SHA256 of the raw body with the app secret,
//! compared in constant time), stores the body and answers 200 at once; the processor
//! handles it afterwards. Nothing is stored or changed for a request without a valid
//! signature: 401 when the header is missing, 403 when it is wrong.

use super::WEBHOOK_PATH;
use super::clock::Clock;
use super::config::Secret;
use super::writer::Writer;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::mpsc;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";

pub(crate) struct WebhookState {
    pub(crate) app_secret: Secret,
    pub(crate) verify_token: Secret,
    pub(crate) writer: Writer,
    pub(crate) queue: mpsc::UnboundedSender<(i64, String)>,
    pub(crate) clock: Arc<dyn Clock>,
}

/// The routes. A panic in them is answered 200 (see [`crate::server`]): Meta retries
/// anything else for days, and the same body would panic again each time.
pub(crate) fn router(state: WebhookState) -> Router {
    let router = Router::new()
        .route(WEBHOOK_PATH, get(verify).post(receive))
        .with_state(Arc::new(state));
    crate::server::answer_panics(router, StatusCode::OK)
}

/// Why a signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureError {
    /// No `X-Hub-Signature-256` header.
    Missing,
    /// Malformed, or not the HMAC of the body.
    Invalid,
}

/// The `X-Hub-Signature-256` value Meta sends for `body` (`sha256=<hex>`).
pub fn sign(app_secret: &str, body: &[u8]) -> String {
    // HMAC takes keys of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Checks a signature header against `body`, in constant time.
pub fn check_signature(
    app_secret: &str,
    body: &[u8],
    header: Option<&str>,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let hex_sig = header
        .trim()
        .strip_prefix("sha256=")
        .ok_or(SignatureError::Invalid)?;
    let sig = hex::decode(hex_sig).map_err(|_| SignatureError::Invalid)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret.as_bytes())
        .map_err(|_| SignatureError::Invalid)?;
    mac.update(body);
    mac.verify_slice(&sig).map_err(|_| SignatureError::Invalid)
}

async fn verify(
    State(s): State<Arc<WebhookState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mode = q.get("hub.mode").map(String::as_str);
    let token = q.get("hub.verify_token").map(String::as_str).unwrap_or("");
    match (mode, q.get("hub.challenge")) {
        (Some("subscribe"), Some(challenge))
            if crate::config::constant_time_eq(
                token.as_bytes(),
                s.verify_token.expose().as_bytes(),
            ) =>
        {
            tracing::info!("WhatsApp webhook subscription verified");
            (StatusCode::OK, challenge.clone()).into_response()
        }
        _ => {
            tracing::warn!("WhatsApp webhook verification refused");
            StatusCode::FORBIDDEN.into_response()
        }
    }
}

async fn receive(
    State(s): State<Arc<WebhookState>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = headers
        .get(SIGNATURE_HEADER)
        .map(|v| v.to_str().unwrap_or("invalid"));
    let checked = check_signature(s.app_secret.expose(), &body, header);
    if checked.is_err() {
        crate::metrics::webhook_rejected(crate::model::Channel::WhatsApp);
    }
    match checked {
        Ok(()) => {}
        Err(SignatureError::Missing) => {
            tracing::warn!("WhatsApp webhook without a signature refused");
            return StatusCode::UNAUTHORIZED;
        }
        Err(SignatureError::Invalid) => {
            tracing::warn!("WhatsApp webhook with a wrong signature refused");
            return StatusCode::FORBIDDEN;
        }
    }
    let Ok(text) = String::from_utf8(body.to_vec()) else {
        tracing::warn!("WhatsApp webhook body is not UTF-8; refused");
        return StatusCode::BAD_REQUEST;
    };
    match s.writer.store_inbound(text.clone(), s.clock.now()).await {
        Ok(id) => {
            // A stopped processor leaves the body stored for the next start.
            let _ = s.queue.send((id, text));
            StatusCode::OK
        }
        Err(e) => {
            // Meta retries what is not answered 200: nothing is lost.
            tracing::error!(error = %e, "cannot store a WhatsApp webhook body; asking Meta to retry");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures() {
        let body = br#"{"object":"whatsapp_business_account"}"#;
        let sig = sign("s3cret", body);
        assert!(sig.starts_with("sha256="));
        assert_eq!(check_signature("s3cret", body, Some(&sig)), Ok(()));
        assert_eq!(
            check_signature("other", body, Some(&sig)),
            Err(SignatureError::Invalid)
        );
        assert_eq!(
            check_signature("s3cret", b"tampered", Some(&sig)),
            Err(SignatureError::Invalid)
        );
        assert_eq!(
            check_signature("s3cret", body, Some("sha256=zz")),
            Err(SignatureError::Invalid)
        );
        assert_eq!(
            check_signature("s3cret", body, None),
            Err(SignatureError::Missing)
        );
        assert!(crate::config::constant_time_eq(b"abc", b"abc"));
        assert!(!crate::config::constant_time_eq(b"abc", b"abd"));
        assert!(!crate::config::constant_time_eq(b"abc", b"ab"));
    }
}
