//! Counting a failed identity check (open link: external id + birth date) once per platform
//! message. A platform redelivers a message it thinks unanswered (Telegram re-serves an
//! unconfirmed update, Meta re-posts a webhook), and the check runs before the message's id
//! is committed with its reply, so counting per delivery made one wrong claim cost two
//! attempts. The message's id is recorded in the same transaction as the count; a second
//! delivery finds it and counts nothing.

use super::IdentityAttempts;
use super::error::Result;
use super::sql::{Ctx as _, Exec, Write, args};

/// Forgets counted message ids older than the failure window (`$1`: now − window): a
/// redelivery that late would start a new count anyway.
const PRUNE: &str = "DELETE FROM identity_failure_messages WHERE at < $1";

/// Claims a message for counting (`$1` channel, `$2` message id, `$3` now); no row when
/// it was counted before.
const CLAIM: &str = "INSERT INTO identity_failure_messages (channel, message_id, at) \
     VALUES ($1, $2, $3) ON CONFLICT (channel, message_id) DO NOTHING";

/// The current count of an address (`$1` channel, `$2` address).
const CURRENT: &str = "SELECT failures, locked_until FROM identity_attempts \
     WHERE channel = $1 AND address = $2";

/// Counts one failure, atomically (`$1` channel, `$2` address, `$3` max failures, `$4` now,
/// `$5` lockout ms, `$6` window ms: numbered in order of first appearance, as the SQLite
/// writer requires). The count starts again from 1 when the previous lock-out has ended or
/// the last failure is older than the window; reaching the maximum locks the address until
/// now + lockout. Both SET expressions see the old row, so the new count is spelled out
/// twice.
const COUNT: &str = "INSERT INTO identity_attempts \
     (channel, address, failures, locked_until, last_at) \
     VALUES ($1, $2, 1, CASE WHEN 1 >= $3 THEN $4 + $5 ELSE NULL END, $4) \
     ON CONFLICT (channel, address) DO UPDATE SET \
         failures = (CASE WHEN (identity_attempts.locked_until IS NOT NULL \
                                AND identity_attempts.locked_until <= $4) \
                            OR identity_attempts.last_at <= $4 - $6 \
                       THEN 1 ELSE identity_attempts.failures + 1 END), \
         locked_until = CASE WHEN (CASE WHEN (identity_attempts.locked_until IS NOT NULL \
                                              AND identity_attempts.locked_until <= $4) \
                                          OR identity_attempts.last_at <= $4 - $6 \
                                     THEN 1 ELSE identity_attempts.failures + 1 END) >= $3 \
                        THEN $4 + $5 ELSE NULL END, \
         last_at = $4 \
     RETURNING failures, locked_until";

/// One failed identity check of `address`, from message `message_id` when the platform
/// gave one.
#[derive(Clone)]
pub(super) struct RecordFailure {
    pub(super) channel: String,
    pub(super) address: String,
    pub(super) message_id: Option<String>,
    pub(super) now: i64,
    pub(super) max_failures: i64,
    pub(super) window_ms: i64,
    pub(super) lockout_ms: i64,
}

impl Write for RecordFailure {
    type Out = IdentityAttempts;
    const CONTEXT: &'static str = "recording a failed identity check";

    async fn run(self, tx: &mut impl Exec) -> Result<IdentityAttempts> {
        let decode = |r: &dyn super::Columns| {
            Ok(IdentityAttempts {
                failures: r.int("failures")?,
                locked_until: r.int_opt("locked_until")?,
            })
        };
        if let Some(message) = &self.message_id {
            tx.execute(PRUNE, args![self.now - self.window_ms])
                .await
                .ctx(Self::CONTEXT)?;
            let claimed = tx
                .execute(CLAIM, args![&self.channel, message, self.now])
                .await
                .ctx(Self::CONTEXT)?;
            if claimed == 0 {
                let current = tx
                    .fetch_optional(CURRENT, args![&self.channel, &self.address], decode)
                    .await
                    .ctx(Self::CONTEXT)?;
                return Ok(current.unwrap_or(IdentityAttempts {
                    failures: 0,
                    locked_until: None,
                }));
            }
        }
        let counted = tx
            .fetch_optional(
                COUNT,
                args![
                    &self.channel,
                    &self.address,
                    self.max_failures,
                    self.now,
                    self.lockout_ms,
                    self.window_ms
                ],
                decode,
            )
            .await
            .ctx(Self::CONTEXT)?;
        Ok(counted.unwrap_or(IdentityAttempts {
            failures: 1,
            locked_until: None,
        }))
    }
}
