//! A fake WhatsApp Graph API: real HTTP on 127.0.0.1 (axum), recording every message sent
//! to `POST /{version}/{phone-number-id}/messages` (or under a tag a client's API URL adds,
//! `/{tag}/{version}/…`: see [`Sent::via`]) and answering as the Cloud API does
//! (`{"messages":[{"id":"wamid…"}]}`), or with an injected error (131047, 130429, 131056,
//! 5xx) in Meta's error shape.
#![allow(dead_code)]

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, mpsc};

/// A message the fake accepted.
#[derive(Debug, Clone)]
pub struct Sent {
    /// The request body.
    pub body: Value,
    /// The id the fake gave it.
    pub wamid: String,
    /// The recipient (`to`).
    pub to: String,
    /// When it arrived.
    pub at: Instant,
    /// The first segment of the path before `/{version}/`, when the client's API URL has
    /// one (`http://127.0.0.1:<port>/p3`): a tag telling clients apart, such as the
    /// processes of a crash test.
    pub via: Option<String>,
}

impl Sent {
    /// `text`, `interactive` or `template`.
    pub fn kind(&self) -> &str {
        self.body["type"].as_str().unwrap_or("")
    }
    /// The text shown: the text body or the interactive body.
    pub fn text(&self) -> String {
        match self.kind() {
            "text" => self.body["text"]["body"].as_str().unwrap_or("").to_string(),
            "interactive" => self.body["interactive"]["body"]["text"]
                .as_str()
                .unwrap_or("")
                .to_string(),
            _ => String::new(),
        }
    }
    /// `button` or `list` for interactive messages.
    pub fn interactive_type(&self) -> &str {
        self.body["interactive"]["type"].as_str().unwrap_or("")
    }
    /// (id, title) of every button or list row.
    pub fn choices(&self) -> Vec<(String, String)> {
        let i = &self.body["interactive"];
        let pick = |v: &Value| {
            (
                v["id"].as_str().unwrap_or("").to_string(),
                v["title"].as_str().unwrap_or("").to_string(),
            )
        };
        match i["type"].as_str() {
            Some("button") => i["action"]["buttons"]
                .as_array()
                .map(|b| b.iter().map(|b| pick(&b["reply"])).collect())
                .unwrap_or_default(),
            Some("list") => i["action"]["sections"]
                .as_array()
                .map(|s| {
                    s.iter()
                        .flat_map(|s| s["rows"].as_array().cloned().unwrap_or_default())
                        .map(|r| pick(&r))
                        .collect()
                })
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }
}

/// An error to answer the next request with.
#[derive(Debug, Clone, Copy)]
pub enum Inject {
    /// Meta's error shape with this code, HTTP 400.
    Code(i64),
    /// A bare HTTP status (5xx).
    Http(u16),
    /// Meta's error shape with this code, HTTP 400, whose message and details quote the
    /// recipient's number as the request gave it (as Meta's "not a valid WhatsApp user"
    /// and "not in allowed list" errors do): what a log of the error text would leak.
    QuotingRecipient(i64),
}

#[derive(Default)]
struct FakeState {
    phone_number_id: String,
    token: String,
    sent: Mutex<Vec<Sent>>,
    inject: Mutex<VecDeque<Inject>>,
    /// Every request: when, and the error code answered (None for success).
    attempts: Mutex<Vec<(Instant, Option<i64>)>>,
    counter: AtomicU64,
    notify: Notify,
    hook: Mutex<Option<mpsc::UnboundedSender<(String, Instant)>>>,
    /// Keep no bodies (benchmarks).
    quiet: std::sync::atomic::AtomicBool,
}

/// The running fake.
pub struct FakeGraphApi {
    /// Base URL (`http://127.0.0.1:port`), for `WHATSAPP_API_URL`.
    pub url: String,
    state: Arc<FakeState>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeGraphApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeGraphApi {
    /// Starts the fake for one phone number id and access token.
    pub async fn start(phone_number_id: &str, token: &str) -> FakeGraphApi {
        let state = Arc::new(FakeState {
            phone_number_id: phone_number_id.into(),
            token: token.into(),
            ..Default::default()
        });
        let app = Router::new()
            .route("/{version}/{phone}", axum::routing::get(phone_number))
            .route("/{version}/{phone}/messages", post(messages))
            .route("/{via}/{version}/{phone}/messages", post(messages_tagged))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind fake Graph API");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let task = tokio::spawn(async move {
            // As Telegram's and Meta's servers: no Nagle delay on small answers.
            let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
                let _ = tcp.set_nodelay(true);
            });
            let _ = axum::serve(listener, app).await;
        });
        FakeGraphApi { url, state, task }
    }

    /// Answers the next request with `i` (queued in order).
    pub fn inject(&self, i: Inject) {
        self.state.inject.lock().unwrap().push_back(i);
    }

    /// Everything accepted so far.
    pub fn sent(&self) -> Vec<Sent> {
        self.state.sent.lock().unwrap().clone()
    }

    /// How many were accepted.
    pub fn count(&self) -> usize {
        self.state.sent.lock().unwrap().len()
    }

    /// Every request, with the error code answered.
    pub fn attempts(&self) -> Vec<(Instant, Option<i64>)> {
        self.state.attempts.lock().unwrap().clone()
    }

    /// Sends (recipient, arrival time) of each accepted message to `tx`, and keeps no
    /// bodies (for benchmarks).
    pub fn set_hook(&self, tx: mpsc::UnboundedSender<(String, Instant)>) {
        *self.state.hook.lock().unwrap() = Some(tx);
        self.state.quiet.store(true, Ordering::Relaxed);
    }

    /// Waits until at least `n` messages were accepted in all; panics after `timeout`.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Sent> {
        let deadline = Instant::now() + timeout;
        loop {
            let notified = self.state.notify.notified();
            {
                let sent = self.state.sent.lock().unwrap();
                if sent.len() >= n {
                    return sent.clone();
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || tokio::time::timeout(left, notified).await.is_err() {
                let sent = self.sent();
                panic!(
                    "waited for {n} messages, got {}: {:#?}",
                    sent.len(),
                    sent.iter().map(|s| s.text()).collect::<Vec<_>>()
                );
            }
        }
    }
}

fn meta_error(code: i64) -> Value {
    let (message, details) = match code {
        131047 => (
            "(#131047) Re-engagement message",
            "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
        ),
        130429 => (
            "(#130429) Rate limit hit",
            "Cloud API message throughput has been reached.",
        ),
        131056 => (
            "(#131056) (Business Account, Consumer Account) pair rate limit hit",
            "Too many messages sent from the sender phone number to the same recipient phone number in a short period of time.",
        ),
        _ => ("(#131000) Something went wrong", "Something went wrong."),
    };
    json!({ "error": {
        "message": message, "type": "OAuthException", "code": code,
        "error_data": { "messaging_product": "whatsapp", "details": details },
        "fbtrace_id": "AfakeTraceId",
    }})
}

async fn messages(
    State(s): State<Arc<FakeState>>,
    Path((_version, phone)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    messages_via(s, None, phone, headers, body).await
}

/// A request under a tagged API URL (see [`Sent::via`]).
async fn messages_tagged(
    State(s): State<Arc<FakeState>>,
    Path((via, _version, phone)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    messages_via(s, Some(via), phone, headers, body).await
}

/// `GET /{version}/{phone-number-id}`: the number's record, as `jejak doctor` reads it.
async fn phone_number(
    State(s): State<Arc<FakeState>>,
    Path((_version, phone)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if auth != format!("Bearer {}", s.token) {
        let e = json!({"error": {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}});
        return (StatusCode::UNAUTHORIZED, axum::Json(e)).into_response();
    }
    if phone != s.phone_number_id {
        let e = json!({"error": {"message": "Unsupported get request.", "type": "GraphMethodException", "code": 100}});
        return (StatusCode::BAD_REQUEST, axum::Json(e)).into_response();
    }
    axum::Json(json!({
        "display_phone_number": "+62 811-0000-0000",
        "verified_name": "SMK Contoh",
        "id": phone,
    }))
    .into_response()
}

async fn messages_via(
    s: Arc<FakeState>,
    via: Option<String>,
    phone: String,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let now = Instant::now();
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if auth != format!("Bearer {}", s.token) {
        s.attempts.lock().unwrap().push((now, Some(190)));
        let e = json!({"error": {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}});
        return (StatusCode::UNAUTHORIZED, axum::Json(e)).into_response();
    }
    if phone != s.phone_number_id {
        s.attempts.lock().unwrap().push((now, Some(100)));
        let e = json!({"error": {"message": "Unsupported post request.", "type": "GraphMethodException", "code": 100}});
        return (StatusCode::BAD_REQUEST, axum::Json(e)).into_response();
    }
    let injected = s.inject.lock().unwrap().pop_front();
    match injected {
        Some(Inject::Code(code)) => {
            s.attempts.lock().unwrap().push((now, Some(code)));
            return (StatusCode::BAD_REQUEST, axum::Json(meta_error(code))).into_response();
        }
        Some(Inject::QuotingRecipient(code)) => {
            s.attempts.lock().unwrap().push((now, Some(code)));
            let to = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|b| b["to"].as_str().map(str::to_string))
                .unwrap_or_default();
            let e = json!({ "error": {
                "message": format!("(#{code}) Recipient phone number +{to} is not a valid WhatsApp user"),
                "type": "OAuthException", "code": code,
                "error_data": { "messaging_product": "whatsapp",
                    "details": format!("The number {to} could not be reached.") },
                "fbtrace_id": "AfakeTraceId",
            }});
            return (StatusCode::BAD_REQUEST, axum::Json(e)).into_response();
        }
        Some(Inject::Http(status)) => {
            s.attempts
                .lock()
                .unwrap()
                .push((now, Some(i64::from(status))));
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return (status, "upstream failure").into_response();
        }
        None => {}
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, axum::Json(meta_error(100))).into_response();
    };
    // `recipient` carries a business-scoped user id instead of a number.
    let to = body["to"]
        .as_str()
        .or(body["recipient"].as_str())
        .unwrap_or("")
        .to_string();
    let n = s.counter.fetch_add(1, Ordering::Relaxed);
    let wamid = format!("wamid.FAKE{n:012}");
    if !s.quiet.load(Ordering::Relaxed) {
        s.attempts.lock().unwrap().push((now, None));
    }
    if let Some(hook) = s.hook.lock().unwrap().as_ref() {
        let _ = hook.send((to.clone(), now));
    }
    if !s.quiet.load(Ordering::Relaxed) {
        s.sent.lock().unwrap().push(Sent {
            body,
            wamid: wamid.clone(),
            to: to.clone(),
            at: now,
            via,
        });
    }
    s.notify.notify_waiters();
    axum::Json(json!({
        "messaging_product": "whatsapp",
        "contacts": [{ "input": to, "wa_id": to }],
        "messages": [{ "id": wamid }],
    }))
    .into_response()
}

impl FakeGraphApi {
    /// Everything accepted for one recipient (`to`, digits), in order of arrival.
    pub fn sent_to(&self, to: &str) -> Vec<Sent> {
        self.state
            .sent
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.to == to)
            .cloned()
            .collect()
    }
}

/// What Meta does with a webhook body: POSTs it to `url` signed with `app_secret`
/// (`X-Hub-Signature-256`); returns the status the bot answered.
#[allow(dead_code)]
pub async fn post_signed(http: &reqwest::Client, url: &str, app_secret: &str, body: &str) -> u16 {
    http.post(url)
        .header("content-type", "application/json")
        .header(
            jejak::channel::whatsapp::webhook::SIGNATURE_HEADER,
            jejak::channel::whatsapp::webhook::sign(app_secret, body.as_bytes()),
        )
        .body(body.to_string())
        .send()
        .await
        .expect("the webhook answers")
        .status()
        .as_u16()
}
