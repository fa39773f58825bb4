//! Hostile web requests (issue 15): the staff console and the web chat, served by the real
//! axum server over a real SQLite store, get mutated paths, query strings, form bodies,
//! cookies and content types, signed in as an admin or not. No request may be answered
//! with a server error or reach a panic, and the server must keep answering.
//! `FUZZ_WEB_CASES` (default 600) and `FUZZ_SEED` change the run.

#[path = "support/fuzz_targets.rs"]
mod fuzz_targets;
#[path = "support/test_db.rs"]
#[macro_use]
mod test_db;
#[path = "support/console.rs"]
mod console_support;

use console_support::Console;
use fuzz_targets::{Rng, mutate};
use jejak::store::Role;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Real requests of the console and the web chat, as seeds: `METHOD path?query body`.
const REQUESTS: &[(&str, &str, &str)] = &[
    ("GET", "/console/overview?flow=tracer-smk&by=school", ""),
    (
        "GET",
        "/console/respondents?flow=tracer-smk&q=Budi&status=completed&cohort=2024",
        "",
    ),
    ("GET", "/console/respondents/1", ""),
    ("GET", "/console/waves", ""),
    ("GET", "/console/waves/new?flow=tracer-smk", ""),
    (
        "POST",
        "/console/waves/new",
        "flow=tracer-smk&name=Gelombang+1&kind=weekly&day=1&time=09%3A00&cron=0+9+*+*+1&cohort=2024&school=SMKN+1&status=invited&preview=1",
    ),
    ("GET", "/console/waves/1", ""),
    ("POST", "/console/waves/1/pause", ""),
    ("GET", "/console/roster", ""),
    ("GET", "/console/roster/rejected/x.xlsx", ""),
    ("GET", "/console/exports", ""),
    (
        "GET",
        "/console/exports/download?flow=tracer-smk&what=answers&format=csv",
        "",
    ),
    ("GET", "/console/flows", ""),
    ("GET", "/console/flows/tracer-smk?lang=en", ""),
    (
        "GET",
        "/console/audit?kind=import&who=admin&from=2026-01-01",
        "",
    ),
    ("GET", "/console/accounts", ""),
    ("GET", "/console/respondents/1/data?reason=surat+12", ""),
    ("POST", "/console/respondents/1/export", "reason=surat+12"),
    (
        "POST",
        "/console/respondents/2/delete",
        "reason=surat+12&confirm=yes",
    ),
    ("GET", "/console/purge", ""),
    ("POST", "/console/purge", "reason=tahunan"),
    ("GET", "/console/whatsapp?done=now", ""),
    ("POST", "/console/whatsapp/1/retry", ""),
    (
        "POST",
        "/console/accounts",
        "email=guru%40smk.sch.id&role=operator&schools=SMKN+1+Contoh",
    ),
    ("POST", "/console/accounts/2/role", "role=viewer"),
    ("GET", "/console/invitations", ""),
    (
        "POST",
        "/console/invitations/sheet",
        "flow=tracer-smk&format=xlsx",
    ),
    (
        "POST",
        "/console/login",
        "email=admin%40contoh.sch.id&password=salah",
    ),
    ("POST", "/console/language", "lang=en"),
    ("GET", "/c/open/tracer-smk", ""),
    ("GET", "/c/abcdefghijklmnop", ""),
    (
        "POST",
        "/c/api/send",
        "token=abcdefghijklmnop&text=iya&after=0",
    ),
    ("GET", "/c/api/replies?token=abcdefghijklmnop&after=0", ""),
];

#[tokio::test]
async fn hostile_requests_get_no_server_error_and_no_panic() {
    let db = test_db::sqlite_db().await;
    let console = Console::start(db.store.clone()).await;
    let admin = console.staff("admin@contoh.sch.id", Role::Admin, &[]).await;
    let csrf = admin.csrf().await;
    let _ = admin.get("/console/overview").await;
    let cookie = admin.cookie.clone().unwrap_or_default();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let seeds: Vec<Vec<u8>> = REQUESTS
        .iter()
        .flat_map(|(_, path, body)| [path.as_bytes().to_vec(), body.as_bytes().to_vec()])
        .collect();
    let cases = env_num("FUZZ_WEB_CASES", 600);
    let seed = env_num("FUZZ_SEED", 20_261_203);
    let panics_before = jejak::server::panics_caught();
    let mut failures = Vec::new();
    let mut statuses = std::collections::BTreeMap::<u16, u64>::new();
    for n in 0..cases {
        let mut rng = Rng::new(seed.wrapping_add(n));
        let (method, path, body) = REQUESTS[rng.below(REQUESTS.len())];
        let mut path = path.as_bytes().to_vec();
        let mut body = body.replace("_csrf=", "").into_bytes();
        if !body.is_empty() || rng.below(2) == 0 {
            body = [format!("_csrf={csrf}&").into_bytes(), body].concat();
        }
        for _ in 0..rng.below(4) {
            if rng.below(2) == 0 {
                mutate(&mut rng, &mut path, &seeds);
            } else {
                mutate(&mut rng, &mut body, &seeds);
            }
        }
        // reqwest refuses what cannot be a URL at all; the server never sees those.
        let path = String::from_utf8_lossy(&path).replace(['\r', '\n', ' ', '#'], "");
        let path = if path.starts_with('/') {
            path
        } else {
            format!("/{path}")
        };
        let Ok(url) = reqwest::Url::parse(&format!("{}{path}", console.base)) else {
            continue;
        };
        let mut req = if method == "POST" || rng.below(8) == 0 {
            http.post(url).body(body)
        } else {
            http.get(url)
        };
        req = match rng.below(5) {
            0 => req,
            1 => req.header("cookie", "jejak_staff=forged-session-id"),
            2 => req.header("cookie", format!("{cookie}; jejak_staff=")),
            _ => req.header("cookie", cookie.clone()),
        };
        req = match rng.below(4) {
            0 => req.header("content-type", "multipart/form-data; boundary=x"),
            1 => req.header("content-type", "application/json"),
            _ => req.header("content-type", "application/x-www-form-urlencoded"),
        };
        if rng.below(6) == 0 {
            req = req.header("accept-language", "en;q=0.9, *;q=abc");
        }
        let shown = format!("{method} {path}");
        match req.send().await {
            Ok(res) => {
                let status = res.status().as_u16();
                *statuses.entry(status).or_default() += 1;
                let _ = res.bytes().await;
                if status >= 500 {
                    failures.push(format!("case {n}: {shown} → {status}"));
                }
            }
            Err(e) => failures.push(format!("case {n}: {shown} → no answer: {e}")),
        }
    }
    assert_eq!(
        jejak::server::panics_caught(),
        panics_before,
        "a request reached a panic"
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // The server still answers a signed-in page normally, and the run reached real pages.
    assert_eq!(admin.get("/console/overview").await.status, 200);
    assert!(
        statuses.get(&200).copied().unwrap_or(0) > cases / 20,
        "too few requests reached a page: {statuses:?}"
    );
    eprintln!("fuzz_web: {cases} cases, statuses {statuses:?}");
}
