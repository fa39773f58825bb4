//! What a console request carries: the signed-in staff member (from the session cookie), the
//! language to answer in, the form fields with their CSRF check, and the client's address.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::auth::{SESSION_COOKIE, SESSION_IDLE_MINUTES, token_hash};
use super::{AppState, BASE};
use crate::i18n::Catalog;
use crate::model::Lang;
use crate::store::{Account, LiveSession, Scope};

/// The texts of one answer, in the reader's language.
#[derive(Clone, Copy)]
pub struct Tr<'a> {
    /// The language.
    pub lang: Lang,
    catalog: &'a Catalog,
}

impl<'a> Tr<'a> {
    /// Texts of `catalog` in `lang`.
    pub fn new(catalog: &'a Catalog, lang: Lang) -> Self {
        Tr { lang, catalog }
    }

    /// A console text without arguments (ids start with `c-`, in `locales/*/console.ftl`).
    pub fn t(&self, id: &str) -> String {
        self.catalog.message(self.lang, id, &[])
    }

    /// A console text with arguments.
    pub fn ta(&self, id: &str, args: &[(&str, &str)]) -> String {
        self.catalog.message(self.lang, id, args)
    }
}

/// A signed-in staff member. As an extractor it answers a browser that is not signed in
/// with a redirect to the sign-in page, and one that must change its one-time password
/// with a redirect to the password page.
#[derive(Debug, Clone)]
pub struct Staff {
    /// The session as stored.
    pub session: LiveSession,
    /// The hash of the session token (to end this session at sign-out).
    pub token_hash: String,
    /// The client's address.
    pub address: String,
}

impl Staff {
    /// The account.
    pub fn account(&self) -> &Account {
        &self.session.account
    }

    /// The respondents this member may see.
    pub fn scope(&self) -> Scope {
        self.session.account.scope()
    }

    /// The member's language.
    pub fn lang(&self) -> Lang {
        self.session.account.language
    }

    /// Whether the given CSRF token is this session's.
    pub fn csrf_ok(&self, given: Option<&str>) -> bool {
        given.is_some_and(|g| {
            crate::config::constant_time_eq(g.as_bytes(), self.session.csrf_token.as_bytes())
        })
    }

    /// The session's CSRF token, for the hidden field of a form.
    pub fn csrf(&self) -> &str {
        &self.session.csrf_token
    }

    /// Records an audit line for this member (failures are logged, never shown: the action
    /// itself has happened).
    pub async fn audit(&self, state: &AppState, action: &str, detail: &str) {
        let entry = crate::store::NewAudit {
            account_id: Some(self.session.account.id),
            actor: &self.session.account.email,
            action,
            detail,
            address: Some(&self.address),
        };
        if let Err(e) = state.store.staff().audit(&entry, state.clock.now()).await {
            tracing::error!(error = %e, action, "cannot write the audit log");
        }
    }
}

/// Why a request could not be served.
#[derive(Debug)]
pub enum Reject {
    /// Not signed in: go to the sign-in page.
    SignIn,
    /// Signed in with a one-time password: change it first.
    ChangePassword,
    /// The database failed.
    Unavailable,
    /// The role may not do this (a viewer on a page with personal data).
    Forbidden,
}

impl IntoResponse for Reject {
    fn into_response(self) -> Response {
        match self {
            Reject::SignIn => Redirect::to(&format!("{BASE}/login")).into_response(),
            Reject::ChangePassword => Redirect::to(&format!("{BASE}/password")).into_response(),
            Reject::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Basis data tidak dapat dihubungi. Coba lagi sebentar. / The database is unavailable.",
            )
                .into_response(),
            Reject::Forbidden => (
                StatusCode::FORBIDDEN,
                "Peran Anda tidak mengizinkan halaman ini. / Your role does not allow this page.",
            )
                .into_response(),
        }
    }
}

/// The session token in the request's cookies, if any.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == SESSION_COOKIE)
        .map(|c| c.value().to_string())
}

/// The client's address: the TCP peer, or, when the peer is on this machine (a reverse proxy
/// such as Caddy or nginx), the last address the proxy added to `X-Forwarded-For`. Only the
/// very last entry is the proxy's word: earlier ones, and earlier header lines, come from the
/// client and could be anything (a client rotating them would escape the address lock-out).
pub fn client_address(parts: &Parts) -> String {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let forwarded = || {
        parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse::<IpAddr>().ok())
    };
    match peer {
        Some(ip) if ip.is_loopback() => forwarded().unwrap_or(ip).to_string(),
        Some(ip) => ip.to_string(),
        None => "unknown".into(),
    }
}

/// Whether the request came over HTTPS (directly configured, or through a proxy that says so).
pub fn is_https(state: &AppState, headers: &HeaderMap) -> bool {
    state.settings.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// Reads the signed-in member without the must-change-password redirect (for the password
/// page and sign-out themselves).
pub async fn staff_of(parts: &Parts, state: &AppState) -> Result<Option<Staff>, Reject> {
    let Some(token) = session_token(&parts.headers) else {
        return Ok(None);
    };
    let hash = token_hash(&token);
    let session = state
        .store
        .staff()
        .session(
            &hash,
            state.clock.now(),
            chrono::Duration::minutes(SESSION_IDLE_MINUTES),
        )
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot read a staff session");
            Reject::Unavailable
        })?;
    Ok(session.map(|session| Staff {
        session,
        token_hash: hash,
        address: client_address(parts),
    }))
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Reject;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Reject> {
        let staff = staff_of(parts, state).await?.ok_or(Reject::SignIn)?;
        if staff.session.account.must_change_password {
            return Err(Reject::ChangePassword);
        }
        Ok(staff)
    }
}

/// A signed-in member who may see personal data and change things (admin or operator).
pub struct Manager(pub Staff);

impl FromRequestParts<AppState> for Manager {
    type Rejection = Reject;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Reject> {
        let staff = Staff::from_request_parts(parts, state).await?;
        if !staff.account().can_manage() {
            return Err(Reject::Forbidden);
        }
        Ok(Manager(staff))
    }
}

/// A signed-in admin.
pub struct Admin(pub Staff);

impl FromRequestParts<AppState> for Admin {
    type Rejection = Reject;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Reject> {
        let staff = Staff::from_request_parts(parts, state).await?;
        if staff.account().role != crate::store::Role::Admin {
            return Err(Reject::Forbidden);
        }
        Ok(Admin(staff))
    }
}

/// The fields of a submitted form (`application/x-www-form-urlencoded`), in order; a field
/// may repeat (check boxes).
#[derive(Debug, Clone, Default)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    /// The first value of a field, trimmed; `None` when missing or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// The first value of a field exactly as sent (not trimmed: a password's spaces are
    /// part of it); `None` when missing.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every non-blank value of a field.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
            .collect()
    }
}

/// The name of the hidden CSRF field in every form that changes something.
pub const CSRF_FIELD: &str = "_csrf";

/// A form posted by a signed-in member whose CSRF token matched. A missing or forged token
/// is answered 403 and nothing happens.
pub struct Posted {
    /// Who posted.
    pub staff: Staff,
    /// The fields.
    pub form: FormData,
}

/// A posted form that failed its CSRF check, or could not be read.
#[derive(Debug)]
pub enum PostReject {
    /// As for any page.
    Page(Reject),
    /// The CSRF token was missing or wrong.
    Csrf,
    /// The body is not a form.
    BadForm,
}

impl IntoResponse for PostReject {
    fn into_response(self) -> Response {
        match self {
            PostReject::Page(r) => r.into_response(),
            PostReject::Csrf => (
                StatusCode::FORBIDDEN,
                "Formulir kedaluwarsa atau tidak sah; muat ulang halaman lalu coba lagi. / \
                 The form expired or is not valid; reload the page and try again.",
            )
                .into_response(),
            PostReject::BadForm => (StatusCode::BAD_REQUEST, "bad form").into_response(),
        }
    }
}

impl FromRequest<AppState> for Posted {
    type Rejection = PostReject;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, PostReject> {
        let (parts, body) = req.into_parts();
        let staff = match staff_of(&parts, state).await.map_err(PostReject::Page)? {
            Some(s) => s,
            None => return Err(PostReject::Page(Reject::SignIn)),
        };
        let req = Request::from_parts(parts.clone(), body);
        let axum::Form(pairs): axum::Form<Vec<(String, String)>> =
            axum::Form::from_request(req, state)
                .await
                .map_err(|_| PostReject::BadForm)?;
        let form = FormData(pairs);
        if !staff.csrf_ok(form.get(CSRF_FIELD)) {
            tracing::warn!("console form refused: CSRF token missing or wrong");
            return Err(PostReject::Csrf);
        }
        // A member with a one-time password may only post the password form.
        let path = parts.uri.path().to_string();
        if staff.session.account.must_change_password
            && path != format!("{BASE}/password")
            && path != format!("{BASE}/logout")
        {
            return Err(PostReject::Page(Reject::ChangePassword));
        }
        Ok(Posted { staff, form })
    }
}
