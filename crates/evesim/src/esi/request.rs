//! What a route handler sees (path/query/body/verified token) and what it returns.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::http::StatusCode;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::EsiError;

/// The verified bearer token of a request.
#[derive(Debug, Clone)]
pub struct Auth {
    pub character_id: i64,
    pub client_id: String,
    pub scopes: Vec<String>,
}

pub struct EsiRequest {
    pub params: HashMap<String, String>,
    pub query: Vec<(String, String)>,
    pub body: Bytes,
    pub auth: Option<Auth>,
}

impl EsiRequest {
    pub fn path_id(&self, name: &str) -> Result<i64, EsiError> {
        self.params
            .get(name)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| EsiError::bad_request(format!("Invalid {name}")))
    }

    pub fn query_one(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// An id list in the query: repeated keys (the spec's `explode: true`) or comma-separated.
    pub fn query_ids(&self, name: &str) -> Result<Vec<i64>, EsiError> {
        let mut out = Vec::new();
        for (_, v) in self.query.iter().filter(|(k, _)| k == name) {
            for part in v.split(',').filter(|p| !p.trim().is_empty()) {
                let id = part.trim().parse().map_err(|_| {
                    EsiError::bad_request(format!("Invalid value in {name}: {part}"))
                })?;
                out.push(id);
            }
        }
        Ok(out)
    }

    pub fn json<T: DeserializeOwned>(&self) -> Result<T, EsiError> {
        serde_json::from_slice(&self.body)
            .map_err(|e| EsiError::bad_request(format!("Invalid request body: {e}")))
    }

    /// The token's character; dispatch guarantees it on routes that require a scope.
    pub fn auth(&self) -> Result<&Auth, EsiError> {
        self.auth
            .as_ref()
            .ok_or_else(|| EsiError::forbidden("authentication required"))
    }
}

#[derive(Debug, Clone)]
pub enum EsiBody {
    Json(Value),
    /// A list dispatch splits into pages (`?page=`, `X-Pages`).
    Paged(Vec<Value>),
    Empty,
}

#[derive(Debug, Clone)]
pub struct EsiOk {
    pub status: StatusCode,
    pub body: EsiBody,
}

pub type EsiResult = Result<EsiOk, EsiError>;

impl EsiOk {
    pub fn json(value: impl Serialize) -> EsiResult {
        Self::with(StatusCode::OK, value)
    }

    pub fn created(value: impl Serialize) -> EsiResult {
        Self::with(StatusCode::CREATED, value)
    }

    pub fn no_content() -> EsiResult {
        Ok(Self {
            status: StatusCode::NO_CONTENT,
            body: EsiBody::Empty,
        })
    }

    pub fn paged(items: Vec<Value>) -> EsiResult {
        Ok(Self {
            status: StatusCode::OK,
            body: EsiBody::Paged(items),
        })
    }

    fn with(status: StatusCode, value: impl Serialize) -> EsiResult {
        let value = serde_json::to_value(value)
            .map_err(|e| EsiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
        Ok(Self {
            status,
            body: EsiBody::Json(value),
        })
    }
}
