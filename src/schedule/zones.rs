//! Indonesia's three time zones and any other IANA zone a respondent may live in.

use chrono_tz::Tz;

/// The zone of a respondent without one: Western Indonesia Time.
pub const DEFAULT_ZONE: Tz = chrono_tz::Asia::Jakarta;

/// The name stored for [`DEFAULT_ZONE`].
pub const DEFAULT_ZONE_NAME: &str = "Asia/Jakarta";

/// A time zone name that is neither an IANA name nor WIB/WITA/WIT.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown time zone {0:?}: use an IANA name such as Asia/Jakarta (WIB), Asia/Makassar (WITA) or Asia/Jayapura (WIT)"
)]
pub struct UnknownZone(pub String);

/// Parses a zone given by staff: an IANA name (`Asia/Makassar`) or one of the Indonesian
/// abbreviations `WIB`, `WITA`, `WIT` (case-insensitive).
pub fn parse_zone(name: &str) -> Result<Tz, UnknownZone> {
    let trimmed = name.trim();
    match trimmed.to_ascii_uppercase().as_str() {
        "WIB" => return Ok(chrono_tz::Asia::Jakarta),
        "WITA" => return Ok(chrono_tz::Asia::Makassar),
        "WIT" => return Ok(chrono_tz::Asia::Jayapura),
        _ => {}
    }
    trimmed
        .parse::<Tz>()
        .map_err(|_| UnknownZone(name.to_owned()))
}

/// The zone of a stored respondent: `NULL` (and, rather than failing a whole wave, a name
/// that no longer parses) means [`DEFAULT_ZONE`].
pub fn respondent_zone(stored: Option<&str>) -> Tz {
    stored
        .and_then(|s| parse_zone(s).ok())
        .unwrap_or(DEFAULT_ZONE)
}

/// The Indonesian abbreviation of a zone (`WIB`, `WITA`, `WIT`), else its IANA name.
pub fn label(tz: Tz) -> &'static str {
    match tz {
        chrono_tz::Asia::Jakarta | chrono_tz::Asia::Pontianak => "WIB",
        chrono_tz::Asia::Makassar => "WITA",
        chrono_tz::Asia::Jayapura => "WIT",
        other => other.name(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abbreviations_and_iana_names() {
        assert_eq!(parse_zone("wita"), Ok(chrono_tz::Asia::Makassar));
        assert_eq!(parse_zone("Asia/Jayapura"), Ok(chrono_tz::Asia::Jayapura));
        assert!(parse_zone("Mars/Olympus").is_err());
        assert_eq!(respondent_zone(None), DEFAULT_ZONE);
        assert_eq!(respondent_zone(Some("garbage")), DEFAULT_ZONE);
        assert_eq!(label(respondent_zone(Some("Asia/Makassar"))), "WITA");
    }
}
