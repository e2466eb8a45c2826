//! ESI error answers: `{"error": "..."}` (plus `sso_status` for token problems) like CCP's.

use axum::http::StatusCode;
use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub struct EsiError {
    pub status: StatusCode,
    pub body: Value,
}

impl EsiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            body: json!({ "error": message.into() }),
        }
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
            body: json!({ "error": message.into(), "sso_status": sso_status }),
        }
    }

    pub fn with_status(status: u16, message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            message,
        )
    }
}
