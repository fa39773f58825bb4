//! A real browser for tests: Debian's `chromium` driven by `chromedriver` over the W3C
//! WebDriver protocol (JSON over HTTP on 127.0.0.1).
//!
//! The protocol calls are made with `reqwest` and `serde_json`, which the crate already has:
//! the WebDriver client crates (fantoccini, via Mozilla's `webdriver`) bring a second `http`
//! (0.2), a second `cookie` and ICU 1.x into the build, about 20 crates for a dozen calls.
//!
//! Without `/usr/bin/chromedriver` or `/usr/bin/chromium` a test prints why and passes,
//! unless `JEJAK_REQUIRE_BROWSER=1` (`.ci/run` sets it), when it fails.
//!
//! ```ignore
//! let Some(driver) = Driver::start().await else { return };
//! let b = driver.session().await;
//! b.goto(&format!("{}/console/login", console.base)).await;
//! b.fill("email", "guru@smkn1.sch.id").await;
//! b.click("#sign-in").await;
//! b.wait_for("#total-roster").await;
//! ```

#![allow(dead_code)]

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

/// Where Debian puts the driver.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Where Debian puts the browser.
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// How long [`Session::wait_for`] and friends wait by default.
pub const WAIT: Duration = Duration::from_secs(15);

/// The interval between two looks while waiting.
const POLL: Duration = Duration::from_millis(100);

/// The key of an element reference in WebDriver answers.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// The desktop window of every session.
pub const DESKTOP: (u32, u32) = (1280, 900);
/// A phone's screen (an iPhone 12-14 in CSS pixels), for one screenshot.
pub const PHONE: (u32, u32) = (390, 844);

/// Whether `JEJAK_REQUIRE_BROWSER=1`: a missing browser fails instead of skipping.
pub fn browser_required() -> bool {
    std::env::var("JEJAK_REQUIRE_BROWSER").is_ok_and(|v| v == "1")
}

/// Whether tests should write the README's screenshots (`JEJAK_SCREENSHOTS=1`), so normal
/// runs leave the tree clean.
pub fn screenshots_wanted() -> bool {
    std::env::var("JEJAK_SCREENSHOTS").is_ok_and(|v| v == "1")
}

/// `docs/screenshots/<name>`.
pub fn screenshot_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs/screenshots")
        .join(name)
}

/// A running chromedriver on a free port of 127.0.0.1; killed when the last [`Session`]
/// and the `Driver` itself are dropped.
#[derive(Clone)]
pub struct Driver {
    inner: Arc<DriverProcess>,
}

struct DriverProcess {
    child: std::sync::Mutex<Child>,
    url: String,
    /// Holds the user-data directories of the sessions and the driver's log.
    dir: tempfile::TempDir,
}

impl Drop for DriverProcess {
    fn drop(&mut self) {
        if let Ok(mut child) = self.child.lock() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn skip(reason: &str) -> Option<Driver> {
    if browser_required() {
        panic!("JEJAK_REQUIRE_BROWSER=1 but the browser cannot run: {reason}");
    }
    eprintln!("skipping a browser test: {reason} (apt-get install chromium chromium-driver)");
    None
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local address").port()
}

impl Driver {
    /// Starts chromedriver, or says why it cannot and gives `None` when the browser is
    /// not installed (a panic when `JEJAK_REQUIRE_BROWSER=1`). An installed driver that
    /// does not start is a failure, not a skip.
    pub async fn start() -> Option<Driver> {
        for exe in [CHROMEDRIVER, CHROMIUM] {
            if !Path::new(exe).exists() {
                return skip(&format!("{exe} is missing"));
            }
        }
        // The free port may be taken between our look and chromedriver's bind: try again.
        let mut last = String::new();
        for _ in 0..3 {
            match Driver::try_start().await {
                Ok(d) => return Some(d),
                Err(e) => last = e,
            }
        }
        panic!("chromedriver does not start: {last}");
    }

    async fn try_start() -> Result<Driver, String> {
        let dir = tempfile::tempdir().expect("temp dir");
        let log = dir.path().join("chromedriver.log");
        let port = free_port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {CHROMEDRIVER}: {e}"))?;
        let driver = Driver {
            inner: Arc::new(DriverProcess {
                child: std::sync::Mutex::new(child),
                url: format!("http://127.0.0.1:{port}"),
                dir,
            }),
        };
        // Ready when /status says so; chromedriver starts in well under a second.
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let status = http
                .get(format!("{}/status", driver.inner.url))
                .send()
                .await;
            if matches!(status, Ok(r) if r.status().is_success()) {
                return Ok(driver);
            }
            let exited = driver
                .inner
                .child
                .lock()
                .ok()
                .and_then(|mut c| c.try_wait().ok().flatten());
            if let Some(status) = exited {
                return Err(format!("exited ({status}): {}", driver.log_tail()));
            }
            if Instant::now() > deadline {
                return Err(format!("no answer in 20 s: {}", driver.log_tail()));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The end of chromedriver's log, for failure messages.
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.inner.dir.path().join("chromedriver.log"))
            .unwrap_or_default();
        let start = log.len().saturating_sub(2000);
        let start = (start..log.len())
            .find(|i| log.is_char_boundary(*i))
            .unwrap_or(log.len());
        log[start..].to_string()
    }

    /// A new browser (its own profile: cookies are not shared with other sessions) whose
    /// preferred language is Indonesian, as at a school in Indonesia.
    pub async fn session(&self) -> Session {
        self.session_in("id-ID,id").await
    }

    /// A new browser whose `Accept-Language` is `accept_languages` (`en-US,en`).
    pub async fn session_in(&self, accept_languages: &str) -> Session {
        static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let profile = self.inner.dir.path().join(format!(
            "profile-{}",
            SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&profile).expect("profile dir");
        let mut args: Vec<String> = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            // Without these Chromium keeps trying to reach Google's servers, which on a
            // closed network is a flood of refused connections.
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.push(format!("--window-size={},{}", DESKTOP.0, DESKTOP.1));
        args.push(format!("--user-data-dir={}", profile.display()));
        let caps = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {
                        "binary": CHROMIUM,
                        "args": args,
                        "prefs": { "intl.accept_languages": accept_languages },
                    }
                }
            }
        });
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("HTTP client");
        let res = http
            .post(format!("{}/session", self.inner.url))
            .json(&caps)
            .send()
            .await
            .expect("chromedriver answers");
        let body: Value = res.json().await.expect("JSON from chromedriver");
        let id = body["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("chromium did not start: {body}\n{}", self.log_tail()))
            .to_string();
        Session {
            driver: self.clone(),
            http,
            url: format!("{}/session/{id}", self.inner.url),
            id,
            closed: false,
        }
    }
}

/// A reference to an element of the current page.
#[derive(Debug, Clone)]
pub struct Element(String);

/// One browser window (a WebDriver session). Quit with [`Session::quit`]; a dropped session
/// is ended too, so a failing test leaves no Chromium behind.
pub struct Session {
    driver: Driver,
    http: reqwest::Client,
    /// `http://127.0.0.1:PORT/session/ID`.
    url: String,
    id: String,
    closed: bool,
}

impl Drop for Session {
    fn drop(&mut self) {
        if self.closed {
            return;
        }
        // Drop cannot wait for async work: a plain blocking DELETE on a socket of its own.
        let Some(rest) = self.driver.inner.url.strip_prefix("http://") else {
            return;
        };
        if let Ok(mut s) = std::net::TcpStream::connect(rest) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            let req = format!(
                "DELETE /session/{} HTTP/1.1\r\nHost: {rest}\r\nConnection: close\r\n\r\n",
                self.id
            );
            if s.write_all(req.as_bytes()).is_ok() {
                let mut buf = Vec::new();
                let _ = s.read_to_end(&mut buf);
            }
        }
    }
}

/// A WebDriver error answer.
#[derive(Debug)]
pub struct WdError {
    /// The error code (`no such element`, …).
    pub error: String,
    /// The driver's message.
    pub message: String,
}

impl Session {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, WdError> {
        let mut rb = self
            .http
            .request(method.clone(), format!("{}{path}", self.url));
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let res = rb.send().await.map_err(|e| WdError {
            error: "transport".into(),
            message: format!("{method} {path}: {e}"),
        })?;
        let ok = res.status().is_success();
        let v: Value = res.json().await.map_err(|e| WdError {
            error: "transport".into(),
            message: format!("{method} {path}: not JSON: {e}"),
        })?;
        let value = v.get("value").cloned().unwrap_or(Value::Null);
        if ok {
            Ok(value)
        } else {
            Err(WdError {
                error: value["error"].as_str().unwrap_or("unknown").to_string(),
                message: format!(
                    "{method} {path}: {}",
                    value["message"]
                        .as_str()
                        .unwrap_or("")
                        .lines()
                        .next()
                        .unwrap_or("")
                ),
            })
        }
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.call(reqwest::Method::POST, path, Some(body))
            .await
            .unwrap_or_else(|e| panic!("WebDriver {}: {}", e.error, e.message))
    }

    async fn get(&self, path: &str) -> Value {
        self.call(reqwest::Method::GET, path, None)
            .await
            .unwrap_or_else(|e| panic!("WebDriver {}: {}", e.error, e.message))
    }

    /// Opens a URL and waits for the page to load.
    pub async fn goto(&self, url: &str) {
        self.post("/url", json!({ "url": url })).await;
    }

    /// The address of the page shown.
    pub async fn current_url(&self) -> String {
        self.get("/url")
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The path of the page shown (`/console/overview`), without the query.
    pub async fn path(&self) -> String {
        let url = self.current_url().await;
        let after_host = url.splitn(4, '/').nth(3).unwrap_or("");
        let path = format!("/{after_host}");
        path.split(['?', '#']).next().unwrap_or("").to_string()
    }

    /// The page's title.
    pub async fn title(&self) -> String {
        self.get("/title")
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The page's HTML as the browser has it now.
    pub async fn source(&self) -> String {
        self.get("/source")
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The first element matching a CSS selector, if there is one now.
    pub async fn find(&self, css: &str) -> Option<Element> {
        let v = self
            .call(
                reqwest::Method::POST,
                "/element",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await
            .ok()?;
        v[ELEMENT_KEY].as_str().map(|s| Element(s.to_string()))
    }

    /// Every element matching a CSS selector now.
    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        let v = self
            .post(
                "/elements",
                json!({ "using": "css selector", "value": css }),
            )
            .await;
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e[ELEMENT_KEY].as_str().map(|s| Element(s.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Waits (up to [`WAIT`]) for an element matching `css`; panics with the page's
    /// address and text when it does not come.
    pub async fn wait_for(&self, css: &str) -> Element {
        self.wait_for_within(css, WAIT).await
    }

    /// As [`Session::wait_for`] with a timeout.
    pub async fn wait_for_within(&self, css: &str, timeout: Duration) -> Element {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(e) = self.find(css).await {
                return e;
            }
            if Instant::now() > deadline {
                panic!(
                    "no `{css}` after {timeout:?} on {}:\n{}",
                    self.current_url().await,
                    self.body_text().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits (up to [`WAIT`]) until the page's visible text contains `text`.
    pub async fn wait_text(&self, text: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let body = self.body_text().await;
            if body.contains(text) {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "no text {text:?} after {WAIT:?} on {}:\n{body}",
                    self.current_url().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits (up to [`WAIT`]) until the page shown has this path (after a redirect, a form).
    pub async fn wait_path(&self, path: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let now = self.path().await;
            if now == path {
                // The address changes before the page is there: wait for its body too.
                self.wait_for("body").await;
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "still on {now} after {WAIT:?}, expected {path}:\n{}",
                    self.body_text().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The visible text of the page (empty while there is no body).
    pub async fn body_text(&self) -> String {
        match self.find("body").await {
            Some(b) => self.text_of(&b).await,
            None => String::new(),
        }
    }

    /// The visible text of an element (empty when it went away meanwhile).
    pub async fn text_of(&self, e: &Element) -> String {
        self.call(
            reqwest::Method::GET,
            &format!("/element/{}/text", e.0),
            None,
        )
        .await
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
    }

    /// The visible text of the element matching `css`, waiting for it.
    pub async fn text(&self, css: &str) -> String {
        let e = self.wait_for(css).await;
        self.text_of(&e).await.trim().to_string()
    }

    /// An attribute of an element (`None` also when the page changed meanwhile).
    pub async fn attribute(&self, e: &Element, name: &str) -> Option<String> {
        self.call(
            reqwest::Method::GET,
            &format!("/element/{}/attribute/{name}", e.0),
            None,
        )
        .await
        .ok()?
        .as_str()
        .map(str::to_string)
    }

    /// Types `value` into the field with this id (after emptying it).
    pub async fn fill(&self, id: &str, value: &str) {
        let e = self.wait_for(&format!("#{id}")).await;
        self.post(&format!("/element/{}/clear", e.0), json!({}))
            .await;
        self.post(&format!("/element/{}/value", e.0), json!({ "text": value }))
            .await;
    }

    /// Puts a file into the file field with this id (the file must exist; WebDriver sends
    /// its path and the browser reads it).
    pub async fn upload(&self, id: &str, path: &Path) {
        let e = self.wait_for(&format!("#{id}")).await;
        let path = path.canonicalize().expect("the file to upload exists");
        self.post(
            &format!("/element/{}/value", e.0),
            json!({ "text": path.display().to_string() }),
        )
        .await;
    }

    /// Types `value` into the field matching a CSS selector (after emptying it): for forms
    /// whose fields have names but no ids (`input[name=q]`).
    pub async fn fill_in(&self, css: &str, value: &str) {
        let e = self.wait_for(css).await;
        self.post(&format!("/element/{}/clear", e.0), json!({}))
            .await;
        self.post(&format!("/element/{}/value", e.0), json!({ "text": value }))
            .await;
    }

    /// Puts a file into the file field matching a CSS selector (`input[name=file]`).
    pub async fn upload_into(&self, css: &str, path: &Path) {
        let e = self.wait_for(css).await;
        let path = path.canonicalize().expect("the file to upload exists");
        self.post(
            &format!("/element/{}/value", e.0),
            json!({ "text": path.display().to_string() }),
        )
        .await;
    }

    /// Chooses the option with this `value` in the drop-down list matching a CSS selector
    /// (`select[name=flow]`).
    pub async fn choose(&self, css: &str, value: &str) {
        let value = serde_json::to_string(value).expect("JSON string");
        self.click(&format!("{css} option[value={value}]")).await;
    }

    /// Scrolls the page so the element matching `css` is at the top of the window (for a
    /// screenshot of a part further down).
    pub async fn scroll_to(&self, css: &str) {
        self.wait_for(css).await;
        let sel = serde_json::to_string(css).expect("JSON string");
        self.script(&format!(
            "document.querySelector({sel}).scrollIntoView({{block: 'start'}}); return 0;"
        ))
        .await;
    }

    /// The current value of the form field matching a CSS selector.
    pub async fn value_of(&self, css: &str) -> String {
        let e = self.wait_for(css).await;
        self.get(&format!("/element/{}/property/value", e.0))
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Fetches `path` from within the page (with the page's cookies), as a click on a
    /// download link would, and gives (HTTP status, `Content-Type`, body as text). A
    /// synchronous request, so the answer is there when the call returns.
    pub async fn fetch(&self, path: &str) -> (u16, String, String) {
        let url = serde_json::to_string(path).expect("JSON string");
        let v = self
            .script(&format!(
                "var x = new XMLHttpRequest(); x.open('GET', {url}, false); x.send(); \
                 return [x.status, x.getResponseHeader('content-type') || '', x.responseText];"
            ))
            .await;
        (
            v[0].as_u64().unwrap_or(0) as u16,
            v[1].as_str().unwrap_or_default().to_string(),
            v[2].as_str().unwrap_or_default().to_string(),
        )
    }

    /// Chooses the option with this `value` in the drop-down list with this id.
    pub async fn select(&self, id: &str, value: &str) {
        let value = serde_json::to_string(value).expect("JSON string");
        self.click(&format!("#{id} option[value={value}]")).await;
    }

    /// Whether the check box or radio button with this id is ticked.
    pub async fn is_checked(&self, id: &str) -> bool {
        let e = self.wait_for(&format!("#{id}")).await;
        self.get(&format!("/element/{}/selected", e.0))
            .await
            .as_bool()
            .unwrap_or(false)
    }

    /// The current value of a form field with this id (what the user typed or chose).
    pub async fn value(&self, id: &str) -> String {
        let e = self.wait_for(&format!("#{id}")).await;
        self.get(&format!("/element/{}/property/value", e.0))
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Clicks the element matching `css` (waiting for it).
    pub async fn click(&self, css: &str) {
        let e = self.wait_for(css).await;
        self.post(&format!("/element/{}/click", e.0), json!({}))
            .await;
    }

    /// Runs a script in the page and gives its result (`return …;`). WebDriver scripts are
    /// not subject to the page's Content-Security-Policy.
    pub async fn script(&self, body: &str) -> Value {
        self.post("/execute/sync", json!({ "script": body, "args": [] }))
            .await
    }

    /// The rows of a table (`css` selects the table), each a list of its cells' text, body
    /// rows then footer rows.
    pub async fn table(&self, css: &str) -> Vec<Vec<String>> {
        self.wait_for(css).await;
        let sel = serde_json::to_string(css).expect("JSON string");
        let v = self
            .script(&format!(
                "var t = document.querySelector({sel}); \
                 return Array.from(t.querySelectorAll('tbody tr, tfoot tr')).map(function (r) {{ \
                   return Array.from(r.cells).map(function (c) {{ return c.textContent.trim(); }}); \
                 }});"
            ))
            .await;
        serde_json::from_value(v).expect("a table of strings")
    }

    /// The browser's cookies for the page shown: (name, value).
    pub async fn cookies(&self) -> Vec<(String, String)> {
        let v = self.get("/cookie").await;
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|c| {
                        (
                            c["name"].as_str().unwrap_or_default().to_string(),
                            c["value"].as_str().unwrap_or_default().to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Puts a cookie into the browser for the site shown (e.g. a copied session cookie).
    pub async fn add_cookie(&self, name: &str, value: &str, path: &str) {
        self.post(
            "/cookie",
            json!({ "cookie": { "name": name, "value": value, "path": path, "httpOnly": true } }),
        )
        .await;
    }

    /// Opens a new tab and switches to it; gives its handle.
    pub async fn new_tab(&self) -> String {
        let v = self.post("/window/new", json!({ "type": "tab" })).await;
        let handle = v["handle"].as_str().expect("a window handle").to_string();
        self.switch_to(&handle).await;
        handle
    }

    /// The handle of the tab shown.
    pub async fn tab(&self) -> String {
        self.get("/window")
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Switches to the tab with this handle.
    pub async fn switch_to(&self, handle: &str) {
        self.post("/window", json!({ "handle": handle })).await;
    }

    /// Resizes the window.
    pub async fn set_size(&self, (width, height): (u32, u32)) {
        self.post("/window/rect", json!({ "width": width, "height": height }))
            .await;
    }

    /// Saves a PNG of what the window shows now to `path` (its directory is made).
    pub async fn screenshot(&self, path: &Path) {
        let v = self.get("/screenshot").await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().expect("base64 screenshot"))
            .expect("a base64 PNG");
        assert!(png.starts_with(b"\x89PNG"), "the screenshot is not a PNG");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("screenshot directory");
        }
        std::fs::write(path, png).expect("write the screenshot");
    }

    /// Saves a PNG of the page as a phone shows it (a 390×844 touch screen at twice the
    /// pixels: Chromium's device emulation, so the page's viewport is exactly the phone's
    /// and scroll bars overlay as on a phone), then goes back to the desktop.
    pub async fn phone_screenshot(&self, path: &Path) {
        self.emulated_screenshot(path, PHONE, 2, true).await;
    }

    /// Saves a PNG of exactly a 1280×900 desktop screen (the window's own screenshot loses
    /// the height of the headless window's frame).
    pub async fn desktop_screenshot(&self, path: &Path) {
        self.emulated_screenshot(path, DESKTOP, 1, false).await;
    }

    async fn emulated_screenshot(
        &self,
        path: &Path,
        (width, height): (u32, u32),
        scale: u32,
        mobile: bool,
    ) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": scale, "mobile": mobile }),
        )
        .await;
        self.cdp(
            "Emulation.setTouchEmulationEnabled",
            json!({ "enabled": mobile }),
        )
        .await;
        // Let the page lay itself out again at the new size.
        self.script("return document.body.offsetWidth;").await;
        self.screenshot(path).await;
        self.cdp("Emulation.clearDeviceMetricsOverride", json!({}))
            .await;
        self.cdp(
            "Emulation.setTouchEmulationEnabled",
            json!({ "enabled": false }),
        )
        .await;
    }

    /// A Chrome DevTools command through chromedriver.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.post("/goog/cdp/execute", json!({ "cmd": cmd, "params": params }))
            .await
    }

    /// Ends the session (closes its Chromium).
    pub async fn quit(mut self) {
        let _ = self.http.delete(&self.url).send().await;
        self.closed = true;
    }
}
