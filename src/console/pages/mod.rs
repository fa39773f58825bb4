//! The console's pages, one file per area. Each file gives its routes; [`routes`] joins them.

pub mod invitations;
pub mod login;
pub mod overview;
pub mod respondents;
pub mod roster;

use axum::Router;

use super::AppState;

/// Every page's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(login::routes())
        .merge(overview::routes())
        .merge(roster::routes())
        .merge(respondents::routes())
        .merge(invitations::routes())
}
