//! What the account and groups pages read on every view, kept in this process while the
//! database's `groups` change counter stays the same (ADR 0010): it moves with every write to
//! any group table (the catalogue, memberships, applications), on any instance. Each read is
//! checked against the counter read with the caller's session, so a view costs no query for
//! them while nothing changed; background work reads the counter itself.
//!
//! Writes never decide on these: the use cases that change memberships read the database.

use crate::App;
use crate::caller::Caller;
use crate::error::AppResult;
use crate::versioned::{Versioned, VersionedByKey};
use jumpgate_domain::groups::{Group, GroupApplication, Membership};
use jumpgate_domain::{AccountId, GroupId};
use jumpgate_store::{ApplicationFilter, GroupMember};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The change counter the database moves with every write to any group table.
const GROUPS_COUNTER: &str = "groups";

/// How many accounts' memberships, and groups' members, are kept at once.
const ACCOUNTS_KEPT: usize = 4096;
const GROUPS_KEPT: usize = 256;

/// The kept reads.
pub struct GroupCaches {
    /// Every group with its permissions, managers and rules, by name.
    catalogue: Versioned<Vec<Group>>,
    /// Each account's memberships.
    memberships: VersionedByKey<AccountId, Vec<Membership>>,
    /// Each group's members with their mains.
    members: VersionedByKey<GroupId, Vec<GroupMember>>,
    /// Every pending application, newest first.
    pending: Versioned<Vec<GroupApplication>>,
    /// How many members each group has.
    sizes: Versioned<BTreeMap<GroupId, usize>>,
}

impl Default for GroupCaches {
    fn default() -> Self {
        Self {
            catalogue: Versioned::new(None),
            memberships: VersionedByKey::new(ACCOUNTS_KEPT),
            members: VersionedByKey::new(GROUPS_KEPT),
            pending: Versioned::new(None),
            sizes: Versioned::new(None),
        }
    }
}

impl App {
    /// The `groups` counter as `caller`'s request saw it, or as the database holds it now.
    async fn groups_version(&self, caller: Option<&Caller>) -> AppResult<i64> {
        match caller {
            Some(caller) => self.change_counter_seen_by(caller, GROUPS_COUNTER).await,
            None => Ok(self.store().change_counter(GROUPS_COUNTER).await?),
        }
    }

    /// Every group with its permissions, managers and rules, by name ignoring case.
    pub(crate) async fn group_catalogue(
        &self,
        caller: Option<&Caller>,
    ) -> AppResult<Arc<Vec<Group>>> {
        let version = self.groups_version(caller).await?;
        self.group_caches()
            .catalogue
            .get_or_read(version, || async { Ok(self.store().groups().await?) })
            .await
    }

    /// `account`'s memberships, by group id.
    pub(crate) async fn kept_memberships(
        &self,
        caller: &Caller,
        account: AccountId,
    ) -> AppResult<Arc<Vec<Membership>>> {
        let version = self.groups_version(Some(caller)).await?;
        self.group_caches()
            .memberships
            .get_or_read(version, &account, || async {
                Ok(self.store().account_groups(account).await?)
            })
            .await
    }

    /// `group`'s members with their mains, by main name.
    pub(crate) async fn kept_members(
        &self,
        caller: &Caller,
        group: GroupId,
    ) -> AppResult<Arc<Vec<GroupMember>>> {
        let version = self.groups_version(Some(caller)).await?;
        self.group_caches()
            .members
            .get_or_read(version, &group, || async {
                Ok(self.store().group_members(group).await?)
            })
            .await
    }

    /// Every pending application, newest first.
    pub(crate) async fn kept_pending_applications(
        &self,
        caller: &Caller,
    ) -> AppResult<Arc<Vec<GroupApplication>>> {
        let version = self.groups_version(Some(caller)).await?;
        self.group_caches()
            .pending
            .get_or_read(version, || async {
                Ok(self
                    .store()
                    .group_applications(&ApplicationFilter {
                        pending_only: true,
                        ..Default::default()
                    })
                    .await?)
            })
            .await
    }

    /// How many members each group has (groups without any are left out).
    pub(crate) async fn kept_group_sizes(
        &self,
        caller: &Caller,
    ) -> AppResult<Arc<BTreeMap<GroupId, usize>>> {
        let version = self.groups_version(Some(caller)).await?;
        self.group_caches()
            .sizes
            .get_or_read(version, || async { Ok(self.store().group_sizes().await?) })
            .await
    }
}
