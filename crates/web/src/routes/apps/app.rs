//! `/apps/{id}`: one application. Its administrators (`admin.apps`) choose its roles, groups,
//! EVE logins and managers, rename and delete it; its managers make its secret, which is shown
//! on the answer to that form and never again. Both see its calls per hour, day and month.

use super::list::NameForm;
use crate::WebState;
use crate::auth::Viewer;
use crate::error::{WebError, WebResult};
use crate::session;
use crate::ui::format::when;
use crate::ui::id_path::form_id;
use crate::ui::{IdPath, Layout};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use jumpgate_domain::apps::AppRole;
use jumpgate_domain::{AccountId, AppId, GroupId};

pub struct Choice {
    pub value: String,
    pub label: String,
    pub hint: String,
    pub checked: bool,
}

pub struct Manager {
    pub account: i64,
    pub name: String,
}

pub struct Count {
    pub when: String,
    pub requests: u64,
}

#[derive(Template, WebTemplate)]
#[template(path = "apps/app.html")]
pub struct AppPage {
    pub layout: Layout,
    pub id: i64,
    pub name: String,
    pub created: String,
    pub has_secret: bool,
    pub may_edit: bool,
    pub manages: bool,
    pub roles: Vec<Choice>,
    pub groups: Vec<Choice>,
    pub logins: Vec<Choice>,
    pub managers: Vec<Manager>,
    pub hourly: Vec<Count>,
    pub daily: Vec<Count>,
    pub monthly: Vec<Count>,
    /// The webhook card, for whoever may set it; `None` inside: no webhook yet.
    pub shows_webhook: bool,
    pub webhook: Option<super::webhook::WebhookCard>,
}

/// The answer to "make a new secret": the secret, this once.
#[derive(Template, WebTemplate)]
#[template(path = "apps/secret.html")]
pub struct SecretPage {
    pub layout: Layout,
    pub id: i64,
    pub name: String,
    pub secret: String,
}

pub async fn show(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<AppId>,
) -> WebResult<AppPage> {
    let d = state
        .app
        .app_details(&viewer.caller, id, state.app.now())
        .await?;
    let webhook = state
        .app
        .app_webhook_overview(&viewer.caller, id)
        .await?
        .map(super::webhook::WebhookCard::from_overview);
    let choice = |value: String, label: String, hint: String, checked: bool| Choice {
        value,
        label,
        hint,
        checked,
    };
    Ok(AppPage {
        id: d.app.id.get(),
        created: when(Some(d.app.created_at)),
        has_secret: d.app.has_secret,
        may_edit: d.may_edit,
        manages: d.manages,
        roles: AppRole::GIVEN
            .into_iter()
            .filter(|r| d.may_edit || d.app.has_role(*r))
            .map(|r| {
                choice(
                    r.as_str().to_owned(),
                    r.as_str().to_owned(),
                    r.description().to_owned(),
                    d.app.has_role(r),
                )
            })
            .collect(),
        groups: if d.may_edit { &d.all_groups } else { &d.groups }
            .iter()
            .map(|(g, name)| {
                choice(
                    g.to_string(),
                    name.clone(),
                    String::new(),
                    d.app.groups.contains(g),
                )
            })
            .collect(),
        logins: if d.may_edit {
            d.all_logins.clone()
        } else {
            d.app.eve_logins.iter().cloned().collect()
        }
        .into_iter()
        .map(|l| {
            let checked = d.app.eve_logins.contains(&l);
            choice(l.clone(), l, String::new(), checked)
        })
        .collect(),
        managers: d
            .managers
            .iter()
            .map(|(a, name)| Manager {
                account: a.get(),
                name: name.clone().unwrap_or_else(|| format!("account #{a}")),
            })
            .collect(),
        hourly: d
            .statistics
            .hourly
            .iter()
            .map(|(h, n)| Count {
                when: when(Some(*h)),
                requests: *n,
            })
            .collect(),
        daily: d
            .statistics
            .daily
            .iter()
            .map(|(day, n)| Count {
                when: day.to_string(),
                requests: *n,
            })
            .collect(),
        monthly: d
            .statistics
            .monthly
            .iter()
            .map(|((y, m), n)| Count {
                when: format!("{y}-{m:02}"),
                requests: *n,
            })
            .collect(),
        shows_webhook: d.may_edit || d.manages,
        webhook,
        name: d.app.name,
        layout: viewer.layout,
    })
}

/// The values of every field named `name` in a checkbox form.
fn values<'a>(fields: &'a [(String, String)], name: &str) -> impl Iterator<Item = &'a str> {
    fields
        .iter()
        .filter(move |(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

async fn saved(viewer: &Viewer, id: AppId, message: &str) -> Redirect {
    session::flash(&viewer.session, message).await;
    Redirect::to(&format!("/apps/{id}"))
}

pub async fn rename(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<AppId>,
    Form(form): Form<NameForm>,
) -> WebResult<Redirect> {
    state.app.rename_app(&viewer.caller, id, &form.name).await?;
    Ok(saved(&viewer, id, "Renamed.").await)
}

pub async fn set_roles(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<AppId>,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Redirect> {
    let roles = values(&fields, "role")
        .map(AppRole::parse)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| WebError::BadRequest(e.to_string()))?;
    state.app.set_app_roles(&viewer.caller, id, &roles).await?;
    Ok(saved(&viewer, id, "Roles saved.").await)
}

pub async fn set_groups(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<AppId>,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Redirect> {
    let groups = values(&fields, "group")
        .map(form_id::<GroupId>)
        .collect::<WebResult<Vec<_>>>()?;
    state
        .app
        .set_app_groups(&viewer.caller, id, &groups)
        .await?;
    Ok(saved(
        &viewer,
        id,
        "Groups saved: the application sees these groups only.",
    )
    .await)
}

pub async fn set_logins(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<AppId>,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Redirect> {
    let logins: Vec<String> = values(&fields, "login").map(str::to_owned).collect();
    state
        .app
        .set_app_eve_logins(&viewer.caller, id, &logins)
        .await?;
    Ok(saved(&viewer, id, "EVE logins saved.").await)
}

#[derive(serde::Deserialize)]
pub struct ManagerForm {
    pub character: String,
}

pub async fn add_manager(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<AppId>,
    Form(form): Form<ManagerForm>,
) -> WebResult<Redirect> {
    state
        .app
        .add_app_manager(&viewer.caller, id, &form.character)
        .await?;
    Ok(saved(
        &viewer,
        id,
        "Manager added: they were told, and can make the secret now.",
    )
    .await)
}

pub async fn remove_manager(
    State(state): State<WebState>,
    viewer: Viewer,
    Path((id, account)): Path<(String, String)>,
) -> WebResult<Redirect> {
    let id: AppId = form_id(&id)?;
    let account: AccountId = form_id(&account)?;
    state
        .app
        .remove_app_manager(&viewer.caller, id, account)
        .await?;
    Ok(saved(&viewer, id, "Manager removed.").await)
}

/// Makes a new secret and shows it once; the answer is never cached.
pub async fn make_secret(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<AppId>,
) -> WebResult<Response> {
    let secret = state.app.make_app_secret(&viewer.caller, id).await?;
    let details = state
        .app
        .app_details(&viewer.caller, id, state.app.now())
        .await?;
    let page = SecretPage {
        layout: viewer.layout,
        id: id.get(),
        name: details.app.name,
        secret,
    };
    Ok(([(header::CACHE_CONTROL, "no-store")], page).into_response())
}

pub async fn delete(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<AppId>,
) -> WebResult<Redirect> {
    state.app.delete_app(&viewer.caller, id).await?;
    session::flash(
        &viewer.session,
        "Application deleted: its secret no longer works.",
    )
    .await;
    Ok(Redirect::to("/apps"))
}
