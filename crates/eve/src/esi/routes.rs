//! Every ESI operation this client calls, as declared in `spec/esi/openapi.yaml`.
//!
//! A request can only be built from one of these, and may only carry the query parameters its
//! route lists, so the spec test over [`ALL`] covers everything the client sends. Adding an
//! operation: add a constant here (copying method, path, `x-rate-limit.group` and query names
//! from the spec), add it to [`ALL`], then write a few-line method in `api.rs`.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }

    pub(crate) fn to_reqwest(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Delete => reqwest::Method::DELETE,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct Route {
    pub method: Method,
    /// The path as in the spec, placeholders included. Also the `route` metrics label.
    pub template: &'static str,
    /// `x-rate-limit.group`; `None` for routes under the error limiter only.
    pub group: Option<&'static str>,
    /// The query parameters the client may send on this route.
    pub query: &'static [&'static str],
    /// Whether sending the request twice does no harm, so 5xx answers may be retried.
    pub idempotent: bool,
}

impl Route {
    const fn get(template: &'static str, group: Option<&'static str>) -> Self {
        Self {
            method: Method::Get,
            template,
            group,
            query: &[],
            idempotent: true,
        }
    }

    const fn with_query(mut self, query: &'static [&'static str]) -> Self {
        self.query = query;
        self
    }

    /// The concrete path: each `{placeholder}` in turn replaced by the next id.
    pub fn path(&self, ids: &[i64]) -> String {
        let mut out = String::with_capacity(self.template.len() + 16);
        let mut ids = ids.iter();
        let mut rest = self.template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
            match ids.next() {
                Some(id) => out.push_str(&id.to_string()),
                None => out.push_str(&rest[open..close]),
            }
            rest = &rest[close..];
        }
        out.push_str(rest);
        debug_assert!(ids.next().is_none(), "too many ids for {}", self.template);
        out
    }

    /// The bucket a request on this route draws from, before any answer told us: the spec's
    /// group, or the route itself (some routes have a limiter deep in the game server).
    pub(crate) fn bucket_group(&self) -> &'static str {
        self.group.unwrap_or(self.template)
    }
}

pub const STATUS: Route = Route::get("/status", Some("status"));
pub const CHARACTER: Route = Route::get("/characters/{character_id}", None);
pub const CORPORATION: Route = Route::get("/corporations/{corporation_id}", None);
pub const ALLIANCE: Route = Route::get("/alliances/{alliance_id}", None);
/// A player structure, for characters on its docking list (scope
/// `esi-universe.read_structures.v1`); "Forbidden" for anyone else.
pub const UNIVERSE_STRUCTURE: Route = Route::get("/universe/structures/{structure_id}", None);
pub const CHARACTER_ROLES: Route =
    Route::get("/characters/{character_id}/roles", Some("char-detail"));
/// Director only (scope `esi-corporations.track_members.v1`); ESI caches it for an hour.
pub const CORPORATION_MEMBERTRACKING: Route = Route::get(
    "/corporations/{corporation_id}/membertracking",
    Some("corp-member"),
);

/// Read-only lookups sent as POST because of their bodies: safe to repeat.
pub const AFFILIATION: Route = Route {
    method: Method::Post,
    template: "/characters/affiliation",
    group: None,
    query: &[],
    idempotent: true,
};
pub const UNIVERSE_NAMES: Route = Route {
    method: Method::Post,
    template: "/universe/names",
    group: None,
    query: &[],
    idempotent: true,
};
pub const UNIVERSE_IDS: Route = Route {
    method: Method::Post,
    template: "/universe/ids",
    group: None,
    query: &[],
    idempotent: true,
};

pub const CHARACTER_CONTACTS: Route =
    Route::get("/characters/{character_id}/contacts", Some("char-social")).with_query(&["page"]);
/// Adding a contact that exists or setting the same standing twice changes nothing more.
pub const CHARACTER_CONTACTS_ADD: Route = Route {
    method: Method::Post,
    template: "/characters/{character_id}/contacts",
    group: Some("char-social"),
    query: &["standing", "label_ids", "watched"],
    idempotent: true,
};
pub const CHARACTER_CONTACTS_EDIT: Route = Route {
    method: Method::Put,
    ..CHARACTER_CONTACTS_ADD
};
pub const CHARACTER_CONTACTS_DELETE: Route = Route {
    method: Method::Delete,
    template: "/characters/{character_id}/contacts",
    group: Some("char-social"),
    query: &["contact_ids"],
    idempotent: true,
};
pub const CHARACTER_CONTACT_LABELS: Route = Route::get(
    "/characters/{character_id}/contacts/labels",
    Some("char-social"),
);
pub const CORPORATION_CONTACTS: Route = Route::get(
    "/corporations/{corporation_id}/contacts",
    Some("corp-social"),
)
.with_query(&["page"]);
pub const CORPORATION_CONTACT_LABELS: Route = Route::get(
    "/corporations/{corporation_id}/contacts/labels",
    Some("corp-social"),
);
pub const ALLIANCE_CONTACTS: Route =
    Route::get("/alliances/{alliance_id}/contacts", Some("alliance-social")).with_query(&["page"]);
pub const ALLIANCE_CONTACT_LABELS: Route = Route::get(
    "/alliances/{alliance_id}/contacts/labels",
    Some("alliance-social"),
);

/// Sending an EVE mail (scope `esi-mail.send_mail.v1`): never repeated, a second send is a
/// second mail.
pub const CHARACTER_MAIL_SEND: Route = Route {
    method: Method::Post,
    template: "/characters/{character_id}/mail",
    group: Some("char-social"),
    query: &[],
    idempotent: false,
};

/// Every route above; the spec test walks this list.
pub const ALL: &[&Route] = &[
    &STATUS,
    &CHARACTER,
    &CORPORATION,
    &ALLIANCE,
    &CHARACTER_ROLES,
    &CORPORATION_MEMBERTRACKING,
    &UNIVERSE_STRUCTURE,
    &AFFILIATION,
    &UNIVERSE_NAMES,
    &UNIVERSE_IDS,
    &CHARACTER_CONTACTS,
    &CHARACTER_CONTACTS_ADD,
    &CHARACTER_CONTACTS_EDIT,
    &CHARACTER_CONTACTS_DELETE,
    &CHARACTER_CONTACT_LABELS,
    &CORPORATION_CONTACTS,
    &CORPORATION_CONTACT_LABELS,
    &ALLIANCE_CONTACTS,
    &ALLIANCE_CONTACT_LABELS,
    &CHARACTER_MAIL_SEND,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_fill_placeholders_in_order() {
        assert_eq!(CHARACTER.path(&[2_112_000_001]), "/characters/2112000001");
        assert_eq!(STATUS.path(&[]), "/status");
        assert_eq!(
            CORPORATION_CONTACT_LABELS.path(&[98_000_001]),
            "/corporations/98000001/contacts/labels"
        );
    }

    #[test]
    fn no_path_has_a_version_prefix_or_trailing_slash() {
        for r in ALL {
            assert!(
                r.template.starts_with('/') && !r.template.ends_with('/'),
                "{}",
                r.template
            );
            for prefix in [
                "/latest", "/dev", "/legacy", "/v1", "/v2", "/v3", "/v4", "/v5",
            ] {
                assert!(
                    !r.template.starts_with(&format!("{prefix}/")),
                    "{}",
                    r.template
                );
            }
        }
    }
}
