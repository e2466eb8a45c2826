//! The ESI tokens of EVE logins: which characters hold one (`app-esi-login`:
//! `GET /app/v1/esi/eve-login/{name}/characters` and `…/token-data`) and a character's access
//! token (`app-esi-token`: `GET /app/v1/esi/access-token/{characterId}?eveLoginName=`).
//!
//! The access token's answer is the only place the API hands out a secret: it is written into
//! the body and nowhere else (no log line, no error message holds it).

use super::AppCaller;
use super::groups::path_id;
use super::json::{EsiAccessTokenJson, EsiTokenDataJson};
use crate::WebState;
use crate::api::error::ApiResult;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use jumpgate_app::AppError;
use jumpgate_app::tokens::for_apps::AccessTokenAnswer;
use jumpgate_domain::{CharacterId, EveLogin};

pub fn router() -> Router<WebState> {
    Router::new()
        .route(
            "/api/app/v1/esi/eve-login/{name}/characters",
            get(login_characters),
        )
        .route(
            "/api/app/v1/esi/eve-login/{name}/token-data",
            get(login_token_data),
        )
        .route(
            "/api/app/v1/esi/access-token/{characterId}",
            get(access_token),
        )
}

async fn login_characters(
    State(state): State<WebState>,
    AppCaller(caller): AppCaller,
    Path(name): Path<String>,
) -> ApiResult<Json<Vec<i64>>> {
    let found = state.app.login_characters_for_app(&caller, &name).await?;
    Ok(Json(found.into_iter().map(i64::from).collect()))
}

async fn login_token_data(
    State(state): State<WebState>,
    AppCaller(caller): AppCaller,
    Path(name): Path<String>,
) -> ApiResult<Json<Vec<EsiTokenDataJson>>> {
    let found = state
        .app
        .login_token_holders_for_app(&caller, &name)
        .await?;
    Ok(Json(found.iter().map(EsiTokenDataJson::from).collect()))
}

/// 200 with the token, 204 without a body when it is dead (Neucore's "Invalid token.").
async fn access_token(
    State(state): State<WebState>,
    AppCaller(caller): AppCaller,
    Path(character): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> ApiResult<Response> {
    let not_found = || AppError::NotFound("ESI token not found.".to_owned()).into();
    let character = CharacterId(path_id(&character, not_found)?);
    let login = query
        .iter()
        .find(|(k, _)| k == "eveLoginName")
        .map_or(EveLogin::DEFAULT, |(_, v)| v.as_str());
    let answer = state
        .app
        .access_token_for_app(&caller, character, login)
        .await?;
    Ok(match answer {
        AccessTokenAnswer::Token(token) => Json(EsiAccessTokenJson::from(&token)).into_response(),
        AccessTokenAnswer::Invalid => StatusCode::NO_CONTENT.into_response(),
    })
}
