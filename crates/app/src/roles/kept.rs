//! What the roles dashboard and the account pages read on every view, kept in this process
//! while the database's `roles` change counter stays the same (ADR 0010): it moves with every
//! write to any role table, on any instance. Checked against the counter read with the caller's
//! session, so a view costs no query for them while nothing changed.
//!
//! Writes never decide on these: appointing and the EVE roles' recompute read the database.

use crate::App;
use crate::caller::Caller;
use crate::error::AppResult;
use crate::versioned::Versioned;
use jumpgate_domain::roles::RoleHolder;
use jumpgate_store::RoleCatalogue;
use std::sync::Arc;

/// The change counter the database moves with every write to any role table.
const ROLES_COUNTER: &str = "roles";

/// The kept reads.
pub struct RoleCaches {
    catalogue: Versioned<RoleCatalogue>,
    holders: Versioned<Vec<RoleHolder>>,
}

impl Default for RoleCaches {
    fn default() -> Self {
        Self {
            catalogue: Versioned::new(None),
            holders: Versioned::new(None),
        }
    }
}

impl App {
    /// The divisions, specialties, what roles carry and who leads.
    pub(crate) async fn kept_role_catalogue(
        &self,
        caller: &Caller,
    ) -> AppResult<Arc<RoleCatalogue>> {
        let version = self.change_counter_seen_by(caller, ROLES_COUNTER).await?;
        self.role_caches()
            .catalogue
            .get_or_read(version, || async {
                Ok(self.store().role_catalogue().await?)
            })
            .await
    }

    /// Every role holder, by role then account.
    pub(crate) async fn kept_role_holders(
        &self,
        caller: &Caller,
    ) -> AppResult<Arc<Vec<RoleHolder>>> {
        let version = self.change_counter_seen_by(caller, ROLES_COUNTER).await?;
        self.role_caches()
            .holders
            .get_or_read(version, || async { Ok(self.store().role_holders().await?) })
            .await
    }
}
