//! The standings every sync writes, read once per change of the database instead of once per
//! character: a round of 10,000 syncs would otherwise read the thousand entries 10,000 times.
//! Each sync still asks the store whether anything changed (`standings_version`, one small
//! query), so an approval is never missed by a sync that starts after it.

use crate::App;
use crate::error::AppResult;
use jumpgate_domain::standings::DesiredContact;
use std::sync::{Arc, Mutex, PoisonError};
use time::OffsetDateTime;

type Version = (i64, Option<OffsetDateTime>);

/// The last standings read, with the version they were read at.
#[derive(Default)]
pub struct DesiredCache {
    slot: Mutex<Option<(Version, Arc<Vec<DesiredContact>>)>>,
}

impl DesiredCache {
    fn get(&self, version: &Version) -> Option<Arc<Vec<DesiredContact>>> {
        let slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        slot.as_ref()
            .filter(|(v, _)| v == version)
            .map(|(_, d)| d.clone())
    }

    fn put(&self, version: Version, desired: Arc<Vec<DesiredContact>>) {
        *self.slot.lock().unwrap_or_else(PoisonError::into_inner) = Some((version, desired));
    }
}

impl App {
    /// Every standings entry as a desired contact. The version is read before the entries, so
    /// an entry changed in between makes the next call read again rather than keep stale data.
    pub(crate) async fn desired_contacts(&self) -> AppResult<Arc<Vec<DesiredContact>>> {
        let version = self.store().standings_version().await?;
        if let Some(d) = self.desired_cache().get(&version) {
            return Ok(d);
        }
        let desired: Arc<Vec<DesiredContact>> = Arc::new(
            self.store()
                .all_standings()
                .await?
                .into_iter()
                .map(|e| DesiredContact {
                    entity: e.entity,
                    standing: e.standing,
                })
                .collect(),
        );
        self.desired_cache().put(version, desired.clone());
        Ok(desired)
    }
}
