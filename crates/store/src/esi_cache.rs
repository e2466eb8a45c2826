//! The ESI response cache shared by every instance: ETag, expiry and body per request key.

use crate::Store;
use crate::db::{Cols, DbTime, on_db};
use crate::{CacheEntry, Result};
use time::OffsetDateTime;

fn read_cache<R: Cols>(r: &R) -> Result<CacheEntry> {
    Ok(CacheEntry {
        etag: r.get("etag")?,
        expires_at: r.time_opt("expires_at")?,
        last_modified: r.get("last_modified")?,
        pages: r.get("pages")?,
        body: r.get("body")?,
    })
}

impl Store {
    /// ESI response cache shared by every instance: ETag, expiry and body per request key.
    pub async fn cache_get(&self, key: &str) -> Result<Option<CacheEntry>> {
        on_db!(self, |db| sqlx::query(
            "SELECT etag, expires_at, last_modified, pages, body FROM esi_cache WHERE key = $1",
        )
        .bind(key)
        .fetch_optional(db.reader())
        .await?
        .as_ref()
        .map(read_cache)
        .transpose())
    }

    pub async fn cache_put(&self, key: &str, e: &CacheEntry) -> Result<()> {
        on_db!(self, |db| {
            sqlx::query(
            "INSERT INTO esi_cache (key, etag, expires_at, last_modified, pages, body)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (key) DO UPDATE SET etag = excluded.etag, expires_at = excluded.expires_at,
                 last_modified = excluded.last_modified, pages = excluded.pages, body = excluded.body",
        )
        .bind(key)
        .bind(&e.etag)
        .bind(e.expires_at.map(DbTime))
        .bind(&e.last_modified)
        .bind(e.pages)
        .bind(&e.body)
        .execute(db.writer())
        .await?;
        });
        Ok(())
    }

    /// After a 304: new validators and expiry for a cached answer, its body left as it is
    /// (rewriting a thousand-contact body to move its expiry cost more than the request).
    /// False when the key is not cached.
    pub async fn cache_revalidated(
        &self,
        key: &str,
        etag: Option<&str>,
        expires_at: Option<OffsetDateTime>,
    ) -> Result<bool> {
        let done = on_db!(self, |db| sqlx::query(
            "UPDATE esi_cache SET etag = $2, expires_at = $3 WHERE key = $1"
        )
        .bind(key)
        .bind(etag)
        .bind(expires_at.map(DbTime))
        .execute(db.writer())
        .await?
        .rows_affected());
        Ok(done > 0)
    }
}
