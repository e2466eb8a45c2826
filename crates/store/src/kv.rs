//! A small key-value table for state shared by every instance (settings, markers).

use crate::db::{Conn, Dialects, ValueList, on_conn, on_db, where_in_ids};
use crate::{Result, Store, Transaction};
use std::collections::BTreeMap;

impl Store {
    pub async fn kv_get(&self, key: &str) -> Result<Option<String>> {
        Ok(on_db!(self, |db| sqlx::query_scalar(
            "SELECT value FROM kv WHERE key = $1"
        )
        .bind(key)
        .fetch_optional(db.reader())
        .await?))
    }

    /// The values of those of `keys` that are set, in one query.
    pub async fn kv_get_many(&self, keys: &[String]) -> Result<BTreeMap<String, String>> {
        if keys.is_empty() {
            return Ok(BTreeMap::new());
        }
        const MANY: Dialects = where_in_ids!("SELECT key, value FROM kv WHERE key");
        let keys = ValueList::new(keys.iter().cloned());
        let rows: Vec<(String, String)> = on_db!(self, |db| sqlx::query_as(db.sql(&MANY))
            .bind(keys)
            .fetch_all(db.reader())
            .await?);
        Ok(rows.into_iter().collect())
    }

    /// Sets `key` to `value`. Written often (rate-limit pauses, job schedules), so on its own
    /// connection rather than in a transaction of one statement.
    pub async fn kv_set(&self, key: &str, value: &str) -> Result<()> {
        on_db!(self, |db| put(
            &mut *db.writer().acquire().await?,
            key,
            value
        )
        .await)
    }

    /// Sets `key` only if it is absent; true if this call set it.
    pub async fn kv_set_if_absent(&self, key: &str, value: &str) -> Result<bool> {
        let done = on_db!(self, |db| sqlx::query(
            "INSERT INTO kv (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING"
        )
        .bind(key)
        .bind(value)
        .execute(db.writer())
        .await?
        .rows_affected());
        Ok(done == 1)
    }
}

/// The writes a use case combines with others (and its audit entry) in one transaction.
impl Transaction {
    /// Sets `key` to `value`, as [`Store::kv_set`].
    pub async fn kv_set(&mut self, key: &str, value: &str) -> Result<()> {
        put(self.conn(), key, value).await
    }
}

/// The one body of `kv_set`, on a pool connection or a transaction's.
async fn put<'c>(conn: impl Into<Conn<'c>>, key: &str, value: &str) -> Result<()> {
    on_conn!(conn, |c| sqlx::query(
        "INSERT INTO kv (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(c)
    .await?
    .rows_affected());
    Ok(())
}
