//! `/apps/{id}`'s webhook card and its forms (ADR 0031): set or remove the URL, turn it on or
//! off, make a new signing secret (shown once, on the answer to that form), retry a failed
//! delivery, send a test event. For the application's administrators and managers.

use crate::WebState;
use crate::auth::Viewer;
use crate::error::WebResult;
use crate::session;
use crate::ui::IdPath;
use crate::ui::Layout;
use crate::ui::format::when;
use crate::ui::id_path::form_id;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use jumpgate_app::apps::WebhookOverview;
use jumpgate_domain::AppId;
use jumpgate_domain::apps::webhooks::WebhookDelivery;

/// One delivery as the card lists it.
pub struct DeliveryRow {
    pub id: i64,
    pub event_id: String,
    pub created: String,
    pub attempts: i32,
    pub last_attempt: String,
    pub outcome: String,
}

/// The webhook card of the application's page.
pub struct WebhookCard {
    pub url: String,
    pub enabled: bool,
    pub has_secret: bool,
    pub pending: i64,
    /// "Delivered (200) at …", "Failed: …", or empty before the first attempt.
    pub last: String,
    /// When the next pending delivery is tried, if any.
    pub next_attempt: String,
    pub failed: Vec<DeliveryRow>,
}

/// What the last attempt of `d` came to, in words.
fn outcome(d: &WebhookDelivery) -> String {
    match (&d.last_error, d.last_status) {
        (None, Some(status)) => format!("delivered (HTTP {status})"),
        (Some(error), _) => format!("not delivered: {error}"),
        (None, None) => "not tried yet".to_owned(),
    }
}

fn row(d: &WebhookDelivery) -> DeliveryRow {
    DeliveryRow {
        id: d.id,
        event_id: d.event_id.clone(),
        created: when(Some(d.created_at)),
        attempts: d.attempts,
        last_attempt: when(d.last_attempt_at),
        outcome: outcome(d),
    }
}

impl WebhookCard {
    pub fn from_overview(w: WebhookOverview) -> Self {
        Self {
            url: w.url,
            enabled: w.enabled,
            has_secret: w.has_secret,
            pending: w.deliveries.pending,
            last: w
                .deliveries
                .last
                .as_ref()
                .map(|d| format!("{}, {}", when(d.last_attempt_at), outcome(d)))
                .unwrap_or_default(),
            next_attempt: w
                .deliveries
                .next
                .as_ref()
                .map(|d| when(Some(d.next_attempt_at)))
                .unwrap_or_default(),
            failed: w.deliveries.failed.iter().map(row).collect(),
        }
    }
}

/// The answer to "make a new webhook secret" (or the first URL): the secret, this once.
#[derive(Template, WebTemplate)]
#[template(path = "apps/webhook_secret.html")]
pub struct WebhookSecretPage {
    pub layout: Layout,
    pub id: i64,
    pub secret: String,
}

#[derive(serde::Deserialize)]
pub struct WebhookForm {
    pub url: String,
    /// A checkbox: present when on.
    #[serde(default)]
    pub enabled: Option<String>,
}

async fn saved(viewer: &Viewer, id: AppId, message: &str) -> Redirect {
    session::flash(&viewer.session, message).await;
    Redirect::to(&format!("/apps/{id}"))
}

fn secret_page(viewer: Viewer, id: AppId, secret: String) -> Response {
    let page = WebhookSecretPage {
        layout: viewer.layout,
        id: id.get(),
        secret,
    };
    ([(header::CACHE_CONTROL, "no-store")], page).into_response()
}

/// Sets the URL and whether it is on; the first time, answers with the new signing secret.
pub async fn set(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<AppId>,
    Form(form): Form<WebhookForm>,
) -> WebResult<Response> {
    let enabled = form.enabled.is_some();
    match state
        .app
        .set_app_webhook(&viewer.caller, id, &form.url, enabled)
        .await?
    {
        Some(secret) => Ok(secret_page(viewer, id, secret)),
        None => Ok(saved(
            &viewer,
            id,
            if enabled {
                "Webhook saved: group changes are sent to it within seconds."
            } else {
                "Webhook saved and turned off: nothing is sent until it is turned on."
            },
        )
        .await
        .into_response()),
    }
}

pub async fn clear(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<AppId>,
) -> WebResult<Redirect> {
    state.app.clear_app_webhook(&viewer.caller, id).await?;
    Ok(saved(&viewer, id, "Webhook removed: nothing more is sent.").await)
}

pub async fn make_secret(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<AppId>,
) -> WebResult<Response> {
    let secret = state
        .app
        .make_app_webhook_secret(&viewer.caller, id)
        .await?;
    Ok(secret_page(viewer, id, secret))
}

pub async fn send_test(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<AppId>,
) -> WebResult<Redirect> {
    let event = state.app.send_app_webhook_test(&viewer.caller, id).await?;
    Ok(saved(
        &viewer,
        id,
        &format!("Test event {event} queued: it goes out after anything pending."),
    )
    .await)
}

pub async fn retry(
    State(state): State<WebState>,
    viewer: Viewer,
    Path((id, delivery)): Path<(String, String)>,
) -> WebResult<Redirect> {
    let id: AppId = form_id(&id)?;
    let delivery: i64 = delivery.parse().map_err(|_| {
        crate::error::WebError::BadRequest(format!("'{delivery}' is not a delivery number"))
    })?;
    state
        .app
        .retry_app_webhook_delivery(&viewer.caller, id, delivery)
        .await?;
    Ok(saved(
        &viewer,
        id,
        "Delivery queued again: it is sent within seconds.",
    )
    .await)
}
