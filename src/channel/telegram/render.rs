//! How the bot's replies look on Telegram: HTML text (respondents' own words escaped),
//! inline keyboards for questions with options, callback data that fits Telegram's 64 bytes
//! and carries the prompt id (so a button from an older question is recognised), and long
//! texts split under the 4096-character limit.

use std::collections::HashMap;

use sha2::{Digest, Sha256};
use teloxide::types::{InlineKeyboardButton, InlineKeyboardButtonKind, InlineKeyboardMarkup};

use crate::engine::{Prompt, Reply};
use crate::flow::Flow;
use crate::i18n::{Catalog, Msg};
use crate::model::Lang;

/// Telegram's limit on a message text, in characters (UTF-16 code units, strictly; we count
/// `char`s and keep a margin, see [`MAX_CHUNK`]).
pub const MAX_MESSAGE: usize = 4096;

/// The size chunks are cut to: below [`MAX_MESSAGE`] so that characters outside the Basic
/// Multilingual Plane (emoji, which count twice in UTF-16) cannot push a chunk over.
const MAX_CHUNK: usize = 4000;

/// Telegram's limit on callback data, in bytes.
pub const MAX_CALLBACK: usize = 64;

/// The mark on a chosen option of a multiple-choice keyboard.
const CHECKED: &str = "✅ ";
/// The mark on an option not chosen yet.
const UNCHECKED: &str = "▫️ ";

/// One message as sent to Telegram: HTML text and an optional inline keyboard.
#[derive(Debug, Clone, PartialEq)]
pub struct TgMessage {
    /// The text, HTML with everything but our own markup escaped.
    pub html: String,
    /// Buttons under the message.
    pub keyboard: Option<InlineKeyboardMarkup>,
}

/// What a button press asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Press {
    /// Choose `value` for `prompt` (single choice, Likert, yes/no, language).
    Choose {
        /// The prompt id the button was made for.
        prompt: String,
        /// The option value.
        value: String,
    },
    /// Toggle `value` in a multiple-choice keyboard (no answer yet).
    Toggle {
        /// The prompt id.
        prompt: String,
        /// The option value.
        value: String,
    },
    /// Done choosing in a multiple-choice keyboard: the chosen values are read from the
    /// keyboard itself.
    Done {
        /// The prompt id.
        prompt: String,
    },
}

/// Encodes and decodes callback data for one flow.
///
/// The plain form is `<kind><prompt>|<value>` (`c` choose, `t` toggle, `d` done). When a
/// flow's codes are so long that this passes 64 bytes, the prompt's base id is replaced by
/// `~` and 10 hex digits of its SHA-256 (the `#iteration` stays readable), and an option
/// code by `#=` and 10 hex digits of its SHA-256; both are resolved against the flow when the
/// button comes back. Hashes, not positions, so that a button means the same option in every
/// flow version (the keyboard is made with the loaded version's codec, the press is read
/// with the codec of the respondent's own version). `#` and an index is the older form,
/// still read.
#[derive(Debug, Clone, Default)]
pub struct CallbackCodec {
    /// Hash → base prompt id (item codes, `@more:<group>`, the engine's own prompts).
    hashes: HashMap<String, String>,
    /// Base prompt id → option codes, for index-encoded values.
    options: HashMap<String, Vec<String>>,
}

fn short_hash(s: &str) -> String {
    let digest = Sha256::digest(s.as_bytes());
    hex::encode(&digest[..5])
}

/// Splits `job#2` into (`job`, `#2`).
fn split_iteration(prompt: &str) -> (&str, &str) {
    match prompt.rfind('#') {
        Some(i) if prompt[i + 1..].chars().all(|c| c.is_ascii_digit()) && i + 1 < prompt.len() => {
            (&prompt[..i], &prompt[i..])
        }
        _ => (prompt, ""),
    }
}

impl CallbackCodec {
    /// A codec that knows the prompts of `flow`.
    pub fn new(flow: &Flow) -> Self {
        let mut c = CallbackCodec::default();
        for base in ["@consent", "@restart", "@stop", "@lang"] {
            c.hashes.insert(short_hash(base), base.to_string());
        }
        for g in &flow.groups {
            let base = format!("@more:{}", g.id);
            c.hashes.insert(short_hash(&base), base);
        }
        for q in &flow.items {
            c.hashes.insert(short_hash(&q.code), q.code.clone());
            let codes: Vec<String> = q.kind.options().iter().map(|o| o.code.clone()).collect();
            if !codes.is_empty() {
                c.options.insert(q.code.clone(), codes);
            }
        }
        c
    }

    /// The callback data for a press; always at most [`MAX_CALLBACK`] bytes.
    pub fn encode(&self, press: &Press) -> String {
        let (kind, prompt, value) = match press {
            Press::Choose { prompt, value } => ('c', prompt, Some(value)),
            Press::Toggle { prompt, value } => ('t', prompt, Some(value)),
            Press::Done { prompt } => ('d', prompt, None),
        };
        let join = |p: &str, v: Option<&str>| match v {
            Some(v) => format!("{kind}{p}|{v}"),
            None => format!("{kind}{p}"),
        };
        let plain = join(prompt, value.map(String::as_str));
        if plain.len() <= MAX_CALLBACK && !prompt.starts_with('~') {
            return plain;
        }
        let (base, iter) = split_iteration(prompt);
        let hashed_prompt = format!("~{}{iter}", short_hash(base));
        let with_value = join(&hashed_prompt, value.map(String::as_str));
        if with_value.len() <= MAX_CALLBACK {
            return with_value;
        }
        let known = value.filter(|v| {
            self.options
                .get(base)
                .is_some_and(|codes| codes.iter().any(|c| c == *v))
        });
        let mut data = match known {
            Some(v) => join(&hashed_prompt, Some(&format!("#={}", short_hash(v)))),
            None => with_value,
        };
        // Cannot happen for values that are option codes; a cut value is then refused as
        // stale rather than sent over the limit (Telegram would reject the whole message).
        while data.len() > MAX_CALLBACK {
            data.pop();
        }
        data
    }

    /// Decodes callback data; `None` for data this bot did not make.
    pub fn decode(&self, data: &str) -> Option<Press> {
        let mut chars = data.chars();
        let kind = chars.next()?;
        let rest = chars.as_str();
        let (prompt, value) = match kind {
            'c' | 't' => {
                let (p, v) = rest.split_once('|')?;
                (p, Some(v))
            }
            'd' => (rest, None),
            _ => return None,
        };
        let prompt = if let Some(h) = prompt.strip_prefix('~') {
            let (hash, iter) = split_iteration(h);
            format!("{}{iter}", self.hashes.get(hash)?)
        } else {
            prompt.to_string()
        };
        let value = match value {
            Some(v) => {
                let (base, _) = split_iteration(&prompt);
                Some(if let Some(h) = v.strip_prefix("#=") {
                    self.options
                        .get(base)?
                        .iter()
                        .find(|c| short_hash(c) == h)?
                        .clone()
                } else if let Some(i) = v.strip_prefix('#').and_then(|i| i.parse::<usize>().ok()) {
                    self.options.get(base)?.get(i)?.clone()
                } else {
                    v.to_string()
                })
            }
            None => None,
        };
        Some(match (kind, value) {
            ('c', Some(value)) => Press::Choose { prompt, value },
            ('t', Some(value)) => Press::Toggle { prompt, value },
            ('d', None) => Press::Done { prompt },
            _ => return None,
        })
    }
}

/// Escapes `<`, `>` and `&` for Telegram's HTML parse mode.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// One line of engine text as HTML: a line that is wholly `*title*` (how the engine marks
/// section titles) becomes bold; everything else is escaped as it is.
fn line_html(line: &str) -> String {
    let t = line.trim();
    if t.len() > 2 && t.starts_with('*') && t.ends_with('*') && !t[1..t.len() - 1].contains('*') {
        format!("<b>{}</b>", escape_html(&t[1..t.len() - 1]))
    } else {
        escape_html(line)
    }
}

/// Splits text into chunks whose HTML is at most [`MAX_CHUNK`] characters (the shared
/// [`split`](crate::channel::split::split), measuring the escaped HTML), and renders each.
/// Markup never spans a chunk (it is per line), and an entity such as `&amp;` is never cut
/// in half (the raw text is cut, then escaped).
pub fn split_html(text: &str) -> Vec<String> {
    let measure = |s: &str| {
        let lines = s.split('\n');
        let breaks = s.matches('\n').count();
        lines.map(|l| line_html(l).chars().count()).sum::<usize>() + breaks
    };
    crate::channel::split::split(text, MAX_CHUNK, measure)
        .iter()
        .map(|chunk| {
            chunk
                .split('\n')
                .map(line_html)
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect()
}

/// Renders engine replies for Telegram. `lang` is the respondent's language, used for the
/// "done" button of multiple-choice keyboards.
#[derive(Debug, Clone)]
pub struct Renderer {
    /// Callback data for this flow.
    pub codec: CallbackCodec,
}

impl Renderer {
    /// A renderer for `flow`.
    pub fn new(flow: &Flow) -> Self {
        Renderer {
            codec: CallbackCodec::new(flow),
        }
    }

    /// The messages for one reply, in order; the keyboard is on the last one.
    pub fn render(&self, reply: &Reply, catalog: &Catalog, lang: Lang) -> Vec<TgMessage> {
        let mut msgs: Vec<TgMessage> = split_html(&reply.text)
            .into_iter()
            .map(|html| TgMessage {
                html,
                keyboard: None,
            })
            .collect();
        let keyboard = reply
            .prompt
            .as_ref()
            .filter(|p| !p.options.is_empty())
            .map(|p| self.keyboard(p, catalog, lang));
        if let Some(last) = msgs.last_mut() {
            last.keyboard = keyboard;
        }
        msgs
    }

    /// The keyboard of a prompt with options.
    pub fn keyboard(&self, p: &Prompt, catalog: &Catalog, lang: Lang) -> InlineKeyboardMarkup {
        let button = |label: &str, press: Press| {
            InlineKeyboardButton::callback(label.to_string(), self.codec.encode(&press))
        };
        if p.multi {
            let mut rows: Vec<Vec<InlineKeyboardButton>> = p
                .options
                .iter()
                .map(|o| {
                    vec![button(
                        &format!("{UNCHECKED}{}", o.label),
                        Press::Toggle {
                            prompt: p.id.clone(),
                            value: o.value.clone(),
                        },
                    )]
                })
                .collect();
            rows.push(vec![button(
                &catalog.t(lang, Msg::TgDone),
                Press::Done {
                    prompt: p.id.clone(),
                },
            )]);
            return InlineKeyboardMarkup::new(rows);
        }
        let buttons: Vec<InlineKeyboardButton> = p
            .options
            .iter()
            .map(|o| {
                button(
                    &o.label,
                    Press::Choose {
                        prompt: p.id.clone(),
                        value: o.value.clone(),
                    },
                )
            })
            .collect();
        // Short labels (scale points, yes/no) side by side; sentences one per row.
        let short = p.options.iter().all(|o| o.label.chars().count() <= 12);
        let rows: Vec<Vec<InlineKeyboardButton>> = if short && p.options.len() <= 8 {
            vec![buttons]
        } else {
            buttons.into_iter().map(|b| vec![b]).collect()
        };
        InlineKeyboardMarkup::new(rows)
    }
}

/// The callback data of a button, if it is a callback button.
fn data_of(b: &InlineKeyboardButton) -> Option<&str> {
    match &b.kind {
        InlineKeyboardButtonKind::CallbackData(d) => Some(d),
        _ => None,
    }
}

/// A multiple-choice keyboard with `value` toggled; `None` when the keyboard has no such
/// button. Only the keyboard the update carried is used, so a redelivered toggle gives the
/// same result.
pub fn toggled(
    codec: &CallbackCodec,
    keyboard: &InlineKeyboardMarkup,
    prompt: &str,
    value: &str,
) -> Option<InlineKeyboardMarkup> {
    let mut found = false;
    let rows = keyboard
        .inline_keyboard
        .iter()
        .map(|row| {
            row.iter()
                .map(|b| {
                    let hit = data_of(b).and_then(|d| codec.decode(d)).is_some_and(|p| {
                        p == Press::Toggle {
                            prompt: prompt.to_string(),
                            value: value.to_string(),
                        }
                    });
                    if !hit {
                        return b.clone();
                    }
                    found = true;
                    let label = if let Some(l) = b.text.strip_prefix(CHECKED) {
                        format!("{UNCHECKED}{l}")
                    } else if let Some(l) = b.text.strip_prefix(UNCHECKED) {
                        format!("{CHECKED}{l}")
                    } else {
                        format!("{CHECKED}{}", b.text)
                    };
                    InlineKeyboardButton {
                        text: label,
                        kind: b.kind.clone(),
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect::<Vec<_>>();
    found.then(|| InlineKeyboardMarkup::new(rows))
}

/// The values checked in a multiple-choice keyboard, in keyboard order, joined with `,` (the
/// engine's form for a multiple-choice button answer).
pub fn checked_values(
    codec: &CallbackCodec,
    keyboard: &InlineKeyboardMarkup,
    prompt: &str,
) -> String {
    let mut values = Vec::new();
    for b in keyboard.inline_keyboard.iter().flatten() {
        if !b.text.starts_with(CHECKED) {
            continue;
        }
        if let Some(Press::Toggle { prompt: p, value }) = data_of(b).and_then(|d| codec.decode(d))
            && p == prompt
        {
            values.push(value);
        }
    }
    values.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped_and_titles_bold() {
        let chunks = split_html("*Pekerjaan*\nNama <b>Ani</b> & co");
        assert_eq!(
            chunks,
            vec!["<b>Pekerjaan</b>\nNama &lt;b&gt;Ani&lt;/b&gt; &amp; co".to_string()]
        );
    }

    #[test]
    fn long_texts_split_under_the_limit_without_losing_text() {
        let line = "kata ".repeat(300);
        let text = vec![line.clone(); 10].join("\n");
        let chunks = split_html(&text);
        assert!(chunks.len() > 1);
        assert!(chunks.iter().all(|c| c.chars().count() <= MAX_MESSAGE));
        assert_eq!(chunks.join("\n"), text);
        let one = "&".repeat(9000);
        let chunks = split_html(&one);
        assert!(chunks.iter().all(|c| c.chars().count() <= MAX_MESSAGE));
        assert!(chunks.iter().all(|c| !c.ends_with("&am")));
        assert_eq!(chunks.concat().matches("&amp;").count(), 9000);
    }

    #[test]
    fn callback_data_round_trips_and_fits() {
        let codec = CallbackCodec::default();
        for press in [
            Press::Choose {
                prompt: "f8".into(),
                value: "bekerja".into(),
            },
            Press::Toggle {
                prompt: "kendala#2".into(),
                value: "a".into(),
            },
            Press::Done {
                prompt: "@more:jobs#1".into(),
            },
        ] {
            let d = codec.encode(&press);
            assert!(d.len() <= MAX_CALLBACK);
            assert_eq!(codec.decode(&d), Some(press));
        }
        assert_eq!(codec.decode("zzz"), None);
        assert_eq!(codec.decode("c-no-separator"), None);
        assert_eq!(codec.decode(""), None);
    }

    #[test]
    fn long_prompt_ids_are_hashed_and_resolved() {
        let mut codec = CallbackCodec::default();
        let long = "pertanyaan_yang_sangat_panjang_sekali_tentang_pekerjaan_alumni";
        codec.hashes.insert(short_hash(long), long.to_string());
        codec.options.insert(
            long.to_string(),
            vec!["pilihan_pertama_yang_juga_panjang_sekali_sampai_melewati_batas".into()],
        );
        let press = Press::Choose {
            prompt: format!("{long}#3"),
            value: "pilihan_pertama_yang_juga_panjang_sekali_sampai_melewati_batas".into(),
        };
        let d = codec.encode(&press);
        assert!(d.len() <= MAX_CALLBACK, "{d}");
        assert_eq!(codec.decode(&d), Some(press));
    }
}
