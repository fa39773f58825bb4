//! The chat page: one small HTML document (maud, escaped by default), one stylesheet and one
//! script, all embedded in the binary and served from this server (no CDN: it works on a
//! school network without internet, and nothing else is loaded on a slow phone). The page
//! with its script and styles stays under [`PAGE_BUDGET`] bytes, checked by a test.
//!
//! The texts of the page itself are `locales/<lang>/webchat.ftl`; what the bot says comes
//! through the conversation core like on every other channel.

use std::sync::OnceLock;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use crate::i18n::Catalog;
use crate::model::Lang;

/// The stylesheet.
pub const CSS: &str = include_str!("assets/chat.css");
/// The script.
pub const JS: &str = include_str!("assets/chat.js");
/// The most the page, its script and its styles may weigh together, in bytes: light enough
/// for a cheap Android phone on a slow connection.
pub const PAGE_BUDGET: usize = 60 * 1024;

/// The ids of the page texts the script needs (given to it as JSON in the page).
const SCRIPT_TEXTS: [&str; 6] = [
    "web-done",
    "web-you",
    "web-sending",
    "web-offline",
    "web-slow-down",
    "web-server-error",
];

/// What a chat page talks about: a personal link or an open flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// `/c/<token>`: a respondent's personal link.
    Personal(String),
    /// `/c/open/<flow>`: a flow open to anyone.
    Open(String),
}

/// A short content hash for asset URLs, so they can be cached for a year and still change
/// with a new build.
fn version(body: &str) -> &'static str {
    static CSS_V: OnceLock<String> = OnceLock::new();
    static JS_V: OnceLock<String> = OnceLock::new();
    let cell = if std::ptr::eq(body, CSS) {
        &CSS_V
    } else {
        &JS_V
    };
    cell.get_or_init(|| {
        use sha2::Digest as _;
        hex::encode(&sha2::Sha256::digest(body.as_bytes())[..6])
    })
}

/// The URL of the stylesheet.
pub fn css_url() -> String {
    format!("{}/assets/chat.css?v={}", super::BASE, version(CSS))
}

/// The URL of the script.
pub fn js_url() -> String {
    format!("{}/assets/chat.js?v={}", super::BASE, version(JS))
}

fn head(title: &str) -> Markup {
    html! {
        meta charset="utf-8";
        meta name="viewport" content="width=device-width, initial-scale=1";
        meta name="robots" content="noindex";
        meta name="theme-color" content="#0f5c4d";
        title { (title) }
        link rel="stylesheet" href=(css_url());
    }
}

/// The chat page for `link`, with its texts in `lang`.
pub fn chat_page(catalog: &Catalog, lang: Lang, link: &Link) -> Markup {
    let t = |id: &str| catalog.message(lang, id, &[]);
    let texts: serde_json::Map<String, serde_json::Value> = SCRIPT_TEXTS
        .iter()
        .map(|id| (id.to_string(), serde_json::Value::String(t(id))))
        .collect();
    let texts = serde_json::Value::Object(texts).to_string();
    let (token, flow) = match link {
        Link::Personal(t) => (Some(t.as_str()), None),
        Link::Open(f) => (None, Some(f.as_str())),
    };
    html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            head { (head(&t("web-title"))) }
            body {
                main #chat data-token=[token] data-flow=[flow] data-texts=(texts) {
                    header.top {
                        h1 { (t("web-title")) }
                        p.intro { (t("web-intro")) }
                    }
                    ol #log aria-live="polite" {}
                    p #notice role="status" hidden {}
                    form #compose autocomplete="off" {
                        input #msg type="text" name="msg" enterkeyhint="send"
                            placeholder=(t("web-placeholder")) aria-label=(t("web-placeholder"));
                        button #send type="submit" { (t("web-send")) }
                    }
                    noscript { p.notice { (t("web-no-script")) } }
                }
                script src=(js_url()) defer {}
            }
        }
    }
}

/// A page that only says something (an unknown link, too many requests), with `status`.
pub fn message_page(
    catalog: &Catalog,
    lang: Lang,
    status: StatusCode,
    title_id: &str,
    text_id: &str,
) -> Response {
    let title = catalog.message(lang, title_id, &[]);
    let body = html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            head { (head(&title)) }
            body {
                main #chat.message {
                    header.top { h1 { (title) } }
                    p.notice { (catalog.message(lang, text_id, &[])) }
                }
            }
        }
    };
    (status, body).into_response()
}

/// Serves the stylesheet or the script: cacheable for a year, since its URL changes with
/// its content.
pub fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_with_its_script_and_styles_fits_the_budget() {
        let cat = Catalog::embedded().unwrap();
        for lang in [Lang::Id, Lang::En] {
            for link in [
                Link::Personal("AbCdEfGhIjKlMnOpQrStUv".into()),
                Link::Open("tracer-smk".into()),
            ] {
                let html = chat_page(&cat, lang, &link).into_string();
                let total = html.len() + CSS.len() + JS.len();
                assert!(
                    total <= PAGE_BUDGET,
                    "page {} + css {} + js {} = {total} bytes > {PAGE_BUDGET}",
                    html.len(),
                    CSS.len(),
                    JS.len()
                );
                // Nothing from another host.
                assert!(!html.contains("http://") && !html.contains("https://"));
                assert!(!JS.contains("http://") && !JS.contains("https://"));
                assert!(!CSS.contains("http://") && !CSS.contains("https://"));
            }
        }
        // The script builds the DOM from text nodes only.
        assert!(!JS.contains("innerHTML"));
    }

    #[test]
    fn the_link_and_texts_reach_the_script_escaped() {
        let cat = Catalog::embedded().unwrap();
        let html = chat_page(&cat, Lang::Id, &Link::Personal("a\"<b".into())).into_string();
        assert!(html.contains("data-token=\"a&quot;&lt;b\""));
        assert!(html.contains("Selesai"));
        assert!(html.contains("lang=\"id\""));
        let en = chat_page(&cat, Lang::En, &Link::Open("tracer-smk".into())).into_string();
        assert!(en.contains("data-flow=\"tracer-smk\"") && en.contains("Done"));
    }
}
