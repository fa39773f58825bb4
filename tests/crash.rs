//! The crash tests of issue 12, one per channel on SQLite and PostgreSQL: a crowd of 100
//! respondents mid-survey, `jejak run` killed with SIGKILL at 20 random moments and
//! restarted, the platform redelivering what was not acknowledged. At the end every
//! respondent completed, every answer is stored once, and every reply part was received
//! complete and in order; a Telegram or WhatsApp part in flight at a kill may come twice
//! (neither platform takes an idempotency key), at most once per kill; the web chat, which
//! pulls its replies by cursor, gets each exactly once. The driver is `support/crash.rs`.
//!
//! When the crowd does not finish, the failure tells for each respondent left waiting what
//! they received, what became of each update of their chat in the fake Bot API (served how
//! often, confirmed, or confirmed without ever being served), which of those the store
//! recorded, their binding, session and reply outbox rows (sent or not, claimed by whom,
//! the lease). To hunt a rare failure, loop one test with `JEJAK_CRASH_KILLS`,
//! `JEJAK_CRASH_KILL_MS` (the longest pause before a kill) and `JEJAK_CRASH_WAIT` (seconds
//! to wait for the crowd).
//!
//! The Telegram tests were left out of the default run for a while (December 2026) for a
//! rare stall: one respondent of 100 never got its next question, and the bot logged
//! nothing. The cause was the fake, not the bot: the fake Bot API gave an update its id and
//! queued it under two separate locks, so under load a respondent's update could enter the
//! queue behind one with a higher id that getUpdates had already served, and the bot's next
//! offset (which confirms every id below it, as Telegram's does) confirmed it unserved.
//! Telegram numbers updates in the order they are queued; the fake now gives the id and
//! queues under one lock. `fake_bot_api_confirms_only_served_updates` below lost updates in
//! 2 of 2 runs before the fix (4 of 8,000 in one), none since; every Telegram run now also asserts
//! that the fake confirmed nothing unserved. (The stall itself was not caught again in 45
//! runs of the old fake at load 12–17: the window is a few instructions wide.)
//!
//! A second, rarer Telegram failure (2 of those 45 runs): "a repeated part had no kill
//! between its copies", 15.8 s apart. A part sent just before a kill was recorded by the
//! fake just after it, and came again once the dead process's claim ran out. Each process
//! now calls the fake through a path of its own (`TELEGRAM_API_URL` + `p<start>`), so a
//! repeat is judged by who sent each copy, not by when the copies arrived. WhatsApp failed
//! the same way once ("4 of 38 repeated parts had no kill between their copies", PostgreSQL,
//! a full `--test crash` run at load 13); its processes now call the fake Graph API through
//! `WHATSAPP_API_URL` + `/p<start>` the same way, and its repeats are judged by sender too.
//!
//! Each run prints how long after the platform took a Telegram or WhatsApp part it was
//! marked sent, and for the repeated parts how long before their sender's kill the first
//! copy came. On Telegram that was a few milliseconds on SQLite (the group commit), and on
//! PostgreSQL often 80–140 ms: the restarted process opened pool connections in the middle
//! of its first burst of sends. Marks now have two connections of their own, opened at
//! start, without waiting for the disk (`Store::marks`).

#[path = "support/test_db.rs"]
#[macro_use]
mod test_db;
#[path = "support/crash.rs"]
mod crash;
#[path = "support/fake_bot_api.rs"]
mod fake_bot_api;
#[path = "support/fake_graph_api.rs"]
mod fake_graph_api;

use crash::Kind;
use test_db::Db;

async fn telegram_survives_kills(db: &Db) {
    crash::run(db, Kind::Telegram).await;
}

async fn whatsapp_survives_kills(db: &Db) {
    crash::run(db, Kind::WhatsApp).await;
}

async fn web_chat_survives_kills(db: &Db) {
    crash::run(db, Kind::Web).await;
}

both_backends!(
    telegram_survives_kills,
    whatsapp_survives_kills,
    web_chat_survives_kills
);

/// The fake Bot API gives update ids in the order updates enter its queue, as Telegram
/// does: an offset the bot sends confirms only updates it was served. (It once gave the id
/// and queued the update under two locks; a chat's update queued between a getUpdates and
/// the offset after it, behind an update with a higher id, was confirmed unseen, and that
/// respondent waited for ever: the Telegram crash tests' rare stall.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fake_bot_api_confirms_only_served_updates() {
    use fake_bot_api::FakeBotApi;
    use std::collections::BTreeSet;
    const TOKEN: &str = "1:fake";
    const SENDERS: i64 = 4;
    const EACH: i64 = 2_000;
    let api = std::sync::Arc::new(FakeBotApi::start(TOKEN).await);
    // Chats queue updates from threads of their own while a poller confirms what it got.
    let pushers: Vec<_> = (0..SENDERS)
        .map(|chat| {
            let api = api.clone();
            std::thread::spawn(move || {
                (0..EACH)
                    .map(|n| api.push_text(chat, &format!("m{n}"), None))
                    .collect::<Vec<i64>>()
            })
        })
        .collect();
    let http = reqwest::Client::new();
    let url = format!("{}bot{TOKEN}/getUpdates", api.url());
    let mut offset = 0;
    let mut served = BTreeSet::new();
    while served.len() < (SENDERS * EACH) as usize {
        let res: serde_json::Value = http
            .post(&url)
            .json(&serde_json::json!({ "offset": offset, "timeout": 1 }))
            .send()
            .await
            .expect("getUpdates")
            .json()
            .await
            .expect("JSON");
        let ids: Vec<i64> = res["result"]
            .as_array()
            .expect("updates")
            .iter()
            .filter_map(|u| u["update_id"].as_i64())
            .collect();
        if let Some(max) = ids.iter().max() {
            offset = max + 1;
        }
        served.extend(ids);
        if pushers.iter().all(|p| p.is_finished()) && api.pending_updates() == 0 {
            break;
        }
    }
    let queued: BTreeSet<i64> = pushers
        .into_iter()
        .flat_map(|p| p.join().expect("a pusher"))
        .collect();
    let lost: Vec<_> = queued.difference(&served).collect();
    assert!(
        lost.is_empty(),
        "{} of {} updates confirmed without being served: {:?}",
        lost.len(),
        queued.len(),
        api.confirmed_unserved().iter().take(5).collect::<Vec<_>>()
    );
}
