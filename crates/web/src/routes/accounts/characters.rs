//! Administrators' character search (`/admin/characters`), with the characters removed from
//! their accounts lately.

use super::removed::{RemovedRow, removed_row};
use super::users::{PAGE, SearchQuery};
use crate::WebState;
use crate::auth::Viewer;
use crate::error::{WebError, WebResult};
use crate::ui::{Layout, RenderedRows};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use jumpgate_app::accounts::admin::CharacterList;
use jumpgate_domain::permissions::Permission;
use jumpgate_store::ListedCharacter;
use std::sync::Arc;

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
    /// The characters found and the removals, rendered once per list read and query
    /// ([`CharactersTablesCache`]).
    pub tables: Arc<str>,
}

#[derive(Template)]
#[template(path = "accounts/characters_tables.html")]
pub struct CharactersTables {
    pub rows: Vec<CharacterRow>,
    pub removed: Vec<RemovedRow>,
}

/// The tables as HTML by query (trimmed, in lower case), kept with the list they were rendered
/// from: the character list is read once per change of it, on any instance (ADR 0010).
pub type CharactersTablesCache = RenderedRows<CharacterList, String>;

fn character_row(layout: &Layout, c: &ListedCharacter) -> CharacterRow {
    CharacterRow {
        id: c.id.get(),
        name: c.name.clone(),
        portrait: layout.portrait(c.id.get(), 64),
        account: c.account.get(),
        corporation: c.corporation.get(),
        alliance: c.alliance.map(|a| a.get()),
    }
}

pub async fn characters(
    State(state): State<WebState>,
    viewer: Viewer,
    Query(q): Query<SearchQuery>,
) -> WebResult<CharactersPage> {
    viewer.require(Permission::ADMIN_USERS)?;
    let found = state
        .app
        .search_characters(&viewer.caller, &q.q, PAGE)
        .await?;
    let layout = &viewer.layout;
    let tables =
        state
            .characters_tables
            .get_or_render(&found.all, q.q.trim().to_lowercase(), || {
                CharactersTables {
                    rows: found
                        .characters()
                        .map(|c| character_row(layout, c))
                        .collect(),
                    removed: found
                        .all
                        .removed
                        .iter()
                        .map(|r| removed_row(layout, r))
                        .collect(),
                }
                .render()
                .map_err(|e| WebError::Internal(format!("the character search's tables: {e}")))
            })?;
    Ok(CharactersPage {
        query: q.q,
        tables,
        layout: viewer.layout,
    })
}
