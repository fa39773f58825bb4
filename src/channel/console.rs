//! The console channel: a survey in the terminal, one line per answer, choices as numbered
//! lists. Everything is persisted, so quitting and running again resumes where it stopped.

use crate::conversation::{Conversations, Handled};
use crate::engine::{Input, Reply};
use crate::model::RespondentFields;
use crate::store::{NewRespondent, RespondentId, Store};
use anyhow::Context as _;
use chrono::Utc;
use tokio::io::{AsyncBufReadExt, AsyncWrite, AsyncWriteExt, BufReader};

/// The channel name stored in channel bindings.
pub const CHANNEL: &str = "console";

/// Finds (or creates, with these roster fields) the respondent who chats from this terminal
/// under `address`.
pub async fn respondent(
    store: &Store,
    address: &str,
    fields: RespondentFields,
) -> anyhow::Result<RespondentId> {
    if let Some(id) = store.respondent_by_channel(CHANNEL, address).await? {
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
    let id = store.upsert_respondent(&new, now).await?;
    store.bind_channel(id, CHANNEL, address, now).await?;
    Ok(id)
}

async fn print(out: &mut (impl AsyncWrite + Unpin), replies: &[Reply]) -> anyhow::Result<()> {
    for r in replies {
        out.write_all(r.plain().as_bytes()).await?;
        out.write_all(b"\n\n").await?;
    }
    out.flush().await?;
    Ok(())
}

/// Runs the chat until end of input or `/keluar` (`/quit`). On start it sends `/mulai`, so a
/// new respondent sees the consent text and a returning one their current question.
pub async fn run(
    conv: &Conversations,
    respondent: RespondentId,
    input: impl tokio::io::AsyncRead + Unpin,
    mut out: impl AsyncWrite + Unpin,
) -> anyhow::Result<()> {
    out.write_all("(Ketik jawaban lalu Enter. /bantuan untuk bantuan, /keluar untuk keluar; jawaban tersimpan dan bisa dilanjutkan nanti.)\n\n".as_bytes())
        .await?;
    let start = conv
        .handle(respondent, &Input::Text("/mulai".into()), None, Utc::now())
        .await?;
    if let Handled::Replies(r) = start {
        print(&mut out, &r).await?;
    }
    let mut lines = BufReader::new(input).lines();
    loop {
        out.write_all(b"> ").await?;
        out.flush().await?;
        let Some(line) = lines.next_line().await.context("reading the terminal")? else {
            break;
        };
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if matches!(t.to_lowercase().as_str(), "/keluar" | "/quit" | "/exit") {
            out.write_all("Sampai jumpa! Ketik jejak chat lagi untuk melanjutkan.\n".as_bytes())
                .await?;
            break;
        }
        match conv
            .handle(respondent, &Input::Text(t.to_string()), None, Utc::now())
            .await?
        {
            Handled::Replies(r) => print(&mut out, &r).await?,
            Handled::Duplicate => {}
        }
    }
    out.flush().await?;
    Ok(())
}
