//! The groups (`app-groups`): of characters (`GET /app/v2/groups/{cid}`, the bulk
//! `POST /app/v1/groups`), of corporations and alliances (`corp-groups`, `alliance-groups`,
//! single and bulk), with the fallback (`groups-with-fallback`) and a group's members
//! (`group-members`). Each deprecated v1 path answers as its v2 does (Neucore's v1 says the
//! same with its default reason phrase).

use super::AppCaller;
use super::json::{AllianceJson, CharacterGroupsJson, CorporationJson, GroupJson, groups};
use crate::WebState;
use crate::api::ApiError;
use crate::api::error::ApiResult;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use jumpgate_app::AppError;
use jumpgate_app::groups::for_apps::{character_not_found, group_not_found};
use jumpgate_domain::{AllianceId, CharacterId, CorporationId, GroupId};

#[allow(deprecated)] // Neucore's v1 routes are served as long as its clients call them.
pub fn router() -> Router<WebState> {
    Router::new()
        .route("/api/app/v1/groups/{cid}", get(character_groups_v1))
        .route("/api/app/v2/groups/{cid}", get(character_groups))
        .route("/api/app/v1/groups", post(characters_groups))
        .route("/api/app/v1/corp-groups/{cid}", get(corporation_groups_v1))
        .route("/api/app/v2/corp-groups/{cid}", get(corporation_groups))
        .route("/api/app/v1/corp-groups", post(corporations_groups))
        .route("/api/app/v1/alliance-groups/{aid}", get(alliance_groups_v1))
        .route("/api/app/v2/alliance-groups/{aid}", get(alliance_groups))
        .route("/api/app/v1/alliance-groups", post(alliances_groups))
        .route(
            "/api/app/v1/groups-with-fallback",
            get(groups_with_fallback),
        )
        .route("/api/app/v1/group-members/{groupId}", get(group_members))
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
    Ok(Json(groups(found.iter())))
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

/// An id of a query parameter as Neucore reads one (PHP's `(int)`): absent or not a whole
/// number is no id at all (`None`), which matches nothing.
fn query_id(query: &[(String, String)], name: &str) -> Option<i64> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.trim().parse::<i64>().ok())
        .filter(|id| *id > 0)
}

/// Return groups of the corporation.
#[utoipa::path(
    get,
    path = "/app/v1/corp-groups/{cid}",
    operation_id = "corpGroupsV1",
    tag = "Application - Groups",
    description = "Needs role: app-groups.<br>Returns only groups that have been added to the app as well.",
    params(("cid" = i64, Path, description = "EVE corporation ID.")),
    security(("BearerAuth" = [])),
    responses(
        (status = 200, description = "List of groups.", body = Vec<GroupJson>),
        (status = 403, description = "Not authorized."),
        (status = 404, description = "Corporation not found. (default reason phrase)"),
        (status = 500, description = "", body = String, content_type = "application/json"),
    )
)]
#[deprecated = "use corporation_groups (v2)"]
pub(super) async fn corporation_groups_v1(
    state: State<WebState>,
    caller: AppCaller,
    cid: Path<String>,
) -> ApiResult<Json<Vec<GroupJson>>> {
    corporation_groups(state, caller, cid).await
}

/// Return groups of the corporation.
// Those its rules give its members (`GroupRules::corporations`).
#[utoipa::path(
    get,
    path = "/app/v2/corp-groups/{cid}",
    operation_id = "corpGroupsV2",
    tag = "Application - Groups",
    description = "Needs role: app-groups.<br>Returns only groups that have been added to the app as well.",
    params(("cid" = i64, Path, description = "EVE corporation ID.")),
    security(("BearerAuth" = [])),
    responses(
        (status = 200, description = "List of groups.", body = Vec<GroupJson>),
        (status = 403, description = "Not authorized."),
        (status = 404, description = "Reason phrase: Corporation not found."),
        (status = 500, description = "", body = String, content_type = "application/json"),
    )
)]
pub(super) async fn corporation_groups(
    State(state): State<WebState>,
    AppCaller(caller): AppCaller,
    Path(cid): Path<String>,
) -> ApiResult<Json<Vec<GroupJson>>> {
    let not_found = || AppError::NotFound("Corporation not found.".to_owned()).into();
    let id = CorporationId(path_id(&cid, not_found)?);
    let found = state.app.corporation_groups_for_app(&caller, id).await?;
    Ok(Json(groups(found.iter())))
}

/// Return groups of multiple corporations.
#[utoipa::path(
    post,
    path = "/app/v1/corp-groups",
    operation_id = "corpGroupsBulkV1",
    tag = "Application - Groups",
    description = "Needs role: app-groups.<br>Returns only groups that have been added to the app as well. Skips corporations that are not found in the local database.",
    request_body(content = Vec<i64>, description = "EVE corporation IDs array.", content_type = "application/json"),
    security(("BearerAuth" = [])),
    responses(
        (status = 200, description = "List of corporations with groups but without alliance.", body = Vec<CorporationJson>),
        (status = 400, description = "Invalid body."),
        (status = 403, description = "Not authorized."),
        (status = 500, description = "", body = String, content_type = "application/json"),
    )
)]
pub(super) async fn corporations_groups(
    State(state): State<WebState>,
    AppCaller(caller): AppCaller,
    body: Bytes,
) -> ApiResult<Json<Vec<CorporationJson>>> {
    let ids: Vec<CorporationId> = id_list(&body)?.into_iter().map(CorporationId).collect();
    let found = state.app.corporations_groups_for_app(&caller, &ids).await?;
    Ok(Json(found.iter().map(CorporationJson::from).collect()))
}

/// Return groups of the alliance.
#[utoipa::path(
    get,
    path = "/app/v1/alliance-groups/{aid}",
    operation_id = "allianceGroupsV1",
    tag = "Application - Groups",
    description = "Needs role: app-groups.<br>Returns only groups that have been added to the app as well.",
    params(("aid" = i64, Path, description = "EVE alliance ID.")),
    security(("BearerAuth" = [])),
    responses(
        (status = 200, description = "List of groups.", body = Vec<GroupJson>),
        (status = 403, description = "Not authorized."),
        (status = 404, description = "Alliance not found. (default reason phrase)"),
        (status = 500, description = "", body = String, content_type = "application/json"),
    )
)]
#[deprecated = "use alliance_groups (v2)"]
pub(super) async fn alliance_groups_v1(
    state: State<WebState>,
    caller: AppCaller,
    aid: Path<String>,
) -> ApiResult<Json<Vec<GroupJson>>> {
    alliance_groups(state, caller, aid).await
}

/// Return groups of the alliance.
// Those its rules give its members (`GroupRules::alliances`).
#[utoipa::path(
    get,
    path = "/app/v2/alliance-groups/{aid}",
    operation_id = "allianceGroupsV2",
    tag = "Application - Groups",
    description = "Needs role: app-groups.<br>Returns only groups that have been added to the app as well.",
    params(("aid" = i64, Path, description = "EVE alliance ID.")),
    security(("BearerAuth" = [])),
    responses(
        (status = 200, description = "List of groups.", body = Vec<GroupJson>),
        (status = 403, description = "Not authorized."),
        (status = 404, description = "Reason phrase: Alliance not found."),
        (status = 500, description = "", body = String, content_type = "application/json"),
    )
)]
pub(super) async fn alliance_groups(
    State(state): State<WebState>,
    AppCaller(caller): AppCaller,
    Path(aid): Path<String>,
) -> ApiResult<Json<Vec<GroupJson>>> {
    let not_found = || AppError::NotFound("Alliance not found.".to_owned()).into();
    let id = AllianceId(path_id(&aid, not_found)?);
    let found = state.app.alliance_groups_for_app(&caller, id).await?;
    Ok(Json(groups(found.iter())))
}

/// Return groups of multiple alliances.
#[utoipa::path(
    post,
    path = "/app/v1/alliance-groups",
    operation_id = "allianceGroupsBulkV1",
    tag = "Application - Groups",
    description = "Needs role: app-groups.<br>Returns only groups that have been added to the app as well. Skips alliances that are not found in the local database.",
    request_body(content = Vec<i64>, description = "EVE alliance IDs array.", content_type = "application/json"),
    security(("BearerAuth" = [])),
    responses(
        (status = 200, description = "List of alliances with groups.", body = Vec<AllianceJson>),
        (status = 400, description = "Invalid body."),
        (status = 403, description = "Not authorized."),
        (status = 500, description = "", body = String, content_type = "application/json"),
    )
)]
pub(super) async fn alliances_groups(
    State(state): State<WebState>,
    AppCaller(caller): AppCaller,
    body: Bytes,
) -> ApiResult<Json<Vec<AllianceJson>>> {
    let ids: Vec<AllianceId> = id_list(&body)?.into_iter().map(AllianceId).collect();
    let found = state.app.alliances_groups_for_app(&caller, &ids).await?;
    Ok(Json(found.iter().map(AllianceJson::from).collect()))
}

/// Returns groups from the character's account, if available, or the corporation and alliance.
// An id that is absent or not a number is none (PHP's `(int)` makes it 0 in Neucore).
#[utoipa::path(
    get,
    path = "/app/v1/groups-with-fallback",
    operation_id = "groupsWithFallbackV1",
    tag = "Application - Groups",
    description = "Needs role: app-groups.<br>Returns only groups that have been added to the app as well.<br>It is not checked if character, corporation and alliance match.",
    params(
        ("character" = i64, Query, description = "EVE character ID."),
        ("corporation" = i64, Query, description = "EVE corporation ID."),
        ("alliance" = Option<i64>, Query, description = "EVE alliance ID."),
    ),
    security(("BearerAuth" = [])),
    responses(
        (status = 200, description = "List of groups.", body = Vec<GroupJson>),
        (status = 403, description = "Not authorized."),
        (status = 500, description = "", body = String, content_type = "application/json"),
    )
)]
pub(super) async fn groups_with_fallback(
    State(state): State<WebState>,
    AppCaller(caller): AppCaller,
    Query(query): Query<Vec<(String, String)>>,
) -> ApiResult<Json<Vec<GroupJson>>> {
    let found = state
        .app
        .groups_with_fallback_for_app(
            &caller,
            query_id(&query, "character").map(CharacterId),
            query_id(&query, "corporation").map(CorporationId),
            query_id(&query, "alliance").map(AllianceId),
        )
        .await?;
    Ok(Json(groups(found.iter())))
}

/// Returns the main character IDs from all group members.
// A `corporation` that is not a corporation id matches no member (Neucore filters by it as
// given).
#[utoipa::path(
    get,
    path = "/app/v1/group-members/{groupId}",
    operation_id = "groupMembersV1",
    tag = "Application - Groups",
    description = "Needs role: app-groups.",
    params(
        ("groupId" = i64, Path, description = "Group ID."),
        ("corporation" = Option<i64>, Query, description = "Limit to characters that are a member of this corporation."),
    ),
    security(("BearerAuth" = [])),
    responses(
        (status = 200, description = "List of character IDs.", body = Vec<i64>),
        (status = 403, description = "Not authorized."),
        (status = 404, description = "Group was not found or app may not see it."),
        (status = 500, description = "", body = String, content_type = "application/json"),
    )
)]
pub(super) async fn group_members(
    State(state): State<WebState>,
    AppCaller(caller): AppCaller,
    Path(group): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> ApiResult<Json<Vec<i64>>> {
    let group = GroupId(path_id(&group, || group_not_found().into())?);
    let corporation = query
        .iter()
        .any(|(k, _)| k == "corporation")
        .then(|| CorporationId(query_id(&query, "corporation").unwrap_or(0)));
    let members = state
        .app
        .group_members_for_app(&caller, group, corporation)
        .await?;
    Ok(Json(members.into_iter().map(i64::from).collect()))
}
