//! Accounts and their characters (`app-chars`): a character's main (v1, deprecated, and v2),
//! account, account with characters, alts and history, the same for many characters at once,
//! an account's characters, and who is in a corporation. Neucore's "player" is an account.

use super::AppCaller;
use super::groups::{id_list, path_id};
use super::json::{
    CharacterJson, PlayerJson, PlayerWithCharacterIdJson, RemovedCharacterJson, characters,
    characters_without_corporation,
};
use crate::WebState;
use crate::api::ApiError;
use crate::api::error::ApiResult;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jumpgate_app::accounts::for_apps::player_not_found;
use jumpgate_app::groups::for_apps::character_not_found;
use jumpgate_domain::{AccountId, CharacterId, CorporationId};

#[allow(deprecated)] // Neucore's v1 routes are served as long as its clients call them.
pub fn router() -> Router<WebState> {
    Router::new()
        .route("/api/app/v1/main/{cid}", get(main_v1))
        .route("/api/app/v2/main/{cid}", get(main_character))
        .route("/api/app/v1/player/{characterId}", get(player))
        .route("/api/app/v1/players", post(players))
        .route(
            "/api/app/v1/characters/{characterId}",
            get(account_characters),
        )
        .route("/api/app/v1/characters", post(accounts_characters))
        .route("/api/app/v1/character-list", post(character_list))
        .route(
            "/api/app/v1/player-chars/{playerId}",
            get(player_characters),
        )
        .route(
            "/api/app/v1/player-with-characters/{characterId}",
            get(player_with_characters),
        )
        .route(
            "/api/app/v1/removed-characters/{characterId}",
            get(removed_characters),
        )
        .route(
            "/api/app/v1/incoming-characters/{characterId}",
            get(incoming_characters),
        )
        .route(
            "/api/app/v1/corp-players/{corporationId}",
            get(corporation_players),
        )
        .route(
            "/api/app/v1/corp-characters/{corporationId}",
            get(corporation_characters),
        )
}

/// A character id in a path; "Character not found." for anything else.
fn character_id(text: &str) -> ApiResult<CharacterId> {
    path_id(text, || character_not_found().into()).map(CharacterId)
}

/// A corporation id in a path. Neucore's route matches digits only, so anything else is a 404
/// there too; the endpoints have no answer of their own for an unknown corporation (`[]`).
pub(super) fn corporation_id(text: &str) -> ApiResult<CorporationId> {
    path_id(text, || {
        ApiError::NotFound("Corporation not found.".to_owned())
    })
    .map(CorporationId)
}

/// A JSON array of character ids (400 "Invalid body." otherwise).
fn character_ids(body: &[u8]) -> ApiResult<Vec<CharacterId>> {
    Ok(id_list(body)?.into_iter().map(CharacterId).collect())
}

/// Returns the main character of the player account to which the character ID belongs.
#[utoipa::path(
    get,
    path = "/app/v1/main/{cid}",
    operation_id = "mainV1",
    tag = "Application - Characters",
    description = "Needs role: app-chars.<br>It is possible that an account has no main character.",
    params(("cid" = i64, Path, description = "EVE character ID.")),
    security(("BearerAuth" = [])),
    responses(
        (status = 200, description = "The main character", body = CharacterJson),
        (status = 204, description = "No main character found."),
        (status = 403, description = "Not authorized."),
        (status = 404, description = "Character not found. (default reason phrase)"),
        (status = 500, description = "", body = String, content_type = "application/json"),
    )
)]
#[deprecated = "use main_character (v2)"]
pub(super) async fn main_v1(
    state: State<WebState>,
    caller: AppCaller,
    cid: Path<String>,
) -> ApiResult<Response> {
    // v1 answers an unknown character as Neucore's v1 does: a bare 404 with the standard
    // reason phrase and no body (v2 says "Character not found.").
    match main_character(state, caller, cid).await {
        Err(ApiError::NotFound(_)) => Ok(StatusCode::NOT_FOUND.into_response()),
        answer => answer,
    }
}

/// Returns the main character of the player account to which the character ID belongs.
#[utoipa::path(
    get,
    path = "/app/v2/main/{cid}",
    operation_id = "mainV2",
    tag = "Application - Characters",
    description = "Needs role: app-chars.<br>It is possible that an account has no main character.",
    params(("cid" = i64, Path, description = "EVE character ID.")),
    security(("BearerAuth" = [])),
    responses(
        (status = 200, description = "The main character", body = CharacterJson),
        (status = 204, description = "No main character found."),
        (status = 403, description = "Not authorized."),
        (status = 404, description = "Reason phrase: Character not found."),
        (status = 500, description = "", body = String, content_type = "application/json"),
    )
)]
pub(super) async fn main_character(
    State(state): State<WebState>,
    AppCaller(caller): AppCaller,
    Path(cid): Path<String>,
) -> ApiResult<Response> {
    let main = state
        .app
        .main_character_for_app(&caller, character_id(&cid)?)
        .await?;
    Ok(match main {
        Some(main) => Json(CharacterJson::new(&main)).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

/// Returns the player account to which the character ID belongs.
#[utoipa::path(
    get,
    path = "/app/v1/player/{characterId}",
    operation_id = "playerV1",
    tag = "Application - Characters",
    description = "Needs role: app-chars.",
    params(("characterId" = i64, Path, description = "EVE character ID.")),
    security(("BearerAuth" = [])),
    responses(
        (status = 200, description = "The player, only id and name properties are returned.", body = PlayerJson),
        (status = 403, description = "Not authorized."),
        (status = 404, description = "Character not found."),
        (status = 500, description = "", body = String, content_type = "application/json"),
    )
)]
pub(super) async fn player(
    State(state): State<WebState>,
    AppCaller(caller): AppCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<PlayerJson>> {
    let player = state
        .app
        .player_for_app(&caller, character_id(&id)?)
        .await?;
    Ok(Json(PlayerJson::from(&player)))
}

/// Returns player accounts identified by character IDs. Can contain the same player several
/// times.
#[utoipa::path(
    post,
    path = "/app/v1/players",
    operation_id = "playersV1",
    tag = "Application - Characters",
    description = "Needs role: app-chars.",
    request_body(content = Vec<i64>, description = "EVE character IDs array.", content_type = "application/json"),
    security(("BearerAuth" = [])),
    responses(
        (status = 200, description = "One entry for each character ID that was provided and found.", body = Vec<PlayerWithCharacterIdJson>),
        (status = 400, description = "Invalid body."),
        (status = 403, description = "Not authorized."),
        (status = 500, description = "", body = String, content_type = "application/json"),
    )
)]
pub(super) async fn players(
    State(state): State<WebState>,
    AppCaller(caller): AppCaller,
    body: Bytes,
) -> ApiResult<Json<Vec<PlayerWithCharacterIdJson>>> {
    let found = state
        .app
        .players_for_app(&caller, &character_ids(&body)?)
        .await?;
    Ok(Json(
        found
            .iter()
            .map(|(player, character)| PlayerWithCharacterIdJson::new(player, *character))
            .collect(),
    ))
}

/// Returns all characters of the player account to which the character ID belongs.
#[utoipa::path(
    get,
    path = "/app/v1/characters/{characterId}",
    operation_id = "charactersV1",
    tag = "Application - Characters",
    description = "Needs role: app-chars.",
    params(("characterId" = i64, Path, description = "EVE character ID.")),
    security(("BearerAuth" = [])),
    responses(
        (status = 200, description = "All characters from the player account.", body = Vec<CharacterJson>),
        (status = 403, description = "Not authorized."),
        (status = 404, description = "Character not found."),
        (status = 500, description = "", body = String, content_type = "application/json"),
    )
)]
pub(super) async fn account_characters(
    State(state): State<WebState>,
    AppCaller(caller): AppCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<CharacterJson>>> {
    let found = state
        .app
        .account_characters_for_app(&caller, character_id(&id)?)
        .await?;
    Ok(Json(characters(&found)))
}

/// Returns all characters from multiple player accounts identified by character IDs.
#[utoipa::path(
    post,
    path = "/app/v1/characters",
    operation_id = "charactersBulkV1",
    tag = "Application - Characters",
    description = "Needs role: app-chars.",
    request_body(content = Vec<i64>, description = "EVE character IDs array.", content_type = "application/json"),
    security(("BearerAuth" = [])),
    responses(
        (status = 200, description = "All characters from the player account.", body = Vec<Vec<i64>>),
        (status = 400, description = "Invalid body."),
        (status = 403, description = "Not authorized."),
        (status = 500, description = "", body = String, content_type = "application/json"),
    )
)]
pub(super) async fn accounts_characters(
    State(state): State<WebState>,
    AppCaller(caller): AppCaller,
    body: Bytes,
) -> ApiResult<Json<Vec<Vec<i64>>>> {
    let found = state
        .app
        .accounts_characters_for_app(&caller, &character_ids(&body)?)
        .await?;
    Ok(Json(
        found
            .iter()
            .map(|ids| ids.iter().map(|c| c.get()).collect())
            .collect(),
    ))
}

/// Returns all known characters from the parameter list.
#[utoipa::path(
    post,
    path = "/app/v1/character-list",
    operation_id = "characterListV1",
    tag = "Application - Characters",
    description = "Needs role: app-chars.",
    request_body(content = Vec<i64>, description = "Array with EVE character IDs.", content_type = "application/json"),
    security(("BearerAuth" = [])),
    responses(
        (status = 200, description = "A list of characters (does not include the corporation property).", body = Vec<CharacterJson>),
        (status = 400, description = "Invalid body."),
        (status = 403, description = "Not authorized."),
        (status = 500, description = "", body = String, content_type = "application/json"),
    )
)]
pub(super) async fn character_list(
    State(state): State<WebState>,
    AppCaller(caller): AppCaller,
    body: Bytes,
) -> ApiResult<Json<Vec<CharacterJson>>> {
    let found = state
        .app
        .character_list_for_app(&caller, &character_ids(&body)?)
        .await?;
    Ok(Json(characters_without_corporation(&found)))
}

/// Returns all characters from the player account.
#[utoipa::path(
    get,
    path = "/app/v1/player-chars/{playerId}",
    operation_id = "playerCharactersV1",
    tag = "Application - Characters",
    description = "Needs role: app-chars.",
    params(("playerId" = i64, Path, description = "Player ID.")),
    security(("BearerAuth" = [])),
    responses(
        (status = 200, description = "All characters from the player account.", body = Vec<CharacterJson>),
        (status = 403, description = "Not authorized."),
        (status = 404, description = "Player not found."),
        (status = 500, description = "", body = String, content_type = "application/json"),
    )
)]
pub(super) async fn player_characters(
    State(state): State<WebState>,
    AppCaller(caller): AppCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<CharacterJson>>> {
    let account = AccountId(path_id(&id, || player_not_found().into())?);
    let found = state
        .app
        .player_characters_for_app(&caller, account)
        .await?;
    Ok(Json(characters(&found)))
}

/// Returns the player account to which the character ID belongs with all characters.
#[utoipa::path(
    get,
    path = "/app/v1/player-with-characters/{characterId}",
    operation_id = "playerWithCharactersV1",
    tag = "Application - Characters",
    description = "Needs role: app-chars.",
    params(("characterId" = i64, Path, description = "EVE character ID.")),
    security(("BearerAuth" = [])),
    responses(
        (status = 200, description = "The player, only id, name and characters properties are returned.", body = PlayerJson),
        (status = 403, description = "Not authorized."),
        (status = 404, description = "Character not found."),
        (status = 500, description = "", body = String, content_type = "application/json"),
    )
)]
pub(super) async fn player_with_characters(
    State(state): State<WebState>,
    AppCaller(caller): AppCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<PlayerJson>> {
    let found = state
        .app
        .player_with_characters_for_app(&caller, character_id(&id)?)
        .await?;
    Ok(Json(PlayerJson::from(&found)))
}

/// Returns all characters that were removed from the player account to which the character ID
/// belongs.
#[utoipa::path(
    get,
    path = "/app/v1/removed-characters/{characterId}",
    operation_id = "removedCharactersV1",
    tag = "Application - Characters",
    description = "Needs role: app-chars.",
    params(("characterId" = i64, Path, description = "EVE character ID.")),
    security(("BearerAuth" = [])),
    responses(
        (status = 200, description = "All removed characters from the player account.", body = Vec<RemovedCharacterJson>),
        (status = 403, description = "Not authorized."),
        (status = 404, description = "Character not found."),
        (status = 500, description = "", body = String, content_type = "application/json"),
    )
)]
pub(super) async fn removed_characters(
    State(state): State<WebState>,
    AppCaller(caller): AppCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<RemovedCharacterJson>>> {
    let found = state
        .app
        .removed_characters_for_app(&caller, character_id(&id)?)
        .await?;
    Ok(Json(found.iter().map(RemovedCharacterJson::from).collect()))
}

/// Returns all characters that were moved from another account to the player account to which
/// the ID belongs.
#[utoipa::path(
    get,
    path = "/app/v1/incoming-characters/{characterId}",
    operation_id = "incomingCharactersV1",
    tag = "Application - Characters",
    description = "Needs role: app-chars.",
    params(("characterId" = i64, Path, description = "EVE character ID.")),
    security(("BearerAuth" = [])),
    responses(
        (status = 200, description = "All incoming characters from the player account.", body = Vec<RemovedCharacterJson>),
        (status = 403, description = "Not authorized."),
        (status = 404, description = "Character not found."),
        (status = 500, description = "", body = String, content_type = "application/json"),
    )
)]
pub(super) async fn incoming_characters(
    State(state): State<WebState>,
    AppCaller(caller): AppCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<RemovedCharacterJson>>> {
    let found = state
        .app
        .incoming_characters_for_app(&caller, character_id(&id)?)
        .await?;
    Ok(Json(found.iter().map(RemovedCharacterJson::from).collect()))
}

/// Returns a list of all players that have a character in the corporation.
#[utoipa::path(
    get,
    path = "/app/v1/corp-players/{corporationId}",
    operation_id = "corporationPlayersV1",
    tag = "Application - Characters",
    description = "Needs role: app-chars.",
    params(("corporationId" = i64, Path, description = "EVE corporation ID.")),
    security(("BearerAuth" = [])),
    responses(
        (status = 200, description = "List of players, only id and name properties are returned.", body = Vec<PlayerJson>),
        (status = 403, description = "Not authorized."),
        (status = 500, description = "", body = String, content_type = "application/json"),
    )
)]
pub(super) async fn corporation_players(
    State(state): State<WebState>,
    AppCaller(caller): AppCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<PlayerJson>>> {
    let found = state
        .app
        .corporation_players_for_app(&caller, corporation_id(&id)?)
        .await?;
    Ok(Json(found.iter().map(PlayerJson::from).collect()))
}

/// Returns a list of all known characters from the corporation.
#[utoipa::path(
    get,
    path = "/app/v1/corp-characters/{corporationId}",
    operation_id = "corporationCharactersV1",
    tag = "Application - Characters",
    description = "Needs role: app-chars.",
    params(("corporationId" = i64, Path, description = "EVE corporation ID.")),
    security(("BearerAuth" = [])),
    responses(
        (status = 200, description = "List of characters (does not include the corporation property).", body = Vec<CharacterJson>),
        (status = 403, description = "Not authorized."),
        (status = 500, description = "", body = String, content_type = "application/json"),
    )
)]
pub(super) async fn corporation_characters(
    State(state): State<WebState>,
    AppCaller(caller): AppCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<CharacterJson>>> {
    let found = state
        .app
        .corporation_characters_for_app(&caller, corporation_id(&id)?)
        .await?;
    Ok(Json(characters_without_corporation(&found)))
}
