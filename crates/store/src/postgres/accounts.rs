//! Accounts: creation, lookup, search and the account's own settings.

use super::{PgDb, characters, read, tm};
use crate::rows::account_cols;
use crate::support::{self, contains_pattern, not_found_if_zero};
use crate::{AccountSummary, NewCharacter, Result, StoreError};
use jumpgate_domain::account::{Account, Character};
use jumpgate_domain::states::GUEST;
use jumpgate_domain::{AccountId, CharacterId};
use sqlx::PgConnection;

pub(crate) async fn create_account(s: &PgDb, main: &NewCharacter) -> Result<(Account, Character)> {
    let now = support::now();
    let mut tx = s.begin().await?;
    let id: i64 =
        sqlx::query_scalar("INSERT INTO accounts (state, created_at) VALUES ($1, $2) RETURNING id")
            .bind(GUEST)
            .bind(tm(now))
            .fetch_one(&mut *tx)
            .await?;
    let account = AccountId(id);
    let character = characters::insert(&mut tx, account, main, now).await?;
    sqlx::query("UPDATE accounts SET main_character_id = $1 WHERE id = $2")
        .bind(main.id.get())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let account = fetch(&mut tx, account)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("account {id}")))?;
    tx.commit().await?;
    Ok((account, character))
}

async fn fetch(conn: &mut PgConnection, id: AccountId) -> Result<Option<Account>> {
    let row = sqlx::query(concat!(
        "SELECT ",
        account_cols!(),
        " FROM accounts WHERE id = $1"
    ))
    .bind(id.get())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(read::account).transpose()
}

/// `NotFound` unless the account exists, checked inside the caller's transaction.
pub(crate) async fn must_exist(conn: &mut PgConnection, id: AccountId) -> Result<()> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM accounts WHERE id = $1")
        .bind(id.get())
        .fetch_optional(conn)
        .await?;
    found
        .map(|_| ())
        .ok_or_else(|| StoreError::NotFound(format!("account {id}")))
}

pub(crate) async fn account(s: &PgDb, id: AccountId) -> Result<Option<Account>> {
    let mut conn = s.pool.acquire().await?;
    fetch(&mut conn, id).await
}

pub(crate) async fn accounts_by_ids(s: &PgDb, ids: &[AccountId]) -> Result<Vec<Account>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = ids.iter().map(|id| id.get()).collect();
    let rows = sqlx::query(concat!(
        "SELECT ",
        account_cols!(),
        " FROM accounts WHERE id = ANY($1)"
    ))
    .bind(ids)
    .fetch_all(&s.pool)
    .await?;
    read::all(&rows, read::account)
}

pub(crate) async fn count_accounts(s: &PgDb) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
        .fetch_one(&s.pool)
        .await?)
}

pub(crate) async fn search_accounts(
    s: &PgDb,
    query: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<AccountSummary>> {
    let rows = sqlx::query(
        r#"SELECT a.id, a.main_character_id, m.name AS main_name, a.state, a.superuser,
                 (SELECT COUNT(*) FROM characters c WHERE c.account_id = a.id) AS character_count,
                 a.created_at
          FROM accounts a
          LEFT JOIN characters m ON m.id = a.main_character_id
          WHERE $1 = '' OR EXISTS (
              SELECT 1 FROM characters c
              WHERE c.account_id = a.id AND lower(c.name) LIKE $2 ESCAPE '\')
          ORDER BY m.name IS NULL, lower(m.name) COLLATE "C", m.name COLLATE "C", a.id
          LIMIT $3 OFFSET $4"#,
    )
    .bind(query)
    .bind(contains_pattern(query))
    .bind(limit.max(0))
    .bind(offset.max(0))
    .fetch_all(&s.pool)
    .await?;
    read::all(&rows, read::account_summary)
}

pub(crate) async fn account_ids(s: &PgDb) -> Result<Vec<AccountId>> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM accounts ORDER BY id")
        .fetch_all(&s.pool)
        .await?;
    Ok(ids.into_iter().map(AccountId).collect())
}

pub(crate) async fn set_main(s: &PgDb, account: AccountId, character: CharacterId) -> Result<()> {
    let mut tx = s.begin().await?;
    must_exist(&mut tx, account).await?;
    // FOR SHARE: a concurrent move of this character waits for us (and then re-picks the main)
    // instead of leaving the account's main on another account.
    let owner: Option<i64> =
        sqlx::query_scalar("SELECT account_id FROM characters WHERE id = $1 FOR SHARE")
            .bind(character.get())
            .fetch_optional(&mut *tx)
            .await?;
    if owner != Some(account.get()) {
        return Err(StoreError::Invalid(format!(
            "character {character} is not on account {account}"
        )));
    }
    sqlx::query("UPDATE accounts SET main_character_id = $1 WHERE id = $2")
        .bind(character.get())
        .bind(account.get())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn set_superuser(s: &PgDb, account: AccountId, superuser: bool) -> Result<()> {
    let done = sqlx::query("UPDATE accounts SET superuser = $1 WHERE id = $2")
        .bind(superuser)
        .bind(account.get())
        .execute(&s.pool)
        .await?;
    not_found_if_zero(done.rows_affected(), || format!("account {account}"))
}

pub(crate) async fn set_account_state(s: &PgDb, account: AccountId, state: &str) -> Result<()> {
    let done = sqlx::query("UPDATE accounts SET state = $1 WHERE id = $2")
        .bind(state)
        .bind(account.get())
        .execute(&s.pool)
        .await?;
    not_found_if_zero(done.rows_affected(), || format!("account {account}"))
}

pub(crate) async fn set_account_email(
    s: &PgDb,
    account: AccountId,
    email: Option<&str>,
    verified: bool,
) -> Result<()> {
    let done = sqlx::query("UPDATE accounts SET email = $1, email_verified = $2 WHERE id = $3")
        .bind(email)
        .bind(verified)
        .bind(account.get())
        .execute(&s.pool)
        .await?;
    not_found_if_zero(done.rows_affected(), || format!("account {account}"))
}

pub(crate) async fn set_account_timezone(
    s: &PgDb,
    account: AccountId,
    timezone: Option<&str>,
) -> Result<()> {
    let done = sqlx::query("UPDATE accounts SET timezone = $1 WHERE id = $2")
        .bind(timezone)
        .bind(account.get())
        .execute(&s.pool)
        .await?;
    not_found_if_zero(done.rows_affected(), || format!("account {account}"))
}
