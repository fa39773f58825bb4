//! A burst of `/start` (issue 14: a class group posting the link lost 76 replies to 3,600 ×
//! 429): hundreds of different chats send `/start <token>` at the same moment through the
//! real `jejak run`'s webhook, delivered the way Telegram delivers webhooks (at most 40
//! connections at once, its default `max_connections`; an update posted again until it is
//! answered 200), against a fake Bot API enforcing Telegram's 30 messages a second per bot.
//! Every chat gets its replies exactly once and in order (the same messages a chat alone
//! gets, its name aside), every reply part is settled sent, and the platform refuses none:
//! the replies wait for the bot's budget instead of being refused.
//!
//! 300 chats in the suite (about 20 s at 30 messages a second); `JEJAK_BURST_CHATS=1000`
//! for the size. Prints the rate reached and the 429s.

#[path = "support/crash.rs"]
mod crash;
#[path = "support/fake_bot_api.rs"]
mod fake_bot_api;
#[path = "support/fake_graph_api.rs"]
mod fake_graph_api;
#[path = "support/test_db.rs"]
mod test_db;

use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::Row as _;
use test_db::Db;

/// Telegram's limit per bot.
const LIMIT: u32 = 30;
/// Telegram's default `max_connections` of a webhook: updates in flight at once.
const CONNECTIONS: usize = 40;
const SECRET: &str = "burst_SECRET-14";

fn chats() -> usize {
    std::env::var("JEJAK_BURST_CHATS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

/// The most sends in any window of `width` starting at a send.
fn most_in_window(times: &[Instant], width: Duration) -> usize {
    let mut most = 0;
    let mut j = 0;
    for i in 0..times.len() {
        while times[i].duration_since(times[j]) >= width {
            j += 1;
        }
        most = most.max(i - j + 1);
    }
    most
}

async fn burst_of_starts(db: &Db) {
    let n = chats();
    let people = crash::seed(db, n).await;
    let crash::Setup {
        mut bot,
        world,
        _dir,
    } = crash::setup(db, crash::Kind::Telegram, people.clone(), "", &[]).await;
    let hook = format!("{}/hook", bot.base_url());
    bot.set_env("TELEGRAM_WEBHOOK_URL", hook.clone());
    bot.set_env("TELEGRAM_WEBHOOK_SECRET", SECRET.into());
    let api = world.telegram();
    api.set_rate_limit(Some(LIMIT));
    bot.spawn();
    bot.wait_ready(&reqwest::Client::new()).await;
    assert_eq!(api.webhook(), Some((hook.clone(), Some(SECRET.into()))));

    let updates: Vec<_> = people
        .iter()
        .map(|p| api.text_update(p.chat(), &format!("/start {}", p.token()), Some("id")))
        .collect();
    let connections = Arc::new(tokio::sync::Semaphore::new(CONNECTIONS));
    let started = Instant::now();
    let mut posts = tokio::task::JoinSet::new();
    for update in updates {
        let (world, hook, connections) = (world.clone(), hook.clone(), connections.clone());
        posts.spawn(async move {
            let _connection = connections.acquire_owned().await.expect("semaphore");
            let mut tries = 0u32;
            loop {
                tries += 1;
                let status = world
                    .telegram()
                    .post_webhook(&hook, Some(SECRET), &update)
                    .await;
                if status == 200 {
                    return tries;
                }
                // Telegram posts an update again until it is answered 200.
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
    }
    let deadline = Instant::now() + Duration::from_secs(60 + n as u64 / 4);
    let mut reposts = 0;
    while let Ok(Some(r)) = tokio::time::timeout_at(deadline.into(), posts.join_next()).await {
        reposts += r.expect("a webhook post") - 1;
    }
    assert!(
        posts.is_empty(),
        "{} updates were never answered 200\n{}",
        posts.len(),
        bot.logs()
    );
    let answered = started.elapsed();

    let pool = db.raw().await;
    let unsent: i64 = sqlx::query("SELECT COUNT(*) AS n FROM reply_outbox WHERE sent_at IS NULL")
        .fetch_one(&pool)
        .await
        .expect("count unsent")
        .get("n");
    let parts: i64 = sqlx::query("SELECT COUNT(*) AS n FROM reply_outbox")
        .fetch_one(&pool)
        .await
        .expect("count parts")
        .get("n");
    let not_delivered: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM reply_outbox WHERE platform_message_id IS NULL")
            .fetch_one(&pool)
            .await
            .expect("count undelivered")
            .get("n");
    bot.stop();

    // What one chat received, its name written out of it: what every chat must receive.
    let received = |i: usize| -> Vec<String> {
        api.sent_to(people[i].chat())
            .into_iter()
            .map(|m| m.text.replace(&format!("Alumni {i}"), "NAMA"))
            .collect()
    };
    let expected = received(0);
    assert!(
        expected.iter().any(|t| t.contains("[consent]")),
        "the first chat was asked for consent: {expected:?}"
    );
    let mut wrong = Vec::new();
    for i in 0..n {
        let got = received(i);
        if got != expected {
            wrong.push((i, got));
        }
    }
    let calls: Vec<_> = api
        .calls("sendMessage")
        .into_iter()
        .filter(|c| c.status == 200)
        .collect();
    let times: Vec<Instant> = calls.iter().map(|c| c.at).collect();
    let most = most_in_window(&times, Duration::from_secs(1));
    let span = match (times.first(), times.last()) {
        (Some(a), Some(b)) => b.duration_since(*a).as_secs_f64(),
        _ => 0.0,
    };
    let rate = (calls.len().saturating_sub(1)) as f64 / span.max(1e-9);
    eprintln!(
        "{n} chats sent /start at once: {} messages ({} per chat) in {span:.1} s from the \
         first to the last = {rate:.2} msg/s = {:.1} % of the {LIMIT}/s limit; every update \
         answered after {:.1} s; {} × 429; {reposts} updates posted again; at most {most} \
         messages in one second",
        calls.len(),
        expected.len(),
        100.0 * rate / f64::from(LIMIT),
        answered.as_secs_f64(),
        api.rate_limited(),
    );
    assert!(
        wrong.is_empty(),
        "{} chats did not get exactly the replies of a chat alone, once each, in order; \
         the first: {:?} (expected {expected:?})",
        wrong.len(),
        wrong.first()
    );
    assert_eq!(calls.len(), n * expected.len(), "no message twice");
    assert_eq!(unsent, 0, "every reply part is settled sent");
    assert_eq!(
        not_delivered, 0,
        "every part carries the platform's message id"
    );
    assert!(parts >= n as i64, "{parts} parts for {n} chats");
    assert_eq!(api.rate_limited(), 0, "the platform refused none");
    assert!(most <= LIMIT as usize, "{most} messages in one second");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_burst_of_starts_is_answered_in_full() {
    let db = test_db::sqlite_db().await;
    burst_of_starts(&db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_burst_of_starts_is_answered_in_full() {
    let Some(db) = test_db::postgres_db().await else {
        return;
    };
    burst_of_starts(&db).await;
}
