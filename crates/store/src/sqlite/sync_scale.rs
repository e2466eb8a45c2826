//! Contact sync at scale (thousands of characters × a thousand contacts): ledger changes in a
//! few batched statements.

use super::{SqliteDb, read_standings};
use crate::{Result, StoreError, support};
use jumpgate_domain::CharacterId;
use jumpgate_domain::standings::LedgerEntry;
use serde_json::json;
use sqlx::Row;

pub(crate) async fn apply_ledger_changes(
    s: &SqliteDb,
    character: CharacterId,
    upserts: &[LedgerEntry],
    removals: &[i64],
) -> Result<()> {
    record_sync_writes(s, character, upserts, removals, None).await
}

/// The ledger changes and, when given, the pending writes, in one transaction.
pub(crate) async fn record_sync_writes(
    s: &SqliteDb,
    character: CharacterId,
    upserts: &[LedgerEntry],
    removals: &[i64],
    pending_writes: Option<&str>,
) -> Result<()> {
    support::check_ledger(character, upserts)?;
    if upserts.is_empty() && removals.is_empty() && pending_writes.is_none() {
        return Ok(());
    }
    let mut tx = s.begin().await?;
    lock_enrolment(&mut tx, character).await?;
    if let Some(text) = pending_writes {
        sqlx::query("UPDATE sync_characters SET pending_writes = $1 WHERE character_id = $2")
            .bind(text)
            .bind(character.get())
            .execute(&mut *tx)
            .await?;
    }
    if !removals.is_empty() {
        sqlx::query(
            "DELETE FROM sync_ledger WHERE character_id = $1
               AND contact_id IN (SELECT value FROM json_each($2))",
        )
        .bind(character.get())
        .bind(json!(removals).to_string())
        .execute(&mut *tx)
        .await?;
    }
    upsert_ledger_rows(&mut tx, character, upserts).await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn ledger_of_contact(
    s: &SqliteDb,
    contact_id: i64,
) -> Result<Vec<(CharacterId, LedgerEntry)>> {
    // One primary-key probe per enrolment (CROSS JOIN keeps the enrolments the outer loop): an
    // index by contact id made every thousand-row ledger write dirty a thousand scattered index
    // pages, and 10,000 probes take tens of milliseconds.
    let rows = sqlx::query(
        "SELECT l.character_id, l.contact_id, l.standing_tenths, l.label_ids,
                l.replaced_personal
         FROM sync_characters c CROSS JOIN sync_ledger l
         WHERE l.character_id = c.character_id AND l.contact_id = $1
         ORDER BY c.character_id",
    )
    .bind(contact_id)
    .fetch_all(&s.reader)
    .await?;
    rows.iter()
        .map(|r| {
            let character: i64 = r.try_get("character_id")?;
            Ok((CharacterId(character), read_standings::ledger(r)?))
        })
        .collect()
}

/// Takes the character's enrolment for the transaction (PostgreSQL: row lock, so leaving waits
/// for a ledger write and vice versa); `NotFound` when it is not enrolled.
pub(crate) async fn lock_enrolment(
    conn: &mut sqlx::SqliteConnection,
    character: CharacterId,
) -> Result<()> {
    let enrolled: Option<i64> =
        sqlx::query_scalar("SELECT character_id FROM sync_characters WHERE character_id = $1")
            .bind(character.get())
            .fetch_optional(&mut *conn)
            .await?;
    if enrolled.is_none() {
        return Err(StoreError::NotFound(format!(
            "sync enrolment of character {character}"
        )));
    }
    Ok(())
}

/// Inserts or replaces ledger rows in one statement (a row per statement cost a round trip
/// each, a thousand per character).
pub(crate) async fn upsert_ledger_rows(
    conn: &mut sqlx::SqliteConnection,
    character: CharacterId,
    entries: &[LedgerEntry],
) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    // One statement for the whole batch: the rows travel as one JSON parameter (a row per
    // statement costs the single writer a round trip each, 1,000 per character).
    let rows: Vec<serde_json::Value> = entries
        .iter()
        .map(|e| {
            json!([
                e.contact_id,
                e.standing.tenths(),
                support::label_ids(&e.label_ids),
                e.replaced_personal
            ])
        })
        .collect();
    sqlx::query(
        "INSERT INTO sync_ledger (character_id, contact_id, standing_tenths, label_ids,
             replaced_personal)
         SELECT $1, value ->> 0, value ->> 1, value ->> 2, value ->> 3
         FROM json_each($2) WHERE true
         ON CONFLICT (character_id, contact_id) DO UPDATE SET
             standing_tenths = excluded.standing_tenths, label_ids = excluded.label_ids,
             replaced_personal = excluded.replaced_personal",
    )
    .bind(character.get())
    .bind(serde_json::Value::Array(rows).to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(crate) async fn pending_writes(s: &SqliteDb, character: CharacterId) -> Result<Option<String>> {
    let text: Option<Option<String>> =
        sqlx::query_scalar("SELECT pending_writes FROM sync_characters WHERE character_id = $1")
            .bind(character.get())
            .fetch_optional(&s.reader)
            .await?;
    Ok(text.flatten())
}
