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

async fn show(
    State(state): State<WebState>,
    AppCaller(caller): AppCaller,
) -> ApiResult<Json<AppJson>> {
    let own = state.app.own_application(&caller).await?;
    Ok(Json(AppJson::from(&own)))
}
