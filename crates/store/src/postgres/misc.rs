//! Web sessions, the key-value table, the ESI cache and schema introspection.

use super::{PgDb, read, tm};
use crate::{CacheEntry, Result, SessionAccess, SessionRecord};
use jumpgate_domain::AccountId;
use std::collections::BTreeMap;
use time::OffsetDateTime;

pub(crate) async fn schema_columns(s: &PgDb) -> Result<Vec<(String, Vec<String>)>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&s.pool)
    .await?;
    let mut tables: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (table, column) in rows {
        tables.entry(table).or_default().push(column);
    }
    Ok(tables
        .into_iter()
        .map(|(t, mut cols)| {
            cols.sort();
            (t, cols)
        })
        .collect())
}

pub(crate) async fn load_session(
    s: &PgDb,
    id: &str,
    now: OffsetDateTime,
) -> Result<Option<SessionRecord>> {
    let row = sqlx::query(
        "SELECT id, account_id, data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2",
    )
    .bind(id)
    .bind(tm(now))
    .fetch_optional(&s.pool)
    .await?;
    row.as_ref().map(read::session).transpose()
}

pub(crate) async fn load_session_with_grants(
    s: &PgDb,
    id: &str,
    now: OffsetDateTime,
) -> Result<Option<SessionAccess>> {
    let rows = sqlx::query(crate::support::SESSION_GRANTS)
        .bind(id)
        .bind(tm(now))
        .fetch_all(&s.pool)
        .await?;
    read::session_access(&rows)
}

pub(crate) async fn save_session(s: &PgDb, session: &SessionRecord) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (id, account_id, data, expires_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, data = excluded.data,
             expires_at = excluded.expires_at",
    )
    .bind(&session.id)
    .bind(session.account.map(|a| a.get()))
    .bind(&session.data)
    .bind(tm(session.expires_at))
    .execute(&s.pool)
    .await
    .map_err(|e| {
        crate::support::conflict(e, || {
            format!(
                "session for an unknown account {:?}",
                session.account.map(|a| a.get())
            )
        })
    })?;
    Ok(())
}

pub(crate) async fn delete_session(s: &PgDb, id: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(id)
        .execute(&s.pool)
        .await?;
    Ok(())
}

pub(crate) async fn delete_expired_sessions(s: &PgDb, now: OffsetDateTime) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(tm(now))
        .execute(&s.pool)
        .await?;
    Ok(done.rows_affected())
}

pub(crate) async fn delete_sessions_of(s: &PgDb, account: AccountId) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE account_id = $1")
        .bind(account.get())
        .execute(&s.pool)
        .await?;
    Ok(done.rows_affected())
}

pub(crate) async fn kv_get(s: &PgDb, key: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT value FROM kv WHERE key = $1")
        .bind(key)
        .fetch_optional(&s.pool)
        .await?)
}

pub(crate) async fn kv_set(s: &PgDb, key: &str, value: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO kv (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(&s.pool)
    .await?;
    Ok(())
}

pub(crate) async fn kv_set_if_absent(s: &PgDb, key: &str, value: &str) -> Result<bool> {
    let done =
        sqlx::query("INSERT INTO kv (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(value)
            .execute(&s.pool)
            .await?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn cache_get(s: &PgDb, key: &str) -> Result<Option<CacheEntry>> {
    let row = sqlx::query(
        "SELECT etag, expires_at, last_modified, pages, body FROM esi_cache WHERE key = $1",
    )
    .bind(key)
    .fetch_optional(&s.pool)
    .await?;
    row.as_ref().map(read::cache).transpose()
}

pub(crate) async fn cache_put(s: &PgDb, key: &str, e: &CacheEntry) -> Result<()> {
    sqlx::query(
        "INSERT INTO esi_cache (key, etag, expires_at, last_modified, pages, body)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (key) DO UPDATE SET etag = excluded.etag, expires_at = excluded.expires_at,
             last_modified = excluded.last_modified, pages = excluded.pages, body = excluded.body",
    )
    .bind(key)
    .bind(&e.etag)
    .bind(e.expires_at.map(tm))
    .bind(&e.last_modified)
    .bind(e.pages)
    .bind(&e.body)
    .execute(&s.pool)
    .await?;
    Ok(())
}
