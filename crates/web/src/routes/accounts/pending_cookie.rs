//! The cookie that carries a begun SSO login (`jumpgate_app::accounts::pending_login`) from
//! `/sso/login` to `/sso/callback`. Its value is sealed by the app; here are only its name and
//! attributes, which follow the session cookie's (`crate::session`): HttpOnly, SameSite=Lax (EVE
//! sends the browser back with a cross-site redirect), `Path=/`, and over HTTPS `Secure` with a
//! `__Host-` name that no sibling subdomain can set. It lives as long as the login may take.

use axum::http::{HeaderMap, header};
use jumpgate_app::accounts::pending_login::PENDING_LOGIN_LIFETIME;
use tower_sessions::cookie::{Cookie, SameSite};

/// Its name over plain HTTP (this machine only).
const NAME: &str = "jumpgate_sso";
/// Its name over HTTPS.
const SECURE_NAME: &str = "__Host-jumpgate_sso";

fn name(secure: bool) -> &'static str {
    if secure { SECURE_NAME } else { NAME }
}

fn cookie(value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((name(secure), value))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .path("/")
        .max_age(PENDING_LOGIN_LIFETIME)
        .build()
}

/// The `Set-Cookie` value that gives the browser its pending login.
pub fn set(value: &str, secure: bool) -> String {
    cookie(value.to_owned(), secure).to_string()
}

/// The `Set-Cookie` value that deletes it.
pub fn clear(secure: bool) -> String {
    let mut removal = cookie(String::new(), secure);
    removal.make_removal();
    removal.to_string()
}

/// The pending login cookie the browser sent, when it sent exactly one. Two of the same name mean
/// that someone planted one (from a sibling subdomain, over plain HTTP): neither is trusted.
pub fn read(headers: &HeaderMap, secure: bool) -> Option<String> {
    let mut found = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .filter(|c| c.name() == name(secure))
        .map(|c| c.value().to_owned());
    let first = found.next()?;
    found.next().is_none().then_some(first)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::http::HeaderValue;

    fn sent(cookies: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for c in cookies {
            headers.append(header::COOKIE, HeaderValue::from_str(c).unwrap());
        }
        headers
    }

    #[test]
    fn over_https_it_is_host_prefixed_secure_and_short_lived() {
        let c = set("sealed", true);
        assert!(c.starts_with("__Host-jumpgate_sso=sealed"), "{c}");
        for part in [
            "HttpOnly",
            "SameSite=Lax",
            "Secure",
            "Path=/",
            "Max-Age=600",
        ] {
            assert!(c.contains(part), "{part}: {c}");
        }
        assert!(!c.contains("Domain"), "{c}");
        let plain = set("sealed", false);
        assert!(plain.starts_with("jumpgate_sso=sealed") && !plain.contains("Secure"));
    }

    #[test]
    fn clearing_it_expires_it_at_once_with_the_same_name_and_path() {
        let c = clear(true);
        assert!(c.starts_with("__Host-jumpgate_sso=;"), "{c}");
        assert!(c.contains("Max-Age=0") && c.contains("Path=/") && c.contains("Secure"));
    }

    #[test]
    fn only_a_single_cookie_of_its_name_is_read() {
        let one = sent(&["jumpgate_session=abc; jumpgate_sso=sealed"]);
        assert_eq!(read(&one, false).as_deref(), Some("sealed"));
        assert_eq!(read(&one, true), None, "the HTTPS name only over HTTPS");
        let planted = sent(&["jumpgate_sso=planted; jumpgate_sso=sealed"]);
        assert_eq!(read(&planted, false), None);
        let two_headers = sent(&["jumpgate_sso=planted", "jumpgate_sso=sealed"]);
        assert_eq!(read(&two_headers, false), None);
        assert_eq!(read(&HeaderMap::new(), false), None);
    }
}
