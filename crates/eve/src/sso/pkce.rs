//! PKCE (RFC 7636) with S256: a secret verifier per login, whose SHA-256 (the challenge) goes in
//! the authorize URL and which itself goes in the token request. A code taken from a callback URL
//! (a proxy's access log, a mix-up) is then worthless in any other login: that login's verifier
//! does not match the code's challenge. EVE's SSO supports S256 only.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// RFC 7636 §4.1: 43 to 128 characters.
const LENGTH: std::ops::RangeInclusive<usize> = 43..=128;

/// A login's code verifier: kept by the client until the code comes back, never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct CodeVerifier(String);

impl std::fmt::Debug for CodeVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeVerifier(..)")
    }
}

impl CodeVerifier {
    /// A fresh verifier: 32 random bytes in base64url (43 characters of the unreserved set).
    pub fn generate() -> Self {
        Self(URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>()))
    }

    /// A verifier kept somewhere (a sealed cookie) and read back; `None` when it is not one
    /// RFC 7636 allows.
    pub fn parse(text: &str) -> Option<Self> {
        let unreserved = |c: char| c.is_ascii_alphanumeric() || "-._~".contains(c);
        (LENGTH.contains(&text.len()) && text.chars().all(unreserved))
            .then(|| Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The S256 challenge: base64url (unpadded) of the verifier's SHA-256.
    pub fn challenge(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(self.0.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_challenge_is_rfc_7636s_example() {
        // RFC 7636 Appendix B.
        let verifier = CodeVerifier::parse("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(
            verifier.map(|v| v.challenge()).as_deref(),
            Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        );
    }

    #[test]
    fn generated_verifiers_are_43_unreserved_characters_and_differ() {
        let a = CodeVerifier::generate();
        assert_eq!(a.as_str().len(), 43);
        assert_eq!(CodeVerifier::parse(a.as_str()), Some(a.clone()));
        assert_ne!(a, CodeVerifier::generate());
        assert!(!format!("{a:?}").contains(a.as_str()), "never in Debug");
    }

    #[test]
    fn only_rfc_7636_verifiers_are_read_back() {
        assert_eq!(CodeVerifier::parse(&"a".repeat(42)), None);
        assert!(CodeVerifier::parse(&"a".repeat(128)).is_some());
        assert_eq!(CodeVerifier::parse(&"a".repeat(129)), None);
        assert_eq!(CodeVerifier::parse(&format!("{}+", "a".repeat(42))), None);
    }
}
