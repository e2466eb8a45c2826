//! The ledger: the contacts Jumpgate wrote into each enrolled character, and the contact changes
//! ESI's cached list does not show yet (`pending_writes`).
//!
//! Contact sync runs at scale (thousands of characters × a thousand contacts), so a ledger is
//! written in batches, never a row per statement, and each backend writes it the way that
//! measured fastest on it (docs/benchmarks.md): SQLite in one `BEGIN IMMEDIATE` transaction on
//! its single writer, PostgreSQL in one statement whose enrolment-row update stands in for the
//! foreign key's lock (`write_ledger_postgres`, ADR 0012).

use crate::Store;
use crate::db::json_ids;
use crate::db::{Cols, Db, on_db};
use crate::standings::read_standing;
use crate::{Result, StoreError};
use const_format::concatcp;
use jumpgate_domain::CharacterId;
use jumpgate_domain::standings::LedgerEntry;
use serde_json::json;
use sqlx::{PgPool, SqliteConnection};

const LEDGER_COLS: &str = "contact_id, standing_tenths, label_ids, replaced_personal";

fn read_ledger<R: Cols>(r: &R) -> Result<LedgerEntry> {
    let labels = r.str("label_ids")?;
    Ok(LedgerEntry {
        contact_id: r.get("contact_id")?,
        standing: read_standing(r.get("standing_tenths")?)?,
        label_ids: serde_json::from_str(labels)
            .map_err(|e| StoreError::Corrupt(format!("ledger label ids {labels:?}: {e}")))?,
        replaced_personal: r.get("replaced_personal")?,
    })
}

fn read_character_ledger<R: Cols>(r: &R) -> Result<(CharacterId, LedgerEntry)> {
    Ok((CharacterId(r.get("character_id")?), read_ledger(r)?))
}

/// A ledger holds each contact once.
fn check_ledger(character: CharacterId, entries: &[LedgerEntry]) -> Result<()> {
    let mut seen = std::collections::BTreeSet::new();
    for e in entries {
        if !seen.insert(e.contact_id) {
            return Err(StoreError::Invalid(format!(
                "contact {} appears twice in the ledger of character {character}",
                e.contact_id
            )));
        }
    }
    Ok(())
}

fn not_enrolled(character: CharacterId) -> StoreError {
    StoreError::NotFound(format!("sync enrolment of character {character}"))
}

impl Store {
    /// The contacts Jumpgate wrote into the character, by contact id.
    pub async fn ledger(&self, character: CharacterId) -> Result<Vec<LedgerEntry>> {
        on_db!(self, |db| sqlx::query(concatcp!(
            "SELECT ",
            LEDGER_COLS,
            " FROM sync_ledger WHERE character_id = $1 ORDER BY contact_id"
        ))
        .bind(character.get())
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(read_ledger)
        .collect())
    }

    /// Replaces the character's ledger in one transaction (after a sync).
    pub async fn replace_ledger(
        &self,
        character: CharacterId,
        entries: &[LedgerEntry],
    ) -> Result<()> {
        check_ledger(character, entries)?;
        match &self.db {
            Db::Sqlite(db) => {
                let mut tx = db.begin().await?;
                lock_enrolment_sqlite(&mut tx, character).await?;
                sqlx::query("DELETE FROM sync_ledger WHERE character_id = $1")
                    .bind(character.get())
                    .execute(&mut *tx)
                    .await?;
                upsert_ledger_rows_sqlite(&mut tx, character, entries).await?;
                tx.commit().await?;
                Ok(())
            }
            Db::Postgres(db) => {
                write_ledger_postgres(db.writer(), character, entries, &[], None, true).await
            }
        }
    }

    /// Changes a character's ledger in one transaction: `upserts` inserted or replaced,
    /// `removals` deleted, each in one batched statement. An approval then costs one row per
    /// character instead of rewriting a thousand-row ledger.
    pub async fn apply_ledger_changes(
        &self,
        character: CharacterId,
        upserts: &[LedgerEntry],
        removals: &[i64],
    ) -> Result<()> {
        self.write_ledger_changes(character, upserts, removals, None)
            .await
    }

    /// `apply_ledger_changes` and the character's pending writes (the contact changes ESI's
    /// cached list does not show yet, as the sync engine encodes them) in one transaction.
    pub async fn record_sync_writes(
        &self,
        character: CharacterId,
        upserts: &[LedgerEntry],
        removals: &[i64],
        pending_writes: &str,
    ) -> Result<()> {
        self.write_ledger_changes(character, upserts, removals, Some(pending_writes))
            .await
    }

    /// The ledger changes and, when given, the pending writes, in one transaction.
    async fn write_ledger_changes(
        &self,
        character: CharacterId,
        upserts: &[LedgerEntry],
        removals: &[i64],
        pending_writes: Option<&str>,
    ) -> Result<()> {
        check_ledger(character, upserts)?;
        if upserts.is_empty() && removals.is_empty() && pending_writes.is_none() {
            return Ok(());
        }
        match &self.db {
            // SQLite: a few statements in one transaction on the single writer (its round trips
            // cost little; a removal list travels as one JSON parameter, SQLite has no arrays).
            Db::Sqlite(db) => {
                let mut tx = db.begin().await?;
                lock_enrolment_sqlite(&mut tx, character).await?;
                if let Some(text) = pending_writes {
                    sqlx::query(
                        "UPDATE sync_characters SET pending_writes = $1 WHERE character_id = $2",
                    )
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
                upsert_ledger_rows_sqlite(&mut tx, character, upserts).await?;
                tx.commit().await?;
                Ok(())
            }
            // PostgreSQL: one statement, so one round trip and one commit (as a transaction of
            // five statements this was a sync's slowest write).
            Db::Postgres(db) => {
                write_ledger_postgres(
                    db.writer(),
                    character,
                    upserts,
                    removals,
                    pending_writes,
                    false,
                )
                .await
            }
        }
    }

    /// What `record_sync_writes` stored last, if anything.
    pub async fn pending_writes(&self, character: CharacterId) -> Result<Option<String>> {
        let text: Option<Option<String>> = on_db!(self, |db| sqlx::query_scalar(
            "SELECT pending_writes FROM sync_characters WHERE character_id = $1"
        )
        .bind(character.get())
        .fetch_optional(db.reader())
        .await?);
        Ok(text.flatten())
    }

    /// Every ledger row of one contact id, with its character, by character: the approver's
    /// preview of a change to that entity, in one indexed query.
    pub async fn ledger_of_contact(
        &self,
        contact_id: i64,
    ) -> Result<Vec<(CharacterId, LedgerEntry)>> {
        // One primary-key probe per enrolment: an index by contact id made every thousand-row
        // ledger write dirty a thousand scattered index pages. Each planner needs its own
        // spelling to probe rather than scan.
        match &self.db {
            // SQLite: CROSS JOIN keeps the enrolments the outer loop; 10,000 probes take tens of
            // milliseconds.
            Db::Sqlite(db) => sqlx::query(
                "SELECT l.character_id, l.contact_id, l.standing_tenths, l.label_ids,
                        l.replaced_personal
                 FROM sync_characters c CROSS JOIN sync_ledger l
                 WHERE l.character_id = c.character_id AND l.contact_id = $1
                 ORDER BY c.character_id",
            )
            .bind(contact_id)
            .fetch_all(db.reader())
            .await?
            .iter()
            .map(read_character_ledger)
            .collect(),
            // PostgreSQL: LIMIT 1 keeps the planner from turning the lateral subquery into a
            // scan of every ledger.
            Db::Postgres(db) => sqlx::query(
                "SELECT l.character_id, l.contact_id, l.standing_tenths, l.label_ids,
                        l.replaced_personal
                 FROM sync_characters c CROSS JOIN LATERAL (
                     SELECT * FROM sync_ledger l
                     WHERE l.character_id = c.character_id AND l.contact_id = $1 LIMIT 1
                 ) l
                 ORDER BY c.character_id",
            )
            .bind(contact_id)
            .fetch_all(db.reader())
            .await?
            .iter()
            .map(read_character_ledger)
            .collect(),
        }
    }
}

/// SQLite: checks the character is enrolled, inside the write transaction (whose
/// `BEGIN IMMEDIATE` already keeps a concurrent leave out); `NotFound` when it is not.
async fn lock_enrolment_sqlite(conn: &mut SqliteConnection, character: CharacterId) -> Result<()> {
    let enrolled: Option<i64> =
        sqlx::query_scalar("SELECT character_id FROM sync_characters WHERE character_id = $1")
            .bind(character.get())
            .fetch_optional(&mut *conn)
            .await?;
    if enrolled.is_none() {
        return Err(not_enrolled(character));
    }
    Ok(())
}

/// SQLite: inserts or replaces ledger rows in one statement, the rows travelling as one JSON
/// parameter (a row per statement costs the single writer a round trip each, 1,000 per
/// character).
async fn upsert_ledger_rows_sqlite(
    conn: &mut SqliteConnection,
    character: CharacterId,
    entries: &[LedgerEntry],
) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let rows: Vec<serde_json::Value> = entries
        .iter()
        .map(|e| {
            json!([
                e.contact_id,
                e.standing.tenths(),
                json_ids(&e.label_ids),
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

/// PostgreSQL (ADR 0012): writes ledger rows (and the pending writes, if given) in one
/// statement. `replace_all` also removes every row not in `upserts`. Updating the enrolment row
/// locks it first, so a concurrent leave waits for this write and then takes its rows along; a
/// character that is not enrolled matches nothing, changes nothing and is `NotFound`. Rows that
/// exist are updated and the rest inserted plainly (the lock rules out a concurrent insert), a
/// third of the cost of `ON CONFLICT`'s speculative insertion for a first sync's thousand rows.
async fn write_ledger_postgres(
    pool: &PgPool,
    character: CharacterId,
    upserts: &[LedgerEntry],
    removals: &[i64],
    pending_writes: Option<&str>,
    replace_all: bool,
) -> Result<()> {
    let rows = LedgerColumns::of(upserts);
    let enrolled: i64 = sqlx::query_scalar(
        "WITH enrolment AS (
             UPDATE sync_characters SET pending_writes = COALESCE($2, pending_writes)
             WHERE character_id = $1 RETURNING character_id
         ), removed AS (
             DELETE FROM sync_ledger
             WHERE character_id = $1 AND EXISTS (SELECT 1 FROM enrolment)
               AND (contact_id = ANY($3) OR ($8 AND contact_id <> ALL($4)))
         ), u AS (
             SELECT * FROM UNNEST($4::bigint[], $5::smallint[], $6::text[],
                 $7::double precision[]) AS u (c, st, l, r)
         ), updated AS (
             UPDATE sync_ledger SET standing_tenths = u.st, label_ids = u.l,
                 replaced_personal = u.r
             FROM u WHERE character_id = $1 AND contact_id = u.c
               AND EXISTS (SELECT 1 FROM enrolment)
             RETURNING contact_id
         ), inserted AS (
             INSERT INTO sync_ledger (character_id, contact_id, standing_tenths, label_ids,
                 replaced_personal)
             SELECT e.character_id, c, st, l, r FROM u, enrolment e
             WHERE c NOT IN (SELECT contact_id FROM updated)
         )
         SELECT COUNT(*) FROM enrolment",
    )
    .bind(character.get())
    .bind(pending_writes)
    .bind(removals)
    .bind(rows.contacts)
    .bind(rows.standings)
    .bind(rows.labels)
    .bind(rows.replaced)
    .bind(replace_all)
    .fetch_one(pool)
    .await?;
    if enrolled == 0 {
        return Err(not_enrolled(character));
    }
    Ok(())
}

/// Ledger rows as one array per column, for PostgreSQL's `UNNEST`.
struct LedgerColumns {
    contacts: Vec<i64>,
    standings: Vec<i16>,
    labels: Vec<String>,
    replaced: Vec<Option<f64>>,
}

impl LedgerColumns {
    fn of(entries: &[LedgerEntry]) -> Self {
        Self {
            contacts: entries.iter().map(|e| e.contact_id).collect(),
            standings: entries.iter().map(|e| e.standing.tenths()).collect(),
            labels: entries.iter().map(|e| json_ids(&e.label_ids)).collect(),
            replaced: entries.iter().map(|e| e.replaced_personal).collect(),
        }
    }
}
