//! Web sessions, the key-value table, the ESI cache and schema introspection.

use super::{SqliteDb, micros, read};
use crate::{CacheEntry, Result, SessionAccess, SessionRecord};
use jumpgate_domain::AccountId;
use std::collections::BTreeMap;
use time::OffsetDateTime;

pub(crate) async fn schema_columns(s: &SqliteDb) -> Result<Vec<(String, Vec<String>)>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
           AND m.name <> '_sqlx_migrations'",
    )
    .fetch_all(&s.reader)
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
    s: &SqliteDb,
    id: &str,
    now: OffsetDateTime,
) -> Result<Option<SessionRecord>> {
    let row = sqlx::query(
        "SELECT id, account_id, data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2",
    )
    .bind(id)
    .bind(micros(now))
    .fetch_optional(&s.reader)
    .await?;
    row.as_ref().map(read::session).transpose()
}

pub(crate) async fn load_session_with_grants(
    s: &SqliteDb,
    id: &str,
    now: OffsetDateTime,
) -> Result<Option<SessionAccess>> {
    let rows = sqlx::query(crate::support::SESSION_GRANTS)
        .bind(id)
        .bind(micros(now))
        .fetch_all(&s.reader)
        .await?;
    read::session_access(&rows)
}

pub(crate) async fn save_session(s: &SqliteDb, session: &SessionRecord) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (id, account_id, data, expires_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, data = excluded.data,
             expires_at = excluded.expires_at",
    )
    .bind(&session.id)
    .bind(session.account.map(|a| a.get()))
    .bind(&session.data)
    .bind(micros(session.expires_at))
    .execute(&s.writer)
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

pub(crate) async fn delete_session(s: &SqliteDb, id: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(id)
        .execute(&s.writer)
        .await?;
    Ok(())
}

pub(crate) async fn delete_expired_sessions(s: &SqliteDb, now: OffsetDateTime) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(micros(now))
        .execute(&s.writer)
        .await?;
    Ok(done.rows_affected())
}

pub(crate) async fn delete_sessions_of(s: &SqliteDb, account: AccountId) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE account_id = $1")
        .bind(account.get())
        .execute(&s.writer)
        .await?;
    Ok(done.rows_affected())
}

pub(crate) async fn kv_get(s: &SqliteDb, key: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT value FROM kv WHERE key = $1")
        .bind(key)
        .fetch_optional(&s.reader)
        .await?)
}

pub(crate) async fn kv_set(s: &SqliteDb, key: &str, value: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO kv (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(&s.writer)
    .await?;
    Ok(())
}

pub(crate) async fn kv_set_if_absent(s: &SqliteDb, key: &str, value: &str) -> Result<bool> {
    let done =
        sqlx::query("INSERT INTO kv (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(value)
            .execute(&s.writer)
            .await?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn cache_get(s: &SqliteDb, key: &str) -> Result<Option<CacheEntry>> {
    let row = sqlx::query(
        "SELECT etag, expires_at, last_modified, pages, body FROM esi_cache WHERE key = $1",
    )
    .bind(key)
    .fetch_optional(&s.reader)
    .await?;
    row.as_ref().map(read::cache).transpose()
}

pub(crate) async fn cache_put(s: &SqliteDb, key: &str, e: &CacheEntry) -> Result<()> {
    sqlx::query(
        "INSERT INTO esi_cache (key, etag, expires_at, last_modified, pages, body)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (key) DO UPDATE SET etag = excluded.etag, expires_at = excluded.expires_at,
             last_modified = excluded.last_modified, pages = excluded.pages, body = excluded.body",
    )
    .bind(key)
    .bind(&e.etag)
    .bind(e.expires_at.map(micros))
    .bind(&e.last_modified)
    .bind(e.pages)
    .bind(&e.body)
    .execute(&s.writer)
    .await?;
    Ok(())
}
