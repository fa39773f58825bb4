//! `jejak backup --out FILE`: an online, consistent copy of the SQLite database while the
//! bot runs (`VACUUM INTO`, see [`crate::store::Ops::backup_sqlite`]). On PostgreSQL it
//! refuses and points at `pg_dump`, which does the same for a server database.

use std::path::Path;

use crate::i18n::staff_text;
use crate::model::Lang;
use crate::store::Backend;

/// Runs `jejak backup`; returns the exit code. `database_url` and `data_dir` choose the
/// database as for every other command.
pub async fn run(
    database_url: Option<&str>,
    data_dir: &Path,
    out: &Path,
    lang: Lang,
) -> anyhow::Result<i32> {
    let shown = out.display().to_string();
    if let Some(url) = database_url
        && Backend::from_url(url).ok() == Some(Backend::Postgres)
    {
        eprintln!("{}", staff_text(lang, "cli-backup-postgres", &[]));
        return Ok(2);
    }
    if out.exists() {
        eprintln!(
            "{}",
            staff_text(lang, "cli-backup-exists", &[("path", &shown)])
        );
        return Ok(2);
    }
    let store = super::open(&database_url.map(str::to_owned), data_dir, lang).await?;
    let done = store.ops().backup_sqlite(out).await;
    store.close().await;
    match done {
        Ok(Some(())) => {
            let size = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
            println!(
                "{}",
                staff_text(
                    lang,
                    "cli-backup-done",
                    &[("path", &shown), ("kib", &(size / 1024).to_string())],
                )
            );
            Ok(0)
        }
        Ok(None) => {
            eprintln!("{}", staff_text(lang, "cli-backup-postgres", &[]));
            Ok(2)
        }
        Err(e) => {
            let what = staff_text(lang, "cli-backup-failed", &[("path", &shown)]);
            anyhow::bail!("{what}: {e}")
        }
    }
}
