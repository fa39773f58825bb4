//! The webhook's JSON, as the Cloud API documents it: `entry[].changes[].value` with
//! `messages[]` (what respondents send) and `statuses[]` (what happened to what the bot
//! sent).
//!
//! Read as leniently as the data allows, because one odd field must not cost a body its
//! other messages: the envelope keeps each message and status as raw JSON, and each is
//! decoded on its own ([`read_message`], [`read_status`]); inside one, every field is
//! optional, strings also come as numbers (a numeric `timestamp`), and a nested object of
//! an unexpected shape reads as absent. Only a message that is not even an object is
//! unreadable; the processor logs its id and goes on with the rest. Recorded payloads and
//! where their shapes come from: `testdata/README.md`. A new shape goes there first, with
//! its row in `tests/payloads.rs`, then into [`Message::content`].

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A field read leniently: a value of another shape than `T` reads as `T::default()`.
fn lenient<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + Default,
{
    let v = Value::deserialize(d)?;
    Ok(serde_json::from_value(v).unwrap_or_default())
}

/// A string that may come as a number (Meta documents strings; some senders, proxies and
/// older API versions send numbers). Anything else reads as absent.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// As [`text`], with absent as the empty string.
fn text_or_empty<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    text(d).map(Option::unwrap_or_default)
}

/// A number that may come as a string.
fn number<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_i64().unwrap_or_default(),
        Value::String(s) => s.trim().parse().unwrap_or_default(),
        _ => 0,
    })
}

/// A webhook body.
#[derive(Debug, Default, Deserialize)]
pub struct Webhook {
    /// `whatsapp_business_account`.
    #[serde(default, deserialize_with = "text_or_empty")]
    pub object: String,
    /// One entry per business account.
    #[serde(default, deserialize_with = "lenient")]
    pub entry: Vec<Entry>,
}

/// One business account's changes.
#[derive(Debug, Default, Deserialize)]
pub struct Entry {
    /// The changes.
    #[serde(default, deserialize_with = "lenient")]
    pub changes: Vec<Change>,
}

/// One change.
#[derive(Debug, Default, Deserialize)]
pub struct Change {
    /// `messages` for messages and statuses.
    #[serde(default, deserialize_with = "text_or_empty")]
    pub field: String,
    /// What changed.
    #[serde(default, deserialize_with = "lenient")]
    pub value: ChangeValue,
}

/// The body of a `messages` change.
#[derive(Debug, Default, Deserialize)]
pub struct ChangeValue {
    /// Which number of the business received it.
    #[serde(default, deserialize_with = "lenient")]
    pub metadata: Option<Metadata>,
    /// Messages from respondents, each still raw: see [`read_message`].
    #[serde(default, deserialize_with = "lenient")]
    pub messages: Vec<Value>,
    /// Statuses of the bot's messages, each still raw: see [`read_status`].
    #[serde(default, deserialize_with = "lenient")]
    pub statuses: Vec<Value>,
}

/// The business number a change belongs to.
#[derive(Debug, Default, Deserialize)]
pub struct Metadata {
    /// The Cloud API phone number id.
    #[serde(default, deserialize_with = "text_or_empty")]
    pub phone_number_id: String,
}

/// A message from a respondent.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Message {
    /// The sender's WhatsApp number, digits only (no `+`). Absent when the sender hides
    /// their number behind a username: then only [`Message::from_user_id`] says who wrote.
    #[serde(default, deserialize_with = "text")]
    pub from: Option<String>,
    /// The sender's business-scoped user id (BSUID, `CC.<digits>`), sent since 2026.
    #[serde(default, deserialize_with = "text")]
    pub from_user_id: Option<String>,
    /// The message id (`wamid.…`).
    #[serde(default, deserialize_with = "text_or_empty")]
    pub id: String,
    /// Unix seconds (documented as a string; numbers are read too).
    #[serde(default, deserialize_with = "text")]
    pub timestamp: Option<String>,
    /// `text`, `interactive`, `button`, `image`, `reaction`, `system`, …
    #[serde(default, rename = "type", deserialize_with = "text_or_empty")]
    pub kind: String,
    /// For `text`.
    #[serde(default, deserialize_with = "lenient")]
    pub text: Option<TextBody>,
    /// For `interactive` (a reply button pressed, a list row chosen).
    #[serde(default, deserialize_with = "lenient")]
    pub interactive: Option<Interactive>,
    /// For `button` (a template's quick-reply button).
    #[serde(default, deserialize_with = "lenient")]
    pub button: Option<QuickReply>,
    /// For `system` (a changed number, a changed identity).
    #[serde(default, deserialize_with = "lenient")]
    pub system: Option<System>,
    /// Forwarding marks and the message replied to.
    #[serde(default, deserialize_with = "lenient")]
    pub context: Option<Context>,
}

/// A text message's body.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TextBody {
    /// The text.
    #[serde(default, deserialize_with = "text_or_empty")]
    pub body: String,
}

/// A reply to an interactive message.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Interactive {
    /// `button_reply` or `list_reply`.
    #[serde(default, rename = "type", deserialize_with = "text_or_empty")]
    pub kind: String,
    /// The button pressed.
    #[serde(default, deserialize_with = "lenient")]
    pub button_reply: Option<ReplyRef>,
    /// The list row chosen.
    #[serde(default, deserialize_with = "lenient")]
    pub list_reply: Option<ReplyRef>,
}

/// The id and title of a pressed button or chosen row.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReplyRef {
    /// The id the bot gave it.
    #[serde(default, deserialize_with = "text_or_empty")]
    pub id: String,
    /// What it said.
    #[serde(default, deserialize_with = "text_or_empty")]
    pub title: String,
}

/// A template's quick-reply button, pressed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct QuickReply {
    /// The payload the template gave it.
    #[serde(default, deserialize_with = "text_or_empty")]
    pub payload: String,
    /// What it said.
    #[serde(default, deserialize_with = "text_or_empty")]
    pub text: String,
}

/// A system message: WhatsApp telling the business something about the sender.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct System {
    /// `user_changed_number` (older: `customer_changed_number`), `user_changed_user_id`,
    /// `customer_identity_changed`, …
    #[serde(default, rename = "type", deserialize_with = "text_or_empty")]
    pub kind: String,
    /// The new number (current API versions).
    #[serde(default, deserialize_with = "text")]
    pub wa_id: Option<String>,
    /// The new number (older API versions).
    #[serde(default, deserialize_with = "text")]
    pub new_wa_id: Option<String>,
    /// The new business-scoped user id (`user_changed_user_id`).
    #[serde(default, deserialize_with = "text")]
    pub user_id: Option<String>,
    /// The old business-scoped user id (`user_changed_user_id`).
    #[serde(default, deserialize_with = "text")]
    pub previous_user_id: Option<String>,
}

/// A message's context.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Context {
    /// Forwarded by the sender.
    #[serde(default, deserialize_with = "lenient")]
    pub forwarded: bool,
    /// Forwarded many times.
    #[serde(default, deserialize_with = "lenient")]
    pub frequently_forwarded: bool,
}

/// The status of a message the bot sent.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Status {
    /// The bot message's id.
    #[serde(default, deserialize_with = "text_or_empty")]
    pub id: String,
    /// `sent`, `delivered`, `read`, `failed`.
    #[serde(default, deserialize_with = "text_or_empty")]
    pub status: String,
    /// Unix seconds (documented as a string; numbers are read too).
    #[serde(default, deserialize_with = "text")]
    pub timestamp: Option<String>,
    /// The number the message went to, digits only.
    #[serde(default, deserialize_with = "text")]
    pub recipient_id: Option<String>,
    /// Why it failed.
    #[serde(default, deserialize_with = "lenient")]
    pub errors: Vec<StatusError>,
}

/// An error of a failed status.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StatusError {
    /// Meta's error code (131047, 131026, …).
    #[serde(default, deserialize_with = "number")]
    pub code: i64,
    /// A short title.
    #[serde(default, deserialize_with = "text_or_empty")]
    pub title: String,
    /// Details.
    #[serde(default, deserialize_with = "lenient")]
    pub error_data: Option<ErrorData>,
}

/// Error details.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ErrorData {
    /// Details.
    #[serde(default, deserialize_with = "text_or_empty")]
    pub details: String,
}

impl StatusError {
    /// `131047: Re-engagement message (details)`, as stored with the delivery record.
    pub fn describe(&self) -> String {
        match self.error_data.as_ref().filter(|d| !d.details.is_empty()) {
            Some(d) => format!("{}: {} ({})", self.code, self.title, d.details),
            None => format!("{}: {}", self.code, self.title),
        }
    }
}

/// What a respondent's message means to the bot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// Typed text.
    Text(String),
    /// A reply button pressed or a list row chosen: the id the bot gave it, and its title.
    Choice {
        /// The id.
        id: String,
        /// The title shown.
        title: String,
    },
    /// Something the person sent that the bot cannot read (an image, a voice note, a
    /// location…): its type. Answered with the "text and buttons only" hint.
    Unsupported(String),
    /// Not a message from the person to answer: a reaction (added or removed), a deleted
    /// (revoked) message, an edit, a system notice. Silence: a hint would answer something
    /// the person did not say to the bot. Its type.
    Silent(String),
    /// The sender moved to another WhatsApp address (`user_changed_number`, or a new
    /// business-scoped user id): the binding follows, the history stays.
    Moved {
        /// The new number (digits) or business-scoped user id.
        to: String,
    },
}

impl Message {
    /// What the message says.
    pub fn content(&self) -> Content {
        match self.kind.as_str() {
            "text" => Content::Text(
                self.text
                    .as_ref()
                    .map(|t| t.body.clone())
                    .unwrap_or_default(),
            ),
            "interactive" => {
                let r = self
                    .interactive
                    .as_ref()
                    .and_then(|i| i.button_reply.as_ref().or(i.list_reply.as_ref()));
                match r {
                    Some(r) => Content::Choice {
                        id: r.id.clone(),
                        title: r.title.clone(),
                    },
                    None => Content::Unsupported("interactive".into()),
                }
            }
            // A template's quick-reply button: its text is what the respondent meant.
            "button" => Content::Text(
                self.button
                    .as_ref()
                    .map(|b| {
                        if b.text.is_empty() {
                            b.payload.clone()
                        } else {
                            b.text.clone()
                        }
                    })
                    .unwrap_or_default(),
            ),
            // An edit refers to a message already answered: the engine has moved on, and
            // changing an earlier answer is what `/kembali` is for. Silent, as Telegram's
            // `edited_message` is.
            "reaction" | "revoke" | "edit" | "request_welcome" | "ephemeral" => {
                Content::Silent(self.kind.clone())
            }
            "system" => {
                let system = self.system.clone().unwrap_or_default();
                let to = match system.kind.as_str() {
                    "user_changed_number" | "customer_changed_number" => {
                        system.wa_id.or(system.new_wa_id)
                    }
                    "user_changed_user_id" => system.user_id,
                    _ => None,
                };
                match to.filter(|t| !t.trim().is_empty()) {
                    Some(to) => Content::Moved { to },
                    None => Content::Silent(format!("system:{}", system.kind)),
                }
            }
            other => Content::Unsupported(other.to_string()),
        }
    }

    /// The address the sender had before a `user_changed_user_id` notice (which carries no
    /// `from`); `None` for every other message.
    pub fn previous_user_id(&self) -> Option<&str> {
        self.system
            .as_ref()
            .filter(|s| s.kind == "user_changed_user_id")
            .and_then(|s| s.previous_user_id.as_deref())
    }

    /// Whether the sender forwarded it (taken as an answer all the same: see
    /// ARCHITECTURE.md, "Forwarded messages").
    pub fn forwarded(&self) -> bool {
        self.context
            .as_ref()
            .is_some_and(|c| c.forwarded || c.frequently_forwarded)
    }

    /// When it was sent, if the timestamp is readable.
    pub fn sent_at(&self) -> Option<DateTime<Utc>> {
        parse_timestamp(self.timestamp.as_deref())
    }
}

/// Unix seconds given as a string.
pub fn parse_timestamp(s: Option<&str>) -> Option<DateTime<Utc>> {
    s.and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|secs| DateTime::from_timestamp(secs, 0))
}

/// Parses a webhook body's envelope. Fails only when the body is not JSON (or not an
/// object); messages and statuses are read one by one afterwards.
pub fn parse(body: &str) -> Result<Webhook, serde_json::Error> {
    serde_json::from_str(body)
}

/// Reads one raw message; `Err` carries its id when it has one (for the log line).
pub fn read_message(raw: Value) -> Result<Message, Option<String>> {
    let id = raw.get("id").and_then(Value::as_str).map(str::to_owned);
    serde_json::from_value(raw).map_err(|_| id)
}

/// Reads one raw status; `Err` carries its id when it has one (for the log line).
pub fn read_status(raw: Value) -> Result<Status, Option<String>> {
    let id = raw.get("id").and_then(Value::as_str).map(str::to_owned);
    serde_json::from_value(raw).map_err(|_| id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn testdata(name: &str) -> String {
        let path = format!(
            "{}/src/channel/whatsapp/testdata/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn only_value(w: &Webhook) -> &ChangeValue {
        &w.entry[0].changes[0].value
    }

    fn first_message(w: &Webhook) -> Message {
        read_message(only_value(w).messages[0].clone()).unwrap()
    }

    fn first_status(w: &Webhook) -> Status {
        read_status(only_value(w).statuses[0].clone()).unwrap()
    }

    #[test]
    fn text_message() {
        let w = parse(&testdata("message_text.json")).unwrap();
        assert_eq!(w.object, "whatsapp_business_account");
        let v = only_value(&w);
        assert_eq!(
            v.metadata.as_ref().unwrap().phone_number_id,
            "106540352242922"
        );
        let m = read_message(v.messages[0].clone()).unwrap();
        assert_eq!(m.from.as_deref(), Some("6281234567890"));
        assert!(m.id.starts_with("wamid."));
        assert_eq!(m.content(), Content::Text("MULAI abc123".into()));
        assert_eq!(m.sent_at().unwrap().timestamp(), 1764493200);
    }

    #[test]
    fn button_and_list_replies() {
        let w = parse(&testdata("message_button_reply.json")).unwrap();
        assert_eq!(
            first_message(&w).content(),
            Content::Choice {
                id: "j1:@consent|yes".into(),
                title: "Ya".into()
            }
        );
        let w = parse(&testdata("message_list_reply.json")).unwrap();
        assert_eq!(
            first_message(&w).content(),
            Content::Choice {
                id: "j1:f8|1".into(),
                title: "Bekerja".into()
            }
        );
    }

    #[test]
    fn unsupported_message() {
        let w = parse(&testdata("message_image.json")).unwrap();
        assert_eq!(
            first_message(&w).content(),
            Content::Unsupported("image".into())
        );
    }

    #[test]
    fn statuses() {
        let w = parse(&testdata("status_delivered.json")).unwrap();
        let s = first_status(&w);
        assert_eq!(s.status, "delivered");
        assert!(s.errors.is_empty());
        let w = parse(&testdata("status_failed.json")).unwrap();
        let s = first_status(&w);
        assert_eq!(s.status, "failed");
        assert_eq!(s.errors[0].code, 131047);
        assert!(s.errors[0].describe().starts_with("131047: "));
    }

    #[test]
    fn unknown_fields_and_missing_ones_do_not_fail() {
        let w = parse(r#"{"object":"x","entry":[{"id":"1","changes":[{"field":"messages","value":{"new_thing":1}}]}]}"#).unwrap();
        assert!(only_value(&w).messages.is_empty());
        assert!(parse("not json").is_err());
    }

    #[test]
    fn odd_fields_cost_only_themselves() {
        let w = parse(r#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{
            "metadata":{"phone_number_id":106540352242922},
            "messages":[42,
              {"from":6281234567890,"id":"wamid.B","timestamp":1764493200,"type":"text","text":{"body":"halo"},"context":{"forwarded":"yes"}},
              {"from":"6281234567890","id":"wamid.C","type":"text","text":"not an object"}],
            "statuses":[{"id":"wamid.S","status":"failed","timestamp":1764493201,"errors":[{"code":"131026","title":"x"}]}]}}]}]}"#).unwrap();
        let v = only_value(&w);
        assert_eq!(
            v.metadata.as_ref().unwrap().phone_number_id,
            "106540352242922"
        );
        assert_eq!(read_message(v.messages[0].clone()).unwrap_err(), None);
        let b = read_message(v.messages[1].clone()).unwrap();
        assert_eq!(b.from.as_deref(), Some("6281234567890"));
        assert_eq!(b.sent_at().unwrap().timestamp(), 1764493200);
        assert_eq!(b.content(), Content::Text("halo".into()));
        assert!(!b.forwarded());
        let c = read_message(v.messages[2].clone()).unwrap();
        assert_eq!(c.content(), Content::Text(String::new()));
        let s = read_status(v.statuses[0].clone()).unwrap();
        assert_eq!(s.errors[0].code, 131026);
        assert_eq!(
            parse_timestamp(s.timestamp.as_deref()).unwrap().timestamp(),
            1764493201
        );
    }

    #[test]
    fn silence_and_moves() {
        let m = |v: serde_json::Value| read_message(v).unwrap().content();
        let silent = |k: &str| Content::Silent(k.into());
        assert_eq!(
            m(
                serde_json::json!({"type":"reaction","reaction":{"message_id":"wamid.x","emoji":""}})
            ),
            silent("reaction")
        );
        assert_eq!(
            m(serde_json::json!({"type":"revoke","revoke":{"original_message_id":"wamid.x"}})),
            silent("revoke")
        );
        assert_eq!(m(serde_json::json!({"type":"edit"})), silent("edit"));
        assert_eq!(
            m(serde_json::json!({"type":"system","system":{"type":"customer_identity_changed"}})),
            silent("system:customer_identity_changed")
        );
        assert_eq!(
            m(
                serde_json::json!({"type":"system","system":{"type":"user_changed_number","wa_id":"6289876543210"}})
            ),
            Content::Moved {
                to: "6289876543210".into()
            }
        );
        assert_eq!(
            m(
                serde_json::json!({"type":"system","system":{"type":"customer_changed_number","new_wa_id":"6289876543210"}})
            ),
            Content::Moved {
                to: "6289876543210".into()
            }
        );
        assert_eq!(
            m(serde_json::json!({"type":"sticker"})),
            Content::Unsupported("sticker".into())
        );
        assert_eq!(
            m(serde_json::json!({"type":"unsupported"})),
            Content::Unsupported("unsupported".into())
        );
    }
}
