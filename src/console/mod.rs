//! The staff console: the browser side of Jejak for teachers, training officers and ministry
//! staff. It is an axum router merged into the process's one HTTP server (see
//! [`crate::server`]), rendering HTML on the server (maud, escaped by default) with a small
//! script and stylesheet embedded in the binary: nothing is loaded from elsewhere, so it
//! works on a school network without internet.
//!
//! Every page calls the same store, report, roster and schedule code as the command line;
//! the console adds only sign-in, scope and presentation. Scope is enforced in the store's
//! queries ([`crate::store::Scope`]): a respondent, wave or export outside a staff member's
//! schools is "not found".
//!
//! | file | job |
//! |---|---|
//! | `auth.rs` | passwords (Argon2id), tokens, lock-out rules |
//! | `request.rs` | the signed-in staff member of a request, CSRF, form data, client address |
//! | `layout.rs` | the page shell, navigation, shared bits of HTML |
//! | `assets/` | the stylesheet and the script, embedded |
//! | `pages/` | one file per area: sign-in, overview, respondents, roster, invitations, waves, exports, flows, audit, accounts, WhatsApp dead letters |

pub mod auth;
pub mod layout;
pub mod pages;
pub mod request;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::clock::Clock;
use crate::flow::Flow;
use crate::i18n::Catalog;
use crate::store::Store;

/// Where the console lives on the server.
pub const BASE: &str = "/console";

/// The largest upload the console accepts (a roster file).
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;

/// Settings of the console that come from the configuration.
#[derive(Debug, Clone, Default)]
pub struct ConsoleSettings {
    /// Mark cookies `Secure` (the console is served over HTTPS, directly or behind a proxy).
    /// Also set for a request that arrived with `X-Forwarded-Proto: https`.
    pub secure_cookies: bool,
    /// The Telegram bot's username, for invitation links.
    pub bot_username: Option<String>,
    /// The WhatsApp business number, for invitation links.
    pub whatsapp_number: Option<String>,
    /// The public base URL of this server, for web chat invitation links.
    pub public_url: Option<String>,
    /// The directory of flow files (for the flows page's `flow check`).
    pub flows_dir: Option<std::path::PathBuf>,
    /// The quiet hours of `[schedule]`, for the waves' dry runs (the same numbers as
    /// `jejak wave show`).
    pub quiet: crate::schedule::quiet::QuietHours,
    /// The WhatsApp channel of this process, for dead letters retried from the console
    /// (none: a retried body waits for the next start).
    pub whatsapp_retry: Option<crate::channel::whatsapp::RetryQueue>,
}

/// What every console handler shares.
pub struct ConsoleState {
    /// The database.
    pub store: Store,
    /// The console's texts (and the bot's, for previews).
    pub catalog: Arc<Catalog>,
    /// The flows this process knows, by id.
    pub flows: Vec<Arc<Flow>>,
    /// Now.
    pub clock: Arc<dyn Clock>,
    /// Settings.
    pub settings: ConsoleSettings,
    /// A private directory for files staff download after an action (the rejected rows of
    /// an upload, say); removed with the process's temporary directory.
    pub scratch: std::path::PathBuf,
}

impl ConsoleState {
    /// The flow with this id, if this process knows it.
    pub fn flow(&self, id: &str) -> Option<&Arc<Flow>> {
        self.flows.iter().find(|f| f.id == id)
    }
}

/// Shared state as handlers receive it.
pub type AppState = Arc<ConsoleState>;

/// The console's routes, under [`BASE`].
pub fn router(state: AppState) -> Router {
    let routes = Router::new()
        .route(
            &format!("{BASE}/assets/console.css"),
            get(|| async {
                asset(
                    "text/css; charset=utf-8",
                    include_str!("assets/console.css"),
                )
            }),
        )
        .route(
            &format!("{BASE}/assets/console.js"),
            get(|| async {
                asset(
                    "text/javascript; charset=utf-8",
                    include_str!("assets/console.js"),
                )
            }),
        )
        .merge(pages::routes());
    routes
        .layer(axum::middleware::map_response(security_headers))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_UPLOAD_BYTES))
        .with_state(state)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// Headers on every console answer (and the web chat's): only our own script and styles run,
/// the pages cannot be framed (click-jacking), and personal data is not cached by shared
/// proxies.
pub async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}
