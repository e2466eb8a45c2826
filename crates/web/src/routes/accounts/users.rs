//! Administrators' list of accounts (`/admin/users`), searched as one types (the rows alone at
//! `/admin/users/rows`, for htmx).

use crate::WebState;
use crate::auth::Viewer;
use crate::error::{WebError, WebResult};
use crate::ui::{Layout, RenderedRows, when};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::Html;
use jumpgate_app::accounts::admin::AccountList;
use jumpgate_domain::permissions::Permission;
use jumpgate_store::AccountSummary;
use serde::Deserialize;
use std::sync::Arc;

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
    /// The rows found, rendered once per list read and query ([`UsersRowsCache`]).
    pub rows: Arc<str>,
}

#[derive(Template)]
#[template(path = "accounts/users_rows.html")]
pub struct UsersRows {
    pub rows: Vec<AccountRow>,
}

/// The rows as HTML by query (trimmed, in lower case), kept with the list they were rendered
/// from: the accounts list is read once per change of it, on any instance (ADR 0010).
pub type UsersRowsCache = RenderedRows<AccountList, String>;

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

async fn search(state: &WebState, viewer: &Viewer, q: &str) -> WebResult<Arc<str>> {
    let found = state.app.search_accounts(&viewer.caller, q, PAGE).await?;
    let layout = &viewer.layout;
    state
        .users_rows
        .get_or_render(&found.all, q.trim().to_lowercase(), || {
            let rows = found.accounts().map(|a| account_row(layout, a)).collect();
            UsersRows { rows }
                .render()
                .map_err(|e| WebError::Internal(format!("the accounts list's rows: {e}")))
        })
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
) -> WebResult<Html<String>> {
    viewer.require(Permission::ADMIN_USERS)?;
    Ok(Html(search(&state, &viewer, &q.q).await?.to_string()))
}
