//! Administrators' search (`/admin/search`), the box in every page's bar: characters,
//! accounts, corporations and groups a text names, each linked to the account it leads to (a
//! corporation and a group with their accounts).

use crate::WebState;
use crate::auth::Viewer;
use crate::error::WebResult;
use crate::ui::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use jumpgate_domain::permissions::Permission;
use jumpgate_store::AccountSummary;
use serde::Deserialize;

/// A found character (alone, or under its corporation).
#[derive(Debug, Clone)]
pub struct FoundCharacter {
    pub id: i64,
    pub name: String,
    pub portrait: String,
    pub account: i64,
}

#[derive(Debug, Clone)]
pub struct FoundAccount {
    pub id: i64,
    pub name: String,
    pub state: String,
    pub characters: i64,
}

#[derive(Debug, Clone)]
pub struct FoundCorporation {
    pub id: i64,
    pub name: String,
    pub ticker: String,
    pub logo: String,
    pub members: Vec<FoundCharacter>,
    /// How many of its characters Jumpgate knows (more than `members` shows, perhaps).
    pub known: usize,
    /// The accounts with a character in it.
    pub accounts: Vec<FoundAccount>,
}

/// A group found by name, with its member accounts.
#[derive(Debug, Clone)]
pub struct FoundGroup {
    pub id: i64,
    pub name: String,
    pub accounts: Vec<FoundAccount>,
}

#[derive(Template, WebTemplate)]
#[template(path = "accounts/search.html")]
pub struct SearchPage {
    pub layout: Layout,
    pub query: String,
    pub characters: Vec<FoundCharacter>,
    pub accounts: Vec<FoundAccount>,
    pub corporations: Vec<FoundCorporation>,
    pub groups: Vec<FoundGroup>,
    pub nothing: bool,
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

pub async fn search(
    State(state): State<WebState>,
    viewer: Viewer,
    Query(q): Query<SearchQuery>,
) -> WebResult<SearchPage> {
    viewer.require(Permission::ADMIN_USERS)?;
    let found = state.app.search_everything(&viewer.caller, &q.q).await?;
    let layout = &viewer.layout;
    let character = |c: &jumpgate_domain::account::Character| FoundCharacter {
        id: c.id.get(),
        name: c.name.clone(),
        portrait: layout.portrait(c.id.get(), 32),
        account: c.account.get(),
    };
    Ok(SearchPage {
        nothing: !q.q.trim().is_empty() && found.is_empty(),
        characters: found.characters.iter().map(character).collect(),
        accounts: found.accounts.iter().map(account).collect(),
        corporations: found
            .corporations
            .iter()
            .map(|c| FoundCorporation {
                id: c.corporation.id.get(),
                name: c.corporation.name.clone(),
                ticker: c.corporation.ticker.clone(),
                logo: layout.corporation_logo(c.corporation.id.get(), 32),
                members: c.members.iter().map(character).collect(),
                known: c.known,
                accounts: c.accounts.iter().map(account).collect(),
            })
            .collect(),
        groups: found
            .groups
            .iter()
            .map(|g| FoundGroup {
                id: g.id.get(),
                name: g.name.clone(),
                accounts: g.accounts.iter().map(account).collect(),
            })
            .collect(),
        query: q.q,
        layout: viewer.layout,
    })
}

fn account(a: &AccountSummary) -> FoundAccount {
    FoundAccount {
        id: a.id.get(),
        name: a
            .main_name
            .clone()
            .unwrap_or_else(|| format!("Account #{}", a.id)),
        state: a.state.clone(),
        characters: a.character_count,
    }
}
