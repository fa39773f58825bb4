//! Staff accounts, their sign-in sessions, failed sign-ins and the audit log (migration
//! 0007), behind the narrow handle [`StaffStore`] that the console and `jejak staff` use.

use chrono::{DateTime, Utc};
use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::error::db;
use super::scope::{Scope, normalise_field};
use super::{Result, Store, StoreError, from_ms, get, to_ms};
use crate::model::Lang;

/// A staff account's id.
pub type AccountId = i64;

/// What a staff member may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Everything, including managing accounts; sees every school.
    Admin,
    /// Everything for the schools assigned: roster, waves, exports, respondents.
    Operator,
    /// Read-only numbers for the schools assigned (or all, when none): no personal data.
    Viewer,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::Viewer => "viewer",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Role> {
        match s.trim().to_ascii_lowercase().as_str() {
            "admin" => Some(Role::Admin),
            "operator" => Some(Role::Operator),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }
}

/// A staff account as stored (without its password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Its id.
    pub id: AccountId,
    /// Sign-in name, lower-case.
    pub email: String,
    /// What it may do.
    pub role: Role,
    /// The schools it is limited to (lower-case; empty for an admin).
    pub schools: Vec<String>,
    /// The password is a one-time one and must be changed before anything else.
    pub must_change_password: bool,
    /// Disabled accounts cannot sign in and have no live sessions.
    pub disabled: bool,
    /// The console's language for this account.
    pub language: Lang,
}

impl Account {
    /// The respondents this account may see: admins all; operators their schools; viewers
    /// their schools, or all when none are assigned (a ministry officer).
    pub fn scope(&self) -> Scope {
        match self.role {
            Role::Admin => Scope::All,
            Role::Viewer if self.schools.is_empty() => Scope::All,
            Role::Operator | Role::Viewer => Scope::schools(&self.schools),
        }
    }

    /// Whether the account may see personal data (names, phones, answers) and change things.
    pub fn can_manage(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Operator)
    }
}

/// Why an account's e-mail, role and schools are refused: the rules `jejak staff add` and the
/// console's accounts page share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AccountRule {
    /// The sign-in name is not an e-mail address.
    #[error("not an e-mail address")]
    BadEmail,
    /// An operator without a school would see nobody.
    #[error("an operator needs at least one school")]
    OperatorNeedsSchool,
    /// An admin sees every school; schools would mean nothing.
    #[error("an admin sees every school: give no school")]
    AdminWithSchools,
}

/// Checks an account's e-mail, role and schools (blank school names do not count).
pub fn check_account(
    email: &str,
    role: Role,
    schools: &[String],
) -> std::result::Result<(), AccountRule> {
    let email = email.trim();
    let at = email.find('@');
    if !at.is_some_and(|i| i > 0 && i + 1 < email.len()) || email.contains(char::is_whitespace) {
        return Err(AccountRule::BadEmail);
    }
    let has_school = schools.iter().any(|s| !normalise_field(s).is_empty());
    match role {
        Role::Operator if !has_school => Err(AccountRule::OperatorNeedsSchool),
        Role::Admin if has_school => Err(AccountRule::AdminWithSchools),
        _ => Ok(()),
    }
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewAccount<'a> {
    /// Sign-in name (stored lower-case, trimmed).
    pub email: &'a str,
    /// Its role.
    pub role: Role,
    /// Schools it is limited to.
    pub schools: &'a [String],
    /// The Argon2id hash of its first password.
    pub password_hash: &'a str,
    /// Whether the password must be changed at the first sign-in.
    pub must_change_password: bool,
}

/// A signed-in browser as read back for a request.
#[derive(Debug, Clone)]
pub struct LiveSession {
    /// Who is signed in.
    pub account: Account,
    /// The session's CSRF token (compared with every form that changes something).
    pub csrf_token: String,
    /// When the session ends at the latest.
    pub expires_at: DateTime<Utc>,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Its id.
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (an e-mail, or `cli`).
    pub actor: String,
    /// What kind of action (`sign-in`, `roster-import`, `wave-add`, `export`, …).
    pub action: String,
    /// What exactly (ids, counts, file names; never respondents' personal data).
    pub detail: String,
    /// The browser's address, when it came from the console.
    pub address: Option<String>,
}

/// A new audit line.
#[derive(Debug, Clone)]
pub struct NewAudit<'a> {
    /// The acting account, if any.
    pub account_id: Option<AccountId>,
    /// Who (an e-mail, or `cli`).
    pub actor: &'a str,
    /// What kind of action.
    pub action: &'a str,
    /// What exactly.
    pub detail: &'a str,
    /// The browser's address.
    pub address: Option<&'a str>,
}

/// What to read of the audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this actor (exact).
    pub actor: Option<String>,
    /// Only this action (exact).
    pub action: Option<String>,
    /// At most this many lines, newest first.
    pub limit: u32,
}

/// The lock-out rule of failed sign-ins for one key.
#[derive(Debug, Clone, Copy)]
pub struct LockoutRule {
    /// Failures within `window_ms` that lock the key.
    pub max_failures: i64,
    /// The counting window.
    pub window_ms: i64,
    /// How long a lock lasts.
    pub lock_ms: i64,
}

/// The store's staff tables. Get one with [`Store::staff`].
#[derive(Debug, Clone, Copy)]
pub struct StaffStore<'a> {
    store: &'a Store,
}

impl Store {
    /// The staff accounts, sessions, failed sign-ins and audit log.
    pub fn staff(&self) -> StaffStore<'_> {
        StaffStore { store: self }
    }
}

/// How long an ended session is kept (for nothing but a look at recent sign-ins).
const ENDED_SESSIONS_KEPT_DAYS: i64 = 7;

/// How often a session's `last_seen_at` is brought up to date (milliseconds): often enough
/// for the idle time-out, rarely enough that reading pages does not write on every request.
const SEEN_EVERY_MS: i64 = 60_000;

/// The columns every account read selects (`a` is `staff_accounts`).
macro_rules! account_columns {
    () => {
        "a.id, a.email, a.role, a.must_change_password, a.disabled, a.language"
    };
}

impl StaffStore<'_> {
    /// Creates an account; `Ok(None)` when the e-mail is taken.
    pub async fn create_account(
        &self,
        a: &NewAccount<'_>,
        now: DateTime<Utc>,
    ) -> Result<Option<AccountId>> {
        let mut tx = self.store.begin_write().await?;
        let row = sqlx::query(
            "INSERT INTO staff_accounts (email, role, password_hash, must_change_password, \
                 disabled, language, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 0, 'id', $5, $5) \
             ON CONFLICT (email) DO NOTHING RETURNING id",
        )
        .bind(normalise_email(a.email))
        .bind(a.role.as_str())
        .bind(a.password_hash)
        .bind(i64::from(a.must_change_password))
        .bind(to_ms(now))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db("creating a staff account"))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let id: AccountId = get(&row, "id")?;
        insert_schools(&mut tx, id, a.schools).await?;
        tx.commit()
            .await
            .map_err(db("committing a new staff account"))?;
        Ok(Some(id))
    }

    /// Every account, by e-mail.
    pub async fn accounts(&self) -> Result<Vec<Account>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            account_columns!(),
            " FROM staff_accounts a ORDER BY a.email"
        ))
        .fetch_all(&self.store.reader)
        .await
        .map_err(db("listing staff accounts"))?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(self.account_from_row(row).await?);
        }
        Ok(out)
    }

    /// The account with this e-mail, with its password hash.
    pub async fn account_by_email(&self, email: &str) -> Result<Option<(Account, String)>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            account_columns!(),
            ", a.password_hash FROM staff_accounts a WHERE a.email = $1"
        ))
        .bind(normalise_email(email))
        .fetch_optional(&self.store.reader)
        .await
        .map_err(db("looking up a staff account"))?;
        match row {
            None => Ok(None),
            Some(row) => {
                let hash: String = get(&row, "password_hash")?;
                Ok(Some((self.account_from_row(&row).await?, hash)))
            }
        }
    }

    /// The account with this id.
    pub async fn account(&self, id: AccountId) -> Result<Option<Account>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            account_columns!(),
            " FROM staff_accounts a WHERE a.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.store.reader)
        .await
        .map_err(db("loading a staff account"))?;
        match row {
            None => Ok(None),
            Some(row) => Ok(Some(self.account_from_row(&row).await?)),
        }
    }

    async fn account_from_row(&self, row: &AnyRow) -> Result<Account> {
        let id: AccountId = get(row, "id")?;
        let role: String = get(row, "role")?;
        let role = Role::parse(&role).ok_or_else(|| StoreError::Corrupt {
            context: "staff_accounts.role",
            detail: role.clone(),
        })?;
        let language: String = get(row, "language")?;
        let schools =
            sqlx::query("SELECT school FROM staff_schools WHERE account_id = $1 ORDER BY school")
                .bind(id)
                .fetch_all(&self.store.reader)
                .await
                .map_err(db("reading a staff account's schools"))?
                .iter()
                .map(|r| r.try_get::<String, _>("school"))
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(db("reading a staff account's schools"))?;
        Ok(Account {
            id,
            email: get(row, "email")?,
            role,
            schools,
            must_change_password: get::<i64>(row, "must_change_password")? != 0,
            disabled: get::<i64>(row, "disabled")? != 0,
            language: Lang::from_tag(&language).unwrap_or_default(),
        })
    }

    /// Replaces an account's password hash (and whether it must be changed again).
    pub async fn set_password(
        &self,
        id: AccountId,
        password_hash: &str,
        must_change: bool,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE staff_accounts SET password_hash = $1, must_change_password = $2, \
                 updated_at = $3 WHERE id = $4",
        )
        .bind(password_hash)
        .bind(i64::from(must_change))
        .bind(to_ms(now))
        .bind(id)
        .execute(&self.store.writer)
        .await
        .map_err(db("changing a staff password"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Sets an account's console language.
    pub async fn set_language(&self, id: AccountId, lang: Lang, now: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE staff_accounts SET language = $1, updated_at = $2 WHERE id = $3")
            .bind(lang.tag())
            .bind(to_ms(now))
            .bind(id)
            .execute(&self.store.writer)
            .await
            .map_err(db("changing a staff member's language"))?;
        Ok(())
    }

    /// Changes an account's role and schools.
    pub async fn set_role(
        &self,
        id: AccountId,
        role: Role,
        schools: &[String],
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.store.begin_write().await?;
        let done =
            sqlx::query("UPDATE staff_accounts SET role = $1, updated_at = $2 WHERE id = $3")
                .bind(role.as_str())
                .bind(to_ms(now))
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db("changing a staff role"))?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM staff_schools WHERE account_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db("replacing a staff member's schools"))?;
        insert_schools(&mut tx, id, schools).await?;
        tx.commit().await.map_err(db("committing a staff role"))?;
        Ok(true)
    }

    /// Disables (or enables) an account; disabling also ends all its sessions at once.
    pub async fn set_disabled(
        &self,
        id: AccountId,
        disabled: bool,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.store.begin_write().await?;
        let done =
            sqlx::query("UPDATE staff_accounts SET disabled = $1, updated_at = $2 WHERE id = $3")
                .bind(i64::from(disabled))
                .bind(to_ms(now))
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db("disabling a staff account"))?;
        if disabled {
            revoke_all(&mut tx, id, now).await?;
        }
        tx.commit()
            .await
            .map_err(db("committing a disabled staff account"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Ends every session of an account (after a password change elsewhere, say).
    pub async fn revoke_sessions_of(&self, id: AccountId, now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.store.begin_write().await?;
        revoke_all(&mut tx, id, now).await?;
        tx.commit().await.map_err(db("committing ended sessions"))
    }

    /// Records a new signed-in session, and forgets sessions that ended (expired or signed
    /// out) more than a week ago, so the table holds only recent ones.
    pub async fn create_session(
        &self,
        token_hash: &str,
        account: AccountId,
        csrf_token: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.store.begin_write().await?;
        sqlx::query(
            "INSERT INTO staff_sessions (token_hash, account_id, csrf_token, created_at, \
                 last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $4, $5)",
        )
        .bind(token_hash)
        .bind(account)
        .bind(csrf_token)
        .bind(to_ms(now))
        .bind(to_ms(expires_at))
        .execute(&mut *tx)
        .await
        .map_err(db("recording a staff session"))?;
        sqlx::query("DELETE FROM staff_sessions WHERE expires_at < $1 OR revoked_at < $1")
            .bind(to_ms(
                now - chrono::Duration::days(ENDED_SESSIONS_KEPT_DAYS),
            ))
            .execute(&mut *tx)
            .await
            .map_err(db("forgetting ended staff sessions"))?;
        tx.commit().await.map_err(db("committing a staff session"))
    }

    /// The live session with this token hash: not revoked, not expired, used within
    /// `idle` (last seen), of an enabled account. Marks it seen now — at most once a
    /// minute, so browsing the console does not write on every request.
    pub async fn session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        idle: chrono::Duration,
    ) -> Result<Option<LiveSession>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            account_columns!(),
            ", s.csrf_token, s.expires_at, s.last_seen_at \
             FROM staff_sessions s JOIN staff_accounts a ON a.id = s.account_id \
             WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 \
               AND s.last_seen_at > $3 AND a.disabled = 0"
        ))
        .bind(token_hash)
        .bind(to_ms(now))
        .bind(to_ms(now - idle))
        .fetch_optional(&self.store.reader)
        .await
        .map_err(db("reading a staff session"))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let last_seen: i64 = get(&row, "last_seen_at")?;
        if to_ms(now) - last_seen >= SEEN_EVERY_MS {
            sqlx::query(
                "UPDATE staff_sessions SET last_seen_at = $1 \
                 WHERE token_hash = $2 AND last_seen_at < $1",
            )
            .bind(to_ms(now))
            .bind(token_hash)
            .execute(&self.store.writer)
            .await
            .map_err(db("marking a staff session seen"))?;
        }
        Ok(Some(LiveSession {
            account: self.account_from_row(&row).await?,
            csrf_token: get(&row, "csrf_token")?,
            expires_at: from_ms(get(&row, "expires_at")?, "staff_sessions.expires_at")?,
        }))
    }

    /// Ends one session (sign-out).
    pub async fn revoke_session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "UPDATE staff_sessions SET revoked_at = $1 \
             WHERE token_hash = $2 AND revoked_at IS NULL",
        )
        .bind(to_ms(now))
        .bind(token_hash)
        .execute(&self.store.writer)
        .await
        .map_err(db("ending a staff session"))?;
        Ok(())
    }

    /// When `key` is locked out until, if it is now.
    pub async fn locked_until(
        &self,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>> {
        let row = sqlx::query(
            "SELECT locked_until FROM staff_login_failures \
             WHERE key = $1 AND locked_until IS NOT NULL AND locked_until > $2",
        )
        .bind(key)
        .bind(to_ms(now))
        .fetch_optional(&self.store.reader)
        .await
        .map_err(db("reading a sign-in lock-out"))?;
        row.map(|r| {
            from_ms(
                get(&r, "locked_until")?,
                "staff_login_failures.locked_until",
            )
        })
        .transpose()
    }

    /// Counts a failed sign-in for `key` in one atomic upsert (a window that has passed starts
    /// again at one); locks the key when the count reaches the rule's maximum.
    pub async fn record_failure(
        &self,
        key: &str,
        rule: LockoutRule,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let now = to_ms(now);
        sqlx::query(
            "INSERT INTO staff_login_failures (key, failures, window_start, locked_until) \
             VALUES ($1, 1, $2, CASE WHEN 1 >= $3 THEN $2 + $4 ELSE NULL END) \
             ON CONFLICT (key) DO UPDATE SET \
                 failures = CASE WHEN staff_login_failures.window_start + $5 < $2 THEN 1 \
                                 ELSE staff_login_failures.failures + 1 END, \
                 window_start = CASE WHEN staff_login_failures.window_start + $5 < $2 THEN $2 \
                                     ELSE staff_login_failures.window_start END, \
                 locked_until = CASE \
                     WHEN staff_login_failures.window_start + $5 >= $2 \
                          AND staff_login_failures.failures + 1 >= $3 THEN $2 + $4 \
                     ELSE staff_login_failures.locked_until END",
        )
        .bind(key)
        .bind(now)
        .bind(rule.max_failures)
        .bind(rule.lock_ms)
        .bind(rule.window_ms)
        .execute(&self.store.writer)
        .await
        .map_err(db("counting a failed sign-in"))?;
        Ok(())
    }

    /// Forgets the failures of `key` (after a successful sign-in).
    pub async fn clear_failures(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM staff_login_failures WHERE key = $1")
            .bind(key)
            .execute(&self.store.writer)
            .await
            .map_err(db("clearing failed sign-ins"))?;
        Ok(())
    }

    /// Appends a line to the audit log.
    pub async fn audit(&self, a: &NewAudit<'_>, now: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "INSERT INTO staff_audit (at, account_id, actor, action, detail, address) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(to_ms(now))
        .bind(a.account_id)
        .bind(a.actor)
        .bind(a.action)
        .bind(a.detail)
        .bind(a.address)
        .execute(&self.store.writer)
        .await
        .map_err(db("writing the audit log"))?;
        Ok(())
    }

    /// Reads the audit log, newest first.
    pub async fn audit_entries(&self, f: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT id, at, actor, action, detail, address FROM staff_audit \
             WHERE ($1 = '' OR actor = $1) AND ($2 = '' OR action = $2) \
             ORDER BY id DESC LIMIT $3",
        )
        .bind(f.actor.as_deref().unwrap_or(""))
        .bind(f.action.as_deref().unwrap_or(""))
        .bind(i64::from(f.limit.max(1)))
        .fetch_all(&self.store.reader)
        .await
        .map_err(db("reading the audit log"))?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: get(r, "id")?,
                    at: from_ms(get(r, "at")?, "staff_audit.at")?,
                    actor: get(r, "actor")?,
                    action: get(r, "action")?,
                    detail: get(r, "detail")?,
                    address: get(r, "address")?,
                })
            })
            .collect()
    }
}

/// An e-mail as stored: trimmed, lower-case.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

async fn insert_schools(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: AccountId,
    schools: &[String],
) -> Result<()> {
    let mut seen: Vec<String> = schools
        .iter()
        .map(|s| normalise_field(s))
        .filter(|s| !s.is_empty())
        .collect();
    seen.sort();
    seen.dedup();
    for school in seen {
        sqlx::query("INSERT INTO staff_schools (account_id, school) VALUES ($1, $2)")
            .bind(id)
            .bind(school)
            .execute(&mut **tx)
            .await
            .map_err(db("storing a staff member's schools"))?;
    }
    Ok(())
}

async fn revoke_all(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: AccountId,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE staff_sessions SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL",
    )
    .bind(to_ms(now))
    .bind(id)
    .execute(&mut **tx)
    .await
    .map_err(db("ending a staff member's sessions"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_rules() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(check_account("a@b.id", Role::Admin, &[]), Ok(()));
        assert_eq!(check_account("a@b.id", Role::Viewer, &[]), Ok(()));
        assert_eq!(
            check_account("a@b.id", Role::Operator, &s(&["SMKN 1"])),
            Ok(())
        );
        for bad in ["", "ab.id", "@b.id", "a@", "a b@c.id"] {
            assert_eq!(
                check_account(bad, Role::Viewer, &[]),
                Err(AccountRule::BadEmail),
                "{bad}"
            );
        }
        assert_eq!(
            check_account("a@b.id", Role::Operator, &s(&[" "])),
            Err(AccountRule::OperatorNeedsSchool)
        );
        assert_eq!(
            check_account("a@b.id", Role::Admin, &s(&["SMKN 1"])),
            Err(AccountRule::AdminWithSchools)
        );
    }
}
