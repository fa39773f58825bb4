//! The identity check behind an open link (a flow anyone may start): the respondent proves
//! they are on the roster with their external id (NISN/NIM) and birth date. Failed attempts
//! are counted per chat address in the database, so guessing stays limited across restarts
//! and across `jejak run` workers; too many failures lock the address out for a while.
//!
//! The channels call [`verify`] with what the respondent typed (see [`parse_claim`]) and
//! reply with the matching message (`Msg::IdentityAsk`, `IdentityWrong`, `IdentityLocked`,
//! `IdentityOk`).

use chrono::{DateTime, Duration, Utc};

use crate::model::Lang;
use crate::store::{RespondentId, Store, StoreError};
use crate::understand::parse_date;

/// How strict the check is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Failed attempts allowed before the lock-out (default 5).
    pub max_attempts: u32,
    /// Failures older than this are forgotten (default 1 hour).
    pub window: Duration,
    /// How long an address stays locked (default 30 minutes).
    pub lockout: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_attempts: 5,
            window: Duration::hours(1),
            lockout: Duration::minutes(30),
        }
    }
}

/// The answer to an identity check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// The external id and birth date match this respondent. The caller binds the address
    /// to them (`Respondents::bind_channel`; an address already bound elsewhere is refused there).
    Verified(RespondentId),
    /// No match; this many attempts remain before the lock-out.
    Wrong {
        /// Attempts left (at least 1).
        attempts_left: u32,
    },
    /// Too many failures: no check is made until `until`.
    Locked {
        /// When the address may try again.
        until: DateTime<Utc>,
    },
}

/// Splits what a respondent typed into an external id and a birth date: the first word is
/// the id, the rest the date (`"0012345678 17-08-2005"`, `"0012345678, 17 Agustus 2005"`).
pub fn parse_claim(text: &str) -> Option<(String, String)> {
    let t = text.trim();
    let (id, rest) = t.split_once(|c: char| c.is_whitespace() || c == ',' || c == ';')?;
    let rest = rest.trim_start_matches([',', ';', ' ']).trim();
    if id.is_empty() || rest.is_empty() {
        return None;
    }
    Some((id.to_string(), rest.to_string()))
}

/// Checks a claimed identity from `address` on `channel`, sent as platform message
/// `message_id` (a redelivery of a message already counted costs no second attempt).
///
/// A locked address gets [`Verification::Locked`] without the roster being consulted. A
/// wrong id, a wrong or unreadable date, and a roster entry without a birth date all count
/// as one failure, and the answer does not say which part was wrong (that would let a
/// guesser confirm that an id exists).
// Each argument is one fact of the attempt, and every caller has them loose at hand.
#[allow(clippy::too_many_arguments)]
pub async fn verify(
    store: &Store,
    policy: &Policy,
    channel: &str,
    address: &str,
    message_id: Option<&str>,
    external_id: &str,
    birth_date: &str,
    now: DateTime<Utc>,
) -> Result<Verification, StoreError> {
    let now_ms = now.timestamp_millis();
    if let Some(a) = store.roster().identity_attempts(channel, address).await?
        && let Some(until) = a.locked_until.filter(|&u| u > now_ms)
    {
        return Ok(Verification::Locked {
            until: DateTime::from_timestamp_millis(until).unwrap_or(now),
        });
    }
    let claimed = parse_date(birth_date, Lang::Id).map(|d| d.format("%Y-%m-%d").to_string());
    let matched = match (
        claimed,
        store.roster().identity_of(external_id.trim()).await?,
    ) {
        (Some(date), Some((id, Some(stored)))) if stored == date => Some(id),
        _ => None,
    };
    if let Some(id) = matched {
        store
            .roster()
            .clear_identity_attempts(channel, address)
            .await?;
        return Ok(Verification::Verified(id));
    }
    let max = i64::from(policy.max_attempts.max(1));
    let a = store
        .roster()
        .record_identity_failure(
            channel,
            address,
            message_id,
            now,
            max,
            policy.window.num_milliseconds(),
            policy.lockout.num_milliseconds(),
        )
        .await?;
    Ok(match a.locked_until {
        Some(until) if until > now_ms => Verification::Locked {
            until: DateTime::from_timestamp_millis(until).unwrap_or(now),
        },
        _ => Verification::Wrong {
            attempts_left: u32::try_from((max - a.failures).max(1)).unwrap_or(1),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims() {
        assert_eq!(
            parse_claim(" 0012345678 17-08-2005 "),
            Some(("0012345678".into(), "17-08-2005".into()))
        );
        assert_eq!(
            parse_claim("0012345678, 17 Agustus 2005"),
            Some(("0012345678".into(), "17 Agustus 2005".into()))
        );
        assert_eq!(parse_claim("0012345678"), None);
    }
}
