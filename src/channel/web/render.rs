//! Engine replies as the JSON the chat page shows. The page builds its DOM from text nodes
//! only (never `innerHTML`), so nothing here needs escaping: the structure itself says what
//! is bold. Lines are kept as lines; a line that is wholly `*title*` (how the engine marks a
//! section title) and `*word*` pairs inside a line become bold spans.
//!
//! A question's options become buttons; multiple choice becomes toggles plus a "done"
//! button whose answer is the chosen values joined with `,` (the engine's form for a
//! multiple-choice button answer). The prompt id travels with each button, so the engine
//! recognises a button pressed on an older question, as on Telegram and WhatsApp.

use serde::Serialize;

use crate::engine::Reply;
use crate::i18n::Catalog;
use crate::model::Lang;

/// One piece of a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Span {
    /// The text.
    pub t: String,
    /// Whether it is bold.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub b: bool,
}

/// A button of a question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebOption {
    /// What pressing it sends (`Content::Choice::value`).
    pub value: String,
    /// What it says.
    pub label: String,
}

/// The question a message asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebPrompt {
    /// The engine's prompt id (sent back with a pressed button).
    pub id: String,
    /// Several options may be chosen: toggles and a "done" button.
    pub multi: bool,
    /// The buttons, in the flow's order; empty for a typed answer.
    pub options: Vec<WebOption>,
    /// The label of the "done" button of multiple choice, in the conversation's language.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub done: Option<String>,
}

/// One message of the bot as the page receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebReply {
    /// Its place in the conversation (the reply outbox's id): the page's cursor.
    pub id: i64,
    /// The text, line by line; an empty line is a paragraph break.
    pub lines: Vec<Vec<Span>>,
    /// The question asked, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<WebPrompt>,
}

/// Renders one engine reply with its outbox id, in the conversation's language `lang` (for
/// the labels the channel adds itself).
pub fn render(catalog: &Catalog, id: i64, lang: Lang, reply: &Reply) -> WebReply {
    WebReply {
        id,
        lines: reply.text.lines().map(spans).collect(),
        prompt: reply.prompt.as_ref().map(|p| WebPrompt {
            id: p.id.clone(),
            multi: p.multi,
            options: p
                .options
                .iter()
                .map(|o| WebOption {
                    value: o.value.clone(),
                    label: o.label.clone(),
                })
                .collect(),
            done: p.multi.then(|| catalog.message(lang, "web-done", &[])),
        }),
    }
}

/// A line as spans: `*…*` pairs whose stars touch the word inside them (`*Judul*`, not
/// `3 * 4 * 5`) are bold; a star without its pair stays as typed.
pub fn spans(line: &str) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::new();
    let mut plain = String::new();
    let mut rest = line;
    while let Some(start) = rest.find('*') {
        let after = &rest[start + 1..];
        let opens = after
            .chars()
            .next()
            .is_some_and(|c| !c.is_whitespace() && c != '*')
            && rest[..start]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric());
        let close = opens
            .then(|| {
                after.char_indices().find(|&(i, c)| {
                    c == '*'
                        && after[..i]
                            .chars()
                            .next_back()
                            .is_some_and(|p| !p.is_whitespace())
                        && after[i + 1..]
                            .chars()
                            .next()
                            .is_none_or(|n| !n.is_alphanumeric())
                })
            })
            .flatten();
        match close {
            Some((end, _)) => {
                plain.push_str(&rest[..start]);
                if !plain.is_empty() {
                    out.push(Span {
                        t: std::mem::take(&mut plain),
                        b: false,
                    });
                }
                out.push(Span {
                    t: after[..end].to_string(),
                    b: true,
                });
                rest = &after[end + 1..];
            }
            None => {
                plain.push_str(&rest[..=start]);
                rest = after;
            }
        }
    }
    plain.push_str(rest);
    if !plain.is_empty() {
        out.push(Span { t: plain, b: false });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Prompt, ReplyOption};

    fn plain(t: &str) -> Span {
        Span {
            t: t.into(),
            b: false,
        }
    }
    fn bold(t: &str) -> Span {
        Span {
            t: t.into(),
            b: true,
        }
    }

    #[test]
    fn titles_and_word_pairs_are_bold_other_stars_stay() {
        assert_eq!(
            spans("*Persetujuan penggunaan data*"),
            vec![bold("Persetujuan penggunaan data")]
        );
        assert_eq!(
            spans("Ketik *ya* untuk setuju."),
            vec![plain("Ketik "), bold("ya"), plain(" untuk setuju.")]
        );
        assert_eq!(spans("3 * 4 * 5"), vec![plain("3 * 4 * 5")]);
        assert_eq!(spans("a*b*c"), vec![plain("a*b*c")]);
        assert_eq!(spans("*tanpa pasangan"), vec![plain("*tanpa pasangan")]);
        assert_eq!(spans("**"), vec![plain("**")]);
        assert_eq!(spans(""), Vec::<Span>::new());
        assert_eq!(
            spans("✅ *Jawaban*: Rp5.000.000"),
            vec![plain("✅ "), bold("Jawaban"), plain(": Rp5.000.000")]
        );
    }

    #[test]
    fn multiple_choice_gets_done_in_the_conversations_language() {
        let cat = Catalog::embedded().unwrap();
        let mut reply = Reply::say("Pilih");
        reply.prompt = Some(Prompt {
            id: "f1201".into(),
            options: vec![],
            multi: true,
            numbered: true,
        });
        let id = render(&cat, 1, Lang::Id, &reply).prompt.unwrap().done;
        let en = render(&cat, 1, Lang::En, &reply).prompt.unwrap().done;
        assert_eq!(id.as_deref(), Some("Selesai"));
        assert_eq!(en.as_deref(), Some("Done"));
    }

    #[test]
    fn a_question_becomes_lines_and_buttons() {
        let reply = Reply {
            text: "*Status*\n\nApa kegiatan Anda sekarang?".into(),
            prompt: Some(Prompt {
                id: "f8".into(),
                options: vec![
                    ReplyOption {
                        value: "1".into(),
                        label: "Bekerja".into(),
                    },
                    ReplyOption {
                        value: "3".into(),
                        label: "Wirausaha".into(),
                    },
                ],
                multi: false,
                numbered: true,
            }),
        };
        let cat = Catalog::embedded().unwrap();
        let json = serde_json::to_value(render(&cat, 7, Lang::Id, &reply)).unwrap();
        let want: serde_json::Value =
            serde_json::from_str(include_str!("testdata/question.json")).unwrap();
        assert_eq!(json, want);
    }
}
