//! The conversation core without a platform: the shared `Receiver` queues each step's
//! replies in the reply outbox in the step's own transaction, a redelivery queues nothing,
//! and a `ReplySender` delivers the parts in order, once, also when the process that
//! committed them died before sending (a new sender's sweep finds them).

#[path = "support/test_db.rs"]
#[macro_use]
mod test_db;

use std::sync::{Arc, Mutex};

use chrono::Utc;
use jejak::channel::SendError;
use jejak::clock::SystemClock;
use jejak::conversation::{
    Content, Conversations, Deliver, DeliverFuture, Inbound, Receipt, Receiver, ReplySender,
};
use jejak::i18n::Catalog;
use jejak::model::{Channel, RespondentFields};
use jejak::store::{NewRespondent, QueuedReply, RespondentId, Store};
use test_db::Db;

fn conversations(store: &Store) -> Conversations {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/flows/tracer-smk.yaml");
    Conversations {
        store: store.clone(),
        flow: Arc::new(jejak::flow::load(std::path::Path::new(path)).expect("flow")),
        catalog: Arc::new(Catalog::embedded().expect("catalog")),
    }
}

async fn roster_respondent(store: &Store, name: &str) -> (RespondentId, String) {
    let new = NewRespondent {
        fields: RespondentFields {
            name: Some(name.into()),
            external_id: Some(format!("nisn-{name}")),
            ..Default::default()
        },
        ..Default::default()
    };
    let id = store
        .respondents()
        .upsert_respondent(&new, Utc::now())
        .await
        .unwrap();
    let token = store
        .respondents()
        .respondent(id)
        .await
        .unwrap()
        .unwrap()
        .token;
    (id, token)
}

fn message(address: &str, id: &str, content: Content) -> Inbound {
    Inbound {
        channel: Channel::Telegram,
        address: address.into(),
        message_id: Some(id.into()),
        content,
        language_hint: None,
        profile_name: None,
    }
}

/// A platform that records what it was given, and can be told to fail for a while.
#[derive(Default)]
struct Recorder {
    sent: Mutex<Vec<(String, i64, String)>>,
    failing: Mutex<usize>,
}

impl Deliver for Recorder {
    fn channel(&self) -> Channel {
        Channel::Telegram
    }

    fn deliver<'a>(&'a self, part: &'a QueuedReply) -> DeliverFuture<'a> {
        Box::pin(async move {
            {
                let mut failing = self.failing.lock().unwrap();
                if *failing > 0 {
                    *failing -= 1;
                    return Err(SendError::Transient("platform down".into()));
                }
            }
            let mut sent = self.sent.lock().unwrap();
            sent.push((part.address.clone(), part.id, part.reply.text.clone()));
            Ok(Some(format!("m{}", sent.len())))
        })
    }
}

impl Recorder {
    fn ids_to(&self, address: &str) -> Vec<i64> {
        self.sent
            .lock()
            .unwrap()
            .iter()
            .filter(|(a, _, _)| a == address)
            .map(|(_, id, _)| *id)
            .collect()
    }
}

async fn replies_are_queued_with_the_step_and_a_redelivery_queues_nothing(db: &Db) {
    let receiver = Receiver::new(conversations(&db.store), Arc::new(SystemClock));
    let (id, token) = roster_respondent(&db.store, "Ayu").await;
    let start = message(
        "42",
        "1",
        Content::Start {
            token: Some(token.clone()),
        },
    );
    let first = receiver.receive(&start).await.unwrap();
    let Receipt::Queued { respondent, parts } = first else {
        panic!("not queued: {first:?}");
    };
    assert_eq!(respondent, Some(id));
    assert!(parts >= 1);
    let queued = db
        .store
        .replies()
        .unsent(Channel::Telegram, "42")
        .await
        .unwrap();
    assert_eq!(queued.len(), parts);
    assert!(queued.windows(2).all(|w| w[0].id < w[1].id));
    assert!(queued.iter().all(|q| q.respondent == Some(id)));
    // The platform delivers the same message again: nothing changes, nothing is queued.
    assert_eq!(receiver.receive(&start).await.unwrap(), Receipt::Duplicate);
    let again = db
        .store
        .replies()
        .unsent(Channel::Telegram, "42")
        .await
        .unwrap();
    assert_eq!(again, queued);
    // A refusal is queued once per message too.
    let stranger = message("43", "2", Content::Text("halo".into()));
    assert!(matches!(
        receiver.receive(&stranger).await.unwrap(),
        Receipt::Queued {
            respondent: None,
            parts: 1
        }
    ));
    assert_eq!(
        receiver.receive(&stranger).await.unwrap(),
        Receipt::Duplicate
    );
    // The web chat's cursor read sees the same parts in the same order.
    let after = db
        .store
        .replies()
        .after(Channel::Telegram, "42", 0)
        .await
        .unwrap();
    assert_eq!(after, queued);
}

async fn parts_left_by_a_dead_process_are_sent_once_in_order(db: &Db) {
    let receiver = Receiver::new(conversations(&db.store), Arc::new(SystemClock));
    let (_, token) = roster_respondent(&db.store, "Budi").await;
    // Steps committed, then the process "died" before sending anything.
    receiver
        .receive(&message(
            "77",
            "1",
            Content::Start {
                token: Some(token.clone()),
            },
        ))
        .await
        .unwrap();
    receiver
        .receive(&message("77", "2", Content::Text("ya".into())))
        .await
        .unwrap();
    let queued: Vec<i64> = db
        .store
        .replies()
        .unsent(Channel::Telegram, "77")
        .await
        .unwrap()
        .iter()
        .map(|q| q.id)
        .collect();
    assert!(queued.len() >= 2);

    // The next process's sender: the platform fails at first, so the sweep stops at the
    // first part and keeps the rest for later (order is kept).
    let platform = Arc::new(Recorder::default());
    *platform.failing.lock().unwrap() = 1;
    let sender = Arc::new(ReplySender::new(
        db.store.clone(),
        platform.clone(),
        Arc::new(SystemClock),
    ));
    assert_eq!(sender.clone().sweep().await, 1);
    assert!(platform.ids_to("77").is_empty());
    // The next sweep delivers everything, in order, and marks it sent.
    assert_eq!(sender.clone().sweep().await, 1);
    assert_eq!(platform.ids_to("77"), queued);
    // The last part's mark is committed by the SQLite group writer without the sender
    // waiting for it (`settle_in_order`): a reader sees it a moment later.
    let mut waited = 0;
    while !db
        .store
        .replies()
        .unsent(Channel::Telegram, "77")
        .await
        .unwrap()
        .is_empty()
    {
        waited += 1;
        assert!(waited < 100, "the parts were never marked sent");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Nothing is sent twice: not by another sweep, not by a flush of the address.
    assert_eq!(sender.clone().sweep().await, 0);
    let flushed = sender.flush("77").await.unwrap();
    assert_eq!(flushed.sent, 0);
    assert_eq!(platform.ids_to("77"), queued);
}

/// Two processes on one database: while one sender's claim on an address's parts runs,
/// another gets none of them; once the lease ran out (its holder died), it gets them all.
async fn a_claimed_address_is_left_to_its_sender(db: &Db) {
    let receiver = Receiver::new(conversations(&db.store), Arc::new(SystemClock));
    let (_, token) = roster_respondent(&db.store, "Citra").await;
    receiver
        .receive(&message("88", "1", Content::Start { token: Some(token) }))
        .await
        .unwrap();
    let replies = db.store.replies();
    let now = Utc::now();
    let lease = now + chrono::Duration::seconds(15);
    let a = replies
        .claim(Channel::Telegram, "88", "sender-a", lease, now)
        .await
        .unwrap();
    assert!(!a.is_empty());
    assert!(a.windows(2).all(|w| w[0].id < w[1].id));
    let b = replies
        .claim(Channel::Telegram, "88", "sender-b", lease, now)
        .await
        .unwrap();
    assert!(b.is_empty(), "claimed twice: {b:?}");
    // The holder may claim again (its next flush).
    let again = replies
        .claim(Channel::Telegram, "88", "sender-a", lease, now)
        .await
        .unwrap();
    assert_eq!(again, a);
    // After the lease, another sender takes over.
    let later = lease + chrono::Duration::seconds(1);
    let b = replies
        .claim(Channel::Telegram, "88", "sender-b", later, later)
        .await
        .unwrap();
    assert_eq!(b, a);
}

both_backends!(
    replies_are_queued_with_the_step_and_a_redelivery_queues_nothing,
    parts_left_by_a_dead_process_are_sent_once_in_order,
    a_claimed_address_is_left_to_its_sender,
    numbers_racing_for_one_token_bind_once,
);

/// Several WhatsApp numbers (and web browsers) send one personal link at the same instant:
/// exactly one of each channel binds, the others are refused, whatever the interleaving.
async fn numbers_racing_for_one_token_bind_once(db: &Db) {
    let receiver = Arc::new(Receiver::new(
        conversations(&db.store),
        Arc::new(SystemClock),
    ));
    for round in 0..10 {
        let (id, token) = roster_respondent(&db.store, &format!("Racer{round}")).await;
        let barrier = Arc::new(tokio::sync::Barrier::new(12));
        let mut tasks = Vec::new();
        for i in 0..12 {
            let (receiver, barrier, token) = (receiver.clone(), barrier.clone(), token.clone());
            let channel = if i % 2 == 0 {
                Channel::WhatsApp
            } else {
                Channel::Web
            };
            tasks.push(tokio::spawn(async move {
                let inbound = Inbound {
                    channel,
                    address: format!("62812{round:03}{i:04}"),
                    message_id: Some(format!("race-{round}-{i}")),
                    content: Content::Start { token: Some(token) },
                    language_hint: None,
                    profile_name: None,
                };
                barrier.wait().await;
                receiver.receive(&inbound).await.expect("received")
            }));
        }
        for t in tasks {
            t.await.expect("no panic");
        }
        for channel in ["whatsapp", "web"] {
            let bound = db
                .store
                .respondents()
                .channel_addresses(id, channel)
                .await
                .unwrap();
            assert_eq!(bound.len(), 1, "round {round}, {channel}: {bound:?}");
        }
    }
}
