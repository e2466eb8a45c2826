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

/// Returns character IDs of characters that have an ESI token (including invalid) of an EVE login.
#[utoipa::path(
    get,
    path = "/app/v1/esi/eve-login/{name}/characters",
    operation_id = "esiEveLoginCharactersV1",
    tag = "Application - ESI",
    description = "Needs role: app-esi-login.",
    params(("name" = String, Path, description = "EVE login name.", max_length = 20, pattern = "^[-._a-zA-Z0-9]+$")),
    security(("BearerAuth" = [])),
    responses(
        (status = 200, description = "", body = Vec<i64>),
        (status = 403, description = "Forbidden", body = String, content_type = "application/json"),
        (status = 404, description = "EVE login not found.", body = String, content_type = "application/json"),
        (status = 500, description = "", body = String, content_type = "application/json"),
    )
)]
pub(super) async fn login_characters(
    State(state): State<WebState>,
    AppCaller(caller): AppCaller,
    Path(name): Path<String>,
) -> ApiResult<Json<Vec<i64>>> {
    let found = state.app.login_characters_for_app(&caller, &name).await?;
    Ok(Json(found.into_iter().map(i64::from).collect()))
}

/// Returns data for all valid tokens (roles are also checked if applicable) for an EVE login.
// What Jumpgate last saw: EVE is not asked. Jumpgate's logins ask for no EVE roles.
#[utoipa::path(
    get,
    path = "/app/v1/esi/eve-login/{name}/token-data",
    operation_id = "esiEveLoginTokenDataV1",
    tag = "Application - ESI",
    description = "Needs role: app-esi-login.",
    params(("name" = String, Path, description = "EVE login name, 'core.default' is not allowed.", max_length = 20, pattern = "^[-._a-zA-Z0-9]+$")),
    security(("BearerAuth" = [])),
    responses(
        (status = 200, description = "", body = Vec<EsiTokenDataJson>),
        (status = 403, description = "Forbidden", body = String, content_type = "application/json"),
        (status = 404, description = "EVE login not found.", body = String, content_type = "application/json"),
        (status = 500, description = "", body = String, content_type = "application/json"),
    )
)]
pub(super) async fn login_token_data(
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

/// Returns an access token for a character and EVE login.
// 200 with the token, valid for at least 60 seconds; 204 without a body when it is dead
// (Neucore's "Invalid token."; its document says a string, as this one does, but neither sends
// one).
#[utoipa::path(
    get,
    path = "/app/v1/esi/access-token/{characterId}",
    operation_id = "esiAccessTokenV1",
    tag = "Application - ESI",
    description = "Needs role: app-esi-token",
    params(
        ("characterId" = i64, Path, description = "The EVE character ID."),
        ("eveLoginName" = Option<String>, Query, description = "Optional EVE login name, defaults to 'core.default'.", max_length = 20, pattern = "^[-._a-zA-Z0-9]+$"),
    ),
    security(("BearerAuth" = [])),
    responses(
        (status = 200, description = "Success", body = EsiAccessTokenJson),
        (status = 204, description = "Invalid token.", body = String, content_type = "application/json"),
        (status = 403, description = "Forbidden", body = String, content_type = "application/json"),
        (status = 404, description = "ESI token not found.", body = String, content_type = "application/json"),
        (status = 503, description = "EVE's login is not answering; the token was not called dead.", body = String, content_type = "application/json"),
    )
)]
pub(super) async fn access_token(
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
