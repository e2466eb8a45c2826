//! The ESI client's cache and pause gate, kept in the database so every instance shares them:
//! one instance's 304 saves every other instance a 200, and an error-limit pause stops all.

use async_trait::async_trait;
use jumpgate_eve::{CachedResponse, EsiCache, SharedGate};
use jumpgate_store::{CacheEntry, Store};
use std::sync::Arc;
use time::OffsetDateTime;

pub struct StoreCache(pub Arc<Store>);

#[async_trait]
impl EsiCache for StoreCache {
    async fn get(&self, key: &str) -> Option<CachedResponse> {
        match self.0.cache_get(key).await {
            Ok(entry) => entry.map(|e| CachedResponse {
                etag: e.etag,
                expires_at: e.expires_at,
                last_modified: e.last_modified,
                pages: e.pages,
                body: e.body,
            }),
            Err(e) => {
                // A cache miss costs one ESI call; failing the request would cost more.
                tracing::warn!(error = %e, "ESI cache read failed");
                None
            }
        }
    }

    async fn put(&self, key: &str, value: CachedResponse) {
        let entry = CacheEntry {
            etag: value.etag,
            expires_at: value.expires_at,
            last_modified: value.last_modified,
            pages: value.pages,
            body: value.body,
        };
        if let Err(e) = self.0.cache_put(key, &entry).await {
            tracing::warn!(error = %e, "ESI cache write failed");
        }
    }

    async fn revalidated(&self, key: &str, value: CachedResponse) {
        match self
            .0
            .cache_revalidated(key, value.etag.as_deref(), value.expires_at)
            .await
        {
            Ok(true) => {}
            // Gone meanwhile (or never stored): keep the whole answer.
            Ok(false) => self.put(key, value).await,
            Err(e) => tracing::warn!(error = %e, "ESI cache write failed"),
        }
    }
}

const PAUSE_KEY: &str = "esi.paused_until";

/// How long a read of the shared pause is reused: the ESI client asks before every request, and
/// a pause shorter than this is not worth a database read per call.
const GATE_READ_TTL: std::time::Duration = std::time::Duration::from_secs(2);

pub struct StoreGate {
    store: Arc<Store>,
    last_read: std::sync::Mutex<Option<(std::time::Instant, Option<OffsetDateTime>)>>,
}

impl StoreGate {
    pub fn new(store: Arc<Store>) -> Self {
        Self {
            store,
            last_read: std::sync::Mutex::new(None),
        }
    }

    async fn read(&self) -> Option<OffsetDateTime> {
        let text = self.store.kv_get(PAUSE_KEY).await.ok()??;
        let (ts, _reason) = text.split_once(' ').unwrap_or((text.as_str(), ""));
        let micros: i128 = ts.parse().ok()?;
        OffsetDateTime::from_unix_timestamp_nanos(micros * 1_000).ok()
    }

    fn cached(
        &self,
    ) -> std::sync::MutexGuard<'_, Option<(std::time::Instant, Option<OffsetDateTime>)>> {
        self.last_read
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl SharedGate for StoreGate {
    async fn paused_until(&self) -> Option<OffsetDateTime> {
        if let Some((at, value)) = *self.cached()
            && at.elapsed() < GATE_READ_TTL
        {
            return value;
        }
        let value = self.read().await;
        *self.cached() = Some((std::time::Instant::now(), value));
        value
    }

    async fn pause_until(&self, until: OffsetDateTime, reason: &str) {
        *self.cached() = Some((std::time::Instant::now(), Some(until)));
        let micros = until.unix_timestamp_nanos() / 1_000;
        if let Err(e) = self
            .store
            .kv_set(PAUSE_KEY, &format!("{micros} {reason}"))
            .await
        {
            tracing::warn!(error = %e, "could not share an ESI pause with other instances");
        }
    }
}
