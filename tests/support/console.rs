//! The staff console under test: a real axum server on 127.0.0.1 over a test database
//! (`test_db.rs`), staff accounts made through the store, and a signed-in HTTP client that
//! keeps its session cookie and puts the page's CSRF token into every form it posts.
//!
//! Include after test_db: `#[path = "support/console.rs"] mod console_support;`.

#![allow(dead_code)]

use std::sync::Arc;

use chrono::Utc;
use jejak::console::{self, ConsoleSettings, ConsoleState};
use jejak::i18n::Catalog;
use jejak::store::{NewAccount, Role, Store};

static SCRATCH: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A console served for one test; stops when dropped.
pub struct Console {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub base: String,
    /// The store it serves.
    pub store: Store,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Console {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The flows in `flows/` (the console's flow list).
pub fn shipped_flows() -> Vec<Arc<jejak::flow::Flow>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("flows");
    let mut flows = jejak::cli::wave::load_flows(&dir);
    flows.sort_by(|a, b| b.id.cmp(&a.id)); // tracer-smk first
    flows
}

impl Console {
    /// Serves the console over `store` with the shipped flows and the system clock.
    pub async fn start(store: Store) -> Console {
        Console::start_with(store, ConsoleSettings::default()).await
    }

    /// As [`Console::start`], with settings.
    pub async fn start_with(store: Store, mut settings: ConsoleSettings) -> Console {
        if settings.flows_dir.is_none() {
            settings.flows_dir =
                Some(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("flows"));
        }
        let state = Arc::new(ConsoleState {
            store: store.clone(),
            catalog: Arc::new(Catalog::embedded().expect("catalog")),
            flows: shipped_flows(),
            clock: Arc::new(jejak::clock::SystemClock),
            settings,
            scratch: std::env::temp_dir().join(format!(
                "jejak-console-test-{}-{}",
                std::process::id(),
                SCRATCH.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            )),
        });
        let router = console::router(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server = tokio::spawn(async move {
            let app = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
            let _ = axum::serve(listener, app).await;
        });
        Console {
            base: format!("http://{addr}"),
            store,
            server,
        }
    }

    /// Creates an account with a password that need not be changed; returns the password.
    pub async fn account(&self, email: &str, role: Role, schools: &[&str]) -> String {
        create_account(&self.store, email, role, schools).await
    }

    /// A client signed in as `email` (made with [`Console::account`]).
    pub async fn sign_in(&self, email: &str, password: &str) -> Client {
        sign_in_at(&self.base, email, password).await
    }

    /// Makes an account of `role` for `schools` and signs it in.
    pub async fn staff(&self, email: &str, role: Role, schools: &[&str]) -> Client {
        let pw = self.account(email, role, schools).await;
        self.sign_in(email, &pw).await
    }
}

/// Creates an account in `store` with a password that need not be changed; returns the
/// password.
pub async fn create_account(store: &Store, email: &str, role: Role, schools: &[&str]) -> String {
    let password = format!("sandi-{email}-panjang");
    let hash = jejak::console::auth::hash_password(&password).expect("hash");
    let schools: Vec<String> = schools.iter().map(|s| s.to_string()).collect();
    store
        .staff()
        .create_account(
            &NewAccount {
                email,
                role,
                schools: &schools,
                password_hash: &hash,
                must_change_password: false,
            },
            Utc::now(),
        )
        .await
        .expect("create account")
        .expect("new e-mail");
    password
}

/// A client signed in as `email` on the console at `base` (any server: a test's own or a
/// `jejak run` process).
pub async fn sign_in_at(base: &str, email: &str, password: &str) -> Client {
    let mut c = Client::new(base);
    let res = c
        .post_raw(
            "/console/login",
            &[("email", email), ("password", password)],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303, "sign-in of {email} failed");
    c.take_cookie(&res);
    assert!(c.cookie.is_some(), "no session cookie for {email}");
    c
}

/// An HTTP client of the console with its session cookie; redirects are not followed, so
/// tests see them.
pub struct Client {
    /// The server's base URL.
    pub base: String,
    /// `jejak_staff=…`, once signed in.
    pub cookie: Option<String>,
    http: reqwest::Client,
}

/// An answer read whole.
pub struct Page {
    /// HTTP status.
    pub status: u16,
    /// Headers.
    pub headers: reqwest::header::HeaderMap,
    /// Body bytes.
    pub bytes: Vec<u8>,
}

impl Page {
    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// The `Location` of a redirect.
    pub fn location(&self) -> Option<String> {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
}

impl Client {
    /// A client without a session.
    pub fn new(base: &str) -> Client {
        Client {
            base: base.to_string(),
            cookie: None,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
        }
    }

    fn take_cookie(&mut self, res: &reqwest::Response) {
        for v in res.headers().get_all("set-cookie") {
            if let Ok(v) = v.to_str()
                && let Some(pair) = v.split(';').next()
                && pair.starts_with("jejak_staff=")
            {
                self.cookie = Some(pair.to_string()).filter(|p| p != "jejak_staff=");
            }
        }
    }

    fn with_cookie(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.cookie {
            Some(c) => rb.header("cookie", c),
            None => rb,
        }
    }

    async fn read(res: reqwest::Response) -> Page {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.expect("body").to_vec();
        Page {
            status,
            headers,
            bytes,
        }
    }

    /// GET a path (`/console/…`).
    pub async fn get(&self, path: &str) -> Page {
        let res = self
            .with_cookie(self.http.get(format!("{}{path}", self.base)))
            .send()
            .await
            .expect("GET");
        Client::read(res).await
    }

    /// POST a form as is (no CSRF token added).
    pub async fn post_raw(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.with_cookie(self.http.post(format!("{}{path}", self.base)))
            .form(form)
            .send()
            .await
            .expect("POST")
    }

    /// The CSRF token of this session, read from a page every signed-in member can open.
    pub async fn csrf(&self) -> String {
        let page = self.get("/console/overview").await.text();
        csrf_of(&page).expect("a CSRF field on the overview")
    }

    /// POST a form with this session's CSRF token added; keeps a new session cookie if the
    /// answer sets one.
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let token = self.csrf().await;
        let mut fields: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
        fields.extend_from_slice(form);
        let res = self.post_raw(path, &fields).await;
        self.take_cookie(&res);
        Client::read(res).await
    }

    /// POST a multipart form (a file upload): this session's CSRF token as the first
    /// field, then `fields` (name, value), then one file part `file_field` named
    /// `file_name` with `content`. Written by hand so tests need no extra reqwest feature
    /// (a feature only tests use would rebuild reqwest and teloxide for `cargo test`).
    pub async fn post_file(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file_field: &str,
        file_name: &str,
        content: &[u8],
    ) -> Page {
        let token = self.csrf().await;
        let boundary = "----jejak-test-boundary-7d1f";
        let mut body: Vec<u8> = Vec::new();
        let mut text = |name: &str, value: &str| {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        };
        text("_csrf", &token);
        for (k, v) in fields {
            text(k, v);
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{file_field}\"; \
                 filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let res = self
            .with_cookie(self.http.post(format!("{}{path}", self.base)))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .expect("POST multipart");
        Client::read(res).await
    }
}

/// The value of the first `_csrf` hidden field of a page.
pub fn csrf_of(html: &str) -> Option<String> {
    let i = html.find("name=\"_csrf\" value=\"")? + "name=\"_csrf\" value=\"".len();
    let rest = &html[i..];
    Some(rest[..rest.find('"')?].to_string())
}

/// Imports a roster given as CSV text into `flow_id` (one of the shipped flows), as
/// `jejak roster import` does.
pub async fn import_csv(
    store: &Store,
    flow_id: &str,
    csv: &str,
) -> jejak::roster::import::ImportReport {
    let flow = shipped_flows()
        .into_iter()
        .find(|f| f.id == flow_id)
        .expect("a shipped flow");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("roster.csv");
    std::fs::write(&path, csv).expect("write roster");
    let opts = jejak::roster::import::ImportOptions {
        enrol: Some(jejak::roster::import::enrolment(&flow).expect("enrolment")),
        progress: false,
        ..Default::default()
    };
    jejak::roster::import::import_file(store, &path, &opts, Utc::now())
        .await
        .expect("import")
}

/// A small roster of two schools: three alumni of SMKN 1 Contoh, two of SMKN 2 Contoh.
pub const TWO_SCHOOLS_CSV: &str = "nisn,nama,no_hp,angkatan,program,sekolah\n\
0011111111,Ani Lestari,081234500001,2025,TKJ,SMKN 1 Contoh\n\
0011111112,Budi Santoso,081234500002,2025,AKL,SMKN 1 Contoh\n\
0011111113,Citra Dewi,081234500003,2024,TKJ,SMKN 1 Contoh\n\
0022222221,Dodi Pratama,081234500004,2025,TKR,SMKN 2 Contoh\n\
0022222222,Eka Putri,081234500005,2024,TKR,SMKN 2 Contoh\n";
