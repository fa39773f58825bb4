//! The web chat's HTTP handlers. Pages: `GET /c/<token>` and `GET /c/open/<flow>` (an unknown
//! link is a 404 page that says what to do). JSON: `POST /c/api/send` turns the page's
//! message into an [`Inbound`] for the [`Receiver`] and answers with the replies after the
//! page's cursor; `GET /c/api/replies` gives those replies alone (the page's first load, a
//! reload, and an occasional look for what the bot said on its own). Every request counts
//! against the budgets of its client address and its link (`limit.rs`); over one, 429.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sha2::Digest as _;

use super::limit::OverLimit;
use super::page::{self, Link};
use super::render::{WebReply, render};
use super::{BROWSER_COOKIE, WebState};
use crate::conversation::{Content, Inbound};
use crate::model::{Channel, Lang};
use crate::store::Settled;

/// The most characters of one typed message.
pub const MAX_TEXT_CHARS: usize = 2000;

/// What a web chat request says about its sender.
#[derive(Debug, Clone)]
pub struct Client {
    /// The client's address (for the per-address budget).
    pub ip: String,
    /// The browser id of the cookie, when it has a well-formed one.
    pub browser: Option<String>,
    /// The language the browser asks for, when it is one of ours.
    pub hint: Option<Lang>,
    /// Whether the request came over HTTPS (directly or through a proxy that says so).
    pub https: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Client {
            ip: crate::console::request::client_address(parts),
            browser: browser_id(&parts.headers),
            hint: language_hint(&parts.headers),
            https: parts
                .headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.eq_ignore_ascii_case("https")),
        })
    }
}

/// Whether `s` is 8–64 of `A-Za-z0-9_-` (browser ids, message ids).
fn is_id(s: &str) -> bool {
    (8..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The browser id of the `jejak_chat` cookie.
fn browser_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == BROWSER_COOKIE && is_id(c.value()))
        .map(|c| c.value().to_string())
}

/// The language to greet in: Indonesian unless the browser prefers English and does not
/// list Indonesian at all (many phones in Indonesia are set to English while their owners
/// would rather read Indonesian; one who lists `id` anywhere gets Indonesian).
pub fn language_hint(headers: &HeaderMap) -> Option<Lang> {
    let list = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())?;
    let ours: Vec<Lang> = list
        .split(',')
        .filter_map(|part| Lang::from_tag(part.split(';').next().unwrap_or("").trim()))
        .collect();
    if ours.contains(&Lang::Id) {
        Some(Lang::Id)
    } else {
        ours.first().copied()
    }
}

impl Link {
    /// The link's part of an address and its budget key: a hash, so tokens are kept
    /// nowhere but in the roster (addresses are stored and may be logged).
    fn key(&self) -> String {
        let raw = match self {
            Link::Personal(t) => format!("t:{t}"),
            Link::Open(f) => format!("o:{f}"),
        };
        hex::encode(&sha2::Sha256::digest(raw.as_bytes())[..8])
    }

    /// The Inbound address of this link in `browser`.
    fn address(&self, browser: &str) -> String {
        format!("{browser}.{}", self.key())
    }
}

/// The page's texts in the reader's language.
fn lang_of(client: &Client) -> Lang {
    client.hint.unwrap_or_default()
}

/// The answer to a request over its budget: the page (for a page) or JSON (for the API),
/// with `Retry-After`.
fn too_many(state: &WebState, client: &Client, over: OverLimit, json: bool) -> Response {
    let lang = lang_of(client);
    let mut res = if json {
        (
            StatusCode::TOO_MANY_REQUESTS,
            Json(serde_json::json!({ "error": state.catalog.message(lang, "web-slow-down", &[]) })),
        )
            .into_response()
    } else {
        page::message_page(
            &state.catalog,
            lang,
            StatusCode::TOO_MANY_REQUESTS,
            "web-slow-down-title",
            "web-slow-down",
        )
    };
    if let Ok(v) = HeaderValue::from_str(&over.0.as_secs().to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

fn not_found(state: &WebState, client: &Client) -> Response {
    page::message_page(
        &state.catalog,
        lang_of(client),
        StatusCode::NOT_FOUND,
        "web-not-found-title",
        "web-not-found",
    )
}

/// A JSON error answer with a text for the page to show.
fn json_error(state: &WebState, client: &Client, status: StatusCode, text_id: &str) -> Response {
    let text = state.catalog.message(lang_of(client), text_id, &[]);
    (status, Json(serde_json::json!({ "error": text }))).into_response()
}

/// The chat page for a link that exists, with a browser id cookie (a new one for a new
/// browser).
fn chat(state: &WebState, client: &Client, link: &Link) -> Response {
    let html = page::chat_page(&state.catalog, lang_of(client), link);
    let mut res = html.into_response();
    if client.browser.is_none() {
        let Ok(id) = crate::console::auth::new_token() else {
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        };
        let cookie = cookie::Cookie::build((BROWSER_COOKIE, id))
            .path(super::BASE)
            .http_only(true)
            .same_site(cookie::SameSite::Lax)
            .secure(state.settings.secure_cookies || client.https)
            // About a year (browsers cap cookies at 400 days): a respondent may come back
            // to the survey months later.
            .max_age(cookie::time::Duration::days(365))
            .build();
        if let Ok(v) = HeaderValue::from_str(&cookie.to_string()) {
            res.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
    res
}

/// `GET /c/<token>`: a respondent's personal link.
pub async fn personal_page(
    State(state): State<Arc<WebState>>,
    client: Client,
    Path(token): Path<String>,
) -> Response {
    let link = Link::Personal(token);
    if let Err(over) = state.limits.check(&client.ip, Some(&link.key())) {
        return too_many(&state, &client, over, false);
    }
    let Link::Personal(token) = &link else {
        return not_found(&state, &client);
    };
    let bound = match state.store.respondents().respondent_by_token(token).await {
        Ok(Some(r)) => state
            .store
            .respondents()
            .channel_addresses(r.id, Channel::Web.as_str())
            .await
            .map(Some),
        Ok(None) => Ok(None),
        Err(e) => Err(e),
    };
    match bound {
        // A link is kept by the first browser that opened it (as a Telegram link is by the
        // first chat), so a forwarded link does not show someone's answers to another.
        Ok(Some(addresses))
            if !addresses.is_empty()
                && !client
                    .browser
                    .as_deref()
                    .is_some_and(|b| addresses.contains(&link.address(b))) =>
        {
            page::message_page(
                &state.catalog,
                lang_of(&client),
                StatusCode::CONFLICT,
                "web-taken-title",
                "web-taken",
            )
        }
        Ok(Some(_)) => chat(&state, &client, &link),
        Ok(None) => not_found(&state, &client),
        Err(e) => {
            tracing::error!(error = %e, "web chat: cannot look up a link");
            page::message_page(
                &state.catalog,
                lang_of(&client),
                StatusCode::SERVICE_UNAVAILABLE,
                "web-title",
                "web-server-error",
            )
        }
    }
}

/// `GET /c/open/<flow>`: a flow open to anyone.
pub async fn open_page(
    State(state): State<Arc<WebState>>,
    client: Client,
    Path(flow): Path<String>,
) -> Response {
    let link = Link::Open(flow);
    if let Err(over) = state.limits.check(&client.ip, Some(&link.key())) {
        return too_many(&state, &client, over, false);
    }
    let Link::Open(flow) = &link else {
        return not_found(&state, &client);
    };
    if state.settings.open_flows.iter().any(|f| f == flow) {
        chat(&state, &client, &link)
    } else {
        not_found(&state, &client)
    }
}

/// Which conversation a JSON request is about: `token` or `flow`.
#[derive(Debug, Deserialize)]
pub struct LinkParams {
    /// A personal link's token.
    pub token: Option<String>,
    /// An open flow's id.
    pub flow: Option<String>,
}

impl LinkParams {
    fn link(&self) -> Option<Link> {
        match (&self.token, &self.flow) {
            (Some(t), None) if crate::store::is_valid_token(t) => Some(Link::Personal(t.clone())),
            (None, Some(f)) if !f.is_empty() && f.len() <= 200 => Some(Link::Open(f.clone())),
            _ => None,
        }
    }
}

/// What the page sends (`testdata/send-*.json`).
#[derive(Debug, Deserialize)]
pub struct SendBody {
    /// Which conversation.
    #[serde(flatten)]
    pub link: LinkParams,
    /// The page's id of this message (8–64 of `A-Za-z0-9_-`), the same on every retry.
    pub id: String,
    /// The last reply the page has.
    #[serde(default)]
    pub after: i64,
    /// The message.
    pub content: SendContent,
}

/// A message from the page.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SendContent {
    /// The page opened a link that has no conversation yet in this browser.
    Start,
    /// Typed text.
    Text {
        /// What was typed.
        text: String,
    },
    /// A pressed button (multiple choice: the values joined with `,`).
    Choice {
        /// The question's prompt id.
        prompt: String,
        /// The option value(s).
        value: String,
    },
}

/// The replies of `address` after `after`, rendered; `None` when the database failed. The
/// page has every part up to `after`: those count as delivered (the web's "sent").
async fn replies_after(state: &WebState, address: &str, after: i64) -> Option<Vec<WebReply>> {
    if after > 0 {
        acknowledge(state, address, after).await;
    }
    match state
        .store
        .replies()
        .after(Channel::Web, address, after.max(0))
        .await
    {
        Ok(rows) => Some(
            rows.iter()
                .map(|q| render(&state.catalog, q.id, q.lang, &q.reply))
                .collect(),
        ),
        Err(e) => {
            tracing::error!(error = %e, "web chat: cannot read replies");
            None
        }
    }
}

/// Marks the parts of `address` up to `after` sent (a failure is logged: the parts stay
/// unsent, which only the outbox's counts see).
async fn acknowledge(state: &WebState, address: &str, after: i64) {
    let replies = state.store.replies();
    let settled = match replies.unsent(Channel::Web, address).await {
        Ok(unsent) => {
            let parts: Vec<Settled> = unsent
                .iter()
                .filter(|q| q.id <= after)
                .map(|q| Settled {
                    id: q.id,
                    platform_message_id: None,
                    error: None,
                })
                .collect();
            replies.settle(&parts, state.receiver.clock().now()).await
        }
        Err(e) => Err(e),
    };
    if let Err(e) = settled {
        tracing::warn!(error = %e, "web chat: cannot mark replies delivered");
    }
}

fn replies_json(replies: Vec<WebReply>) -> Response {
    Json(serde_json::json!({ "replies": replies })).into_response()
}

/// `POST /c/api/send`.
pub async fn send(
    State(state): State<Arc<WebState>>,
    client: Client,
    body: Result<Json<SendBody>, JsonRejection>,
) -> Response {
    let Ok(Json(body)) = body else {
        if let Err(over) = state.limits.check(&client.ip, None) {
            return too_many(&state, &client, over, true);
        }
        return json_error(&state, &client, StatusCode::BAD_REQUEST, "web-reload");
    };
    let link = body.link.link();
    let key = link.as_ref().map(Link::key);
    if let Err(over) = state.limits.check(&client.ip, key.as_deref()) {
        return too_many(&state, &client, over, true);
    }
    let (Some(link), Some(browser)) = (link, client.browser.as_deref()) else {
        return json_error(&state, &client, StatusCode::BAD_REQUEST, "web-reload");
    };
    if !is_id(&body.id) {
        return json_error(&state, &client, StatusCode::BAD_REQUEST, "web-reload");
    }
    if let Link::Open(flow) = &link
        && !state.settings.open_flows.iter().any(|f| f == flow)
    {
        return json_error(&state, &client, StatusCode::NOT_FOUND, "web-not-found");
    }
    let content = match body.content {
        SendContent::Start => Content::Start {
            token: match &link {
                Link::Personal(t) => Some(t.clone()),
                Link::Open(_) => None,
            },
        },
        SendContent::Text { text } if text.chars().count() <= MAX_TEXT_CHARS => Content::Text(text),
        SendContent::Text { .. } => {
            return json_error(
                &state,
                &client,
                StatusCode::PAYLOAD_TOO_LARGE,
                "web-too-long",
            );
        }
        SendContent::Choice { prompt, value } => Content::Choice { prompt, value },
    };
    let address = link.address(browser);
    let inbound = Inbound {
        channel: Channel::Web,
        address: address.clone(),
        // The page's id is only unique within its browser.
        message_id: Some(format!("{browser}/{}", body.id)),
        content,
        language_hint: client.hint,
        profile_name: None,
    };
    if let Err(e) = state.receiver.receive(&inbound).await {
        tracing::error!(error = %e, "web chat: cannot handle a message");
        return json_error(
            &state,
            &client,
            StatusCode::SERVICE_UNAVAILABLE,
            "web-server-error",
        );
    }
    // A duplicate (a retried POST whose first answer was lost) changed nothing; the page
    // still needs the replies the first one queued.
    match replies_after(&state, &address, body.after).await {
        Some(r) => replies_json(r),
        None => json_error(
            &state,
            &client,
            StatusCode::SERVICE_UNAVAILABLE,
            "web-server-error",
        ),
    }
}

/// `GET /c/api/replies?token=…|flow=…&after=N` (not flattened: query values are all text,
/// which serde's flatten cannot turn into numbers).
#[derive(Debug, Deserialize)]
pub struct RepliesQuery {
    /// A personal link's token.
    pub token: Option<String>,
    /// An open flow's id.
    pub flow: Option<String>,
    /// The last reply the page has.
    #[serde(default)]
    pub after: i64,
}

/// `GET /c/api/replies`.
pub async fn replies(
    State(state): State<Arc<WebState>>,
    client: Client,
    query: Result<Query<RepliesQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let q = query.ok().map(|Query(q)| q);
    let link = q.as_ref().and_then(|q| {
        LinkParams {
            token: q.token.clone(),
            flow: q.flow.clone(),
        }
        .link()
    });
    let key = link.as_ref().map(Link::key);
    if let Err(over) = state.limits.check(&client.ip, key.as_deref()) {
        return too_many(&state, &client, over, true);
    }
    let (Some(q), Some(link)) = (q, link) else {
        return json_error(&state, &client, StatusCode::BAD_REQUEST, "web-reload");
    };
    // A browser without its cookie has no conversation yet.
    let Some(browser) = client.browser.as_deref() else {
        return replies_json(Vec::new());
    };
    match replies_after(&state, &link.address(browser), q.after).await {
        Some(r) => replies_json(r),
        None => json_error(
            &state,
            &client,
            StatusCode::SERVICE_UNAVAILABLE,
            "web-server-error",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn indonesian_unless_only_english_is_asked_for() {
        assert_eq!(language_hint(&accept("id-ID,id;q=0.9")), Some(Lang::Id));
        assert_eq!(
            language_hint(&accept("en-US,en;q=0.9,id;q=0.8")),
            Some(Lang::Id)
        );
        assert_eq!(language_hint(&accept("en-GB,en;q=0.9")), Some(Lang::En));
        assert_eq!(language_hint(&accept("fr-FR,de")), None);
        assert_eq!(language_hint(&HeaderMap::new()), None);
    }

    #[test]
    fn addresses_hide_the_token_and_differ_per_link() {
        let a = Link::Personal("AbCdEfGhIjKlMnOpQrStUv".into());
        let b = Link::Personal("ZyXwVuTsRqPoNmLkJiHgFe".into());
        let addr = a.address("browser-1234");
        assert!(addr.starts_with("browser-1234."));
        assert!(!addr.contains("AbCd"));
        assert_ne!(addr, b.address("browser-1234"));
        assert_ne!(
            addr,
            Link::Open("tracer-smk".into()).address("browser-1234")
        );
        assert_eq!(addr, a.address("browser-1234"));
    }

    #[test]
    fn the_page_and_the_server_agree_on_the_json() {
        let choice: SendBody =
            serde_json::from_str(include_str!("testdata/send-choice.json")).unwrap();
        assert!(matches!(choice.link.link(), Some(Link::Personal(_))));
        assert!(matches!(choice.content, SendContent::Choice { ref prompt, .. } if prompt == "f8"));
        assert_eq!(choice.after, 7);
        let text: SendBody = serde_json::from_str(include_str!("testdata/send-text.json")).unwrap();
        assert_eq!(text.link.link(), Some(Link::Open("tracer-smk".into())));
        assert!(matches!(text.content, SendContent::Text { ref text } if text == "3,5 juta"));
        assert!(is_id(&text.id));
        let start: SendBody = serde_json::from_str(
            r#"{"token":"abcdefgh","id":"m0123456789","content":{"kind":"start"}}"#,
        )
        .unwrap();
        assert!(matches!(start.content, SendContent::Start));
        let both: LinkParams =
            serde_json::from_str(r#"{"token":"abcdefgh","flow":"tracer-smk"}"#).unwrap();
        assert_eq!(both.link(), None);
    }
}
