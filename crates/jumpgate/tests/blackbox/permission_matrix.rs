//! The route matrix: every route × {anonymous, guest, member, approver, standings admin, admin,
//! superuser}, on both databases: the status each gets, and for a refused POST that nothing in
//! the database changed.
//!
//! How it cannot be forgotten: `every_route_has_a_row` reads the web crate's routers
//! (`crates/web/src/routes/**`, every `.route("path", get(..).post(..))`) and fails for a route
//! and method without a row in `ROUTES`, saying what to add.
//!
//! Requests point at things that do not exist (id 999999) or send forms the use case refuses as
//! invalid, so an allowed caller gets a 404 or 400 and changes nothing either; what matters is
//! that a refused one is stopped before (303 to the login page, or 403).

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::support::{Browser, TestApp};
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::{AccountId, CharacterId};
use reqwest::StatusCode;
use std::collections::{BTreeMap, BTreeSet};

/// Who may use a route.
#[derive(Debug, Clone, Copy)]
enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in person (the use case checks ownership).
    SignedIn,
    /// A signed-in person holding one of these permissions.
    Needs(&'static [&'static str]),
}

const REQUEST: &[&str] = &[Permission::STANDINGS_REQUEST];
const APPROVE: &[&str] = &[Permission::STANDINGS_APPROVE];
const MANAGE: &[&str] = &[Permission::STANDINGS_MANAGE];
const USERS: &[&str] = &[Permission::ADMIN_USERS];
const STATES: &[&str] = &[Permission::ADMIN_STATES];
const JOBS: &[&str] = &[Permission::ADMIN_JOBS];
const AUDIT: &[&str] = &[Permission::ADMIN_AUDIT, Permission::STANDINGS_AUDIT];
const GROUPS: &[&str] = &[Permission::ADMIN_GROUPS];
const ROLES: &[&str] = &[Permission::ADMIN_ROLES];
const TRACKING: &[&str] = &[Permission::ADMIN_TRACKING];
const APPS: &[&str] = &[Permission::ADMIN_APPS];

/// One route: method, path as declared, who may use it, the status an allowed caller gets with
/// the request below, and the form a POST sends. In paths, `{id}` becomes 999999 (nothing),
/// `{character}` the caller's own character and `{file}` a static file.
struct Route {
    method: &'static str,
    path: &'static str,
    access: Access,
    ok: u16,
    form: &'static [(&'static str, &'static str)],
}

const fn get(path: &'static str, access: Access, ok: u16) -> Route {
    Route {
        method: "GET",
        path,
        access,
        ok,
        form: &[],
    }
}

const fn post(
    path: &'static str,
    access: Access,
    ok: u16,
    form: &'static [(&'static str, &'static str)],
) -> Route {
    Route {
        method: "POST",
        path,
        access,
        ok,
        form,
    }
}

use Access::{Needs, Public, SignedIn};

/// Every route of the web edge. `/logout` is requested last (it signs the browser out).
const ROUTES: &[Route] = &[
    get("/", Public, 200),
    get("/login", Public, 200),
    get("/sso/login", Public, 303),
    get("/sso/callback", Public, 400),
    get("/account/email/verify", Public, 400),
    post("/account/email/verify", Public, 400, &[("token", "")]),
    get("/healthz", Public, 200),
    get("/readyz", Public, 200),
    // Prometheus sends a bearer token (web_security tests it); a browser session is not one.
    get("/metrics", Public, 401),
    get("/static/{file}", Public, 200),
    get("/favicon.ico", Public, 200),
    // a person's own account
    get("/account", SignedIn, 200),
    post(
        "/account/main",
        SignedIn,
        404,
        &[("character_id", "999999")],
    ),
    post("/account/email", SignedIn, 303, &[("action", "remove")]),
    post("/account/email/resend", SignedIn, 400, &[]),
    post("/account/timezone", SignedIn, 303, &[("timezone", "UTC")]),
    post("/account/characters/{id}/remove", SignedIn, 404, &[]),
    // administrators
    get("/admin/users", Needs(USERS), 200),
    get("/admin/users/rows", Needs(USERS), 200),
    get("/admin/users/{id}", Needs(USERS), 404),
    get("/admin/characters", Needs(USERS), 200),
    get("/admin/search", Needs(USERS), 200),
    post(
        "/admin/users/{id}/permissions/grant",
        Needs(STATES),
        404,
        &[("permission", "standings.audit")],
    ),
    post(
        "/admin/users/{id}/permissions/revoke",
        Needs(STATES),
        404,
        &[("permission", "standings.audit")],
    ),
    post("/admin/users/{id}/sessions/end", Needs(USERS), 404, &[]),
    post(
        "/admin/users/{id}/status",
        Needs(USERS),
        404,
        &[("status", "managed")],
    ),
    get("/admin/jobs", Needs(JOBS), 200),
    post(
        "/admin/jobs/run-now",
        Needs(JOBS),
        400,
        &[("kind", "no-such-job")],
    ),
    post("/admin/jobs/{id}/retry", Needs(JOBS), 400, &[]),
    post("/admin/jobs/safety-valve/reset", Needs(JOBS), 303, &[]),
    get("/admin/states", Needs(STATES), 200),
    post(
        "/admin/states",
        Needs(STATES),
        400,
        &[("name", "Matrix"), ("priority", "not a number")],
    ),
    get("/admin/states/{id}", Needs(STATES), 404),
    post(
        "/admin/states/{id}",
        Needs(STATES),
        404,
        &[("priority", "10")],
    ),
    post(
        "/admin/states/{id}/criteria/add",
        Needs(STATES),
        404,
        &[("kind", "corporation"), ("entity", "1")],
    ),
    post(
        "/admin/states/{id}/criteria/remove",
        Needs(STATES),
        404,
        &[("kind", "corporation"), ("entity_id", "1")],
    ),
    post("/admin/states/{id}/delete", Needs(STATES), 404, &[]),
    // groups: every member sees what is visible to them; a group's managers are checked by the
    // use case (a group that does not exist is "not found" to everyone)
    get("/groups", SignedIn, 200),
    get("/groups/{id}", SignedIn, 404),
    post("/groups/{id}/apply", SignedIn, 404, &[("message", "")]),
    post("/groups/{id}/leave", SignedIn, 404, &[]),
    post("/groups/applications/{id}/cancel", SignedIn, 404, &[]),
    post(
        "/groups/applications/{id}/accept",
        SignedIn,
        404,
        &[("note", "")],
    ),
    post(
        "/groups/applications/{id}/deny",
        SignedIn,
        404,
        &[("reason", "no")],
    ),
    post(
        "/groups/{id}/members/add",
        SignedIn,
        404,
        &[("character", "Nobody")],
    ),
    post(
        "/groups/{id}/members/remove",
        SignedIn,
        404,
        &[("account", "1")],
    ),
    // roles: every person has a dashboard; who may appoint is decided by the caller's roles in
    // the use case (a character nobody knows is "not found" to everyone)
    get("/roles", SignedIn, 200),
    post(
        "/roles/appoint",
        SignedIn,
        404,
        &[("role", "general_fc"), ("character", "Nobody")],
    ),
    post(
        "/roles/dismiss",
        SignedIn,
        404,
        &[("role", "general_fc"), ("account", "999999")],
    ),
    get("/admin/roles", Needs(ROLES), 200),
    post("/admin/roles/divisions", Needs(ROLES), 400, &[("name", "")]),
    post("/admin/roles/divisions/{id}/delete", Needs(ROLES), 404, &[]),
    post(
        "/admin/roles/specialties",
        Needs(ROLES),
        400,
        &[("name", "")],
    ),
    post(
        "/admin/roles/specialties/{id}/delete",
        Needs(ROLES),
        404,
        &[],
    ),
    post(
        "/admin/roles/permissions",
        Needs(ROLES),
        404,
        &[("role", "specialty:999999")],
    ),
    post(
        "/admin/roles/leading",
        Needs(ROLES),
        400,
        &[("corporations", "x"), ("alliances", "")],
    ),
    get("/admin/groups", Needs(GROUPS), 200),
    post(
        "/admin/groups",
        Needs(GROUPS),
        400,
        &[("name", ""), ("visibility", "private")],
    ),
    get("/admin/groups/{id}", Needs(GROUPS), 404),
    post(
        "/admin/groups/{id}",
        Needs(GROUPS),
        404,
        &[("name", "Matrix"), ("visibility", "public")],
    ),
    post("/admin/groups/{id}/delete", Needs(GROUPS), 404, &[]),
    post(
        "/admin/groups/{id}/conditions",
        Needs(GROUPS),
        404,
        &[("states", "")],
    ),
    post(
        "/admin/groups/{id}/managers/add",
        Needs(GROUPS),
        404,
        &[("character", "Nobody")],
    ),
    post(
        "/admin/groups/{id}/managers/remove",
        Needs(GROUPS),
        404,
        &[("account", "1")],
    ),
    post(
        "/admin/groups/{id}/manager-groups/add",
        Needs(GROUPS),
        404,
        &[("group", "1")],
    ),
    post(
        "/admin/groups/{id}/manager-groups/remove",
        Needs(GROUPS),
        404,
        &[("group", "1")],
    ),
    post(
        "/admin/groups/{id}/rules",
        Needs(GROUPS),
        404,
        &[("default", "on")],
    ),
    post(
        "/admin/groups/{id}/rules/add",
        Needs(GROUPS),
        404,
        &[("kind", "corporation"), ("entity", "1")],
    ),
    post(
        "/admin/groups/{id}/rules/remove",
        Needs(GROUPS),
        404,
        &[("kind", "corporation"), ("entity_id", "1")],
    ),
    // member tracking: a corporation's page is its viewer groups' (anyone else: not found)
    get("/tracking", SignedIn, 200),
    get("/tracking/{id}", SignedIn, 404),
    get("/tracking/{id}/members.csv", SignedIn, 404),
    get("/admin/tracking", Needs(TRACKING), 200),
    post("/admin/tracking/{id}/groups", Needs(TRACKING), 404, &[]),
    post("/admin/tracking/{id}/stop", Needs(TRACKING), 404, &[]),
    // applications: administrators change them; a person sees and makes the secret of what they
    // manage (anyone else: not found)
    get("/apps", SignedIn, 200),
    post("/apps", Needs(APPS), 400, &[("name", "")]),
    get("/apps/{id}", SignedIn, 404),
    post("/apps/{id}/rename", Needs(APPS), 404, &[("name", "x")]),
    post("/apps/{id}/roles", Needs(APPS), 404, &[]),
    post("/apps/{id}/groups", Needs(APPS), 404, &[]),
    post("/apps/{id}/logins", Needs(APPS), 404, &[]),
    post(
        "/apps/{id}/managers",
        Needs(APPS),
        404,
        &[("character", "")],
    ),
    post(
        "/apps/{id}/managers/{account}/remove",
        Needs(APPS),
        404,
        &[],
    ),
    post("/apps/{id}/secret", SignedIn, 404, &[]),
    post("/apps/{id}/delete", Needs(APPS), 404, &[]),
    post(
        "/apps/{id}/webhook",
        SignedIn,
        404,
        &[("url", "https://example.org/hook"), ("enabled", "on")],
    ),
    post("/apps/{id}/webhook/clear", SignedIn, 404, &[]),
    post("/apps/{id}/webhook/secret", SignedIn, 404, &[]),
    post("/apps/{id}/webhook/test", SignedIn, 404, &[]),
    post(
        "/apps/{id}/webhook/deliveries/{delivery}/retry",
        SignedIn,
        404,
        &[],
    ),
    get("/admin/audit", Needs(AUDIT), 200),
    get("/admin/audit.csv", Needs(AUDIT), 200),
    // standings: members
    get("/standings", Needs(REQUEST), 200),
    post(
        "/standings/request",
        Needs(REQUEST),
        404,
        &[("entity", "character:999999")],
    ),
    post("/standings/requests/{id}/cancel", SignedIn, 404, &[]),
    post(
        "/standings/revoke",
        Needs(REQUEST),
        404,
        &[("entity_id", "999999")],
    ),
    post("/standings/revocations/{id}/cancel", SignedIn, 404, &[]),
    post("/standings/notifications/read", SignedIn, 303, &[]),
    get("/notifications", SignedIn, 200),
    post("/notifications/read", SignedIn, 303, &[]),
    get("/standings/sync", Needs(REQUEST), 200),
    post(
        "/standings/sync/{character}/enrol",
        Needs(REQUEST),
        303,
        &[],
    ),
    post("/standings/sync/{character}/now", Needs(REQUEST), 303, &[]),
    post("/standings/sync/{character}/leave", SignedIn, 303, &[]),
    get("/standings/operations/{id}", SignedIn, 404),
    get("/standings/operations/{id}/progress", SignedIn, 404),
    // standings: approvers
    get("/standings/queue", Needs(APPROVE), 200),
    get("/standings/queue/{id}", Needs(APPROVE), 404),
    get("/standings/queue/{id}/decide", Needs(APPROVE), 404),
    get("/standings/queue/{id}/preview", Needs(APPROVE), 404),
    post("/standings/queue/{id}/approve", Needs(APPROVE), 404, &[]),
    post(
        "/standings/queue/{id}/reject",
        Needs(APPROVE),
        404,
        &[("reason", "no")],
    ),
    post(
        "/standings/queue/bulk",
        Needs(APPROVE),
        400,
        &[("action", "reject"), ("reason", "no")],
    ),
    get("/standings/queue/revocations/{id}", Needs(APPROVE), 404),
    get(
        "/standings/queue/revocations/{id}/decide",
        Needs(APPROVE),
        404,
    ),
    get(
        "/standings/queue/revocations/{id}/preview",
        Needs(APPROVE),
        404,
    ),
    post(
        "/standings/queue/revocations/{id}/approve",
        Needs(APPROVE),
        404,
        &[],
    ),
    post(
        "/standings/queue/revocations/{id}/reject",
        Needs(APPROVE),
        404,
        &[("reason", "no")],
    ),
    post(
        "/standings/queue/revocations/bulk",
        Needs(APPROVE),
        400,
        &[("action", "reject"), ("reason", "no")],
    ),
    // standings: managers
    get("/standings/entries", Needs(MANAGE), 200),
    post(
        "/standings/entries",
        Needs(MANAGE),
        400,
        &[("kind", "character"), ("id", "999999"), ("standing", "")],
    ),
    get("/standings/entries.csv", Needs(MANAGE), 200),
    post("/standings/entries/{id}/delete", Needs(MANAGE), 404, &[]),
    post("/standings/entries/bulk-delete", Needs(MANAGE), 400, &[]),
    post(
        "/standings/entries/import",
        Needs(MANAGE),
        400,
        &[("csv", "not,a,standings,csv")],
    ),
    post(
        "/standings/entries/import-contacts",
        Needs(MANAGE),
        404,
        &[("kind", "alliance"), ("id", "1"), ("reader", "999999")],
    ),
    get("/standings/sync/admin", Needs(MANAGE), 200),
    get("/standings/sync/admin/progress", Needs(MANAGE), 200),
    post("/standings/sync/admin/selected", Needs(MANAGE), 303, &[]),
    post("/standings/sync/admin/all", Needs(MANAGE), 303, &[]),
    // last: it signs the browser out
    // Last, as /logout: it signs the caller out on every browser.
    post("/account/sessions/end", SignedIn, 303, &[]),
    post("/logout", Public, 303, &[]),
];

/// The callers of the matrix, each with the permissions granted to its account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Anonymous,
    Guest,
    Member,
    Approver,
    StandingsAdmin,
    Admin,
    Superuser,
}

impl Kind {
    /// Superuser first: the first login of a demo database becomes superuser.
    const ALL: [Kind; 7] = [
        Kind::Superuser,
        Kind::Anonymous,
        Kind::Guest,
        Kind::Member,
        Kind::Approver,
        Kind::StandingsAdmin,
        Kind::Admin,
    ];

    fn granted(self) -> &'static [&'static str] {
        match self {
            Kind::Member => REQUEST,
            Kind::Approver => APPROVE,
            Kind::StandingsAdmin => MANAGE,
            Kind::Admin => &[
                Permission::ADMIN_USERS,
                Permission::ADMIN_JOBS,
                Permission::ADMIN_STATES,
                Permission::ADMIN_AUDIT,
                Permission::ADMIN_GROUPS,
                Permission::ADMIN_TRACKING,
                Permission::ADMIN_APPS,
            ],
            _ => &[],
        }
    }

    /// The status this kind should get from `route`.
    fn expected(self, route: &Route) -> u16 {
        match (route.access, self) {
            (Public, _) => route.ok,
            (_, Kind::Anonymous) => 303,
            (Needs(p), k) if k != Kind::Superuser && !p.iter().any(|p| k.granted().contains(p)) => {
                403
            }
            _ => route.ok,
        }
    }
}

/// What the database holds that a refused request must not change.
async fn fingerprint(t: &TestApp) -> String {
    let s = &t.store;
    let audit = s
        .audit_entries(&jumpgate_store::AuditFilter {
            limit: 1_000_000,
            ..Default::default()
        })
        .await
        .unwrap()
        .len();
    let jobs = s.jobs(None, 1_000_000).await.unwrap().len();
    let states = s.states().await.unwrap();
    let standings = s.count_standings().await.unwrap();
    let accounts = s.count_accounts().await.unwrap();
    let requests = s
        .requests(&jumpgate_store::WorkflowFilter {
            limit: 1_000_000,
            ..Default::default()
        })
        .await
        .unwrap()
        .len();
    let revocations = s
        .revocations(&jumpgate_store::WorkflowFilter {
            limit: 1_000_000,
            ..Default::default()
        })
        .await
        .unwrap()
        .len();
    let groups = s.groups().await.unwrap();
    let tracking = s.tracking_viewer_groups().await.unwrap();
    let apps = s.apps().await.unwrap();
    format!(
        "{audit} {jobs} {states:?} {standings} {accounts} {requests} {revocations} {groups:?} {tracking:?} {apps:?}"
    )
}

/// A browser signed in as `kind` (no cookie for anonymous) and its own character.
async fn browser_of(t: &TestApp, kind: Kind, character: i64) -> Browser {
    let b = t.browser();
    if kind == Kind::Anonymous {
        return b;
    }
    b.login_ok(character).await;
    let account: AccountId = t
        .store
        .character(CharacterId(character))
        .await
        .unwrap()
        .unwrap()
        .account;
    for p in kind.granted() {
        t.store.grant_permission(account, p).await.unwrap();
    }
    b
}

on_both_backends!(
    every_route_answers_each_kind_of_caller_as_its_row_says,
    |t: TestApp| async move {
        let characters: Vec<i64> = t
            .sim
            .characters()
            .into_iter()
            .map(|c| c.character_id)
            .take(Kind::ALL.len())
            .collect();
        let mut wrong = Vec::new();
        for (kind, character) in Kind::ALL.into_iter().zip(characters) {
            let b = browser_of(&t, kind, character).await;
            for route in ROUTES {
                let path = route
                    .path
                    .replace("{id}", "999999")
                    .replace("{account}", "999999")
                    .replace("{delivery}", "999999")
                    .replace("{character}", &character.to_string())
                    .replace("{file}", "app.css");
                let expected = kind.expected(route);
                let before = if route.method == "POST" {
                    Some(fingerprint(&t).await)
                } else {
                    None
                };
                let r = match route.method {
                    "GET" => b.get(&path).await,
                    _ => b.post_form(&path, route.form).await,
                };
                let status = r.status();
                if status.as_u16() != expected {
                    wrong.push(format!(
                        "{} {path} as {kind:?}: expected {expected}, got {status}",
                        route.method
                    ));
                }
                if expected == 303
                    && route.access_is_guarded()
                    && kind == Kind::Anonymous
                    && r.headers().get("location").and_then(|l| l.to_str().ok()) != Some("/login")
                {
                    wrong.push(format!(
                        "{} {path} as anonymous: not sent to the login page",
                        route.method
                    ));
                }
                let refused = status == StatusCode::FORBIDDEN
                    || (kind == Kind::Anonymous && route.access_is_guarded());
                if let Some(before) = before
                    && refused
                    && fingerprint(&t).await != before
                {
                    wrong.push(format!(
                        "POST {path} as {kind:?} was refused but changed the database"
                    ));
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "the route matrix does not hold:\n  {}",
            wrong.join("\n  ")
        );
    }
);

impl Route {
    fn access_is_guarded(&self) -> bool {
        !matches!(self.access, Public)
    }
}

/// Every (method, path) the web crate's routers declare.
fn declared_routes() -> BTreeSet<(String, String)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir)
            .expect("routes are readable")
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/src/routes");
    let mut files = Vec::new();
    walk(&dir, &mut files);
    let mut routes = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable");
        // `const PAGE: &str = "/standings/sync";` names paths some routers use.
        let consts: BTreeMap<&str, &str> = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("const "))
            .filter_map(|l| {
                let (name, rest) = l.split_once(": &str = \"")?;
                Some((name.trim(), rest.split_once('"')?.0))
            })
            .collect();
        let mut rest = text.as_str();
        while let Some(at) = rest.find(".route(") {
            let after = &rest[at + ".route(".len()..];
            let mut depth = 1;
            let end = after
                .char_indices()
                .find_map(|(i, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    (depth == 0).then_some(i)
                })
                .expect("a closed .route(");
            let args = &after[..end];
            let (first, handlers) = args.split_once(',').expect("path, handlers");
            let first = first.trim();
            let path = match first.strip_prefix('"') {
                Some(p) => p.trim_end_matches('"').to_owned(),
                None => consts
                    .get(first)
                    .unwrap_or_else(|| panic!("{first} is not a const of {file:?}"))
                    .to_string(),
            };
            for method in ["get", "post"] {
                let needle = format!("{method}(");
                let declared = handlers.match_indices(&needle).any(|(i, _)| {
                    i == 0
                        || !handlers[..i]
                            .chars()
                            .next_back()
                            .is_some_and(|c| c.is_alphanumeric() || c == '_')
                });
                if declared {
                    routes.insert((method.to_uppercase(), path.clone()));
                }
            }
            rest = &after[end..];
        }
    }
    routes
}

#[test]
fn every_route_has_a_row() {
    let declared = declared_routes();
    assert!(
        declared.len() > 50,
        "the router scan found only {declared:?}: did the routers' layout change?"
    );
    let rows: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    let missing: Vec<_> = declared.difference(&rows).collect();
    assert!(
        missing.is_empty(),
        "these routes have no row in the route matrix \
         (crates/jumpgate/tests/blackbox/permission_matrix.rs): add each to ROUTES with who may \
         use it: {missing:?}"
    );
    let stale: Vec<_> = rows.difference(&declared).collect();
    assert!(
        stale.is_empty(),
        "ROUTES names routes the web no longer has: {stale:?}"
    );
}
