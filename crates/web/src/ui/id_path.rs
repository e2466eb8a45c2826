//! `IdPath<T>`: the one extractor for an id in a path (`/admin/states/{id}`), for every route.
//!
//! A handler names the id's type (`IdPath(id): IdPath<StateId>`) and gets it parsed; anything
//! else in its place (`/admin/states/abc`, `/admin/jobs/0/retry`) is refused with a 400 page that
//! says what was expected, before the handler runs. The type says what kind of id it is
//! ([`PathId::WHAT`]), so the message names it: "'abc' is not a state id: expected a positive
//! whole number".

use crate::error::WebError;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use jumpgate_domain::{
    AccountId, AppId, BulkOperationId, CharacterId, CorporationId, DivisionId, GroupApplicationId,
    GroupId, JobId, RequestId, RevocationId, SpecialtyId, StateId,
};
use std::str::FromStr;

/// An id a path may carry: parsed with `FromStr`, named in the message when it is not one.
pub trait PathId: FromStr {
    /// What the id identifies, as the message names it ("state", "bulk operation").
    const WHAT: &'static str;
}

/// The id of the path's one parameter, parsed as a `T`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdPath<T>(pub T);

/// The message for text that is not a `what` id, wherever the text came from (a path, a form).
pub fn not_an_id(what: &str, raw: &str) -> String {
    format!("'{raw}' is not a {what} id: expected a positive whole number")
}

/// An id typed in or carried by a form field (`account=12`), parsed as a `T`; a 400 that names
/// what was expected otherwise, as for a path.
pub fn form_id<T: PathId>(raw: &str) -> Result<T, WebError> {
    raw.trim()
        .parse()
        .map_err(|_| WebError::BadRequest(not_an_id(T::WHAT, raw.trim())))
}

/// A positive whole number typed in or carried by a form or query field, for ids without a type
/// of their own (`what` names it in the 400: "standings entity", "log entry").
pub fn form_number(what: &str, raw: &str) -> Result<i64, WebError> {
    match raw.trim().parse::<i64>() {
        Ok(v) if v > 0 => Ok(v),
        _ => Err(WebError::BadRequest(not_an_id(what, raw))),
    }
}

impl<S: Send + Sync, T: PathId> FromRequestParts<S> for IdPath<T> {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| WebError::BadRequest(e.body_text()))?;
        raw.parse()
            .map(IdPath)
            .map_err(|_| WebError::BadRequest(not_an_id(T::WHAT, &raw)))
    }
}

macro_rules! path_ids {
    ($($ty:ty => $what:literal),* $(,)?) => {
        $(impl PathId for $ty {
            const WHAT: &'static str = $what;
        })*
    };
}

path_ids!(
    AccountId => "account",
    CharacterId => "character",
    JobId => "job",
    StateId => "state",
    RequestId => "request",
    RevocationId => "revocation",
    BulkOperationId => "bulk operation",
    GroupId => "group",
    GroupApplicationId => "application",
    DivisionId => "division",
    SpecialtyId => "specialty role",
    CorporationId => "corporation",
    AppId => "application",
);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::Router;
    use axum::body::{Body, to_bytes};
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use tower::ServiceExt;

    async fn get_state(path: &str) -> (StatusCode, String) {
        let app = Router::new().route(
            "/states/{id}",
            get(|IdPath(id): IdPath<StateId>| async move { format!("state {}", id.get()) }),
        );
        let response = app
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let body = to_bytes(response.into_body(), 1 << 20).await.unwrap();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn a_valid_id_reaches_the_handler() {
        assert_eq!(
            get_state("/states/42").await,
            (StatusCode::OK, "state 42".to_owned())
        );
    }

    #[tokio::test]
    async fn anything_else_is_a_400_page_naming_the_kind_of_id() {
        for bad in ["abc", "0", "-3", "1.5", "%20"] {
            let (status, body) = get_state(&format!("/states/{bad}")).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
            assert!(body.contains("is not a state id"), "{bad}: {body}");
            assert!(body.contains("expected a positive whole number"), "{bad}");
        }
        let (_, body) = get_state("/states/abc").await;
        assert!(body.contains("&#39;abc&#39; is not a state id"), "{body}");
    }

    #[test]
    fn the_message_names_the_text_and_what_was_expected() {
        assert_eq!(
            not_an_id(BulkOperationId::WHAT, "x"),
            "'x' is not a bulk operation id: expected a positive whole number"
        );
    }
}
