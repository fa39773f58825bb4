//! The one HTTP server of a Jejak process. Channel webhooks (Telegram, WhatsApp) and, later,
//! the staff dashboard and the browser chat join it as routers; nothing else opens a port.
//!
//! A panic in a request handler never closes the connection unanswered: [`answer_panics`]
//! catches it, logs it (method only: paths can carry tokens), counts it ([`panics_caught`])
//! and answers. The whole server answers 500 (a person in the console sees an error); the
//! channel webhooks wrap their own routes to answer 200 instead, because a platform retries
//! anything else, and a payload that panicked once panics again on every redelivery (Meta
//! retries for days, Telegram holds back the chat's later updates meanwhile).
//!
//! Operations: `GET /healthz` (the process answers), `GET /readyz` (the database answers,
//! its schema is this build's, which channels are configured: 503 until the first two
//! hold) and `GET /metrics` (the Prometheus text of [`crate::metrics`]) join through
//! [`ops_router`]. They tell nothing personal; the Caddy example in `deploy/` keeps them
//! off the public address all the same.

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::serve::ListenerExt;
use futures_util::FutureExt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};

static PANICS: AtomicU64 = AtomicU64::new(0);

/// How many panics were caught in this process (request handlers and the WhatsApp
/// processor's workers), for tests and, when they exist, the metrics.
pub fn panics_caught() -> u64 {
    PANICS.load(Ordering::Relaxed)
}

/// Counts and logs one caught panic; `place` says where (never personal data).
pub fn note_panic(place: &'static str) {
    let total = PANICS.fetch_add(1, Ordering::Relaxed) + 1;
    tracing::error!(place, total, "a panic was caught and answered");
}

/// Wraps every route of `router` so that a panic in its handler is caught, counted and
/// answered with `answer` (see the module docs for which answer where).
pub fn answer_panics(router: Router, answer: StatusCode) -> Router {
    router.layer(axum::middleware::from_fn(
        move |req: Request, next: Next| guard(answer, req, next),
    ))
}

async fn guard(answer: StatusCode, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    // The handler's future is only polled here, so every panic of the request surfaces in
    // this `catch_unwind`. Unwind safety: a panicked request's state is dropped whole.
    match AssertUnwindSafe(next.run(req)).catch_unwind().await {
        Ok(response) => response,
        Err(_) => {
            tracing::error!(%method, status = answer.as_u16(), "request handler panicked");
            note_panic("http");
            answer.into_response()
        }
    }
}

/// Collects the routers of everything that listens on HTTP, then serves them on one socket.
pub struct HttpServer {
    router: Router,
    parts: Vec<&'static str>,
}

impl Default for HttpServer {
    fn default() -> Self {
        Self::new()
    }
}

impl HttpServer {
    /// A server that answers `GET /healthz` with `ok` (for load balancers and tests).
    pub fn new() -> Self {
        HttpServer {
            router: Router::new().route("/healthz", get(|| async { "ok" })),
            parts: Vec::new(),
        }
    }

    /// Adds a part's routes (`name` is for the start-up log line). Paths must not overlap:
    /// axum panics at start-up on a duplicate route, which is a programming error.
    pub fn merge(mut self, name: &'static str, router: Router) -> Self {
        self.router = self.router.merge(router);
        self.parts.push(name);
        self
    }

    /// Whether any part has joined (a process with no webhook needs no port).
    pub fn has_parts(&self) -> bool {
        !self.parts.is_empty()
    }

    /// Serves until `shutdown` resolves, then finishes the requests in flight.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        tracing::info!(
            addr = %listener.local_addr()?,
            parts = ?self.parts,
            "HTTP server listening"
        );
        // Answers are small and written whole: Nagle's algorithm would only hold them back
        // while the peer delays its ACK.
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "cannot set TCP_NODELAY");
            }
        });
        // The peer's address reaches handlers as `ConnectInfo` (the console's lock-out per
        // address needs it).
        let app = answer_panics(self.router, StatusCode::INTERNAL_SERVER_ERROR)
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
    }
}

/// What `GET /readyz` reports.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Readiness {
    /// `ok`, or why the database did not answer.
    pub database: String,
    /// Versions of this build's migrations the database lacks (empty when current).
    pub missing_migrations: Vec<i64>,
    /// The chat channels this process serves (`telegram`, `whatsapp`, `web`).
    pub channels: Vec<String>,
    /// Whether the process can serve: database up and schema current.
    pub ready: bool,
}

/// Checks the database for `/readyz` (and `jejak doctor`).
pub async fn readiness(store: &crate::store::Store, channels: &[String]) -> Readiness {
    let (database, missing) = match store.ops().ping().await {
        Err(e) => (e.to_string(), Vec::new()),
        Ok(()) => match store.ops().missing_migrations().await {
            Ok(m) => ("ok".to_string(), m),
            Err(e) => (e.to_string(), Vec::new()),
        },
    };
    let ready = database == "ok" && missing.is_empty();
    Readiness {
        database,
        missing_migrations: missing,
        channels: channels.to_vec(),
        ready,
    }
}

/// `GET /readyz` and `GET /metrics` over `store`; `channels` are those configured.
pub fn ops_router(
    store: crate::store::Store,
    channels: Vec<String>,
    clock: std::sync::Arc<dyn crate::clock::Clock>,
) -> Router {
    let ready_store = store.clone();
    Router::new()
        .route(
            "/readyz",
            get(move || {
                let store = ready_store.clone();
                let channels = channels.clone();
                async move {
                    let r = readiness(&store, &channels).await;
                    let status = if r.ready {
                        StatusCode::OK
                    } else {
                        StatusCode::SERVICE_UNAVAILABLE
                    };
                    (status, axum::Json(r))
                }
            }),
        )
        .route(
            "/metrics",
            get(move || {
                let store = store.clone();
                let clock = clock.clone();
                async move {
                    let now = clock.now();
                    let gauges = match store.ops().outbox_load(now).await {
                        Ok(load) => Some(crate::metrics::OutboxGauges {
                            depth: load.open,
                            oldest_due_age_secs: load
                                .oldest_due
                                .map(|t| (now - t).num_milliseconds().max(0) as f64 / 1000.0)
                                .unwrap_or(0.0),
                        }),
                        Err(e) => {
                            tracing::warn!(error = %e, "metrics: the database did not answer");
                            None
                        }
                    };
                    (
                        [(
                            axum::http::header::CONTENT_TYPE,
                            "text/plain; version=0.0.4; charset=utf-8",
                        )],
                        crate::metrics::render(gauges),
                    )
                }
            }),
        )
}
