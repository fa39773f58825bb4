//! The web chat over HTTP, on SQLite and PostgreSQL: a personal link's page and its cookie,
//! a conversation through `POST /c/api/send` and `GET /c/api/replies`, a retried POST
//! handled exactly once, the budgets per address and per link (429 with a text and
//! `Retry-After`), unknown links (404 with a page that says what to do), a link kept by the
//! browser that opened it first (409), an open flow, and the page with its script and
//! styles under 60 KB as a browser downloads them.

#[path = "support/test_db.rs"]
#[macro_use]
mod test_db;
#[path = "support/webchat.rs"]
mod webchat_support;

use jejak::channel::web::limit::LimitSettings;
use jejak::model::SessionStatus;
use serde_json::json;
use test_db::Db;
use webchat_support::{Browser, WebChat};

const NUR: &str = "0077000001";

fn start(token: &str, id: &str) -> serde_json::Value {
    json!({ "token": token, "id": id, "after": 0, "content": { "kind": "start" } })
}

fn text(token: &str, id: &str, after: i64, text: &str) -> serde_json::Value {
    json!({ "token": token, "id": id, "after": after, "content": { "kind": "text", "text": text } })
}

/// The last id of a reply list, or the cursor given.
fn last(ids: &[i64], or: i64) -> i64 {
    ids.last().copied().unwrap_or(or)
}

async fn a_personal_link_opens_and_a_retried_post_counts_once(db: &Db) {
    let chat = WebChat::start(db.store.clone()).await;
    let token = chat.token(NUR);
    let mut b = Browser::new(&chat.base, "10.1.0.1");

    let page = b.get(&format!("/c/{token}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("lang=\"id\"") && page.body.contains("Kirim"));
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
    let cookie = b.cookie.clone().expect("a browser id cookie");
    assert!(cookie.starts_with("jejak_chat="));
    let set = page.headers["set-cookie"].to_str().unwrap();
    assert!(set.contains("HttpOnly") && set.contains("Path=/c"), "{set}");

    // Nothing yet in this browser.
    let none = b
        .get(&format!("/c/api/replies?token={token}&after=0"))
        .await;
    assert_eq!(none.reply_ids(), Vec::<i64>::new());

    // The page starts the conversation: greeting and consent.
    let started = b.send(start(&token, "m-start-000001")).await;
    assert_eq!(started.status, 200, "{}", started.body);
    let greet = started.reply_ids();
    assert!(!greet.is_empty());
    assert!(started.body.contains("Nur Aisyah"), "{}", started.body);
    let cursor = last(&greet, 0);

    // "ya" to the consent, sent and then sent again with the same id (the answer was lost).
    let first = b.send(text(&token, "m-consent-0001", cursor, "ya")).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(first.body.contains("Pertanyaan 1 dari"), "{}", first.body);
    let again = b.send(text(&token, "m-consent-0001", cursor, "ya")).await;
    assert_eq!(again.status, 200);
    assert_eq!(
        again.reply_ids(),
        first.reply_ids(),
        "the retry gets the same replies"
    );
    let all = b
        .get(&format!("/c/api/replies?token={token}&after=0"))
        .await;
    let count = all.reply_ids().len();
    assert_eq!(
        count,
        greet.len() + first.reply_ids().len(),
        "nothing queued twice"
    );

    // The same words with a new id are a new message (so the check above can fail).
    let after = last(&first.reply_ids(), cursor);
    let new = b.send(text(&token, "m-consent-0002", after, "ya")).await;
    assert_eq!(new.status, 200);
    assert!(!new.reply_ids().is_empty());

    // One session, answering, with the consent recorded once.
    let r = db
        .store
        .respondents()
        .respondent_by_token(&token)
        .await
        .unwrap()
        .expect("respondent");
    let s = db
        .store
        .sessions()
        .latest_session(r.id, "tracer-smk")
        .await
        .unwrap()
        .expect("session");
    assert_eq!(s.status, SessionStatus::Answering);
    let consents = db
        .store
        .sessions()
        .events(s.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|(kind, _, _)| kind == "consented")
        .count();
    assert_eq!(consents, 1);

    // A button: the first option of the question asked, with its prompt id.
    let asked = new.json()["replies"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find_map(|r| r.get("prompt").cloned())
        .or_else(|| {
            first.json()["replies"]
                .as_array()
                .unwrap()
                .iter()
                .rev()
                .find_map(|r| r.get("prompt").cloned())
        })
        .expect("a question with a prompt");
    let value = asked["options"][1]["value"].as_str().unwrap().to_string();
    let press = b
        .send(json!({
            "token": token, "id": "m-press-000001", "after": last(&new.reply_ids(), after),
            "content": { "kind": "choice", "prompt": asked["id"], "value": value }
        }))
        .await;
    assert_eq!(press.status, 200, "{}", press.body);
    let answers = db.store.sessions().current_answers(s.id).await.unwrap();
    assert!(
        answers.iter().any(|a| a.key.code == "f8"),
        "f8 answered by the button: {answers:?}"
    );

    // A second browser on the same link is refused (the link stays with the first).
    let mut other = Browser::new(&chat.base, "10.1.0.2");
    let taken = other.get(&format!("/c/{token}")).await;
    assert_eq!(taken.status, 409);
    assert!(taken.body.contains("sudah dipakai"), "{}", taken.body);
    // The first browser comes back days later: the page and its history are there.
    assert_eq!(b.get(&format!("/c/{token}")).await.status, 200);
    let history = b
        .get(&format!("/c/api/replies?token={token}&after=0"))
        .await;
    assert!(history.reply_ids().len() > count);
}

async fn unknown_links_get_a_page_that_says_what_to_do(db: &Db) {
    let chat = WebChat::start(db.store.clone()).await;
    let mut b = Browser::new(&chat.base, "10.2.0.1");
    for path in [
        "/c/TidakAdaTokenSepertiIni",
        "/c/bad%20token!",
        "/c/open/tracer-smk",
        "/c/open/no-such-flow",
    ] {
        let a = b.get(path).await;
        assert_eq!(a.status, 404, "{path}");
        assert!(
            a.body.contains("Tautan tidak dikenal") && a.body.contains("hubungi sekolah"),
            "{path}: {}",
            a.body
        );
        assert!(
            a.headers.get("set-cookie").is_none(),
            "{path}: no cookie for a bad link"
        );
    }
    // The API refuses a message without the page's cookie, or about no link.
    let no_cookie = b.send(start(&chat.token(NUR), "m-nocookie-01")).await;
    assert_eq!(no_cookie.status, 400);
    assert!(
        no_cookie.json()["error"]
            .as_str()
            .unwrap()
            .contains("Muat ulang")
    );
}

async fn each_budget_answers_429_with_a_text(db: &Db) {
    let limits = LimitSettings {
        per_address_per_minute: 1,
        per_address_burst: 4,
        per_link_per_minute: 1,
        per_link_burst: 3,
    };
    let chat = WebChat::start_with(db.store.clone(), limits, false).await;
    // One link from many addresses: its budget runs out.
    let link = format!("/c/{}", chat.token(NUR));
    let mut statuses = Vec::new();
    let mut over = None;
    for i in 0..5 {
        let mut b = Browser::new(&chat.base, &format!("10.3.0.{i}"));
        let a = b.get(&link).await;
        statuses.push(a.status);
        if a.status == 429 {
            over = Some(a);
        }
    }
    assert_eq!(statuses, [200, 200, 200, 429, 429], "per link");
    let page = over.expect("a 429 page");
    assert!(
        page.body.contains("Terlalu banyak permintaan"),
        "{}",
        page.body
    );
    let wait: u64 = page.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait >= 1);

    // One address over many links: its budget runs out, and the API says so in JSON.
    let mut b = Browser::new(&chat.base, "10.4.0.1");
    let mut statuses = Vec::new();
    for id in ["0077000002", "0077000003"] {
        statuses.push(b.get(&format!("/c/{}", chat.token(id))).await.status);
    }
    let token = chat.token("0077000002");
    statuses.push(b.send(start(&token, "m-limit-000001")).await.status);
    statuses.push(b.send(start(&token, "m-limit-000001")).await.status);
    let refused = b.send(start(&token, "m-limit-000001")).await;
    statuses.push(refused.status);
    assert_eq!(statuses, [200, 200, 200, 200, 429], "per address");
    assert!(
        refused.json()["error"]
            .as_str()
            .unwrap()
            .contains("Tunggu sebentar")
    );
    assert!(refused.headers.contains_key("retry-after"));
    // Another address is not affected.
    let mut fresh = Browser::new(&chat.base, "10.4.0.2");
    assert_eq!(
        fresh
            .get("/c/api/replies?token=abcdefgh&after=0")
            .await
            .status,
        200
    );
}

async fn an_open_flow_starts_anyone_and_two_browsers_are_two_people(db: &Db) {
    let chat = WebChat::start_with(db.store.clone(), LimitSettings::default(), true).await;
    let mut ids = Vec::new();
    for ip in ["10.5.0.1", "10.5.0.2"] {
        let mut b = Browser::new(&chat.base, ip);
        assert_eq!(b.get("/c/open/tracer-smk").await.status, 200);
        let started = b
            .send(
                json!({ "flow": "tracer-smk", "id": "m-open-000001", "after": 0,
                          "content": { "kind": "start" } }),
            )
            .await;
        assert_eq!(started.status, 200, "{}", started.body);
        assert!(started.body.contains("Persetujuan"), "{}", started.body);
        let replies = b.get("/c/api/replies?flow=tracer-smk&after=0").await;
        ids.push(replies.reply_ids());
    }
    // The same message id from two browsers is two messages.
    assert!(!ids[0].is_empty() && !ids[1].is_empty());
    assert!(ids[0].iter().all(|i| !ids[1].contains(i)));
}

async fn the_page_with_its_script_and_styles_is_under_60_kb(db: &Db) {
    let chat = WebChat::start(db.store.clone()).await;
    let mut b = Browser::new(&chat.base, "10.6.0.1");
    let page = b.get(&chat.link(NUR)).await;
    assert_eq!(page.status, 200);
    let attr = |name: &str| {
        let start = page.body.find(&format!("{name}=\"/c/assets/")).expect(name) + name.len() + 2;
        page.body[start..].split('"').next().unwrap().to_string()
    };
    let css = b.get(&attr("href")).await;
    let js = b.get(&attr("src")).await;
    assert_eq!((css.status, js.status), (200, 200));
    assert!(
        css.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert!(
        js.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(
        js.headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let total = page.body.len() + css.body.len() + js.body.len();
    assert!(total <= 60 * 1024, "{total} bytes");
    assert!(!page.body.contains("https://"), "nothing from another host");
}

/// The content of a QR code written by `jejak invite`.
fn decode_qr(svg: &str) -> String {
    let (img, side) = jejak::roster::invite::svg_modules(svg, 6).expect("well-formed SVG");
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| img[y * side + x]);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the picture");
    grids[0].decode().expect("decodes").1
}

async fn the_invitation_sheet_and_qr_codes_carry_the_web_link(db: &Db) {
    use jejak::roster::invite::{LinkTargets, write_invitations};
    let chat = WebChat::start(db.store.clone()).await;
    let links = LinkTargets::with_web(None, None, Some(&format!("{}/", chat.base))).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (sheet, qr) = (dir.path().join("undangan.csv"), dir.path().join("qr"));
    let summary = write_invitations(
        &db.store,
        "tracer-smk",
        &links,
        &sheet,
        Some(&qr),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(summary.respondents, 3);
    // Only the web is configured: one code per alumnus and the open link's.
    assert_eq!(summary.qr_files, 4);
    let mut rd = csv::Reader::from_path(&sheet).unwrap();
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header.last().map(String::as_str), Some("web_link"));
    let mut b = Browser::new(&chat.base, "10.7.0.1");
    for row in rd.records().map(Result::unwrap) {
        let link = row.get(header.len() - 1).unwrap().to_string();
        assert_eq!(link, chat.link(&row[0]), "the sheet's link is the chat's");
        let svg = std::fs::read_to_string(qr.join(format!("{}-web.svg", &row[0]))).unwrap();
        assert_eq!(decode_qr(&svg), link, "the QR code holds the link");
    }
    // The link from the sheet opens the chat.
    let first = chat.link(NUR);
    assert_eq!(b.get(&first).await.status, 200);
    let open = std::fs::read_to_string(qr.join("open-web.svg")).unwrap();
    assert_eq!(decode_qr(&open), format!("{}/c/open/tracer-smk", chat.base));
}

both_backends!(
    the_invitation_sheet_and_qr_codes_carry_the_web_link,
    a_personal_link_opens_and_a_retried_post_counts_once,
    unknown_links_get_a_page_that_says_what_to_do,
    each_budget_answers_429_with_a_text,
    an_open_flow_starts_anyone_and_two_browsers_are_two_people,
    the_page_with_its_script_and_styles_is_under_60_kb,
    a_lookup_offers_its_matches_as_buttons,
);

/// A lookup in the web chat (the national Dikti flow's province, f5a1): a few letters typed
/// come back as the matching rows, the buttons of the question's prompt; pressing one answers
/// with the row's code, and the next reply confirms which row was kept.
async fn a_lookup_offers_its_matches_as_buttons(db: &Db) {
    let dikti = jejak::flow::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("flows/tracer-dikti.yaml"),
    )
    .expect("the Dikti flow loads");
    let chat = WebChat::start_flow(db.store.clone(), LimitSettings::default(), false, dikti).await;
    let token = chat.token(NUR);
    let mut b = Browser::new(&chat.base, "10.6.0.1");
    assert_eq!(b.get(&format!("/c/{token}")).await.status, 200);
    let started = b.send(start(&token, "m-look-start01")).await;
    assert_eq!(started.status, 200, "{}", started.body);
    let mut cursor = last(&started.reply_ids(), 0);
    let mut reply = started;
    for (n, say) in ["ya", "1", "iya", "3 bulan", "5,5 juta", "jawa"]
        .iter()
        .enumerate()
    {
        reply = b
            .send(text(&token, &format!("m-look-{n:07}"), cursor, say))
            .await;
        assert_eq!(reply.status, 200, "{say}: {}", reply.body);
        cursor = last(&reply.reply_ids(), cursor);
    }
    let prompt = reply.json()["replies"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find_map(|r| r.get("prompt").filter(|p| !p.is_null()).cloned())
        .expect("the offer has a prompt");
    let offered: Vec<(String, String)> = prompt["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["value"].as_str().unwrap().to_string(),
                o["label"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        offered,
        [
            ("32".to_string(), "Jawa Barat".to_string()),
            ("33".into(), "Jawa Tengah".into()),
            ("35".into(), "Jawa Timur".into()),
        ],
        "{}",
        reply.body
    );
    let press = b
        .send(json!({
            "token": token, "id": "m-look-press01", "after": cursor,
            "content": { "kind": "choice", "prompt": prompt["id"], "value": "35" }
        }))
        .await;
    assert_eq!(press.status, 200, "{}", press.body);
    let said = press.body.replace(['\u{2068}', '\u{2069}'], "");
    assert!(said.contains("Tercatat: Jawa Timur (35)"), "{said}");
    let r = db
        .store
        .respondents()
        .respondent_by_token(&token)
        .await
        .unwrap()
        .expect("respondent");
    let s = db
        .store
        .sessions()
        .latest_session(r.id, "tracer-dikti")
        .await
        .unwrap()
        .expect("session");
    let f5a1 = db
        .store
        .sessions()
        .current_answers(s.id)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.key.code == "f5a1")
        .map(|a| a.value.export());
    assert_eq!(f5a1.as_deref(), Some("35"));
}
