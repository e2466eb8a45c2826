//! Every operation of CCP's spec (`spec/esi/openapi.yaml`), generated from it when the crate is
//! built (`build.rs`): method, path, whether it needs a character's token, rate-limit group and
//! query parameters. Requests Jumpgate passes on for others (the application API's ESI proxy)
//! are matched against it, so nothing the spec does not declare is ever sent, and which routes
//! are public is the spec's word, not a list kept by hand.

use super::routes::{Method, Route};

/// One piece of a spec path: `/characters/{character_id}/assets` is `characters`, an integer,
/// `assets`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Segment {
    Literal(&'static str),
    /// An id: digits only.
    Integer,
    /// A text placeholder (a killmail hash, a project's uuid): letters, digits, `-`, `_`, `.`,
    /// `~` (never `.` or `..` alone).
    Text,
}

/// An operation of the spec.
#[derive(Debug)]
pub struct Operation {
    /// Method, path template, rate-limit group and the query parameters it declares.
    pub route: Route,
    /// Whether the spec has `security` on it: it needs a character's token.
    pub authenticated: bool,
    /// The scopes its token must carry.
    pub scopes: &'static [&'static str],
    segments: &'static [Segment],
}

include!(concat!(env!("OUT_DIR"), "/esi_operations.rs"));

impl Operation {
    /// Whether the spec lets anyone call it without a token.
    pub fn is_public(&self) -> bool {
        !self.authenticated
    }

    /// The spec's spelling of query parameter `name`, when the operation declares it.
    pub fn query_parameter(&self, name: &str) -> Option<&'static str> {
        self.route.query.iter().copied().find(|q| *q == name)
    }

    /// Whether `segments` (a path split at `/`) is this operation's path; literal segments must
    /// be equal, placeholders well-formed.
    fn matches(&self, segments: &[&str]) -> bool {
        self.segments.len() == segments.len()
            && self.segments.iter().zip(segments).all(|(s, text)| match s {
                Segment::Literal(l) => l == text,
                Segment::Integer => {
                    !text.is_empty() && text.len() <= 20 && text.bytes().all(|b| b.is_ascii_digit())
                }
                Segment::Text => {
                    !matches!(*text, "" | "." | "..")
                        && text
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b))
                }
            })
    }

    fn literal_segments(&self) -> usize {
        self.segments
            .iter()
            .filter(|s| matches!(s, Segment::Literal(_)))
            .count()
    }
}

/// A concrete path matched to its operation.
#[derive(Debug, Clone)]
pub struct MatchedPath {
    pub operation: &'static Operation,
    /// The path as it is sent: no version prefix, no trailing slash.
    pub path: String,
}

/// The operation `method path` names, if the spec has it. `path` may carry what ESI's older
/// clients send: a version prefix (`/latest`, `/legacy`, `/dev`, `/v4`) and a trailing slash;
/// both are dropped, as the spec's paths have neither (the compatibility date chooses the
/// version now). Where a literal segment and a placeholder would both match
/// (`/characters/{id}/mail/labels` and `/characters/{id}/mail/{mail_id}`), the literal wins.
pub fn find(method: Method, path: &str) -> Option<MatchedPath> {
    let path = canonical(path)?;
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let operation = OPERATIONS
        .iter()
        .filter(|op| op.route.method == method && op.matches(&segments))
        .max_by_key(|op| op.literal_segments())?;
    Some(MatchedPath { operation, path })
}

/// Whether the spec has any operation on `path`, whatever the method.
pub fn path_exists(path: &str) -> bool {
    [Method::Get, Method::Post, Method::Put, Method::Delete]
        .into_iter()
        .any(|m| find(m, path).is_some())
}

/// Every operation of the spec.
pub fn all() -> &'static [Operation] {
    OPERATIONS
}

/// `path` without a version prefix or a trailing slash, with its leading slash; `None` when it
/// has an empty segment (`//`).
fn canonical(path: &str) -> Option<String> {
    let path = path.trim();
    let path = path.strip_prefix('/').unwrap_or(path);
    let path = path.strip_suffix('/').unwrap_or(path);
    let rest = match path.split_once('/') {
        Some((first, rest)) if is_version(first) => rest,
        _ => path,
    };
    if rest.is_empty() || rest.split('/').any(str::is_empty) {
        return None;
    }
    Some(format!("/{rest}"))
}

/// `latest`, `legacy`, `dev` or `v` and digits: the version prefixes of ESI's Swagger days.
fn is_version(segment: &str) -> bool {
    matches!(segment, "latest" | "legacy" | "dev")
        || segment
            .strip_prefix('v')
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_spec_is_in_the_catalogue() {
        // 233 operations in the spec of 2026-08-18, 145 of them with `security`.
        assert!(all().len() > 200, "{}", all().len());
        assert!(all().iter().filter(|o| o.authenticated).count() > 100);
        assert!(all().iter().any(|o| o.is_public()));
    }

    #[test]
    fn an_authenticated_route_is_found_with_its_group_scope_and_query() {
        let m = find(Method::Get, "/characters/2112000001/assets").expect("assets");
        assert_eq!(m.path, "/characters/2112000001/assets");
        let op = m.operation;
        assert_eq!(op.route.template, "/characters/{character_id}/assets");
        assert!(op.authenticated);
        assert_eq!(op.scopes, ["esi-assets.read_assets.v1"]);
        assert_eq!(op.route.group, Some("char-asset"));
        assert_eq!(op.query_parameter("page"), Some("page"));
        assert_eq!(op.query_parameter("datasource"), None);
    }

    #[test]
    fn public_routes_are_the_ones_without_security() {
        assert!(
            find(Method::Get, "/alliances")
                .expect("alliances")
                .operation
                .is_public()
        );
        assert!(
            find(Method::Post, "/universe/names")
                .expect("names")
                .operation
                .is_public()
        );
        assert!(
            !find(Method::Get, "/characters/1/roles")
                .expect("roles")
                .operation
                .is_public()
        );
    }

    #[test]
    fn old_clients_paths_are_made_canonical() {
        for old in [
            "/latest/characters/1/assets/",
            "/v5/characters/1/assets",
            "characters/1/assets/",
            "/legacy/characters/1/assets",
        ] {
            let m = find(Method::Get, old).unwrap_or_else(|| panic!("{old}"));
            assert_eq!(m.path, "/characters/1/assets", "{old}");
        }
    }

    #[test]
    fn what_the_spec_does_not_have_is_not_found() {
        for (method, path) in [
            (Method::Get, "/characters/abc/assets"),
            (Method::Get, "/characters/1/assets/extra"),
            (Method::Get, "/characters//assets"),
            (Method::Get, ""),
            (Method::Get, "/"),
            (Method::Delete, "/characters/1/assets"),
            (Method::Get, "/characters/1/../../status"),
            (Method::Get, "/nowhere"),
        ] {
            assert!(find(method, path).is_none(), "{} {path}", method.as_str());
        }
        assert!(path_exists("/characters/1/assets"));
        assert!(!path_exists("/nowhere"));
    }

    #[test]
    fn a_literal_segment_wins_over_a_placeholder() {
        let labels = find(Method::Get, "/characters/1/mail/labels").expect("labels");
        assert_eq!(
            labels.operation.route.template,
            "/characters/{character_id}/mail/labels"
        );
        let mail = find(Method::Get, "/characters/1/mail/7").expect("a mail");
        assert_eq!(
            mail.operation.route.template,
            "/characters/{character_id}/mail/{mail_id}"
        );
    }

    #[test]
    fn the_hand_written_routes_agree_with_the_catalogue() {
        for route in super::super::routes::ALL {
            let op = all()
                .iter()
                .find(|o| o.route.method == route.method && o.route.template == route.template)
                .unwrap_or_else(|| panic!("{} {}", route.method.as_str(), route.template));
            assert_eq!(op.route.group, route.group, "{}", route.template);
        }
    }
}
