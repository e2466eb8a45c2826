//! One search for administrators (`admin.users`): the characters, accounts and corporations a
//! text names, so that any of them is a box on every page away.

use crate::App;
use crate::caller::Caller;
use crate::error::AppResult;
use jumpgate_domain::account::Character;
use jumpgate_domain::permissions::Permission;
use jumpgate_store::{AccountSummary, CorporationInfo};

/// At most this many of each kind.
pub const FOUND_PER_KIND: i64 = 20;
/// At most this many members shown under a corporation.
const MEMBERS_SHOWN: usize = 10;

/// What a search found.
#[derive(Debug, Clone, Default)]
pub struct Found {
    pub characters: Vec<Character>,
    pub accounts: Vec<AccountSummary>,
    /// Each with the characters Jumpgate knows in it (at most ten) and how many there are.
    pub corporations: Vec<(CorporationInfo, Vec<Character>, usize)>,
}

impl Found {
    pub fn is_empty(&self) -> bool {
        self.characters.is_empty() && self.accounts.is_empty() && self.corporations.is_empty()
    }
}

impl App {
    /// Characters and corporations whose name contains `query` (or whose ticker it is), and
    /// accounts it finds by their characters. Needs `admin.users`; an empty query finds nothing.
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
            corporations.push((corporation, members, known));
        }
        Ok(Found {
            characters: store.search_characters(query, FOUND_PER_KIND).await?,
            accounts: store.search_accounts(query, FOUND_PER_KIND, 0).await?,
            corporations,
        })
    }
}
