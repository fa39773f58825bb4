//! Quiet hours and blocked windows, held in each respondent's own time zone: no reminder
//! arrives at night (default 21:00–07:00) or in a blocked window such as Friday prayers
//! (`Fri 11:00-13:00`).

use chrono::{DateTime, Datelike, Duration, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

/// A window of local time, daily or on one weekday. `end` before `start` wraps past
/// midnight (21:00–07:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// The weekday the window starts on; `None` for every day.
    pub day: Option<Weekday>,
    /// Local start time (inclusive).
    pub start: NaiveTime,
    /// Local end time (exclusive).
    pub end: NaiveTime,
}

/// Bad quiet-hour settings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuietError {
    /// A time that is not `HH:MM`.
    #[error("{0:?} is not a time of day (HH:MM)")]
    Time(String),
    /// A window that is not `[Day] HH:MM-HH:MM`.
    #[error("{0:?} is not a window like \"Fri 11:00-13:00\" or \"12:00-13:00\"")]
    Window(String),
    /// An unknown day name.
    #[error("{0:?} is not a day of the week (Mon…Sun, Senin…Minggu)")]
    Day(String),
}

impl Window {
    /// The end of the window if local time `t` is inside it.
    fn contains(&self, t: NaiveDateTime) -> Option<NaiveDateTime> {
        let time = t.time();
        let date = t.date();
        let on = |d: chrono::NaiveDate| self.day.is_none_or(|w| d.weekday() == w);
        if self.start == self.end {
            return None;
        }
        if self.start < self.end {
            (on(date) && time >= self.start && time < self.end).then(|| date.and_time(self.end))
        } else if time >= self.start && on(date) {
            // Wraps midnight: from start today to end tomorrow.
            Some((date + Duration::days(1)).and_time(self.end))
        } else if time < self.end && on(date - Duration::days(1)) {
            Some(date.and_time(self.end))
        } else {
            None
        }
    }

    /// Parses `Fri 11:00-13:00`, `Jumat 11:00-13:00` or `12:00-13:00` (every day).
    pub fn parse(s: &str) -> Result<Window, QuietError> {
        let s = s.trim();
        let (day, range) = match s.split_once(char::is_whitespace) {
            Some((d, r)) => (Some(parse_day(d)?), r.trim()),
            None => (None, s),
        };
        let (a, b) = range
            .split_once('-')
            .ok_or_else(|| QuietError::Window(s.to_owned()))?;
        Ok(Window {
            day,
            start: parse_time(a)?,
            end: parse_time(b)?,
        })
    }
}

/// Parses `HH:MM`.
pub fn parse_time(s: &str) -> Result<NaiveTime, QuietError> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| QuietError::Time(s.to_owned()))
}

fn parse_day(s: &str) -> Result<Weekday, QuietError> {
    let d = s.trim().to_lowercase();
    let day = match d.as_str() {
        "mon" | "monday" | "sen" | "senin" => Weekday::Mon,
        "tue" | "tuesday" | "sel" | "selasa" => Weekday::Tue,
        "wed" | "wednesday" | "rab" | "rabu" => Weekday::Wed,
        "thu" | "thursday" | "kam" | "kamis" => Weekday::Thu,
        "fri" | "friday" | "jum" | "jumat" | "jum'at" => Weekday::Fri,
        "sat" | "saturday" | "sab" | "sabtu" => Weekday::Sat,
        "sun" | "sunday" | "min" | "minggu" | "ahad" => Weekday::Sun,
        _ => return Err(QuietError::Day(s.to_owned())),
    };
    Ok(day)
}

/// When reminders may not arrive, in the respondent's local time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuietHours {
    /// Every window, the nightly quiet hours first.
    pub windows: Vec<Window>,
}

impl Default for QuietHours {
    /// 21:00–07:00 every night, nothing else blocked.
    fn default() -> Self {
        QuietHours {
            windows: vec![Window {
                day: None,
                start: NaiveTime::from_hms_opt(21, 0, 0).unwrap_or(NaiveTime::MIN),
                end: NaiveTime::from_hms_opt(7, 0, 0).unwrap_or(NaiveTime::MIN),
            }],
        }
    }
}

impl QuietHours {
    /// Quiet hours from `[schedule]` settings; absent fields take the defaults. Setting
    /// start equal to end turns the nightly quiet hours off.
    pub fn new(
        start: Option<&str>,
        end: Option<&str>,
        blocked: &[String],
    ) -> Result<QuietHours, QuietError> {
        let mut q = QuietHours::default();
        if let Some(s) = start {
            q.windows[0].start = parse_time(s)?;
        }
        if let Some(e) = end {
            q.windows[0].end = parse_time(e)?;
        }
        for b in blocked {
            q.windows.push(Window::parse(b)?);
        }
        Ok(q)
    }

    /// Whether `at` falls in quiet hours or a blocked window in zone `tz`.
    pub fn is_quiet(&self, at: DateTime<Utc>, tz: Tz) -> bool {
        let local = at.with_timezone(&tz).naive_local();
        self.windows.iter().any(|w| w.contains(local).is_some())
    }

    /// The first instant at or after `at` outside every window, in zone `tz`.
    pub fn next_allowed(&self, at: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
        let mut local = at.with_timezone(&tz).naive_local();
        let mut moved = false;
        // Windows may chain (quiet hours end at 07:00, a blocked window 07:00–08:00); a
        // week's worth of hops is more than any sane configuration needs.
        for _ in 0..64 {
            match self.windows.iter().find_map(|w| w.contains(local)) {
                Some(end) => {
                    local = end;
                    moved = true;
                }
                None => break,
            }
        }
        if !moved {
            return at;
        }
        // Indonesia has no daylight saving; elsewhere a skipped local hour moves on by one.
        let resolved = tz.from_local_datetime(&local).earliest().or_else(|| {
            tz.from_local_datetime(&(local + Duration::hours(1)))
                .earliest()
        });
        resolved.map_or(at, |t| t.with_timezone(&Utc).max(at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::{Jakarta, Jayapura, Makassar};

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("valid time")
            .with_timezone(&Utc)
    }

    #[test]
    fn one_instant_is_quiet_in_one_zone_and_not_another() {
        let q = QuietHours::default();
        // 13:30 UTC = 20:30 WIB, 21:30 WITA, 22:30 WIT.
        let t = utc("2026-12-01T13:30:00Z");
        assert!(!q.is_quiet(t, Jakarta));
        assert!(q.is_quiet(t, Makassar));
        assert!(q.is_quiet(t, Jayapura));
        // Next allowed: 07:00 local next morning.
        assert_eq!(q.next_allowed(t, Makassar), utc("2026-12-01T23:00:00Z"));
        assert_eq!(q.next_allowed(t, Jayapura), utc("2026-12-01T22:00:00Z"));
        assert_eq!(q.next_allowed(t, Jakarta), t);
        // 23:30 UTC = 06:30 WIB (quiet), 07:30 WITA, 08:30 WIT.
        let m = utc("2026-12-01T23:30:00Z");
        assert!(q.is_quiet(m, Jakarta));
        assert!(!q.is_quiet(m, Makassar));
        assert_eq!(q.next_allowed(m, Jakarta), utc("2026-12-02T00:00:00Z"));
    }

    #[test]
    fn friday_prayers_block_and_chain_with_quiet_hours() {
        let q = QuietHours::new(
            None,
            None,
            &["Fri 11:00-13:00".into(), "07:00-08:00".into()],
        )
        .expect("valid");
        // 2026-12-04 is a Friday. 04:30 UTC = 11:30 WIB.
        let t = utc("2026-12-04T04:30:00Z");
        assert!(q.is_quiet(t, Jakarta));
        assert_eq!(q.next_allowed(t, Jakarta), utc("2026-12-04T06:00:00Z"));
        // Thursday 11:30 is fine.
        assert!(!q.is_quiet(utc("2026-12-03T04:30:00Z"), Jakarta));
        // 22:00 WIB: quiet until 07:00, then blocked until 08:00.
        let n = utc("2026-12-01T15:00:00Z");
        assert_eq!(q.next_allowed(n, Jakarta), utc("2026-12-02T01:00:00Z"));
        assert!(Window::parse("Fri 11-13").is_err());
        assert!(Window::parse("Funday 11:00-13:00").is_err());
        assert_eq!(
            Window::parse("Jumat 11:00-13:00").map(|w| w.day),
            Ok(Some(Weekday::Fri))
        );
    }
}
