//! Enrolment in contact sync: which characters Jumpgate keeps contacts in, where each one's
//! sync stands, and the per-character sync lease (one sync per character across instances).

use crate::db::{Cols, DbTime, on_conn, on_db};
use crate::support;
use crate::{Result, StoreError};
use crate::{Store, Transaction};
use const_format::concatcp;
use jumpgate_domain::{AccountId, CharacterId};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use time::OffsetDateTime;

/// Where a character's contact sync stands, as the member sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncStatus {
    /// Enrolled, never synced yet.
    Pending,
    InSync,
    Syncing,
    LabelMissing,
    TokenInvalid,
    ContactListFull,
    /// Not eligible any more (e.g. its standing was revoked); contacts removed per policy.
    NotEligible,
    Error,
}

impl SyncStatus {
    pub const ALL: [SyncStatus; 8] = [
        Self::Pending,
        Self::InSync,
        Self::Syncing,
        Self::LabelMissing,
        Self::TokenInvalid,
        Self::ContactListFull,
        Self::NotEligible,
        Self::Error,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::InSync => "in_sync",
            Self::Syncing => "syncing",
            Self::LabelMissing => "label_missing",
            Self::TokenInvalid => "token_invalid",
            Self::ContactListFull => "contact_list_full",
            Self::NotEligible => "not_eligible",
            Self::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Statuses that need someone to act (counted as `SyncCounts::problems`): the label is
    /// missing, the token is invalid, the contact list is full, or an error. Pending, syncing,
    /// in sync and not eligible are not problems.
    pub fn is_problem(self) -> bool {
        matches!(
            self,
            Self::LabelMissing | Self::TokenInvalid | Self::ContactListFull | Self::Error
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SyncedCharacter {
    pub character: CharacterId,
    pub account: AccountId,
    pub status: SyncStatus,
    /// The last error or hint, in words a member can act on.
    pub message: Option<String>,
    pub enrolled_at: OffsetDateTime,
    pub last_sync_at: Option<OffsetDateTime>,
    pub last_success_at: Option<OffsetDateTime>,
}

/// What asking for a character's sync lease came to.
#[derive(Debug, Clone, PartialEq)]
pub enum SyncLease {
    /// The lease is the caller's; the enrolment as it was when taken.
    Leased(SyncedCharacter),
    /// Someone else holds an unexpired lease.
    Busy,
    NotEnrolled,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncCounts {
    pub total: i64,
    pub in_sync: i64,
    pub problems: i64,
}

const SYNC_COLS: &str =
    "character_id, account_id, status, message, enrolled_at, last_sync_at, last_success_at";

fn read_synced<R: Cols>(r: &R) -> Result<SyncedCharacter> {
    let status = r.str("status")?;
    Ok(SyncedCharacter {
        character: CharacterId(r.get("character_id")?),
        account: AccountId(r.get("account_id")?),
        status: SyncStatus::parse(status)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown sync status '{status}'")))?,
        message: r.get("message")?,
        enrolled_at: r.time("enrolled_at")?,
        last_sync_at: r.time_opt("last_sync_at")?,
        last_success_at: r.time_opt("last_success_at")?,
    })
}

impl SyncCounts {
    /// The counts of `(status, count)` rows, as [`Store::sync_status_counts`] returns them.
    pub fn of_statuses(per_status: &[(SyncStatus, i64)]) -> Self {
        let mut counts = Self::default();
        for &(status, n) in per_status {
            counts.total += n;
            if status == SyncStatus::InSync {
                counts.in_sync += n;
            }
            if status.is_problem() {
                counts.problems += n;
            }
        }
        counts
    }
}

/// The enrolment columns of `sync_characters s` in a query that joins other tables.
const SYNC_COLS_OF_S: &str = "s.character_id, s.account_id, s.status, s.message, s.enrolled_at, \
     s.last_sync_at, s.last_success_at";

impl Store {
    /// Enrols a character (status pending); enrolling again keeps its ledger and history.
    pub async fn enrol_sync(
        &self,
        character: CharacterId,
        account: AccountId,
    ) -> Result<SyncedCharacter> {
        let mut tx = self.transaction().await?;
        let synced = tx.enrol_sync(character, account).await?;
        tx.commit().await?;
        Ok(synced)
    }

    /// Removes the enrolment and its ledger.
    pub async fn leave_sync(&self, character: CharacterId) -> Result<bool> {
        let mut tx = self.transaction().await?;
        let out = tx.leave_sync(character).await?;
        tx.commit().await?;
        Ok(out)
    }

    pub async fn synced_character(
        &self,
        character: CharacterId,
    ) -> Result<Option<SyncedCharacter>> {
        on_db!(self, |db| sqlx::query(concatcp!(
            "SELECT ",
            SYNC_COLS,
            " FROM sync_characters WHERE character_id = $1"
        ))
        .bind(character.get())
        .fetch_optional(db.reader())
        .await?
        .as_ref()
        .map(read_synced)
        .transpose())
    }

    /// Enrolled characters, of one account when given, by character id.
    pub async fn synced_characters(
        &self,
        account: Option<AccountId>,
    ) -> Result<Vec<SyncedCharacter>> {
        on_db!(self, |db| sqlx::query(concatcp!(
            "SELECT ",
            SYNC_COLS,
            " FROM sync_characters WHERE ($1 IS NULL OR account_id = $1) ORDER BY character_id"
        ))
        .bind(account.map(|a| a.get()))
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(read_synced)
        .collect())
    }

    /// How many enrolled characters are in each status (statuses without any left out).
    pub async fn sync_status_counts(&self) -> Result<Vec<(SyncStatus, i64)>> {
        let rows: Vec<(String, i64)> = on_db!(self, |db| sqlx::query_as(
            "SELECT status, COUNT(*) FROM sync_characters GROUP BY status"
        )
        .fetch_all(db.reader())
        .await?);
        rows.into_iter()
            .map(|(status, n)| {
                SyncStatus::parse(&status)
                    .map(|s| (s, n))
                    .ok_or_else(|| StoreError::Corrupt(format!("unknown sync status '{status}'")))
            })
            .collect()
    }

    /// Every enrolled character, by character id, each with its name (the id as text for a
    /// character Jumpgate no longer knows): the administrators' list, which each process keeps
    /// while the `sync_enrolment` change counter stays the same (migration 0016 / 0017: bumped
    /// by every write of these columns and every rename of a character).
    pub async fn enrolment_list(&self) -> Result<Vec<(SyncedCharacter, String)>> {
        on_db!(self, |db| sqlx::query(concatcp!(
            "SELECT ",
            SYNC_COLS_OF_S,
            ", c.name FROM sync_characters s LEFT JOIN characters c ON c.id = s.character_id
             ORDER BY s.character_id"
        ))
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(|r| {
            let synced = read_synced(r)?;
            let name = r
                .get::<Option<String>>("name")?
                .unwrap_or_else(|| synced.character.to_string());
            Ok((synced, name))
        })
        .collect())
    }

    /// Records the outcome of a sync attempt; `success` also sets `last_success_at`.
    pub async fn set_sync_status(
        &self,
        character: CharacterId,
        status: SyncStatus,
        message: Option<&str>,
        success: bool,
    ) -> Result<()> {
        let done = on_db!(self, |db| sqlx::query(
            "UPDATE sync_characters SET status = $1, message = $2, last_sync_at = $3,
                 last_success_at = CASE WHEN $4 THEN $3 ELSE last_success_at END
             WHERE character_id = $5",
        )
        .bind(status.as_str())
        .bind(message)
        .bind(DbTime(self.now()))
        .bind(success)
        .bind(character.get())
        .execute(db.writer())
        .await?
        .rows_affected());
        support::not_found_if_zero(done, || format!("sync enrolment of character {character}"))
    }

    /// Takes the sync lease of a character (one sync per character across instances), like
    /// `try_lease_token`, and reads the enrolment in the same statement.
    pub async fn lease_sync(
        &self,
        character: CharacterId,
        holder: &str,
        lease: Duration,
    ) -> Result<SyncLease> {
        let now = self.now();
        on_db!(self, |db| {
            // One conditional UPDATE: whoever's statement runs first wins, the others match no
            // row. A character that is not enrolled matches no row either; telling the two apart
            // costs a read only when the lease was not taken.
            let row = sqlx::query(concatcp!(
                "UPDATE sync_characters SET locked_by = $1, locked_until = $2
                 WHERE character_id = $3
                   AND (locked_by IS NULL OR locked_until IS NULL OR locked_until <= $4)
                 RETURNING ",
                SYNC_COLS
            ))
            .bind(holder)
            .bind(DbTime(support::after(now, lease)))
            .bind(character.get())
            .bind(DbTime(now))
            .fetch_optional(db.writer())
            .await?;
            if let Some(row) = row {
                return Ok(SyncLease::Leased(read_synced(&row)?));
            }
            let enrolled: Option<i64> = sqlx::query_scalar(
                "SELECT character_id FROM sync_characters WHERE character_id = $1",
            )
            .bind(character.get())
            .fetch_optional(db.reader())
            .await?;
            Ok(if enrolled.is_some() {
                SyncLease::Busy
            } else {
                SyncLease::NotEnrolled
            })
        })
    }

    pub async fn release_sync(&self, character: CharacterId, holder: &str) -> Result<()> {
        on_db!(self, |db| {
            sqlx::query(
                "UPDATE sync_characters SET locked_by = NULL, locked_until = NULL
                 WHERE character_id = $1 AND locked_by = $2",
            )
            .bind(character.get())
            .bind(holder)
            .execute(db.writer())
            .await?;
        });
        Ok(())
    }
}

/// The writes a use case combines with others (and its audit entry) in one transaction; the
/// `Store` methods of the same names run each in its own.
impl Transaction {
    /// Enrols a character (status pending); enrolling again keeps its ledger and history.
    pub async fn enrol_sync(
        &mut self,
        character: CharacterId,
        account: AccountId,
    ) -> Result<SyncedCharacter> {
        let now = self.now();
        on_conn!(self.conn(), |tx| {
            let owner: Option<i64> =
                sqlx::query_scalar("SELECT account_id FROM characters WHERE id = $1")
                    .bind(character.get())
                    .fetch_optional(&mut *tx)
                    .await?;
            match owner {
                None => return Err(StoreError::NotFound(format!("character {character}"))),
                Some(owner) if owner != account.get() => {
                    return Err(StoreError::Invalid(format!(
                        "character {character} is not on account {account}"
                    )));
                }
                Some(_) => {}
            }
            // Enrolling again changes nothing: status, history, lease and ledger stay.
            let row = sqlx::query(concatcp!(
                "INSERT INTO sync_characters (character_id, account_id, status, enrolled_at) \
                 VALUES ($1, $2, 'pending', $3) \
                 ON CONFLICT (character_id) DO UPDATE SET account_id = excluded.account_id \
                 RETURNING ",
                SYNC_COLS
            ))
            .bind(character.get())
            .bind(account.get())
            .bind(DbTime(now))
            .fetch_one(&mut *tx)
            .await?;
            read_synced(&row)
        })
    }

    /// Gives an enrolment the pending writes it had when it left (what `record_sync_writes`
    /// stored then), so that ESI's cached contact list is read as it was left.
    pub async fn set_pending_writes(&mut self, character: CharacterId, text: &str) -> Result<()> {
        on_conn!(self.conn(), |tx| sqlx::query(
            "UPDATE sync_characters SET pending_writes = $1 WHERE character_id = $2"
        )
        .bind(text)
        .bind(character.get())
        .execute(&mut *tx)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Removes the enrolment and its ledger.
    pub async fn leave_sync(&mut self, character: CharacterId) -> Result<bool> {
        // The ledger goes with the enrolment (ON DELETE CASCADE).
        let done = on_conn!(self.conn(), |tx| sqlx::query(
            "DELETE FROM sync_characters WHERE character_id = $1"
        )
        .bind(character.get())
        .execute(&mut *tx)
        .await?
        .rows_affected());
        Ok(done > 0)
    }
}
