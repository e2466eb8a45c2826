//! Contact sync: enrolment, status, the per-character sync lease and the ledger of contacts
//! Jumpgate wrote.

use super::{PgDb, read_standings as read, tm};
use crate::rows::sync_cols;
use crate::support;
use crate::{Result, StoreError, SyncCounts, SyncLease, SyncStatus, SyncedCharacter};
use jumpgate_domain::standings::LedgerEntry;
use jumpgate_domain::{AccountId, CharacterId};
use std::time::Duration;

pub(crate) async fn enrol_sync(
    s: &PgDb,
    character: CharacterId,
    account: AccountId,
) -> Result<SyncedCharacter> {
    let mut tx = s.begin().await?;
    let owner: Option<i64> = sqlx::query_scalar("SELECT account_id FROM characters WHERE id = $1")
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
    let row = sqlx::query(concat!(
        "INSERT INTO sync_characters (character_id, account_id, status, enrolled_at) \
         VALUES ($1, $2, 'pending', $3) \
         ON CONFLICT (character_id) DO UPDATE SET account_id = excluded.account_id RETURNING ",
        sync_cols!()
    ))
    .bind(character.get())
    .bind(account.get())
    .bind(tm(support::now()))
    .fetch_one(&mut *tx)
    .await?;
    let synced = read::synced(&row)?;
    tx.commit().await?;
    Ok(synced)
}

pub(crate) async fn leave_sync(s: &PgDb, character: CharacterId) -> Result<bool> {
    // The ledger goes with the enrolment (ON DELETE CASCADE).
    let done = sqlx::query("DELETE FROM sync_characters WHERE character_id = $1")
        .bind(character.get())
        .execute(&s.pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub(crate) async fn synced_character(
    s: &PgDb,
    character: CharacterId,
) -> Result<Option<SyncedCharacter>> {
    let row = sqlx::query(concat!(
        "SELECT ",
        sync_cols!(),
        " FROM sync_characters WHERE character_id = $1"
    ))
    .bind(character.get())
    .fetch_optional(&s.pool)
    .await?;
    row.as_ref().map(read::synced).transpose()
}

pub(crate) async fn synced_characters(
    s: &PgDb,
    account: Option<AccountId>,
) -> Result<Vec<SyncedCharacter>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        sync_cols!(),
        " FROM sync_characters WHERE ($1 IS NULL OR account_id = $1) ORDER BY character_id"
    ))
    .bind(account.map(|a| a.get()))
    .fetch_all(&s.pool)
    .await?;
    rows.iter().map(read::synced).collect()
}

pub(crate) async fn sync_counts(s: &PgDb) -> Result<SyncCounts> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, COUNT(*) FROM sync_characters GROUP BY status")
            .fetch_all(&s.pool)
            .await?;
    support::sync_counts(rows)
}

pub(crate) async fn set_sync_status(
    s: &PgDb,
    character: CharacterId,
    status: SyncStatus,
    message: Option<&str>,
    success: bool,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE sync_characters SET status = $1, message = $2, last_sync_at = $3,
             last_success_at = CASE WHEN $4 THEN $3 ELSE last_success_at END
         WHERE character_id = $5",
    )
    .bind(status.as_str())
    .bind(message)
    .bind(tm(support::now()))
    .bind(success)
    .bind(character.get())
    .execute(&s.pool)
    .await?;
    support::not_found_if_zero(done.rows_affected(), || {
        format!("sync enrolment of character {character}")
    })
}

pub(crate) async fn lease_sync(
    s: &PgDb,
    character: CharacterId,
    holder: &str,
    lease: Duration,
) -> Result<SyncLease> {
    let now = support::now();
    // One conditional UPDATE: whoever's statement runs first wins, the others match no row. A
    // character that is not enrolled matches no row either; telling the two apart costs a read
    // only when the lease was not taken.
    let row = sqlx::query(concat!(
        "UPDATE sync_characters SET locked_by = $1, locked_until = $2
         WHERE character_id = $3
           AND (locked_by IS NULL OR locked_until IS NULL OR locked_until <= $4)
         RETURNING ",
        sync_cols!()
    ))
    .bind(holder)
    .bind(tm(support::after(now, lease)))
    .bind(character.get())
    .bind(tm(now))
    .fetch_optional(&s.pool)
    .await?;
    if let Some(row) = row {
        return Ok(SyncLease::Leased(read::synced(&row)?));
    }
    let enrolled: Option<i64> =
        sqlx::query_scalar("SELECT character_id FROM sync_characters WHERE character_id = $1")
            .bind(character.get())
            .fetch_optional(&s.pool)
            .await?;
    Ok(if enrolled.is_some() {
        SyncLease::Busy
    } else {
        SyncLease::NotEnrolled
    })
}

pub(crate) async fn release_sync(s: &PgDb, character: CharacterId, holder: &str) -> Result<()> {
    sqlx::query(
        "UPDATE sync_characters SET locked_by = NULL, locked_until = NULL
         WHERE character_id = $1 AND locked_by = $2",
    )
    .bind(character.get())
    .bind(holder)
    .execute(&s.pool)
    .await?;
    Ok(())
}

pub(crate) async fn ledger(s: &PgDb, character: CharacterId) -> Result<Vec<LedgerEntry>> {
    let rows = sqlx::query(
        "SELECT contact_id, standing_tenths, label_ids, replaced_personal FROM sync_ledger
         WHERE character_id = $1 ORDER BY contact_id",
    )
    .bind(character.get())
    .fetch_all(&s.pool)
    .await?;
    rows.iter().map(read::ledger).collect()
}

pub(crate) async fn replace_ledger(
    s: &PgDb,
    character: CharacterId,
    entries: &[LedgerEntry],
) -> Result<()> {
    super::sync_scale::write_ledger(s, character, entries, &[], None, true).await
}
