//! How long a flow keeps what it collected (`retention: 5y` in the flow header): parsed
//! here, applied by the daily retention job (`schedule::retention`) and `jejak purge`.
//!
//! The consent text's own `retention` part is prose in each language ("lima tahun setelah
//! survei ditutup"), so it is not compared with this value: a checker cannot read every way
//! a person writes a length of time, and a false alarm would teach authors to ignore it.
//! The flow's author keeps the two in step; the README says so.

use chrono::{DateTime, Days, Months, Utc};

/// A length of time in whole units, as written in the flow (`5y`, `18m`, `90d`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    /// Calendar years.
    Years(u32),
    /// Calendar months.
    Months(u32),
    /// Days.
    Days(u32),
}

/// The longest retention a flow may state: beyond it the value is almost certainly a typo
/// (`50y` for `5y`), and a century also keeps every date arithmetic far from overflow.
const MAX_YEARS: u32 = 100;

impl Retention {
    /// Reads `5y`, `18m`, `90d` (also `5 y`, `5Y`; Indonesian `5 tahun`, `18 bulan`,
    /// `90 hari`). `None` for anything else, zero, or more than a hundred years.
    pub fn parse(s: &str) -> Option<Retention> {
        let s = s.trim().to_lowercase();
        let digits = s.bytes().take_while(u8::is_ascii_digit).count();
        let n: u32 = s.get(..digits)?.parse().ok()?;
        let unit = s.get(digits..)?.trim();
        let r = match unit {
            "y" | "tahun" | "year" | "years" => Retention::Years(n),
            "m" | "bulan" | "month" | "months" => Retention::Months(n),
            "d" | "hari" | "day" | "days" => Retention::Days(n),
            _ => return None,
        };
        let days = match r {
            Retention::Years(n) => u64::from(n) * 366,
            Retention::Months(n) => u64::from(n) * 31,
            Retention::Days(n) => u64::from(n),
        };
        (n > 0 && days <= u64::from(MAX_YEARS) * 366).then_some(r)
    }

    /// The instant before which data is older than this retention, seen at `now`: calendar
    /// arithmetic (five years before 29 February is 28 February), so `5y` is five birthdays,
    /// not 5 × 365 days.
    pub fn cutoff(self, now: DateTime<Utc>) -> DateTime<Utc> {
        let back = match self {
            Retention::Years(n) => now.checked_sub_months(Months::new(n.saturating_mul(12))),
            Retention::Months(n) => now.checked_sub_months(Months::new(n)),
            Retention::Days(n) => now.checked_sub_days(Days::new(u64::from(n))),
        };
        // Only a date before year −262,000 fails; parse() keeps values far from that.
        back.unwrap_or(DateTime::<Utc>::MIN_UTC)
    }
}

impl std::fmt::Display for Retention {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Retention::Years(n) => write!(f, "{n}y"),
            Retention::Months(n) => write!(f, "{n}m"),
            Retention::Days(n) => write!(f, "{n}d"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn reads_the_written_forms_and_refuses_the_rest() {
        assert_eq!(Retention::parse("5y"), Some(Retention::Years(5)));
        assert_eq!(Retention::parse(" 18 M "), Some(Retention::Months(18)));
        assert_eq!(Retention::parse("90d"), Some(Retention::Days(90)));
        assert_eq!(Retention::parse("5 tahun"), Some(Retention::Years(5)));
        for bad in [
            "",
            "y",
            "0y",
            "5",
            "5x",
            "-5y",
            "5.5y",
            "101y",
            "1300m",
            "5yy",
            "lima tahun",
        ] {
            assert_eq!(Retention::parse(bad), None, "{bad:?}");
        }
        assert_eq!(Retention::parse("100y"), Some(Retention::Years(100)));
    }

    #[test]
    fn cutoff_is_calendar_arithmetic() {
        let now = Utc.with_ymd_and_hms(2032, 2, 29, 10, 0, 0).unwrap();
        assert_eq!(
            Retention::Years(5).cutoff(now),
            Utc.with_ymd_and_hms(2027, 2, 28, 10, 0, 0).unwrap()
        );
        assert_eq!(
            Retention::Months(1).cutoff(now),
            Utc.with_ymd_and_hms(2032, 1, 29, 10, 0, 0).unwrap()
        );
        assert_eq!(
            Retention::Days(30).cutoff(now),
            Utc.with_ymd_and_hms(2032, 1, 30, 10, 0, 0).unwrap()
        );
    }
}
