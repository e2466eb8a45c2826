//! A bulk operation's page (`/standings/operations/{id}`) and its progress fragment, which
//! htmx polls every second until the operation is over (without JavaScript the page refreshes
//! itself). The forms that start operations live with their resources (`queue`, `entries`)
//! and redirect here.

use crate::WebState;
use crate::auth::Viewer;
use crate::error::WebResult;
use crate::ui::{IdPath, Layout, when};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Redirect;
use jumpgate_app::standings::workflow::bulk::{BulkView, BulkWork};
use jumpgate_domain::BulkOperationId;

#[derive(Template, WebTemplate)]
#[template(path = "standings/operation_progress.html")]
pub struct ProgressFragment {
    pub id: i64,
    /// `queued`, `running`, `finished` or `failed` (the badge's class).
    pub status: String,
    pub step: String,
    pub total: i64,
    pub done: i64,
    pub failed: i64,
    /// Done and failed out of total, 0–100.
    pub percent: i64,
    pub summary: String,
    pub problems: Vec<String>,
    /// Nothing more will happen: stop polling.
    pub over: bool,
    pub return_to: String,
    pub return_label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "standings/operation.html")]
pub struct OperationPage {
    pub layout: Layout,
    pub title: String,
    pub started: String,
    pub progress: ProgressFragment,
}

/// Starts `work` and sends the browser to its page.
pub async fn start(state: &WebState, viewer: &Viewer, work: BulkWork) -> WebResult<Redirect> {
    let op = state.app.start_bulk(&viewer.caller, work).await?;
    Ok(Redirect::to(&format!("/standings/operations/{}", op.id)))
}

fn fragment(view: &BulkView) -> ProgressFragment {
    let p = &view.operation.progress;
    let (return_to, return_label) = view.work.return_to();
    let handled = p.done + p.failed;
    let percent = match (p.status.is_over(), p.total) {
        (true, _) => 100,
        (false, 0) => 0,
        (false, total) => (handled * 100 / total).clamp(0, 100),
    };
    ProgressFragment {
        id: view.operation.id.get(),
        status: p.status.as_str().to_owned(),
        step: p.step.clone(),
        total: p.total,
        done: p.done,
        failed: p.failed,
        percent,
        summary: p.summary.clone(),
        problems: p.problems.clone(),
        over: p.status.is_over(),
        return_to: return_to.to_owned(),
        return_label: return_label.to_owned(),
    }
}

async fn view(state: &WebState, viewer: &Viewer, id: BulkOperationId) -> WebResult<BulkView> {
    Ok(state.app.bulk_operation(&viewer.caller, id).await?)
}

pub async fn page(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<BulkOperationId>,
) -> WebResult<OperationPage> {
    let view = view(&state, &viewer, id).await?;
    Ok(OperationPage {
        title: view.work.title(),
        started: when(Some(view.operation.created_at)),
        progress: fragment(&view),
        layout: viewer.layout,
    })
}

pub async fn progress(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<BulkOperationId>,
) -> WebResult<ProgressFragment> {
    Ok(fragment(&view(&state, &viewer, id).await?))
}
