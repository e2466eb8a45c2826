//! ESI tokens (ciphertexts) and the per-token refresh lease.

use super::{PgDb, read, tm};
use crate::rows::token_cols;
use crate::support::{self, conflict, is_foreign_key, not_found_if_zero};
use crate::{NewToken, RefreshedToken, Result, StoreError, TokenRecord};
use jumpgate_domain::account::TokenStatus;
use jumpgate_domain::{AccountId, CharacterId};
use std::time::Duration;
use time::OffsetDateTime;

pub(crate) async fn upsert_token(s: &PgDb, t: &NewToken) -> Result<TokenRecord> {
    // A new grant replaces the old one entirely but keeps its id, creation time and any lease.
    let row = sqlx::query(concat!(
        "INSERT INTO tokens (character_id, login, access_token, refresh_token, expires_at, scopes, \
         owner_hash, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'valid', $8) \
         ON CONFLICT (character_id, login) DO UPDATE SET access_token = excluded.access_token, \
         refresh_token = excluded.refresh_token, expires_at = excluded.expires_at, \
         scopes = excluded.scopes, owner_hash = excluded.owner_hash, status = 'valid', \
         status_reason = NULL, last_checked_at = NULL RETURNING ",
        token_cols!()
    ))
    .bind(t.character.get())
    .bind(&t.login)
    .bind(&t.access_token)
    .bind(&t.refresh_token)
    .bind(tm(t.expires_at))
    .bind(&t.scopes)
    .bind(&t.owner_hash)
    .bind(tm(support::now()))
    .fetch_one(&s.pool)
    .await
    .map_err(|e| {
        if is_foreign_key(&e) {
            StoreError::NotFound(format!("character {}", t.character))
        } else {
            conflict(e, || {
                format!(
                    "a token for character {} and login {} exists",
                    t.character, t.login
                )
            })
        }
    })?;
    read::token(&row)
}

pub(crate) async fn token(
    s: &PgDb,
    character: CharacterId,
    login: &str,
) -> Result<Option<TokenRecord>> {
    let row = sqlx::query(concat!(
        "SELECT ",
        token_cols!(),
        " FROM tokens WHERE character_id = $1 AND login = $2"
    ))
    .bind(character.get())
    .bind(login)
    .fetch_optional(&s.pool)
    .await?;
    row.as_ref().map(read::token).transpose()
}

pub(crate) async fn tokens_of_character(
    s: &PgDb,
    character: CharacterId,
) -> Result<Vec<TokenRecord>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        token_cols!(),
        " FROM tokens WHERE character_id = $1 ORDER BY login, id"
    ))
    .bind(character.get())
    .fetch_all(&s.pool)
    .await?;
    read::all(&rows, read::token)
}

pub(crate) async fn tokens_of_account(s: &PgDb, account: AccountId) -> Result<Vec<TokenRecord>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        token_cols!(),
        " FROM tokens WHERE character_id IN (SELECT id FROM characters WHERE account_id = $1) \
         ORDER BY character_id, login, id"
    ))
    .bind(account.get())
    .fetch_all(&s.pool)
    .await?;
    read::all(&rows, read::token)
}

pub(crate) async fn record_refresh(
    s: &PgDb,
    token_id: i64,
    r: &RefreshedToken,
    holder: &str,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE tokens SET access_token = $1, refresh_token = COALESCE($2, refresh_token),
             expires_at = $3, scopes = $4, last_checked_at = $5,
             lease_until = CASE WHEN lease_holder = $7 THEN NULL ELSE lease_until END,
             lease_holder = CASE WHEN lease_holder = $7 THEN NULL ELSE lease_holder END
         WHERE id = $6",
    )
    .bind(&r.access_token)
    .bind(&r.refresh_token)
    .bind(tm(r.expires_at))
    .bind(&r.scopes)
    .bind(tm(support::now()))
    .bind(token_id)
    .bind(holder)
    .execute(&s.pool)
    .await?;
    not_found_if_zero(done.rows_affected(), || format!("token {token_id}"))
}

pub(crate) async fn set_token_status(
    s: &PgDb,
    token_id: i64,
    status: TokenStatus,
    reason: Option<&str>,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE tokens SET status = $1, status_reason = $2, last_checked_at = $3 WHERE id = $4",
    )
    .bind(status.as_str())
    .bind(reason)
    .bind(tm(support::now()))
    .bind(token_id)
    .execute(&s.pool)
    .await?;
    not_found_if_zero(done.rows_affected(), || format!("token {token_id}"))
}

pub(crate) async fn tokens_expiring_before(
    s: &PgDb,
    before: OffsetDateTime,
    limit: i64,
) -> Result<Vec<TokenRecord>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        token_cols!(),
        " FROM tokens WHERE status = 'valid' AND expires_at < $1 ORDER BY expires_at, id LIMIT $2"
    ))
    .bind(tm(before))
    .bind(limit.max(0))
    .fetch_all(&s.pool)
    .await?;
    read::all(&rows, read::token)
}

pub(crate) async fn try_lease_token(
    s: &PgDb,
    token_id: i64,
    holder: &str,
    lease: Duration,
) -> Result<bool> {
    let now = support::now();
    // One conditional UPDATE: whoever's statement runs first wins, the others match no row.
    let done = sqlx::query(
        "UPDATE tokens SET lease_holder = $1, lease_until = $2
         WHERE id = $3 AND (lease_holder IS NULL OR lease_until IS NULL OR lease_until <= $4)",
    )
    .bind(holder)
    .bind(tm(support::after(now, lease)))
    .bind(token_id)
    .bind(tm(now))
    .execute(&s.pool)
    .await?;
    if done.rows_affected() == 1 {
        return Ok(true);
    }
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM tokens WHERE id = $1")
        .bind(token_id)
        .fetch_optional(&s.pool)
        .await?;
    match exists {
        Some(_) => Ok(false),
        None => Err(StoreError::NotFound(format!("token {token_id}"))),
    }
}

pub(crate) async fn release_token(s: &PgDb, token_id: i64, holder: &str) -> Result<()> {
    sqlx::query("UPDATE tokens SET lease_holder = NULL, lease_until = NULL WHERE id = $1 AND lease_holder = $2")
        .bind(token_id)
        .bind(holder)
        .execute(&s.pool)
        .await?;
    Ok(())
}

pub(crate) async fn all_tokens(s: &PgDb) -> Result<Vec<TokenRecord>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        token_cols!(),
        " FROM tokens ORDER BY id"
    ))
    .fetch_all(&s.pool)
    .await?;
    read::all(&rows, read::token)
}

pub(crate) async fn replace_token_ciphertexts(
    s: &PgDb,
    token_id: i64,
    access: &[u8],
    refresh: Option<&[u8]>,
) -> Result<()> {
    let done = sqlx::query("UPDATE tokens SET access_token = $1, refresh_token = $2 WHERE id = $3")
        .bind(access)
        .bind(refresh)
        .bind(token_id)
        .execute(&s.pool)
        .await?;
    not_found_if_zero(done.rows_affected(), || format!("token {token_id}"))
}
