//! Bearer-token checks of authenticated ESI routes: a JWT this SSO signed, unexpired, carrying
//! the route's scope, for the character in the path (and the role the spec requires).

use std::collections::HashMap;

use axum::http::{HeaderMap, header};

use super::error::EsiError;
use super::request::Auth;
use super::routes::EsiRoute;
use crate::state::{Shared, lock};

/// Verifies the `Authorization` header if present. Errors are kept for routes that need a
/// token; public routes ignore them.
pub fn verify_bearer(shared: &Shared, headers: &HeaderMap) -> Result<Option<Auth>, EsiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| EsiError::token("authorization header is not a Bearer token", 401))?;
    // A refresh token sent as a bearer fails here too, as with CCP (esi-issues #1303).
    let claims = shared
        .keys
        .verify(token.trim(), crate::sso::TOKEN_ISSUER)
        .map_err(|_| EsiError::token("authentication failure", 401))?;
    if claims.exp <= shared.now_utc().unix_timestamp() {
        return Err(EsiError::token("token is expired", 401));
    }
    let character_id = claims
        .character_id()
        .ok_or_else(|| EsiError::token("token subject is not a character", 401))?;
    Ok(Some(Auth {
        character_id,
        client_id: claims.azp.clone(),
        scopes: claims.scopes(),
    }))
}

pub fn authorize(
    shared: &Shared,
    route: &EsiRoute,
    auth: &Result<Option<Auth>, EsiError>,
    params: &HashMap<String, String>,
) -> Result<Option<Auth>, EsiError> {
    let Some(scope) = route.scope else {
        return Ok(auth.clone().ok().flatten());
    };
    let auth = auth
        .clone()?
        .ok_or_else(|| EsiError::forbidden("authentication required"))?;
    if !auth.scopes.iter().any(|s| s == scope) {
        return Err(EsiError::forbidden("token not valid for scope"));
    }
    if let Some(path_character) = params.get("character_id")
        && *path_character != auth.character_id.to_string()
    {
        return Err(EsiError::forbidden(
            "token is not valid for the requested character",
        ));
    }
    if let Some(role) = route.required_role {
        let has_role = lock(&shared.world)
            .characters
            .get(&auth.character_id)
            .is_some_and(|c| c.roles.iter().any(|r| r == role));
        if !has_role {
            return Err(EsiError::forbidden(
                "Character does not have required role(s)",
            ));
        }
    }
    Ok(Some(auth))
}
