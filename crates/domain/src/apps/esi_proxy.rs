//! The ESI proxy's rules (Neucore's `app-esi-proxy`): whose token an application's ESI request
//! uses, what it may send, which of ESI's headers it gets back, and Neucore's words for each
//! refusal (tools match on them).

use crate::ids::CharacterId;
use crate::scopes::EveLogin;

/// Neucore's reason phrases.
pub const PATH_EMPTY: &str = "Path cannot be empty.";
pub const PUBLIC_ROUTE: &str = "Public ESI routes are not allowed.";
pub const NO_CHARACTER: &str = "The Neucore-EveCharacter header and datasource parameter cannot both be empty, one of them must contain an EVE character ID";
pub const CHARACTER_NOT_FOUND: &str = "Character not found.";
pub const NO_VALID_TOKEN: &str = "Character has no valid token.";
/// A POST body that is not JSON (ESI would refuse it, spending the error limit).
pub const INVALID_BODY: &str = "Invalid body.";

/// The largest request body passed on to ESI. ESI's largest bodies are lists of at most 1,000
/// ids (a few kilobytes) and mails; a body larger than this is no ESI request.
pub const MAX_REQUEST_BODY: usize = 256 * 1024;

/// ESI's headers an application gets back (Neucore's list, with the validators and
/// `Last-Modified` an application needs to make its own conditional requests).
pub const PASSED_HEADERS: &[&str] = &[
    "Content-Type",
    "Expires",
    "ETag",
    "Last-Modified",
    "X-Esi-Error-Limit-Remain",
    "X-Esi-Error-Limit-Reset",
    "X-Ratelimit-Group",
    "X-Ratelimit-Limit",
    "X-Ratelimit-Remaining",
    "X-Ratelimit-Used",
    "X-Pages",
    "X-Compatibility-Date",
    "Warning",
    "Retry-After",
];

/// The languages ESI answers in (`Accept-Language`).
const LANGUAGES: &[&str] = &["en", "de", "fr", "ja", "ru", "zh", "ko", "es"];

/// Whose token a request uses: a character and the EVE login of its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenChoice {
    /// `None` when neither the header nor `datasource` names one.
    pub character: Option<CharacterId>,
    pub login: String,
}

impl TokenChoice {
    /// Neucore's rule: the `Neucore-EveCharacter` header (with `Neucore-EveLogin`) when it is
    /// set, else `datasource=<character id>[:<login>]`; the login defaults to `core.default`.
    /// Anything that is not a positive whole number names no character.
    pub fn from_request(
        header_character: Option<&str>,
        header_login: Option<&str>,
        datasource: Option<&str>,
    ) -> Self {
        let (character, login) = match header_character.map(str::trim).filter(|c| !c.is_empty()) {
            Some(character) => (character, header_login.unwrap_or_default()),
            None => {
                let datasource = datasource.unwrap_or_default();
                datasource.split_once(':').unwrap_or((datasource, ""))
            }
        };
        let login = login.trim();
        Self {
            character: character
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .map(CharacterId),
            login: if login.is_empty() {
                EveLogin::DEFAULT.to_owned()
            } else {
                login.to_owned()
            },
        }
    }
}

/// The language an `Accept-Language` value asks for, if ESI has it (`de-DE,de;q=0.9` → `de`);
/// ESI's default (English) otherwise.
pub fn language(accept_language: &str) -> Option<&'static str> {
    let first = accept_language.split([',', ';']).next()?.trim();
    let primary = first.split('-').next()?.to_ascii_lowercase();
    LANGUAGES.iter().copied().find(|l| *l == primary)
}

/// Whether an `X-Compatibility-Date` is a date as ESI reads them (`YYYY-MM-DD`); ESI refuses
/// anything else with an error that counts against the error limit.
pub fn is_compatibility_date(text: &str) -> bool {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    text.len() == 10 && time::Date::parse(text, &format).is_ok()
}

/// Whether `name` is one of ESI's headers an application gets back.
pub fn is_passed_header(name: &str) -> bool {
    PASSED_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_wins_over_datasource_and_the_login_defaults_to_core_default() {
        let both = TokenChoice::from_request(Some("7"), Some("mail"), Some("8:other"));
        assert_eq!(both.character, Some(CharacterId(7)));
        assert_eq!(both.login, "mail");
        let header = TokenChoice::from_request(Some("7"), None, Some("8:other"));
        assert_eq!(
            (header.character, header.login.as_str()),
            (Some(CharacterId(7)), "core.default")
        );
        let datasource = TokenChoice::from_request(None, Some("ignored"), Some("8:other"));
        assert_eq!(
            (datasource.character, datasource.login.as_str()),
            (Some(CharacterId(8)), "other")
        );
        let plain = TokenChoice::from_request(Some(""), None, Some("8"));
        assert_eq!(
            (plain.character, plain.login.as_str()),
            (Some(CharacterId(8)), "core.default")
        );
        let empty_login = TokenChoice::from_request(None, None, Some("8:"));
        assert_eq!(empty_login.login, "core.default");
    }

    #[test]
    fn anything_but_a_positive_number_names_no_character() {
        for datasource in [None, Some(""), Some("tranquility"), Some("0"), Some("-4:x")] {
            assert_eq!(
                TokenChoice::from_request(None, None, datasource).character,
                None,
                "{datasource:?}"
            );
        }
    }

    #[test]
    fn languages_and_dates_are_read_as_esi_reads_them() {
        assert_eq!(language("de-DE,de;q=0.9,en;q=0.8"), Some("de"));
        assert_eq!(language("ZH"), Some("zh"));
        assert_eq!(language("pt-BR"), None);
        assert!(is_compatibility_date("2025-11-06"));
        assert!(!is_compatibility_date("2025-13-06"));
        assert!(!is_compatibility_date("yesterday"));
        assert!(is_passed_header("x-pages"));
        assert!(!is_passed_header("set-cookie"));
    }
}
