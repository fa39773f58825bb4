//! The web chat under test: its real router over a test database (`test_db.rs`), with the
//! shipped SMK flow and a small roster enrolled in it, served on 127.0.0.1, and a browser-like
//! HTTP client that keeps the chat cookie.
//!
//! Include after test_db: `#[path = "support/webchat.rs"] mod webchat_support;`.

#![allow(dead_code)]

use std::sync::Arc;

use chrono::Utc;
use jejak::channel::web::limit::LimitSettings;
use jejak::channel::web::{self, WebSettings, WebState};
use jejak::conversation::{Conversations, Receiver};
use jejak::i18n::Catalog;
use jejak::store::{Scope, Store};

/// Three alumni of one school, enrolled in `tracer-smk` by the import.
pub const ROSTER_CSV: &str = "nisn,nama,no_hp,angkatan,program,sekolah\n\
0077000001,Nur Aisyah,081277000001,2024,Tata Busana,SMKN 1 Kupang\n\
0077000002,Budi Santoso,081277000002,2024,Akuntansi,SMKN 1 Kupang\n\
0077000003,Citra Dewi,081277000003,2023,Tata Busana,SMKN 1 Kupang\n";

/// A web chat served for one test; stops when dropped.
pub struct WebChat {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The store it serves.
    pub store: Store,
    /// The roster's tokens by external id, in roster order.
    pub tokens: Vec<(String, String)>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for WebChat {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The shipped SMK flow.
pub fn smk_flow() -> jejak::flow::Flow {
    jejak::flow::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("flows/tracer-smk.yaml"),
    )
    .expect("the shipped flow loads")
}

impl WebChat {
    /// The web chat over `store` with the roster imported and default budgets.
    pub async fn start(store: Store) -> WebChat {
        WebChat::start_with(store, LimitSettings::default(), false).await
    }

    /// As [`WebChat::start`] with these budgets; `open` makes the flow open to anyone
    /// (`/c/open/tracer-smk`).
    pub async fn start_with(store: Store, limits: LimitSettings, open: bool) -> WebChat {
        WebChat::start_flow(store, limits, open, smk_flow()).await
    }

    /// As [`WebChat::start_with`] for another flow (the roster enrolled in it).
    pub async fn start_flow(
        store: Store,
        limits: LimitSettings,
        open: bool,
        flow: jejak::flow::Flow,
    ) -> WebChat {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("roster.csv");
        std::fs::write(&path, ROSTER_CSV).expect("write roster");
        let opts = jejak::roster::import::ImportOptions {
            enrol: Some(jejak::roster::import::enrolment(&flow).expect("enrolment")),
            progress: false,
            ..Default::default()
        };
        let report = jejak::roster::import::import_file(&store, &path, &opts, Utc::now())
            .await
            .expect("import");
        assert_eq!(report.loaded, 3);
        let tokens = store
            .search()
            .invite_rows_in(&flow.id, &Scope::All)
            .await
            .expect("invite rows")
            .into_iter()
            .map(|r| (r.external_id.unwrap_or_default(), r.token))
            .collect();
        let flow_id = flow.id.clone();
        let conv = Conversations {
            store: store.clone(),
            flow: Arc::new(flow),
            catalog: Arc::new(Catalog::embedded().expect("catalog")),
        };
        let catalog = conv.catalog.clone();
        let receiver =
            Receiver::new(conv, Arc::new(jejak::clock::SystemClock)).with_open_mode(Some(open));
        let settings = WebSettings {
            secure_cookies: false,
            open_flows: if open { vec![flow_id] } else { Vec::new() },
            limits,
        };
        let state = Arc::new(WebState::new(
            Arc::new(receiver),
            store.clone(),
            catalog,
            settings,
        ));
        let router = web::router(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server = tokio::spawn(async move {
            let app = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
            let _ = axum::serve(listener, app).await;
        });
        WebChat {
            base: format!("http://{addr}"),
            store,
            tokens,
            server,
        }
    }

    /// The token of the roster's `external_id`.
    pub fn token(&self, external_id: &str) -> String {
        self.tokens
            .iter()
            .find(|(e, _)| e == external_id)
            .map(|(_, t)| t.clone())
            .expect("a roster token")
    }

    /// The personal link of the roster's `external_id`.
    pub fn link(&self, external_id: &str) -> String {
        format!("{}/c/{}", self.base, self.token(external_id))
    }
}

/// A browser as the server sees it: the chat cookie once a page gave one, and the address
/// it claims through `X-Forwarded-For` (honoured from 127.0.0.1, as behind a proxy).
pub struct Browser {
    /// The server.
    pub base: String,
    /// `jejak_chat=…`, once a page set it.
    pub cookie: Option<String>,
    /// The client address the proxy reports.
    pub ip: String,
    http: reqwest::Client,
}

/// An answer read whole.
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Headers.
    pub headers: reqwest::header::HeaderMap,
    /// Body text.
    pub body: String,
}

impl Answer {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The ids of the replies of a JSON answer.
    pub fn reply_ids(&self) -> Vec<i64> {
        self.json()["replies"]
            .as_array()
            .expect("replies")
            .iter()
            .map(|r| r["id"].as_i64().expect("reply id"))
            .collect()
    }
}

impl Browser {
    /// A new browser at client address `ip`.
    pub fn new(base: &str, ip: &str) -> Browser {
        Browser {
            base: base.to_string(),
            cookie: None,
            ip: ip.to_string(),
            http: reqwest::Client::new(),
        }
    }

    async fn read(&mut self, res: reqwest::Response) -> Answer {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        if let Some(c) = headers
            .get(reqwest::header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
        {
            self.cookie = c.split(';').next().map(str::to_string);
        }
        let body = res.text().await.expect("body");
        Answer {
            status,
            headers,
            body,
        }
    }

    /// GET `path` (or a full URL).
    pub async fn get(&mut self, path: &str) -> Answer {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        };
        let mut rb = self
            .http
            .get(url)
            .header("x-forwarded-for", &self.ip)
            .header("accept-language", "id-ID,id;q=0.9");
        if let Some(c) = &self.cookie {
            rb = rb.header(reqwest::header::COOKIE, c);
        }
        let res = rb.send().await.expect("GET");
        self.read(res).await
    }

    /// POSTs a message of the page to `/c/api/send`.
    pub async fn send(&mut self, body: serde_json::Value) -> Answer {
        let mut rb = self
            .http
            .post(format!("{}/c/api/send", self.base))
            .header("x-forwarded-for", &self.ip)
            .header("accept-language", "id-ID,id;q=0.9")
            .json(&body);
        if let Some(c) = &self.cookie {
            rb = rb.header(reqwest::header::COOKIE, c);
        }
        let res = rb.send().await.expect("POST");
        self.read(res).await
    }
}
