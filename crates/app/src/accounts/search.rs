//! One search for administrators (`admin.users`): the characters, accounts, corporations and
//! groups a text names, so that any of them is a box on every page away. Accounts are found by
//! their characters' names, by a corporation one of their characters is in, and by a group they
//! are in.

use crate::App;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use jumpgate_domain::account::Character;
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::{CorporationId, GroupId};
use jumpgate_store::{AccountSummary, CorporationInfo};

/// At most this many of each kind.
pub const FOUND_PER_KIND: i64 = 20;
/// At most this many members shown under a corporation.
const MEMBERS_SHOWN: usize = 10;

/// A corporation found, with who is in it.
#[derive(Debug, Clone)]
pub struct FoundCorporation {
    pub corporation: CorporationInfo,
    /// The characters Jumpgate knows in it (at most ten).
    pub members: Vec<Character>,
    /// How many characters Jumpgate knows in it.
    pub known: usize,
    /// The accounts with a character in it (at most [`FOUND_PER_KIND`]).
    pub accounts: Vec<AccountSummary>,
}

/// A group found (by name; every group, private ones included), with its members.
#[derive(Debug, Clone)]
pub struct FoundGroup {
    pub id: GroupId,
    pub name: String,
    /// Its member accounts (at most [`FOUND_PER_KIND`]).
    pub accounts: Vec<AccountSummary>,
}

/// What a search found.
#[derive(Debug, Clone, Default)]
pub struct Found {
    pub characters: Vec<Character>,
    pub accounts: Vec<AccountSummary>,
    pub corporations: Vec<FoundCorporation>,
    pub groups: Vec<FoundGroup>,
}

impl Found {
    pub fn is_empty(&self) -> bool {
        self.characters.is_empty()
            && self.accounts.is_empty()
            && self.corporations.is_empty()
            && self.groups.is_empty()
    }
}

impl App {
    /// Characters and corporations whose name contains `query` (or whose ticker it is), accounts
    /// it finds by their characters, and groups whose name contains it, each corporation and
    /// group with its accounts. Needs `admin.users`; an empty query finds nothing.
    pub async fn search_everything(&self, caller: &Caller, query: &str) -> AppResult<Found> {
        caller.require(Permission::ADMIN_USERS)?;
        let query = query.trim();
        if query.is_empty() {
            return Ok(Found::default());
        }
        let store = self.store();
        let mut corporations = Vec::new();
        for corporation in store.search_corporations(query, FOUND_PER_KIND).await? {
            let mut members = store.characters_in_corporation(corporation.id).await?;
            let known = members.len();
            members.truncate(MEMBERS_SHOWN);
            let accounts = store
                .accounts_in_corporation(corporation.id, FOUND_PER_KIND)
                .await?;
            corporations.push(FoundCorporation {
                corporation,
                members,
                known,
                accounts,
            });
        }
        let wanted = query.to_lowercase();
        let mut groups = Vec::new();
        for g in self.group_catalogue(Some(caller)).await?.iter() {
            if groups.len() == usize::try_from(FOUND_PER_KIND).unwrap_or(usize::MAX) {
                break;
            }
            if g.name.to_lowercase().contains(&wanted) {
                groups.push(FoundGroup {
                    id: g.id,
                    name: g.name.clone(),
                    accounts: store.accounts_in_group(g.id, FOUND_PER_KIND).await?,
                });
            }
        }
        Ok(Found {
            characters: store.search_characters(query, FOUND_PER_KIND).await?,
            accounts: store.search_accounts(query, FOUND_PER_KIND, 0).await?,
            corporations,
            groups,
        })
    }
}

/// Which accounts the administrators' list shows instead of searching names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountFilter {
    /// The accounts with a character in this corporation.
    Corporation(CorporationId),
    /// The accounts in this group.
    Group(GroupId),
}

/// The accounts a filter found, with what the filter is, in words.
#[derive(Debug, Clone)]
pub struct FilteredAccounts {
    /// "with a character in Corp [TICK]", "in the group Scouts".
    pub label: String,
    pub accounts: Vec<AccountSummary>,
}

impl App {
    /// The accounts with a character in a corporation, or in a group (any group, private ones
    /// included), by main name, at most `limit`. Needs `admin.users`.
    pub async fn accounts_by(
        &self,
        caller: &Caller,
        filter: AccountFilter,
        limit: i64,
    ) -> AppResult<FilteredAccounts> {
        caller.require(Permission::ADMIN_USERS)?;
        let store = self.store();
        Ok(match filter {
            AccountFilter::Corporation(id) => FilteredAccounts {
                label: match store.corporation(id).await? {
                    Some(c) => format!("with a character in {} [{}]", c.name, c.ticker),
                    None => format!("with a character in corporation #{id}"),
                },
                accounts: store.accounts_in_corporation(id, limit).await?,
            },
            AccountFilter::Group(id) => {
                let group = store
                    .group(id)
                    .await?
                    .ok_or_else(|| AppError::NotFound(format!("there is no group #{id}")))?;
                FilteredAccounts {
                    label: format!("in the group {}", group.name),
                    accounts: store.accounts_in_group(id, limit).await?,
                }
            }
        })
    }
}
