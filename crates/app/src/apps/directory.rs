//! Who is who, as the application API answers it on every call: every character's account,
//! every account's main (with its corporation), every account's groups, every open
//! deactivation episode, and who is who by name (the `roster`), each kept whole while its
//! change counter holds (`account_list`, `groups`, `deactivations`). Tools ask for any character at
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
    roster: Versioned<Roster>,
}

/// Every character and account by name, and who is in which corporation: what the `app-chars`
/// endpoints answer without a query. The `account_list` counter follows all of it (characters'
/// accounts, names and corporations, accounts' mains, removals: migrations 0016 / 0017).
#[derive(Debug, Default)]
pub(crate) struct Roster {
    /// Every character's account.
    pub(crate) characters: HashMap<CharacterId, AccountId>,
    pub(crate) accounts: HashMap<AccountId, RosterAccount>,
    /// Each corporation's characters, by id.
    pub(crate) corporations: HashMap<CorporationId, Vec<CharacterId>>,
}

#[derive(Debug, Default)]
pub(crate) struct RosterAccount {
    /// Neucore's player name: the main's, or the last main's once every character left; empty
    /// for an account without either.
    pub(crate) name: String,
    /// By id.
    pub(crate) characters: Vec<CharacterId>,
}

impl Default for Directory {
    fn default() -> Self {
        Self {
            owners: Versioned::new(None),
            mains: Versioned::new(None),
            memberships: Versioned::new(None),
            episodes: Versioned::new(None),
            roster: Versioned::new(None),
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

    /// Who is who by name (`Roster`), read again in two statements when `account_list` moves.
    pub(crate) async fn roster(&self, caller: &Caller) -> AppResult<Arc<Roster>> {
        let version = self.change_counter_seen_by(caller, "account_list").await?;
        self.directory()
            .roster
            .get_or_read(version, || async {
                let mut roster = Roster::default();
                for (account, name) in self.store().account_names().await? {
                    roster.accounts.insert(
                        account,
                        RosterAccount {
                            name: name.unwrap_or_default(),
                            characters: Vec::new(),
                        },
                    );
                }
                // By id, so each account's and corporation's list is by id too.
                let mut characters = self.store().character_list().await?;
                characters.sort_by_key(|c| c.id);
                for c in characters {
                    roster
                        .accounts
                        .entry(c.account)
                        .or_default()
                        .characters
                        .push(c.id);
                    roster
                        .corporations
                        .entry(c.corporation)
                        .or_default()
                        .push(c.id);
                    roster.characters.insert(c.id, c.account);
                }
                Ok(roster)
            })
            .await
    }
}
