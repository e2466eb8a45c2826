//! The approver queue (`/standings/queue`): pending requests and revocations, oldest first.
//!
//! The queue lists every pending item, so each row stays light: what the approver needs to judge
//! it, a one-click "Approve" at the default standing, and "Decide…", which opens the full
//! decision (standing, notes, reject with a reason, the diff preview) in the row through htmx, or
//! as its own page without JavaScript. The preview is computed when a decision is opened, not
//! for every row on load.

use super::approval_queue_rows::{ApprovalRow, ApprovalRowsHtml, approval_row};
use super::forms::{bulk_decision, parse_standing};
use super::operations;
use crate::WebState;
use crate::auth::Viewer;
use crate::error::{WebError, WebResult};
use crate::session;
use crate::ui::{IdPath, Layout};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Query, State};
use axum::response::{Html, Redirect};
use jumpgate_app::standings::sync::ChangePreview;
use jumpgate_app::standings::workflow::bulk::{BulkDecision, BulkWork};
use jumpgate_app::{App, Caller};
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::standings::Standing;
use jumpgate_domain::{RequestId, RevocationId};
use jumpgate_store::QueueItem;
use serde::Deserialize;

/// Rendered by its route into a buffer of the page's size (`page`).
#[derive(Template)]
#[template(path = "standings/approval_queue.html")]
pub struct ApprovalsPage {
    pub layout: Layout,
    pub rows: std::sync::Arc<ApprovalRowsHtml>,
    pub default_standing: String,
}

/// The full decision on one queue item: approve with a standing and notes, or reject with a
/// reason, with the diff preview. Opened in the queue's row (htmx) or as `DecidePage`.
#[derive(Template, WebTemplate)]
#[template(path = "standings/decide.html")]
pub struct DecideFragment {
    pub row: ApprovalRow,
    pub revocation: bool,
    pub default_standing: String,
    pub preview: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "standings/decide_page.html")]
pub struct DecidePage {
    pub layout: Layout,
    pub decide: DecideFragment,
}

#[derive(Template, WebTemplate)]
#[template(path = "standings/preview.html")]
pub struct PreviewFragment {
    pub text: String,
}

/// The page around the rows (frame, headings, bulk forms), with room to spare.
const PAGE_FRAME_BYTES: usize = 16 * 1024;

pub async fn page(State(state): State<WebState>, viewer: Viewer) -> WebResult<Html<String>> {
    viewer.require(Permission::STANDINGS_APPROVE)?;
    let queue = state.app.approval_queue(&viewer.caller).await?;
    let default_standing = state.app.settings().standings.default_standing.to_string();
    let rows =
        state
            .approval_rows
            .rows(&viewer.layout, &default_standing, &queue, state.app.now())?;
    // Rendered into a buffer of the page's size: askama's own estimate is a few KiB, and
    // growing to 200 KiB by doubling copied the page eight times over.
    let mut html =
        String::with_capacity(rows.requests.len() + rows.revocations.len() + PAGE_FRAME_BYTES);
    ApprovalsPage {
        rows,
        default_standing,
        layout: viewer.layout,
    }
    .render_into(&mut html)
    .map_err(|e| WebError::Internal(format!("the approver queue: {e}")))?;
    Ok(Html(html))
}

// ----- one decision -----------------------------------------------------------------------------

fn preview_text(p: &ChangePreview) -> String {
    format!(
        "Affects {} enrolled character(s): adds {} contact(s), changes {}, removes {}, {} already up to date.",
        p.characters, p.adds, p.edits, p.deletes, p.unchanged
    )
}

/// The preview of a decision, or why there is none (the decision itself does not need it).
async fn preview_for(
    app: &App,
    caller: &Caller,
    item: &QueueItem,
    standing: Option<Standing>,
) -> String {
    match app.preview_change(caller, item.entity, standing).await {
        Ok(p) => preview_text(&p),
        Err(e) => format!("No preview available: {e}"),
    }
}

/// The pending item a decision is about.
#[derive(Clone, Copy)]
enum Pending {
    Request(RequestId),
    Revocation(RevocationId),
}

impl Pending {
    /// The item as the queue shows it while it is still pending (`None` once decided or
    /// unknown); only an approver may look.
    async fn still_pending(
        self,
        state: &WebState,
        viewer: &Viewer,
    ) -> WebResult<Option<QueueItem>> {
        viewer.require(Permission::STANDINGS_APPROVE)?;
        let (app, caller) = (&state.app, &viewer.caller);
        Ok(match self {
            Self::Request(id) => app.pending_request(caller, id).await?,
            Self::Revocation(id) => app.pending_revocation(caller, id).await?,
        })
    }

    /// What the approver is told when the item is not (or no longer) pending.
    fn missing(self) -> String {
        match self {
            Self::Request(id) => format!("there is no pending standing request #{id}"),
            Self::Revocation(id) => format!("there is no pending removal #{id}"),
        }
    }
}

async fn decision(
    state: &WebState,
    viewer: &Viewer,
    pending: Pending,
) -> WebResult<DecideFragment> {
    let item = pending.still_pending(state, viewer).await?.ok_or_else(|| {
        WebError::NotFound(format!(
            "{}: it may have been decided already",
            pending.missing()
        ))
    })?;
    let app = &state.app;
    let default_standing = app.settings().standings.default_standing;
    let standing = match pending {
        Pending::Request(_) => Some(default_standing),
        Pending::Revocation(_) => None,
    };
    Ok(DecideFragment {
        row: approval_row(&viewer.layout, state.app.now(), &item),
        revocation: matches!(pending, Pending::Revocation(_)),
        default_standing: default_standing.to_string(),
        preview: preview_for(app, &viewer.caller, &item, standing).await,
    })
}

pub async fn decide_request_page(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<RequestId>,
) -> WebResult<DecidePage> {
    decision_page(&state, viewer, Pending::Request(id)).await
}

pub async fn decide_request_fragment(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<RequestId>,
) -> WebResult<DecideFragment> {
    decision(&state, &viewer, Pending::Request(id)).await
}

pub async fn decide_revocation_page(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<RevocationId>,
) -> WebResult<DecidePage> {
    decision_page(&state, viewer, Pending::Revocation(id)).await
}

pub async fn decide_revocation_fragment(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<RevocationId>,
) -> WebResult<DecideFragment> {
    decision(&state, &viewer, Pending::Revocation(id)).await
}

/// The decision as its own page (without JavaScript).
async fn decision_page(
    state: &WebState,
    viewer: Viewer,
    pending: Pending,
) -> WebResult<DecidePage> {
    let decide = decision(state, &viewer, pending).await?;
    Ok(DecidePage {
        decide,
        layout: viewer.layout,
    })
}

#[derive(Deserialize)]
pub struct PreviewQuery {
    #[serde(default)]
    standing: String,
}

pub async fn preview(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<RequestId>,
    Query(q): Query<PreviewQuery>,
) -> WebResult<PreviewFragment> {
    let pending = Pending::Request(id);
    let item = pending.still_pending(&state, &viewer).await?;
    let item = item.ok_or_else(|| WebError::NotFound(pending.missing()))?;
    let standing =
        parse_standing(&q.standing)?.unwrap_or(state.app.settings().standings.default_standing);
    Ok(PreviewFragment {
        text: preview_for(&state.app, &viewer.caller, &item, Some(standing)).await,
    })
}

pub async fn preview_revocation(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<RevocationId>,
) -> WebResult<PreviewFragment> {
    let pending = Pending::Revocation(id);
    let item = pending.still_pending(&state, &viewer).await?;
    let item = item.ok_or_else(|| WebError::NotFound(pending.missing()))?;
    Ok(PreviewFragment {
        text: preview_for(&state.app, &viewer.caller, &item, None).await,
    })
}

// ----- deciding -----------------------------------------------------------------------------------

#[derive(Deserialize)]
pub struct ApproveForm {
    #[serde(default)]
    standing: String,
    #[serde(default)]
    notes: String,
}

#[derive(Deserialize)]
pub struct RejectForm {
    #[serde(default)]
    reason: String,
}

pub async fn approve(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<RequestId>,
    Form(form): Form<ApproveForm>,
) -> WebResult<Redirect> {
    viewer.require(Permission::STANDINGS_APPROVE)?;
    let standing = parse_standing(&form.standing)?;
    let r = state
        .app
        .approve_request(&viewer.caller, id, standing, &form.notes)
        .await?;
    back_to_queue(
        &viewer,
        format!(
            "Approved {} with standing {}.",
            r.name,
            r.standing.map(|s| s.to_string()).unwrap_or_default()
        ),
    )
    .await
}

pub async fn reject(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<RequestId>,
    Form(form): Form<RejectForm>,
) -> WebResult<Redirect> {
    viewer.require(Permission::STANDINGS_APPROVE)?;
    let r = state
        .app
        .reject_request(&viewer.caller, id, &form.reason)
        .await?;
    back_to_queue(&viewer, format!("Rejected the request for {}.", r.name)).await
}

pub async fn bulk_requests(
    State(state): State<WebState>,
    viewer: Viewer,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Redirect> {
    start_bulk_decision(&state, &viewer, &fields, |ids, decision| {
        BulkWork::DecideRequests { ids, decision }
    })
    .await
}

pub async fn approve_revocation(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<RevocationId>,
    Form(form): Form<ApproveForm>,
) -> WebResult<Redirect> {
    viewer.require(Permission::STANDINGS_APPROVE)?;
    let r = state
        .app
        .approve_revocation(&viewer.caller, id, &form.notes)
        .await?;
    back_to_queue(&viewer, format!("The standing of {} was removed.", r.name)).await
}

pub async fn reject_revocation(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<RevocationId>,
    Form(form): Form<RejectForm>,
) -> WebResult<Redirect> {
    viewer.require(Permission::STANDINGS_APPROVE)?;
    let r = state
        .app
        .reject_revocation(&viewer.caller, id, &form.reason)
        .await?;
    back_to_queue(&viewer, format!("The standing of {} stays.", r.name)).await
}

pub async fn bulk_revocations(
    State(state): State<WebState>,
    viewer: Viewer,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Redirect> {
    start_bulk_decision(&state, &viewer, &fields, |ids, decision| {
        BulkWork::DecideRevocations { ids, decision }
    })
    .await
}

/// Starts the decision the bulk form asks for on every ticked item of one queue (`work` says
/// which: requests or revocations).
async fn start_bulk_decision(
    state: &WebState,
    viewer: &Viewer,
    fields: &[(String, String)],
    work: impl FnOnce(Vec<i64>, BulkDecision) -> BulkWork,
) -> WebResult<Redirect> {
    viewer.require(Permission::STANDINGS_APPROVE)?;
    let (ids, decision) = bulk_decision(fields)?;
    operations::start(state, viewer, work(ids, decision)).await
}

/// Shows `message` on the queue the approver returns to after a decision.
async fn back_to_queue(viewer: &Viewer, message: String) -> WebResult<Redirect> {
    session::flash(&viewer.session, message).await;
    Ok(Redirect::to("/standings/queue"))
}
