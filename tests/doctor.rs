//! `jejak doctor` as an operator runs it: the real binary, against a fake Bot API and a fake
//! Graph API on 127.0.0.1, a real SQLite file and flow files. It must say what is wrong in
//! plain Indonesian, exit 1 when something must be fixed, never print a secret, and change
//! nothing (no database file, no webhook).

#[path = "support/fake_bot_api.rs"]
mod fake_bot_api;
#[path = "support/fake_graph_api.rs"]
mod fake_graph_api;

use std::path::Path;
use std::process::Command;

use fake_bot_api::{BOT_USERNAME, FakeBotApi};
use fake_graph_api::FakeGraphApi;
use jejak::store::Store;

const TG_TOKEN: &str = "123456789:AAH-doctor_test_token";
const WA_PHONE_ID: &str = "1098765432";
const WA_TOKEN: &str = "EAAG-doctor-test-token";

/// Runs `jejak doctor` in `dir` with `env` on a blocking thread (the fakes answer on this
/// test's runtime meanwhile); returns (exit code, stdout + stderr).
async fn doctor(dir: &Path, env: &[(&str, &str)]) -> (i32, String) {
    let dir = dir.to_path_buf();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    tokio::task::spawn_blocking(move || run_doctor(&dir, &env))
        .await
        .expect("doctor thread")
}

fn run_doctor(dir: &Path, env: &[(String, String)]) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jejak"));
    cmd.arg("doctor").current_dir(dir);
    for var in [
        "DATABASE_URL",
        "JEJAK_CONFIG",
        "JEJAK_DATA_DIR",
        "JEJAK_FLOWS_DIR",
        "LANG",
        "LC_ALL",
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_BOT_USERNAME",
        "TELEGRAM_API_URL",
        "TELEGRAM_WEBHOOK_URL",
        "TELEGRAM_WEBHOOK_SECRET",
        "WHATSAPP_PHONE_NUMBER_ID",
        "WHATSAPP_ACCESS_TOKEN",
        "WHATSAPP_APP_SECRET",
        "WHATSAPP_VERIFY_TOKEN",
        "WHATSAPP_API_URL",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run jejak doctor");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// A folder with the shipped SMK flow under `flows/`.
fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("flows")).expect("flows dir");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("flows/tracer-smk.yaml"),
        dir.path().join("flows/tracer-smk.yaml"),
    )
    .expect("copy flow");
    dir
}

fn wa_env<'a>(wa: &'a FakeGraphApi, token: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("WHATSAPP_PHONE_NUMBER_ID", WA_PHONE_ID),
        ("WHATSAPP_ACCESS_TOKEN", token),
        ("WHATSAPP_APP_SECRET", "app-secret"),
        ("WHATSAPP_VERIFY_TOKEN", "verify"),
        ("WHATSAPP_API_URL", wa.url.as_str()),
    ]
}

#[tokio::test]
async fn a_good_setup_passes_every_check() {
    let dir = folder();
    // A database `jejak run` already made: migrated, schema current.
    let store = Store::open_data_dir(&dir.path().join("jejak-data"))
        .await
        .expect("store");
    store.close().await;
    let tg = FakeBotApi::start(TG_TOKEN).await;
    let wa = FakeGraphApi::start(WA_PHONE_ID, WA_TOKEN).await;
    let api = tg.url().to_string();
    let mut env = vec![
        ("TELEGRAM_BOT_TOKEN", TG_TOKEN),
        ("TELEGRAM_API_URL", api.as_str()),
        ("TELEGRAM_BOT_USERNAME", BOT_USERNAME),
    ];
    env.extend(wa_env(&wa, WA_TOKEN));
    let (code, out) = doctor(dir.path(), &env).await;
    assert_eq!(code, 0, "{out}");
    for line in [
        "✓ Basis data (SQLite, jejak-data/jejak.db) terjangkau dan skemanya terkini.",
        "✓ Alur flows/tracer-smk.yaml (tracer-smk versi 1) valid.",
        &format!("✓ Token Telegram berlaku: bot @{BOT_USERNAME}."),
        "✓ Telegram memakai mode polling (tanpa webhook).",
        "✓ Token WhatsApp berlaku untuk nomor +62 811-0000-0000.",
        "Semua pemeriksaan lulus.",
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
}

#[tokio::test]
async fn what_is_wrong_is_said_plainly_without_secrets_and_nothing_changes() {
    let dir = folder();
    std::fs::write(
        dir.path().join("flows/rusak.yaml"),
        "flow:\n  id: rusak\n  version: 1\nsections: []\n",
    )
    .expect("bad flow");
    // The fakes know other secrets than the ones configured.
    let tg = FakeBotApi::start("987654321:AAH-the_real_token").await;
    let wa = FakeGraphApi::start(WA_PHONE_ID, "EAAG-the-real-token").await;
    let api = tg.url().to_string();
    let mut env = vec![
        ("TELEGRAM_BOT_TOKEN", TG_TOKEN),
        ("TELEGRAM_API_URL", api.as_str()),
        (
            "TELEGRAM_WEBHOOK_URL",
            "https://tracer.example.sch.id/telegram",
        ),
        ("TELEGRAM_WEBHOOK_SECRET", "webhook_secret_1"),
    ];
    env.extend(wa_env(&wa, WA_TOKEN));
    let (code, out) = doctor(dir.path(), &env).await;
    assert_eq!(code, 1, "{out}");
    for line in [
        "! Belum ada basis data (SQLite, jejak-data/jejak.db); `jejak run` membuatnya saat pertama kali jalan.",
        "✗ Alur flows/rusak.yaml punya",
        "✗ Telegram menolak token bot",
        "✗ WhatsApp menolak token akses",
        "masalah harus diperbaiki sebelum `jejak run`.",
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
    for secret in [
        TG_TOKEN,
        WA_TOKEN,
        "AAH-doctor_test_token",
        "webhook_secret_1",
    ] {
        assert!(!out.contains(secret), "a secret was printed:\n{out}");
    }
    // Looking changed nothing: no database file, no folder for it.
    assert!(!dir.path().join("jejak-data").exists(), "{out}");
}

#[tokio::test]
async fn a_webhook_that_is_not_set_yet_is_a_warning_and_is_not_set_by_looking() {
    let dir = folder();
    let store = Store::open_data_dir(&dir.path().join("jejak-data"))
        .await
        .expect("store");
    store.close().await;
    let tg = FakeBotApi::start(TG_TOKEN).await;
    let api = tg.url().to_string();
    let env = [
        ("TELEGRAM_BOT_TOKEN", TG_TOKEN),
        ("TELEGRAM_API_URL", api.as_str()),
        (
            "TELEGRAM_WEBHOOK_URL",
            "https://tracer.example.sch.id/telegram",
        ),
        ("TELEGRAM_WEBHOOK_SECRET", "webhook_secret_1"),
    ];
    let (code, out) = doctor(dir.path(), &env).await;
    assert_eq!(code, 0, "a warning alone passes:\n{out}");
    assert!(
        out.contains(
            "! Webhook Telegram belum terpasang (seharusnya https://tracer.example.sch.id/telegram)"
        ),
        "{out}"
    );
    assert!(out.contains("- WhatsApp tidak diatur; dilewati."), "{out}");
    assert_eq!(tg.webhook(), None, "doctor must not set the webhook");
}
