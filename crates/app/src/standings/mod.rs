//! The standings manager: the approved-standings database, requests and revocations
//! (`workflow`), and writing the approved standings into every enrolled character's contacts
//! (`sync`). The rules live in `jumpgate_domain::standings`; this module adds the store, ESI,
//! permissions, notifications and jobs.

mod notify;
pub mod settings;
pub mod sync;
pub mod workflow;

pub use settings::{SYNC_LOGIN, StandingsSection, StandingsSettings, StateScopes};

use crate::App;
use crate::jobs::{JobRegistry, Periodic};

impl App {
    /// Re-checks the standings an account holds right after an event that can cost it one (a
    /// character left or was removed, its state changed, a token died), instead of waiting for
    /// the periodic validator. Failures are logged: the periodic run catches up.
    pub(crate) async fn revalidate_standings_after(
        &self,
        account: jumpgate_domain::AccountId,
        event: &str,
    ) {
        if let Err(e) = self.validate_standings_of(Some(account)).await {
            tracing::warn!(account = account.get(), event, error = %e, "could not re-check standings after an event");
        }
    }
}

/// Registers the standings jobs with the runner.
pub fn register_jobs(registry: &mut JobRegistry) {
    workflow::register_jobs(registry);
    sync::register_jobs(registry);
}

/// The standings manager's periodic jobs.
pub fn schedule(app: &App) -> Vec<Periodic> {
    let mut periodic = workflow::schedule(app);
    periodic.extend(sync::schedule(app));
    periodic
}
