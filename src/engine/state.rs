//! The persisted state of one respondent in one flow, and what a step produces.

pub use crate::model::AnswerChange;
use crate::model::{AnswerKey, Lang, SessionStatus, Value};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where the conversation stands. `Question` and `More` carry the repeat-group iteration
/// (0 outside groups).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "at", rename_all = "snake_case")]
pub enum Position {
    /// Asking the item with this index.
    Question {
        /// Item index in the flow.
        item: usize,
        /// Repeat iteration (0 outside groups).
        iteration: u32,
    },
    /// Asking whether the repeat group has another item.
    More {
        /// Group index.
        group: usize,
        /// The iteration just finished.
        iteration: u32,
    },
}

/// One step of the respondent's path, as recorded in the history used by `/kembali`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// Where the respondent was.
    pub at: Position,
    /// For `More`: whether they said there is another item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub another: Option<bool>,
}

/// A question the bot asked and is waiting a confirmation for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pending {
    /// `/ulang`: waiting for yes/no.
    Restart,
    /// `/berhenti`: waiting for yes/no.
    Stop,
    /// `/bahasa`: waiting for a language.
    Language,
    /// After a confirmed `/berhenti` with answers given: keep them (yes) or delete them (no).
    Keep,
    /// `/hapus`: waiting for yes/no before erasing the respondent's data.
    Erase,
    /// `/ubah`: waiting for the number of the answer to change.
    EditPick,
    /// `/ubah`: waiting for the new answer to the question at `target`.
    Edit {
        /// The question answered again.
        target: Position,
    },
    /// A soft check: the answer to `target` (kept in `SessionState::unsure`) looks
    /// implausible; yes keeps it, anything else is a new answer.
    Unsure {
        /// The question answered.
        target: Position,
        /// The answer was a change through `/ubah`.
        editing: bool,
    },
}

/// A stored answer: what was typed and what it means.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    /// The respondent's own words (or the button value).
    pub raw: String,
    /// The normalised value.
    pub value: Value,
}

/// The whole state of one session. Invariant (checked by `is_valid`): the answers are exactly
/// those of the `Question` steps in `history`, so what is on the path is what is kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionState {
    /// Where the session stands.
    pub status: SessionStatus,
    /// The respondent's language.
    pub lang: Lang,
    /// The question being asked (only while answering).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<Position>,
    /// Answered positions, oldest first.
    #[serde(default)]
    pub history: Vec<Step>,
    /// Answers on the path.
    #[serde(default, with = "answers_as_list")]
    pub answers: BTreeMap<AnswerKey, Answer>,
    /// A confirmation being waited for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<Pending>,
    /// Status before a stop, so `/mulai` can resume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume_at: Option<Position>,
    /// The matches a lookup question offered last, so a typed number picks one of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shown: Option<Shown>,
    /// The respondent's words awaiting an "are you sure?" (`Pending::Unsure`), read again
    /// when confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsure: Option<String>,
}

/// The rows a lookup offered, numbered from 1 in this order, at the position asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shown {
    /// The question they were offered for.
    pub at: Position,
    /// Their codes.
    pub codes: Vec<String>,
}

impl SessionState {
    /// A session for someone on the roster who has not talked to the bot yet.
    pub fn invited(lang: Lang) -> Self {
        SessionState {
            status: SessionStatus::Invited,
            lang,
            current: None,
            history: Vec::new(),
            answers: BTreeMap::new(),
            pending: None,
            resume_at: None,
            shown: None,
            unsure: None,
        }
    }

    /// Whether the state is internally consistent: answers match the path, the current
    /// position exists exactly while answering.
    pub fn is_valid(&self, items: usize, groups: usize) -> bool {
        let mut path_keys = Vec::new();
        for s in &self.history {
            match s.at {
                Position::Question { item, .. } if item >= items => return false,
                Position::More { group, .. } if group >= groups => return false,
                Position::Question { .. } if s.another.is_some() => return false,
                Position::More { .. } if s.another.is_none() => return false,
                _ => {}
            }
            if let Position::Question { item, iteration } = s.at {
                path_keys.push((item, iteration));
            }
        }
        let unique: std::collections::HashSet<_> = path_keys.iter().collect();
        let answering = self.status == crate::model::SessionStatus::Answering;
        unique.len() == path_keys.len()
            && path_keys.len() == self.answers.len()
            && answering == self.current.is_some()
            && self.current.is_none_or(|p| match p {
                Position::Question { item, .. } => item < items,
                Position::More { group, .. } => group < groups,
            })
    }
}

/// JSON maps need string keys; answers are stored as a list of `{key, raw, value}`.
mod answers_as_list {
    use super::{Answer, AnswerKey};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    #[derive(Serialize, Deserialize)]
    struct Entry {
        code: String,
        #[serde(default)]
        iteration: u32,
        raw: String,
        value: crate::model::Value,
    }

    pub fn serialize<S: Serializer>(
        m: &BTreeMap<AnswerKey, Answer>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let list: Vec<Entry> = m
            .iter()
            .map(|(k, a)| Entry {
                code: k.code.clone(),
                iteration: k.iteration,
                raw: a.raw.clone(),
                value: a.value.clone(),
            })
            .collect();
        list.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<AnswerKey, Answer>, D::Error> {
        let list = Vec::<Entry>::deserialize(d)?;
        Ok(list
            .into_iter()
            .map(|e| {
                (
                    AnswerKey {
                        code: e.code,
                        iteration: e.iteration,
                    },
                    Answer {
                        raw: e.raw,
                        value: e.value,
                    },
                )
            })
            .collect())
    }
}

/// What the respondent sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Typed text (commands start with `/`).
    Text(String),
    /// A pressed button: the question it belongs to (`Prompt::id`) and the option value.
    Button {
        /// The prompt id the button was made for.
        prompt: String,
        /// The option value.
        value: String,
    },
}

/// Something worth an entry in the event log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// Agreed to the consent text.
    Consented,
    /// Declined the consent text.
    Declined,
    /// Finished the flow.
    Completed,
    /// Stopped with `/berhenti`.
    OptedOut,
    /// Came back after stopping.
    Rejoined,
    /// Restarted with `/ulang`.
    Restarted,
    /// Changed language.
    LanguageChanged {
        /// The new language.
        lang: Lang,
    },
    /// The flow closed before they finished.
    Expired,
    /// Chose, after stopping, to delete the answers given.
    AnswersDeleted,
    /// Asked for their data to be erased (`/hapus`).
    Erased,
    /// Changed an earlier answer (`/ubah`).
    Edited,
}

/// An option offered with a prompt, for channels that show buttons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyOption {
    /// What a button press sends back (`Input::Button::value`).
    pub value: String,
    /// What the button says.
    pub label: String,
}

/// The question a reply asks, so channels can attach buttons and recognise stale ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prompt {
    /// Identifies this prompt (e.g. `f8`, `job_name#2`, `@consent`, `@more:jobs#1`).
    pub id: String,
    /// Options; empty for free answers.
    pub options: Vec<ReplyOption>,
    /// Several options may be chosen.
    pub multi: bool,
    /// Whether text-only channels list the options as a numbered list (false where the hint
    /// already says what to type, e.g. yes/no and Likert scales).
    pub numbered: bool,
}

/// One message from the bot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    /// The text, without the options.
    pub text: String,
    /// The question asked, if any.
    pub prompt: Option<Prompt>,
}

impl Reply {
    /// A message that asks nothing.
    pub fn say(text: impl Into<String>) -> Self {
        Reply {
            text: text.into(),
            prompt: None,
        }
    }

    /// The text with options as a numbered list, for channels without buttons.
    pub fn plain(&self) -> String {
        let mut s = self.text.clone();
        if let Some(p) = self.prompt.as_ref().filter(|p| p.numbered) {
            for (i, o) in p.options.iter().enumerate() {
                s.push_str(&format!("\n{}. {}", i + 1, o.label));
            }
        }
        s
    }
}

/// The result of one step.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The new state.
    pub state: SessionState,
    /// What to send, in order.
    pub replies: Vec<Reply>,
    /// Answer changes to store with the state, in one transaction.
    pub answers: Vec<AnswerChange>,
    /// Events to log.
    pub events: Vec<Event>,
}
