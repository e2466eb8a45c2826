//! Administrators' list of accounts (`/admin/users`), searched as one types (the rows alone at
//! `/admin/users/rows`, for htmx).

use crate::WebState;
use crate::auth::Viewer;
use crate::error::WebResult;
use crate::ui::{Layout, when};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use jumpgate_domain::permissions::Permission;
use jumpgate_store::AccountSummary;
use serde::Deserialize;

/// How many accounts or characters a search shows.
pub const PAGE: i64 = 100;

#[derive(Debug, Clone)]
pub struct AccountRow {
    pub id: i64,
    pub main_name: String,
    pub portrait: String,
    pub state: String,
    pub superuser: bool,
    pub characters: i64,
    pub created: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "accounts/users.html")]
pub struct UsersPage {
    pub layout: Layout,
    pub query: String,
    pub rows: Vec<AccountRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "accounts/users_rows.html")]
pub struct UsersRows {
    pub rows: Vec<AccountRow>,
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    pub q: String,
}

fn account_row(layout: &Layout, a: &AccountSummary) -> AccountRow {
    AccountRow {
        id: a.id.get(),
        main_name: a
            .main_name
            .clone()
            .unwrap_or_else(|| format!("Account {}", a.id)),
        portrait: a
            .main_character
            .map(|c| layout.portrait(c.get(), 64))
            .unwrap_or_default(),
        state: a.state.clone(),
        superuser: a.superuser,
        characters: a.character_count,
        created: when(Some(a.created_at)),
    }
}

async fn search(state: &WebState, viewer: &Viewer, q: &str) -> WebResult<Vec<AccountRow>> {
    let layout = &viewer.layout;
    let accounts = state.app.search_accounts(&viewer.caller, q, PAGE).await?;
    Ok(accounts.iter().map(|a| account_row(layout, a)).collect())
}

pub async fn list(
    State(state): State<WebState>,
    viewer: Viewer,
    Query(q): Query<SearchQuery>,
) -> WebResult<UsersPage> {
    viewer.require(Permission::ADMIN_USERS)?;
    let rows = search(&state, &viewer, &q.q).await?;
    Ok(UsersPage {
        layout: viewer.layout,
        query: q.q,
        rows,
    })
}

/// The table body alone, for htmx's search-as-you-type.
pub async fn rows(
    State(state): State<WebState>,
    viewer: Viewer,
    Query(q): Query<SearchQuery>,
) -> WebResult<UsersRows> {
    viewer.require(Permission::ADMIN_USERS)?;
    let rows = search(&state, &viewer, &q.q).await?;
    Ok(UsersRows { rows })
}
