//! ESI failures, sorted by what the caller should do next.

use std::time::Duration;
use time::OffsetDateTime;

#[derive(Debug, thiserror::Error)]
pub enum EsiError {
    #[error("ESI: not found: {0}")]
    NotFound(String),
    /// 401/403. `sso_status` is set when ESI blames the token (e.g. 401 when a refresh token was
    /// sent as a bearer, 200 with "token expiry is too far in the future").
    #[error("ESI: forbidden: {message}")]
    Forbidden {
        message: String,
        sso_status: Option<u16>,
    },
    #[error("ESI: bad request: {0}")]
    BadRequest(String),
    /// The error limit is (nearly) spent: nothing is sent until `until`.
    #[error("ESI: error limit reached, paused until {until}")]
    ErrorLimited { until: OffsetDateTime },
    /// A rate-limit bucket is empty; nothing is sent to it for `retry_after`.
    #[error("ESI: rate limited (group {group:?}) for {retry_after:?}")]
    RateLimited {
        retry_after: Duration,
        group: Option<String>,
    },
    /// Daily downtime (or an unscheduled one): try again after the estimate.
    #[error("ESI: Tranquility is down, expected back around {until_estimate}")]
    Downtime { until_estimate: OffsetDateTime },
    #[error("ESI: server error {status}: {message}")]
    Server { status: u16, message: String },
    #[error("ESI: request timed out")]
    Timeout,
    #[error("ESI: transport error: {0}")]
    Transport(String),
    /// The body was not what the spec promises: nothing is written from it.
    #[error("ESI: unreadable response: {0}")]
    Decode(String),
}

impl EsiError {
    /// Whether the same request may succeed later without anyone changing anything.
    pub fn is_transient(&self) -> bool {
        match self {
            EsiError::ErrorLimited { .. }
            | EsiError::RateLimited { .. }
            | EsiError::Downtime { .. }
            | EsiError::Timeout
            | EsiError::Transport(_) => true,
            EsiError::Server { status, .. } => *status >= 500,
            EsiError::NotFound(_)
            | EsiError::Forbidden { .. }
            | EsiError::BadRequest(_)
            | EsiError::Decode(_) => false,
        }
    }

    /// How long to wait before trying again, when ESI said so. Times given as instants are
    /// measured from `now`.
    pub fn retry_after(&self, now: OffsetDateTime) -> Option<Duration> {
        match self {
            EsiError::RateLimited { retry_after, .. } => Some(*retry_after),
            EsiError::ErrorLimited { until } => Some(crate::clock::until(*until, now)),
            EsiError::Downtime { until_estimate } => {
                Some(crate::clock::until(*until_estimate, now))
            }
            _ => None,
        }
    }
}

/// ESI's error body, the spec's `Error` schema: `{"error": "...", "status": 400, "details":
/// [{"location", "message", "value"}]}`; legacy routes and 5xx send only `error`, token problems
/// add `sso_status`.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub sso_status: Option<u16>,
    #[serde(default)]
    pub details: Vec<ErrorDetail>,
}

/// One issue of an error (the spec's `ErrorDetail`): where in the request, and what.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct ErrorDetail {
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

impl ErrorBody {
    pub fn parse(body: &[u8]) -> Self {
        serde_json::from_slice(body).unwrap_or_default()
    }

    /// The error, followed by each detail as `location: message`, so a refused request says
    /// which part of it ESI refused.
    pub fn message(&self, status: u16, body: &[u8]) -> String {
        let Some(error) = self.error.clone() else {
            let text: String = String::from_utf8_lossy(body).chars().take(200).collect();
            return if text.is_empty() {
                format!("HTTP {status}")
            } else {
                text
            };
        };
        let details: Vec<String> = self
            .details
            .iter()
            .filter_map(|d| match (d.location.as_deref(), d.message.as_deref()) {
                (Some(at), Some(what)) => Some(format!("{at}: {what}")),
                (None, Some(what)) => Some(what.to_owned()),
                (_, None) => None,
            })
            .collect();
        if details.is_empty() {
            error
        } else {
            format!("{error} ({})", details.join("; "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_errors_are_not_transient_server_errors_are() {
        assert!(!EsiError::NotFound("x".into()).is_transient());
        assert!(!EsiError::Decode("x".into()).is_transient());
        assert!(EsiError::Timeout.is_transient());
        assert!(
            EsiError::Server {
                status: 502,
                message: String::new()
            }
            .is_transient()
        );
    }

    #[test]
    fn retry_after_comes_from_rate_limits() {
        let e = EsiError::RateLimited {
            retry_after: Duration::from_secs(9),
            group: Some("char-social".into()),
        };
        assert_eq!(
            e.retry_after(OffsetDateTime::UNIX_EPOCH),
            Some(Duration::from_secs(9))
        );
        assert_eq!(
            EsiError::Timeout.retry_after(OffsetDateTime::UNIX_EPOCH),
            None
        );
    }
}
