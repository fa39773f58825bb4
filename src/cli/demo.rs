//! `jejak demo`: the whole product in a browser in one step. It makes (or reuses) a demo
//! folder with an SQLite database, a small invented roster enrolled in a shipped flow and an
//! admin account, then runs `jejak run` over it without Telegram or WhatsApp (the staff
//! console and the web chat), and prints a sample alumnus's web chat link and the staff
//! sign-in with a fresh one-time password. Running it again continues with the same data.

use std::path::Path;

use anyhow::Context as _;
use chrono::Utc;

use crate::console::auth;
use crate::i18n::staff_text;
use crate::model::Lang;
use crate::roster::import::{ImportOptions, enrolment, import_file_in};
use crate::roster::invite::{LinkTargets, write_invitations};
use crate::store::{NewAccount, Role, Scope, Store};

/// The invented alumni of the demo (embedded, and written into the demo folder so staff can
/// upload it again in the console).
const ROSTER: &str = include_str!("demo-alumni.csv");

/// The external id of the alumnus whose link is printed.
const SAMPLE_ID: &str = "0099000001";

/// The demo's staff account.
pub const ADMIN_EMAIL: &str = "admin@contoh.sch.id";

/// What the demo prepared before the server starts.
struct Prepared {
    sample_name: String,
    sample_token: String,
    password: String,
}

/// Runs `jejak demo` in `dir` with `flow`; returns the exit code.
pub async fn run(dir: &Path, flow: &str, lang: Lang) -> anyhow::Result<i32> {
    println!(
        "{}",
        staff_text(
            lang,
            "cli-demo-preparing",
            &[("dir", &dir.display().to_string())]
        )
    );
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let data_dir = dir.join("data");
    let store = Store::open_data_dir(&data_dir)
        .await
        .with_context(|| staff_text(lang, "cli-err-database", &[]))?;
    let listen = listen_address();
    let base = format!("http://{listen}");
    let sheet = dir.join("undangan-demo.csv");
    let prepared = prepare(&store, dir, flow, &base, &sheet, lang).await;
    store.close().await;
    let prepared = prepared?;

    let dir_text = dir.display().to_string();
    let on_listen: super::run::OnListen = Box::new(move |addr| {
        let base = format!("http://{addr}");
        let t = |id: &str, args: &[(&str, &str)]| staff_text(lang, id, args);
        let link = crate::channel::web::personal_link(&base, &prepared.sample_token);
        let console = format!("{base}{}/", crate::console::BASE);
        println!();
        println!("{}", t("cli-demo-ready", &[]));
        println!();
        println!(
            "  {}",
            t(
                "cli-demo-alumnus",
                &[("name", &prepared.sample_name), ("link", &link)]
            )
        );
        println!("  {}", t("cli-demo-console", &[("url", &console)]));
        println!(
            "  {}",
            t(
                "cli-demo-account",
                &[("email", ADMIN_EMAIL), ("password", &prepared.password)]
            )
        );
        println!(
            "  {}",
            t("cli-demo-sheet", &[("file", &sheet.display().to_string())])
        );
        println!();
        println!("{}", t("cli-demo-stop", &[("dir", &dir_text)]));
    });
    super::run::run_with(super::run::RunOptions {
        database_url: None,
        data_dir,
        flow: flow.to_string(),
        chat_apps: false,
        listen: Some(listen),
        public_url: Some(base),
        on_listen: Some(on_listen),
    })
    .await
}

/// Where the demo listens: `JEJAK_LISTEN`, else 127.0.0.1:8080, else (that port is taken on
/// this laptop) any free port of 127.0.0.1.
fn listen_address() -> String {
    if let Some(l) = std::env::var("JEJAK_LISTEN")
        .ok()
        .filter(|s| !s.trim().is_empty())
    {
        return l;
    }
    let default = super::run::DEFAULT_LISTEN;
    if std::net::TcpListener::bind(default).is_ok() {
        return default.to_string();
    }
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.to_string())
        .unwrap_or_else(|_| default.to_string())
}

/// The roster (imported again on every run: rows are matched by NISN, so nothing doubles),
/// its invitation sheet with the web links of `base`, and the admin account with a new
/// one-time password.
async fn prepare(
    store: &Store,
    dir: &Path,
    flow: &str,
    base: &str,
    sheet: &Path,
    lang: Lang,
) -> anyhow::Result<Prepared> {
    let flow = super::resolve_flow_in(flow, lang)?;
    let roster = dir.join("alumni-demo.csv");
    std::fs::write(&roster, ROSTER).with_context(|| format!("writing {}", roster.display()))?;
    let opts = ImportOptions {
        enrol: Some(enrolment(&flow)?),
        progress: false,
        ..Default::default()
    };
    import_file_in(store, &roster, &opts, Utc::now(), lang)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.text(lang)))?;
    let sample = store
        .search()
        .invite_rows_in(&flow.id, &Scope::All)
        .await?
        .into_iter()
        .find(|r| r.external_id.as_deref() == Some(SAMPLE_ID))
        .context("the demo roster's sample alumnus is missing")?;
    let links = LinkTargets::with_web(None, None, Some(base))?;
    write_invitations(store, &flow.id, &links, sheet, None, Utc::now()).await?;

    let password = auth::one_time_password()?;
    let hash = auth::hash_password(&password)?;
    let now = Utc::now();
    let staff = store.staff();
    match staff.account_by_email(ADMIN_EMAIL).await? {
        Some((account, _)) => {
            staff.set_password(account.id, &hash, true, now).await?;
            staff.set_disabled(account.id, false, now).await?;
        }
        None => {
            staff
                .create_account(
                    &NewAccount {
                        email: ADMIN_EMAIL,
                        role: Role::Admin,
                        schools: &[],
                        password_hash: &hash,
                        must_change_password: true,
                    },
                    now,
                )
                .await?;
        }
    }
    Ok(Prepared {
        sample_name: sample.name.unwrap_or_default(),
        sample_token: sample.token,
        password,
    })
}
