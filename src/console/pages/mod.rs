//! The console's pages, one file per area. Each file gives its routes; [`routes`] joins them.

pub mod accounts;
pub mod audit;
pub mod exports;
pub mod flows;
pub mod invitations;
pub mod login;
pub mod overview;
pub mod respondents;
pub mod rights;
pub mod roster;
pub mod waves;
pub mod whatsapp;

use axum::Router;

use super::AppState;

/// Every page's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(login::routes())
        .merge(overview::routes())
        .merge(roster::routes())
        .merge(respondents::routes())
        .merge(rights::routes())
        .merge(invitations::routes())
        .merge(waves::routes())
        .merge(exports::routes())
        .merge(flows::routes())
        .merge(audit::routes())
        .merge(accounts::routes())
        .merge(whatsapp::routes())
}
