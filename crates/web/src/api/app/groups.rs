//! The groups of characters (`app-groups`): `GET /app/v2/groups/{cid}` (and its deprecated v1,
//! which answers the same), and the bulk `POST /app/v1/groups`.

use super::AppCaller;
use super::json::{CharacterGroupsJson, GroupJson, groups};
use crate::WebState;
use crate::api::ApiError;
use crate::api::error::ApiResult;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use jumpgate_app::groups::for_apps::character_not_found;
use jumpgate_domain::CharacterId;

#[allow(deprecated)] // Neucore's v1 routes are served as long as its clients call them.
pub fn router() -> Router<WebState> {
    Router::new()
        .route("/api/app/v1/groups/{cid}", get(character_groups_v1))
        .route("/api/app/v2/groups/{cid}", get(character_groups))
        .route("/api/app/v1/groups", post(characters_groups))
}

/// An EVE id in a path; anything else is a thing Jumpgate does not know (Neucore's routes only
/// match digits, so it answers 404).
pub(super) fn path_id(text: &str, not_found: impl FnOnce() -> ApiError) -> ApiResult<i64> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(not_found)
}

/// A body that must be a JSON array of integers (Neucore: 400 "Invalid body.").
pub(super) fn id_list(body: &[u8]) -> ApiResult<Vec<i64>> {
    serde_json::from_slice::<Vec<i64>>(body)
        .map_err(|_| ApiError::BadRequest("Invalid body.".to_owned()))
}

/// Return groups of the character's player account.
#[utoipa::path(
    get,
    path = "/app/v1/groups/{cid}",
    operation_id = "groupsV1",
    tag = "Application - Groups",
    description = "Needs role: app-groups.<br>Returns only groups that have been added to the app as well.",
    params(("cid" = i64, Path, description = "EVE character ID.")),
    security(("BearerAuth" = [])),
    responses(
        (status = 200, description = "List of groups.", body = Vec<GroupJson>),
        (status = 403, description = "Not authorized."),
        (status = 404, description = "Character not found. (default reason phrase)"),
        (status = 500, description = "", body = String, content_type = "application/json"),
    )
)]
#[deprecated = "use character_groups (v2)"]
pub(super) async fn character_groups_v1(
    state: State<WebState>,
    caller: AppCaller,
    cid: Path<String>,
) -> ApiResult<Json<Vec<GroupJson>>> {
    character_groups(state, caller, cid).await
}

/// Return groups of the character's player account.
#[utoipa::path(
    get,
    path = "/app/v2/groups/{cid}",
    operation_id = "groupsV2",
    tag = "Application - Groups",
    description = "Needs role: app-groups.<br>Returns only groups that have been added to the app as well.",
    params(("cid" = i64, Path, description = "EVE character ID.")),
    security(("BearerAuth" = [])),
    responses(
        (status = 200, description = "List of groups.", body = Vec<GroupJson>),
        (status = 403, description = "Not authorized."),
        (status = 404, description = "Reason phrase: Character not found."),
        (status = 500, description = "", body = String, content_type = "application/json"),
    )
)]
pub(super) async fn character_groups(
    State(state): State<WebState>,
    AppCaller(caller): AppCaller,
    Path(cid): Path<String>,
) -> ApiResult<Json<Vec<GroupJson>>> {
    let id = path_id(&cid, || character_not_found().into())?;
    let found = state
        .app
        .character_groups_for_app(&caller, CharacterId(id))
        .await?;
    Ok(Json(groups(&found)))
}

/// Return groups of multiple players, identified by one of their character IDs.
#[utoipa::path(
    post,
    path = "/app/v1/groups",
    operation_id = "groupsBulkV1",
    tag = "Application - Groups",
    description = "Needs role: app-groups.<br>Returns only groups that have been added to the app as well. Skips characters that are not found in the local database.",
    request_body(content = Vec<i64>, description = "EVE character IDs array.", content_type = "application/json"),
    security(("BearerAuth" = [])),
    responses(
        (status = 200, description = "List of characters (id, name and corporation properties only) with groups.", body = Vec<CharacterGroupsJson>),
        (status = 400, description = "Invalid body."),
        (status = 403, description = "Not authorized."),
        (status = 500, description = "", body = String, content_type = "application/json"),
    )
)]
pub(super) async fn characters_groups(
    State(state): State<WebState>,
    AppCaller(caller): AppCaller,
    body: Bytes,
) -> ApiResult<Json<Vec<CharacterGroupsJson>>> {
    let ids: Vec<CharacterId> = id_list(&body)?.into_iter().map(CharacterId).collect();
    let found = state.app.characters_groups_for_app(&caller, &ids).await?;
    Ok(Json(found.iter().map(CharacterGroupsJson::from).collect()))
}
