//! Types shared by the pure core and the shell: languages, session status, answer keys and
//! normalised answer values. They carry no behaviour beyond conversions, so every layer can
//! depend on them without depending on each other.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A language the bot speaks. Only languages with a full set of bot messages in `locales/`
/// exist here, so a flow cannot offer a language the bot itself cannot speak.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Bahasa Indonesia, the default.
    #[default]
    Id,
    /// English.
    En,
}

impl Lang {
    /// All languages, default first.
    pub const ALL: [Lang; 2] = [Lang::Id, Lang::En];

    /// The BCP 47 tag (`id`, `en`).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    /// Parses a tag such as `id`, `en`, `en-US`, `in` (old code for Indonesian); case-insensitive.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match primary.as_str() {
            "id" | "in" | "ind" => Some(Lang::Id),
            "en" | "eng" => Some(Lang::En),
            _ => None,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

/// A chat channel. Its [`Channel::as_str`] is the name stored in `channel_bindings`,
/// `inbound_messages`, the wave outbox and the reply outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// The terminal chat (`jejak chat`).
    Console,
    /// Telegram (the address is the chat id).
    Telegram,
    /// WhatsApp (the address is the E.164 number).
    WhatsApp,
    /// The web chat (the address is the browser's id).
    Web,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 4] = [
        Channel::Console,
        Channel::Telegram,
        Channel::WhatsApp,
        Channel::Web,
    ];

    /// The stored name: `console`, `telegram`, `whatsapp`, `web`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Channel::Console => "console",
            Channel::Telegram => "telegram",
            Channel::WhatsApp => "whatsapp",
            Channel::Web => "web",
        }
    }

    /// The channel of a stored name.
    pub fn parse(name: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// Whether the channel's address is a phone number, so a first message can be matched
    /// to the roster's phone.
    pub fn address_is_phone(self) -> bool {
        self == Channel::WhatsApp
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a respondent stands in one flow. The engine's full state carries more (position,
/// history); this is the part the store indexes and reports count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    /// On the roster, never talked to the bot.
    Invited,
    /// Shown the consent text, has not agreed yet.
    Consent,
    /// Answering questions.
    Answering,
    /// Finished the flow.
    Completed,
    /// Declined consent or stopped.
    OptedOut,
    /// The flow closed before the respondent finished.
    Expired,
}

impl SessionStatus {
    /// The text stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Invited => "invited",
            SessionStatus::Consent => "consent",
            SessionStatus::Answering => "answering",
            SessionStatus::Completed => "completed",
            SessionStatus::OptedOut => "opted_out",
            SessionStatus::Expired => "expired",
        }
    }

    /// Parses the stored text.
    pub fn parse(s: &str) -> Option<SessionStatus> {
        Some(match s {
            "invited" => SessionStatus::Invited,
            "consent" => SessionStatus::Consent,
            "answering" => SessionStatus::Answering,
            "completed" => SessionStatus::Completed,
            "opted_out" => SessionStatus::OptedOut,
            "expired" => SessionStatus::Expired,
            _ => return None,
        })
    }

    /// Whether the session has ended (no more questions will be asked).
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            SessionStatus::Completed | SessionStatus::OptedOut | SessionStatus::Expired
        )
    }
}

/// Identifies one answer: the question code and, inside a repeat group, the 1-based
/// iteration (0 outside repeats).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AnswerKey {
    /// The question's stable code (e.g. `f8`).
    pub code: String,
    /// 0 outside a repeat group; 1, 2, … for each item of a repeat group.
    pub iteration: u32,
}

impl AnswerKey {
    /// A key outside any repeat group.
    pub fn plain(code: impl Into<String>) -> Self {
        AnswerKey {
            code: code.into(),
            iteration: 0,
        }
    }

    /// The export column name: `f8`, or `job_employer_2` for the second repeat item.
    pub fn column(&self) -> String {
        if self.iteration == 0 {
            self.code.clone()
        } else {
            format!("{}_{}", self.code, self.iteration)
        }
    }
}

/// An answer key as borrowed parts, so a `BTreeMap<AnswerKey, _>` can be searched with
/// `map.get(&(code, iteration) as &dyn AnswerKeyRef)` without allocating a key. Ordered
/// exactly as [`AnswerKey`] (code, then iteration).
pub trait AnswerKeyRef {
    /// The question code.
    fn code(&self) -> &str;
    /// The repeat iteration.
    fn iteration(&self) -> u32;
}

impl AnswerKeyRef for AnswerKey {
    fn code(&self) -> &str {
        &self.code
    }
    fn iteration(&self) -> u32 {
        self.iteration
    }
}

impl AnswerKeyRef for (&str, u32) {
    fn code(&self) -> &str {
        self.0
    }
    fn iteration(&self) -> u32 {
        self.1
    }
}

impl<'a> std::borrow::Borrow<dyn AnswerKeyRef + 'a> for AnswerKey {
    fn borrow(&self) -> &(dyn AnswerKeyRef + 'a) {
        self
    }
}

impl PartialEq for dyn AnswerKeyRef + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.iteration() == other.iteration() && self.code() == other.code()
    }
}

impl Eq for dyn AnswerKeyRef + '_ {}

impl PartialOrd for dyn AnswerKeyRef + '_ {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for dyn AnswerKeyRef + '_ {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // The same order as the derived `Ord` of `AnswerKey`.
        self.code()
            .cmp(other.code())
            .then(self.iteration().cmp(&other.iteration()))
    }
}

/// A normalised answer, independent of how the respondent typed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", content = "v", rename_all = "snake_case")]
pub enum Value {
    /// Free text (already trimmed).
    Text(String),
    /// A whole number.
    Integer(i64),
    /// A number with a fractional part.
    Decimal(f64),
    /// An amount in whole rupiah.
    Money(i64),
    /// The code of the chosen option.
    Choice(String),
    /// The codes of the chosen options, in the flow's option order.
    Choices(Vec<String>),
    /// A point on a Likert scale.
    Scale(i64),
    /// A grid row: one point per scale, in the grid's scale order.
    Ratings(Vec<i64>),
    /// Yes (true) or no (false).
    Bool(bool),
    /// A calendar date.
    Date(NaiveDate),
    /// A month of a year.
    MonthYear {
        /// Four-digit year.
        year: i32,
        /// 1–12.
        month: u32,
    },
    /// A phone number in E.164 form (`+6281234567890`).
    Phone(String),
    /// An email address, lower-cased domain.
    Email(String),
    /// The respondent skipped an optional question.
    Skipped,
    /// The respondent declined to answer a `refusable` question ("rahasia"); exported
    /// with the flow's `missing.refused` code, apart from a skip.
    Refused,
}

impl Value {
    /// The value as it appears in a CSV export cell (codes for choices, `1`/`0` for yes/no,
    /// ISO dates, `YYYY-MM` for month-year, empty for skipped).
    pub fn export(&self) -> String {
        match self {
            Value::Text(s) | Value::Choice(s) | Value::Phone(s) | Value::Email(s) => s.clone(),
            Value::Integer(n) | Value::Money(n) | Value::Scale(n) => n.to_string(),
            Value::Decimal(x) => x.to_string(),
            Value::Choices(v) => v.join(";"),
            Value::Ratings(v) => v.iter().map(i64::to_string).collect::<Vec<_>>().join(" "),
            Value::Bool(b) => if *b { "1" } else { "0" }.to_string(),
            Value::Date(d) => d.format("%Y-%m-%d").to_string(),
            Value::MonthYear { year, month } => format!("{year:04}-{month:02}"),
            Value::Skipped | Value::Refused => String::new(),
        }
    }

    /// The value as a number, for numeric comparisons in conditions.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Integer(n) | Value::Money(n) | Value::Scale(n) => Some(*n as f64),
            Value::Decimal(x) => Some(*x),
            _ => None,
        }
    }
}

/// What the roster knows about a respondent, usable in conditions and piped into texts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RespondentFields {
    /// Display name (piped as `{ $name }`).
    pub name: Option<String>,
    /// Roster id such as NISN/NIM.
    pub external_id: Option<String>,
    /// Cohort or graduation year.
    pub cohort: Option<String>,
    /// Programme / kompetensi keahlian.
    pub programme: Option<String>,
    /// School or unit.
    pub school: Option<String>,
    /// Province.
    pub province: Option<String>,
    /// Any other roster column.
    pub extra: BTreeMap<String, String>,
    /// Phone number, shown back to the respondent by `/datasaya` only (not a condition
    /// field, not piped into texts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// E-mail address, shown by `/datasaya` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Birth date (`YYYY-MM-DD`), shown by `/datasaya` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
}

impl RespondentFields {
    /// The names usable as `field:` in conditions and `{ $… }` in texts (besides `extra.*`).
    pub const KNOWN: [&'static str; 6] = [
        "name",
        "external_id",
        "cohort",
        "programme",
        "school",
        "province",
    ];

    /// Looks a field up by name (`cohort`, `extra.nisn`, …).
    pub fn get(&self, name: &str) -> Option<&str> {
        match name {
            "name" => self.name.as_deref(),
            "external_id" => self.external_id.as_deref(),
            "cohort" => self.cohort.as_deref(),
            "programme" => self.programme.as_deref(),
            "school" => self.school.as_deref(),
            "province" => self.province.as_deref(),
            other => other
                .strip_prefix("extra.")
                .and_then(|k| self.extra.get(k))
                .map(String::as_str),
        }
    }
}

/// A change to the stored answers.
#[derive(Debug, Clone, PartialEq)]
pub enum AnswerChange {
    /// Set (or replace) an answer.
    Set {
        /// Which answer.
        key: AnswerKey,
        /// What was typed.
        raw: String,
        /// What it means.
        value: Value,
    },
    /// The answer left the path (the respondent went back over it).
    Retract {
        /// Which answer.
        key: AnswerKey,
    },
    /// Every answer left the path (restart).
    RetractAll,
    /// Every answer of the session, retracted ones included, is deleted from the store (the
    /// respondent withdrew and chose not to keep what they had answered).
    EraseAll,
    /// The respondent asked to be forgotten (`/hapus`): every answer of every session of
    /// theirs is deleted, their personal fields and channel bindings erased; the row stays
    /// as a tombstone so the report's counts stay honest.
    EraseRespondent,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrowed_answer_keys_order_and_find_like_owned_ones() {
        let keys: [(&str, u32); 7] = [
            ("a", 0),
            ("a", 2),
            ("a", 10),
            ("ab", 0),
            ("b", 1),
            ("job_x", 3),
            ("", 0),
        ];
        for (c1, i1) in keys {
            for (c2, i2) in keys {
                let (k1, k2) = (
                    AnswerKey {
                        code: c1.into(),
                        iteration: i1,
                    },
                    AnswerKey {
                        code: c2.into(),
                        iteration: i2,
                    },
                );
                let (r1, r2): (&dyn AnswerKeyRef, &dyn AnswerKeyRef) = (&(c1, i1), &(c2, i2));
                assert_eq!(k1.cmp(&k2), r1.cmp(r2));
            }
        }
        let map: BTreeMap<AnswerKey, usize> = keys
            .iter()
            .enumerate()
            .map(|(n, (c, i))| {
                (
                    AnswerKey {
                        code: (*c).into(),
                        iteration: *i,
                    },
                    n,
                )
            })
            .collect();
        for (n, (c, i)) in keys.iter().enumerate() {
            assert_eq!(map.get(&(*c, *i) as &dyn AnswerKeyRef), Some(&n));
        }
        assert_eq!(map.get(&("a", 1u32) as &dyn AnswerKeyRef), None);
    }
}
