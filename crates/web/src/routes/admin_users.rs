//! Administrators' view of accounts and characters.

use crate::WebState;
use crate::auth::Viewer;
use crate::error::WebResult;
use crate::pages::{
    AccountRow, AdminCharactersPage, AdminUserPage, AdminUsersPage, AdminUsersRows, CharacterRow,
    RemovedRow,
};
use crate::routes::account::card;
use crate::session;
use crate::ui::{IdPath, Layout, when};
use axum::extract::{Form, Query, State};
use axum::response::Redirect;
use jumpgate_domain::AccountId;
use jumpgate_domain::account::RemovedCharacter;
use jumpgate_domain::permissions::Permission;
use jumpgate_store::AccountSummary;
use serde::Deserialize;

const PAGE: i64 = 100;

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
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

pub fn removed_row(layout: &Layout, r: &RemovedCharacter) -> RemovedRow {
    RemovedRow {
        character_id: r.character.get(),
        name: r.character_name.clone(),
        portrait: layout.portrait(r.character.get(), 64),
        from_account: r.from_account.get(),
        to_account: r.to_account.map(AccountId::get),
        reason: r.reason.describe().to_owned(),
        actor: r.actor.map(AccountId::get),
        when: when(Some(r.removed_at)),
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
) -> WebResult<AdminUsersPage> {
    viewer.require(Permission::ADMIN_USERS)?;
    let rows = search(&state, &viewer, &q.q).await?;
    Ok(AdminUsersPage {
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
) -> WebResult<AdminUsersRows> {
    viewer.require(Permission::ADMIN_USERS)?;
    let rows = search(&state, &viewer, &q.q).await?;
    Ok(AdminUsersRows { rows })
}

pub async fn show(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<AccountId>,
) -> WebResult<AdminUserPage> {
    viewer.require(Permission::ADMIN_USERS)?;
    let view = state.app.account_view(&viewer.caller, id).await?;
    let main_name = view
        .characters
        .iter()
        .find(|c| c.is_main)
        .map_or_else(|| format!("Account {id}"), |c| c.character.name.clone());
    let direct: Vec<String> = state
        .app
        .direct_permissions(&viewer.caller, id)
        .await?
        .into_iter()
        .collect();
    let removed = state
        .app
        .removed_characters(&viewer.caller, Some(id), 100)
        .await?;
    Ok(AdminUserPage {
        account_id: id.get(),
        main_name,
        state: view.account.state.clone(),
        superuser: view.account.superuser,
        characters: view
            .characters
            .iter()
            .map(|c| card(&viewer.layout, c))
            .collect(),
        grantable: Permission::CATALOGUE
            .iter()
            .filter(|(p, _)| !direct.iter().any(|d| d == p))
            .map(|(p, what)| ((*p).to_owned(), (*what).to_owned()))
            .collect(),
        direct_permissions: direct,
        removed: removed
            .iter()
            .map(|r| removed_row(&viewer.layout, r))
            .collect(),
        can_edit_permissions: viewer.caller.grants().allows(Permission::ADMIN_STATES),
        layout: viewer.layout,
    })
}

#[derive(Deserialize)]
pub struct PermissionForm {
    permission: String,
}

pub async fn grant(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<AccountId>,
    Form(form): Form<PermissionForm>,
) -> WebResult<Redirect> {
    viewer.require(Permission::ADMIN_STATES)?;
    state
        .app
        .grant_permission(&viewer.caller, id, &form.permission)
        .await?;
    session::flash(
        &viewer.session,
        format!("Granted {}.", form.permission.trim()),
    )
    .await;
    Ok(Redirect::to(&format!("/admin/users/{id}")))
}

pub async fn revoke(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<AccountId>,
    Form(form): Form<PermissionForm>,
) -> WebResult<Redirect> {
    viewer.require(Permission::ADMIN_STATES)?;
    state
        .app
        .revoke_permission(&viewer.caller, id, &form.permission)
        .await?;
    session::flash(
        &viewer.session,
        format!("Revoked {}.", form.permission.trim()),
    )
    .await;
    Ok(Redirect::to(&format!("/admin/users/{id}")))
}

pub async fn characters(
    State(state): State<WebState>,
    viewer: Viewer,
    Query(q): Query<SearchQuery>,
) -> WebResult<AdminCharactersPage> {
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
    Ok(AdminCharactersPage {
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
