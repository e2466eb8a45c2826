//! A group's page (`/groups/{id}`): what it is and the viewer's place in it; for its managers
//! the applications waiting (accept with a note, deny with a reason), the last decisions, and
//! the members (add by character, remove with a note).

use crate::WebState;
use crate::auth::Viewer;
use crate::error::WebResult;
use crate::session;
use crate::ui::format::when;
use crate::ui::id_path::form_id;
use crate::ui::{IdPath, Layout};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, State};
use axum::response::Redirect;
use jumpgate_app::groups::manage::{Applicant, NamedAccount};
use jumpgate_domain::groups::{MAX_APPLICATION_MESSAGE, MAX_REASON};
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::{AccountId, CharacterId, GroupApplicationId, GroupId};
use serde::Deserialize;

/// An account as a page names it: its main, else its number.
pub(super) fn named(account: AccountId, main: Option<&(CharacterId, String)>) -> String {
    main.map_or_else(|| format!("Account #{account}"), |(_, n)| n.clone())
}

#[derive(Debug, Clone)]
pub struct ApplicantRow {
    pub id: i64,
    pub account_id: i64,
    pub who: String,
    pub message: String,
    pub filed: String,
    pub status: &'static str,
    pub reason: String,
    pub decided: String,
    /// The viewer's own application: a manager does not decide it.
    pub own: bool,
}

#[derive(Debug, Clone)]
pub struct MemberRow {
    pub account_id: i64,
    pub who: String,
    pub why: &'static str,
    pub since: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "groups/group.html")]
pub struct GroupPage {
    pub layout: Layout,
    pub id: i64,
    pub name: String,
    pub description: String,
    pub visibility: &'static str,
    pub auto_accept: bool,
    pub permissions: Vec<String>,
    pub is_member: bool,
    /// The viewer's membership is given by the group's rules: it cannot be left.
    pub given_by_rules: bool,
    pub manages: bool,
    /// The viewer's pending application; 0 when none.
    pub own_pending: i64,
    pub may_apply: bool,
    pub pending: Vec<ApplicantRow>,
    pub decided: Vec<ApplicantRow>,
    pub members: Vec<MemberRow>,
    pub managers: Vec<String>,
    pub manager_groups: Vec<String>,
    pub max_message: usize,
    pub max_reason: usize,
    /// Whether people link to their account's page (the viewer administers users).
    pub link_accounts: bool,
}

fn applicant_row(a: &Applicant, viewer: AccountId) -> ApplicantRow {
    let app = &a.application;
    ApplicantRow {
        id: app.id.get(),
        account_id: app.account.get(),
        who: named(app.account, a.main.as_ref()),
        message: app.message.clone(),
        filed: when(Some(app.created_at)),
        status: app.status.as_str(),
        reason: app.decision_reason.clone().unwrap_or_default(),
        decided: app.decided_at.map(|t| when(Some(t))).unwrap_or_default(),
        own: app.account == viewer,
    }
}

fn manager_name(m: &NamedAccount) -> String {
    named(m.account, m.main.as_ref())
}

pub async fn show(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<GroupId>,
) -> WebResult<GroupPage> {
    let v = state.app.group_view(&viewer.caller, id).await?;
    let g = &v.group;
    Ok(GroupPage {
        id: g.id.get(),
        name: g.name.clone(),
        description: g.description.clone(),
        visibility: g.visibility.as_str(),
        auto_accept: g.auto_accept,
        permissions: g.permissions.iter().cloned().collect(),
        is_member: v.relation.member,
        given_by_rules: v
            .membership
            .as_ref()
            .is_some_and(|m| m.source == jumpgate_domain::groups::MembershipSource::Automatic),
        manages: v.relation.manages,
        own_pending: v.own_application.as_ref().map_or(0, |a| a.id.get()),
        may_apply: !v.relation.member
            && v.own_application.is_none()
            && g.visibility == jumpgate_domain::groups::Visibility::Public
            && !g.is_restricted(),
        pending: v
            .pending
            .iter()
            .map(|a| applicant_row(a, viewer.account))
            .collect(),
        decided: v
            .decided
            .iter()
            .map(|a| applicant_row(a, viewer.account))
            .collect(),
        members: v
            .members
            .iter()
            .map(|m| MemberRow {
                account_id: m.membership.account.get(),
                who: named(m.membership.account, m.main.as_ref()),
                why: m.membership.source.describe(),
                since: when(Some(m.membership.added_at)),
            })
            .collect(),
        managers: v.managers.iter().map(manager_name).collect(),
        manager_groups: v.manager_groups.iter().map(|(_, n)| n.clone()).collect(),
        max_message: MAX_APPLICATION_MESSAGE,
        max_reason: MAX_REASON,
        link_accounts: viewer.caller.allows(Permission::ADMIN_USERS),
        layout: viewer.layout,
    })
}

/// Back to the group's page after a decision on one of its applications.
fn back_to(group: GroupId) -> Redirect {
    Redirect::to(&format!("/groups/{group}"))
}

#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    note: String,
}

pub async fn accept(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<GroupApplicationId>,
    Form(form): Form<NoteForm>,
) -> WebResult<Redirect> {
    let accepted = state
        .app
        .accept_group_application(&viewer.caller, id, &form.note)
        .await?;
    session::flash(
        &viewer.session,
        format!("Application #{id} accepted: the applicant is a member and has been told."),
    )
    .await;
    Ok(back_to(accepted.group))
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

pub async fn deny(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<GroupApplicationId>,
    Form(form): Form<ReasonForm>,
) -> WebResult<Redirect> {
    let denied = state
        .app
        .deny_group_application(&viewer.caller, id, &form.reason)
        .await?;
    session::flash(
        &viewer.session,
        format!("Application #{id} denied: the applicant has been told why."),
    )
    .await;
    Ok(back_to(denied.group))
}

#[derive(Deserialize)]
pub struct AddMemberForm {
    #[serde(default)]
    character: String,
}

pub async fn add_member(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<GroupId>,
    Form(form): Form<AddMemberForm>,
) -> WebResult<Redirect> {
    let (_, name) = state
        .app
        .add_member_to_group(&viewer.caller, id, &form.character)
        .await?;
    session::flash(&viewer.session, format!("{name} added.")).await;
    Ok(back_to(id))
}

#[derive(Deserialize)]
pub struct RemoveMemberForm {
    #[serde(default)]
    account: String,
    #[serde(default)]
    note: String,
}

pub async fn remove_member(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<GroupId>,
    Form(form): Form<RemoveMemberForm>,
) -> WebResult<Redirect> {
    let account = form_id::<AccountId>(&form.account)?;
    state
        .app
        .remove_member_from_group(&viewer.caller, id, account, &form.note)
        .await?;
    session::flash(&viewer.session, "Member removed and told.".to_owned()).await;
    Ok(back_to(id))
}
