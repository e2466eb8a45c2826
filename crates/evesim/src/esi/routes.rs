//! The single table of ESI routes the simulator serves. The router is built from it and the
//! spec-conformance test checks every row against CCP's OpenAPI document, so method, path,
//! parameters, scope, role, rate-limit group and cache age cannot drift from the spec.

use super::request::{EsiRequest, EsiResult};
use super::{contacts, mail, membership, universe};
use crate::state::Shared;

pub type Handler = fn(&Shared, &EsiRequest) -> EsiResult;

/// `x-rate-limit` of the spec: a floating 15-minute window of `max_tokens`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub group: &'static str,
    pub max_tokens: u32,
}

pub struct EsiRoute {
    pub method: &'static str,
    /// Spec path (also axum's syntax): no version prefix, no trailing slash.
    pub path: &'static str,
    /// The OAuth scope of the spec's `security`; `None` for public routes.
    pub scope: Option<&'static str>,
    /// `x-required-roles`: the token's character needs this corporation role.
    pub required_role: Option<&'static str>,
    /// Route-specific parameters the handler reads (path, query, header names), plus "body"
    /// when it reads the request body.
    pub params: &'static [&'static str],
    pub rate_limit: Option<RateLimit>,
    /// `x-cache-age` in seconds: drives `Expires`.
    pub cache_age: Option<u64>,
    pub handler: Handler,
}

/// Headers every route accepts; dispatch handles them for all rows.
pub const COMMON_PARAMS: &[&str] = &[
    "Accept-Language",
    "If-None-Match",
    "If-Modified-Since",
    "X-Compatibility-Date",
    "X-Tenant",
];

const fn limit(group: &'static str, max_tokens: u32) -> Option<RateLimit> {
    Some(RateLimit { group, max_tokens })
}

const CHAR_SOCIAL: Option<RateLimit> = limit("char-social", 600);
const CORP_SOCIAL: Option<RateLimit> = limit("corp-social", 300);
const ALLIANCE_SOCIAL: Option<RateLimit> = limit("alliance-social", 300);
const CORP_MEMBER: Option<RateLimit> = limit("corp-member", 300);

const fn public(
    method: &'static str,
    path: &'static str,
    params: &'static [&'static str],
    rate_limit: Option<RateLimit>,
    cache_age: Option<u64>,
    handler: Handler,
) -> EsiRoute {
    EsiRoute {
        method,
        path,
        scope: None,
        required_role: None,
        params,
        rate_limit,
        cache_age,
        handler,
    }
}

const fn authed(
    method: &'static str,
    path: &'static str,
    scope: &'static str,
    params: &'static [&'static str],
    rate_limit: Option<RateLimit>,
    cache_age: Option<u64>,
    handler: Handler,
) -> EsiRoute {
    EsiRoute {
        method,
        path,
        scope: Some(scope),
        required_role: None,
        params,
        rate_limit,
        cache_age,
        handler,
    }
}

pub static ROUTES: &[EsiRoute] = &[
    // Status and identity (public).
    public(
        "GET",
        "/status",
        &[],
        limit("status", 600),
        Some(30),
        universe::status,
    ),
    public(
        "GET",
        "/characters/{character_id}",
        &["character_id"],
        None,
        Some(86400),
        universe::character,
    ),
    public(
        "GET",
        "/corporations/{corporation_id}",
        &["corporation_id"],
        None,
        Some(3600),
        universe::corporation,
    ),
    public(
        "GET",
        "/alliances",
        &[],
        None,
        Some(3600),
        universe::alliances,
    ),
    public(
        "GET",
        "/alliances/{alliance_id}",
        &["alliance_id"],
        None,
        Some(3600),
        universe::alliance,
    ),
    public(
        "GET",
        "/alliances/{alliance_id}/corporations",
        &["alliance_id"],
        None,
        Some(3600),
        universe::alliance_corporations,
    ),
    public(
        "POST",
        "/characters/affiliation",
        &["body"],
        None,
        Some(3600),
        universe::affiliation,
    ),
    public(
        "POST",
        "/universe/names",
        &["body"],
        None,
        None,
        universe::names,
    ),
    public(
        "POST",
        "/universe/ids",
        &["body"],
        None,
        None,
        universe::ids,
    ),
    // Personal contacts.
    authed(
        "GET",
        "/characters/{character_id}/contacts",
        "esi-characters.read_contacts.v1",
        &["character_id", "page"],
        CHAR_SOCIAL,
        Some(300),
        contacts::list_character,
    ),
    authed(
        "POST",
        "/characters/{character_id}/contacts",
        "esi-characters.write_contacts.v1",
        &["character_id", "standing", "label_ids", "watched", "body"],
        CHAR_SOCIAL,
        None,
        contacts::add,
    ),
    authed(
        "PUT",
        "/characters/{character_id}/contacts",
        "esi-characters.write_contacts.v1",
        &["character_id", "standing", "label_ids", "watched", "body"],
        CHAR_SOCIAL,
        None,
        contacts::edit,
    ),
    authed(
        "DELETE",
        "/characters/{character_id}/contacts",
        "esi-characters.write_contacts.v1",
        &["character_id", "contact_ids"],
        CHAR_SOCIAL,
        None,
        contacts::delete,
    ),
    authed(
        "GET",
        "/characters/{character_id}/contacts/labels",
        "esi-characters.read_contacts.v1",
        &["character_id"],
        CHAR_SOCIAL,
        Some(300),
        contacts::labels_character,
    ),
    // Corporation and alliance contacts (read-only in ESI).
    authed(
        "GET",
        "/corporations/{corporation_id}/contacts",
        "esi-corporations.read_contacts.v1",
        &["corporation_id", "page"],
        CORP_SOCIAL,
        Some(300),
        contacts::list_corporation,
    ),
    authed(
        "GET",
        "/corporations/{corporation_id}/contacts/labels",
        "esi-corporations.read_contacts.v1",
        &["corporation_id"],
        CORP_SOCIAL,
        Some(300),
        contacts::labels_corporation,
    ),
    authed(
        "GET",
        "/alliances/{alliance_id}/contacts",
        "esi-alliances.read_contacts.v1",
        &["alliance_id", "page"],
        ALLIANCE_SOCIAL,
        Some(300),
        contacts::list_alliance,
    ),
    authed(
        "GET",
        "/alliances/{alliance_id}/contacts/labels",
        "esi-alliances.read_contacts.v1",
        &["alliance_id"],
        ALLIANCE_SOCIAL,
        Some(300),
        contacts::labels_alliance,
    ),
    // Membership and roles.
    authed(
        "GET",
        "/corporations/{corporation_id}/members",
        "esi-corporations.read_corporation_membership.v1",
        &["corporation_id"],
        CORP_MEMBER,
        Some(3600),
        membership::members,
    ),
    EsiRoute {
        required_role: Some("Director"),
        ..authed(
            "GET",
            "/corporations/{corporation_id}/membertracking",
            "esi-corporations.track_members.v1",
            &["corporation_id"],
            CORP_MEMBER,
            Some(3600),
            membership::tracking,
        )
    },
    authed(
        "GET",
        "/universe/structures/{structure_id}",
        "esi-universe.read_structures.v1",
        &["structure_id"],
        None,
        Some(3600),
        membership::structure,
    ),
    authed(
        "GET",
        "/characters/{character_id}/roles",
        "esi-characters.read_corporation_roles.v1",
        &["character_id"],
        limit("char-detail", 600),
        Some(3600),
        membership::roles,
    ),
    // Notifications and mail.
    authed(
        "GET",
        "/characters/{character_id}/notifications",
        "esi-characters.read_notifications.v1",
        &["character_id"],
        limit("char-notification", 15),
        Some(600),
        mail::notifications,
    ),
    authed(
        "GET",
        "/characters/{character_id}/mail",
        "esi-mail.read_mail.v1",
        &["character_id", "labels", "last_mail_id"],
        CHAR_SOCIAL,
        Some(30),
        mail::inbox,
    ),
    authed(
        "POST",
        "/characters/{character_id}/mail",
        "esi-mail.send_mail.v1",
        &["character_id", "body"],
        CHAR_SOCIAL,
        None,
        mail::send,
    ),
];
