//! Engine replies as WhatsApp messages. A choice of up to 3 options becomes reply buttons,
//! up to 10 a list (Likert scales always a list), more the numbered text the engine already
//! understands. Platform limits: button titles 20 characters, list row titles 24 and
//! descriptions 72, interactive bodies 1024, texts 4096. Labels that do not fit are
//! shortened at a word boundary and shown in full in the body (or the row's description).

use crate::channel::Template;
use crate::engine::{Prompt, Reply};
use crate::store::SentKind;
use serde_json::{Value, json};

/// Longest text message body.
pub const MAX_TEXT: usize = 4096;
/// Longest body of an interactive message.
pub const MAX_INTERACTIVE_BODY: usize = 1024;
/// Longest reply button title.
pub const MAX_BUTTON_TITLE: usize = 20;
/// Most reply buttons in one message.
pub const MAX_BUTTONS: usize = 3;
/// Longest list row title.
pub const MAX_ROW_TITLE: usize = 24;
/// Longest list row description.
pub const MAX_ROW_DESCRIPTION: usize = 72;
/// Most rows in one list.
pub const MAX_ROWS: usize = 10;
/// Longest list row id (button ids may be 256).
const MAX_ROW_ID: usize = 200;
/// Marks the ids of our buttons and rows (`j1:<prompt>|<value>`), so a reply to something
/// else (an old format, a template button) is never mistaken for a choice.
const ID_PREFIX: &str = "j1:";

/// One message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    /// A text message.
    Text(String),
    /// Reply buttons: (id, title).
    Buttons {
        /// The body.
        body: String,
        /// (id, title) of each button.
        buttons: Vec<(String, String)>,
    },
    /// A list.
    List {
        /// The body.
        body: String,
        /// The label of the button that opens the list.
        button: String,
        /// The rows.
        rows: Vec<Row>,
    },
}

/// A row of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The id sent back when chosen.
    pub id: String,
    /// The title (≤ 24 characters).
    pub title: String,
    /// The description (≤ 72), if any.
    pub description: Option<String>,
}

impl Outgoing {
    /// The `/messages` request body sending this to `to` (digits of the number).
    pub fn to_json(&self, to: &str) -> Value {
        match self {
            Outgoing::Text(body) => json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": to,
                "type": "text",
                "text": { "preview_url": false, "body": body },
            }),
            Outgoing::Buttons { body, buttons } => json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": to,
                "type": "interactive",
                "interactive": {
                    "type": "button",
                    "body": { "text": body },
                    "action": {
                        "buttons": buttons.iter().map(|(id, title)| json!({
                            "type": "reply",
                            "reply": { "id": id, "title": title },
                        })).collect::<Vec<_>>(),
                    },
                },
            }),
            Outgoing::List { body, button, rows } => json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": to,
                "type": "interactive",
                "interactive": {
                    "type": "list",
                    "body": { "text": body },
                    "action": {
                        "button": button,
                        "sections": [{
                            "rows": rows.iter().map(|r| {
                                let mut row = json!({ "id": r.id, "title": r.title });
                                if let Some(d) = &r.description {
                                    row["description"] = json!(d);
                                }
                                row
                            }).collect::<Vec<_>>(),
                        }],
                    },
                },
            }),
        }
    }

    /// What kind of message this is, for the record of sent messages.
    pub fn kind(&self) -> SentKind {
        match self {
            Outgoing::Text(_) => SentKind::Text,
            Outgoing::Buttons { .. } | Outgoing::List { .. } => SentKind::Interactive,
        }
    }
}

/// The `/messages` request body of an approved template.
pub fn template_json(to: &str, t: &Template) -> Value {
    let mut template = json!({
        "name": t.name,
        "language": { "code": t.language },
    });
    if !t.params.is_empty() {
        template["components"] = json!([{
            "type": "body",
            "parameters": t.params.iter().map(|p| json!({ "type": "text", "text": p })).collect::<Vec<_>>(),
        }]);
    }
    json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": template,
    })
}

/// The id of a button or row: the prompt it answers and the option's value.
pub fn choice_id(prompt: &str, value: &str) -> String {
    format!("{ID_PREFIX}{prompt}|{value}")
}

/// The prompt and value of one of our ids.
pub fn parse_choice_id(id: &str) -> Option<(&str, &str)> {
    id.strip_prefix(ID_PREFIX)?.split_once('|')
}

/// Renders one reply; `list_button` labels the button that opens a list.
pub fn render(reply: &Reply, list_button: &str) -> Vec<Outgoing> {
    let Some(p) = reply
        .prompt
        .as_ref()
        .filter(|p| !p.options.is_empty() && !p.multi)
    else {
        // Free answers, and multiple choice (lists and buttons pick one): text, with the
        // options numbered when the engine numbers them.
        return split_text(&reply.plain(), MAX_TEXT)
            .into_iter()
            .map(Outgoing::Text)
            .collect();
    };
    let ids_fit = p
        .options
        .iter()
        .all(|o| choice_id(&p.id, &o.value).chars().count() <= MAX_ROW_ID);
    let likert = is_likert(p);
    if ids_fit && !likert && p.options.len() <= MAX_BUTTONS {
        return buttons(&reply.text, p);
    }
    if ids_fit && p.options.len() <= MAX_ROWS {
        return list(&reply.text, p, list_button);
    }
    split_text(&reply.plain(), MAX_TEXT)
        .into_iter()
        .map(Outgoing::Text)
        .collect()
}

/// A Likert scale: the engine's numeric options without a numbered list.
fn is_likert(p: &Prompt) -> bool {
    !p.numbered
        && p.options.len() > 2
        && p.options
            .iter()
            .all(|o| o.value.parse::<i64>().is_ok() && o.label == o.value)
}

fn buttons(text: &str, p: &Prompt) -> Vec<Outgoing> {
    let fits = p
        .options
        .iter()
        .all(|o| o.label.chars().count() <= MAX_BUTTON_TITLE && !o.label.trim().is_empty());
    let mut body = text.to_string();
    let buttons = if fits {
        p.options
            .iter()
            .map(|o| (choice_id(&p.id, &o.value), o.label.clone()))
            .collect()
    } else {
        // Numbered titles stay unique however the labels shorten; the body has them whole.
        body.push('\n');
        for (i, o) in p.options.iter().enumerate() {
            body.push_str(&format!("\n{}. {}", i + 1, o.label));
        }
        p.options
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let n = format!("{}. ", i + 1);
                let room = MAX_BUTTON_TITLE - n.chars().count();
                (
                    choice_id(&p.id, &o.value),
                    format!("{n}{}", shorten(&o.label, room)),
                )
            })
            .collect()
    };
    with_body(body, |body| Outgoing::Buttons { body, buttons })
}

fn list(text: &str, p: &Prompt, button: &str) -> Vec<Outgoing> {
    let mut body = text.to_string();
    let too_long: Vec<(usize, &str)> = p
        .options
        .iter()
        .enumerate()
        .filter(|(_, o)| o.label.chars().count() > MAX_ROW_DESCRIPTION)
        .map(|(i, o)| (i, o.label.as_str()))
        .collect();
    if !too_long.is_empty() {
        body.push('\n');
        for (i, label) in too_long {
            body.push_str(&format!("\n{}. {label}", i + 1));
        }
    }
    let rows = p
        .options
        .iter()
        .map(|o| {
            let (title, description) = if o.label.chars().count() <= MAX_ROW_TITLE {
                (o.label.clone(), None)
            } else {
                (
                    shorten(&o.label, MAX_ROW_TITLE),
                    Some(shorten(&o.label, MAX_ROW_DESCRIPTION)),
                )
            };
            Row {
                id: choice_id(&p.id, &o.value),
                title: if title.trim().is_empty() {
                    o.value.clone()
                } else {
                    title
                },
                description,
            }
        })
        .collect();
    let button = shorten(button, MAX_BUTTON_TITLE);
    with_body(body, |body| Outgoing::List { body, button, rows })
}

/// An interactive message whose body may be too long: the beginning goes first as text
/// messages, the interactive message keeps the last lines (where the question is).
fn with_body(body: String, make: impl FnOnce(String) -> Outgoing) -> Vec<Outgoing> {
    if body.chars().count() <= MAX_INTERACTIVE_BODY {
        return vec![make(body)];
    }
    let lines: Vec<&str> = body.lines().collect();
    let mut start = lines.len();
    let mut len = 0;
    while start > 0 {
        let l = lines[start - 1].chars().count() + 1;
        if len + l > MAX_INTERACTIVE_BODY {
            break;
        }
        len += l;
        start -= 1;
    }
    let (head, tail) = if start == lines.len() {
        // Even the last line is too long: everything as text, its beginning as the body.
        (
            body.clone(),
            shorten(lines.last().copied().unwrap_or(""), MAX_INTERACTIVE_BODY),
        )
    } else {
        (lines[..start].join("\n"), lines[start..].join("\n"))
    };
    let mut out: Vec<Outgoing> = split_text(head.trim_end(), MAX_TEXT)
        .into_iter()
        .filter(|s| !s.trim().is_empty())
        .map(Outgoing::Text)
        .collect();
    out.push(make(tail.trim_start_matches('\n').to_string()));
    out
}

/// Shortens `s` to at most `max` characters, at a word boundary where one is near, ending
/// with `…`.
pub fn shorten(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let cut: String = s.chars().take(max - 1).collect();
    // The cut ends a word when the next character is a space.
    let word_ends = s.chars().nth(max - 1).is_some_and(char::is_whitespace);
    let at_word = match cut.rfind(char::is_whitespace) {
        _ if word_ends => cut.as_str(),
        Some(i) if cut[..i].chars().count() >= max / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    let trimmed = at_word.trim_end_matches(|c: char| c.is_whitespace() || ",;:-/(".contains(c));
    format!("{trimmed}…")
}

/// Splits a text over `max` characters into several (the shared
/// [`split`](crate::channel::split::split), counting characters).
fn split_text(s: &str, max: usize) -> Vec<String> {
    crate::channel::split::split(s, max, |t| t.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ReplyOption;

    fn prompt(labels: &[&str], numbered: bool) -> Reply {
        Reply {
            text: "Pertanyaan?".into(),
            prompt: Some(Prompt {
                id: "q1".into(),
                options: labels
                    .iter()
                    .enumerate()
                    .map(|(i, l)| ReplyOption {
                        value: (i + 1).to_string(),
                        label: l.to_string(),
                    })
                    .collect(),
                multi: false,
                numbered,
            }),
        }
    }

    #[test]
    fn three_options_are_buttons() {
        let out = render(
            &prompt(&["Lokal", "Nasional", "Internasional"], true),
            "Pilih",
        );
        let [Outgoing::Buttons { body, buttons }] = out.as_slice() else {
            panic!("{out:?}")
        };
        assert_eq!(body, "Pertanyaan?");
        assert_eq!(buttons[1], ("j1:q1|2".to_string(), "Nasional".to_string()));
        assert_eq!(parse_choice_id(&buttons[1].0), Some(("q1", "2")));
    }

    #[test]
    fn long_button_labels_are_shortened_and_shown_whole() {
        let out = render(
            &prompt(&["Sebelum lulus sekolah menengah", "Setelah lulus"], true),
            "Pilih",
        );
        let [Outgoing::Buttons { body, buttons }] = out.as_slice() else {
            panic!("{out:?}")
        };
        assert!(body.contains("1. Sebelum lulus sekolah menengah"), "{body}");
        for (_, t) in buttons {
            assert!(t.chars().count() <= MAX_BUTTON_TITLE, "{t}");
        }
        assert_eq!(buttons[0].1, "1. Sebelum lulus…");
    }

    #[test]
    fn up_to_ten_options_are_a_list() {
        let labels = [
            "Instansi pemerintah",
            "BUMN/BUMD",
            "Perusahaan swasta atau usaha perorangan",
            "Organisasi nirlaba/yayasan",
            "Lainnya",
        ];
        let out = render(&prompt(&labels, true), "Pilih / Choose");
        let [Outgoing::List { rows, button, .. }] = out.as_slice() else {
            panic!("{out:?}")
        };
        assert_eq!(button, "Pilih / Choose");
        assert_eq!(rows.len(), 5);
        assert_eq!(rows[2].title, "Perusahaan swasta atau…");
        assert_eq!(
            rows[2].description.as_deref(),
            Some("Perusahaan swasta atau usaha perorangan")
        );
        assert!(
            rows.iter()
                .all(|r| r.title.chars().count() <= MAX_ROW_TITLE)
        );
    }

    #[test]
    fn eleven_options_are_numbered_text() {
        let labels: Vec<String> = (1..=11).map(|i| format!("Pilihan {i}")).collect();
        let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
        let out = render(&prompt(&refs, true), "Pilih");
        let [Outgoing::Text(t)] = out.as_slice() else {
            panic!("{out:?}")
        };
        assert!(t.contains("\n11. Pilihan 11"));
    }

    #[test]
    fn likert_is_a_list_and_yes_no_buttons() {
        let out = render(&prompt(&["1", "2", "3"], false), "Pilih");
        assert!(matches!(out.as_slice(), [Outgoing::List { .. }]), "{out:?}");
        let out = render(&prompt(&["Ya", "Tidak"], false), "Pilih");
        assert!(
            matches!(out.as_slice(), [Outgoing::Buttons { .. }]),
            "{out:?}"
        );
    }

    #[test]
    fn long_texts_are_split() {
        let para = "kata ".repeat(300);
        let long = format!("{para}\n\n{para}\n\n{para}\n\n{para}");
        let parts = split_text(&long, MAX_TEXT);
        assert!(parts.len() >= 2);
        assert!(parts.iter().all(|p| p.chars().count() <= MAX_TEXT));
        let joined: String = parts.concat().split_whitespace().collect();
        let orig: String = long.split_whitespace().collect();
        assert_eq!(joined, orig, "nothing lost");
    }

    #[test]
    fn long_interactive_body_goes_first_as_text() {
        let mut r = prompt(&["Ya", "Tidak"], false);
        r.text = format!("{}\nSetuju?", "Penjelasan panjang. ".repeat(80));
        let out = render(&r, "Pilih");
        assert!(matches!(out.first(), Some(Outgoing::Text(_))), "{out:?}");
        let Some(Outgoing::Buttons { body, .. }) = out.last() else {
            panic!("{out:?}")
        };
        assert_eq!(body, "Setuju?");
    }

    #[test]
    fn shorten_cuts_at_words() {
        assert_eq!(
            shorten("Teknologi informasi dan komunikasi", 24),
            "Teknologi informasi dan…"
        );
        assert_eq!(shorten("pendek", 24), "pendek");
        assert!(
            shorten("Supercalifragilisticexpialidocious", 10)
                .chars()
                .count()
                <= 10
        );
    }
}
