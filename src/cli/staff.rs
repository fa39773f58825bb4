//! `jejak staff`: console accounts from the server's command line (the first admin is made
//! here; later ones can be made here or in the console). Messages follow `--lang`.

use std::io::Read as _;

use clap::Subcommand;

use crate::console::auth;
use crate::i18n::Catalog;
use crate::model::Lang;
use crate::store::{NewAccount, Role, Store};

/// `jejak staff …`
#[derive(Debug, Subcommand)]
pub enum StaffAction {
    /// Create an account and print its one-time password (changed at first sign-in).
    Add {
        /// The e-mail staff sign in with.
        email: String,
        /// admin (everything, manages accounts), operator (everything for their schools),
        /// viewer (read-only numbers, no personal data).
        #[arg(long, value_parser = ["admin", "operator", "viewer"])]
        role: String,
        /// A school (as in the roster's `sekolah` column) the account is limited to;
        /// repeat for several. Operators need at least one; admins have none.
        #[arg(long = "school")]
        schools: Vec<String>,
        /// Read the password from standard input instead of generating a one-time one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account and end all its sessions at once.
    Disable {
        /// The account's e-mail.
        email: String,
    },
    /// Enable a disabled account again.
    Enable {
        /// The account's e-mail.
        email: String,
    },
    /// List the accounts.
    List,
}

/// Runs a staff command; returns the exit code.
pub async fn run(store: &Store, action: StaffAction, lang: Lang) -> anyhow::Result<i32> {
    let cat = Catalog::embedded()?;
    let t = |id: &str, args: &[(&str, &str)]| cat.message(lang, id, args);
    let now = chrono::Utc::now();
    let staff = store.staff();
    match action {
        StaffAction::Add {
            email,
            role,
            schools,
            password_stdin,
        } => {
            let Some(role) = Role::parse(&role) else {
                return Ok(2);
            };
            // The same rules as the console's account form.
            if let Err(rule) = crate::store::check_account(&email, role, &schools) {
                let id = match rule {
                    crate::store::AccountRule::BadEmail => "c-cli-bad-email",
                    crate::store::AccountRule::OperatorNeedsSchool => "c-cli-operator-needs-school",
                    crate::store::AccountRule::AdminWithSchools => "c-cli-admin-no-school",
                };
                eprintln!("{}", t(id, &[("email", &email)]));
                return Ok(2);
            }
            let (password, one_time) = if password_stdin {
                let mut s = String::new();
                std::io::stdin().read_to_string(&mut s)?;
                let p = s.trim_end_matches(['\r', '\n']).to_string();
                if let Some(problem) = auth::password_problem(&p, &email) {
                    eprintln!("{}", t(problem, &[]));
                    return Ok(2);
                }
                (p, false)
            } else {
                (auth::one_time_password()?, true)
            };
            let hash = auth::hash_password(&password)?;
            let created = staff
                .create_account(
                    &NewAccount {
                        email: &email,
                        role,
                        schools: &schools,
                        password_hash: &hash,
                        must_change_password: one_time,
                    },
                    now,
                )
                .await?;
            if created.is_none() {
                eprintln!("{}", t("c-cli-account-exists", &[("email", &email)]));
                return Ok(1);
            }
            super::cli_audit(
                store,
                "account-add",
                &format!("{email} role={}", role.as_str()),
                chrono::Utc::now(),
            )
            .await?;
            println!(
                "{}",
                t(
                    "c-cli-account-added",
                    &[("email", &email), ("role", role.as_str())]
                )
            );
            if one_time {
                println!(
                    "{}",
                    t("c-cli-one-time-password", &[("password", &password)])
                );
            }
            Ok(0)
        }
        StaffAction::Disable { email } => set_disabled(store, &email, true, lang, &cat).await,
        StaffAction::Enable { email } => set_disabled(store, &email, false, lang, &cat).await,
        StaffAction::List => {
            for a in staff.accounts().await? {
                let state = if a.disabled {
                    t("c-cli-disabled", &[])
                } else {
                    String::new()
                };
                println!(
                    "{}\t{}\t{}\t{}",
                    a.email,
                    a.role.as_str(),
                    a.schools.join(", "),
                    state
                );
            }
            Ok(0)
        }
    }
}

async fn set_disabled(
    store: &Store,
    email: &str,
    disabled: bool,
    lang: Lang,
    cat: &Catalog,
) -> anyhow::Result<i32> {
    let staff = store.staff();
    let Some((account, _)) = staff.account_by_email(email).await? else {
        eprintln!(
            "{}",
            cat.message(lang, "c-cli-no-account", &[("email", email)])
        );
        return Ok(1);
    };
    staff
        .set_disabled(account.id, disabled, chrono::Utc::now())
        .await?;
    let (action, id) = if disabled {
        ("account-disable", "c-cli-account-disabled")
    } else {
        ("account-enable", "c-cli-account-enabled")
    };
    super::cli_audit(store, action, &account.email, chrono::Utc::now()).await?;
    println!("{}", cat.message(lang, id, &[("email", &account.email)]));
    Ok(0)
}
