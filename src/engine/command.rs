//! Chat commands: Indonesian names with English aliases, as typed or as Telegram sends them
//! (`/mulai@JejakBot`).

/// A command the respondent typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `/mulai`, `/start`.
    Start,
    /// `/kembali`, `/back`.
    Back,
    /// `/lewati`, `/skip`.
    Skip,
    /// `/bantuan`, `/help`.
    Help,
    /// `/bahasa`, `/language` with an optional language (`/bahasa en`).
    Language(Option<String>),
    /// `/ulang`, `/restart`.
    Restart,
    /// `/berhenti`, `/stop`.
    Stop,
    /// `/ringkasan`, `/summary`.
    Summary,
    /// `/datasaya`, `/mydata`: what is stored about the respondent.
    MyData,
    /// `/hapus`, `/delete`: erase the respondent's data (after a confirmation).
    Delete,
    /// `/ubah`, `/edit` with an optional number from the list (`/ubah 3`).
    Edit(Option<String>),
    /// Anything else starting with `/`.
    Unknown(String),
}

/// The names of the skip command, in every language (`/lewati`, `/skip`).
pub const SKIP_NAMES: &[&str] = &["lewati", "skip"];

/// Whether `text` already tells the respondent to type the skip command (`/lewati`,
/// `/skip`): flow authors often say when skipping makes sense, and the bot then does not add
/// its own generic "you may skip" line to the same message.
pub fn mentions_skip(text: &str) -> bool {
    text.match_indices('/').any(|(i, _)| {
        let before = text[..i].chars().next_back();
        if before.is_some_and(char::is_alphanumeric) {
            return false; // "3/4", "km/jam"
        }
        let rest = &text[i + 1..];
        let word: String = rest.chars().take_while(|c| c.is_alphanumeric()).collect();
        SKIP_NAMES.contains(&word.to_lowercase().as_str())
    })
}

/// Parses a command; `None` when the text is not one (an answer).
pub fn parse(text: &str) -> Option<Command> {
    let t = text.trim();
    let rest = t.strip_prefix('/')?;
    let mut words = rest.split_whitespace();
    let head = words.next().unwrap_or("");
    let name = head.split('@').next().unwrap_or("").to_lowercase();
    let arg = words.next().map(str::to_string);
    Some(match name.as_str() {
        "mulai" | "start" => Command::Start,
        "kembali" | "back" => Command::Back,
        n if SKIP_NAMES.contains(&n) => Command::Skip,
        "bantuan" | "help" => Command::Help,
        "bahasa" | "language" | "lang" => Command::Language(arg),
        "ulang" | "restart" => Command::Restart,
        "berhenti" | "stop" => Command::Stop,
        "ringkasan" | "summary" => Command::Summary,
        "datasaya" | "mydata" => Command::MyData,
        "hapus" | "delete" => Command::Delete,
        "ubah" | "edit" => Command::Edit(arg),
        _ => Command::Unknown(format!("/{name}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_in_both_languages() {
        assert_eq!(parse("/mulai"), Some(Command::Start));
        assert_eq!(parse(" /START "), Some(Command::Start));
        assert_eq!(parse("/mulai@JejakBot"), Some(Command::Start));
        assert_eq!(parse("/kembali"), Some(Command::Back));
        assert_eq!(parse("/back"), Some(Command::Back));
        assert_eq!(parse("/lewati"), Some(Command::Skip));
        assert_eq!(
            parse("/bahasa en"),
            Some(Command::Language(Some("en".into())))
        );
        assert_eq!(parse("/language"), Some(Command::Language(None)));
        assert_eq!(parse("/berhenti"), Some(Command::Stop));
        assert_eq!(parse("/ulang"), Some(Command::Restart));
        assert_eq!(parse("/ringkasan"), Some(Command::Summary));
        assert_eq!(parse("/datasaya"), Some(Command::MyData));
        assert_eq!(parse("/mydata@JejakBot"), Some(Command::MyData));
        assert_eq!(parse("/hapus"), Some(Command::Delete));
        assert_eq!(parse("/delete"), Some(Command::Delete));
        assert_eq!(parse("/ubah"), Some(Command::Edit(None)));
        assert_eq!(parse("/edit 2"), Some(Command::Edit(Some("2".into()))));
        assert_eq!(parse("/apa"), Some(Command::Unknown("/apa".into())));
        assert_eq!(parse("kembali"), None);
        assert_eq!(parse("3/4"), None);
    }

    #[test]
    fn skip_mentions_are_found_as_words_only() {
        assert!(mentions_skip(
            "Alamat email Anda? Ketik /lewati jika tidak ada."
        ));
        assert!(mentions_skip("Your email? Type /skip if you have none."));
        assert!(mentions_skip("(/LEWATI)"));
        assert!(!mentions_skip("Apa saran Anda?"));
        assert!(!mentions_skip("Berapa km/lewati?"));
        assert!(!mentions_skip("Ketik /lewatinya"));
        assert!(!mentions_skip("Ketik /kembali"));
    }
}
