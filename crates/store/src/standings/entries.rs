//! The standings database: one approved standing per entity, the source of truth every enrolled
//! character's contacts follow.

use super::{read_entity, read_standing};
use crate::db::{Cols, Conn, DbTime, Dialects, IdList, on_conn, on_db, where_in_ids};
use crate::support::unknown_account;
use crate::{Result, StoreError};
use crate::{Store, Transaction};
use const_format::concatcp;
use jumpgate_domain::AccountId;
use jumpgate_domain::standings::{Entity, Standing};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// One approved standing: the source of truth every enrolled character's contacts follow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandingsEntry {
    pub entity: Entity,
    /// The entity's name when it was last seen (display only; the id is the key).
    pub name: String,
    pub standing: Standing,
    pub notes: String,
    /// How the entry came to be: `request`, `admin`, `import`.
    pub source: String,
    /// The account whose request or action created it, if a person did.
    pub added_by: Option<AccountId>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewStandingsEntry {
    pub entity: Entity,
    pub name: String,
    pub standing: Standing,
    pub notes: String,
    pub source: String,
    pub added_by: Option<AccountId>,
}

const ENTRY_COLS: &str = "entity_id, entity_kind, name, standing_tenths, notes, source, \
     added_by, created_at, updated_at";

fn read_entry<R: Cols>(r: &R) -> Result<StandingsEntry> {
    Ok(StandingsEntry {
        entity: read_entity(r)?,
        name: r.get("name")?,
        standing: read_standing(r.get("standing_tenths")?)?,
        notes: r.get("notes")?,
        source: r.get("source")?,
        added_by: r.get::<Option<i64>>("added_by")?.map(AccountId),
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

/// Creates or updates the entry of `e.entity` (also how an approved request writes its entry).
pub(super) async fn upsert_entry<'c>(
    conn: impl Into<Conn<'c>>,
    e: &NewStandingsEntry,
    now: OffsetDateTime,
) -> Result<StandingsEntry> {
    on_conn!(conn, |conn| read_entry(
        &sqlx::query(concatcp!(
            "INSERT INTO standings_entries (entity_id, entity_kind, name, standing_tenths, notes, \
             source, added_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
             ON CONFLICT (entity_id) DO UPDATE SET entity_kind = excluded.entity_kind, \
             name = excluded.name, standing_tenths = excluded.standing_tenths, \
             notes = excluded.notes, source = excluded.source, added_by = excluded.added_by, \
             updated_at = excluded.updated_at RETURNING ",
            ENTRY_COLS
        ))
        .bind(e.entity.id)
        .bind(e.entity.kind.as_str())
        .bind(&e.name)
        .bind(e.standing.tenths())
        .bind(&e.notes)
        .bind(&e.source)
        .bind(e.added_by.map(|a| a.get()))
        .bind(DbTime(now))
        .fetch_one(conn)
        .await
        .map_err(|err| unknown_account(err, e.added_by))?
    ))
}

/// An import names each entity once: a second row for the same entity is a mistake in the
/// import (which value was meant?), so the whole import is refused before anything is written.
fn check_import(entries: &[NewStandingsEntry]) -> Result<()> {
    let mut seen = BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        if let Some(first) = seen.insert(e.entity.id, i) {
            return Err(StoreError::Invalid(format!(
                "{} ({}) appears twice in the import (entries {} and {}); nothing was imported",
                e.name,
                e.entity,
                first + 1,
                i + 1
            )));
        }
    }
    Ok(())
}

impl Store {
    /// Every entry, as the database page lists them: characters, corporations, alliances, each
    /// by name ignoring case (the desired contacts of every enrolled character, too).
    pub async fn all_standings(&self) -> Result<Vec<StandingsEntry>> {
        on_db!(self, |db| sqlx::query(concatcp!(
            "SELECT ",
            ENTRY_COLS,
            " FROM standings_entries ORDER BY CASE entity_kind WHEN 'character' THEN 0 \
             WHEN 'corporation' THEN 1 ELSE 2 END, lower(name), name, entity_id"
        ))
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(read_entry)
        .collect())
    }

    /// The entries among `ids`, in no particular order.
    pub async fn standings_by_ids(&self, ids: &[i64]) -> Result<Vec<StandingsEntry>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        const STANDINGS_BY_IDS: Dialects = where_in_ids!(
            "SELECT ",
            ENTRY_COLS,
            " FROM standings_entries WHERE entity_id"
        );
        let ids = IdList::new(ids.iter().copied());
        on_db!(self, |db| sqlx::query(db.sql(&STANDINGS_BY_IDS))
            .bind(ids)
            .fetch_all(db.reader())
            .await?
            .iter()
            .map(read_entry)
            .collect())
    }

    pub async fn standing(&self, entity_id: i64) -> Result<Option<StandingsEntry>> {
        on_db!(self, |db| sqlx::query(concatcp!(
            "SELECT ",
            ENTRY_COLS,
            " FROM standings_entries WHERE entity_id = $1"
        ))
        .bind(entity_id)
        .fetch_optional(db.reader())
        .await?
        .as_ref()
        .map(read_entry)
        .transpose())
    }

    /// How many entries match the filter (its limit and offset aside): a page's "of N".
    pub async fn count_standings(&self) -> Result<i64> {
        Ok(on_db!(self, |db| sqlx::query_scalar(
            "SELECT COUNT(*) FROM standings_entries"
        )
        .fetch_one(db.reader())
        .await?))
    }

    /// Creates or updates the entry of an entity (one entry per entity).
    pub async fn upsert_standing(&self, entry: &NewStandingsEntry) -> Result<StandingsEntry> {
        let mut tx = self.transaction().await?;
        let out = tx.upsert_standing(entry).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Returns whether an entry was deleted.
    pub async fn delete_standing(&self, entity_id: i64) -> Result<bool> {
        let mut tx = self.transaction().await?;
        let out = tx.delete_standing(entity_id).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Upserts every entry in one transaction: all or nothing.
    pub async fn import_standings(&self, entries: &[NewStandingsEntry]) -> Result<u64> {
        let mut tx = self.transaction().await?;
        let out = tx.import_standings(entries).await?;
        tx.commit().await?;
        Ok(out)
    }
}

/// The writes a use case combines with others (and its audit entry) in one transaction; the
/// `Store` methods of the same names run each in its own.
impl Transaction {
    /// Upserts every entry (checked first: nothing is written when one is invalid).
    pub async fn import_standings(&mut self, entries: &[NewStandingsEntry]) -> Result<u64> {
        check_import(entries)?;
        let now = self.now();
        on_conn!(self.conn(), |tx| {
            for e in entries {
                upsert_entry(&mut *tx, e, now).await?;
            }
        });
        Ok(entries.len() as u64)
    }

    /// Creates or updates the entry of an entity (one entry per entity).
    pub async fn upsert_standing(&mut self, entry: &NewStandingsEntry) -> Result<StandingsEntry> {
        let now = self.now();
        on_conn!(self.conn(), |tx| {
            upsert_entry(&mut *tx, entry, now).await
        })
    }

    /// Returns whether an entry was deleted.
    pub async fn delete_standing(&mut self, entity_id: i64) -> Result<bool> {
        let done = on_conn!(self.conn(), |tx| sqlx::query(
            "DELETE FROM standings_entries WHERE entity_id = $1"
        )
        .bind(entity_id)
        .execute(&mut *tx)
        .await?
        .rows_affected());
        Ok(done > 0)
    }
}
