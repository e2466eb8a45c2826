//! Contact sync at scale (thousands of characters × a thousand contacts): ledger changes in a
//! few batched statements.

use super::{PgDb, read_standings};
use crate::{Result, support};
use jumpgate_domain::CharacterId;
use jumpgate_domain::standings::LedgerEntry;
use sqlx::Row;

pub(crate) async fn apply_ledger_changes(
    s: &PgDb,
    character: CharacterId,
    upserts: &[LedgerEntry],
    removals: &[i64],
) -> Result<()> {
    record_sync_writes(s, character, upserts, removals, None).await
}

/// The ledger changes and, when given, the pending writes, in one statement: one round trip
/// and one commit (as a transaction of five statements this was a sync's slowest write).
pub(crate) async fn record_sync_writes(
    s: &PgDb,
    character: CharacterId,
    upserts: &[LedgerEntry],
    removals: &[i64],
    pending_writes: Option<&str>,
) -> Result<()> {
    if upserts.is_empty() && removals.is_empty() && pending_writes.is_none() {
        return Ok(());
    }
    write_ledger(s, character, upserts, removals, pending_writes, false).await
}

/// Writes ledger rows (and the pending writes, if given) in one statement. `replace_all` also
/// removes every row not in `upserts`. Updating the enrolment row locks it first, so a
/// concurrent leave waits for this write and then takes its rows along; a character that is
/// not enrolled matches nothing, changes nothing and is `NotFound`. Rows that exist are updated
/// and the rest inserted plainly (the lock rules out a concurrent insert), a third of the cost
/// of `ON CONFLICT`'s speculative insertion for a first sync's thousand rows.
pub(crate) async fn write_ledger(
    s: &PgDb,
    character: CharacterId,
    upserts: &[LedgerEntry],
    removals: &[i64],
    pending_writes: Option<&str>,
    replace_all: bool,
) -> Result<()> {
    support::check_ledger(character, upserts)?;
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
    .fetch_one(&s.pool)
    .await?;
    support::not_found_if_zero(u64::try_from(enrolled).unwrap_or(0), || {
        format!("sync enrolment of character {character}")
    })
}

/// Ledger rows as one array per column, for `UNNEST`.
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
            labels: entries
                .iter()
                .map(|e| support::label_ids(&e.label_ids))
                .collect(),
            replaced: entries.iter().map(|e| e.replaced_personal).collect(),
        }
    }
}

pub(crate) async fn ledger_of_contact(
    s: &PgDb,
    contact_id: i64,
) -> Result<Vec<(CharacterId, LedgerEntry)>> {
    // One primary-key probe per enrolment (LIMIT 1 keeps the planner from turning the lateral
    // subquery into a scan of every ledger): an index by contact id made every thousand-row
    // ledger write dirty a thousand scattered index pages.
    let rows = sqlx::query(
        "SELECT l.character_id, l.contact_id, l.standing_tenths, l.label_ids,
                l.replaced_personal
         FROM sync_characters c CROSS JOIN LATERAL (
             SELECT * FROM sync_ledger l
             WHERE l.character_id = c.character_id AND l.contact_id = $1 LIMIT 1
         ) l
         ORDER BY c.character_id",
    )
    .bind(contact_id)
    .fetch_all(&s.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let character: i64 = r.try_get("character_id")?;
            Ok((CharacterId(character), read_standings::ledger(r)?))
        })
        .collect()
}

pub(crate) async fn pending_writes(s: &PgDb, character: CharacterId) -> Result<Option<String>> {
    let text: Option<Option<String>> =
        sqlx::query_scalar("SELECT pending_writes FROM sync_characters WHERE character_id = $1")
            .bind(character.get())
            .fetch_optional(&s.pool)
            .await?;
    Ok(text.flatten())
}
