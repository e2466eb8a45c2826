//! Administrators' list of accounts (`/admin/users`), searched as one types (the rows alone at
//! `/admin/users/rows`, for htmx), or the accounts of one corporation (`?corporation=ID`, any of
//! their characters) or one group (`?group=ID`).

use crate::WebState;
use crate::auth::Viewer;
use crate::error::{WebError, WebResult};
use crate::ui::{Layout, RenderedRows, when};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::Html;
use jumpgate_app::accounts::admin::AccountList;
use jumpgate_app::accounts::search::AccountFilter;
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::{CorporationId, GroupId};
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
    /// What the list is filtered by ("in the group Scouts"); empty: searched by name.
    pub filter: String,
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
    /// Only the accounts with a character in this corporation (its id).
    pub corporation: Option<String>,
    /// Only the accounts in this group (its id).
    pub group: Option<String>,
}

impl SearchQuery {
    /// The filter asked for, if any; an id that is not a positive whole number is refused.
    fn filter(&self) -> WebResult<Option<AccountFilter>> {
        let id = |what: &str, text: &str| {
            text.trim()
                .parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .ok_or_else(|| {
                    WebError::BadRequest(format!(
                        "'{}' is not a {what} id: expected a positive whole number",
                        text.trim()
                    ))
                })
        };
        Ok(match (&self.corporation, &self.group) {
            (Some(c), _) => Some(AccountFilter::Corporation(CorporationId(id(
                "corporation",
                c,
            )?))),
            (None, Some(g)) => Some(AccountFilter::Group(GroupId(id("group", g)?))),
            (None, None) => None,
        })
    }
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
    if let Some(filter) = q.filter()? {
        let found = state.app.accounts_by(&viewer.caller, filter, PAGE).await?;
        let rows = found
            .accounts
            .iter()
            .map(|a| account_row(&viewer.layout, a))
            .collect();
        let rows = UsersRows { rows }
            .render()
            .map_err(|e| WebError::Internal(format!("the accounts list's rows: {e}")))?;
        return Ok(UsersPage {
            layout: viewer.layout,
            query: String::new(),
            filter: found.label,
            rows: rows.into(),
        });
    }
    let rows = search(&state, &viewer, &q.q).await?;
    Ok(UsersPage {
        layout: viewer.layout,
        query: q.q,
        filter: String::new(),
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
