//! States with their criteria and permissions, permissions granted to accounts directly, and the
//! grants query that sums them up for an account (or a session's account).

use crate::db::{Dialects, on_conn, on_db};
use crate::support::{conflict, not_found_if_zero, unknown_account};
use crate::{AccountAccess, Result, StoreError};
use crate::{Store, Transaction};
use const_format::concatcp;
use jumpgate_domain::states::{State, StateCriteria};
use jumpgate_domain::{AccountId, AllianceId, CharacterId, CorporationId, FactionId, StateId};
use std::collections::{BTreeMap, BTreeSet};

/// The `(kind, entity id)` rows that store a state's criteria.
fn criteria_rows(c: &StateCriteria) -> Vec<(&'static str, i64)> {
    let mut rows = Vec::new();
    rows.extend(c.characters.iter().map(|id| ("character", id.get())));
    rows.extend(c.corporations.iter().map(|id| ("corporation", id.get())));
    rows.extend(c.alliances.iter().map(|id| ("alliance", id.get())));
    rows.extend(c.factions.iter().map(|id| ("faction", id.get())));
    rows
}

/// Builds states (in the order of `states`) from their rows, criteria and permissions.
fn assemble_states(
    states: Vec<(i64, String, i32)>,
    criteria: Vec<(i64, String, i64)>,
    permissions: Vec<(i64, String)>,
) -> Result<Vec<State>> {
    let mut by_id: BTreeMap<i64, State> = states
        .iter()
        .map(|(id, name, priority)| {
            let state = State {
                id: StateId(*id),
                name: name.clone(),
                priority: *priority,
                criteria: StateCriteria::default(),
                permissions: Default::default(),
            };
            (*id, state)
        })
        .collect();
    for (state_id, kind, entity) in criteria {
        let Some(state) = by_id.get_mut(&state_id) else {
            continue;
        };
        let c = &mut state.criteria;
        match kind.as_str() {
            "character" => c.characters.insert(CharacterId(entity)),
            "corporation" => c.corporations.insert(CorporationId(entity)),
            "alliance" => c.alliances.insert(AllianceId(entity)),
            "faction" => c.factions.insert(FactionId(entity)),
            other => {
                return Err(StoreError::Corrupt(format!(
                    "unknown state criterion kind '{other}'"
                )));
            }
        };
    }
    for (state_id, permission) in permissions {
        if let Some(state) = by_id.get_mut(&state_id) {
            state.permissions.insert(permission);
        }
    }
    Ok(states
        .iter()
        .filter_map(|(id, ..)| by_id.remove(id))
        .collect())
}

/// The grants of one account, as parts between which goes an SQL expression for the account's
/// id (five times): one row per permission it holds, directly, through its state, its groups or
/// its roles (superuser, state, main id, main name, permission), or one row with a NULL
/// permission, and none if the account does not exist. One query, because every page view asks.
/// A deactivated account's groups grant nothing (`account_deactivations.deactivated_at`, ADR
/// 0029): they are kept, and count again the moment the episode ends.
const GRANTS_OF: &str =
    "SELECT a.superuser, a.state, a.main_character_id, m.name AS main_name, p.permission
             FROM accounts a
             LEFT JOIN characters m ON m.id = a.main_character_id
             LEFT JOIN (
                 SELECT permission FROM account_permissions WHERE account_id = ";
const GRANTS_OF_STATE: &str = "
                 UNION
                 SELECT sp.permission FROM state_permissions sp JOIN states st ON st.id = sp.state_id
                 WHERE st.name = (SELECT state FROM accounts WHERE id = ";
const GRANTS_OF_GROUPS: &str = ")
                 UNION
                 SELECT gp.permission FROM group_members gm
                 JOIN group_permissions gp ON gp.group_id = gm.group_id
                 WHERE NOT EXISTS (SELECT 1 FROM account_deactivations d
                                   WHERE d.account_id = gm.account_id
                                     AND d.deactivated_at IS NOT NULL)
                   AND gm.account_id = ";
const GRANTS_OF_ROLES: &str = "
                 UNION
                 SELECT rp.permission FROM role_holders rh
                 JOIN role_permissions rp ON rp.kind = rh.kind
                  AND rp.scope_id = CASE WHEN rh.kind = 'specialty' THEN rh.scope_id ELSE 0 END
                 WHERE rh.account_id = ";
const GRANTS_OF_ACCOUNT: &str = "
             ) p ON TRUE
             WHERE a.id = ";

/// The grants of account `$1` (see `GRANTS_OF`).
const ACCOUNT_GRANTS: &str = concatcp!(
    GRANTS_OF,
    "$1",
    GRANTS_OF_STATE,
    "$1",
    GRANTS_OF_GROUPS,
    "$1",
    GRANTS_OF_ROLES,
    "$1",
    GRANTS_OF_ACCOUNT,
    "$1"
);

/// The account of session `$1`, for `SESSION_GRANTS`.
const SESSION_ACCOUNT: &str = "(SELECT account_id FROM sessions WHERE id = $1)";

/// The live session `$1` (not expired at `$2`) with its account's grants, as `ACCOUNT_GRANTS`
/// rows after the session's columns; one row with NULL grants when the session has no account.
/// Every row also carries every change counter as one JSON object (`counters`), read in the
/// same statement so that a page's cached lists need no read of their own (ADR 0010): the
/// subquery is uncorrelated, so each backend runs it once per statement.
macro_rules! session_grants {
    ($counters:literal) => {
        concatcp!(
            "SELECT s.id, s.account_id, s.data, s.expires_at,
                    g.superuser, g.state, g.main_character_id, g.main_name, g.permission, ",
            $counters,
            " AS counters
             FROM sessions s
             LEFT JOIN (",
            GRANTS_OF,
            SESSION_ACCOUNT,
            GRANTS_OF_STATE,
            SESSION_ACCOUNT,
            GRANTS_OF_GROUPS,
            SESSION_ACCOUNT,
            GRANTS_OF_ROLES,
            SESSION_ACCOUNT,
            GRANTS_OF_ACCOUNT,
            SESSION_ACCOUNT,
            ") g ON TRUE
             WHERE s.id = $1 AND s.expires_at > $2"
        )
    };
}

pub(crate) const SESSION_GRANTS: Dialects = Dialects {
    sqlite: session_grants!(
        "(SELECT COALESCE(json_group_object(name, value), '{}') FROM change_counters)"
    ),
    postgres: session_grants!(
        "(SELECT CAST(COALESCE(json_object_agg(name, value), '{}'::json) AS TEXT) FROM change_counters)"
    ),
};

/// One row of `ACCOUNT_GRANTS`: superuser, state, main id, main name, permission.
pub(crate) type GrantRow = (bool, String, Option<i64>, Option<String>, Option<String>);

/// The state and permission writes a use case combines with its audit entry in one transaction;
/// the `Store` methods of the same names run each in its own.
impl Transaction {
    /// Inserts (id 0) or updates a state with its criteria and permissions. Names are unique.
    pub async fn save_state(&mut self, state: &State) -> Result<State> {
        let name_taken = || format!("a state named '{}' already exists", state.name);
        let id: i64 = on_conn!(self.conn(), |tx| {
            let id = if state.id == StateId::UNSAVED {
                sqlx::query_scalar(
                    "INSERT INTO states (name, priority) VALUES ($1, $2) RETURNING id",
                )
                .bind(&state.name)
                .bind(state.priority)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| conflict(e, name_taken))?
            } else {
                let done = sqlx::query("UPDATE states SET name = $1, priority = $2 WHERE id = $3")
                    .bind(&state.name)
                    .bind(state.priority)
                    .bind(state.id.get())
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| conflict(e, name_taken))?;
                not_found_if_zero(done.rows_affected(), || format!("state {}", state.id))?;
                state.id.get()
            };
            // Criteria and permissions are replaced as a whole: the state is saved as the caller
            // sees it.
            sqlx::query("DELETE FROM state_criteria WHERE state_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM state_permissions WHERE state_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            for (kind, entity) in criteria_rows(&state.criteria) {
                sqlx::query(
                    "INSERT INTO state_criteria (state_id, kind, entity_id) VALUES ($1, $2, $3)",
                )
                .bind(id)
                .bind(kind)
                .bind(entity)
                .execute(&mut *tx)
                .await?;
            }
            for permission in &state.permissions {
                sqlx::query("INSERT INTO state_permissions (state_id, permission) VALUES ($1, $2)")
                    .bind(id)
                    .bind(permission)
                    .execute(&mut *tx)
                    .await?;
            }
            id
        });
        Ok(State {
            id: StateId(id),
            ..state.clone()
        })
    }

    pub async fn delete_state(&mut self, id: StateId) -> Result<()> {
        let done = on_conn!(self.conn(), |c| sqlx::query(
            "DELETE FROM states WHERE id = $1"
        )
        .bind(id.get())
        .execute(c)
        .await?
        .rows_affected());
        not_found_if_zero(done, || format!("state {id}"))
    }

    pub async fn grant_permission(&mut self, account: AccountId, permission: &str) -> Result<()> {
        on_conn!(self.conn(), |c| {
            sqlx::query(
                "INSERT INTO account_permissions (account_id, permission) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
            )
            .bind(account.get())
            .bind(permission)
            .execute(c)
            .await
            .map_err(|e| unknown_account(e, Some(account)))?;
        });
        Ok(())
    }

    pub async fn revoke_permission(&mut self, account: AccountId, permission: &str) -> Result<()> {
        on_conn!(self.conn(), |c| {
            sqlx::query(
                "DELETE FROM account_permissions WHERE account_id = $1 AND permission = $2",
            )
            .bind(account.get())
            .bind(permission)
            .execute(c)
            .await?;
        });
        Ok(())
    }
}

/// The account's grants from its `ACCOUNT_GRANTS` rows; `None` without rows (no such account).
pub(crate) fn account_access(rows: Vec<GrantRow>) -> Option<AccountAccess> {
    let (superuser, state, main_id, main_name, _) = rows.first().cloned()?;
    Some(AccountAccess {
        superuser,
        state,
        main: main_id
            .zip(main_name)
            .map(|(id, name)| (CharacterId(id), name)),
        permissions: rows.into_iter().filter_map(|r| r.4).collect(),
    })
}

impl Store {
    /// All states, highest priority first; kept on SQLite until the next commit (ADR 0034).
    pub async fn states(&self) -> Result<Vec<State>> {
        self.kept_until_commit(|kept| &kept.states, &(), |_| true, || self.read_states())
            .await
    }

    /// The read of `states`, from the database.
    async fn read_states(&self) -> Result<Vec<State>> {
        on_db!(self, |db| {
            // One read transaction, so a concurrent save never shows half a state.
            let mut tx = db.begin_read().await?;
            let states: Vec<(i64, String, i32)> = sqlx::query_as(
                "SELECT id, name, priority FROM states ORDER BY priority DESC, name, id",
            )
            .fetch_all(&mut *tx)
            .await?;
            let criteria: Vec<(i64, String, i64)> =
                sqlx::query_as("SELECT state_id, kind, entity_id FROM state_criteria")
                    .fetch_all(&mut *tx)
                    .await?;
            let permissions: Vec<(i64, String)> =
                sqlx::query_as("SELECT state_id, permission FROM state_permissions")
                    .fetch_all(&mut *tx)
                    .await?;
            tx.commit().await?;
            assemble_states(states, criteria, permissions)
        })
    }

    /// Inserts (id 0) or updates a state with its criteria and permissions. Names are unique.
    pub async fn save_state(&self, state: &State) -> Result<State> {
        let mut tx = self.transaction().await?;
        let saved = tx.save_state(state).await?;
        tx.commit().await?;
        Ok(saved)
    }

    pub async fn delete_state(&self, id: StateId) -> Result<()> {
        let mut tx = self.transaction().await?;
        tx.delete_state(id).await?;
        tx.commit().await
    }

    /// Permissions granted to the account directly.
    pub async fn account_permissions(&self, account: AccountId) -> Result<BTreeSet<String>> {
        let rows: Vec<String> = on_db!(self, |db| sqlx::query_scalar(
            "SELECT permission FROM account_permissions WHERE account_id = $1"
        )
        .bind(account.get())
        .fetch_all(db.reader())
        .await?);
        Ok(rows.into_iter().collect())
    }

    pub async fn grant_permission(&self, account: AccountId, permission: &str) -> Result<()> {
        let mut tx = self.transaction().await?;
        tx.grant_permission(account, permission).await?;
        tx.commit().await
    }

    pub async fn revoke_permission(&self, account: AccountId, permission: &str) -> Result<()> {
        let mut tx = self.transaction().await?;
        tx.revoke_permission(account, permission).await?;
        tx.commit().await
    }

    /// The superuser flag, state, main and every permission the account holds, directly,
    /// through its state or through its groups, in one query; `None` for an unknown account.
    pub async fn account_grants(&self, account: AccountId) -> Result<Option<AccountAccess>> {
        let rows: Vec<GrantRow> = on_db!(self, |db| sqlx::query_as(ACCOUNT_GRANTS)
            .bind(account.get())
            .fetch_all(db.reader())
            .await?);
        Ok(account_access(rows))
    }
}
