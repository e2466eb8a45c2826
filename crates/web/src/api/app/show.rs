//! `GET /app/v1/show`: the calling application's own settings (tools check their credentials
//! with it).

use super::AppCaller;
use super::json::AppJson;
use crate::WebState;
use crate::api::error::ApiResult;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

pub fn router() -> Router<WebState> {
    Router::new().route("/api/app/v1/show", get(show))
}

/// Show app information.
#[utoipa::path(
    get,
    path = "/app/v1/show",
    operation_id = "showV1",
    tag = "Application",
    description = "Needs role: app",
    security(("BearerAuth" = [])),
    responses(
        (status = 200, description = "The app information", body = AppJson),
        (status = 403, description = "Not authorized."),
        (status = 500, description = "", body = String, content_type = "application/json"),
    )
)]
pub(super) async fn show(
    State(state): State<WebState>,
    AppCaller(caller): AppCaller,
) -> ApiResult<Json<AppJson>> {
    let own = state.app.own_application(&caller).await?;
    Ok(Json(AppJson::from(&own)))
}
