//! Sign-in, sign-out, the password change (required after a one-time password) and the
//! language switch.

use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::Duration;
use maud::{Markup, html};

use crate::console::auth::{
    self, ACCOUNT_LOCKOUT, ADDRESS_LOCKOUT, SESSION_COOKIE, SESSION_HOURS, account_key, address_key,
};
use crate::console::layout::{bare, csrf, datetime_wib, flash};
use crate::console::request::{Posted, Reject, Tr, client_address, is_https, staff_of};
use crate::console::{AppState, BASE};
use crate::model::Lang;
use crate::store::{AccountId, NewAudit};

/// The routes of this file.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(&format!("{BASE}/login"), get(login_page).post(login))
        .route(&format!("{BASE}/logout"), post(logout))
        .route(
            &format!("{BASE}/password"),
            get(password_page).post(change_password),
        )
        .route(&format!("{BASE}/language"), post(language))
}

fn login_form(tr: Tr<'_>, email: &str, message: Option<Markup>) -> Markup {
    bare(
        tr,
        &tr.t("c-sign-in-title"),
        html! {
            @if let Some(m) = message { (m) }
            form.stack method="post" action={(BASE) "/login"} {
                label { (tr.t("c-email"))
                    input #email type="email" name="email" value=(email) required autocomplete="username"; }
                label { (tr.t("c-password"))
                    input #password type="password" name="password" required autocomplete="current-password"; }
                button #sign-in type="submit" { (tr.t("c-sign-in")) }
            }
        },
    )
}

/// The language of a page before sign-in: the browser's first choice if we have it, else
/// Indonesian.
fn browser_lang(headers: &HeaderMap) -> Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .and_then(|t| Lang::from_tag(t.split(';').next().unwrap_or("").trim()))
        .unwrap_or_default()
}

async fn login_page(State(state): State<AppState>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    if let Ok(Some(_)) = staff_of(&parts, &state).await {
        return Redirect::to(&format!("{BASE}/overview")).into_response();
    }
    let tr = Tr::new(&state.catalog, browser_lang(&parts.headers));
    login_form(tr, "", None).into_response()
}

/// The sign-in form. Before there is a session there is no CSRF token to compare, so a
/// cross-site form is refused by its `Origin` (browsers send it on every cross-site POST).
async fn login(State(state): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let tr = Tr::new(&state.catalog, browser_lang(&parts.headers));
    if !same_origin(&parts.headers) {
        return (StatusCode::FORBIDDEN, tr.t("c-cross-site")).into_response();
    }
    let address = client_address(&parts);
    let https = is_https(&state, &parts.headers);
    let Ok(Form(f)) =
        Form::<LoginForm>::from_request(Request::from_parts(parts.clone(), body), &state).await
    else {
        return (StatusCode::BAD_REQUEST, login_form(tr, "", None)).into_response();
    };
    let now = state.clock.now();
    let staff = state.store.staff();
    let refused = |msg: String| {
        (
            StatusCode::UNAUTHORIZED,
            login_form(tr, &f.email, Some(flash("error", &msg))),
        )
            .into_response()
    };
    // Locked keys are refused before the password is even looked at.
    for key in [address_key(&address), account_key(&f.email)] {
        match staff.locked_until(&key, now).await {
            Ok(Some(until)) => {
                return refused(tr.ta("c-locked-out", &[("until", &datetime_wib(tr, until))]));
            }
            Ok(None) => {}
            Err(e) => {
                tracing::error!(error = %e, "cannot read sign-in lock-outs");
                return Reject::Unavailable.into_response();
            }
        }
    }
    let found = match staff.account_by_email(&f.email).await {
        Ok(a) => a,
        Err(e) => {
            tracing::error!(error = %e, "cannot look up a staff account");
            return Reject::Unavailable.into_response();
        }
    };
    let hash = found
        .as_ref()
        .filter(|(a, _)| !a.disabled)
        .map(|(_, h)| h.clone())
        .unwrap_or_else(|| auth::dummy_hash().to_string());
    let password = f.password.clone();
    // Argon2 takes tens of milliseconds of CPU on purpose: off the async threads.
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    let account = found.filter(|(a, _)| ok && !a.disabled).map(|(a, _)| a);
    let Some(account) = account else {
        for (key, rule) in [
            (address_key(&address), ADDRESS_LOCKOUT),
            (account_key(&f.email), ACCOUNT_LOCKOUT),
        ] {
            if let Err(e) = staff.record_failure(&key, rule, now).await {
                tracing::error!(error = %e, "cannot count a failed sign-in");
            }
        }
        audit(
            &state,
            None,
            &crate::store::normalise_email(&f.email),
            "sign-in-failed",
            "",
            &address,
        )
        .await;
        return refused(tr.t("c-sign-in-wrong"));
    };
    if let Err(e) = staff.clear_failures(&account_key(&account.email)).await {
        tracing::error!(error = %e, "cannot clear failed sign-ins");
    }
    let cookie = match start_session(&state, account.id, https).await {
        Ok(c) => c,
        Err(r) => return r.into_response(),
    };
    audit(
        &state,
        Some(account.id),
        &account.email,
        "sign-in",
        "",
        &address,
    )
    .await;
    let to = if account.must_change_password {
        format!("{BASE}/password")
    } else {
        format!("{BASE}/overview")
    };
    ([(header::SET_COOKIE, cookie)], Redirect::to(&to)).into_response()
}

/// Whether a POST comes from our own pages: no `Origin` (old browsers, non-browser
/// clients), or an `Origin` whose host is the `Host` the request was sent to.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get("x-forwarded-host")
        .or_else(|| headers.get(header::HOST))
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = origin.split("://").nth(1).unwrap_or("");
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}

#[derive(serde::Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// Records a new session and gives its cookie.
async fn start_session(
    state: &AppState,
    account: AccountId,
    https: bool,
) -> Result<String, Reject> {
    let (Ok(token), Ok(csrf_token)) = (auth::new_token(), auth::new_token()) else {
        tracing::error!("no random numbers for a session token");
        return Err(Reject::Unavailable);
    };
    let now = state.clock.now();
    state
        .store
        .staff()
        .create_session(
            &auth::token_hash(&token),
            account,
            &csrf_token,
            now,
            now + Duration::hours(SESSION_HOURS),
        )
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot record a staff session");
            Reject::Unavailable
        })?;
    Ok(session_cookie(&token, https, SESSION_HOURS * 3600))
}

/// The `Set-Cookie` value of the session cookie (`max_age` 0 deletes it).
fn session_cookie(token: &str, https: bool, max_age_secs: i64) -> String {
    cookie::Cookie::build((SESSION_COOKIE, token.to_string()))
        .path(BASE)
        .http_only(true)
        .same_site(cookie::SameSite::Lax)
        .secure(https)
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .build()
        .to_string()
}

async fn audit(
    state: &AppState,
    account_id: Option<AccountId>,
    actor: &str,
    action: &str,
    detail: &str,
    address: &str,
) {
    let entry = NewAudit {
        account_id,
        actor,
        action,
        detail,
        address: Some(address),
    };
    if let Err(e) = state.store.staff().audit(&entry, state.clock.now()).await {
        tracing::error!(error = %e, action, "cannot write the audit log");
    }
}

async fn logout(State(state): State<AppState>, headers: HeaderMap, p: Posted) -> Response {
    if let Err(e) = state
        .store
        .staff()
        .revoke_session(&p.staff.token_hash, state.clock.now())
        .await
    {
        tracing::error!(error = %e, "cannot end a staff session");
        return Reject::Unavailable.into_response();
    }
    p.staff.audit(&state, "sign-out", "").await;
    let https = is_https(&state, &headers);
    (
        [(header::SET_COOKIE, session_cookie("", https, 0))],
        Redirect::to(&format!("{BASE}/login")),
    )
        .into_response()
}

fn password_form(
    tr: Tr<'_>,
    staff: &crate::console::request::Staff,
    message: Option<Markup>,
) -> Markup {
    bare(
        tr,
        &tr.t("c-password-title"),
        html! {
            @if staff.account().must_change_password {
                (flash("info", &tr.t("c-password-must-change")))
            }
            @if let Some(m) = message { (m) }
            form.stack method="post" action={(BASE) "/password"} {
                (csrf(staff))
                label { (tr.t("c-password-current"))
                    input #current type="password" name="current" required autocomplete="current-password"; }
                label { (tr.t("c-password-new"))
                    input #new-password type="password" name="new" required autocomplete="new-password"
                        minlength=(auth::MIN_PASSWORD_CHARS); }
                label { (tr.t("c-password-repeat"))
                    input #repeat type="password" name="repeat" required autocomplete="new-password"; }
                button #save-password type="submit" { (tr.t("c-save")) }
            }
        },
    )
}

async fn password_page(State(state): State<AppState>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    match staff_of(&parts, &state).await {
        Ok(Some(staff)) => {
            let tr = Tr::new(&state.catalog, staff.lang());
            password_form(tr, &staff, None).into_response()
        }
        Ok(None) => Reject::SignIn.into_response(),
        Err(r) => r.into_response(),
    }
}

async fn change_password(State(state): State<AppState>, headers: HeaderMap, p: Posted) -> Response {
    let staff = p.staff;
    let tr = Tr::new(&state.catalog, staff.lang());
    // Passwords as typed: trimming here would store a password other than the one the
    // sign-in form later sends.
    let current = p.form.raw("current").unwrap_or("").to_string();
    let new = p.form.raw("new").unwrap_or("").to_string();
    let repeat = p.form.raw("repeat").unwrap_or("");
    let refuse_text = |text: String| {
        (
            StatusCode::BAD_REQUEST,
            password_form(tr, &staff, Some(flash("error", &text))),
        )
            .into_response()
    };
    let refuse = |id: &str| refuse_text(tr.t(id));
    let now = state.clock.now();
    let key = account_key(&staff.account().email);
    // Guesses of the current password count like failed sign-ins, so a stolen session
    // cookie is no way around the lock-out.
    match state.store.staff().locked_until(&key, now).await {
        Ok(Some(until)) => {
            return refuse_text(tr.ta("c-locked-out", &[("until", &datetime_wib(tr, until))]));
        }
        Ok(None) => {}
        Err(e) => {
            tracing::error!(error = %e, "cannot read sign-in lock-outs");
            return Reject::Unavailable.into_response();
        }
    }
    if new != repeat {
        return refuse("c-password-mismatch");
    }
    if let Some(problem) = auth::password_problem(&new, &staff.account().email) {
        return refuse(problem);
    }
    let stored = match state
        .store
        .staff()
        .account_by_email(&staff.account().email)
        .await
    {
        Ok(Some((_, hash))) => hash,
        Ok(None) => return Reject::SignIn.into_response(),
        Err(_) => return Reject::Unavailable.into_response(),
    };
    let new_for_hash = new.clone();
    let checked = tokio::task::spawn_blocking(move || {
        auth::verify_password(&current, &stored).then(|| auth::hash_password(&new_for_hash))
    })
    .await
    .ok()
    .flatten();
    let hash = match checked {
        None => {
            if let Err(e) = state
                .store
                .staff()
                .record_failure(&key, ACCOUNT_LOCKOUT, now)
                .await
            {
                tracing::error!(error = %e, "cannot count a wrong current password");
            }
            staff.audit(&state, "password-change-failed", "").await;
            return refuse("c-password-current-wrong");
        }
        Some(Err(e)) => {
            tracing::error!(error = %e, "cannot hash a password");
            return Reject::Unavailable.into_response();
        }
        Some(Ok(h)) => h,
    };
    let id = staff.account().id;
    if let Err(e) = state.store.staff().clear_failures(&key).await {
        tracing::error!(error = %e, "cannot clear failed sign-ins");
    }
    if state
        .store
        .staff()
        .set_password(id, &hash, false, now)
        .await
        .is_err()
        || state
            .store
            .staff()
            .revoke_sessions_of(id, now)
            .await
            .is_err()
    {
        return Reject::Unavailable.into_response();
    }
    staff.audit(&state, "password-change", "").await;
    // Every other browser of this account is signed out; this one gets a fresh session.
    let cookie = match start_session(&state, id, is_https(&state, &headers)).await {
        Ok(c) => c,
        Err(r) => return r.into_response(),
    };
    (
        [(header::SET_COOKIE, cookie)],
        Redirect::to(&format!("{BASE}/overview")),
    )
        .into_response()
}

async fn language(State(state): State<AppState>, headers: HeaderMap, p: Posted) -> Response {
    let lang = p
        .form
        .get("lang")
        .and_then(Lang::from_tag)
        .unwrap_or_default();
    if let Err(e) = state
        .store
        .staff()
        .set_language(p.staff.account().id, lang, state.clock.now())
        .await
    {
        tracing::error!(error = %e, "cannot store a staff member's language");
        return Reject::Unavailable.into_response();
    }
    // Back to the page the switch was pressed on, if it was one of ours.
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.find(BASE).map(|i| r[i..].to_string()))
        .filter(|p| !p.contains("//"))
        .unwrap_or_else(|| format!("{BASE}/overview"));
    Redirect::to(&back).into_response()
}
