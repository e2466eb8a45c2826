//! ESI error answers with the spec's `Error` schema: `{"error", "status", "details"}` for 4xx,
//! `details` naming each part of the request that is wrong (`location`, `message`, `value`);
//! 5xx as `{"error"}` only, as CCP's gateway sends them; `sso_status` for token problems.

use axum::http::StatusCode;
use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub struct EsiError {
    pub status: StatusCode,
    pub body: Value,
}

impl EsiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        let body = if status.is_client_error() {
            json!({ "error": message.into(), "status": status.as_u16() })
        } else {
            json!({ "error": message.into() })
        };
        Self { status, body }
    }

    /// A 400 for one part of the request (`location` like `query.page` or
    /// `header.X-Compatibility-Date`), with the value that was sent.
    pub fn invalid(
        error: impl Into<String>,
        location: &str,
        message: impl Into<String>,
        value: &str,
    ) -> Self {
        let mut e = Self::bad_request(error);
        e.body["details"] = json!([{
            "location": location,
            "message": message.into(),
            "value": value,
        }]);
        e
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    /// A token the SSO would not vouch for; `sso_status` is what the SSO answered ESI.
    pub fn token(message: impl Into<String>, sso_status: u16) -> Self {
        Self {
            status: StatusCode::FORBIDDEN,
            body: json!({ "error": message.into(), "status": 403, "sso_status": sso_status }),
        }
    }

    pub fn with_status(status: u16, message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            message,
        )
    }
}
