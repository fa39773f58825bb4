//! Web chat, the third channel: a chat page served by `jejak run` itself at `/c/<token>`
//! (a respondent's personal link, the roster's invite token) and `/c/open/<flow>` (a flow
//! open to anyone). Like every channel it only translates: an HTTP request becomes an
//! [`Inbound`](crate::conversation::Inbound) for the one
//! [`Receiver`](crate::conversation::Receiver), and the replies the receiver queued in the
//! reply outbox become JSON the page shows. The web needs no sender: the page fetches the
//! parts of its address after the last one it has (`store.replies().after`), and the
//! cursor it sends back is its acknowledgement.
//!
//! | file | job |
//! |---|---|
//! | `receive.rs` | the HTTP handlers: pages, `POST /c/api/send` (→ `Inbound`), `GET /c/api/replies` |
//! | `render.rs` | an engine `Reply` → JSON: lines with bold spans, buttons, multiple choice |
//! | `page.rs`, `assets/` | the page, its stylesheet and script (embedded; ≤ 60 KB together) |
//! | `limit.rs` | requests per client address and per link (429 over the budget) |
//! | `testdata/` | the JSON the page and the server exchange |
//!
//! Who is who: the server gives each browser a random id in a cookie (`jejak_chat`); the
//! Inbound address is that id joined with a hash of the link, so two people sharing one
//! phone (a family's only phone is common) have two conversations, one per personal link,
//! and a reload or a visit days later on the same link continues the stored conversation.
//! Each message carries an id made by the page; the Inbound's message id is the browser id
//! with it, so a POST retried after a lost answer is handled once.

pub mod limit;
pub mod page;
pub mod receive;
pub mod render;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use crate::conversation::Receiver;
use crate::i18n::Catalog;
use crate::store::Store;

/// Where the web chat lives on the server.
pub const BASE: &str = "/c";

/// The cookie holding the browser id.
pub const BROWSER_COOKIE: &str = "jejak_chat";

/// Settings of the web chat that come from the configuration.
#[derive(Debug, Clone, Default)]
pub struct WebSettings {
    /// Mark the browser cookie `Secure` (served over HTTPS). Also set for a request that
    /// arrived with `X-Forwarded-Proto: https`.
    pub secure_cookies: bool,
    /// The ids of the flows served at `/c/open/<flow>`.
    pub open_flows: Vec<String>,
    /// Request budgets.
    pub limits: limit::LimitSettings,
}

/// What every web chat handler shares.
pub struct WebState {
    /// The conversation core.
    pub receiver: Arc<Receiver>,
    /// The database (tokens, the reply outbox).
    pub store: Store,
    /// The page's texts.
    pub catalog: Arc<Catalog>,
    /// Settings.
    pub settings: WebSettings,
    /// The request budgets in use.
    pub limits: limit::Limits,
}

impl WebState {
    /// The state for these parts; the limiters start empty.
    pub fn new(
        receiver: Arc<Receiver>,
        store: Store,
        catalog: Arc<Catalog>,
        settings: WebSettings,
    ) -> WebState {
        let limits = limit::Limits::new(settings.limits);
        WebState {
            receiver,
            store,
            catalog,
            settings,
            limits,
        }
    }
}

/// The web chat's routes, under [`BASE`], with the console's security headers (only our
/// own script and styles run, no framing, nothing cached by shared proxies).
pub fn router(state: Arc<WebState>) -> Router {
    Router::new()
        .route(
            &format!("{BASE}/assets/chat.css"),
            get(|| async { page::asset("text/css; charset=utf-8", page::CSS) }),
        )
        .route(
            &format!("{BASE}/assets/chat.js"),
            get(|| async { page::asset("text/javascript; charset=utf-8", page::JS) }),
        )
        .route(&format!("{BASE}/open/{{flow}}"), get(receive::open_page))
        .route(&format!("{BASE}/api/send"), post(receive::send))
        .route(&format!("{BASE}/api/replies"), get(receive::replies))
        .route(&format!("{BASE}/{{token}}"), get(receive::personal_page))
        .layer(axum::middleware::map_response(
            crate::console::security_headers,
        ))
        // A chat message is short; nothing the page sends comes near this.
        .layer(axum::extract::DefaultBodyLimit::max(16 * 1024))
        .with_state(state)
}

/// The public base URL the links are made of (`JEJAK_PUBLIC_URL`, else `[server] public_url`
/// in `jejak.toml`), without a trailing slash; `None` when neither is set.
pub fn public_url(file: Option<&crate::config::ServerFile>) -> Option<String> {
    std::env::var("JEJAK_PUBLIC_URL")
        .ok()
        .or_else(|| file.and_then(|s| s.public_url.clone()))
        .map(|u| u.trim().trim_end_matches('/').to_string())
        .filter(|u| !u.is_empty())
}

/// A respondent's personal web chat link.
pub fn personal_link(base: &str, token: &str) -> String {
    format!("{}{BASE}/{token}", base.trim_end_matches('/'))
}

/// The web chat link of an open flow.
pub fn open_link(base: &str, flow: &str) -> String {
    format!("{}{BASE}/open/{flow}", base.trim_end_matches('/'))
}
