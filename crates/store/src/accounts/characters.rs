//! Characters: lookup, adding alts, moving and removing them (with history), identity and
//! affiliation updates.

use super::account::must_exist;
use crate::db::{
    Cols, Conn, Db, DbTime, Dialects, IdList, by_name_in_byte_order, on_conn, on_db, where_in_ids,
};
use crate::support::{conflict, contains_pattern, not_found_if_zero};
use crate::{ListedCharacter, NewCharacter, Result, StoreError};
use crate::{Store, Transaction};
use const_format::concatcp;
use jumpgate_domain::account::{Character, RemovalReason, RemovedCharacter};
use jumpgate_domain::states::Affiliation;
use jumpgate_domain::{AccountId, AllianceId, CharacterId, CorporationId, FactionId};
use time::OffsetDateTime;

const CHARACTER_COLS: &str = "id, account_id, name, owner_hash, corporation_id, \
     alliance_id, faction_id, added_at, last_checked_at";

const REMOVED_COLS: &str = "id, character_id, character_name, from_account_id, to_account_id, \
     reason, actor_account_id, removed_at";

const CHARACTER_BY_ID: &str =
    concatcp!("SELECT ", CHARACTER_COLS, " FROM characters WHERE id = $1");

pub(super) fn read_character<R: Cols>(r: &R) -> Result<Character> {
    Ok(Character {
        id: CharacterId(r.get("id")?),
        account: AccountId(r.get("account_id")?),
        name: r.get("name")?,
        owner_hash: r.get("owner_hash")?,
        corporation: CorporationId(r.get("corporation_id")?),
        alliance: r.get::<Option<i64>>("alliance_id")?.map(AllianceId),
        faction: r.get::<Option<i64>>("faction_id")?.map(FactionId),
        added_at: r.time("added_at")?,
        last_checked_at: r.time_opt("last_checked_at")?,
    })
}

fn read_removed<R: Cols>(r: &R) -> Result<RemovedCharacter> {
    Ok(RemovedCharacter {
        id: r.get("id")?,
        character: CharacterId(r.get("character_id")?),
        character_name: r.get("character_name")?,
        from_account: AccountId(r.get("from_account_id")?),
        to_account: r.get::<Option<i64>>("to_account_id")?.map(AccountId),
        reason: removal_reason(r.str("reason")?)?,
        actor: r.get::<Option<i64>>("actor_account_id")?.map(AccountId),
        removed_at: r.time("removed_at")?,
    })
}

fn removal_reason(s: &str) -> Result<RemovalReason> {
    RemovalReason::parse(s)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown removal reason '{s}'")))
}

/// Inserts a character on `account`; `Conflict` if it already exists anywhere.
pub(super) async fn insert<'c>(
    conn: impl Into<Conn<'c>>,
    account: AccountId,
    c: &NewCharacter,
    now: OffsetDateTime,
) -> Result<Character> {
    on_conn!(conn, |conn| read_character(
        &sqlx::query(concatcp!(
            "INSERT INTO characters (id, account_id, name, owner_hash, corporation_id, \
             alliance_id, faction_id, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             RETURNING ",
            CHARACTER_COLS
        ))
        .bind(c.id.get())
        .bind(account.get())
        .bind(&c.name)
        .bind(&c.owner_hash)
        .bind(c.corporation.get())
        .bind(c.alliance.map(|a| a.get()))
        .bind(c.faction.map(|f| f.get()))
        .bind(DbTime(now))
        .fetch_one(conn)
        .await
        .map_err(|e| {
            conflict(e, || {
                format!("character {} ({}) is already on an account", c.name, c.id)
            })
        })?
    ))
}

/// Reads a character that the transaction is about to move or remove, so that two concurrent
/// moves or removals of one character cannot both succeed.
async fn lock<'c>(conn: impl Into<Conn<'c>>, id: CharacterId) -> Result<Option<Character>> {
    match conn.into() {
        // SQLite has no row locks: the transaction's BEGIN IMMEDIATE already holds the write lock.
        Conn::Sqlite(conn) => sqlx::query(CHARACTER_BY_ID)
            .bind(id.get())
            .fetch_optional(conn)
            .await?
            .as_ref()
            .map(read_character)
            .transpose(),
        // PostgreSQL locks the row until the transaction ends.
        Conn::Postgres(conn) => sqlx::query(concatcp!(CHARACTER_BY_ID, " FOR UPDATE"))
            .bind(id.get())
            .fetch_optional(conn)
            .await?
            .as_ref()
            .map(read_character)
            .transpose(),
    }
}

/// If `character` is the main of `account`, makes the oldest other character main (or none).
/// Runs before the character leaves so the main never points at a character elsewhere.
async fn repick_main<'c>(
    conn: impl Into<Conn<'c>>,
    account: AccountId,
    character: CharacterId,
) -> Result<()> {
    on_conn!(conn, |conn| {
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
    });
    Ok(())
}

/// An account without a main (its last character left) takes the next character it gets.
async fn fill_empty_main<'c>(
    conn: impl Into<Conn<'c>>,
    account: AccountId,
    character: CharacterId,
) -> Result<()> {
    on_conn!(conn, |conn| {
        sqlx::query(
            "UPDATE accounts SET main_character_id = $1 \
             WHERE id = $2 AND main_character_id IS NULL",
        )
        .bind(character.get())
        .bind(account.get())
        .execute(conn)
        .await?;
    });
    Ok(())
}

async fn record_removal<'c>(
    conn: impl Into<Conn<'c>>,
    c: &Character,
    to: Option<AccountId>,
    reason: RemovalReason,
    actor: Option<AccountId>,
    now: OffsetDateTime,
) -> Result<RemovedCharacter> {
    on_conn!(conn, |conn| read_removed(
        &sqlx::query(concatcp!(
            "INSERT INTO removed_characters (character_id, character_name, from_account_id, \
             to_account_id, reason, actor_account_id, removed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ",
            REMOVED_COLS
        ))
        .bind(c.id.get())
        .bind(&c.name)
        .bind(c.account.get())
        .bind(to.map(|a| a.get()))
        .bind(reason.as_str())
        .bind(actor.map(|a| a.get()))
        .bind(DbTime(now))
        .fetch_one(conn)
        .await?
    ))
}

impl Store {
    pub async fn character(&self, id: CharacterId) -> Result<Option<Character>> {
        on_db!(self, |db| sqlx::query(CHARACTER_BY_ID)
            .bind(id.get())
            .fetch_optional(db.reader())
            .await?
            .as_ref()
            .map(read_character)
            .transpose())
    }

    /// The characters among `ids` that exist, in no particular order: one query for a page that
    /// shows many (the approver queue).
    pub async fn characters_by_ids(&self, ids: &[CharacterId]) -> Result<Vec<Character>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        const CHARACTERS_BY_IDS: Dialects =
            where_in_ids!("SELECT ", CHARACTER_COLS, " FROM characters WHERE id");
        let ids = IdList::new(ids.iter().map(|id| id.get()));
        on_db!(self, |db| sqlx::query(db.sql(&CHARACTERS_BY_IDS))
            .bind(ids)
            .fetch_all(db.reader())
            .await?
            .iter()
            .map(read_character)
            .collect())
    }

    /// Exact, case-insensitive name match.
    pub async fn character_by_name(&self, name: &str) -> Result<Option<Character>> {
        on_db!(self, |db| sqlx::query(concatcp!(
            "SELECT ",
            CHARACTER_COLS,
            " FROM characters WHERE lower(name) = lower($1) ORDER BY id LIMIT 1"
        ))
        .bind(name)
        .fetch_optional(db.reader())
        .await?
        .as_ref()
        .map(read_character)
        .transpose())
    }

    /// The characters of an account, main first, then by name; kept on SQLite until the next
    /// commit (ADR 0034).
    pub async fn characters_of(&self, account: AccountId) -> Result<Vec<Character>> {
        self.kept_until_commit(
            |kept| &kept.characters,
            &account,
            |_| true,
            || self.read_characters_of(account),
        )
        .await
    }

    /// The read of `characters_of`, from the database.
    async fn read_characters_of(&self, account: AccountId) -> Result<Vec<Character>> {
        // The main first, then by name.
        const MAIN_FIRST: Dialects = by_name_in_byte_order!(
            concatcp!(
                "SELECT ",
                CHARACTER_COLS,
                " FROM characters WHERE account_id = $1 ORDER BY \
                 CASE WHEN id = (SELECT main_character_id FROM accounts WHERE id = $1) THEN 0 \
                 ELSE 1 END, "
            ),
            "name",
            ", id"
        );
        on_db!(self, |db| sqlx::query(db.sql(&MAIN_FIRST))
            .bind(account.get())
            .fetch_all(db.reader())
            .await?
            .iter()
            .map(read_character)
            .collect())
    }

    /// Characters whose name contains `query` (case-insensitive), by name.
    pub async fn search_characters(&self, query: &str, limit: i64) -> Result<Vec<Character>> {
        const MATCHING: Dialects = by_name_in_byte_order!(
            concatcp!(
                "SELECT ",
                CHARACTER_COLS,
                r" FROM characters WHERE lower(name) LIKE $1 ESCAPE '\' ORDER BY "
            ),
            "name",
            ", id LIMIT $2"
        );
        on_db!(self, |db| sqlx::query(db.sql(&MATCHING))
            .bind(contains_pattern(query))
            .bind(limit.max(0))
            .fetch_all(db.reader())
            .await?
            .iter()
            .map(read_character)
            .collect())
    }

    /// Every character by name (in byte order), then id: what the administrators' character
    /// search shows and searches, which each process keeps while the `account_list` change
    /// counter stays the same (migration 0017 SQLite / 0018 PostgreSQL: bumped by every write of
    /// what it shows, on any instance).
    pub async fn character_list(&self) -> Result<Vec<ListedCharacter>> {
        const BY_NAME: Dialects = by_name_in_byte_order!(
            "SELECT id, name, account_id, corporation_id, alliance_id FROM characters ORDER BY ",
            "name",
            ", id"
        );
        on_db!(self, |db| sqlx::query(db.sql(&BY_NAME))
            .fetch_all(db.reader())
            .await?
            .iter()
            .map(|r| {
                Ok(ListedCharacter {
                    id: CharacterId(r.get("id")?),
                    name: r.get("name")?,
                    account: AccountId(r.get("account_id")?),
                    corporation: CorporationId(r.get("corporation_id")?),
                    alliance: r.get::<Option<i64>>("alliance_id")?.map(AllianceId),
                })
            })
            .collect())
    }

    /// Every character id with its account, by character id ascending, for the affiliation
    /// sweep (which recomputes the accounts of each batch it wrote).
    pub async fn character_accounts(&self) -> Result<Vec<(CharacterId, AccountId)>> {
        let rows: Vec<(i64, i64)> = on_db!(self, |db| sqlx::query_as(
            "SELECT id, account_id FROM characters ORDER BY id"
        )
        .fetch_all(db.reader())
        .await?);
        Ok(rows
            .into_iter()
            .map(|(c, a)| (CharacterId(c), AccountId(a)))
            .collect())
    }

    /// The characters Jumpgate knows in a corporation (from affiliation data), by name: one
    /// indexed query instead of scanning every character.
    pub async fn characters_in_corporation(
        &self,
        corporation: CorporationId,
    ) -> Result<Vec<Character>> {
        const IN_CORPORATION: Dialects = by_name_in_byte_order!(
            concatcp!(
                "SELECT ",
                CHARACTER_COLS,
                " FROM characters WHERE corporation_id = $1 ORDER BY "
            ),
            "name",
            ", id"
        );
        on_db!(self, |db| sqlx::query(db.sql(&IN_CORPORATION))
            .bind(corporation.get())
            .fetch_all(db.reader())
            .await?
            .iter()
            .map(read_character)
            .collect())
    }

    /// Adds an alt to an existing account. `Conflict` if the character exists.
    pub async fn add_character(&self, account: AccountId, c: &NewCharacter) -> Result<Character> {
        let mut tx = self.transaction().await?;
        let out = tx.add_character(account, c).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Moves a character to another account in one transaction: records a `RemovedCharacter`
    /// (with `to_account`), keeps its tokens, and if it was the old account's main, makes the
    /// old account's oldest remaining character main (or none).
    pub async fn move_character(
        &self,
        character: CharacterId,
        to: AccountId,
        reason: RemovalReason,
        actor: Option<AccountId>,
    ) -> Result<RemovedCharacter> {
        let mut tx = self.transaction().await?;
        let out = tx.move_character(character, to, reason, actor).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Deletes a character and its tokens in one transaction, records the `RemovedCharacter`,
    /// and re-picks the main as `move_character` does.
    pub async fn remove_character(
        &self,
        character: CharacterId,
        reason: RemovalReason,
        actor: Option<AccountId>,
    ) -> Result<RemovedCharacter> {
        let mut tx = self.transaction().await?;
        let out = tx.remove_character(character, reason, actor).await?;
        tx.commit().await?;
        Ok(out)
    }

    pub async fn update_character_identity(
        &self,
        character: CharacterId,
        name: &str,
        owner_hash: &str,
    ) -> Result<()> {
        let mut tx = self.transaction().await?;
        tx.update_character_identity(character, name, owner_hash)
            .await?;
        tx.commit().await
    }

    /// Writes corporation/alliance/faction for each affiliation of a known character (unknown
    /// ids are ignored) and sets `last_checked_at`. Returns how many characters changed corp,
    /// alliance or faction.
    pub async fn update_affiliations(
        &self,
        affiliations: &[Affiliation],
        checked_at: OffsetDateTime,
    ) -> Result<u64> {
        match &self.db {
            // SQLite: two small statements per character in one transaction on the single
            // writer. Only rows whose affiliation differs are touched first, so rows_affected
            // counts changes.
            Db::Sqlite(db) => {
                let mut changed = 0;
                let mut tx = db.begin().await?;
                for a in affiliations {
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
                        .bind(DbTime(checked_at))
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(changed)
            }
            // PostgreSQL: one statement for the whole batch (a round trip per character is what
            // costs there), with the columns as arrays through UNNEST. Joining `characters` a
            // second time (`old`) reads the row as it was before this UPDATE, which is how the
            // changed rows are counted.
            Db::Postgres(db) => {
                let ids: Vec<i64> = affiliations.iter().map(|a| a.character.get()).collect();
                let corps: Vec<i64> = affiliations.iter().map(|a| a.corporation.get()).collect();
                let alliances: Vec<Option<i64>> = affiliations
                    .iter()
                    .map(|a| a.alliance.map(|x| x.get()))
                    .collect();
                let factions: Vec<Option<i64>> = affiliations
                    .iter()
                    .map(|a| a.faction.map(|x| x.get()))
                    .collect();
                let changed: Vec<bool> = sqlx::query_scalar(
                    "WITH input AS (
                         SELECT DISTINCT ON (id) id, corporation_id, alliance_id, faction_id
                         FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[])
                              AS t (id, corporation_id, alliance_id, faction_id)
                         ORDER BY id)
                     UPDATE characters c
                     SET corporation_id = i.corporation_id, alliance_id = i.alliance_id,
                         faction_id = i.faction_id, last_checked_at = $5
                     FROM input i, characters old
                     WHERE c.id = i.id AND old.id = c.id
                     RETURNING (old.corporation_id <> i.corporation_id
                                OR old.alliance_id IS DISTINCT FROM i.alliance_id
                                OR old.faction_id IS DISTINCT FROM i.faction_id)",
                )
                .bind(ids)
                .bind(corps)
                .bind(alliances)
                .bind(factions)
                .bind(DbTime(checked_at))
                .fetch_all(db.writer())
                .await?;
                Ok(changed.into_iter().filter(|&c| c).count() as u64)
            }
        }
    }

    /// Newest first; only those that left `account` when given.
    pub async fn removed_characters(
        &self,
        account: Option<AccountId>,
        limit: i64,
    ) -> Result<Vec<RemovedCharacter>> {
        on_db!(self, |db| sqlx::query(concatcp!(
            "SELECT ",
            REMOVED_COLS,
            " FROM removed_characters \
             WHERE (CAST($1 AS BIGINT) IS NULL OR from_account_id = $1) \
             ORDER BY removed_at DESC, id DESC LIMIT $2"
        ))
        .bind(account.map(|a| a.get()))
        .bind(limit.max(0))
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(read_removed)
        .collect())
    }

    /// Every character that left `account` or came to it from another account, oldest first
    /// (the application API's removed and incoming characters).
    pub async fn account_removals(&self, account: AccountId) -> Result<Vec<RemovedCharacter>> {
        on_db!(self, |db| sqlx::query(concatcp!(
            "SELECT ",
            REMOVED_COLS,
            " FROM removed_characters \
             WHERE from_account_id = $1 OR to_account_id = $1 \
             ORDER BY removed_at, id"
        ))
        .bind(account.get())
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(read_removed)
        .collect())
    }
}

/// The writes a use case combines with others (and its audit entry) in one transaction; the
/// `Store` methods of the same names run each in its own.
impl Transaction {
    /// Adds an alt to an existing account. `Conflict` if the character exists.
    pub async fn add_character(
        &mut self,
        account: AccountId,
        c: &NewCharacter,
    ) -> Result<Character> {
        let now = self.now();
        on_conn!(self.conn(), |tx| {
            must_exist(&mut *tx, account).await?;
            let character = insert(&mut *tx, account, c, now).await?;
            fill_empty_main(&mut *tx, account, c.id).await?;
            Ok(character)
        })
    }

    /// Moves a character to another account in one transaction: records a `RemovedCharacter`
    /// (with `to_account`), keeps its tokens, and if it was the old account's main, makes the
    /// old account's oldest remaining character main (or none).
    pub async fn move_character(
        &mut self,
        character: CharacterId,
        to: AccountId,
        reason: RemovalReason,
        actor: Option<AccountId>,
    ) -> Result<RemovedCharacter> {
        let now = self.now();
        on_conn!(self.conn(), |tx| {
            let c = lock(&mut *tx, character)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("character {character}")))?;
            must_exist(&mut *tx, to).await?;
            if c.account == to {
                return Err(StoreError::Invalid(format!(
                    "character {} ({character}) is already on account {to}",
                    c.name
                )));
            }
            repick_main(&mut *tx, c.account, character).await?;
            // It joins the new account now: that is what "oldest character" means there.
            sqlx::query("UPDATE characters SET account_id = $1, added_at = $2 WHERE id = $3")
                .bind(to.get())
                .bind(DbTime(now))
                .bind(character.get())
                .execute(&mut *tx)
                .await?;
            fill_empty_main(&mut *tx, to, character).await?;
            // A character enrolled in contact sync stays enrolled, now for its new account.
            sqlx::query("UPDATE sync_characters SET account_id = $1 WHERE character_id = $2")
                .bind(to.get())
                .bind(character.get())
                .execute(&mut *tx)
                .await?;
            let removed = record_removal(&mut *tx, &c, Some(to), reason, actor, now).await?;
            Ok(removed)
        })
    }

    /// Deletes a character and its tokens in one transaction, records the `RemovedCharacter`,
    /// and re-picks the main as `move_character` does.
    pub async fn remove_character(
        &mut self,
        character: CharacterId,
        reason: RemovalReason,
        actor: Option<AccountId>,
    ) -> Result<RemovedCharacter> {
        let now = self.now();
        on_conn!(self.conn(), |tx| {
            let c = lock(&mut *tx, character)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("character {character}")))?;
            repick_main(&mut *tx, c.account, character).await?;
            sqlx::query("DELETE FROM tokens WHERE character_id = $1")
                .bind(character.get())
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM characters WHERE id = $1")
                .bind(character.get())
                .execute(&mut *tx)
                .await?;
            let removed = record_removal(&mut *tx, &c, None, reason, actor, now).await?;
            Ok(removed)
        })
    }

    pub async fn update_character_identity(
        &mut self,
        character: CharacterId,
        name: &str,
        owner_hash: &str,
    ) -> Result<()> {
        let done = on_conn!(self.conn(), |tx| sqlx::query(
            "UPDATE characters SET name = $1, owner_hash = $2 WHERE id = $3"
        )
        .bind(name)
        .bind(owner_hash)
        .bind(character.get())
        .execute(&mut *tx)
        .await?
        .rows_affected());
        not_found_if_zero(done, || format!("character {character}"))
    }
}
