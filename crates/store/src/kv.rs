//! A small key-value table for state shared by every instance (settings, markers).

use crate::Result;
use crate::Store;
use crate::db::on_db;

impl Store {
    pub async fn kv_get(&self, key: &str) -> Result<Option<String>> {
        Ok(on_db!(self, |db| sqlx::query_scalar(
            "SELECT value FROM kv WHERE key = $1"
        )
        .bind(key)
        .fetch_optional(db.reader())
        .await?))
    }

    pub async fn kv_set(&self, key: &str, value: &str) -> Result<()> {
        on_db!(self, |db| {
            sqlx::query(
                "INSERT INTO kv (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(key)
            .bind(value)
            .execute(db.writer())
            .await?;
        });
        Ok(())
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
