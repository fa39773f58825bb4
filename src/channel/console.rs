//! The console channel: a survey in the terminal, one line per answer, choices as numbered
//! lists. Everything is persisted, so quitting and running again resumes where it stopped.
//!
//! The terminal is a channel like the others: each line becomes an [`Inbound`] received by
//! the one [`Receiver`], which queues the replies in the reply outbox with the step; a
//! [`ReplySender`] delivers them from there to the screen ([`Screen`]) and marks them sent.
//!
//! Who is answering: `--as` names the respondent exactly; without it the name given with
//! `--name` does (case and spacing ignored), so two people sharing a computer each get their
//! own survey; with neither, the login name (`$USER`) does, and the chat says so.

use crate::clock::SystemClock;
use crate::conversation::send::{Deliver, DeliverFuture, ReplySender};
use crate::conversation::{Content, Conversations, Inbound, Receiver};
use crate::engine::render::title_line;
use crate::engine::{Reply, SessionState};
use crate::i18n::{Catalog, Msg};
use crate::model::{Channel, Lang, RespondentFields, SessionStatus};
use crate::store::{NewRespondent, QueuedReply, RespondentId, Store};
use anyhow::Context as _;
use chrono::Utc;
use std::ffi::{OsStr, OsString};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWrite, AsyncWriteExt, BufReader};

/// The channel name stored in channel bindings.
pub const CHANNEL: &str = Channel::Console.as_str();

/// Where the respondent's identity on this terminal came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `--as`: exactly the respondent named.
    As,
    /// `--name` without `--as`: the person of that name.
    Name,
    /// Neither: the login name of the computer (`$USER`), or `alumni` without one.
    Login,
}

fn given(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// Who is answering in this terminal: the channel address that identifies the respondent,
/// and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The console channel address (`--as` as given, the folded `--name`, or `$USER`).
    pub address: String,
    /// Where it came from.
    pub source: Source,
}

impl Identity {
    /// Decides who is answering. `--as` wins and is used exactly as given (that is how
    /// respondents were named before `--name` identified anyone, so their surveys resume);
    /// else `--name`, folded to lower case with its spacing normalised so "Siti  Aminah" and
    /// "siti aminah" are one person; else the login name.
    pub fn resolve(who: Option<&str>, name: Option<&str>, login: Option<&str>) -> Identity {
        if let Some(who) = given(who) {
            return Identity {
                address: who.to_string(),
                source: Source::As,
            };
        }
        if let Some(name) = given(name) {
            return Identity {
                address: name
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_lowercase(),
                source: Source::Name,
            };
        }
        Identity {
            address: given(login).unwrap_or("alumni").to_string(),
            source: Source::Login,
        }
    }
}

/// Finds (or creates, with these roster fields) the respondent who chats from this terminal
/// under `address`.
pub async fn respondent(
    store: &Store,
    address: &str,
    fields: RespondentFields,
) -> anyhow::Result<RespondentId> {
    if let Some(id) = store
        .respondents()
        .respondent_by_channel(CHANNEL, address)
        .await?
    {
        return Ok(id);
    }
    let now = Utc::now();
    let new = NewRespondent {
        fields,
        phone: None,
        email: None,
        timezone: None,
        language: None,
        birth_date: None,
    };
    let id = store.respondents().upsert_respondent(&new, now).await?;
    store
        .respondents()
        .bind_channel(id, CHANNEL, address, now)
        .await?;
    Ok(id)
}

/// How this terminal shows the chat.
#[derive(Debug, Clone)]
pub struct Terminal {
    /// Titles in bold (ANSI); otherwise they are shown as plain lines.
    pub bold: bool,
    /// The command line that started this chat, as the user would type it again to come
    /// back (see [`command_line`]).
    pub command: String,
    /// Who is answering; the chat says so when it is only the login name.
    pub identity: Identity,
    /// The `--name` given, to notice when `--as` points at someone else's survey.
    pub name: Option<String>,
}

/// Whether to print titles in bold: only on a terminal (not into a pipe or file), not when
/// `NO_COLOR` is set to anything non-empty (<https://no-color.org>), and not on a terminal
/// that says it is `dumb`.
pub fn wants_bold(
    stdout_is_terminal: bool,
    no_color: Option<&OsStr>,
    term: Option<&OsStr>,
) -> bool {
    stdout_is_terminal && no_color.is_none_or(OsStr::is_empty) && term.is_none_or(|t| t != "dumb")
}

/// The command that runs this chat again, from the program's own arguments, so the goodbye
/// tells people what they actually typed. Under `cargo run` (Cargo sets `CARGO` for the
/// program it runs) the program path is Cargo's build output, so it becomes `cargo run --`
/// (with `--release` or `--profile` when the binary was built so); otherwise the program
/// name as invoked (`jejak` when installed with `cargo install --path .`). Arguments are
/// quoted the way a shell needs them.
pub fn command_line(args: &[OsString], under_cargo: bool) -> String {
    let program = args.first().map(|a| a.to_string_lossy().into_owned());
    let mut parts = Vec::with_capacity(args.len() + 2);
    if under_cargo {
        parts.push("cargo run".to_string());
        let profile = program.as_deref().and_then(|p| {
            std::path::Path::new(p)
                .parent()
                .and_then(|d| d.file_name())
                .map(|d| d.to_string_lossy().into_owned())
        });
        match profile.as_deref() {
            Some("release") => parts.push("--release".into()),
            Some("debug") | None => {}
            Some(other) => parts.push(format!("--profile {}", shell_quote(other))),
        }
        parts.push("--".into());
    } else {
        parts.push(shell_quote(program.as_deref().unwrap_or("jejak")));
    }
    parts.extend(
        args.iter()
            .skip(1)
            .map(|a| shell_quote(&a.to_string_lossy())),
    );
    parts.join(" ")
}

/// Quotes one argument for a POSIX shell: as is when it is plain, in double quotes when it
/// only has spaces and the like (`"SMKN 1 Contoh"`, as the README writes it), else in single
/// quotes.
fn shell_quote(s: &str) -> String {
    let plain = |c: char| c.is_alphanumeric() || "-_./:=@%+,".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        return s.to_string();
    }
    if !s.chars().any(|c| "\"$`\\!".contains(c)) {
        return format!("\"{s}\"");
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A reply as the terminal shows it: choices as a numbered list, titles in bold or plain.
pub fn render(reply: &Reply, bold: bool) -> String {
    reply
        .plain()
        .lines()
        .map(|line| match title_line(line) {
            Some(title) if bold => format!("\x1b[1m{title}\x1b[0m"),
            Some(title) => title.to_string(),
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The console's platform: delivering a part renders it for the terminal and keeps it until
/// the chat loop writes it out ([`Screen::take`]), so the terminal's output (a pipe, a test's
/// buffer) needs to be neither `Send` nor shared.
pub struct Screen {
    bold: bool,
    catalog: Arc<Catalog>,
    shown: Mutex<Vec<String>>,
}

impl Screen {
    /// A screen showing titles in bold or not, adding `/keluar` to the help text.
    pub fn new(bold: bool, catalog: Arc<Catalog>) -> Screen {
        Screen {
            bold,
            catalog,
            shown: Mutex::new(Vec::new()),
        }
    }

    /// What was delivered since the last call, in order.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.shown.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// A part as the terminal shows it. `/keluar` exists only in the terminal, so the
    /// engine's command list cannot name it: the help text gets it here.
    fn show(&self, part: &QueuedReply) -> String {
        let help = self.catalog.t(part.lang, Msg::Help);
        if part.reply.text == help {
            let mut reply = part.reply.clone();
            reply.text.push('\n');
            reply
                .text
                .push_str(&self.catalog.t(part.lang, Msg::TermHelpQuit));
            return render(&reply, self.bold);
        }
        render(&part.reply, self.bold)
    }
}

impl Deliver for Screen {
    fn channel(&self) -> Channel {
        Channel::Console
    }

    fn deliver<'a>(&'a self, part: &'a QueuedReply) -> DeliverFuture<'a> {
        let shown = self.show(part);
        self.shown
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(shown);
        Box::pin(async { Ok(None) })
    }
}

/// Receives one line (or the opening `/mulai`) and writes the replies it got.
async fn say(
    receiver: &Receiver,
    sender: &ReplySender,
    screen: &Screen,
    address: &str,
    text: &str,
    out: &mut (impl AsyncWrite + Unpin),
) -> anyhow::Result<()> {
    let inbound = Inbound {
        channel: Channel::Console,
        address: address.to_owned(),
        // A terminal does not deliver a line twice.
        message_id: None,
        content: Content::from_text(text),
        language_hint: None,
        profile_name: None,
    };
    receiver.receive(&inbound).await?;
    let flushed = sender.flush(address).await?;
    if let Some(e) = flushed.stopped {
        anyhow::bail!("showing the replies: {e}");
    }
    for shown in screen.take() {
        out.write_all(shown.as_bytes()).await?;
        out.write_all(b"\n\n").await?;
    }
    out.flush().await?;
    Ok(())
}

/// The language and status of the respondent's session, for the terminal's own lines (the
/// engine's replies carry their own language).
async fn session(conv: &Conversations, respondent: RespondentId) -> (Lang, Option<SessionStatus>) {
    let default = conv.flow.default_lang();
    match conv
        .store
        .sessions()
        .latest_session(respondent, &conv.flow.id)
        .await
    {
        Ok(Some(s)) => {
            let lang = serde_json::from_str::<SessionState>(&s.state_json)
                .map(|st| st.lang)
                .unwrap_or(default);
            (lang, Some(s.status))
        }
        // Only the wording of the terminal's own lines depends on it.
        Ok(None) | Err(_) => (default, None),
    }
}

/// Says goodbye and how to come back: the command to run again while the survey is open,
/// or to look at the answers once it is finished or stopped.
async fn goodbye(
    conv: &Conversations,
    respondent: RespondentId,
    term: &Terminal,
    out: &mut (impl AsyncWrite + Unpin),
) -> anyhow::Result<()> {
    let (lang, status) = session(conv, respondent).await;
    let msg = match status {
        Some(SessionStatus::Completed | SessionStatus::OptedOut | SessionStatus::Expired) => {
            Msg::TermByeDone
        }
        _ => Msg::TermBye,
    };
    let text = conv.catalog.ta(lang, msg, &[("command", &term.command)]);
    out.write_all(text.as_bytes()).await?;
    out.write_all(b"\n").await?;
    Ok(())
}

/// Runs the chat until end of input (Ctrl-D) or `/keluar` (`/quit`), saying goodbye and how
/// to come back either way. On start it sends `/mulai`, so a new respondent sees the consent
/// text and a returning one their current question.
pub async fn run(
    conv: &Conversations,
    respondent: RespondentId,
    term: &Terminal,
    input: impl tokio::io::AsyncRead + Unpin,
    mut out: impl AsyncWrite + Unpin,
) -> anyhow::Result<()> {
    let (lang, _) = session(conv, respondent).await;
    let cat = &conv.catalog;
    let mut intro = cat.t(lang, Msg::TermIntro);
    match term.identity.source {
        Source::Login => {
            intro.push('\n');
            intro.push_str(&cat.ta(
                lang,
                Msg::TermAnsweringAs,
                &[("who", &term.identity.address), ("command", &term.command)],
            ));
        }
        Source::As => {
            // `--as` names someone whose survey exists under another name: say whose survey
            // this is instead of silently answering it for them.
            let stored = conv
                .store
                .respondents()
                .respondent(respondent)
                .await?
                .and_then(|r| r.fields.name);
            if let (Some(stored), Some(given)) = (stored, term.name.as_deref())
                && stored.trim() != given.trim()
            {
                intro.push('\n');
                intro.push_str(&cat.ta(
                    lang,
                    Msg::TermContinuingAs,
                    &[("who", &term.identity.address), ("name", &stored)],
                ));
            }
        }
        Source::Name => {}
    }
    out.write_all(intro.as_bytes()).await?;
    out.write_all(b"\n\n").await?;
    let clock = Arc::new(SystemClock);
    // The respondent is bound to the address already (see [`respondent`]), so the receiver
    // finds them as it finds a Telegram chat bound by its link.
    let receiver = Receiver::new(conv.clone(), clock.clone()).with_open_mode(Some(false));
    let screen = Arc::new(Screen::new(term.bold, conv.catalog.clone()));
    let sender = ReplySender::new(conv.store.clone(), screen.clone(), clock);
    let address = term.identity.address.as_str();
    // Parts a previous chat left unshown (it was killed between a step and its output).
    sender.flush(address).await?;
    say(&receiver, &sender, &screen, address, "/mulai", &mut out).await?;
    let mut lines = BufReader::new(input).lines();
    loop {
        out.write_all(b"> ").await?;
        out.flush().await?;
        let Some(line) = lines.next_line().await.context("reading the terminal")? else {
            // Ctrl-D: end the prompt's line, then the same goodbye as /keluar.
            out.write_all(b"\n").await?;
            goodbye(conv, respondent, term, &mut out).await?;
            break;
        };
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if matches!(t.to_lowercase().as_str(), "/keluar" | "/quit" | "/exit") {
            goodbye(conv, respondent, term, &mut out).await?;
            break;
        }
        say(&receiver, &sender, &screen, address, t, &mut out).await?;
    }
    out.flush().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Prompt, ReplyOption};

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn a_different_name_is_a_different_respondent() {
        let budi = Identity::resolve(None, Some("Budi"), Some("budi"));
        let siti = Identity::resolve(None, Some("Siti"), Some("budi"));
        assert_ne!(budi.address, siti.address);
        assert_eq!(siti.source, Source::Name);
        // The same person typed a little differently is still the same person.
        assert_eq!(
            Identity::resolve(None, Some(" Siti   Aminah"), None).address,
            Identity::resolve(None, Some("siti aminah"), None).address
        );
        // --as is exact and wins over --name.
        let chosen = Identity::resolve(Some("Budi"), Some("Siti"), Some("x"));
        assert_eq!(
            (chosen.address.as_str(), chosen.source),
            ("Budi", Source::As)
        );
        // Neither: the login name, said out loud by the chat.
        let login = Identity::resolve(None, Some("  "), Some("budi"));
        assert_eq!(
            (login.address.as_str(), login.source),
            ("budi", Source::Login)
        );
        assert_eq!(Identity::resolve(None, None, None).address, "alumni");
    }

    #[test]
    fn bold_only_on_a_terminal_that_wants_colour() {
        let some = |s: &'static str| Some(OsStr::new(s));
        assert!(wants_bold(true, None, some("xterm-256color")));
        assert!(wants_bold(true, some(""), None));
        assert!(!wants_bold(false, None, some("xterm")));
        assert!(!wants_bold(true, some("1"), some("xterm")));
        assert!(!wants_bold(true, None, some("dumb")));
    }

    #[test]
    fn titles_render_bold_or_plain_never_with_stars() {
        let r = Reply {
            text: "Pertanyaan 1 dari 9\n*Kegiatan Anda sekarang*\nApa kegiatan utama Anda?".into(),
            prompt: Some(Prompt {
                id: "f8".into(),
                options: vec![ReplyOption {
                    value: "1".into(),
                    label: "Bekerja".into(),
                }],
                multi: false,
                numbered: true,
            }),
        };
        assert_eq!(
            render(&r, false),
            "Pertanyaan 1 dari 9\nKegiatan Anda sekarang\nApa kegiatan utama Anda?\n1. Bekerja"
        );
        assert_eq!(
            render(&r, true),
            "Pertanyaan 1 dari 9\n\x1b[1mKegiatan Anda sekarang\x1b[0m\nApa kegiatan utama Anda?\n1. Bekerja"
        );
    }

    #[test]
    fn the_command_to_come_back_is_the_one_typed() {
        let args = os(&[
            "/home/budi/jejak/target/debug/jejak",
            "chat",
            "--name",
            "Siti",
            "--school",
            "SMKN 1 Contoh",
        ]);
        assert_eq!(
            command_line(&args, true),
            r#"cargo run -- chat --name Siti --school "SMKN 1 Contoh""#
        );
        let release = os(&["/w/target/release/jejak", "chat"]);
        assert_eq!(command_line(&release, true), "cargo run --release -- chat");
        let installed = os(&["jejak", "--data-dir", "/tmp/d", "chat", "--name", "Siti"]);
        assert_eq!(
            command_line(&installed, false),
            "jejak --data-dir /tmp/d chat --name Siti"
        );
        let odd = os(&[
            "./jejak",
            "chat",
            "--name",
            "Dewi \"Ayu\"",
            "--cohort",
            "it's",
        ]);
        assert_eq!(
            command_line(&odd, false),
            r#"./jejak chat --name 'Dewi "Ayu"' --cohort "it's""#
        );
    }
}
