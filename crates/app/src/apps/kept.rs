//! What the application API reads on every call, kept in this process (ADR 0010, ADR 0030).
//!
//! An application calls without a session, so no statement reads the change counters with its
//! caller as a person's page does. Instead the counters are read for all calls at once, at most
//! every `COUNTERS_MAX_AGE` and again after any write this process began: a call sees the
//! database as it was at most that long ago, as if it had started then. Tools poll Neucore's
//! API once a minute; a quarter of a second is far inside what they expect, and it lets a call
//! cost no round trip to the database while nothing changed.

use crate::App;
use crate::caller::SeenCounters;
use crate::error::AppResult;
use crate::versioned::Versioned;
use jumpgate_domain::AppId;
use jumpgate_domain::apps::Application;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How old the change counters an application's call is answered by may be.
const COUNTERS_MAX_AGE: Duration = Duration::from_millis(250);

/// The change counter the database moves with every write to the application tables.
pub(super) const APPS_COUNTER: &str = "apps";

/// Every application and its secret's hash, as the counter `apps` last saw them.
pub(super) struct KeptApps {
    pub(super) by_id: HashMap<AppId, Arc<Application>>,
    pub(super) hashes: HashMap<AppId, String>,
}

/// The kept reads, and what `authenticate` remembers of secrets it checked.
pub struct AppCaches {
    counters: Mutex<Option<(Instant, Arc<SeenCounters>)>>,
    /// One reader of the counters at a time: the calls that find them old wait for it.
    reading_counters: tokio::sync::Mutex<()>,
    pub(super) apps: Versioned<KeptApps>,
    pub(super) secrets: super::authenticate::CheckedSecrets,
    pub(super) requests: super::requests::AppRequestCounter,
    pub(super) directory: super::directory::Directory,
}

impl Default for AppCaches {
    fn default() -> Self {
        Self {
            counters: Mutex::new(None),
            reading_counters: tokio::sync::Mutex::new(()),
            apps: Versioned::new(None),
            secrets: Default::default(),
            requests: Default::default(),
            directory: Default::default(),
        }
    }
}

impl AppCaches {
    fn current_counters(&self, local_writes: u64) -> Option<Arc<SeenCounters>> {
        let slot = self.counters.lock().unwrap_or_else(PoisonError::into_inner);
        slot.as_ref()
            .filter(|(at, seen)| {
                seen.local_writes == local_writes && at.elapsed() < COUNTERS_MAX_AGE
            })
            .map(|(_, seen)| seen.clone())
    }
}

impl App {
    /// Every change counter as an application's call may see them (read at most
    /// `COUNTERS_MAX_AGE` ago, and after this process's last write).
    pub(super) async fn api_counters(&self) -> AppResult<Arc<SeenCounters>> {
        let caches = &self.inner.apps;
        if let Some(seen) = caches.current_counters(self.store().local_writes()) {
            return Ok(seen);
        }
        let _reading = caches.reading_counters.lock().await;
        // Whoever read them while this call waited read them for it too.
        let local_writes = self.store().local_writes();
        if let Some(seen) = caches.current_counters(local_writes) {
            return Ok(seen);
        }
        let seen = Arc::new(SeenCounters {
            counters: self.store().all_change_counters().await?,
            local_writes,
        });
        *caches
            .counters
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some((Instant::now(), seen.clone()));
        Ok(seen)
    }

    /// Every application with its secret's hash, kept while the `apps` counter in `seen` holds.
    pub(super) async fn kept_apps(&self, seen: &SeenCounters) -> AppResult<Arc<KeptApps>> {
        let version = match seen.counters.get(APPS_COUNTER) {
            Some(v) if seen.local_writes == self.store().local_writes() => *v,
            _ => self.store().change_counter(APPS_COUNTER).await?,
        };
        self.inner
            .apps
            .apps
            .get_or_read(version, || async {
                let apps = self.store().apps().await?;
                let hashes = self.store().app_secret_hashes().await?;
                Ok(KeptApps {
                    by_id: apps.into_iter().map(|a| (a.id, Arc::new(a))).collect(),
                    hashes: hashes.into_iter().collect(),
                })
            })
            .await
    }
}
