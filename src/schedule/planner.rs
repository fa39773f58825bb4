//! Turns due wave runs into outbox rows. Any number of workers may run the planner at
//! once: a run is recorded under a unique (wave, due time) key in the same transaction as
//! its outbox rows, so exactly one planner inserts them.

use chrono::{DateTime, Duration, Utc};

use super::quiet::QuietHours;
use super::spec::{self, Schedule, SpecError};
use super::zones;
use crate::store::{Planned, Result, Store, Wave, WaveId, WaveState};

/// The schedule of a stored wave.
pub fn schedule_of(wave: &Wave) -> std::result::Result<Schedule, SpecError> {
    match (&wave.spec.at, &wave.spec.cron) {
        (Some(at), _) => Ok(Schedule::Once(*at)),
        (None, Some(c)) => {
            let tz = zones::respondent_zone(wave.spec.tz.as_deref());
            Ok(Schedule::Cron {
                cron: Box::new(spec::parse_cron(c)?),
                tz,
            })
        }
        (None, None) => Err(SpecError::At(String::new())),
    }
}

/// Plans every due run of every active wave at `now`, and marks waves whose schedule is
/// over as finished. Returns the runs this call planned (another worker's are not listed).
pub async fn plan_due(
    store: &Store,
    quiet: &QuietHours,
    now: DateTime<Utc>,
) -> Result<Vec<(WaveId, Planned)>> {
    let mut planned = Vec::new();
    for wave in store.waves().active_waves().await? {
        let schedule = match schedule_of(&wave) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(wave = wave.id, error = %e, "wave has an invalid schedule; skipping it");
                continue;
            }
        };
        let last = store.waves().last_run_due(wave.id).await?;
        let after = last.unwrap_or(wave.created_at - Duration::milliseconds(1));
        if let Some(due) = schedule.due(after, now, wave.spec.until, last.is_none()) {
            // Messages may not leave before the run is due, nor (for a late planner) before
            // now; each zone then waits for its own quiet hours to end.
            let start = due.max(now);
            let not_before =
                |tz: Option<&str>| quiet.next_allowed(start, zones::respondent_zone(tz));
            if let Some(p) = store.waves().plan_run(&wave, due, now, &not_before).await? {
                tracing::info!(
                    wave = wave.id,
                    run = p.run_id,
                    messages = p.messages,
                    "planned a wave run"
                );
                planned.push((wave.id, p));
            }
            if schedule.exhausted(due, wave.spec.until) {
                store
                    .waves()
                    .set_wave_state(wave.id, &[WaveState::Active], WaveState::Finished)
                    .await?;
            }
        } else if (last.is_some() && schedule.exhausted(after, wave.spec.until))
            || wave.spec.until.is_some_and(|u| u < now)
        {
            store
                .waves()
                .set_wave_state(wave.id, &[WaveState::Active], WaveState::Finished)
                .await?;
        }
    }
    Ok(planned)
}
