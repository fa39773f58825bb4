//! The webhook's JSON, as the Cloud API documents it: `entry[].changes[].value` with
//! `messages[]` (what respondents send) and `statuses[]` (what happened to what the bot
//! sent). Every field the channel does not need is ignored, and every field it needs is
//! optional in parsing, so a shape Meta adds later never makes a whole body unreadable.
//! Recorded payloads live in `testdata/`.

use chrono::{DateTime, Utc};
use serde::Deserialize;

/// A webhook body.
#[derive(Debug, Deserialize)]
pub struct Webhook {
    /// `whatsapp_business_account`.
    #[serde(default)]
    pub object: String,
    /// One entry per business account.
    #[serde(default)]
    pub entry: Vec<Entry>,
}

/// One business account's changes.
#[derive(Debug, Deserialize)]
pub struct Entry {
    /// The changes.
    #[serde(default)]
    pub changes: Vec<Change>,
}

/// One change.
#[derive(Debug, Deserialize)]
pub struct Change {
    /// `messages` for messages and statuses.
    #[serde(default)]
    pub field: String,
    /// What changed.
    #[serde(default)]
    pub value: ChangeValue,
}

/// The body of a `messages` change.
#[derive(Debug, Default, Deserialize)]
pub struct ChangeValue {
    /// Which number of the business received it.
    #[serde(default)]
    pub metadata: Option<Metadata>,
    /// Messages from respondents.
    #[serde(default)]
    pub messages: Vec<Message>,
    /// Statuses of the bot's messages.
    #[serde(default)]
    pub statuses: Vec<Status>,
}

/// The business number a change belongs to.
#[derive(Debug, Deserialize)]
pub struct Metadata {
    /// The Cloud API phone number id.
    #[serde(default)]
    pub phone_number_id: String,
}

/// A message from a respondent.
#[derive(Debug, Clone, Deserialize)]
pub struct Message {
    /// The sender's WhatsApp number, digits only (no `+`).
    #[serde(default)]
    pub from: String,
    /// The message id (`wamid.…`).
    #[serde(default)]
    pub id: String,
    /// Unix seconds, as a string.
    #[serde(default)]
    pub timestamp: Option<String>,
    /// `text`, `interactive`, `button`, `image`, …
    #[serde(default, rename = "type")]
    pub kind: String,
    /// For `text`.
    #[serde(default)]
    pub text: Option<TextBody>,
    /// For `interactive` (a reply button pressed, a list row chosen).
    #[serde(default)]
    pub interactive: Option<Interactive>,
    /// For `button` (a template's quick-reply button).
    #[serde(default)]
    pub button: Option<QuickReply>,
}

/// A text message's body.
#[derive(Debug, Clone, Deserialize)]
pub struct TextBody {
    /// The text.
    #[serde(default)]
    pub body: String,
}

/// A reply to an interactive message.
#[derive(Debug, Clone, Deserialize)]
pub struct Interactive {
    /// `button_reply` or `list_reply`.
    #[serde(default, rename = "type")]
    pub kind: String,
    /// The button pressed.
    #[serde(default)]
    pub button_reply: Option<ReplyRef>,
    /// The list row chosen.
    #[serde(default)]
    pub list_reply: Option<ReplyRef>,
}

/// The id and title of a pressed button or chosen row.
#[derive(Debug, Clone, Deserialize)]
pub struct ReplyRef {
    /// The id the bot gave it.
    #[serde(default)]
    pub id: String,
    /// What it said.
    #[serde(default)]
    pub title: String,
}

/// A template's quick-reply button, pressed.
#[derive(Debug, Clone, Deserialize)]
pub struct QuickReply {
    /// The payload the template gave it.
    #[serde(default)]
    pub payload: String,
    /// What it said.
    #[serde(default)]
    pub text: String,
}

/// The status of a message the bot sent.
#[derive(Debug, Clone, Deserialize)]
pub struct Status {
    /// The bot message's id.
    #[serde(default)]
    pub id: String,
    /// `sent`, `delivered`, `read`, `failed`.
    #[serde(default)]
    pub status: String,
    /// Unix seconds, as a string.
    #[serde(default)]
    pub timestamp: Option<String>,
    /// The number the message went to, digits only.
    #[serde(default)]
    pub recipient_id: Option<String>,
    /// Why it failed.
    #[serde(default)]
    pub errors: Vec<StatusError>,
}

/// An error of a failed status.
#[derive(Debug, Clone, Deserialize)]
pub struct StatusError {
    /// Meta's error code (131047, 131026, …).
    #[serde(default)]
    pub code: i64,
    /// A short title.
    #[serde(default)]
    pub title: String,
    /// Details.
    #[serde(default)]
    pub error_data: Option<ErrorData>,
}

/// Error details.
#[derive(Debug, Clone, Deserialize)]
pub struct ErrorData {
    /// Details.
    #[serde(default)]
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
    /// Something the bot cannot read (an image, a voice note, a location…): its type.
    Unsupported(String),
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
            other => Content::Unsupported(other.to_string()),
        }
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

/// Parses a webhook body.
pub fn parse(body: &str) -> Result<Webhook, serde_json::Error> {
    serde_json::from_str(body)
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

    #[test]
    fn text_message() {
        let w = parse(&testdata("message_text.json")).unwrap();
        assert_eq!(w.object, "whatsapp_business_account");
        let v = only_value(&w);
        assert_eq!(
            v.metadata.as_ref().unwrap().phone_number_id,
            "106540352242922"
        );
        let m = &v.messages[0];
        assert_eq!(m.from, "6281234567890");
        assert!(m.id.starts_with("wamid."));
        assert_eq!(m.content(), Content::Text("MULAI abc123".into()));
        assert_eq!(m.sent_at().unwrap().timestamp(), 1764493200);
    }

    #[test]
    fn button_and_list_replies() {
        let w = parse(&testdata("message_button_reply.json")).unwrap();
        assert_eq!(
            only_value(&w).messages[0].content(),
            Content::Choice {
                id: "j1:@consent|yes".into(),
                title: "Ya".into()
            }
        );
        let w = parse(&testdata("message_list_reply.json")).unwrap();
        assert_eq!(
            only_value(&w).messages[0].content(),
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
            only_value(&w).messages[0].content(),
            Content::Unsupported("image".into())
        );
    }

    #[test]
    fn statuses() {
        let w = parse(&testdata("status_delivered.json")).unwrap();
        let s = &only_value(&w).statuses[0];
        assert_eq!(s.status, "delivered");
        assert!(s.errors.is_empty());
        let w = parse(&testdata("status_failed.json")).unwrap();
        let s = &only_value(&w).statuses[0];
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
}
