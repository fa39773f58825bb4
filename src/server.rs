//! The one HTTP server of a Jejak process. Channel webhooks (Telegram, WhatsApp) and, later,
//! the staff dashboard and the browser chat join it as routers; nothing else opens a port.

use axum::Router;
use axum::routing::get;
use axum::serve::ListenerExt;
use std::future::Future;

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
        let app = self
            .router
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
    }
}
