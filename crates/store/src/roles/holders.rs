//! Who holds which role, and what EVE says of each character's place in its corporation (the
//! CEO from the corporation's `ceo_id`, the Director role from the character's corporation
//! roles), from which the CEO and Director roles are derived.

use crate::db::{Cols, DbTime, on_conn, on_db};
use crate::support::{conflict, missing};
use crate::{Result, Store, StoreError, Transaction};
use jumpgate_domain::roles::{CharacterLeadership, Role, RoleHolder, RoleKind, RoleSource};
use jumpgate_domain::{AccountId, AllianceId, CharacterId, CorporationId};
use std::collections::{BTreeMap, BTreeSet};

/// Takes one role (`$1` kind, `$2` scope) from one account (`$3`).
const DELETE_HOLDER: &str =
    "DELETE FROM role_holders WHERE kind = $1 AND scope_id = $2 AND account_id = $3";

const HOLDER_COLS: &str =
    "kind, scope_id, account_id, character_id, source, assigned_by, assigned_at";

fn read_holder<R: Cols>(r: &R) -> Result<RoleHolder> {
    let kind: String = r.get("kind")?;
    let kind = RoleKind::parse(&kind).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let role = Role::from_parts(kind, r.get("scope_id")?)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let source: String = r.get("source")?;
    Ok(RoleHolder {
        role,
        account: AccountId(r.get("account_id")?),
        character: r.get::<Option<i64>>("character_id")?.map(CharacterId),
        source: RoleSource::parse(&source).ok_or_else(|| {
            StoreError::Corrupt(format!("a role held by the unknown source '{source}'"))
        })?,
        assigned_by: r.get("assigned_by")?,
        assigned_at: r.time("assigned_at")?,
    })
}

/// What replacing an account's roles from EVE changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EveRoleChanges {
    pub gained: Vec<(Role, CharacterId)>,
    pub lost: Vec<Role>,
}

impl EveRoleChanges {
    pub fn is_empty(&self) -> bool {
        self.gained.is_empty() && self.lost.is_empty()
    }
}

impl Store {
    /// Every role holder, by role then account.
    pub async fn role_holders(&self) -> Result<Vec<RoleHolder>> {
        let rows = on_db!(self, |db| {
            sqlx::query(const_format::concatcp!(
                "SELECT ",
                HOLDER_COLS,
                " FROM role_holders"
            ))
            .fetch_all(db.reader())
            .await?
            .iter()
            .map(read_holder)
            .collect::<Result<Vec<_>>>()?
        });
        let mut rows = rows;
        rows.sort_by_key(|h| (h.role, h.account));
        Ok(rows)
    }

    /// The roles `account` holds.
    pub async fn roles_of(&self, account: AccountId) -> Result<Vec<RoleHolder>> {
        let mut rows = on_db!(self, |db| {
            sqlx::query(const_format::concatcp!(
                "SELECT ",
                HOLDER_COLS,
                " FROM role_holders WHERE account_id = $1"
            ))
            .bind(account.get())
            .fetch_all(db.reader())
            .await?
            .iter()
            .map(read_holder)
            .collect::<Result<Vec<_>>>()?
        });
        rows.sort_by_key(|h| h.role);
        Ok(rows)
    }

    /// What EVE says of each of `account`'s characters: its corporation and alliance, whether
    /// the corporation's CEO is it, and whether its corporation roles (read while it was in the
    /// same corporation) include Director.
    pub async fn leadership_of(&self, account: AccountId) -> Result<Vec<CharacterLeadership>> {
        let rows: Vec<(i64, i64, Option<i64>, bool, bool)> = on_db!(self, |db| {
            sqlx::query_as(
                "SELECT c.id, c.corporation_id, c.alliance_id,
                        COALESCE(co.ceo_id = c.id, FALSE),
                        COALESCE(r.is_director AND r.corporation_id = c.corporation_id, FALSE)
                 FROM characters c
                 LEFT JOIN corporations co ON co.id = c.corporation_id
                 LEFT JOIN character_corporation_roles r ON r.character_id = c.id
                 WHERE c.account_id = $1",
            )
            .bind(account.get())
            .fetch_all(db.reader())
            .await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(character, corporation, alliance, is_ceo, is_director)| CharacterLeadership {
                    character: CharacterId(character),
                    corporation: CorporationId(corporation),
                    alliance: alliance.map(AllianceId),
                    is_ceo,
                    is_director,
                },
            )
            .collect())
    }

    /// Records what ESI said of `character`'s corporation roles while it was in `corporation`.
    pub async fn record_corporation_roles(
        &self,
        character: CharacterId,
        corporation: CorporationId,
        is_director: bool,
    ) -> Result<()> {
        let now = DbTime(self.now());
        on_db!(self, |db| {
            sqlx::query(
                "INSERT INTO character_corporation_roles
                     (character_id, corporation_id, is_director, checked_at)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (character_id) DO UPDATE SET corporation_id = excluded.corporation_id,
                     is_director = excluded.is_director, checked_at = excluded.checked_at",
            )
            .bind(character.get())
            .bind(corporation.get())
            .bind(is_director)
            .bind(now)
            .execute(db.writer())
            .await
            .map_err(|e| missing(e, || format!("character {character}")))?;
        });
        Ok(())
    }
}

/// The holders' writes, each combined by a use case with its audit entry.
impl Transaction {
    /// Gives `role` to `account`, appointed by `by` (the audit log's name). `false` when it
    /// already held it; a unique role someone else holds is a `Conflict` (move it by taking it
    /// from them first, in the same transaction).
    pub async fn appoint(&mut self, role: Role, account: AccountId, by: &str) -> Result<bool> {
        let now = DbTime(self.now());
        let added = on_conn!(self.conn(), |tx| {
            sqlx::query(
                "INSERT INTO role_holders (kind, scope_id, account_id, character_id, source,
                                           assigned_by, assigned_at)
                 VALUES ($1, $2, $3, NULL, 'appointed', $4, $5)
                 ON CONFLICT (kind, scope_id, account_id) DO NOTHING",
            )
            .bind(role.kind().as_str())
            .bind(role.scope_id())
            .bind(account.get())
            .bind(by)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| {
                conflict(e, || {
                    format!("the {} role already has a holder", role.kind().label())
                })
            })?
            .rows_affected()
        });
        Ok(added == 1)
    }

    /// Takes `role` from `account`; `false` when it did not hold it.
    pub async fn dismiss(&mut self, role: Role, account: AccountId) -> Result<bool> {
        let removed = on_conn!(self.conn(), |tx| {
            sqlx::query(DELETE_HOLDER)
                .bind(role.kind().as_str())
                .bind(role.scope_id())
                .bind(account.get())
                .execute(&mut *tx)
                .await?
                .rows_affected()
        });
        Ok(removed == 1)
    }

    /// Makes `account`'s roles from EVE exactly `roles` (each with the character EVE named;
    /// a role two characters give is held once, through the first).
    pub async fn replace_eve_roles(
        &mut self,
        account: AccountId,
        roles: &BTreeSet<(Role, CharacterId)>,
    ) -> Result<EveRoleChanges> {
        let mut wanted: BTreeMap<Role, CharacterId> = BTreeMap::new();
        for (role, character) in roles {
            wanted.entry(*role).or_insert(*character);
        }
        let now = DbTime(self.now());
        let changes = on_conn!(self.conn(), |tx| {
            let held: Vec<(String, i64, Option<i64>)> = sqlx::query_as(
                "SELECT kind, scope_id, character_id FROM role_holders
                 WHERE account_id = $1 AND source = 'eve'",
            )
            .bind(account.get())
            .fetch_all(&mut *tx)
            .await?;
            let mut current = BTreeMap::new();
            for (kind, scope, character) in held {
                let kind =
                    RoleKind::parse(&kind).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let role = Role::from_parts(kind, scope)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                current.insert(role, character.map(CharacterId));
            }
            let mut changes = EveRoleChanges::default();
            for role in current.keys().filter(|r| !wanted.contains_key(r)) {
                sqlx::query(DELETE_HOLDER)
                    .bind(role.kind().as_str())
                    .bind(role.scope_id())
                    .bind(account.get())
                    .execute(&mut *tx)
                    .await?;
                changes.lost.push(*role);
            }
            for (role, character) in &wanted {
                match current.get(role) {
                    Some(Some(c)) if c == character => continue,
                    Some(_) => {}
                    None => changes.gained.push((*role, *character)),
                }
                // Through another character, or appointed before EVE said so: EVE's row
                // replaces it.
                sqlx::query(DELETE_HOLDER)
                    .bind(role.kind().as_str())
                    .bind(role.scope_id())
                    .bind(account.get())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO role_holders (kind, scope_id, account_id, character_id, source,
                                               assigned_by, assigned_at)
                     VALUES ($1, $2, $3, $4, 'eve', NULL, $5)",
                )
                .bind(role.kind().as_str())
                .bind(role.scope_id())
                .bind(account.get())
                .bind(character.get())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            changes
        });
        Ok(changes)
    }
}
