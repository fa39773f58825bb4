//! Sign-in and sessions of the staff console under attack and misuse, over HTTP against a
//! real server and database (both backends): wrong passwords, lock-outs per account and per
//! address that survive a restart and are shared by two workers, CSRF, cross-site sign-in,
//! expired and ended sessions, `jejak staff disable`, cookie attributes, the one-time
//! password's forced change, password rules, and `jejak staff add`'s output and language.

#[path = "support/test_db.rs"]
#[macro_use]
mod test_db;
#[path = "support/console.rs"]
mod console_support;

use std::process::Command;

use chrono::Utc;
use console_support::{Client, Console, Page, csrf_of};
use jejak::console::ConsoleSettings;
use jejak::i18n::Catalog;
use jejak::model::Lang;
use jejak::store::{NewAccount, Role, Store};
use test_db::{Db, exec};

both_backends!(
    wrong_password_is_refused_with_a_message_and_no_cookie,
    five_failures_lock_the_account_across_restarts_and_workers,
    twenty_failures_lock_the_address,
    a_lock_ends_after_its_time,
    missing_or_forged_csrf_is_refused_and_changes_nothing,
    cross_site_sign_in_is_refused,
    an_expired_session_goes_to_sign_in,
    an_idle_session_ends_and_a_used_one_stays,
    sign_out_ends_the_session_in_every_tab,
    staff_disable_ends_live_sessions,
    cookie_attributes,
    a_one_time_password_must_be_changed_first,
    password_rules_give_messages,
    wrong_current_passwords_lock_the_account,
    staff_add_prints_a_one_time_password_that_signs_in,
    ended_sessions_are_forgotten_after_a_week,
);

const EMAIL: &str = "guru@smkn1.sch.id";
const SCHOOL: &str = "SMKN 1 Contoh";

/// A console text in Indonesian (the language of a browser that asks for none).
fn msg(id: &str) -> String {
    catalog().message(Lang::Id, id, &[])
}

/// The part of a text before its first argument (for texts with a time in them).
fn msg_prefix(lang: Lang, id: &str) -> String {
    let full = catalog().message(lang, id, &[("until", "\u{1}")]);
    full.split('\u{1}').next().unwrap_or_default().to_string()
}

fn catalog() -> &'static Catalog {
    static CAT: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
    CAT.get_or_init(|| Catalog::embedded().expect("catalog"))
}

/// A request to the sign-in form with extra headers (a proxy's `X-Forwarded-For`, a
/// browser's `Origin`).
async fn sign_in_with(base: &str, email: &str, password: &str, headers: &[(&str, &str)]) -> Page {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let mut rb = http
        .post(format!("{base}/console/login"))
        .form(&[("email", email), ("password", password)]);
    for (k, v) in headers {
        rb = rb.header(*k, *v);
    }
    let res = rb.send().await.expect("POST");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let bytes = res.bytes().await.expect("body").to_vec();
    Page {
        status,
        headers,
        bytes,
    }
}

async fn sign_in_at(base: &str, path: &str, email: &str, password: &str) -> Page {
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(format!("{base}{path}"))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .expect("POST");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let bytes = res.bytes().await.expect("body").to_vec();
    Page {
        status,
        headers,
        bytes,
    }
}

async fn sign_in(base: &str, email: &str, password: &str) -> Page {
    sign_in_with(base, email, password, &[]).await
}

/// The `Set-Cookie` values of an answer.
fn set_cookies(p: &Page) -> Vec<String> {
    p.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect()
}

/// A client whose session is the one an answer's `Set-Cookie` started.
fn client_of(base: &str, p: &Page) -> Client {
    let mut c = Client::new(base);
    c.cookie = set_cookies(p)
        .iter()
        .filter_map(|v| v.split(';').next())
        .find(|pair| pair.starts_with("jejak_staff=") && *pair != "jejak_staff=")
        .map(str::to_string);
    assert!(c.cookie.is_some(), "no session cookie");
    c
}

/// Asserts an answer is a redirect to `to`.
fn assert_redirect(p: &Page, to: &str) {
    assert!(
        (300..400).contains(&p.status),
        "expected a redirect to {to}, got {}: {}",
        p.status,
        p.text()
    );
    assert_eq!(p.location().as_deref(), Some(to));
}

/// Asserts a sign-in answer refused the right password because of a lock.
fn assert_locked(p: &Page) {
    assert_eq!(p.status, 401, "{}", p.text());
    assert!(
        p.text().contains(&msg_prefix(Lang::Id, "c-locked-out")),
        "no lock-out message: {}",
        p.text()
    );
    assert!(set_cookies(p).is_empty(), "a locked sign-in set a cookie");
}

/// An account whose password is a one-time one (must be changed at first sign-in).
async fn one_time_account(store: &Store, email: &str) -> String {
    let password = "sekali-pakai-123".to_string();
    let hash = jejak::console::auth::hash_password(&password).expect("hash");
    store
        .staff()
        .create_account(
            &NewAccount {
                email,
                role: Role::Admin,
                schools: &[],
                password_hash: &hash,
                must_change_password: true,
            },
            Utc::now(),
        )
        .await
        .expect("create")
        .expect("new");
    password
}

/// Runs the real `jejak` binary against the test database (SQLite file or PostgreSQL
/// schema URL), without `LANG`; gives (code, stdout, stderr).
fn jejak(db: &Db, args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_jejak"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("DATABASE_URL", &db.url)
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("JEJAK_LANG")
        .env("JEJAK_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("jejak runs");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().expect("jejak ends");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn wrong_password_is_refused_with_a_message_and_no_cookie(db: &Db) {
    let console = Console::start(db.store.clone()).await;
    let password = console.account(EMAIL, Role::Operator, &[SCHOOL]).await;
    let res = sign_in(&console.base, EMAIL, "bukan kata sandinya").await;
    assert_eq!(res.status, 401);
    assert!(
        res.text().contains(&msg("c-sign-in-wrong")),
        "{}",
        res.text()
    );
    assert!(set_cookies(&res).is_empty(), "{:?}", set_cookies(&res));
    // The form keeps the e-mail (escaped) and not the password.
    assert!(res.text().contains(EMAIL));
    assert!(!res.text().contains("bukan kata sandinya"));
    // An unknown e-mail reads the same: the page does not tell which accounts exist.
    let unknown = sign_in(&console.base, "siapa@smkn9.sch.id", &password).await;
    assert_eq!(unknown.status, 401);
    assert!(unknown.text().contains(&msg("c-sign-in-wrong")));
    assert!(set_cookies(&unknown).is_empty());
    // What was typed as the e-mail comes back escaped.
    let evil = "x\"><script>alert(1)</script>@a.id";
    let res = sign_in(&console.base, evil, "apa saja").await;
    assert_eq!(res.status, 401);
    assert!(!res.text().contains("<script>alert"), "{}", res.text());
    assert!(res.text().contains("&lt;script&gt;"), "{}", res.text());
    // The page is Indonesian whatever the browser prefers; its English switch (`?lang=en`,
    // kept in the form's address) gives the message in English.
    let id = sign_in_with(
        &console.base,
        EMAIL,
        "wrong",
        &[("accept-language", "en-US,en;q=0.9")],
    )
    .await;
    assert!(id.text().contains(&msg("c-sign-in-wrong")), "{}", id.text());
    let en = sign_in_at(&console.base, "/console/login?lang=en", EMAIL, "wrong").await;
    assert!(
        en.text()
            .contains(&catalog().message(Lang::En, "c-sign-in-wrong", &[])),
        "{}",
        en.text()
    );
    // The right password still works (a few failures lock nothing).
    assert_redirect(
        &sign_in(&console.base, EMAIL, &password).await,
        "/console/overview",
    );
}

async fn five_failures_lock_the_account_across_restarts_and_workers(db: &Db) {
    // Two workers over the same database, each with its own store (connections).
    let a = Console::start(db.store.clone()).await;
    let b = Console::start(Store::connect(&db.url).await.expect("second store")).await;
    let password = a.account(EMAIL, Role::Operator, &[SCHOOL]).await;
    for n in 0..5 {
        let console = if n % 2 == 0 { &a } else { &b };
        let res = sign_in(&console.base, EMAIL, "salah-salah").await;
        assert_eq!(res.status, 401, "failure {n}");
    }
    // The right password is refused on both workers now.
    assert_locked(&sign_in(&a.base, EMAIL, &password).await);
    assert_locked(&sign_in(&b.base, EMAIL, &password).await);
    // Another account from the same address is not locked (5 is the account's rule).
    let other = a.account("bkk@smkn2.sch.id", Role::Admin, &[]).await;
    assert_redirect(
        &sign_in(&a.base, "bkk@smkn2.sch.id", &other).await,
        "/console/overview",
    );
    // A restart: new processes over the same database keep the lock.
    drop(a);
    drop(b);
    let c = Console::start(Store::connect(&db.url).await.expect("store after restart")).await;
    assert_locked(&sign_in(&c.base, EMAIL, &password).await);
    // Upper case and spaces are the same account.
    assert_locked(&sign_in(&c.base, " GURU@smkn1.sch.id ", &password).await);
}

async fn twenty_failures_lock_the_address(db: &Db) {
    let console = Console::start(db.store.clone()).await;
    let password = console.account(EMAIL, Role::Operator, &[SCHOOL]).await;
    // The console sits behind a proxy on this machine, which names the real address.
    let attacker = [("x-forwarded-for", "203.0.113.7")];
    for n in 0..20 {
        // A different account each time, so no account reaches its own limit.
        let res = sign_in_with(
            &console.base,
            &format!("tebak{n}@smkn1.sch.id"),
            "tebakan",
            &attacker,
        )
        .await;
        assert_eq!(res.status, 401, "failure {n}");
    }
    // From that address even the right password of a real account is refused…
    assert_locked(&sign_in_with(&console.base, EMAIL, &password, &attacker).await);
    // A proxy that adds its own `X-Forwarded-For` line after the client's: the client's
    // made-up addresses do not make it someone else.
    for n in 0..3 {
        let made_up = format!("192.0.2.{n}");
        let res = sign_in_with(
            &console.base,
            EMAIL,
            &password,
            &[
                ("x-forwarded-for", made_up.as_str()),
                ("x-forwarded-for", "203.0.113.7"),
            ],
        )
        .await;
        assert_locked(&res);
    }
    // …while the same account signs in from another address.
    let res = sign_in_with(
        &console.base,
        EMAIL,
        &password,
        &[("x-forwarded-for", "198.51.100.20")],
    )
    .await;
    assert_redirect(&res, "/console/overview");
}

async fn a_lock_ends_after_its_time(db: &Db) {
    let console = Console::start(db.store.clone()).await;
    let password = console.account(EMAIL, Role::Operator, &[SCHOOL]).await;
    for _ in 0..5 {
        sign_in(&console.base, EMAIL, "salah-salah").await;
    }
    assert_locked(&sign_in(&console.base, EMAIL, &password).await);
    // Fifteen minutes later (the lock's end moved into the past).
    exec(
        db,
        &format!(
            "UPDATE staff_login_failures SET locked_until = {} \
             WHERE key = 'account:{EMAIL}'",
            Utc::now().timestamp_millis() - 1000
        ),
    )
    .await;
    assert_redirect(
        &sign_in(&console.base, EMAIL, &password).await,
        "/console/overview",
    );
    // The success forgot the account's failures: one more mistake locks nothing.
    assert_eq!(sign_in(&console.base, EMAIL, "salah").await.status, 401);
    assert_redirect(
        &sign_in(&console.base, EMAIL, &password).await,
        "/console/overview",
    );
}

async fn missing_or_forged_csrf_is_refused_and_changes_nothing(db: &Db) {
    let console = Console::start(db.store.clone()).await;
    let mut c = console.staff(EMAIL, Role::Operator, &[SCHOOL]).await;
    let lang = move || async move {
        let (a, _) = db
            .store
            .staff()
            .account_by_email(EMAIL)
            .await
            .expect("read")
            .expect("account");
        a.language
    };
    for form in [
        vec![("lang", "en")],
        vec![("_csrf", ""), ("lang", "en")],
        vec![
            ("_csrf", "forged-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            ("lang", "en"),
        ],
    ] {
        let res = c.post_raw("/console/language", &form).await;
        assert_eq!(res.status().as_u16(), 403, "{form:?}");
        assert_eq!(lang().await, Lang::Id, "the language changed with {form:?}");
    }
    // Another session's token is no better.
    let other = console.staff("bkk@smkn2.sch.id", Role::Admin, &[]).await;
    let other_token = other.csrf().await;
    let res = c
        .post_raw(
            "/console/language",
            &[("_csrf", &other_token), ("lang", "en")],
        )
        .await;
    assert_eq!(res.status().as_u16(), 403);
    assert_eq!(lang().await, Lang::Id);
    // Sign-out without the token ends nothing.
    let res = c.post_raw("/console/logout", &[]).await;
    assert_eq!(res.status().as_u16(), 403);
    assert_eq!(c.get("/console/overview").await.status, 200);
    let html = c.get("/console/overview").await.text();
    assert!(html.contains("lang=\"id\""));
    // With the page's own token the same form works.
    let res = c.post("/console/language", &[("lang", "en")]).await;
    assert_redirect(&res, "/console/overview");
    assert_eq!(lang().await, Lang::En);
}

async fn cross_site_sign_in_is_refused(db: &Db) {
    let console = Console::start(db.store.clone()).await;
    let password = console.account(EMAIL, Role::Operator, &[SCHOOL]).await;
    let res = sign_in_with(
        &console.base,
        EMAIL,
        &password,
        &[("origin", "https://jahat.example")],
    )
    .await;
    assert_eq!(res.status, 403);
    assert!(res.text().contains(&msg("c-cross-site")), "{}", res.text());
    assert!(set_cookies(&res).is_empty());
    // A host that only ends like ours is another site too.
    let host = console.base.trim_start_matches("http://");
    let res = sign_in_with(
        &console.base,
        EMAIL,
        &password,
        &[("origin", &format!("http://evil.{host}"))],
    )
    .await;
    assert_eq!(res.status, 403);
    // Nothing was counted against the account: the form from our own page signs in.
    let res = sign_in_with(
        &console.base,
        EMAIL,
        &password,
        &[("origin", &console.base)],
    )
    .await;
    assert_redirect(&res, "/console/overview");
}

async fn an_expired_session_goes_to_sign_in(db: &Db) {
    let console = Console::start(db.store.clone()).await;
    let c = console.staff(EMAIL, Role::Operator, &[SCHOOL]).await;
    assert_eq!(c.get("/console/overview").await.status, 200);
    exec(
        db,
        &format!(
            "UPDATE staff_sessions SET expires_at = {}",
            Utc::now().timestamp_millis() - 1000
        ),
    )
    .await;
    assert_redirect(&c.get("/console/overview").await, "/console/login");
    // The sign-in page shows its form again rather than sending the browser on.
    let page = c.get("/console/login").await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("name=\"password\""));
}

async fn an_idle_session_ends_and_a_used_one_stays(db: &Db) {
    let console = Console::start(db.store.clone()).await;
    let idle = console.staff(EMAIL, Role::Operator, &[SCHOOL]).await;
    let used = console
        .staff("other@smkn1.sch.id", Role::Operator, &[SCHOOL])
        .await;
    // Both were last seen 119 minutes ago: still alive, and using one brings it up to date.
    let minutes_ago = |m: i64| Utc::now().timestamp_millis() - m * 60_000;
    exec(
        db,
        &format!(
            "UPDATE staff_sessions SET last_seen_at = {}",
            minutes_ago(119)
        ),
    )
    .await;
    assert_eq!(used.get("/console/overview").await.status, 200);
    // Two more minutes pass for both: the one left alone is now idle past two hours.
    exec(
        db,
        &format!(
            "UPDATE staff_sessions SET last_seen_at = last_seen_at - {}",
            2 * 60_000
        ),
    )
    .await;
    assert_redirect(&idle.get("/console/overview").await, "/console/login");
    assert_eq!(used.get("/console/overview").await.status, 200);
}

async fn sign_out_ends_the_session_in_every_tab(db: &Db) {
    let console = Console::start(db.store.clone()).await;
    let mut first = console.staff(EMAIL, Role::Operator, &[SCHOOL]).await;
    // A second tab shares the cookie.
    let mut second = Client::new(&console.base);
    second.cookie = first.cookie.clone();
    let token = second.csrf().await;
    let res = first.post("/console/logout", &[]).await;
    assert_redirect(&res, "/console/login");
    // The browser is told to forget the cookie…
    let forget = set_cookies(&res);
    assert!(
        forget
            .iter()
            .any(|c| c.starts_with("jejak_staff=;") && c.contains("Max-Age=0")),
        "{forget:?}"
    );
    // …and the server forgot the session: the second tab's cookie opens nothing.
    assert_redirect(&second.get("/console/overview").await, "/console/login");
    let res = second
        .post_raw("/console/language", &[("_csrf", &token), ("lang", "en")])
        .await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(
        res.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/console/login")
    );
    let (account, _) = db
        .store
        .staff()
        .account_by_email(EMAIL)
        .await
        .expect("read")
        .expect("account");
    assert_eq!(account.language, Lang::Id);
    // Signing out twice is harmless.
    let _ = second
        .post_raw("/console/logout", &[("_csrf", &token)])
        .await;
}

async fn staff_disable_ends_live_sessions(db: &Db) {
    let console = Console::start(db.store.clone()).await;
    let password = console.account(EMAIL, Role::Operator, &[SCHOOL]).await;
    let c = console.sign_in(EMAIL, &password).await;
    let admin = console.staff("admin@dinas.go.id", Role::Admin, &[]).await;
    assert_eq!(c.get("/console/overview").await.status, 200);
    let (code, out, err) = jejak(db, &["staff", "disable", EMAIL], None);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&catalog().message(Lang::Id, "c-cli-account-disabled", &[("email", EMAIL)])),
        "{out}"
    );
    assert_redirect(&c.get("/console/overview").await, "/console/login");
    // No way back in with the password…
    let res = sign_in(&console.base, EMAIL, &password).await;
    assert_eq!(res.status, 401);
    assert!(set_cookies(&res).is_empty());
    // …and the other accounts' sessions are untouched.
    assert_eq!(admin.get("/console/overview").await.status, 200);
    // Enabled again, the password works; the old session stays ended.
    let (code, _, err) = jejak(db, &["staff", "enable", EMAIL], None);
    assert_eq!(code, 0, "{err}");
    assert_redirect(&c.get("/console/overview").await, "/console/login");
    assert_redirect(
        &sign_in(&console.base, EMAIL, &password).await,
        "/console/overview",
    );
    // An unknown account is an error with a message.
    let (code, _, err) = jejak(db, &["staff", "disable", "siapa@smkn9.sch.id"], None);
    assert_eq!(code, 1);
    assert!(err.contains("siapa@smkn9.sch.id"), "{err}");
}

/// The attributes of the session cookie a sign-in sets.
fn session_cookie(p: &Page) -> cookie::Cookie<'static> {
    let raw = set_cookies(p)
        .into_iter()
        .find(|c| c.starts_with("jejak_staff="))
        .expect("a session cookie");
    cookie::Cookie::parse(raw).expect("a valid cookie")
}

async fn cookie_attributes(db: &Db) {
    let console = Console::start(db.store.clone()).await;
    let password = console.account(EMAIL, Role::Operator, &[SCHOOL]).await;
    let plain = session_cookie(&sign_in(&console.base, EMAIL, &password).await);
    assert_eq!(plain.http_only(), Some(true));
    assert_eq!(plain.same_site(), Some(cookie::SameSite::Lax));
    assert_eq!(plain.path(), Some("/console"));
    assert_ne!(plain.secure(), Some(true), "Secure over plain HTTP");
    assert_eq!(plain.value().len(), 43, "256 random bits");
    // Only the token's hash is stored: the database cannot sign anyone in.
    let stored = test_db::query_text(db, "SELECT token_hash FROM staff_sessions LIMIT 1")
        .await
        .expect("a session row");
    assert_ne!(stored, plain.value());
    // Behind an HTTPS proxy.
    let res = sign_in_with(
        &console.base,
        EMAIL,
        &password,
        &[("x-forwarded-proto", "https")],
    )
    .await;
    let proxied = session_cookie(&res);
    assert_eq!(proxied.secure(), Some(true));
    assert_eq!(proxied.http_only(), Some(true));
    assert_eq!(proxied.same_site(), Some(cookie::SameSite::Lax));
    // Configured as served over HTTPS.
    let secure = Console::start_with(
        db.store.clone(),
        ConsoleSettings {
            secure_cookies: true,
            ..ConsoleSettings::default()
        },
    )
    .await;
    let c = session_cookie(&sign_in(&secure.base, EMAIL, &password).await);
    assert_eq!(c.secure(), Some(true));
    assert_eq!(c.path(), Some("/console"));
}

async fn a_one_time_password_must_be_changed_first(db: &Db) {
    let console = Console::start(db.store.clone()).await;
    let email = "baru@dinas.go.id";
    let password = one_time_account(&db.store, email).await;
    let res = sign_in(&console.base, email, &password).await;
    assert_redirect(&res, "/console/password");
    let mut c = client_of(&console.base, &res);
    // Every page of the console sends it to the password form: the overview, the console's
    // root, and every link an admin's navigation has (pages not merged into this build yet
    // answer 404 to everyone and are skipped).
    let admin = console.staff("admin@dinas.go.id", Role::Admin, &[]).await;
    let nav = admin.get("/console/overview").await.text();
    let mut paths = vec![
        "/console/overview".to_string(),
        "/console".to_string(),
        "/console/".to_string(),
    ];
    for part in nav.split("href=\"").skip(1) {
        let href = &part[..part.find('"').unwrap_or(0)];
        if href.starts_with("/console/") && !href.contains("assets") {
            paths.push(href.replace("&amp;", "&"));
        }
    }
    let mut checked = 0;
    for path in &paths {
        let page = c.get(path).await;
        if page.status == 404 && admin.get(path).await.status == 404 {
            continue;
        }
        if path == "/console" || path == "/console/" {
            // The root only points on to the overview.
            assert_redirect(&page, "/console/overview");
            continue;
        }
        assert_redirect(&page, "/console/password");
        checked += 1;
    }
    assert!(checked >= 1, "no page checked");
    // Every form but the password's and sign-out's too, with a valid token.
    let form = c.get("/console/password").await;
    assert_eq!(form.status, 200);
    let token = csrf_of(&form.text()).expect("a CSRF field on the password form");
    let res = c
        .post_raw("/console/language", &[("_csrf", &token), ("lang", "en")])
        .await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(
        res.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/console/password")
    );
    let (account, _) = db
        .store
        .staff()
        .account_by_email(email)
        .await
        .expect("read")
        .expect("account");
    assert_eq!(account.language, Lang::Id, "the language changed");
    // The password form works and frees the account.
    let new = "kata sandi baru saya";
    let res = c
        .post_raw(
            "/console/password",
            &[
                ("_csrf", &token),
                ("current", &password),
                ("new", new),
                ("repeat", new),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(
        res.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/console/overview")
    );
    let page = Page {
        status: res.status().as_u16(),
        headers: res.headers().clone(),
        bytes: Vec::new(),
    };
    c = client_of(&console.base, &page);
    assert_eq!(c.get("/console/overview").await.status, 200);
    // The one-time password is spent.
    assert_eq!(sign_in(&console.base, email, &password).await.status, 401);
    assert_redirect(
        &sign_in(&console.base, email, new).await,
        "/console/overview",
    );
    // Sign-out is allowed with a one-time password too.
    let other = "lain@dinas.go.id";
    let pw = one_time_account(&db.store, other).await;
    let res = sign_in(&console.base, other, &pw).await;
    let c = client_of(&console.base, &res);
    let token = csrf_of(&c.get("/console/password").await.text()).expect("token");
    let res = c.post_raw("/console/logout", &[("_csrf", &token)]).await;
    assert_eq!(
        res.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/console/login")
    );
    assert_redirect(&c.get("/console/password").await, "/console/login");
}

async fn password_rules_give_messages(db: &Db) {
    let console = Console::start(db.store.clone()).await;
    let password = console.account(EMAIL, Role::Operator, &[SCHOOL]).await;
    let mut c = console.sign_in(EMAIL, &password).await;
    // A second browser of the same account, to see it signed out by the change.
    let other = console.sign_in(EMAIL, &password).await;
    let long = "kata sandi baru yang cukup";
    for (current, new, repeat, id) in [
        (
            password.as_str(),
            "pendek",
            "pendek",
            "c-password-too-short",
        ),
        (password.as_str(), EMAIL, EMAIL, "c-password-is-email"),
        (
            password.as_str(),
            "GURU@SMKN1.SCH.ID",
            "GURU@SMKN1.SCH.ID",
            "c-password-is-email",
        ),
        (
            password.as_str(),
            long,
            "kata sandi lain sekali",
            "c-password-mismatch",
        ),
        (
            "bukan yang sekarang",
            long,
            long,
            "c-password-current-wrong",
        ),
    ] {
        let res = c
            .post(
                "/console/password",
                &[("current", current), ("new", new), ("repeat", repeat)],
            )
            .await;
        assert_eq!(res.status, 400, "{id}");
        assert!(res.text().contains(&msg(id)), "{id}: {}", res.text());
        assert!(set_cookies(&res).is_empty(), "{id}");
    }
    // Nothing changed: the old password still signs in, both browsers still work.
    assert_redirect(
        &sign_in(&console.base, EMAIL, &password).await,
        "/console/overview",
    );
    assert_eq!(other.get("/console/overview").await.status, 200);
    // A good change: this browser carries on with a new session, the other is signed out.
    let res = c
        .post(
            "/console/password",
            &[("current", &password), ("new", long), ("repeat", long)],
        )
        .await;
    assert_redirect(&res, "/console/overview");
    assert_eq!(c.get("/console/overview").await.status, 200);
    assert_redirect(&other.get("/console/overview").await, "/console/login");
    assert_eq!(sign_in(&console.base, EMAIL, &password).await.status, 401);
    assert_redirect(
        &sign_in(&console.base, EMAIL, long).await,
        "/console/overview",
    );
    // Spaces belong to a password, at its ends too: what was typed at the change signs in.
    let spaced = "  spasi di kedua ujung  ";
    let res = c
        .post(
            "/console/password",
            &[("current", long), ("new", spaced), ("repeat", spaced)],
        )
        .await;
    assert_redirect(&res, "/console/overview");
    assert_redirect(
        &sign_in(&console.base, EMAIL, spaced).await,
        "/console/overview",
    );
    assert_eq!(
        sign_in(&console.base, EMAIL, spaced.trim()).await.status,
        401
    );
}

async fn wrong_current_passwords_lock_the_account(db: &Db) {
    // A stolen session must not become a way to guess the password without limit.
    let console = Console::start(db.store.clone()).await;
    let password = console.account(EMAIL, Role::Operator, &[SCHOOL]).await;
    let mut c = console.sign_in(EMAIL, &password).await;
    let new = "kata sandi baru yang cukup";
    for n in 0..5 {
        let res = c
            .post(
                "/console/password",
                &[
                    ("current", &format!("tebakan ke-{n}")),
                    ("new", new),
                    ("repeat", new),
                ],
            )
            .await;
        assert_eq!(res.status, 400, "guess {n}");
    }
    let res = c
        .post(
            "/console/password",
            &[("current", &password), ("new", new), ("repeat", new)],
        )
        .await;
    assert!(
        res.text().contains(&msg_prefix(Lang::Id, "c-locked-out")),
        "{}",
        res.text()
    );
    assert_locked(&sign_in(&console.base, EMAIL, &password).await);
    assert_eq!(sign_in(&console.base, EMAIL, new).await.status, 401);
}

/// The 12-character password in `jejak staff add`'s output.
fn one_time_password(out: &str) -> String {
    out.lines()
        .filter_map(|l| l.split_once(':'))
        .filter_map(|(_, rest)| rest.split_whitespace().next())
        .find(|w| w.len() == 12 && w.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or_else(|| panic!("no one-time password in {out:?}"))
        .to_string()
}

async fn staff_add_prints_a_one_time_password_that_signs_in(db: &Db) {
    let console = Console::start(db.store.clone()).await;
    let cat = catalog();
    // Indonesian by default.
    let (code, out, err) = jejak(
        db,
        &[
            "staff", "add", EMAIL, "--role", "operator", "--school", SCHOOL,
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&cat.message(
            Lang::Id,
            "c-cli-account-added",
            &[("email", EMAIL), ("role", "operator")]
        )),
        "{out}"
    );
    let password = one_time_password(&out);
    assert!(
        out.contains(&cat.message(
            Lang::Id,
            "c-cli-one-time-password",
            &[("password", &password)]
        )),
        "{out}"
    );
    // The password signs in, straight to the password form.
    let res = sign_in(&console.base, EMAIL, &password).await;
    assert_redirect(&res, "/console/password");
    let (account, _) = db
        .store
        .staff()
        .account_by_email(EMAIL)
        .await
        .expect("read")
        .expect("account");
    assert_eq!(account.role, Role::Operator);
    assert_eq!(account.schools, vec!["smkn 1 contoh".to_string()]);
    assert!(account.must_change_password);
    // English with --lang en.
    let (code, out, err) = jejak(
        db,
        &[
            "--lang",
            "en",
            "staff",
            "add",
            "admin@dinas.go.id",
            "--role",
            "admin",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&cat.message(
            Lang::En,
            "c-cli-account-added",
            &[("email", "admin@dinas.go.id"), ("role", "admin")]
        )),
        "{out}"
    );
    let admin_pw = one_time_password(&out);
    assert!(
        out.contains(&cat.message(
            Lang::En,
            "c-cli-one-time-password",
            &[("password", &admin_pw)]
        )),
        "{out}"
    );
    assert_ne!(admin_pw, password);
    assert_redirect(
        &sign_in(&console.base, "admin@dinas.go.id", &admin_pw).await,
        "/console/password",
    );
    // The refusals, in each language.
    for (lang, args, id, code_wanted) in [
        (
            Lang::Id,
            vec!["staff", "add", "tu@smkn1.sch.id", "--role", "operator"],
            "c-cli-operator-needs-school",
            2,
        ),
        (
            Lang::En,
            vec![
                "--lang",
                "en",
                "staff",
                "add",
                "tu@smkn1.sch.id",
                "--role",
                "operator",
            ],
            "c-cli-operator-needs-school",
            2,
        ),
        (
            Lang::Id,
            vec![
                "staff", "add", "a@b.id", "--role", "admin", "--school", SCHOOL,
            ],
            "c-cli-admin-no-school",
            2,
        ),
        (
            Lang::En,
            vec![
                "--lang", "en", "staff", "add", "a@b.id", "--role", "admin", "--school", SCHOOL,
            ],
            "c-cli-admin-no-school",
            2,
        ),
    ] {
        let (code, out, err) = jejak(db, &args, None);
        assert_eq!(code, code_wanted, "{args:?}: {out}{err}");
        assert!(err.contains(&cat.message(lang, id, &[])), "{args:?}: {err}");
    }
    for (lang, args) in [
        (Lang::Id, vec!["staff", "add", EMAIL, "--role", "admin"]),
        (
            Lang::En,
            vec!["--lang", "en", "staff", "add", EMAIL, "--role", "admin"],
        ),
    ] {
        let (code, _, err) = jejak(db, &args, None);
        assert_eq!(code, 1, "{args:?}");
        assert!(
            err.contains(&cat.message(lang, "c-cli-account-exists", &[("email", EMAIL)])),
            "{err}"
        );
    }
    for (lang, args) in [
        (
            Lang::Id,
            vec!["staff", "add", "bukan-email", "--role", "admin"],
        ),
        (
            Lang::En,
            vec![
                "--lang",
                "en",
                "staff",
                "add",
                "bukan-email",
                "--role",
                "admin",
            ],
        ),
    ] {
        let (code, _, err) = jejak(db, &args, None);
        assert_eq!(code, 2, "{args:?}");
        assert!(
            err.contains(&cat.message(lang, "c-cli-bad-email", &[("email", "bukan-email")])),
            "{err}"
        );
    }
    // --password-stdin: the password given, no one-time one, no forced change; a weak one
    // is refused with the reason.
    let (code, _, err) = jejak(
        db,
        &[
            "staff",
            "add",
            "lemah@dinas.go.id",
            "--role",
            "viewer",
            "--password-stdin",
        ],
        Some("pendek\n"),
    );
    assert_eq!(code, 2);
    assert!(err.contains(&msg("c-password-too-short")), "{err}");
    let (code, out, err) = jejak(
        db,
        &[
            "staff",
            "add",
            "kuat@dinas.go.id",
            "--role",
            "viewer",
            "--password-stdin",
        ],
        Some("kata sandi pilihan sendiri\n"),
    );
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains(&msg_prefix_one_time()), "{out}");
    assert_redirect(
        &sign_in(
            &console.base,
            "kuat@dinas.go.id",
            "kata sandi pilihan sendiri",
        )
        .await,
        "/console/overview",
    );
}

/// The Indonesian one-time-password line up to the password.
fn msg_prefix_one_time() -> String {
    let full = catalog().message(
        Lang::Id,
        "c-cli-one-time-password",
        &[("password", "\u{1}")],
    );
    full.split('\u{1}').next().unwrap_or_default().to_string()
}

/// Sessions that ended more than a week ago are deleted when someone signs in; live ones and
/// recently ended ones stay.
async fn ended_sessions_are_forgotten_after_a_week(db: &Db) {
    let console = Console::start(db.store.clone()).await;
    let pw = console.account(EMAIL, Role::Admin, &[]).await;
    let staff = db.store.staff();
    let id = staff.account_by_email(EMAIL).await.unwrap().unwrap().0.id;
    let now = chrono::Utc::now();
    let days = chrono::Duration::days;
    staff
        .create_session("old-expired", id, "c", now - days(30), now - days(8))
        .await
        .unwrap();
    staff
        .create_session("recent-expired", id, "c", now - days(3), now - days(2))
        .await
        .unwrap();
    staff
        .create_session("old-revoked", id, "c", now - days(10), now + days(1))
        .await
        .unwrap();
    staff
        .revoke_session("old-revoked", now - days(9))
        .await
        .unwrap();
    let _signed_in = console.sign_in(EMAIL, &pw).await;
    let left = test_db::query_text(
        db,
        "SELECT CAST(COUNT(*) AS TEXT) FROM staff_sessions \
         WHERE token_hash IN ('old-expired', 'old-revoked')",
    )
    .await;
    assert_eq!(left.as_deref(), Some("0"));
    let kept = test_db::query_text(db, "SELECT CAST(COUNT(*) AS TEXT) FROM staff_sessions").await;
    assert_eq!(
        kept.as_deref(),
        Some("2"),
        "the recent one and the new sign-in"
    );
}
