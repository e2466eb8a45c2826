//! States with their criteria and permissions, and permissions granted to accounts directly.

use crate::db::{SqlStore, on_db};
use crate::support::{
    ACCOUNT_GRANTS, GrantRow, account_access, assemble_states, conflict, criteria_rows,
    is_foreign_key, not_found_if_zero,
};
use crate::{AccountAccess, Result, StoreError};
use jumpgate_domain::AccountId;
use jumpgate_domain::states::State;
use std::collections::BTreeSet;

impl SqlStore {
    /// All states, highest priority first.
    pub async fn states(&self) -> Result<Vec<State>> {
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
        let name_taken = || format!("a state named '{}' already exists", state.name);
        let id = on_db!(self, |db| {
            let mut tx = db.begin().await?;
            let id = if state.id == 0 {
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
                    .bind(state.id)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| conflict(e, name_taken))?;
                not_found_if_zero(done.rows_affected(), || format!("state {}", state.id))?;
                state.id
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
            tx.commit().await?;
            id
        });
        Ok(State {
            id,
            ..state.clone()
        })
    }

    pub async fn delete_state(&self, id: i64) -> Result<()> {
        let done = on_db!(self, |db| sqlx::query("DELETE FROM states WHERE id = $1")
            .bind(id)
            .execute(db.writer())
            .await?
            .rows_affected());
        not_found_if_zero(done, || format!("state {id}"))
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
        on_db!(self, |db| {
            sqlx::query(
                "INSERT INTO account_permissions (account_id, permission) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
            )
            .bind(account.get())
            .bind(permission)
            .execute(db.writer())
            .await
            .map_err(|e| {
                if is_foreign_key(&e) {
                    StoreError::NotFound(format!("account {account}"))
                } else {
                    StoreError::Database(e)
                }
            })?;
        });
        Ok(())
    }

    pub async fn revoke_permission(&self, account: AccountId, permission: &str) -> Result<()> {
        on_db!(self, |db| {
            sqlx::query(
                "DELETE FROM account_permissions WHERE account_id = $1 AND permission = $2",
            )
            .bind(account.get())
            .bind(permission)
            .execute(db.writer())
            .await?;
        });
        Ok(())
    }

    /// The superuser flag, state, main and every permission the account holds, directly or
    /// through its state, in one query; `None` for an unknown account.
    pub async fn account_grants(&self, account: AccountId) -> Result<Option<AccountAccess>> {
        let rows: Vec<GrantRow> = on_db!(self, |db| sqlx::query_as(ACCOUNT_GRANTS)
            .bind(account.get())
            .fetch_all(db.reader())
            .await?);
        Ok(account_access(rows))
    }
}
