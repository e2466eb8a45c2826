//! Who is who, as the application API answers it on every call: every character's account,
//! every account's main (with its corporation), every account's groups and every open
//! deactivation episode, each kept whole while its change counter holds (`account_list`,
//! `groups`, `deactivations`). Tools ask for any character at
//! any time, so per-key reads would go to the database on most calls; the whole maps are small
//! (a few bytes per character and membership) and are read again, in one statement each, only
//! when something they hold changed.

use crate::App;
use crate::caller::Caller;
use crate::error::AppResult;
use crate::versioned::Versioned;
use jumpgate_domain::deactivation::{Deactivation, Episode};
use jumpgate_domain::{AccountId, CharacterId, CorporationId, GroupId};
use std::collections::HashMap;
use std::sync::Arc;

/// An account's main character and the corporation it is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AccountMain {
    pub character: CharacterId,
    pub corporation: CorporationId,
}

/// The kept maps.
pub(crate) struct Directory {
    owners: Versioned<HashMap<CharacterId, AccountId>>,
    mains: Versioned<HashMap<AccountId, AccountMain>>,
    memberships: Versioned<HashMap<AccountId, Vec<GroupId>>>,
    episodes: Versioned<HashMap<AccountId, Episode>>,
}

impl Default for Directory {
    fn default() -> Self {
        Self {
            owners: Versioned::new(None),
            mains: Versioned::new(None),
            memberships: Versioned::new(None),
            episodes: Versioned::new(None),
        }
    }
}

impl App {
    fn directory(&self) -> &Directory {
        &self.inner.apps.directory
    }

    /// Every character's account.
    pub(crate) async fn character_owners(
        &self,
        caller: &Caller,
    ) -> AppResult<Arc<HashMap<CharacterId, AccountId>>> {
        let version = self.change_counter_seen_by(caller, "account_list").await?;
        self.directory()
            .owners
            .get_or_read(version, || async {
                Ok(self
                    .store()
                    .character_accounts()
                    .await?
                    .into_iter()
                    .collect())
            })
            .await
    }

    /// Every account's main with its corporation; accounts without a main are left out. The
    /// `account_list` counter moves with mains and with characters' corporations.
    pub(crate) async fn account_mains(
        &self,
        caller: &Caller,
    ) -> AppResult<Arc<HashMap<AccountId, AccountMain>>> {
        let version = self.change_counter_seen_by(caller, "account_list").await?;
        self.directory()
            .mains
            .get_or_read(version, || async {
                Ok(self
                    .store()
                    .account_mains()
                    .await?
                    .into_iter()
                    .map(|(account, character, corporation)| {
                        (
                            account,
                            AccountMain {
                                character,
                                corporation,
                            },
                        )
                    })
                    .collect())
            })
            .await
    }

    /// Every account's groups (ids, ascending); accounts without any are left out.
    pub(crate) async fn accounts_groups(
        &self,
        caller: &Caller,
    ) -> AppResult<Arc<HashMap<AccountId, Vec<GroupId>>>> {
        let version = self.change_counter_seen_by(caller, "groups").await?;
        self.directory()
            .memberships
            .get_or_read(version, || async {
                let mut by_account: HashMap<AccountId, Vec<GroupId>> = HashMap::new();
                for (account, group) in self.store().all_group_memberships().await? {
                    by_account.entry(account).or_default().push(group);
                }
                Ok(by_account)
            })
            .await
    }

    /// Where each account stands in soft deactivation: a function of its open episode, if any.
    pub(crate) async fn deactivations(
        &self,
        caller: &Caller,
    ) -> AppResult<impl Fn(AccountId) -> Deactivation + use<>> {
        let version = self.change_counter_seen_by(caller, "deactivations").await?;
        let episodes = self
            .directory()
            .episodes
            .get_or_read(version, || async {
                Ok(self
                    .store()
                    .deactivation_episodes()
                    .await?
                    .into_iter()
                    .collect())
            })
            .await?;
        let rules = self.deactivation_rules();
        Ok(move |account| rules.state(episodes.get(&account)))
    }
}
