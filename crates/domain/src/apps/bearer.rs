//! Reading an application's credentials from its `Authorization` header, as Neucore does:
//! `Bearer base64("{id}:{secret}")`, the word `Bearer` in any case, whitespace and line breaks
//! around and inside the encoded part ignored (some clients wrap long base64 lines).

use crate::ids::AppId;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// The longest header read: an id and a 64-character secret need far less; anything longer is
/// not an application's and is refused before decoding.
const MAX_HEADER: usize = 1024;

/// An application's id and the secret it presented.
#[derive(PartialEq, Eq)]
pub struct Credentials {
    pub app: AppId,
    pub secret: String,
}

/// The secret never reaches a log through `{:?}`.
impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("app", &self.app)
            .field("secret", &"<hidden>")
            .finish()
    }
}

/// The credentials in an `Authorization` header's value; `None` for anything else (another
/// scheme, bad base64, no colon, an id that is not a positive number, an empty secret).
pub fn parse(header: &str) -> Option<Credentials> {
    if header.len() > MAX_HEADER {
        return None;
    }
    let header = header.trim();
    let (scheme, rest) = header.split_at_checked(6)?;
    if !scheme.eq_ignore_ascii_case("bearer") || !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let encoded: String = rest.chars().filter(|c| !c.is_whitespace()).collect();
    let decoded = STANDARD.decode(encoded).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    let id: i64 = id.trim().parse().ok().filter(|id| *id > 0)?;
    let secret = secret.trim();
    (!secret.is_empty()).then(|| Credentials {
        app: AppId(id),
        secret: secret.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(text: &str) -> String {
        format!("Bearer {}", STANDARD.encode(text))
    }

    #[test]
    fn reads_id_and_secret_from_a_bearer_header() {
        let c = parse(&header("7:abc123")).unwrap();
        assert_eq!(c.app, AppId(7));
        assert_eq!(c.secret, "abc123");
    }

    #[test]
    fn the_scheme_is_read_in_any_case_and_whitespace_is_ignored() {
        let encoded = STANDARD.encode("12:secret");
        let (a, b) = encoded.split_at(4);
        let c = parse(&format!("  bEaReR {a}\r\n {b}\n")).unwrap();
        assert_eq!(c.app, AppId(12));
        assert_eq!(c.secret, "secret");
    }

    #[test]
    fn anything_else_is_no_credentials() {
        assert!(parse("Basic dXNlcjpwYXNz").is_none());
        assert!(parse("Bearer").is_none());
        assert!(parse(&header("7:abc").replace("Bearer ", "Bearer")).is_none());
        assert!(parse("Bearer !!!notbase64").is_none());
        assert!(parse(&header("no-colon")).is_none());
        assert!(parse(&header("x:secret")).is_none());
        assert!(parse(&header("0:secret")).is_none());
        assert!(parse(&header("-3:secret")).is_none());
        assert!(parse(&header("3:")).is_none());
        assert!(parse(&format!("Bearer {}", "A".repeat(2000))).is_none());
        assert!(parse("").is_none());
    }

    #[test]
    fn the_secret_never_shows_in_debug_output() {
        let c = parse(&header("7:topsecret")).unwrap();
        assert!(!format!("{c:?}").contains("topsecret"));
    }
}
