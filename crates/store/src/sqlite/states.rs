//! States with their criteria and permissions, and permissions granted to accounts directly.

use super::SqliteStore;
use crate::AccountAccess;
use crate::support::{assemble_states, conflict, criteria_rows, is_foreign_key, not_found_if_zero};
use crate::{Result, StoreError};
use jumpgate_domain::AccountId;
use jumpgate_domain::states::State;
use sqlx::SqliteConnection;
use std::collections::BTreeSet;

async fn load(conn: &mut SqliteConnection) -> Result<Vec<State>> {
    let states: Vec<(i64, String, i32)> =
        sqlx::query_as("SELECT id, name, priority FROM states ORDER BY priority DESC, name, id")
            .fetch_all(&mut *conn)
            .await?;
    let criteria: Vec<(i64, String, i64)> =
        sqlx::query_as("SELECT state_id, kind, entity_id FROM state_criteria")
            .fetch_all(&mut *conn)
            .await?;
    let permissions: Vec<(i64, String)> =
        sqlx::query_as("SELECT state_id, permission FROM state_permissions")
            .fetch_all(&mut *conn)
            .await?;
    assemble_states(states, criteria, permissions)
}

pub(super) async fn states(s: &SqliteStore) -> Result<Vec<State>> {
    // One read transaction, so a concurrent save never shows half a state.
    let mut tx = s.reader.begin().await?;
    let states = load(&mut tx).await?;
    tx.commit().await?;
    Ok(states)
}

pub(super) async fn save_state(s: &SqliteStore, state: &State) -> Result<State> {
    let name_taken = || format!("a state named '{}' already exists", state.name);
    let mut tx = s.begin().await?;
    let id = if state.id == 0 {
        sqlx::query_scalar("INSERT INTO states (name, priority) VALUES ($1, $2) RETURNING id")
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
    // Criteria and permissions are replaced as a whole: the state is saved as the caller sees it.
    sqlx::query("DELETE FROM state_criteria WHERE state_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM state_permissions WHERE state_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    for (kind, entity) in criteria_rows(&state.criteria) {
        sqlx::query("INSERT INTO state_criteria (state_id, kind, entity_id) VALUES ($1, $2, $3)")
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
    Ok(State {
        id,
        ..state.clone()
    })
}

pub(super) async fn delete_state(s: &SqliteStore, id: i64) -> Result<()> {
    let done = sqlx::query("DELETE FROM states WHERE id = $1")
        .bind(id)
        .execute(&s.writer)
        .await?;
    not_found_if_zero(done.rows_affected(), || format!("state {id}"))
}

pub(super) async fn account_permissions(
    s: &SqliteStore,
    account: AccountId,
) -> Result<BTreeSet<String>> {
    let rows: Vec<String> =
        sqlx::query_scalar("SELECT permission FROM account_permissions WHERE account_id = $1")
            .bind(account.get())
            .fetch_all(&s.reader)
            .await?;
    Ok(rows.into_iter().collect())
}

pub(super) async fn grant_permission(
    s: &SqliteStore,
    account: AccountId,
    permission: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO account_permissions (account_id, permission) VALUES ($1, $2)
         ON CONFLICT DO NOTHING",
    )
    .bind(account.get())
    .bind(permission)
    .execute(&s.writer)
    .await
    .map_err(|e| {
        if is_foreign_key(&e) {
            StoreError::NotFound(format!("account {account}"))
        } else {
            StoreError::Database(e)
        }
    })?;
    Ok(())
}

pub(super) async fn revoke_permission(
    s: &SqliteStore,
    account: AccountId,
    permission: &str,
) -> Result<()> {
    sqlx::query("DELETE FROM account_permissions WHERE account_id = $1 AND permission = $2")
        .bind(account.get())
        .bind(permission)
        .execute(&s.writer)
        .await?;
    Ok(())
}

pub(super) async fn account_grants(
    s: &SqliteStore,
    account: AccountId,
) -> Result<Option<AccountAccess>> {
    let rows: Vec<crate::support::GrantRow> = sqlx::query_as(crate::support::ACCOUNT_GRANTS)
        .bind(account.get())
        .fetch_all(&s.reader)
        .await?;
    Ok(crate::support::account_access(rows))
}
