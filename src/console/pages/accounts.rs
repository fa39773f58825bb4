//! Staff accounts, for admins: the list (e-mail, role, schools, disabled), a new account with a
//! one-time password shown once (changed at the first sign-in), a new role or schools,
//! disable (ends the account's sessions at once) and enable, and a password reset (a new
//! one-time password). The rules are the store's ([`check_account`]) and `jejak staff`'s; every
//! change is written to the audit log. An admin cannot disable, demote or reset themselves here,
//! so the console cannot lose its last way in by a slip.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};

use crate::console::auth;
use crate::console::layout::{csrf, flash, not_found, page};
use crate::console::request::{Admin, FormData, Posted, Reject, Staff, Tr};
use crate::console::{AppState, BASE};
use crate::store::{Account, AccountId, AccountRule, NewAccount, Role, check_account};

/// The routes of this file.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(&format!("{BASE}/accounts"), get(accounts_page).post(create))
        .route(&format!("{BASE}/accounts/{{id}}/role"), post(change_role))
        .route(&format!("{BASE}/accounts/{{id}}/disable"), post(disable))
        .route(&format!("{BASE}/accounts/{{id}}/enable"), post(enable))
        .route(&format!("{BASE}/accounts/{{id}}/reset"), post(reset))
}

/// What the page says after a change that redirected back to it.
#[derive(Debug, Default, serde::Deserialize)]
pub struct AccountsQuery {
    /// `role`, `disabled` or `enabled`.
    pub done: Option<String>,
}

const ROLES: [Role; 3] = [Role::Admin, Role::Operator, Role::Viewer];

async fn accounts_page(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Query(q): Query<AccountsQuery>,
) -> Response {
    let tr = Tr::new(&state.catalog, staff.lang());
    let message = match q.done.as_deref() {
        Some("role") => Some(flash("ok", &tr.t("c-accounts-done-role"))),
        Some("disabled") => Some(flash("ok", &tr.t("c-accounts-done-disabled"))),
        Some("enabled") => Some(flash("ok", &tr.t("c-accounts-done-enabled"))),
        _ => None,
    };
    render(
        &state,
        &staff,
        StatusCode::OK,
        message,
        &FormData::default(),
    )
    .await
}

/// The page: the message, the list with a form per account, the form for a new account
/// (kept filled in with `form` after a refusal).
async fn render(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    message: Option<Markup>,
    form: &FormData,
) -> Response {
    let tr = Tr::new(&state.catalog, staff.lang());
    let accounts = match state.store.staff().accounts().await {
        Ok(a) => a,
        Err(e) => {
            tracing::error!(error = %e, "cannot list staff accounts");
            return Reject::Unavailable.into_response();
        }
    };
    let new_role = form
        .get("role")
        .and_then(Role::parse)
        .unwrap_or(Role::Operator);
    let body = html! {
        @if let Some(m) = message { (m) }
        div.scroll {
            table #accounts {
                thead { tr {
                    th { (tr.t("c-email")) }
                    th { (tr.t("c-accounts-role")) }
                    th { (tr.t("c-accounts-schools")) }
                    th { (tr.t("c-accounts-state")) }
                    th { (tr.t("c-accounts-actions")) }
                } }
                tbody {
                    @for a in &accounts {
                        (row(tr, staff, a))
                    }
                }
            }
        }
        p.muted { (tr.t("c-accounts-schools-help")) }
        h2 { (tr.t("c-accounts-new")) }
        form.stack #new-account method="post" action={(BASE) "/accounts"} {
            (csrf(staff))
            label { (tr.t("c-email"))
                input type="email" name="email" required value=[form.get("email")]; }
            label { (tr.t("c-accounts-role"))
                (role_select(tr, new_role))
            }
            label { (tr.t("c-accounts-schools-one-per-line"))
                textarea name="schools" rows="3" { (form.get("schools").unwrap_or("")) }
            }
            button type="submit" { (tr.t("c-accounts-create")) }
        }
        p.muted { (tr.t("c-accounts-roles-help")) }
    };
    (
        status,
        page(tr, staff, "/accounts", &tr.t("c-nav-accounts"), body),
    )
        .into_response()
}

fn role_select(tr: Tr<'_>, current: Role) -> Markup {
    html! {
        select name="role" {
            @for r in ROLES {
                option value=(r.as_str()) selected[r == current] { (tr.t(&format!("c-role-{}", r.as_str()))) }
            }
        }
    }
}

fn row(tr: Tr<'_>, staff: &Staff, a: &Account) -> Markup {
    let me = a.id == staff.account().id;
    let action = |what: &str| format!("{BASE}/accounts/{}/{what}", a.id);
    html! {
        tr data-email=(a.email) {
            td { (a.email) @if me { " " span.badge { (tr.t("c-accounts-you")) } } }
            td { (tr.t(&format!("c-role-{}", a.role.as_str()))) }
            td { (a.schools.join(", ")) }
            td {
                @if a.disabled { span.badge { (tr.t("c-accounts-disabled")) } }
                @else if a.must_change_password { span.badge { (tr.t("c-accounts-one-time")) } }
                @else { (tr.t("c-accounts-active")) }
            }
            td {
                @if me {
                    span.muted { (tr.t("c-accounts-self")) }
                } @else {
                    form.inline-edit method="post" action=(action("role")) {
                        (csrf(staff))
                        (role_select(tr, a.role))
                        textarea name="schools" rows="1" aria-label=(tr.t("c-accounts-schools")) { (a.schools.join("\n")) }
                        button.secondary type="submit" { (tr.t("c-accounts-save-role")) }
                    }
                    @if a.disabled {
                        form.inline method="post" action=(action("enable")) {
                            (csrf(staff))
                            button.secondary type="submit" { (tr.t("c-accounts-enable")) }
                        }
                    } @else {
                        form.inline method="post" action=(action("disable")) {
                            (csrf(staff))
                            button.danger type="submit" { (tr.t("c-accounts-disable")) }
                        }
                    }
                    " "
                    form.inline method="post" action=(action("reset")) {
                        (csrf(staff))
                        button.secondary type="submit" { (tr.t("c-accounts-reset")) }
                    }
                }
            }
        }
    }
}

/// The schools of a form: one per line (commas are allowed inside a school's name).
fn schools_of(form: &FormData) -> Vec<String> {
    form.get("schools")
        .unwrap_or("")
        .lines()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn rule_text(rule: AccountRule) -> &'static str {
    match rule {
        AccountRule::BadEmail => "c-accounts-bad-email",
        AccountRule::OperatorNeedsSchool => "c-accounts-operator-needs-school",
        AccountRule::AdminWithSchools => "c-accounts-admin-no-school",
    }
}

/// The posting member, if an admin.
fn admin_of(p: &Posted) -> Result<&Staff, Reject> {
    if p.staff.account().role == Role::Admin {
        Ok(&p.staff)
    } else {
        Err(Reject::Forbidden)
    }
}

/// A fresh one-time password and its hash (Argon2 is slow on purpose: off the async threads).
async fn one_time() -> Option<(String, String)> {
    tokio::task::spawn_blocking(|| {
        let password = auth::one_time_password().ok()?;
        let hash = auth::hash_password(&password).ok()?;
        Some((password, hash))
    })
    .await
    .ok()
    .flatten()
}

fn password_shown(tr: Tr<'_>, email: &str, password: &str, id: &str) -> Markup {
    html! {
        div.flash.ok #one-time role="status" {
            p { (tr.ta(id, &[("email", email)])) }
            p { (tr.t("c-accounts-one-time-password")) " " code #one-time-password { (password) } }
            p.muted { (tr.t("c-accounts-one-time-note")) }
        }
    }
}

async fn create(State(state): State<AppState>, p: Posted) -> Response {
    let staff = match admin_of(&p) {
        Ok(s) => s,
        Err(r) => return r.into_response(),
    };
    let tr = Tr::new(&state.catalog, staff.lang());
    let form = &p.form;
    let refuse = |id: &str| {
        let state = state.clone();
        let msg = flash("error", &tr.t(id));
        async move { render(&state, staff, StatusCode::BAD_REQUEST, Some(msg), form).await }
    };
    let email = p.form.get("email").unwrap_or("").to_string();
    let Some(role) = p.form.get("role").and_then(Role::parse) else {
        return refuse("c-accounts-bad-role").await;
    };
    let schools = schools_of(&p.form);
    if let Err(rule) = check_account(&email, role, &schools) {
        return refuse(rule_text(rule)).await;
    }
    let Some((password, hash)) = one_time().await else {
        return Reject::Unavailable.into_response();
    };
    let created = state
        .store
        .staff()
        .create_account(
            &NewAccount {
                email: &email,
                role,
                schools: &schools,
                password_hash: &hash,
                must_change_password: true,
            },
            state.clock.now(),
        )
        .await;
    match created {
        Ok(Some(_)) => {}
        Ok(None) => return refuse("c-accounts-exists").await,
        Err(e) => {
            tracing::error!(error = %e, "cannot create a staff account");
            return Reject::Unavailable.into_response();
        }
    }
    let email = crate::store::normalise_email(&email);
    staff
        .audit(
            &state,
            "account-add",
            &format!(
                "{email} role={} schools={}",
                role.as_str(),
                schools.join(";")
            ),
        )
        .await;
    let msg = password_shown(tr, &email, &password, "c-accounts-created");
    render(
        &state,
        staff,
        StatusCode::OK,
        Some(msg),
        &FormData::default(),
    )
    .await
}

/// The account of the URL for an admin's change; `Err` is the answer to give instead
/// (403 for a non-admin, 404 for an unknown id, 400 for the admin's own account).
async fn target(state: &AppState, p: &Posted, id: AccountId) -> Result<Account, Response> {
    let staff = admin_of(p).map_err(IntoResponse::into_response)?;
    let tr = Tr::new(&state.catalog, staff.lang());
    let account = match state.store.staff().account(id).await {
        Ok(Some(a)) => a,
        Ok(None) => return Err(not_found(tr)),
        Err(e) => {
            tracing::error!(error = %e, "cannot load a staff account");
            return Err(Reject::Unavailable.into_response());
        }
    };
    if account.id == staff.account().id {
        let msg = flash("error", &tr.t("c-accounts-not-self"));
        return Err(render(
            state,
            staff,
            StatusCode::BAD_REQUEST,
            Some(msg),
            &FormData::default(),
        )
        .await);
    }
    Ok(account)
}

fn back(done: &str) -> Response {
    Redirect::to(&format!("{BASE}/accounts?done={done}")).into_response()
}

async fn change_role(
    State(state): State<AppState>,
    Path(id): Path<AccountId>,
    p: Posted,
) -> Response {
    let account = match target(&state, &p, id).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let staff = &p.staff;
    let tr = Tr::new(&state.catalog, staff.lang());
    let Some(role) = p.form.get("role").and_then(Role::parse) else {
        let msg = flash("error", &tr.t("c-accounts-bad-role"));
        return render(
            &state,
            staff,
            StatusCode::BAD_REQUEST,
            Some(msg),
            &FormData::default(),
        )
        .await;
    };
    let schools = schools_of(&p.form);
    if let Err(rule) = check_account(&account.email, role, &schools) {
        let msg = flash("error", &tr.t(rule_text(rule)));
        return render(
            &state,
            staff,
            StatusCode::BAD_REQUEST,
            Some(msg),
            &FormData::default(),
        )
        .await;
    }
    if let Err(e) = state
        .store
        .staff()
        .set_role(id, role, &schools, state.clock.now())
        .await
    {
        tracing::error!(error = %e, "cannot change a staff role");
        return Reject::Unavailable.into_response();
    }
    staff
        .audit(
            &state,
            "account-role",
            &format!(
                "{} role={} schools={}",
                account.email,
                role.as_str(),
                schools.join(";")
            ),
        )
        .await;
    back("role")
}

async fn set_disabled(state: AppState, id: AccountId, p: Posted, disabled: bool) -> Response {
    let account = match target(&state, &p, id).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    if let Err(e) = state
        .store
        .staff()
        .set_disabled(id, disabled, state.clock.now())
        .await
    {
        tracing::error!(error = %e, "cannot disable or enable a staff account");
        return Reject::Unavailable.into_response();
    }
    let (action, done) = if disabled {
        ("account-disable", "disabled")
    } else {
        ("account-enable", "enabled")
    };
    p.staff.audit(&state, action, &account.email).await;
    back(done)
}

async fn disable(State(state): State<AppState>, Path(id): Path<AccountId>, p: Posted) -> Response {
    set_disabled(state, id, p, true).await
}

async fn enable(State(state): State<AppState>, Path(id): Path<AccountId>, p: Posted) -> Response {
    set_disabled(state, id, p, false).await
}

async fn reset(State(state): State<AppState>, Path(id): Path<AccountId>, p: Posted) -> Response {
    let account = match target(&state, &p, id).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let staff = &p.staff;
    let tr = Tr::new(&state.catalog, staff.lang());
    let Some((password, hash)) = one_time().await else {
        return Reject::Unavailable.into_response();
    };
    let now = state.clock.now();
    let staff_store = state.store.staff();
    // The old password may be known to someone else: its browsers are signed out too.
    if staff_store
        .set_password(id, &hash, true, now)
        .await
        .is_err()
        || staff_store.revoke_sessions_of(id, now).await.is_err()
    {
        return Reject::Unavailable.into_response();
    }
    staff.audit(&state, "account-reset", &account.email).await;
    let msg = password_shown(tr, &account.email, &password, "c-accounts-was-reset");
    render(
        &state,
        staff,
        StatusCode::OK,
        Some(msg),
        &FormData::default(),
    )
    .await
}
