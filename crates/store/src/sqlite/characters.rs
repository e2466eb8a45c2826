//! Characters: lookup, adding alts, moving and removing them (with history), identity and
//! affiliation updates.

use super::{SqliteDb, accounts, micros, read};
use crate::rows::{character_cols, removed_cols};
use crate::support::{self, conflict, contains_pattern, not_found_if_zero};
use crate::{NewCharacter, Result, StoreError};
use jumpgate_domain::account::{Character, RemovalReason, RemovedCharacter};
use jumpgate_domain::states::Affiliation;
use jumpgate_domain::{AccountId, CharacterId};
use sqlx::SqliteConnection;
use time::OffsetDateTime;

/// Inserts a character on `account`; `Conflict` if it already exists anywhere.
pub(crate) async fn insert(
    conn: &mut SqliteConnection,
    account: AccountId,
    c: &NewCharacter,
    now: OffsetDateTime,
) -> Result<Character> {
    let row = sqlx::query(concat!(
        "INSERT INTO characters (id, account_id, name, owner_hash, corporation_id, alliance_id, \
         faction_id, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ",
        character_cols!()
    ))
    .bind(c.id.get())
    .bind(account.get())
    .bind(&c.name)
    .bind(&c.owner_hash)
    .bind(c.corporation.get())
    .bind(c.alliance.map(|a| a.get()))
    .bind(c.faction.map(|f| f.get()))
    .bind(micros(now))
    .fetch_one(conn)
    .await
    .map_err(|e| {
        conflict(e, || {
            format!("character {} ({}) is already on an account", c.name, c.id)
        })
    })?;
    read::character(&row)
}

async fn fetch(conn: &mut SqliteConnection, id: CharacterId) -> Result<Option<Character>> {
    let row = sqlx::query(concat!(
        "SELECT ",
        character_cols!(),
        " FROM characters WHERE id = $1"
    ))
    .bind(id.get())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(read::character).transpose()
}

/// If `character` is the main of `account`, makes the oldest other character main (or none).
/// Runs before the character leaves so the main never points at a character elsewhere.
async fn repick_main(
    conn: &mut SqliteConnection,
    account: AccountId,
    character: CharacterId,
) -> Result<()> {
    sqlx::query(
        "UPDATE accounts SET main_character_id = (
             SELECT id FROM characters WHERE account_id = $1 AND id <> $2
             ORDER BY added_at, id LIMIT 1)
         WHERE id = $1 AND main_character_id = $2",
    )
    .bind(account.get())
    .bind(character.get())
    .execute(conn)
    .await?;
    Ok(())
}

/// An account without a main (its last character left) takes the next character it gets.
async fn fill_empty_main(
    conn: &mut SqliteConnection,
    account: AccountId,
    character: CharacterId,
) -> Result<()> {
    sqlx::query(
        "UPDATE accounts SET main_character_id = $1 WHERE id = $2 AND main_character_id IS NULL",
    )
    .bind(character.get())
    .bind(account.get())
    .execute(conn)
    .await?;
    Ok(())
}

async fn record_removal(
    conn: &mut SqliteConnection,
    c: &Character,
    to: Option<AccountId>,
    reason: RemovalReason,
    actor: Option<AccountId>,
    now: OffsetDateTime,
) -> Result<RemovedCharacter> {
    let row = sqlx::query(concat!(
        "INSERT INTO removed_characters (character_id, character_name, from_account_id, \
         to_account_id, reason, actor_account_id, removed_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         RETURNING ",
        removed_cols!()
    ))
    .bind(c.id.get())
    .bind(&c.name)
    .bind(c.account.get())
    .bind(to.map(|a| a.get()))
    .bind(reason.as_str())
    .bind(actor.map(|a| a.get()))
    .bind(micros(now))
    .fetch_one(conn)
    .await?;
    read::removed(&row)
}

pub(crate) async fn character(s: &SqliteDb, id: CharacterId) -> Result<Option<Character>> {
    let mut conn = s.reader.acquire().await?;
    fetch(&mut conn, id).await
}

pub(crate) async fn characters_by_ids(s: &SqliteDb, ids: &[CharacterId]) -> Result<Vec<Character>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // The ids travel as one JSON array parameter: the SQL stays fixed whatever the list.
    let ids: Vec<i64> = ids.iter().map(|id| id.get()).collect();
    let ids = serde_json::to_string(&ids).unwrap_or_else(|_| "[]".to_owned());
    let rows = sqlx::query(concat!(
        "SELECT ",
        character_cols!(),
        " FROM characters WHERE id IN (SELECT value FROM json_each($1))"
    ))
    .bind(ids)
    .fetch_all(&s.reader)
    .await?;
    read::all(&rows, read::character)
}

pub(crate) async fn character_by_name(s: &SqliteDb, name: &str) -> Result<Option<Character>> {
    let row = sqlx::query(concat!(
        "SELECT ",
        character_cols!(),
        " FROM characters WHERE lower(name) = lower($1) ORDER BY id LIMIT 1"
    ))
    .bind(name)
    .fetch_optional(&s.reader)
    .await?;
    row.as_ref().map(read::character).transpose()
}

pub(crate) async fn characters_of(s: &SqliteDb, account: AccountId) -> Result<Vec<Character>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        character_cols!(),
        " FROM characters WHERE account_id = $1 ORDER BY \
         CASE WHEN id = (SELECT main_character_id FROM accounts WHERE id = $1) THEN 0 ELSE 1 END, \
         lower(name), name, id"
    ))
    .bind(account.get())
    .fetch_all(&s.reader)
    .await?;
    read::all(&rows, read::character)
}

pub(crate) async fn search_characters(
    s: &SqliteDb,
    query: &str,
    limit: i64,
) -> Result<Vec<Character>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        character_cols!(),
        r" FROM characters WHERE lower(name) LIKE $1 ESCAPE '\' ORDER BY lower(name), name, id LIMIT $2"
    ))
    .bind(contains_pattern(query))
    .bind(limit.max(0))
    .fetch_all(&s.reader)
    .await?;
    read::all(&rows, read::character)
}

pub(crate) async fn character_ids(s: &SqliteDb) -> Result<Vec<CharacterId>> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM characters ORDER BY id")
        .fetch_all(&s.reader)
        .await?;
    Ok(ids.into_iter().map(CharacterId).collect())
}

pub(crate) async fn add_character(
    s: &SqliteDb,
    account: AccountId,
    c: &NewCharacter,
) -> Result<Character> {
    let mut tx = s.begin().await?;
    accounts::must_exist(&mut tx, account).await?;
    let character = insert(&mut tx, account, c, support::now()).await?;
    fill_empty_main(&mut tx, account, c.id).await?;
    tx.commit().await?;
    Ok(character)
}

pub(crate) async fn move_character(
    s: &SqliteDb,
    character: CharacterId,
    to: AccountId,
    reason: RemovalReason,
    actor: Option<AccountId>,
) -> Result<RemovedCharacter> {
    let now = support::now();
    let mut tx = s.begin().await?;
    let c = fetch(&mut tx, character)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("character {character}")))?;
    accounts::must_exist(&mut tx, to).await?;
    if c.account == to {
        return Err(StoreError::Invalid(format!(
            "character {} ({character}) is already on account {to}",
            c.name
        )));
    }
    repick_main(&mut tx, c.account, character).await?;
    // It joins the new account now: that is what "oldest character" means there.
    sqlx::query("UPDATE characters SET account_id = $1, added_at = $2 WHERE id = $3")
        .bind(to.get())
        .bind(micros(now))
        .bind(character.get())
        .execute(&mut *tx)
        .await?;
    fill_empty_main(&mut tx, to, character).await?;
    // A character enrolled in contact sync stays enrolled, now for its new account.
    sqlx::query("UPDATE sync_characters SET account_id = $1 WHERE character_id = $2")
        .bind(to.get())
        .bind(character.get())
        .execute(&mut *tx)
        .await?;
    let removed = record_removal(&mut tx, &c, Some(to), reason, actor, now).await?;
    tx.commit().await?;
    Ok(removed)
}

pub(crate) async fn remove_character(
    s: &SqliteDb,
    character: CharacterId,
    reason: RemovalReason,
    actor: Option<AccountId>,
) -> Result<RemovedCharacter> {
    let now = support::now();
    let mut tx = s.begin().await?;
    let c = fetch(&mut tx, character)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("character {character}")))?;
    repick_main(&mut tx, c.account, character).await?;
    sqlx::query("DELETE FROM tokens WHERE character_id = $1")
        .bind(character.get())
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM characters WHERE id = $1")
        .bind(character.get())
        .execute(&mut *tx)
        .await?;
    let removed = record_removal(&mut tx, &c, None, reason, actor, now).await?;
    tx.commit().await?;
    Ok(removed)
}

pub(crate) async fn update_character_identity(
    s: &SqliteDb,
    character: CharacterId,
    name: &str,
    owner_hash: &str,
) -> Result<()> {
    let done = sqlx::query("UPDATE characters SET name = $1, owner_hash = $2 WHERE id = $3")
        .bind(name)
        .bind(owner_hash)
        .bind(character.get())
        .execute(&s.writer)
        .await?;
    not_found_if_zero(done.rows_affected(), || format!("character {character}"))
}

pub(crate) async fn update_affiliations(
    s: &SqliteDb,
    affiliations: &[Affiliation],
    checked_at: OffsetDateTime,
) -> Result<u64> {
    let checked_at = micros(checked_at);
    let mut changed = 0;
    let mut tx = s.begin().await?;
    for a in affiliations {
        // Only rows whose affiliation differs are touched first, so rows_affected counts changes.
        let done = sqlx::query(
            "UPDATE characters SET corporation_id = $2, alliance_id = $3, faction_id = $4
             WHERE id = $1
               AND (corporation_id <> $2 OR alliance_id IS NOT $3 OR faction_id IS NOT $4)",
        )
        .bind(a.character.get())
        .bind(a.corporation.get())
        .bind(a.alliance.map(|x| x.get()))
        .bind(a.faction.map(|x| x.get()))
        .execute(&mut *tx)
        .await?;
        changed += done.rows_affected();
        sqlx::query("UPDATE characters SET last_checked_at = $2 WHERE id = $1")
            .bind(a.character.get())
            .bind(checked_at)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(changed)
}

pub(crate) async fn removed_characters(
    s: &SqliteDb,
    account: Option<AccountId>,
    limit: i64,
) -> Result<Vec<RemovedCharacter>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        removed_cols!(),
        " FROM removed_characters WHERE ($1 IS NULL OR from_account_id = $1) \
         ORDER BY removed_at DESC, id DESC LIMIT $2"
    ))
    .bind(account.map(|a| a.get()))
    .bind(limit.max(0))
    .fetch_all(&s.reader)
    .await?;
    read::all(&rows, read::removed)
}
