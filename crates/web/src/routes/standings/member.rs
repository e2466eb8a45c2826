//! The member page (`/standings`): a member's characters and corporations with their status,
//! requests, cancellations, removal requests and notifications.

use crate::WebState;
use crate::auth::Viewer;
use crate::error::{WebError, WebResult};
use crate::session;
use crate::ui::id_path::form_number;
use crate::ui::{IdPath, Layout, when};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, State};
use axum::response::{IntoResponse, Redirect, Response};
use jumpgate_app::standings::SYNC_LOGIN;
use jumpgate_app::standings::workflow::SubjectRow;
use jumpgate_app::standings::workflow::eligibility::SubjectStatus;
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::standings::{Entity, EntityKind};
use jumpgate_domain::{RequestId, RevocationId};
use serde::Deserialize;
use time::OffsetDateTime;

/// A member's character or corporation with its status.
#[derive(Debug, Clone)]
pub struct SubjectView {
    /// `character` or `corporation`.
    pub kind: String,
    pub id: i64,
    pub name: String,
    pub image: String,
    /// `approved`, `pending`, `missing-scopes`, `can-request`, `not-eligible`.
    pub status: String,
    pub status_label: String,
    pub standing: String,
    pub reason: String,
    pub request_id: Option<i64>,
    pub revocation_id: Option<i64>,
    pub can_request: bool,
    pub can_revoke: bool,
    pub add_scopes: bool,
    /// Corporations: "3 of 5 members covered …".
    pub coverage: String,
}

#[derive(Debug, Clone)]
pub struct HistoryRow {
    pub id: i64,
    pub what: String,
    pub name: String,
    pub state: String,
    pub created: String,
    pub decided: String,
    pub note: String,
    pub cancellable: bool,
    /// `request` or `revocation` (for the cancel URL).
    pub kind: String,
}

#[derive(Debug, Clone)]
pub struct NotificationRow {
    pub message: String,
    pub link: String,
    pub at: String,
    pub unread: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "standings/member.html")]
pub struct MemberPage {
    pub layout: Layout,
    pub characters: Vec<SubjectView>,
    pub corporations: Vec<SubjectView>,
    pub history: Vec<HistoryRow>,
    pub notifications: Vec<NotificationRow>,
    pub unread: usize,
    pub coverage_rule: String,
    pub sync_login: String,
}

fn subject_view(layout: &Layout, row: &SubjectRow) -> SubjectView {
    let (status, standing, reason, request_id, revocation_id) = match &row.status {
        SubjectStatus::Approved {
            standing,
            revocation_id,
        } => (
            "approved",
            standing.to_string(),
            String::new(),
            None,
            revocation_id.map(RevocationId::get),
        ),
        SubjectStatus::Pending { request_id } => (
            "pending",
            String::new(),
            String::new(),
            Some(request_id.get()),
            None,
        ),
        SubjectStatus::MissingScopes { reason } => {
            ("missing-scopes", String::new(), reason.clone(), None, None)
        }
        SubjectStatus::CanRequest => ("can-request", String::new(), String::new(), None, None),
        SubjectStatus::NotEligible { reason } => {
            ("not-eligible", String::new(), reason.clone(), None, None)
        }
    };
    SubjectView {
        kind: row.entity.kind.as_str().to_owned(),
        id: row.entity.id,
        name: row.name.clone(),
        image: layout.entity_image(row.entity),
        status: status.to_owned(),
        status_label: row.status.label().to_owned(),
        standing,
        reason,
        request_id,
        revocation_id,
        can_request: matches!(row.status, SubjectStatus::CanRequest),
        can_revoke: matches!(
            row.status,
            SubjectStatus::Approved {
                revocation_id: None,
                ..
            }
        ),
        add_scopes: matches!(row.status, SubjectStatus::MissingScopes { .. }),
        coverage: row
            .coverage
            .as_ref()
            .map(|c| c.summary())
            .unwrap_or_default(),
    }
}

// ----- the member page ------------------------------------------------------------------------

pub async fn member(State(state): State<WebState>, viewer: Viewer) -> WebResult<Response> {
    viewer.require(Permission::STANDINGS_REQUEST)?;
    let o = state.app.standings_overview(&viewer.caller).await?;
    let layout = &viewer.layout;
    let mut history: Vec<(OffsetDateTime, HistoryRow)> = o
        .history
        .requests
        .iter()
        .map(|r| {
            (
                r.created_at,
                HistoryRow {
                    id: r.id.get(),
                    what: "Request".to_owned(),
                    name: r.name.clone(),
                    state: r.state.as_str().to_owned(),
                    created: when(Some(r.created_at)),
                    decided: r.decided_at.map(|d| when(Some(d))).unwrap_or_default(),
                    note: match (r.standing, r.decision_note.as_deref()) {
                        (Some(s), Some(n)) if !n.is_empty() => format!("{s} · {n}"),
                        (Some(s), _) => s.to_string(),
                        (None, Some(n)) => n.to_owned(),
                        (None, None) => String::new(),
                    },
                    cancellable: r.state.is_pending(),
                    kind: "requests".to_owned(),
                },
            )
        })
        .collect();
    history.extend(o.history.revocations.iter().map(|r| {
        (
            r.created_at,
            HistoryRow {
                id: r.id.get(),
                what: "Removal".to_owned(),
                name: r.name.clone(),
                state: r.state.as_str().to_owned(),
                created: when(Some(r.created_at)),
                decided: r.decided_at.map(|d| when(Some(d))).unwrap_or_default(),
                note: r.decision_note.clone().unwrap_or_default(),
                cancellable: r.state.is_pending(),
                kind: "revocations".to_owned(),
            },
        )
    }));
    history.sort_by_key(|h| std::cmp::Reverse(h.0));
    let notifications: Vec<NotificationRow> = o
        .notifications
        .iter()
        .map(|n| NotificationRow {
            message: n.message.clone(),
            link: n.link.clone().unwrap_or_default(),
            at: when(Some(n.created_at)),
            unread: n.read_at.is_none(),
        })
        .collect();
    let page = MemberPage {
        characters: o
            .characters
            .iter()
            .map(|r| subject_view(layout, r))
            .collect(),
        corporations: o
            .corporations
            .iter()
            .map(|r| subject_view(layout, r))
            .collect(),
        history: history.into_iter().map(|(_, h)| h).collect(),
        unread: notifications.iter().filter(|n| n.unread).count(),
        notifications,
        coverage_rule: o.coverage_rule.describe(),
        sync_login: SYNC_LOGIN.to_owned(),
        layout: viewer.layout,
    };
    Ok(page.into_response())
}

fn parse_entity(s: &str) -> WebResult<Entity> {
    let (kind, id) = s.split_once(':').ok_or_else(|| {
        WebError::BadRequest(format!(
            "'{s}' is not an entity: expected e.g. character:90000001"
        ))
    })?;
    let kind = EntityKind::parse(kind).map_err(|e| WebError::BadRequest(e.to_string()))?;
    Ok(Entity {
        kind,
        id: form_number(kind.as_str(), id)?,
    })
}

/// `entity=character:1&entity=corporation:2` (one or several, for bulk).
pub async fn request(
    State(state): State<WebState>,
    viewer: Viewer,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Redirect> {
    viewer.require(Permission::STANDINGS_REQUEST)?;
    let entities = fields
        .iter()
        .filter(|(k, _)| k == "entity")
        .map(|(_, v)| parse_entity(v))
        .collect::<WebResult<Vec<_>>>()?;
    if entities.is_empty() {
        return Err(WebError::BadRequest(
            "tick at least one character or corporation to request a standing for".to_owned(),
        ));
    }
    if let [one] = entities.as_slice() {
        let r = state.app.request_standing(&viewer.caller, *one).await?;
        session::flash(
            &viewer.session,
            format!(
                "Standing requested for {}. An approver will decide.",
                r.name
            ),
        )
        .await;
        return Ok(Redirect::to("/standings"));
    }
    let results = state
        .app
        .request_standings(&viewer.caller, &entities)
        .await?;
    let ok: Vec<String> = results
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok().map(|r| r.name.clone()))
        .collect();
    let failed: Vec<String> = results
        .iter()
        .filter_map(|(e, r)| r.as_ref().err().map(|err| format!("{e}: {err}")))
        .collect();
    let mut msg = format!("{} standing(s) requested", ok.len());
    if !ok.is_empty() {
        msg.push_str(&format!(" ({})", ok.join(", ")));
    }
    msg.push('.');
    if !failed.is_empty() {
        msg.push_str(&format!(" Not requested: {}.", failed.join("; ")));
    }
    session::flash(&viewer.session, msg).await;
    Ok(Redirect::to("/standings"))
}

pub async fn cancel_request(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<RequestId>,
) -> WebResult<Redirect> {
    let r = state.app.cancel_request(&viewer.caller, id).await?;
    session::flash(
        &viewer.session,
        format!("Request for {} cancelled.", r.name),
    )
    .await;
    Ok(Redirect::to("/standings"))
}

#[derive(Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    entity_id: String,
}

pub async fn revoke(
    State(state): State<WebState>,
    viewer: Viewer,
    Form(form): Form<RevokeForm>,
) -> WebResult<Redirect> {
    viewer.require(Permission::STANDINGS_REQUEST)?;
    let id = form_number("entity", &form.entity_id)?;
    let r = state.app.request_revocation(&viewer.caller, id).await?;
    let msg = if r.state.is_pending() {
        format!(
            "Removal of the standing of {} requested. An approver will decide.",
            r.name
        )
    } else {
        format!("The standing of {} was removed.", r.name)
    };
    session::flash(&viewer.session, msg).await;
    Ok(Redirect::to("/standings"))
}

pub async fn cancel_revocation(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<RevocationId>,
) -> WebResult<Redirect> {
    let r = state.app.cancel_revocation(&viewer.caller, id).await?;
    session::flash(
        &viewer.session,
        format!("Removal request for {} cancelled.", r.name),
    )
    .await;
    Ok(Redirect::to("/standings"))
}

pub async fn mark_read(State(state): State<WebState>, viewer: Viewer) -> WebResult<Redirect> {
    let n = state.app.mark_notifications_read(&viewer.caller).await?;
    session::flash(&viewer.session, format!("{n} notification(s) marked read.")).await;
    Ok(Redirect::to("/standings"))
}
