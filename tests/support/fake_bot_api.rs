//! A fake Telegram Bot API server for black-box tests: real HTTP on 127.0.0.1, answering the
//! way `api.telegram.org` does, so the real teloxide client (or a separate `jejak` process
//! with `TELEGRAM_API_URL` pointed here) can be tested without the internet.
//!
//! Self-contained: include it with `#[path = "support/fake_bot_api.rs"] mod fake_bot_api;`
//! (it needs only axum, tokio, serde_json and reqwest).
//!
//! ```ignore
//! let api = FakeBotApi::start(TOKEN).await;          // or FakeBotApi::serve_on(listener, TOKEN)
//! let bot = teloxide::Bot::new(TOKEN).set_api_url(api.url());
//! api.push_text(42, "/start abc", Some("id"));      // an update for getUpdates
//! api.wait_for_sends(42, 1, Duration::from_secs(5)).await;
//! let msgs = api.sent_to(42);                       // what the bot sent to chat 42
//! api.press(42, "Ya");                              // press a button of the last keyboard
//! api.inject("sendMessage", Fault::RetryAfter(1), 1); // next sendMessage answers 429
//! api.block(42);                                    // 403 "bot was blocked by the user"
//! api.set_rate_limit(Some(30));                     // >30 sendMessage per rolling second → 429
//! api.send_counts();                                // sendMessage successes per chat_id
//! ```
//!
//! Behaviour: requests go to `POST /bot<token>/<method>`; method names match
//! case-insensitively (teloxide sends `SendMessage`); a wrong token gets 401. Implemented:
//! getMe, getUpdates (offset confirms earlier updates, unconfirmed ones come back; long
//! polling up to `timeout` seconds), sendMessage, editMessageText, editMessageReplyMarkup,
//! answerCallbackQuery, setMyCommands, setWebhook (URL and `secret_token` kept, so
//! [`FakeBotApi::deliver`] can post updates like Telegram does), deleteWebhook. Anything else
//! answers 404 "Not Found" as Telegram does. Every request is recorded.

#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

/// The fake bot's own user id.
pub const BOT_ID: i64 = 777_000_001;
/// The fake bot's username.
pub const BOT_USERNAME: &str = "jejak_test_bot";

/// A failure to inject into the next call(s) of a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 429 Too Many Requests with `parameters.retry_after` seconds.
    RetryAfter(u32),
    /// A 5xx with Telegram's JSON error body.
    Server(u16),
    /// 403 "Forbidden: bot was blocked by the user".
    Blocked,
    /// 400 with this fixed description ("Bad Request: chat not found").
    BadRequest,
}

/// One request the bot made.
#[derive(Debug, Clone)]
pub struct Call {
    /// The method name in lower case (`sendmessage`).
    pub method: String,
    /// The JSON parameters.
    pub params: Value,
    /// When it arrived.
    pub at: Instant,
    /// The HTTP status answered.
    pub status: u16,
    /// The first segment of the path before `/bot<token>/`, when the client's API URL has
    /// one (`http://127.0.0.1:<port>/p3`): a tag telling clients apart, such as the
    /// processes of a crash test.
    pub via: Option<String>,
}

/// A message the bot sent (as it stands after edits).
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    /// Telegram's message id.
    pub message_id: i64,
    /// The chat.
    pub chat_id: i64,
    /// The text as sent (HTML when `parse_mode` is HTML).
    pub text: String,
    /// `parse_mode` as sent.
    pub parse_mode: Option<String>,
    /// The inline keyboard (`{"inline_keyboard": [[{text, callback_data}]]}`), if any.
    pub reply_markup: Option<Value>,
}

impl Sent {
    /// The keyboard's buttons as (label, callback data), row by row.
    pub fn buttons(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(rows) = self
            .reply_markup
            .as_ref()
            .and_then(|m| m.get("inline_keyboard"))
            .and_then(Value::as_array)
        {
            for b in rows.iter().filter_map(Value::as_array).flatten() {
                let label = b.get("text").and_then(Value::as_str).unwrap_or_default();
                let data = b
                    .get("callback_data")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                out.push((label.to_string(), data.to_string()));
            }
        }
        out
    }
}

/// What became of one queued update: the account of a stalled conversation.
#[derive(Debug, Clone)]
pub struct UpdateLog {
    /// The update id.
    pub update_id: i64,
    /// The chat it came from.
    pub chat: Option<i64>,
    /// Its text, or the pressed button's data.
    pub what: String,
    /// How many times getUpdates served it.
    pub served: u32,
    /// Whether an offset confirmed it (it is gone from the queue).
    pub confirmed: bool,
    /// Confirmed by an offset before getUpdates had ever served it: the bot never saw it.
    pub confirmed_unserved: bool,
}

impl UpdateLog {
    fn of(update: &Value) -> UpdateLog {
        let msg = update.get("message");
        let query = update.get("callback_query");
        let chat = msg
            .and_then(|m| m.pointer("/chat/id"))
            .or_else(|| query.and_then(|q| q.pointer("/from/id")))
            .and_then(Value::as_i64);
        let what = msg
            .and_then(|m| m.get("text"))
            .or_else(|| query.and_then(|q| q.get("data")))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        UpdateLog {
            update_id: update.get("update_id").and_then(Value::as_i64).unwrap_or(0),
            chat,
            what,
            served: 0,
            confirmed: false,
            confirmed_unserved: false,
        }
    }
}

#[derive(Default)]
struct ApiState {
    next_update_id: i64,
    /// Updates not confirmed by a getUpdates offset yet.
    updates: VecDeque<Value>,
    calls: Vec<Call>,
    /// Whether `calls` is kept (benchmarks turn it off: a long run would grow it without end).
    forget_calls: bool,
    /// Every message in every chat (the bot's and the users'), by (chat, message id).
    messages: HashMap<(i64, i64), Sent>,
    /// The bot's messages in order of sending.
    sent_order: Vec<(i64, i64)>,
    /// When each of the bot's messages was taken, by (chat, message id).
    sent_at: HashMap<(i64, i64), Instant>,
    next_message_id: HashMap<i64, i64>,
    send_counts: HashMap<i64, u64>,
    blocked: HashMap<i64, &'static str>,
    faults: VecDeque<(String, Fault)>,
    delay: Option<Duration>,
    /// Answers held back after the call was carried out, by method (a reply slower than
    /// the bot's HTTP timeout: delivered, answered late).
    slow_answers: VecDeque<(String, Duration)>,
    rate_limit: Option<u32>,
    window: VecDeque<Instant>,
    rate_limited: u64,
    webhook: Option<(String, Option<String>)>,
    /// The highest update id getUpdates has served.
    served_up_to: i64,
    /// Updates getUpdates served again (not confirmed by an offset in time).
    reserved: u64,
    /// Every update queued, in order of queueing (not kept with `forget_calls`).
    log: Vec<UpdateLog>,
    /// Index of `log` by update id.
    log_at: HashMap<i64, usize>,
}

impl ApiState {
    /// The next update id, and the next message id of `chat`.
    fn next_ids(&mut self, chat: i64) -> (i64, i64) {
        self.next_update_id += 1;
        let n = self.next_message_id.entry(chat).or_insert(0);
        *n += 1;
        (self.next_update_id, *n)
    }

    fn text_update(&mut self, chat: i64, text: &str, lang: Option<&str>) -> Value {
        let (uid, mid) = self.next_ids(chat);
        let mut msg = json!({
            "message_id": mid,
            "date": now_unix(),
            "chat": chat_json(chat),
            "from": user_json(chat, lang),
            "text": text,
        });
        if text.starts_with('/') {
            let len = text
                .split_whitespace()
                .next()
                .map(|w| w.encode_utf16().count())
                .unwrap_or(0);
            msg["entities"] = json!([{"offset": 0, "length": len, "type": "bot_command"}]);
        }
        json!({"update_id": uid, "message": msg})
    }

    fn callback_update(&mut self, chat: i64, message_id: i64, data: &str) -> Value {
        let message = self
            .messages
            .get(&(chat, message_id))
            .map(|m| message_json(m, true));
        let (uid, _) = self.next_ids(chat);
        let mut q = json!({
            "id": format!("cq{uid}"),
            "from": user_json(chat, None),
            "chat_instance": format!("ci{chat}"),
            "data": data,
        });
        if let Some(m) = message {
            q["message"] = m;
        }
        json!({"update_id": uid, "callback_query": q})
    }

    /// Queues `update` for getUpdates (and its log entry); returns its id.
    fn enqueue(&mut self, update: Value) -> i64 {
        let id = update.get("update_id").and_then(Value::as_i64).unwrap_or(0);
        if !self.forget_calls {
            let at = self.log.len();
            self.log.push(UpdateLog::of(&update));
            self.log_at.insert(id, at);
        }
        self.updates.push_back(update);
        id
    }

    fn log_mut(&mut self, id: i64) -> Option<&mut UpdateLog> {
        let at = *self.log_at.get(&id)?;
        self.log.get_mut(at)
    }
}

struct Inner {
    token: String,
    state: Mutex<ApiState>,
    /// Woken when an update is queued (long polling).
    updates_changed: tokio::sync::Notify,
    /// Woken after each request (tests waiting for sends).
    activity: tokio::sync::Notify,
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, ApiState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The fake server. Dropping it stops serving.
pub struct FakeBotApi {
    inner: Arc<Inner>,
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
    http: reqwest::Client,
}

impl Drop for FakeBotApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn ok(result: Value) -> Response {
    (
        StatusCode::OK,
        axum::Json(json!({"ok": true, "result": result})),
    )
        .into_response()
}

fn fail(code: u16, description: &str, retry_after: Option<u32>) -> Response {
    let mut body = json!({"ok": false, "error_code": code, "description": description});
    if let Some(s) = retry_after {
        body["parameters"] = json!({ "retry_after": s });
    }
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(body)).into_response()
}

fn fault_response(f: Fault) -> Response {
    match f {
        Fault::RetryAfter(s) => fail(429, &format!("Too Many Requests: retry after {s}"), Some(s)),
        Fault::Server(code) => fail(code, "Internal Server Error", None),
        Fault::Blocked => fail(403, "Forbidden: bot was blocked by the user", None),
        Fault::BadRequest => fail(400, "Bad Request: chat not found", None),
    }
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

fn user_json(chat: i64, lang: Option<&str>) -> Value {
    let mut u = json!({"id": chat, "is_bot": false, "first_name": "Alumni"});
    if let Some(l) = lang {
        u["language_code"] = json!(l);
    }
    u
}

fn chat_json(chat: i64) -> Value {
    json!({"id": chat, "type": "private", "first_name": "Alumni"})
}

fn message_json(m: &Sent, from_bot: bool) -> Value {
    let from = if from_bot {
        json!({"id": BOT_ID, "is_bot": true, "first_name": "Jejak", "username": BOT_USERNAME})
    } else {
        user_json(m.chat_id, None)
    };
    let mut v = json!({
        "message_id": m.message_id,
        "date": now_unix(),
        "chat": chat_json(m.chat_id),
        "from": from,
        "text": m.text,
    });
    if let Some(k) = &m.reply_markup {
        v["reply_markup"] = k.clone();
    }
    v
}

fn chat_id_of(params: &Value) -> Option<i64> {
    match params.get("chat_id")? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// An empty keyboard is how Telegram shows "no keyboard".
fn markup_of(params: &Value) -> Option<Value> {
    params
        .get("reply_markup")
        .filter(|m| {
            m.get("inline_keyboard")
                .and_then(Value::as_array)
                .is_some_and(|rows| !rows.is_empty())
        })
        .cloned()
}

/// The fields of a `multipart/form-data` body (teloxide sends setWebhook that way) as a
/// JSON object of strings; fields that hold JSON stay strings.
fn multipart_params(content_type: &str, body: &[u8]) -> Value {
    let Some(boundary) = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))
    else {
        return json!({});
    };
    let boundary = format!("--{}", boundary.trim_matches('"'));
    let text = String::from_utf8_lossy(body);
    let mut out = serde_json::Map::new();
    for part in text.split(boundary.as_str()) {
        let Some((head, value)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let Some(name) = head
            .split("name=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
        else {
            continue;
        };
        let value = value.strip_suffix("\r\n").unwrap_or(value);
        out.insert(name.to_string(), Value::String(value.to_string()));
    }
    Value::Object(out)
}

async fn handle(
    State(inner): State<Arc<Inner>>,
    Path((bot, method)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    handle_via(inner, None, bot, method, headers, body).await
}

/// A request under a tagged API URL (see [`Call::via`]).
async fn handle_tagged(
    State(inner): State<Arc<Inner>>,
    Path((via, bot, method)): Path<(String, String, String)>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    handle_via(inner, Some(via), bot, method, headers, body).await
}

async fn handle_via(
    inner: Arc<Inner>,
    via: Option<String>,
    bot: String,
    method: String,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    let method = method.to_ascii_lowercase();
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let params: Value = if body.is_empty() {
        json!({})
    } else if content_type.starts_with("multipart/form-data") {
        multipart_params(content_type, &body)
    } else {
        serde_json::from_slice(&body).unwrap_or(json!({}))
    };
    call(&inner, &bot, method, params, via).await
}

/// Answers one call and records it.
async fn call(
    inner: &Arc<Inner>,
    bot: &str,
    method: String,
    params: Value,
    via: Option<String>,
) -> Response {
    let resp = respond(inner, bot, &method, &params).await;
    let status = resp.status().as_u16();
    let mut st = inner.lock();
    if !st.forget_calls {
        st.calls.push(Call {
            method,
            params,
            at: Instant::now(),
            status,
            via,
        });
    }
    drop(st);
    inner.activity.notify_waiters();
    resp
}

async fn respond(inner: &Arc<Inner>, bot: &str, method: &str, params: &Value) -> Response {
    let slow = {
        let mut st = inner.lock();
        st.slow_answers
            .iter()
            .position(|(m, _)| m == method)
            .and_then(|i| st.slow_answers.remove(i))
            .map(|(_, d)| d)
    };
    let resp = respond_now(inner, bot, method, params).await;
    if let Some(d) = slow {
        // Carried out (and recorded) already; only the answer is late.
        tokio::time::sleep(d).await;
    }
    resp
}

async fn respond_now(inner: &Arc<Inner>, bot: &str, method: &str, params: &Value) -> Response {
    if bot.strip_prefix("bot") != Some(inner.token.as_str()) {
        return fail(401, "Unauthorized", None);
    }
    if method == "getupdates" {
        return get_updates(inner, params).await;
    }
    let delay = inner.lock().delay;
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    let mut st = inner.lock();
    if let Some(i) = st.faults.iter().position(|(m, _)| m == method || m == "*") {
        let (_, f) = st
            .faults
            .remove(i)
            .unwrap_or_else(|| (String::new(), Fault::Server(500)));
        return fault_response(f);
    }
    let chat = chat_id_of(params);
    match method {
        "getme" => ok(json!({
            "id": BOT_ID, "is_bot": true, "first_name": "Jejak", "username": BOT_USERNAME,
            "can_join_groups": false, "can_read_all_group_messages": false,
            "supports_inline_queries": false, "can_connect_to_business": false,
            "has_main_web_app": false
        })),
        "sendmessage" => {
            let Some(chat) = chat else {
                return fail(400, "Bad Request: chat_id is empty", None);
            };
            if let Some(d) = st.blocked.get(&chat) {
                return fail(403, d, None);
            }
            let Some(text) = params.get("text").and_then(Value::as_str) else {
                return fail(400, "Bad Request: message text is empty", None);
            };
            if text.chars().count() > 4096 {
                return fail(400, "Bad Request: message is too long", None);
            }
            if let Some(limit) = st.rate_limit {
                let now = Instant::now();
                while st
                    .window
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
                {
                    st.window.pop_front();
                }
                if st.window.len() >= limit as usize {
                    st.rate_limited += 1;
                    return fail(429, "Too Many Requests: retry after 1", Some(1));
                }
                st.window.push_back(now);
            }
            let id = {
                let n = st.next_message_id.entry(chat).or_insert(0);
                *n += 1;
                *n
            };
            let m = Sent {
                message_id: id,
                chat_id: chat,
                text: text.to_string(),
                parse_mode: params
                    .get("parse_mode")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                reply_markup: markup_of(params),
            };
            let v = message_json(&m, true);
            st.messages.insert((chat, id), m);
            st.sent_order.push((chat, id));
            st.sent_at.insert((chat, id), Instant::now());
            *st.send_counts.entry(chat).or_insert(0) += 1;
            ok(v)
        }
        "editmessagetext" | "editmessagereplymarkup" => {
            let (Some(chat), Some(id)) = (chat, params.get("message_id").and_then(Value::as_i64))
            else {
                return fail(400, "Bad Request: message to edit not found", None);
            };
            let Some(m) = st.messages.get_mut(&(chat, id)) else {
                return fail(400, "Bad Request: message to edit not found", None);
            };
            let new_markup = markup_of(params);
            let new_text = params.get("text").and_then(Value::as_str);
            let unchanged = new_markup == m.reply_markup && new_text.is_none_or(|t| t == m.text);
            if unchanged {
                return fail(
                    400,
                    "Bad Request: message is not modified: specified new message content and \
                     reply markup are exactly the same as a current content and reply markup \
                     of the message",
                    None,
                );
            }
            m.reply_markup = new_markup;
            if let Some(t) = new_text {
                m.text = t.to_string();
            }
            let v = message_json(m, true);
            ok(v)
        }
        "answercallbackquery" | "setmycommands" => ok(json!(true)),
        "deletewebhook" => {
            st.webhook = None;
            ok(json!(true))
        }
        "getwebhookinfo" => ok(json!({
            "url": st.webhook.as_ref().map(|(u, _)| u.as_str()).unwrap_or(""),
            "has_custom_certificate": false,
            "pending_update_count": st.updates.len(),
        })),
        "setwebhook" => {
            let url = params
                .get("url")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let secret = params
                .get("secret_token")
                .and_then(Value::as_str)
                .map(str::to_string);
            st.webhook = (!url.is_empty()).then(|| (url.to_string(), secret));
            ok(json!(true))
        }
        _ => fail(404, "Not Found", None),
    }
}

async fn get_updates(inner: &Arc<Inner>, params: &Value) -> Response {
    let offset = params.get("offset").and_then(Value::as_i64).unwrap_or(0);
    let timeout = params
        .get("timeout")
        .and_then(Value::as_u64)
        .unwrap_or(0)
        .min(50);
    let limit = params
        .get("limit")
        .and_then(Value::as_u64)
        .unwrap_or(100)
        .clamp(1, 100) as usize;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
    loop {
        let notified = inner.updates_changed.notified();
        {
            let mut st = inner.lock();
            if st.webhook.is_some() {
                return fail(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; use \
                     deleteWebhook to delete the webhook first",
                    None,
                );
            }
            // An offset confirms every update before it.
            while st
                .updates
                .front()
                .and_then(|u| u.get("update_id"))
                .and_then(Value::as_i64)
                .is_some_and(|id| id < offset)
            {
                let gone = st.updates.pop_front();
                let id = gone
                    .as_ref()
                    .and_then(|u| u.get("update_id"))
                    .and_then(Value::as_i64)
                    .unwrap_or(0);
                if let Some(l) = st.log_mut(id) {
                    l.confirmed = true;
                    l.confirmed_unserved = l.served == 0;
                }
            }
            if !st.updates.is_empty() {
                let batch: Vec<Value> = st.updates.iter().take(limit).cloned().collect();
                for id in batch
                    .iter()
                    .filter_map(|u| u.get("update_id").and_then(Value::as_i64))
                {
                    if id <= st.served_up_to {
                        st.reserved += 1;
                    }
                    st.served_up_to = st.served_up_to.max(id);
                    if let Some(l) = st.log_mut(id) {
                        l.served += 1;
                    }
                }
                return ok(Value::Array(batch));
            }
        }
        if tokio::time::timeout_at(deadline, notified).await.is_err() {
            return ok(json!([]));
        }
    }
}

impl FakeBotApi {
    /// Starts on a fresh port of 127.0.0.1, accepting `token`.
    pub async fn start(token: &str) -> FakeBotApi {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        Self::serve_on(listener, token)
    }

    /// Serves on a listener the caller bound (e.g. a port chosen before a child process
    /// starts).
    pub fn serve_on(listener: tokio::net::TcpListener, token: &str) -> FakeBotApi {
        let addr = listener.local_addr().expect("listener address");
        let inner = Arc::new(Inner {
            token: token.to_string(),
            state: Mutex::new(ApiState {
                next_update_id: 100_000,
                ..Default::default()
            }),
            updates_changed: tokio::sync::Notify::new(),
            activity: tokio::sync::Notify::new(),
        });
        let app = Router::new()
            .route("/{bot}/{method}", post(handle).get(handle))
            .route(
                "/{via}/{bot}/{method}",
                post(handle_tagged).get(handle_tagged),
            )
            .with_state(inner.clone());
        let task = tokio::spawn(async move {
            // As Telegram's and Meta's servers: no Nagle delay on small answers.
            let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
                let _ = tcp.set_nodelay(true);
            });
            let _ = axum::serve(listener, app).await;
        });
        FakeBotApi {
            inner,
            addr,
            task,
            http: reqwest::Client::new(),
        }
    }

    /// The base URL to give the client (`TELEGRAM_API_URL`).
    pub fn url(&self) -> reqwest::Url {
        reqwest::Url::parse(&format!("http://{}/", self.addr)).expect("valid URL")
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Builds a text-message update from the user of private chat `chat` (without queueing
    /// it), with a fresh update id. Commands get their `bot_command` entity.
    pub fn text_update(&self, chat: i64, text: &str, lang: Option<&str>) -> Value {
        self.inner.lock().text_update(chat, text, lang)
    }

    /// Builds a callback-query update: the user of `chat` pressed the button with
    /// `data` under the bot's message `message_id` (as it stands now, keyboard included).
    pub fn callback_update(&self, chat: i64, message_id: i64, data: &str) -> Value {
        self.inner.lock().callback_update(chat, message_id, data)
    }

    /// Queues an update for getUpdates as it is; returns its update id. Telegram's order
    /// is then the caller's: an update queued behind one with a higher id is confirmed by
    /// the offset that confirms that one, served or not. [`FakeBotApi::push_text`] and
    /// [`FakeBotApi::press`] give the id and queue in one step.
    pub fn queue(&self, update: Value) -> i64 {
        let id = self.inner.lock().enqueue(update);
        self.inner.updates_changed.notify_waiters();
        id
    }

    /// Queues a text message from the user of `chat`, with the next update id (given and
    /// queued under one lock, so ids grow in the order of the queue, as Telegram's do).
    pub fn push_text(&self, chat: i64, text: &str, lang: Option<&str>) -> i64 {
        let id = {
            let mut st = self.inner.lock();
            let u = st.text_update(chat, text, lang);
            st.enqueue(u)
        };
        self.inner.updates_changed.notify_waiters();
        id
    }

    /// Queues a press of the button whose label contains `label` on the latest bot message
    /// in `chat` that has a keyboard. Panics when there is none (a test bug).
    pub fn press(&self, chat: i64, label: &str) -> i64 {
        let (mid, data) = self.button(chat, label);
        let id = {
            let mut st = self.inner.lock();
            let u = st.callback_update(chat, mid, &data);
            st.enqueue(u)
        };
        self.inner.updates_changed.notify_waiters();
        id
    }

    /// Builds (without queueing) the update for [`FakeBotApi::press`].
    pub fn press_update(&self, chat: i64, label: &str) -> Value {
        let (mid, data) = self.button(chat, label);
        self.callback_update(chat, mid, &data)
    }

    fn button(&self, chat: i64, label: &str) -> (i64, String) {
        self.find_button(chat, label).unwrap_or_else(|| {
            panic!(
                "no button {label:?} in chat {chat}: {:#?}",
                self.sent_to(chat)
            )
        })
    }

    /// The latest message in `chat` with a button whose label contains `label`: its id and
    /// the button's callback data.
    pub fn find_button(&self, chat: i64, label: &str) -> Option<(i64, String)> {
        self.sent_to(chat).iter().rev().find_map(|m| {
            m.buttons()
                .into_iter()
                .find(|(l, _)| l.contains(label))
                .map(|(_, d)| (m.message_id, d))
        })
    }

    /// Posts an update to the webhook registered with setWebhook, with its secret, as
    /// Telegram does; returns the HTTP status.
    pub async fn deliver(&self, update: &Value) -> u16 {
        let (url, secret) = self.inner.lock().webhook.clone().expect("no webhook set");
        self.post_webhook(&url, secret.as_deref(), update).await
    }

    /// Posts an update to `url` with `secret` (or none) in `X-Telegram-Bot-Api-Secret-Token`.
    pub async fn post_webhook(&self, url: &str, secret: Option<&str>, update: &Value) -> u16 {
        let mut req = self.http.post(url).json(update);
        if let Some(s) = secret {
            req = req.header("X-Telegram-Bot-Api-Secret-Token", s);
        }
        let Ok(r) = req.send().await else { return 0 };
        let status = r.status().as_u16();
        if status == 200 {
            let body = r.bytes().await.unwrap_or_default();
            self.webhook_answer(&body).await;
        }
        status
    }

    /// Makes the Bot API call a webhook answered with, as Telegram does ("Making requests
    /// when getting updates"): a JSON object with `method` and its parameters. Anything else
    /// (an empty body) is ignored. Recorded like any other call.
    pub async fn webhook_answer(&self, body: &[u8]) {
        let Ok(Value::Object(mut params)) = serde_json::from_slice::<Value>(body) else {
            return;
        };
        let Some(Value::String(method)) = params.remove("method") else {
            return;
        };
        let bot = format!("bot{}", self.inner.token);
        call(
            &self.inner,
            &bot,
            method.to_ascii_lowercase(),
            Value::Object(params),
            None,
        )
        .await;
    }

    /// The webhook URL and secret set by the bot, if any.
    pub fn webhook(&self) -> Option<(String, Option<String>)> {
        self.inner.lock().webhook.clone()
    }

    /// The bot's messages to `chat`, in order, as they stand after edits.
    pub fn sent_to(&self, chat: i64) -> Vec<Sent> {
        let st = self.inner.lock();
        st.sent_order
            .iter()
            .filter(|(c, _)| *c == chat)
            .filter_map(|k| st.messages.get(k).cloned())
            .collect()
    }

    /// When the bot's message `message_id` in `chat` was taken.
    pub fn sent_instant(&self, chat: i64, message_id: i64) -> Option<Instant> {
        self.inner.lock().sent_at.get(&(chat, message_id)).copied()
    }

    /// Every request with this method (any case), in order.
    pub fn calls(&self, method: &str) -> Vec<Call> {
        let m = method.to_ascii_lowercase();
        self.inner
            .lock()
            .calls
            .iter()
            .filter(|c| c.method == m)
            .cloned()
            .collect()
    }

    /// Successful sendMessage calls to `chat`.
    pub fn send_count(&self, chat: i64) -> u64 {
        self.inner
            .lock()
            .send_counts
            .get(&chat)
            .copied()
            .unwrap_or(0)
    }

    /// Successful sendMessage calls per chat id.
    pub fn send_counts(&self) -> HashMap<i64, u64> {
        self.inner.lock().send_counts.clone()
    }

    /// Makes the next `times` calls of `method` (any case; `*` for any method but
    /// getUpdates) fail with `fault`.
    pub fn inject(&self, method: &str, fault: Fault, times: usize) {
        let mut st = self.inner.lock();
        for _ in 0..times {
            st.faults.push_back((method.to_ascii_lowercase(), fault));
        }
    }

    /// Every sendMessage to `chat` answers 403 "Forbidden: bot was blocked by the user".
    pub fn block(&self, chat: i64) {
        self.inner
            .lock()
            .blocked
            .insert(chat, "Forbidden: bot was blocked by the user");
    }

    /// Every sendMessage to `chat` answers 403 "Forbidden: user is deactivated".
    pub fn deactivate(&self, chat: i64) {
        self.inner
            .lock()
            .blocked
            .insert(chat, "Forbidden: user is deactivated");
    }

    /// Stops recording calls ([`FakeBotApi::calls`] stays empty); messages are still kept.
    pub fn forget_calls(&self) {
        let mut st = self.inner.lock();
        st.forget_calls = true;
        st.calls = Vec::new();
        st.log = Vec::new();
        st.log_at = HashMap::new();
    }

    /// Carries out the next `method` call (any case) at once, as Telegram does, but answers
    /// it only after `d`: past the bot's HTTP timeout, a message delivered whose answer
    /// never arrives.
    pub fn answer_late(&self, method: &str, d: Duration) {
        self.inner
            .lock()
            .slow_answers
            .push_back((method.to_ascii_lowercase(), d));
    }

    /// Delays every answer but getUpdates by `d` (`None`: no delay).
    pub fn set_delay(&self, d: Option<Duration>) {
        self.inner.lock().delay = d;
    }

    /// Enforces at most `n` successful sendMessage per rolling second, answering 429 with
    /// `retry_after: 1` beyond it (`None`: no limit).
    pub fn set_rate_limit(&self, n: Option<u32>) {
        let mut st = self.inner.lock();
        st.rate_limit = n;
        st.window.clear();
    }

    /// How many updates getUpdates served again because no offset had confirmed them.
    pub fn reserved(&self) -> u64 {
        self.inner.lock().reserved
    }

    /// What became of each update queued from `chat`, in order of queueing.
    pub fn updates_of(&self, chat: i64) -> Vec<UpdateLog> {
        self.inner
            .lock()
            .log
            .iter()
            .filter(|l| l.chat == Some(chat))
            .cloned()
            .collect()
    }

    /// Updates an offset confirmed before getUpdates ever served them (see
    /// [`UpdateLog::confirmed_unserved`]).
    pub fn confirmed_unserved(&self) -> Vec<UpdateLog> {
        self.inner
            .lock()
            .log
            .iter()
            .filter(|l| l.confirmed_unserved)
            .cloned()
            .collect()
    }

    /// How many sendMessage calls the rate limit refused.
    pub fn rate_limited(&self) -> u64 {
        self.inner.lock().rate_limited
    }

    /// Updates queued and not yet confirmed by an offset.
    pub fn pending_updates(&self) -> usize {
        self.inner.lock().updates.len()
    }

    /// Waits until `chat` has received at least `n` messages; false on timeout.
    pub async fn wait_for_sends(&self, chat: i64, n: u64, timeout: Duration) -> bool {
        self.wait_until(timeout, || self.send_count(chat) >= n)
            .await
    }

    /// Waits until `cond` holds, re-checking after every request; false on timeout.
    pub async fn wait_until(&self, timeout: Duration, cond: impl Fn() -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.inner.activity.notified();
            if cond() {
                return true;
            }
            // Re-check now and then too: state may change without a request.
            let wake = (tokio::time::Instant::now() + Duration::from_millis(50)).min(deadline);
            let _ = tokio::time::timeout_at(wake, notified).await;
            if tokio::time::Instant::now() >= deadline {
                return cond();
            }
        }
    }

    /// Waits until no update is pending (the bot confirmed them all) and `chat` is quiet.
    pub async fn wait_idle(&self, timeout: Duration) -> bool {
        self.wait_until(timeout, || self.pending_updates() == 0)
            .await
    }
}
