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
    /// Anything else starting with `/`.
    Unknown(String),
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
        "lewati" | "skip" => Command::Skip,
        "bantuan" | "help" => Command::Help,
        "bahasa" | "language" | "lang" => Command::Language(arg),
        "ulang" | "restart" => Command::Restart,
        "berhenti" | "stop" => Command::Stop,
        "ringkasan" | "summary" => Command::Summary,
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
        assert_eq!(parse("/apa"), Some(Command::Unknown("/apa".into())));
        assert_eq!(parse("kembali"), None);
        assert_eq!(parse("3/4"), None);
    }
}
