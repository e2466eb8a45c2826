//! SSO failures, sorted by what the caller must do with the stored token (reference §A1.8).

use reqwest::StatusCode;
use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    /// refresh got invalid_grant: this refresh token is dead (caller marks it invalid, keeps the
    /// row)
    #[error("the refresh token is no longer valid: {description}")]
    TokenRevoked { description: String },
    /// invalid_client / unauthorized_client / "Grant type ... is not supported" / other
    /// malformed-request signs: configuration problem, touch no token, alert
    #[error(
        "the SSO refused our client or request (check client id, secret, callback): {description}"
    )]
    Misconfigured { description: String },
    /// code exchange refused (code invalid, expired, reused): restart login
    #[error("the authorization code was refused: {description}")]
    InvalidCode { description: String },
    /// 429 / 5xx / timeouts / connect errors / `invalid_token` on a refresh: transient, keep
    /// token, back off
    #[error("the SSO is unavailable: {description}")]
    Unavailable {
        retry_after: Option<Duration>,
        description: String,
    },
    /// JWT failed validation (signature, alg, kid, iss, aud, exp, sub)
    #[error("the access token failed verification: {0}")]
    InvalidJwt(String),
    /// the SSO answered something unreadable
    #[error("the SSO answered something unreadable: {0}")]
    Protocol(String),
}

impl SsoError {
    /// Whether trying again later may succeed without anyone changing anything.
    pub fn is_transient(&self) -> bool {
        matches!(self, SsoError::Unavailable { .. })
    }
}

/// Which token-endpoint call failed: the same `invalid_grant` means "dead refresh token" for one
/// and "bad code" for the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grant {
    AuthorizationCode,
    RefreshToken,
    Revoke,
}

/// RFC 6749 error body. CCP's 500s use `{"Message": …}` instead.
#[derive(Debug, Default, Deserialize)]
struct OAuthErrorBody {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
    #[serde(default, rename = "Message")]
    message: Option<String>,
}

/// Turns a non-2xx SSO answer into an [`SsoError`]. `retry_after` comes from the response
/// headers; only transient answers use it.
pub(crate) fn classify(
    grant: Grant,
    status: StatusCode,
    body: &[u8],
    retry_after: Option<Duration>,
) -> SsoError {
    let parsed: Option<OAuthErrorBody> = serde_json::from_slice(body).ok();
    let code = parsed
        .as_ref()
        .and_then(|b| b.error.clone())
        .unwrap_or_default();
    let text = parsed
        .as_ref()
        .and_then(|b| b.error_description.clone().or_else(|| b.message.clone()))
        .unwrap_or_default();
    let description = match (code.is_empty(), text.is_empty()) {
        (false, false) => format!("{code}: {text}"),
        (false, true) => code.clone(),
        (true, false) => text.clone(),
        (true, true) => format!("HTTP {}", status.as_u16()),
    };

    // Overload, downtime and CCP's own bugs: nothing is wrong with the token or with us.
    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        return SsoError::Unavailable {
            retry_after,
            description,
        };
    }

    let lower_text = text.to_ascii_lowercase();
    // CCP answers a JSON or query-string body with invalid_grant "Grant type … is not
    // supported": our request is malformed, the token is fine (sso-issues #53, #71).
    let malformed = lower_text.contains("grant type") || lower_text.contains("not supported");
    let code_refused = lower_text.contains("authorization code");

    match (code.as_str(), grant) {
        ("invalid_client" | "unauthorized_client", _) => SsoError::Misconfigured { description },
        // RFC 6749 names a dead refresh token `invalid_grant`; `invalid_token` is a resource
        // server's code (RFC 6750) and EVE's token endpoint has answered it during downtime
        // (exodus4d/pathfinder#880). It says nothing about this token: an outage, never proof.
        ("invalid_token", Grant::RefreshToken) => SsoError::Unavailable {
            retry_after,
            description,
        },
        ("invalid_grant", _) if malformed => SsoError::Misconfigured { description },
        // Revoking an already-dead token: the caller's goal is reached (RFC 7009 answers 200).
        ("invalid_grant", Grant::RefreshToken)
        | ("invalid_grant" | "invalid_token", Grant::Revoke)
            if !code_refused =>
        {
            SsoError::TokenRevoked { description }
        }
        ("invalid_grant" | "invalid_token", Grant::AuthorizationCode) => {
            SsoError::InvalidCode { description }
        }
        (_, Grant::AuthorizationCode) if code_refused => SsoError::InvalidCode { description },
        _ if parsed.is_none() && !body.is_empty() && status == StatusCode::BAD_REQUEST => {
            SsoError::Protocol(format!(
                "HTTP 400 with an unreadable body: {}",
                snippet(body)
            ))
        }
        // invalid_request, unsupported_grant_type, invalid_scope, bare 401s …: something about
        // our request or registration, never proof that a token is dead.
        _ => SsoError::Misconfigured { description },
    }
}

/// A short, printable piece of a body for error messages (never a token: these are error
/// bodies).
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    text.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(grant: Grant, status: u16, body: &str) -> SsoError {
        classify(
            grant,
            StatusCode::from_u16(status).unwrap(),
            body.as_bytes(),
            Some(Duration::from_secs(7)),
        )
    }

    #[test]
    fn invalid_grant_on_refresh_means_the_token_is_dead() {
        let e = err(
            Grant::RefreshToken,
            400,
            r#"{"error":"invalid_grant","error_description":"Invalid refresh token. Token missing/expired."}"#,
        );
        assert!(matches!(e, SsoError::TokenRevoked { .. }), "{e:?}");
    }

    #[test]
    fn grant_type_not_supported_is_our_bug_not_a_dead_token() {
        let e = err(
            Grant::RefreshToken,
            400,
            r#"{"error":"invalid_grant","error_description":"Grant type refresh_token is not supported."}"#,
        );
        assert!(matches!(e, SsoError::Misconfigured { .. }), "{e:?}");
    }

    #[test]
    fn invalid_token_on_refresh_is_an_outage_not_a_dead_token() {
        for status in [400, 401] {
            let e = err(Grant::RefreshToken, status, r#"{"error":"invalid_token"}"#);
            assert!(e.is_transient(), "{e:?}");
        }
        let e = err(Grant::Revoke, 400, r#"{"error":"invalid_token"}"#);
        assert!(matches!(e, SsoError::TokenRevoked { .. }), "{e:?}");
    }

    #[test]
    fn client_errors_are_configuration_problems() {
        for code in ["invalid_client", "unauthorized_client"] {
            for grant in [Grant::RefreshToken, Grant::AuthorizationCode, Grant::Revoke] {
                let e = err(grant, 401, &format!(r#"{{"error":"{code}"}}"#));
                assert!(matches!(e, SsoError::Misconfigured { .. }), "{e:?}");
            }
        }
    }

    #[test]
    fn refused_codes_restart_the_login() {
        let e = err(
            Grant::AuthorizationCode,
            400,
            r#"{"error":"invalid_grant","error_description":"Authorization code is invalid."}"#,
        );
        assert!(matches!(e, SsoError::InvalidCode { .. }), "{e:?}");
        let e = err(
            Grant::AuthorizationCode,
            400,
            r#"{"error_description":"Authorization code is invalid."}"#,
        );
        assert!(matches!(e, SsoError::InvalidCode { .. }), "{e:?}");
    }

    #[test]
    fn overload_and_server_errors_are_transient_with_retry_after() {
        for status in [429, 500, 502, 503, 504] {
            let e = err(
                Grant::RefreshToken,
                status,
                r#"{"Message":"An error has occurred."}"#,
            );
            assert!(e.is_transient(), "{status}: {e:?}");
            match e {
                SsoError::Unavailable { retry_after, .. } => {
                    assert_eq!(retry_after, Some(Duration::from_secs(7)))
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn unknown_request_errors_never_kill_a_token() {
        for body in [
            r#"{"error":"invalid_request"}"#,
            r#"{"error":"invalid_scope"}"#,
            "",
        ] {
            let e = err(Grant::RefreshToken, 400, body);
            assert!(!matches!(e, SsoError::TokenRevoked { .. }), "{body}: {e:?}");
        }
        let e = err(Grant::RefreshToken, 400, "<html>oops</html>");
        assert!(matches!(e, SsoError::Protocol(_)), "{e:?}");
    }
}
