//! What the roles dashboard and the account pages read on every view, kept in this process
//! while the database's `roles` change counter stays the same (ADR 0010): it moves with every
//! write to any role table, on any instance. Checked against the counter read with the caller's
//! session, so a view costs no query for them while nothing changed.
//!
//! Writes never decide on these: appointing and the EVE roles' recompute read the database.

use crate::App;
use crate::caller::Caller;
use crate::error::AppResult;
use crate::versioned::{Versioned, VersionedByKey};
use jumpgate_domain::roles::RoleHolder;
use jumpgate_domain::{AccountId, CharacterId};
use jumpgate_store::RoleCatalogue;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The change counter the database moves with every write to any role table.
const ROLES_COUNTER: &str = "roles";
/// The change counter that moves with accounts and characters (a main chosen, a name changed).
const ACCOUNTS_COUNTER: &str = "account_list";

/// The holders' mains, by account.
type Mains = BTreeMap<AccountId, (CharacterId, String)>;

/// The kept reads.
pub struct RoleCaches {
    catalogue: Versioned<RoleCatalogue>,
    holders: Versioned<Vec<RoleHolder>>,
    /// The holders' mains: by the `roles` version they were read for, valid while the accounts'
    /// counter holds.
    mains: VersionedByKey<i64, Mains>,
}

impl Default for RoleCaches {
    fn default() -> Self {
        Self {
            catalogue: Versioned::new(None),
            holders: Versioned::new(None),
            mains: VersionedByKey::new(2),
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

    /// Every holder's main (id and name), by account.
    pub(crate) async fn kept_holder_mains(&self, caller: &Caller) -> AppResult<Arc<Mains>> {
        let [roles, accounts] = self
            .change_counters_seen_by(caller, [ROLES_COUNTER, ACCOUNTS_COUNTER])
            .await?;
        self.role_caches()
            .mains
            .get_or_read(accounts, &roles, || async {
                let holders = self.kept_role_holders(caller).await?;
                let accounts: Vec<AccountId> = holders.iter().map(|h| h.account).collect();
                Ok(self.store().mains_of(&accounts).await?)
            })
            .await
    }
}
