//! The page shell: head, navigation by role, language switch, sign-out; and small pieces of
//! HTML every page uses (CSRF field, flash messages, tables, dates in WIB/WITA/WIT).

use chrono::{DateTime, Utc};
use maud::{DOCTYPE, Markup, html};

use super::BASE;
use super::request::{CSRF_FIELD, Staff, Tr};
use crate::store::Role;

/// One navigation entry: path under [`BASE`], text id, who sees it.
struct NavItem {
    path: &'static str,
    text: &'static str,
    show: fn(Role) -> bool,
}

fn everyone(_: Role) -> bool {
    true
}
fn managers(r: Role) -> bool {
    matches!(r, Role::Admin | Role::Operator)
}
fn admins(r: Role) -> bool {
    r == Role::Admin
}

const NAV: &[NavItem] = &[
    NavItem {
        path: "/overview",
        text: "c-nav-overview",
        show: everyone,
    },
    NavItem {
        path: "/respondents",
        text: "c-nav-respondents",
        show: managers,
    },
    NavItem {
        path: "/roster",
        text: "c-nav-roster",
        show: managers,
    },
    NavItem {
        path: "/invitations",
        text: "c-nav-invitations",
        show: managers,
    },
    NavItem {
        path: "/waves",
        text: "c-nav-waves",
        show: everyone,
    },
    NavItem {
        path: "/exports",
        text: "c-nav-exports",
        show: everyone,
    },
    NavItem {
        path: "/flows",
        text: "c-nav-flows",
        show: everyone,
    },
    NavItem {
        path: "/audit",
        text: "c-nav-audit",
        show: admins,
    },
    NavItem {
        path: "/accounts",
        text: "c-nav-accounts",
        show: admins,
    },
    NavItem {
        path: "/purge",
        text: "c-nav-purge",
        show: admins,
    },
    NavItem {
        path: "/whatsapp",
        text: "c-nav-whatsapp",
        show: admins,
    },
];

/// A full page for a signed-in member; `active` is the navigation path to highlight.
pub fn page(tr: Tr<'_>, staff: &Staff, active: &str, title: &str, body: Markup) -> Markup {
    let role = staff.account().role;
    html! {
        (DOCTYPE)
        html lang=(tr.lang.tag()) {
            (head(title))
            body {
                header.top {
                    a.brand href={(BASE) "/overview"} { "Jejak" }
                    nav {
                        @for item in NAV.iter().filter(|i| (i.show)(role)) {
                            a href={(BASE) (item.path)}
                              class=[(item.path == active).then_some("active")] {
                                (tr.t(item.text))
                            }
                        }
                    }
                    div.who {
                        span.email { (staff.account().email) }
                        " · " span.role { (tr.t(&format!("c-role-{}", role.as_str()))) }
                        form.inline method="post" action={(BASE) "/language"} {
                            (csrf(staff))
                            @let other = if tr.lang == crate::model::Lang::Id { "en" } else { "id" };
                            input type="hidden" name="lang" value=(other);
                            button.link type="submit" { (tr.t("c-switch-language")) }
                        }
                        form.inline method="post" action={(BASE) "/logout"} {
                            (csrf(staff))
                            button.link #logout type="submit" { (tr.t("c-sign-out")) }
                        }
                    }
                }
                main {
                    h1 { (title) }
                    (body)
                }
                script src={(BASE) "/assets/console.js"} {}
            }
        }
    }
}

/// A page without navigation (sign-in, password change, errors).
pub fn bare(tr: Tr<'_>, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(tr.lang.tag()) {
            (head(title))
            body.bare {
                main.narrow {
                    p.brand { "Jejak" }
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · Jejak" }
            link rel="stylesheet" href={(BASE) "/assets/console.css"};
        }
    }
}

/// The hidden CSRF field of a form that changes something.
pub fn csrf(staff: &Staff) -> Markup {
    html! { input type="hidden" name=(CSRF_FIELD) value=(staff.csrf()); }
}

/// A message box: `kind` is `ok`, `error` or `info`.
pub fn flash(kind: &str, text: &str) -> Markup {
    html! { p class={"flash " (kind)} role="status" { (text) } }
}

/// A time in the three Indonesian zones: "09:00 WIB · 10:00 WITA · 11:00 WIT, 1 Des 2026".
pub fn time_in_zones(tr: Tr<'_>, t: DateTime<Utc>) -> String {
    let zones = [
        (chrono_tz::Asia::Jakarta, "WIB"),
        (chrono_tz::Asia::Makassar, "WITA"),
        (chrono_tz::Asia::Jayapura, "WIT"),
    ];
    let times: Vec<String> = zones
        .iter()
        .map(|(z, name)| format!("{} {name}", t.with_timezone(z).format("%H:%M")))
        .collect();
    format!("{}, {}", times.join(" · "), date_wib(tr, t))
}

/// A date as read in WIB, with the month's name in the reader's language ("1 Des 2026").
pub fn date_wib(tr: Tr<'_>, t: DateTime<Utc>) -> String {
    use chrono::Datelike as _;
    let d = t.with_timezone(&chrono_tz::Asia::Jakarta).date_naive();
    let month = tr.t(&format!("c-month-{}", d.month()));
    format!("{} {month} {}", d.day(), d.year())
}

/// A date and time in WIB ("1 Des 2026 09:00 WIB").
pub fn datetime_wib(tr: Tr<'_>, t: DateTime<Utc>) -> String {
    let local = t.with_timezone(&chrono_tz::Asia::Jakarta);
    format!("{} {} WIB", date_wib(tr, t), local.format("%H:%M"))
}

/// A page that says something was not found (also what a member sees for anything outside
/// their scope).
pub fn not_found(tr: Tr<'_>) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    (
        axum::http::StatusCode::NOT_FOUND,
        bare(
            tr,
            &tr.t("c-not-found"),
            html! { p { a href={(BASE) "/overview"} { (tr.t("c-back-to-overview")) } } },
        ),
    )
        .into_response()
}
