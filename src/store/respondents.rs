//! Respondents and their channel addresses.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::error::db;
use super::sql::{Ctx, Exec, Write, args};
use super::{
    Columns, NewRespondent, Respondent, RespondentId, Result, StoreError, from_ms, get, to_ms,
};
use crate::model::{Lang, RespondentFields};

/// The `SET` list of a respondent upsert by external id (one row, or a roster batch): fields
/// given replace the stored ones, fields left empty keep them, a non-empty `extra` replaces
/// the stored map.
macro_rules! respondent_upsert_set {
    () => {
        "name = COALESCE(excluded.name, respondents.name), \
         phone = COALESCE(excluded.phone, respondents.phone), \
         email = COALESCE(excluded.email, respondents.email), \
         cohort = COALESCE(excluded.cohort, respondents.cohort), \
         programme = COALESCE(excluded.programme, respondents.programme), \
         school = COALESCE(excluded.school, respondents.school), \
         province = COALESCE(excluded.province, respondents.province), \
         timezone = COALESCE(excluded.timezone, respondents.timezone), \
         language = COALESCE(excluded.language, respondents.language), \
         birth_date = COALESCE(excluded.birth_date, respondents.birth_date), \
         extra = CASE WHEN excluded.extra = '{}' THEN respondents.extra \
                      ELSE excluded.extra END, \
         updated_at = excluded.updated_at"
    };
}
pub(super) use respondent_upsert_set;

/// The respondent bound to an address (`$1` channel, `$2` address).
const BINDING_OWNER: &str =
    "SELECT respondent_id FROM channel_bindings WHERE channel = $1 AND address = $2";

/// What [`Store::insert_binding`] found.
pub(super) enum BindingInsert {
    /// The binding is new.
    Inserted,
    /// A binding stood in the way: the address's owner, or `None` when the address is free
    /// and another rule refused (Telegram's one chat per respondent).
    Conflict(Option<RespondentId>),
}

/// Moves a binding's address (`$1` new address, `$2` when, `$3` channel, `$4` old address),
/// unless the new address is already bound.
const MOVE_BINDING: &str = "UPDATE channel_bindings SET address = $1, bound_at = $2 \
     WHERE channel = $3 AND address = $4 AND NOT EXISTS \
     (SELECT 1 FROM channel_bindings AS t WHERE t.channel = $3 AND t.address = $1)";

/// Moves the unsent reply parts of an address with it (`$1` new address, `$2` channel,
/// `$3` old address): they belong to the person, not to the number they left.
const MOVE_REPLIES: &str = "UPDATE reply_outbox SET address = $1 \
     WHERE channel = $2 AND address = $3 AND sent_at IS NULL";

/// What [`Respondents::move_channel_address`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressMove {
    /// The respondent's binding now names the new address; their unsent replies go there.
    Moved(RespondentId),
    /// Nobody is bound to the old address: nothing to move.
    NotBound,
    /// The new address is already bound (to this respondent or another): nothing changed.
    Taken {
        /// The respondent of the old address.
        from: RespondentId,
        /// The respondent the new address belongs to.
        owner: RespondentId,
    },
}

/// [`Respondents::move_channel_address`]'s write.
#[derive(Clone)]
struct MoveAddress {
    channel: String,
    from: String,
    to: String,
    at: i64,
}

impl Write for MoveAddress {
    type Out = AddressMove;
    const CONTEXT: &'static str = "moving a channel address";

    async fn run(self, tx: &mut impl Exec) -> Result<AddressMove> {
        let (channel, from, to) = (&self.channel, &self.from, &self.to);
        let Some(old) = owner(tx, channel, from).await? else {
            return Ok(AddressMove::NotBound);
        };
        let moved = tx
            .execute(MOVE_BINDING, args![to, self.at, channel, from])
            .await
            .ctx(Self::CONTEXT)?;
        if moved == 0 {
            return Ok(match owner(tx, channel, to).await? {
                Some(new) => AddressMove::Taken {
                    from: old,
                    owner: new,
                },
                None => AddressMove::NotBound,
            });
        }
        tx.execute(MOVE_REPLIES, args![to, channel, from])
            .await
            .ctx(Self::CONTEXT)?;
        Ok(AddressMove::Moved(old))
    }
}

/// The respondent bound to an address, read inside a write.
async fn owner(tx: &mut impl Exec, channel: &str, address: &str) -> Result<Option<RespondentId>> {
    tx.fetch_optional(BINDING_OWNER, args![channel, address], |r| {
        r.int("respondent_id")
    })
    .await
    .ctx("looking up a channel address")
}

/// [`Store::insert_binding`]'s write.
#[derive(Clone)]
struct InsertBinding {
    insert: &'static str,
    context: &'static str,
    id: RespondentId,
    channel: String,
    address: String,
    at: i64,
}

impl Write for InsertBinding {
    type Out = BindingInsert;
    const CONTEXT: &'static str = "binding a channel address";

    async fn run(self, tx: &mut impl Exec) -> Result<BindingInsert> {
        let (channel, address) = (&self.channel, &self.address);
        let inserted = tx
            .execute(self.insert, args![self.id, channel, address, self.at])
            .await
            .ctx_or_missing(self.context, || StoreError::RespondentNotFound(self.id))?;
        if inserted == 1 {
            return Ok(BindingInsert::Inserted);
        }
        // The conflicting row is visible here: on the SQLite writer it may be an earlier
        // write of the same group; on PostgreSQL the insert waited for its transaction.
        Ok(BindingInsert::Conflict(owner(tx, channel, address).await?))
    }
}

/// A respondent's channel addresses, read inside a write (`$1` respondent).
const ERASE_ADDRESSES: &str =
    "SELECT channel, address FROM channel_bindings WHERE respondent_id = $1";
/// Failed identity checks of one address (`$1` channel, `$2` address).
const ERASE_IDENTITY_ATTEMPTS: &str =
    "DELETE FROM identity_attempts WHERE channel = $1 AND address = $2";
/// WhatsApp's delivery records of one number (`$1` address).
const ERASE_WHATSAPP_SENT: &str = "DELETE FROM whatsapp_sent WHERE address = $1";
/// Every binding of a respondent (`$1`).
const ERASE_BINDINGS: &str = "DELETE FROM channel_bindings WHERE respondent_id = $1";
/// One binding without an address in place of the respondent's real ones (`$1` respondent,
/// `$2` when): the report counts a respondent the bot reached, and an erased one was.
const ERASE_PLACEHOLDER_BINDING: &str = "INSERT INTO channel_bindings \
     (respondent_id, channel, address, bound_at) \
     VALUES ($1, 'erased', 'erased:' || CAST($1 AS TEXT), $2)";
/// Every answer of every session of a respondent, retracted ones included (`$1`).
const ERASE_ANSWERS: &str = "DELETE FROM answers WHERE session_id IN \
     (SELECT id FROM sessions WHERE respondent_id = $1)";
/// Which sessions counted as started before their answers go (`$1` respondent): the
/// report's "started" reads it for an expired session, which otherwise counts only while it
/// has an answer (migration 0016).
const ERASE_MARK_STARTED: &str = "UPDATE sessions SET erased_started = 1 \
     WHERE respondent_id = $1 AND erased_started = 0 \
     AND (status IN ('consent', 'answering', 'completed', 'opted_out') \
          OR EXISTS (SELECT 1 FROM answers x WHERE x.session_id = sessions.id))";
/// The respondent's other sessions (`$1` what an open one becomes, `$2` respondent, `$3` the
/// session the erasing step wrote itself, 0 for none): their state holds answers, so it is
/// replaced by an empty one of the same status, and open ones end (see [`Erasure`]).
const ERASE_SESSIONS: &str = "UPDATE sessions SET \
     status = CASE WHEN status IN ('invited', 'consent', 'answering') THEN $1 \
                   ELSE status END, \
     state = '{\"status\":\"' || CASE WHEN status IN ('invited', 'consent', 'answering') \
                   THEN $1 ELSE status END || '\",\"lang\":\"id\"}', \
     revision = revision + 1 \
     WHERE respondent_id = $2 AND id <> $3";
/// The bot's messages to the respondent, which quote answers and names (`$1`).
const ERASE_REPLIES: &str = "DELETE FROM reply_outbox WHERE respondent_id = $1";
/// The addresses reminders went to (`$1`); the rows stay for the waves' counts.
const ERASE_OUTBOX_ADDRESSES: &str =
    "UPDATE outbox SET address = NULL WHERE respondent_id = $1 AND address IS NOT NULL";
/// The tombstone (`$1` respondent, `$2` when): personal fields gone, a token no link can
/// carry (`:` is outside the token alphabet), the segment fields the report groups by kept.
const ERASE_RESPONDENT: &str = "UPDATE respondents SET \
     external_id = NULL, name = NULL, phone = NULL, email = NULL, birth_date = NULL, \
     timezone = NULL, extra = '{}', token = 'erased:' || CAST($1 AS TEXT), \
     erased_at = COALESCE(erased_at, $2), updated_at = $2 \
     WHERE id = $1";

/// Why a respondent is erased, which decides what their open sessions become.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Erasure {
    /// They asked (`/hapus`, `jejak respondent delete`): open sessions end as opted out,
    /// which is what happened.
    Request,
    /// Their data is past the flow's retention: open sessions end as expired (they did not
    /// withdraw, so the report's "opted out" must not count them).
    Retention,
}

impl Erasure {
    fn open_sessions_become(self) -> &'static str {
        match self {
            Erasure::Request => "opted_out",
            Erasure::Retention => "expired",
        }
    }
}

/// Erases what a respondent asked to be forgotten, inside a write: their answers (every
/// session, history included), personal fields, channel addresses with what is kept per
/// address, the bot's messages to them and the addresses of their reminders. The row stays
/// as a tombstone (`erased_at`) with its sessions' statuses and events, so counts do not
/// move. `current` is the session whose state the caller writes itself (0: none). Returns
/// false when the respondent does not exist.
pub(super) async fn erase_in(
    tx: &mut impl Exec,
    id: RespondentId,
    current: i64,
    now: i64,
    why: Erasure,
) -> Result<bool> {
    const CONTEXT: &str = "erasing a respondent";
    let addresses = tx
        .fetch_all(ERASE_ADDRESSES, args![id], |r| {
            Ok((r.text("channel")?, r.text("address")?))
        })
        .await
        .ctx(CONTEXT)?;
    let mut real = false;
    for (channel, address) in &addresses {
        if channel == "erased" {
            continue;
        }
        real = true;
        tx.execute(ERASE_IDENTITY_ATTEMPTS, args![channel, address])
            .await
            .ctx(CONTEXT)?;
        if channel == "whatsapp" {
            tx.execute(ERASE_WHATSAPP_SENT, args![address])
                .await
                .ctx(CONTEXT)?;
        }
    }
    if real {
        tx.execute(ERASE_BINDINGS, args![id]).await.ctx(CONTEXT)?;
        tx.execute(ERASE_PLACEHOLDER_BINDING, args![id, now])
            .await
            .ctx(CONTEXT)?;
    }
    for sql in [
        ERASE_MARK_STARTED,
        ERASE_ANSWERS,
        ERASE_REPLIES,
        ERASE_OUTBOX_ADDRESSES,
    ] {
        tx.execute(sql, args![id]).await.ctx(CONTEXT)?;
    }
    tx.execute(
        ERASE_SESSIONS,
        args![why.open_sessions_become(), id, current],
    )
    .await
    .ctx(CONTEXT)?;
    let erased = tx
        .execute(ERASE_RESPONDENT, args![id, now])
        .await
        .ctx(CONTEXT)?;
    Ok(erased == 1)
}

/// [`Respondents::erase`]'s write.
#[derive(Clone)]
struct Erase {
    id: RespondentId,
    now: i64,
}

impl Write for Erase {
    type Out = bool;
    const CONTEXT: &'static str = "erasing a respondent";

    async fn run(self, tx: &mut impl Exec) -> Result<bool> {
        erase_in(tx, self.id, 0, self.now, Erasure::Request).await
    }
}

/// The stored form of dates (`birth_date`).
const DATE_FORMAT: &str = "%Y-%m-%d";

handle!(
    Respondents,
    respondents,
    "Respondents and their channel bindings (addresses)."
);

impl Respondents<'_> {
    /// Stores a respondent and returns its id.
    ///
    /// With `fields.external_id` set, an existing respondent with that id is updated in
    /// place (no duplicate is created): fields given as `Some` replace the stored ones,
    /// fields given as `None` keep their stored value, and a non-empty `extra` map replaces
    /// the stored one. Without an external id a new respondent is always inserted.
    pub async fn upsert_respondent(
        &self,
        r: &NewRespondent,
        now: DateTime<Utc>,
    ) -> Result<RespondentId> {
        let extra =
            serde_json::to_string(&r.fields.extra).map_err(|source| StoreError::Encode {
                context: "respondent extra fields",
                source,
            })?;
        // A NULL external_id never conflicts, so the same statement is a plain insert then.
        let row = sqlx::query(concat!(
            "INSERT INTO respondents (external_id, name, phone, email, cohort, programme, \
                 school, province, timezone, language, birth_date, extra, unreachable, \
                 created_at, updated_at, token) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0, $13, $13, $14) \
             ON CONFLICT (external_id) DO UPDATE SET ",
            respondent_upsert_set!(),
            " RETURNING id"
        ))
        .bind(r.fields.external_id.as_deref())
        .bind(r.fields.name.as_deref())
        .bind(r.phone.as_deref())
        .bind(r.email.as_deref())
        .bind(r.fields.cohort.as_deref())
        .bind(r.fields.programme.as_deref())
        .bind(r.fields.school.as_deref())
        .bind(r.fields.province.as_deref())
        .bind(r.timezone.as_deref())
        .bind(r.language.map(Lang::tag))
        .bind(r.birth_date.map(|d| d.format(DATE_FORMAT).to_string()))
        .bind(extra)
        .bind(to_ms(now))
        .bind(new_token())
        .fetch_one(&self.store.writer)
        .await
        .map_err(db("storing a respondent"))?;
        get(&row, "id")
    }

    /// Looks a respondent up by id.
    pub async fn respondent(&self, id: RespondentId) -> Result<Option<Respondent>> {
        const SQL: &str = concat!(
            "SELECT ",
            respondent_columns!(),
            " FROM respondents WHERE id = $1"
        );
        self.store
            .read_optional("loading a respondent", SQL, args![id], |row| {
                respondent_from_row(row)
            })
            .await
    }

    /// The respondent whose enrolment token is `token`, if any.
    pub async fn respondent_by_token(&self, token: &str) -> Result<Option<Respondent>> {
        if !is_valid_token(token) {
            return Ok(None);
        }
        let row = sqlx::query(concat!(
            "SELECT ",
            respondent_columns!(),
            " FROM respondents WHERE token = $1"
        ))
        .bind(token)
        .fetch_optional(&self.store.reader)
        .await
        .map_err(db("looking up an enrolment token"))?;
        row.as_ref().map(respondent_from_row).transpose()
    }

    /// The respondent bound to `address` on `channel`, if any.
    pub async fn respondent_by_channel(
        &self,
        channel: &str,
        address: &str,
    ) -> Result<Option<RespondentId>> {
        // Every first message of a chat or number asks this.
        self.store
            .read_optional(
                "looking up a channel address",
                BINDING_OWNER,
                args![channel, address],
                |row| row.int("respondent_id"),
            )
            .await
    }

    /// Binds `address` on `channel` to a respondent. Binding the same address to the same
    /// respondent again is a no-op; an address bound to someone else gives
    /// [`StoreError::AlreadyBound`]. A respondent may have several addresses.
    pub async fn bind_channel(
        &self,
        id: RespondentId,
        channel: &str,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        const BIND: &str = "INSERT INTO channel_bindings (respondent_id, channel, address, bound_at) \
                            VALUES ($1, $2, $3, $4) ON CONFLICT (channel, address) DO NOTHING";
        let context = "binding a channel address";
        match self
            .insert_binding(BIND, context, id, channel, address, now)
            .await?
        {
            BindingInsert::Inserted => Ok(()),
            BindingInsert::Conflict(Some(owner)) if owner == id => Ok(()),
            BindingInsert::Conflict(Some(owner)) => Err(StoreError::AlreadyBound {
                channel: channel.to_owned(),
                address: address.to_owned(),
                owner,
            }),
            BindingInsert::Conflict(None) => Err(StoreError::Corrupt {
                context: "channel binding",
                // No address in the text: errors end up in logs.
                detail: format!("a {channel} address conflicted but is not bound"),
            }),
        }
    }

    /// Inserts a binding with `insert` (`$1` respondent, `$2` channel, `$3` address, `$4`
    /// when; `ON CONFLICT … DO NOTHING`). On a conflict, the address's owner is read where
    /// the conflicting row is visible: in the writer's own transaction on a SQLite file (it
    /// may be an earlier write of the same group), else after the fact (bindings are never
    /// deleted). A missing respondent gives [`StoreError::RespondentNotFound`].
    pub(super) async fn insert_binding(
        &self,
        insert: &'static str,
        context: &'static str,
        id: RespondentId,
        channel: &str,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<BindingInsert> {
        self.store
            .write(InsertBinding {
                insert,
                context,
                id,
                channel: channel.to_owned(),
                address: address.to_owned(),
                at: to_ms(now),
            })
            .await
    }

    /// The respondent whose roster phone is `phone` (E.164), if exactly one has it: a number
    /// shared by two roster rows identifies neither.
    pub async fn respondent_by_phone(&self, phone: &str) -> Result<Option<RespondentId>> {
        // One row either way: the id when exactly one respondent has the phone, else NULL.
        const SQL: &str = "SELECT CASE WHEN COUNT(*) = 1 THEN MIN(id) END AS id \
                           FROM (SELECT id FROM respondents WHERE phone = $1 LIMIT 2) AS m";
        // Every first message of a number asks this.
        self.store
            .read_optional(
                "looking up a respondent by phone",
                SQL,
                args![phone],
                |row| row.int_opt("id"),
            )
            .await
            .map(Option::flatten)
    }

    /// The addresses of a respondent on `channel`.
    pub async fn channel_addresses(&self, id: RespondentId, channel: &str) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT address FROM channel_bindings WHERE respondent_id = $1 AND channel = $2 \
             ORDER BY bound_at",
        )
        .bind(id)
        .bind(channel)
        .fetch_all(&self.store.reader)
        .await
        .map_err(db("listing channel addresses"))?;
        rows.iter().map(|r| get(r, "address")).collect()
    }

    /// Sets a respondent's language unless one is set already (first contact: Telegram's
    /// `language_code`; a roster's choice wins).
    pub async fn set_language_if_unset(&self, id: RespondentId, lang: Lang) -> Result<()> {
        self.store.write(SetLanguage { id, lang }).await
    }

    /// The person at `from` on `channel` now writes from `to` (WhatsApp's
    /// `user_changed_number`): their binding moves to the new address, in one transaction
    /// with their unsent reply parts, and everything else they did (sessions, answers,
    /// messages) stays theirs, since it hangs on the respondent, not on the address.
    pub async fn move_channel_address(
        &self,
        channel: &str,
        from: &str,
        to: &str,
        now: DateTime<Utc>,
    ) -> Result<AddressMove> {
        // On a SQLite file the binding is written where every other binding is.
        self.store
            .write(MoveAddress {
                channel: channel.to_owned(),
                from: from.to_owned(),
                to: to.to_owned(),
                at: to_ms(now),
            })
            .await
    }

    /// Every channel address bound to a respondent, as `(channel, address)`, by channel.
    pub async fn bindings(&self, id: RespondentId) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query(
            "SELECT channel, address FROM channel_bindings WHERE respondent_id = $1 \
             ORDER BY channel, address",
        )
        .bind(id)
        .fetch_all(&self.store.reader)
        .await
        .map_err(db("listing a respondent's channel addresses"))?;
        rows.iter()
            .map(|r| Ok((get(r, "channel")?, get(r, "address")?)))
            .collect()
    }

    /// The respondent whose roster id (NISN/NIM) is `external_id`, if any.
    pub async fn respondent_by_external_id(
        &self,
        external_id: &str,
    ) -> Result<Option<RespondentId>> {
        let row = sqlx::query("SELECT id FROM respondents WHERE external_id = $1")
            .bind(external_id)
            .fetch_optional(&self.store.reader)
            .await
            .map_err(db("looking up a roster id"))?;
        row.as_ref().map(|r| get(r, "id")).transpose()
    }

    /// Erases a respondent on request (`jejak respondent delete`): the same erasure as the
    /// chat's `/hapus` (see [`erase_in`]), every session's state emptied. False when there
    /// is no such respondent.
    pub async fn erase(&self, id: RespondentId, now: DateTime<Utc>) -> Result<bool> {
        self.store
            .write(Erase {
                id,
                now: to_ms(now),
            })
            .await
    }

    /// When the respondent was erased on request, if they were.
    pub async fn erased_at(&self, id: RespondentId) -> Result<Option<DateTime<Utc>>> {
        let row = sqlx::query("SELECT erased_at FROM respondents WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.store.reader)
            .await
            .map_err(db("reading when a respondent was erased"))?;
        match row {
            Some(r) => get::<Option<i64>>(&r, "erased_at")?
                .map(|ms| from_ms(ms, "respondent erased_at"))
                .transpose(),
            None => Ok(None),
        }
    }

    /// Marks a respondent as (un)reachable, e.g. after the platform reports the bot blocked.
    pub async fn mark_unreachable(&self, id: RespondentId, unreachable: bool) -> Result<()> {
        let updated = sqlx::query("UPDATE respondents SET unreachable = $1 WHERE id = $2")
            .bind(i64::from(unreachable))
            .bind(id)
            .execute(&self.store.writer)
            .await
            .map_err(db("marking a respondent unreachable"))?
            .rows_affected();
        if updated == 0 {
            return Err(StoreError::RespondentNotFound(id));
        }
        Ok(())
    }
}

/// Decodes a `respondents` row.
pub(super) fn respondent_from_row(row: &(impl Columns + ?Sized)) -> Result<Respondent> {
    let extra = row.text("extra")?;
    let extra: BTreeMap<String, String> =
        serde_json::from_str(&extra).map_err(|e| StoreError::Corrupt {
            context: "respondent extra fields",
            detail: e.to_string(),
        })?;
    let language = row
        .text_opt("language")?
        .map(|tag| {
            Lang::from_tag(&tag).ok_or_else(|| StoreError::Corrupt {
                context: "respondent language",
                detail: format!("unknown language tag {tag:?}"),
            })
        })
        .transpose()?;
    let birth_date = row
        .text_opt("birth_date")?
        .map(|s| {
            NaiveDate::parse_from_str(&s, DATE_FORMAT).map_err(|e| StoreError::Corrupt {
                context: "respondent birth date",
                detail: format!("{s:?}: {e}"),
            })
        })
        .transpose()?;
    let phone = row.text_opt("phone")?;
    let email = row.text_opt("email")?;
    Ok(Respondent {
        id: row.int("id")?,
        fields: RespondentFields {
            name: row.text_opt("name")?,
            external_id: row.text_opt("external_id")?,
            cohort: row.text_opt("cohort")?,
            programme: row.text_opt("programme")?,
            school: row.text_opt("school")?,
            province: row.text_opt("province")?,
            extra,
            phone: phone.clone(),
            email: email.clone(),
            birth_date: birth_date.map(|d| d.format(DATE_FORMAT).to_string()),
        },
        phone,
        email,
        timezone: row.text_opt("timezone")?,
        language,
        birth_date,
        unreachable: row.int("unreachable")? != 0,
        token: row.text("token")?,
        created_at: from_ms(row.int("created_at")?, "respondent created_at")?,
        updated_at: from_ms(row.int("updated_at")?, "respondent updated_at")?,
    })
}

/// Bytes of randomness in an enrolment token: 128 bits, as unguessable as a UUID.
const TOKEN_BYTES: usize = 16;

/// A fresh enrolment token: [`TOKEN_BYTES`] from the operating system's CSPRNG, base64url
/// without padding (22 characters of `A-Za-z0-9_-`, fit for a Telegram `start` parameter).
pub(super) fn new_token() -> String {
    use base64::Engine as _;
    let mut bytes = [0u8; TOKEN_BYTES];
    // The OS RNG failing means the machine cannot run anything securely; there is no
    // sensible fallback, and a predictable token would be worse than stopping.
    getrandom::fill(&mut bytes).expect("the operating system's random number generator failed");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `token` has the shape of an enrolment token (1–64 of `A-Za-z0-9_-`, the
/// characters a Telegram `start` parameter may hold).
pub fn is_valid_token(token: &str) -> bool {
    (1..=64).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// [`Respondents::set_language_if_unset`]'s write.
#[derive(Clone)]
struct SetLanguage {
    id: RespondentId,
    lang: Lang,
}

impl Write for SetLanguage {
    type Out = ();
    const CONTEXT: &'static str = "setting a respondent's language";

    async fn run(self, tx: &mut impl Exec) -> Result<()> {
        const SQL: &str = "UPDATE respondents SET language = $1 WHERE id = $2 AND language IS NULL";
        tx.execute(SQL, args![self.lang.tag(), self.id])
            .await
            .ctx(Self::CONTEXT)?;
        Ok(())
    }
}
