//! Reminder waves and conversation replies share the platform's rate limits: the real
//! `jejak run` at Telegram's real limits (30 messages a second per bot, about one a second
//! per chat) sends a wave of 400 reminders while a dozen respondents take the survey. The
//! fake Bot API enforces 30 a second and counts every refusal: none comes, no one-second
//! window holds more than 30 messages, no chat gets more than its burst, and the
//! respondents' replies keep flowing while the wave runs (their share is kept free).

#[path = "support/crash.rs"]
mod crash;
#[path = "support/fake_bot_api.rs"]
mod fake_bot_api;
#[path = "support/fake_graph_api.rs"]
mod fake_graph_api;
#[path = "support/test_db.rs"]
mod test_db;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::Utc;
use jejak::channel::rate::CHAT_BURST;
use jejak::model::{Lang, RespondentFields};
use jejak::schedule::eligibility::{Segment, StatusFilter};
use jejak::store::{NewRespondent, NewWave};
use test_db::Db;

const WAVE: i64 = 400;
const CHATTERS: usize = 12;
/// Wave chat ids start here (the crowd's start at 700,000).
const WAVE_CHAT0: i64 = 900_000;
/// Telegram's limit per bot.
const LIMIT: usize = 30;

async fn seed_wave(db: &Db) {
    let now = Utc::now();
    for i in 0..WAVE {
        let r = NewRespondent {
            fields: RespondentFields {
                name: Some(format!("Peserta {i}")),
                external_id: Some(format!("W{i}")),
                ..Default::default()
            },
            language: Some(Lang::Id),
            ..Default::default()
        };
        let id = db
            .store
            .respondents()
            .upsert_respondent(&r, now)
            .await
            .expect("respondent");
        db.store
            .respondents()
            .bind_channel(id, "telegram", &(WAVE_CHAT0 + i).to_string(), now)
            .await
            .expect("bind");
        test_db::enrol(&db.store, id, "crash").await;
    }
    let w = NewWave {
        flow_id: "crash".into(),
        name: "shared rate".into(),
        message_id: "reminder-1".into(),
        at: Some(now - chrono::Duration::minutes(1)),
        cron: None,
        tz: Some("Asia/Jakarta".into()),
        until: None,
        segment: Segment::default(),
        status: StatusFilter::Pending,
        max_per_person: Some(1),
        min_gap_secs: None,
        template: None,
    };
    db.store.waves().create_wave(&w, now).await.expect("wave");
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

async fn replies_and_a_wave_share_the_bots_rate(db: &Db) {
    let people = crash::seed(db, CHATTERS).await;
    seed_wave(db).await;
    // Telegram's real limits: the defaults, nothing in the configuration.
    let crash::Setup {
        mut bot,
        world,
        _dir,
    } = crash::setup(db, crash::Kind::Telegram, people, "", &[]).await;
    let api = world.telegram();
    api.set_rate_limit(Some(LIMIT as u32));
    bot.spawn();
    bot.wait_ready(&reqwest::Client::new()).await;
    let is_wave = |chat: i64| chat >= WAVE_CHAT0;
    let wave_sends = || {
        api.calls("sendMessage")
            .iter()
            .filter(|c| c.status == 200)
            .filter(|c| c.params["chat_id"].as_i64().is_some_and(is_wave))
            .count()
    };
    // The crowd starts once the wave is under way.
    assert!(
        api.wait_until(Duration::from_secs(30), || wave_sends() >= 20)
            .await,
        "the wave never started\n{}",
        bot.logs()
    );
    // People read and type: one answer every second and a half or so, well within a
    // chat's own limit, so what a reply waits for is the bot's budget, which the wave is
    // using up.
    world
        .think_ms
        .store(1500, std::sync::atomic::Ordering::Relaxed);
    let mut crowd = tokio::task::JoinSet::new();
    for i in 0..CHATTERS {
        crowd.spawn(world.clone().respond(i));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while let Ok(Some(r)) = tokio::time::timeout_at(deadline.into(), crowd.join_next()).await {
        r.expect("a respondent");
    }
    assert_eq!(
        world.finished(),
        CHATTERS,
        "every respondent finished\n{}",
        bot.logs()
    );
    let wave_during = wave_sends();
    assert!(
        api.wait_until(Duration::from_secs(60), || wave_sends() as i64 >= WAVE)
            .await,
        "the wave finished\n{}",
        bot.logs()
    );
    bot.stop();

    let calls: Vec<_> = api
        .calls("sendMessage")
        .into_iter()
        .filter(|c| c.status == 200)
        .collect();
    let times: Vec<Instant> = calls.iter().map(|c| c.at).collect();
    let most = most_in_window(&times, Duration::from_secs(1));
    let mut per_chat: HashMap<i64, Vec<Instant>> = HashMap::new();
    for c in &calls {
        if let Some(chat) = c.params["chat_id"].as_i64() {
            per_chat.entry(chat).or_default().push(c.at);
        }
    }
    let most_chat = per_chat
        .values()
        .map(|t| most_in_window(t, Duration::from_secs(1)))
        .max()
        .unwrap_or(0);
    let lat = world.latencies();
    let median = lat[lat.len() / 2];
    let worst = lat[lat.len() - 1];
    eprintln!(
        "{} messages ({WAVE} reminders), at most {most} in one second, {most_chat} to one \
         chat; {} refused by the platform; replies waited {median:?} (median), {worst:?} \
         (worst); {wave_during} reminders had gone when the crowd finished",
        calls.len(),
        api.rate_limited()
    );
    assert_eq!(api.rate_limited(), 0, "the platform refused none");
    assert!(most <= LIMIT, "{most} messages in one second");
    assert!(
        most_chat <= CHAT_BURST as usize + 1,
        "{most_chat} messages to one chat in one second"
    );
    // Not starved: the crowd finished while the wave still had reminders to send, and no
    // answer waited long for the bot's next message.
    assert!(
        (wave_during as i64) < WAVE,
        "the crowd finished only after the wave"
    );
    assert!(
        median < Duration::from_millis(300) && worst < Duration::from_secs(2),
        "replies waited {median:?} (median), {worst:?} (worst)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_replies_and_a_wave_share_the_bots_rate() {
    let db = test_db::sqlite_db().await;
    replies_and_a_wave_share_the_bots_rate(&db).await;
}
