//! What staff do with waves, whether from the command line (`jejak wave …`) or the console:
//! turn what they wrote into a checked [`NewWave`] ([`build`]), say when it will send
//! ([`upcoming`], [`Weekly`] for schedules chosen in plain words), who would receive it now
//! and who is excluded and why ([`dry_run`]), and pause, resume or cancel it
//! ([`WaveChange`]). One copy of each rule, so the two front ends cannot disagree.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc, Weekday};

use super::eligibility::{Exclusion, FilterError, Segment, StatusFilter};
use super::planner;
use super::quiet::QuietHours;
use super::spec::{self, SpecError};
use super::zones::{self, UnknownZone};
use crate::i18n::Catalog;
use crate::model::Lang;
use crate::store::{NewWave, Store, Wave, WaveId, WaveState, WaveTemplate};

/// A wave as staff describe it, before it is checked: the options of `jejak wave add`.
#[derive(Debug, Clone, Default)]
pub struct WaveInput {
    /// The flow's id.
    pub flow_id: String,
    /// Once, at this local date and time ("2026-12-01 09:00").
    pub at: Option<String>,
    /// Or repeatedly, on this 5-field cron schedule.
    pub cron: Option<String>,
    /// The zone `at` and `cron` are read in (IANA name or WIB/WITA/WIT).
    pub tz: String,
    /// No run after this date (end of that day) or date and time.
    pub until: Option<String>,
    /// Only these respondents.
    pub segment: Segment,
    /// `not-started`, `in-progress` or `pending`.
    pub status: String,
    /// The reminder's message id in `locales/*/waves.ftl`.
    pub message: String,
    /// At most this many reminders of this wave per person.
    pub max_per_person: Option<i64>,
    /// At least this long since the person's last reminder ("3d", "12h").
    pub min_gap: Option<String>,
    /// A name; default from the message and schedule.
    pub name: Option<String>,
    /// WhatsApp template name.
    pub template: Option<String>,
    /// The template's language code.
    pub template_lang: String,
    /// Respondent fields filling the template's parameters, in order.
    pub template_params: Vec<String>,
}

/// Why a wave cannot be made as described. The texts are the command line's; the console
/// shows its own, translated, per variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WaveError {
    /// An unknown time zone.
    #[error(transparent)]
    Zone(#[from] UnknownZone),
    /// A date, time, cron schedule or duration that does not parse.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// A bad segment or status.
    #[error(transparent)]
    Filter(#[from] FilterError),
    /// Neither a one-off time nor a repeating schedule.
    #[error("give --at (once) or --cron (repeating)")]
    NoSchedule,
    /// Both a one-off time and a repeating schedule.
    #[error("give --at or --cron, not both")]
    BothSchedules,
    /// The message id is missing in a language.
    #[error(
        "no message `{id}` in locales/{lang}/waves.ftl: add it in both languages (known reminders: reminder-1, reminder-2, reminder-last)"
    )]
    UnknownMessage {
        /// The id given.
        id: String,
        /// The language tag lacking it.
        lang: &'static str,
    },
    /// `max_per_person` below 1.
    #[error("--max-per-person must be at least 1")]
    MaxPerPerson,
    /// A template parameter that is not a respondent field.
    #[error("--template-params: {0:?} is not a respondent field")]
    TemplateParam(String),
    /// A one-off time that has already passed (refused by the console, where a past time
    /// is a typing mistake rather than "send now").
    #[error("{0} is in the past")]
    Past(String),
    /// A weekly schedule without any day, or a time that is not HH:MM.
    #[error("choose at least one day and a time like 09:00")]
    Weekly,
}

/// Checks a wave's description and turns it into a [`NewWave`]: the zone, the one-off time
/// or cron schedule, `until`, the status filter, the message (it must exist in every
/// language), the cap, the gap and the template parameters.
pub fn build(a: &WaveInput, catalog: &Catalog) -> Result<NewWave, WaveError> {
    let tz = zones::parse_zone(&a.tz)?;
    let at = a.at.as_deref().map(|s| spec::parse_at(s, tz)).transpose()?;
    match (&a.at, &a.cron) {
        (None, None) => return Err(WaveError::NoSchedule),
        (Some(_), Some(_)) => return Err(WaveError::BothSchedules),
        (None, Some(c)) => {
            spec::parse_cron(c)?;
        }
        (Some(_), None) => {}
    }
    let until = a
        .until
        .as_deref()
        .map(|s| spec::parse_until(s, tz))
        .transpose()?;
    let status = StatusFilter::parse(&a.status)?;
    for lang in Lang::ALL {
        if !catalog.has(lang, &a.message) {
            return Err(WaveError::UnknownMessage {
                id: a.message.clone(),
                lang: lang.tag(),
            });
        }
    }
    if let Some(m) = a.max_per_person
        && m < 1
    {
        return Err(WaveError::MaxPerPerson);
    }
    let min_gap_secs = a
        .min_gap
        .as_deref()
        .map(spec::parse_gap)
        .transpose()?
        .map(|d| d.num_seconds());
    for f in &a.template_params {
        if crate::model::RespondentFields::default().get(f).is_none()
            && !crate::model::RespondentFields::KNOWN.contains(&f.as_str())
            && !f.starts_with("extra.")
        {
            return Err(WaveError::TemplateParam(f.clone()));
        }
    }
    let when = match (&a.at, &a.cron) {
        (Some(at), _) => at.clone(),
        (None, Some(c)) => format!("cron {c}"),
        (None, None) => String::new(),
    };
    Ok(NewWave {
        flow_id: a.flow_id.clone(),
        name: a
            .name
            .clone()
            .unwrap_or_else(|| format!("{} {when} {}", a.message, zones::label(tz))),
        message_id: a.message.clone(),
        at,
        cron: a.cron.clone(),
        tz: Some(tz.name().to_owned()),
        until,
        segment: a.segment.clone(),
        status,
        max_per_person: a.max_per_person,
        min_gap_secs,
        template: a.template.clone().map(|name| WaveTemplate {
            name,
            language: a.template_lang.clone(),
            params: a.template_params.clone(),
        }),
    })
}

/// Refuses a one-off wave whose time has passed at `now` (`shown` is the time as staff
/// wrote it, for the message).
pub fn refuse_past(w: &NewWave, now: DateTime<Utc>, shown: &str) -> Result<(), WaveError> {
    match w.at {
        Some(at) if at <= now => Err(WaveError::Past(shown.to_owned())),
        _ => Ok(()),
    }
}

/// The reminder texts a wave can send: the message ids of `locales/*/waves.ftl` that exist
/// in every language, in file order.
pub fn reminder_ids(catalog: &Catalog) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for (_, file, src) in crate::i18n::catalog::SOURCES {
        if !file.ends_with("/waves.ftl") {
            continue;
        }
        for line in src.lines() {
            // A message starts a line with its id and " ="; comments, attributes and
            // continuation lines start otherwise.
            let Some((id, _)) = line.split_once('=') else {
                continue;
            };
            let id = id.trim_end();
            let is_id = id.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if is_id && !ids.iter().any(|x| x == id) {
                ids.push(id.to_owned());
            }
        }
    }
    ids.retain(|id| Lang::ALL.into_iter().all(|l| catalog.has(l, id)));
    ids
}

/// A wave that is not stored yet, for a dry run before saving it (id 0: no outbox row is
/// of it, so its cap and queued messages count nobody, as for a wave just saved).
pub fn unsaved(spec: NewWave, now: DateTime<Utc>) -> Wave {
    Wave {
        id: 0,
        spec,
        state: WaveState::Active,
        created_at: now,
    }
}

/// A repeating schedule in plain words: on these weekdays at this local time. It is a cron
/// schedule with fixed minute and hour, any day of the month and month, and a day-of-week
/// list; [`Weekly::cron`] writes it and [`Weekly::from_cron`] recognises it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Weekly {
    /// The days, Monday first.
    pub days: BTreeSet<u8>,
    /// Local hour.
    pub hour: u32,
    /// Local minute.
    pub minute: u32,
}

/// Weekdays in the order the console shows them, with their cron names.
pub const WEEKDAYS: [(Weekday, &str); 7] = [
    (Weekday::Mon, "MON"),
    (Weekday::Tue, "TUE"),
    (Weekday::Wed, "WED"),
    (Weekday::Thu, "THU"),
    (Weekday::Fri, "FRI"),
    (Weekday::Sat, "SAT"),
    (Weekday::Sun, "SUN"),
];

impl Weekly {
    /// From weekday names (`MON`…`SUN`, any case) and a time `HH:MM`.
    pub fn new(days: &[&str], time: &str) -> Result<Weekly, WaveError> {
        let mut set = BTreeSet::new();
        for d in days {
            let i = WEEKDAYS
                .iter()
                .position(|(_, n)| n.eq_ignore_ascii_case(d.trim()))
                .ok_or(WaveError::Weekly)?;
            set.insert(i as u8);
        }
        let t = chrono::NaiveTime::parse_from_str(time.trim(), "%H:%M")
            .map_err(|_| WaveError::Weekly)?;
        if set.is_empty() {
            return Err(WaveError::Weekly);
        }
        use chrono::Timelike as _;
        Ok(Weekly {
            days: set,
            hour: t.hour(),
            minute: t.minute(),
        })
    }

    /// The cron schedule: `0 9 * * MON,WED`, or `0 9 * * *` for every day.
    pub fn cron(&self) -> String {
        let dow = if self.days.len() == 7 {
            "*".to_owned()
        } else {
            self.days
                .iter()
                .map(|d| WEEKDAYS[usize::from(*d)].1)
                .collect::<Vec<_>>()
                .join(",")
        };
        format!("{} {} * * {dow}", self.minute, self.hour)
    }

    /// Recognises a cron schedule that is a weekly one (fixed minute and hour, `*` day of
    /// month and month, a list of weekdays or `*`); `None` for anything else.
    pub fn from_cron(cron: &str) -> Option<Weekly> {
        let f: Vec<&str> = cron.split_whitespace().collect();
        let [min, hour, "*", "*", dow] = f.as_slice() else {
            return None;
        };
        let minute: u32 = min.parse().ok().filter(|m| *m < 60)?;
        let hour: u32 = hour.parse().ok().filter(|h| *h < 24)?;
        let mut days = BTreeSet::new();
        if *dow == "*" {
            days.extend(0..7u8);
        } else {
            for d in dow.split(',') {
                let i = match d.parse::<u8>() {
                    // Cron counts 0 and 7 as Sunday, 1 as Monday.
                    Ok(n @ 1..=6) => n - 1,
                    Ok(0 | 7) => 6,
                    Ok(_) => return None,
                    Err(_) => WEEKDAYS
                        .iter()
                        .position(|(_, n)| n.eq_ignore_ascii_case(d))?
                        as u8,
                };
                days.insert(i);
            }
        }
        Some(Weekly { days, hour, minute })
    }

    /// The time as `HH:MM`.
    pub fn time(&self) -> String {
        format!("{:02}:{:02}", self.hour, self.minute)
    }
}

/// The next send times of a wave after `now`, at most `limit` and none after `horizon`:
/// nothing for a cancelled or finished wave, a one-off's time if it has not come, the
/// cron's matches up to `until`. `last` is the due time of its latest planned run.
pub fn upcoming(
    w: &Wave,
    last: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    limit: usize,
    horizon: Option<DateTime<Utc>>,
) -> Vec<DateTime<Utc>> {
    let mut out = Vec::new();
    if !matches!(w.state, WaveState::Active | WaveState::Paused) {
        return out;
    }
    let Ok(sch) = planner::schedule_of(w) else {
        return out;
    };
    let mut after = last.unwrap_or(now).max(now);
    while out.len() < limit {
        let Some(n) = sch.next_after(after) else {
            break;
        };
        if w.spec.until.is_some_and(|u| n > u) || horizon.is_some_and(|h| n > h) {
            break;
        }
        out.push(n);
        after = n;
    }
    out
}

/// The dry run of a wave at `now`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DryRun {
    /// Would receive it now.
    pub eligible_now: i64,
    /// Excluded, by reason (quiet hours included).
    pub excluded: BTreeMap<Exclusion, i64>,
    /// Of those in quiet hours, how many per zone label.
    pub quiet_by_zone: BTreeMap<String, i64>,
}

impl DryRun {
    /// Everyone in the wave's segment.
    pub fn segment_size(&self) -> i64 {
        self.eligible_now + self.excluded.values().sum::<i64>()
    }
}

/// Who would receive the wave if it ran at `now`, and who is excluded and why (one grouped
/// query over the segment: the planner's own rules, see `eligibility`).
pub async fn dry_run(
    store: &Store,
    w: &Wave,
    quiet: &QuietHours,
    now: DateTime<Utc>,
) -> crate::store::Result<DryRun> {
    let mut d = DryRun::default();
    for (reason, tz, n) in store.waves().classify_audience(w, now).await? {
        match reason {
            Some(e) => *d.excluded.entry(e).or_default() += n,
            None => {
                let zone = zones::respondent_zone(tz.as_deref());
                if quiet.is_quiet(now, zone) {
                    *d.excluded.entry(Exclusion::QuietHours).or_default() += n;
                    *d.quiet_by_zone
                        .entry(zones::label(zone).to_owned())
                        .or_default() += n;
                } else {
                    d.eligible_now += n;
                }
            }
        }
    }
    Ok(d)
}

/// A change of a wave's state staff may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaveChange {
    /// Stop planning and sending until resumed.
    Pause,
    /// Plan and send again.
    Resume,
    /// Stop for good; queued messages are skipped.
    Cancel,
}

impl WaveChange {
    /// Parses `pause`, `resume`, `cancel`.
    pub fn parse(s: &str) -> Option<WaveChange> {
        match s {
            "pause" => Some(WaveChange::Pause),
            "resume" => Some(WaveChange::Resume),
            "cancel" => Some(WaveChange::Cancel),
            _ => None,
        }
    }

    /// `pause`, `resume` or `cancel` (also the audit action's suffix: `wave-pause`).
    pub fn name(self) -> &'static str {
        match self {
            WaveChange::Pause => "pause",
            WaveChange::Resume => "resume",
            WaveChange::Cancel => "cancel",
        }
    }

    /// The states the change applies to.
    pub fn from(self) -> &'static [WaveState] {
        match self {
            WaveChange::Pause => &[WaveState::Active, WaveState::Finished],
            WaveChange::Resume => &[WaveState::Paused],
            WaveChange::Cancel => &[WaveState::Active, WaveState::Paused, WaveState::Finished],
        }
    }

    /// The state it leads to.
    pub fn to(self) -> WaveState {
        match self {
            WaveChange::Pause => WaveState::Paused,
            WaveChange::Resume => WaveState::Active,
            WaveChange::Cancel => WaveState::Cancelled,
        }
    }

    /// Whether a wave in `state` can take this change.
    pub fn applies_to(self, state: WaveState) -> bool {
        self.from().contains(&state)
    }

    /// Applies it to wave `id`; false when the wave is in none of [`WaveChange::from`]'s
    /// states (or does not exist).
    pub async fn apply(self, store: &Store, id: WaveId) -> crate::store::Result<bool> {
        store
            .waves()
            .set_wave_state(id, self.from(), self.to())
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> WaveInput {
        WaveInput {
            flow_id: "tracer-smk".into(),
            at: Some("2026-12-01 09:00".into()),
            tz: "WITA".into(),
            status: "pending".into(),
            message: "reminder-1".into(),
            template_lang: "id".into(),
            ..WaveInput::default()
        }
    }

    #[test]
    fn build_checks_and_names() {
        let c = Catalog::embedded().expect("catalog");
        let w = build(&input(), &c).expect("valid");
        assert_eq!(w.tz.as_deref(), Some("Asia/Makassar"));
        assert_eq!(w.name, "reminder-1 2026-12-01 09:00 WITA");
        let mut bad = input();
        bad.message = "nope".into();
        assert!(matches!(
            build(&bad, &c),
            Err(WaveError::UnknownMessage { .. })
        ));
        let mut bad = input();
        bad.max_per_person = Some(0);
        assert_eq!(build(&bad, &c).err(), Some(WaveError::MaxPerPerson));
        let mut bad = input();
        bad.at = None;
        assert_eq!(build(&bad, &c).err(), Some(WaveError::NoSchedule));
        let mut bad = input();
        bad.template_params = vec!["password".into()];
        assert!(matches!(build(&bad, &c), Err(WaveError::TemplateParam(_))));
        let past = w.at.expect("at") + chrono::Duration::minutes(1);
        assert!(refuse_past(&w, past, "x").is_err());
        assert!(refuse_past(&w, past - chrono::Duration::hours(1), "x").is_ok());
    }

    #[test]
    fn reminder_ids_are_those_of_both_languages() {
        let c = Catalog::embedded().expect("catalog");
        let ids = reminder_ids(&c);
        assert_eq!(ids, vec!["reminder-1", "reminder-2", "reminder-last"]);
    }

    #[test]
    fn weekly_round_trips_and_monday_is_monday() {
        let w = Weekly::new(&["mon", "WED"], "09:30").expect("valid");
        assert_eq!(w.cron(), "30 9 * * MON,WED");
        assert_eq!(Weekly::from_cron(&w.cron()), Some(w.clone()));
        assert_eq!(Weekly::from_cron("30 9 * * 1,3"), Some(w));
        assert_eq!(
            Weekly::from_cron("0 9 * * 0").map(|w| w.days),
            Some(BTreeSet::from([6]))
        );
        let all = Weekly::new(&["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"], "07:00")
            .expect("valid");
        assert_eq!(all.cron(), "0 7 * * *");
        assert_eq!(Weekly::from_cron("0 9 1 * *"), None);
        assert_eq!(Weekly::from_cron("*/5 9 * * *"), None);
        assert!(Weekly::new(&[], "09:00").is_err());
        assert!(Weekly::new(&["MON"], "9am").is_err());
        // The cron the plain words make runs on Mondays.
        let cron =
            spec::parse_cron(&Weekly::new(&["MON"], "09:00").expect("v").cron()).expect("cron");
        let s = spec::Schedule::Cron {
            cron: Box::new(cron),
            tz: chrono_tz::Asia::Jakarta,
        };
        use chrono::Datelike as _;
        let next = s
            .next_after(
                DateTime::parse_from_rfc3339("2026-12-02T00:00:00Z")
                    .expect("t")
                    .into(),
            )
            .expect("next");
        assert_eq!(
            next.with_timezone(&chrono_tz::Asia::Jakarta).weekday(),
            Weekday::Mon
        );
    }
}
