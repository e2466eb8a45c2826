//! Administrators' character search (`/admin/characters`), with the characters removed from
//! their accounts lately.

use super::removed::{RemovedRow, removed_row};
use super::users::{PAGE, SearchQuery};
use crate::WebState;
use crate::auth::Viewer;
use crate::error::WebResult;
use crate::ui::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use jumpgate_domain::permissions::Permission;

#[derive(Debug, Clone)]
pub struct CharacterRow {
    pub id: i64,
    pub name: String,
    pub portrait: String,
    pub account: i64,
    pub corporation: i64,
    pub alliance: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "accounts/characters.html")]
pub struct CharactersPage {
    pub layout: Layout,
    pub query: String,
    pub rows: Vec<CharacterRow>,
    pub removed: Vec<RemovedRow>,
}

pub async fn characters(
    State(state): State<WebState>,
    viewer: Viewer,
    Query(q): Query<SearchQuery>,
) -> WebResult<CharactersPage> {
    viewer.require(Permission::ADMIN_USERS)?;
    let found = if q.q.trim().is_empty() {
        Vec::new()
    } else {
        state
            .app
            .search_characters(&viewer.caller, &q.q, PAGE)
            .await?
    };
    let removed = state
        .app
        .removed_characters(&viewer.caller, None, PAGE)
        .await?;
    Ok(CharactersPage {
        rows: found
            .iter()
            .map(|c| CharacterRow {
                id: c.id.get(),
                name: c.name.clone(),
                portrait: viewer.layout.portrait(c.id.get(), 64),
                account: c.account.get(),
                corporation: c.corporation.get(),
                alliance: c.alliance.map(|a| a.get()),
            })
            .collect(),
        removed: removed
            .iter()
            .map(|r| removed_row(&viewer.layout, r))
            .collect(),
        query: q.q,
        layout: viewer.layout,
    })
}
