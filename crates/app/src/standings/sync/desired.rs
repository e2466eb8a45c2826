//! The standings every sync writes, read once per change of the database instead of once per
//! character: a round of 10,000 syncs would otherwise read the thousand entries 10,000 times.
//! Each sync still reads the `standings` change counter (one small query), so an approval is
//! never missed by a sync that starts after it. The entries come from the list the standings
//! database page keeps under the same counter: one read serves both.

use crate::App;
use crate::error::AppResult;
use crate::standings::workflow::listing::STANDINGS_COUNTER;
use crate::versioned::Versioned;
use jumpgate_domain::standings::DesiredContact;
use std::sync::Arc;

/// The last standings read, kept while the `standings` counter stays the same.
pub type DesiredCache = Versioned<Vec<DesiredContact>>;

impl App {
    /// Every standings entry as a desired contact.
    pub(crate) async fn desired_contacts(&self) -> AppResult<Arc<Vec<DesiredContact>>> {
        let version = self.store().change_counter(STANDINGS_COUNTER).await?;
        self.desired_cache()
            .get_or_read(version, || async {
                Ok(self
                    .all_standings_at(version)
                    .await?
                    .iter()
                    .map(|e| DesiredContact {
                        entity: e.entity,
                        standing: e.standing,
                    })
                    .collect())
            })
            .await
    }
}
