//! When a wave is due: once (`--at "2026-12-01 09:00"`) or on a standard 5-field cron
//! schedule (`--cron "0 9 * * MON"`), both read in a time zone, optionally `--until` a day.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

/// A schedule staff wrote that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// `--at` is not a date and time.
    #[error("{0:?} is not a date and time like \"2026-12-01 09:00\"")]
    At(String),
    /// `--until` is not a date (or date and time).
    #[error("{0:?} is not a date like \"2026-12-31\"")]
    Until(String),
    /// The local time does not exist in the zone (a daylight-saving gap).
    #[error("{0} does not exist in that time zone")]
    NoSuchLocalTime(String),
    /// The cron expression is not 5 standard fields.
    #[error("{0:?} is not a cron schedule of 5 fields (minute hour day month weekday): {1}")]
    Cron(String, String),
    /// `--min-gap` is not a duration.
    #[error("{0:?} is not a duration like 3d, 12h, 90m or 1d12h")]
    Gap(String),
}

fn local_to_utc(tz: Tz, local: NaiveDateTime, shown: &str) -> Result<DateTime<Utc>, SpecError> {
    tz.from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| SpecError::NoSuchLocalTime(shown.to_owned()))
}

/// Parses a local date and time (`2026-12-01 09:00`, `2026-12-01T09:00`, optional `:ss`)
/// in zone `tz`.
pub fn parse_at(s: &str, tz: Tz) -> Result<DateTime<Utc>, SpecError> {
    let t = s.trim();
    let local = [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
    .ok_or_else(|| SpecError::At(s.to_owned()))?;
    local_to_utc(tz, local, s)
}

/// Parses `--until`: a date means the end of that day in `tz`; a date and time is that
/// instant.
pub fn parse_until(s: &str, tz: Tz) -> Result<DateTime<Utc>, SpecError> {
    if let Ok(d) = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        let next = d.succ_opt().ok_or_else(|| SpecError::Until(s.to_owned()))?;
        return local_to_utc(tz, next.and_time(chrono::NaiveTime::MIN), s)
            .map(|t| t - Duration::milliseconds(1));
    }
    parse_at(s, tz).map_err(|_| SpecError::Until(s.to_owned()))
}

/// Parses a standard 5-field cron expression (minute hour day-of-month month day-of-week;
/// 0 or 7 = Sunday, 1 = Monday; names like MON allowed). Seconds and years are refused so
/// that "0 9 * * 1" always means Monday 09:00.
pub fn parse_cron(s: &str) -> Result<Cron, SpecError> {
    let fields = s.split_whitespace().count();
    if fields != 5 && !s.trim().starts_with('@') {
        return Err(SpecError::Cron(
            s.to_owned(),
            format!("found {fields} fields"),
        ));
    }
    CronParser::builder()
        .seconds(Seconds::Disallowed)
        .year(Year::Disallowed)
        .build()
        .parse(s.trim())
        .map_err(|e| SpecError::Cron(s.to_owned(), e.to_string()))
}

/// Parses a duration such as `3d`, `12h`, `90m`, `1d12h` or `45s`.
pub fn parse_gap(s: &str) -> Result<Duration, SpecError> {
    let err = || SpecError::Gap(s.to_owned());
    let mut total = Duration::zero();
    let mut num = String::new();
    let t = s.trim();
    if t.is_empty() {
        return Err(err());
    }
    for c in t.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: i64 = num.parse().map_err(|_| err())?;
        num.clear();
        let unit = match c.to_ascii_lowercase() {
            'd' => Duration::try_days(n),
            'h' => Duration::try_hours(n),
            'm' => Duration::try_minutes(n),
            's' => Duration::try_seconds(n),
            'w' => Duration::try_weeks(n),
            _ => None,
        }
        .ok_or_else(err)?;
        total = total.checked_add(&unit).ok_or_else(err)?;
    }
    if !num.is_empty() {
        return Err(err());
    }
    Ok(total)
}

/// When a wave is due.
#[derive(Debug, Clone)]
pub enum Schedule {
    /// Once, at this instant.
    Once(DateTime<Utc>),
    /// At every match of the cron pattern in zone `tz`.
    Cron {
        /// The pattern.
        cron: Box<Cron>,
        /// The zone the pattern's hours are read in.
        tz: Tz,
    },
}

impl Schedule {
    /// The run that should be planned at `now`: the latest due time that is after `after`
    /// (the last planned run, or the wave's creation), not after `now` and not after
    /// `until`. Missed cron occurrences (the dispatcher was down for days) collapse into the
    /// latest one: nobody gets a backlog of reminders at once.
    pub fn due(
        &self,
        after: DateTime<Utc>,
        now: DateTime<Utc>,
        until: Option<DateTime<Utc>>,
        first: bool,
    ) -> Option<DateTime<Utc>> {
        let limit = until.map_or(now, |u| u.min(now));
        match self {
            Schedule::Once(at) => (first && *at <= limit).then_some(*at),
            Schedule::Cron { cron, tz } => {
                let local = limit.with_timezone(tz);
                let prev = cron.find_previous_occurrence(&local, true).ok()?;
                let prev = prev.with_timezone(&Utc);
                (prev > after || (first && prev == after)).then_some(prev)
            }
        }
    }

    /// The next due time after `after`, if any (for `wave list` and `wave show`).
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Schedule::Once(at) => (*at > after).then_some(*at),
            Schedule::Cron { cron, tz } => cron
                .find_next_occurrence(&after.with_timezone(tz), false)
                .ok()
                .map(|t| t.with_timezone(&Utc)),
        }
    }

    /// Whether no run can ever be due after `after`.
    pub fn exhausted(&self, after: DateTime<Utc>, until: Option<DateTime<Utc>>) -> bool {
        match self {
            Schedule::Once(_) => true,
            Schedule::Cron { .. } => match (self.next_after(after), until) {
                (None, _) => true,
                (Some(n), Some(u)) => n > u,
                (Some(_), None) => false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::{Jakarta, Jayapura, Makassar};

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("valid")
            .with_timezone(&Utc)
    }

    #[test]
    fn at_in_each_zone() {
        assert_eq!(
            parse_at("2026-12-01 09:00", Jakarta),
            Ok(utc("2026-12-01T02:00:00Z"))
        );
        assert_eq!(
            parse_at("2026-12-01T09:00", Makassar),
            Ok(utc("2026-12-01T01:00:00Z"))
        );
        assert_eq!(
            parse_at("2026-12-01 09:00", Jayapura),
            Ok(utc("2026-12-01T00:00:00Z"))
        );
        assert!(parse_at("1 Dec 9am", Jakarta).is_err());
        assert_eq!(
            parse_until("2026-12-31", Jakarta),
            Ok(utc("2026-12-31T16:59:59.999Z"))
        );
    }

    #[test]
    fn cron_is_five_standard_fields() {
        assert!(parse_cron("0 0 9 * * 1").is_err());
        assert!(parse_cron("0 9 * *").is_err());
        let c = parse_cron("0 9 * * MON").expect("valid");
        let s = Schedule::Cron {
            cron: Box::new(c),
            tz: Makassar,
        };
        // 2026-11-30 is a Monday; 09:00 WITA = 01:00 UTC.
        assert_eq!(
            s.next_after(utc("2026-11-29T00:00:00Z")),
            Some(utc("2026-11-30T01:00:00Z"))
        );
        let one = Schedule::Cron {
            cron: Box::new(parse_cron("0 9 * * 1").expect("valid")),
            tz: Jakarta,
        };
        assert_eq!(
            one.next_after(utc("2026-11-29T00:00:00Z")),
            Some(utc("2026-11-30T02:00:00Z")),
            "1 is Monday, not Sunday"
        );
    }

    #[test]
    fn due_collapses_missed_runs_and_respects_until() {
        let s = Schedule::Cron {
            cron: Box::new(parse_cron("0 9 * * *").expect("valid")),
            tz: Jakarta,
        };
        let created = utc("2026-11-30T00:00:00Z");
        // Three days later, only the latest occurrence is due.
        let now = utc("2026-12-03T03:00:00Z");
        assert_eq!(
            s.due(created, now, None, true),
            Some(utc("2026-12-03T02:00:00Z"))
        );
        // Already planned: nothing new.
        assert_eq!(s.due(utc("2026-12-03T02:00:00Z"), now, None, false), None);
        // Until cuts it.
        let until = parse_until("2026-12-01", Jakarta).expect("valid");
        assert_eq!(
            s.due(created, now, Some(until), true),
            Some(utc("2026-12-01T02:00:00Z"))
        );
        assert!(s.exhausted(utc("2026-12-01T02:00:00Z"), Some(until)));
        assert_eq!(parse_gap("1d12h"), Ok(Duration::hours(36)));
        assert!(parse_gap("3x").is_err());
        assert!(parse_gap("3").is_err());
    }
}
