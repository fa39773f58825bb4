//! `jejak demo` as a newcomer runs it: the real binary makes a demo folder, starts the
//! server and prints, in Indonesian, a sample alumnus's web chat link and a staff sign-in.
//! The printed link opens the chat and the survey starts; the printed one-time password
//! signs in to the console (which then asks for a new password); SIGTERM stops it with exit
//! code 0. A second run in the same folder keeps the alumnus's link and prints a new
//! password that works.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// What the demo printed before it started serving.
struct Printed {
    link: String,
    console: String,
    password: String,
    all: String,
}

/// Starts `jejak demo` in `dir` on `port` and reads its output up to the stop hint.
fn start_demo(dir: &std::path::Path, port: u16) -> (Child, Printed) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jejak"))
        .args(["demo", "--dir"])
        .arg(dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("DATABASE_URL")
        .env_remove("JEJAK_LANG")
        .env_remove("LANG")
        .env_remove("JEJAK_CONFIG")
        // Set on a server: the demo runs without them whatever the environment says.
        .env("TELEGRAM_BOT_TOKEN", "123456:not-used-by-the-demo")
        .env("TELEGRAM_API_URL", "http://127.0.0.1:9")
        .env("JEJAK_LISTEN", format!("127.0.0.1:{port}"))
        .env("JEJAK_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn jejak demo");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut all = String::new();
    loop {
        match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(line) => {
                all.push_str(&line);
                all.push('\n');
                if line.contains("Ctrl-C") {
                    break;
                }
            }
            Err(_) => {
                let _ = child.kill();
                panic!("jejak demo printed no links:\n{all}");
            }
        }
    }
    let after = |label: &str| -> String {
        all.lines()
            .find(|l| l.contains(label))
            .and_then(|l| l.split_whitespace().find(|w| w.starts_with("http://")))
            .unwrap_or_else(|| panic!("no {label:?} link in:\n{all}"))
            .to_string()
    };
    let link = after("Obrolan web alumni contoh (Budi Santoso)");
    let console = after("Konsol staf");
    let password = all
        .lines()
        .find(|l| l.contains("kata sandi sekali pakai"))
        .and_then(|l| l.split(": ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no password in:\n{all}"))
        .to_string();
    (
        child,
        Printed {
            link,
            console,
            password,
            all,
        },
    )
}

fn stop(mut child: Child) -> i32 {
    let pid = child.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    child.wait().expect("wait").code().unwrap_or(-1)
}

/// Signs in with the printed password: the console answers with a redirect to the
/// password change (a one-time password must be changed).
async fn signs_in(http: &reqwest::Client, console: &str, password: &str) -> String {
    let res = http
        .post(format!("{console}login"))
        .form(&[("email", "admin@contoh.sch.id"), ("password", password)])
        .send()
        .await
        .expect("sign-in answers");
    assert_eq!(
        res.status().as_u16(),
        303,
        "sign-in with the printed password"
    );
    res.headers()["location"].to_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_prints_a_chat_link_and_a_sign_in_that_work() {
    let dir = tempfile::tempdir().expect("tempdir");
    let demo = dir.path().join("jejak-demo");
    let port = free_port();
    let (child, printed) = start_demo(&demo, port);
    assert!(
        printed.all.contains("Demo Jejak berjalan"),
        "Indonesian first:\n{}",
        printed.all
    );
    assert!(
        printed
            .link
            .starts_with(&format!("http://127.0.0.1:{port}/c/"))
    );
    assert!(demo.join("undangan-demo.csv").exists());

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // The printed link is the chat page of Budi, and the survey greets him by name.
    let page = http
        .get(&printed.link)
        .send()
        .await
        .expect("the link answers");
    assert_eq!(page.status().as_u16(), 200);
    let cookie = page.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let token = printed.link.rsplit('/').next().unwrap().to_string();
    let started: serde_json::Value = http
        .post(format!("http://127.0.0.1:{port}/c/api/send"))
        .header("cookie", &cookie)
        .json(&serde_json::json!({
            "token": token, "id": "m-demo-000001", "after": 0, "content": { "kind": "start" }
        }))
        .send()
        .await
        .expect("send answers")
        .json()
        .await
        .expect("JSON");
    assert!(
        started.to_string().contains("Budi Santoso"),
        "the survey starts: {started}"
    );
    // The staff sign-in works with the printed password.
    assert_eq!(
        signs_in(&http, &printed.console, &printed.password).await,
        "/console/password"
    );
    assert_eq!(stop(child), 0, "SIGTERM stops the demo cleanly");

    // Again in the same folder: the same alumnus link, a new password that works.
    let port = free_port();
    let (child, again) = start_demo(&demo, port);
    assert_eq!(
        again.link.rsplit('/').next(),
        Some(token.as_str()),
        "the alumnus keeps the link"
    );
    assert_ne!(again.password, printed.password);
    assert_eq!(
        signs_in(&http, &again.console, &again.password).await,
        "/console/password"
    );
    assert_eq!(stop(child), 0);
}
