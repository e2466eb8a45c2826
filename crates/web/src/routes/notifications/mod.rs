//! A person's notifications (`/notifications`): the latest, newest first, unread ones marked,
//! each linking where it leads; "Mark all read" empties the bell. The bell itself is in the bar
//! of every page (`auth.rs` reads the count with the viewer).

use crate::WebState;
use crate::auth::Viewer;
use crate::error::WebResult;
use crate::session;
use crate::ui::Layout;
use crate::ui::format::when;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::Redirect;
use axum::routing::{get, post};

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/notifications", get(show))
        .route("/notifications/read", post(mark_read))
}

pub struct NotificationRow {
    pub message: String,
    pub link: Option<String>,
    pub at: String,
    pub unread: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "notifications/list.html")]
pub struct NotificationsPage {
    pub layout: Layout,
    pub rows: Vec<NotificationRow>,
    pub unread: usize,
}

async fn show(State(state): State<WebState>, viewer: Viewer) -> WebResult<NotificationsPage> {
    let rows: Vec<NotificationRow> = state
        .app
        .notifications(&viewer.caller)
        .await?
        .iter()
        .map(|n| NotificationRow {
            message: n.message.clone(),
            link: n.link.clone(),
            at: when(Some(n.created_at)),
            unread: n.read_at.is_none(),
        })
        .collect();
    Ok(NotificationsPage {
        unread: rows.iter().filter(|r| r.unread).count(),
        layout: viewer.layout,
        rows,
    })
}

async fn mark_read(State(state): State<WebState>, viewer: Viewer) -> WebResult<Redirect> {
    let n = state.app.mark_notifications_read(&viewer.caller).await?;
    session::flash(&viewer.session, format!("{n} notification(s) marked read.")).await;
    Ok(Redirect::to("/notifications"))
}
