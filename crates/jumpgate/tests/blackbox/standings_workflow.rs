//! The standings workflow over HTTP: requests, approvals, rejections, revocations (by members
//! and automatic), corporation coverage rules, and the administrators' database with imports.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::support::{Backend, Browser, TestApp};
use jumpgate_app::Caller;
use jumpgate_app::standings::workflow::bulk::BULK_JOB;
use jumpgate_domain::BulkOperationId;
use jumpgate_domain::RequestId;
use jumpgate_domain::account::TokenStatus;
use jumpgate_domain::standings::{RevocationReason, RevocationState};
use jumpgate_domain::{AccountId, CharacterId};
use jumpgate_evesim::{ContactType, SimContact};
use jumpgate_store::{AuditFilter, WorkflowFilter};
use reqwest::StatusCode;

/// Like `on_both_backends!`, with the settings tweaked first.
macro_rules! on_both_backends_with {
    ($name:ident, $tweak:expr, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let t = TestApp::spawn_with(Backend::Sqlite, $tweak).await;
                ($body)(t).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let t = TestApp::spawn_with(Backend::Postgres, $tweak).await;
                ($body)(t).await;
            }
        }
    };
}

/// Non-NPC characters of the universe, each in a different corporation.
fn distinct_characters(t: &TestApp, n: usize) -> Vec<i64> {
    let npc: std::collections::BTreeSet<i64> = t
        .sim
        .corporations()
        .into_iter()
        .filter(|c| c.npc)
        .map(|c| c.corporation_id)
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    let out: Vec<i64> = t
        .sim
        .characters()
        .into_iter()
        .filter(|c| !npc.contains(&c.corporation_id) && seen.insert(c.corporation_id))
        .map(|c| c.character_id)
        .take(n)
        .collect();
    assert_eq!(out.len(), n, "enough corporations in the universe");
    out
}

/// The superuser (first login of the test).
async fn admin(t: &TestApp, character: i64) -> Browser {
    let b = t.browser();
    b.login_ok(character).await;
    b
}

/// A member with `standings.request` whose characters granted the standings scopes.
async fn member(t: &TestApp, characters: &[i64], sync: bool) -> (Browser, AccountId) {
    let b = t.browser();
    for c in characters {
        b.login_ok(*c).await;
        if sync {
            grant_sync(&b, *c).await;
        }
    }
    let account = t.account_of(characters[0]).await;
    t.store
        .grant_permission(account, "standings.request")
        .await
        .unwrap();
    (b, account)
}

async fn grant_sync(b: &Browser, character: i64) {
    let r = b.login_with("standings.sync", character).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "sync login: {}",
        r.text().await.unwrap()
    );
}

async fn post_ok(b: &Browser, path: &str, form: &[(&str, &str)]) {
    let r = b.post_form(path, form).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "POST {path}: {}",
        r.text().await.unwrap()
    );
}

async fn post_status(b: &Browser, path: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
    let r = b.post_form(path, form).await;
    (r.status(), r.text().await.unwrap())
}

async fn pending_request(t: &TestApp, entity: i64) -> RequestId {
    t.store
        .requests(&WorkflowFilter {
            pending_only: true,
            entity_id: Some(entity),
            limit: 10,
            ..WorkflowFilter::default()
        })
        .await
        .unwrap()
        .first()
        .expect("a pending request")
        .id
}

async fn pending_revocations(t: &TestApp, entity: i64) -> Vec<jumpgate_store::Revocation> {
    t.store
        .revocations(&WorkflowFilter {
            pending_only: true,
            entity_id: Some(entity),
            limit: 10,
            ..WorkflowFilter::default()
        })
        .await
        .unwrap()
}

async fn audit(t: &TestApp, prefix: &str) -> Vec<jumpgate_domain::audit::AuditEntry> {
    t.store
        .audit_entries(&AuditFilter {
            action_prefix: Some(prefix.to_owned()),
            limit: 100,
            ..AuditFilter::default()
        })
        .await
        .unwrap()
}

/// Submits a bulk form, checks that it leads to the operation's page, which polls for progress
/// while a job waits to carry it out, runs that job as a worker would, and returns the
/// operation's id and its page once it is over.
async fn run_operation(
    t: &TestApp,
    b: &Browser,
    path: &str,
    form: &[(&str, &str)],
) -> (i64, String) {
    let id = start_operation(b, path, form).await;
    let page = format!("/standings/operations/{id}");
    let (status, before) = b.get_text(&page).await;
    assert_eq!(status, StatusCode::OK, "{before}");
    let polls = format!("hx-get=\"/standings/operations/{id}/progress\"");
    assert!(before.contains(&polls), "{before}");
    assert!(before.contains("queued"), "{before}");
    let jobs = t
        .store
        .jobs(Some(jumpgate_store::JobStatus::Queued), 100)
        .await
        .unwrap();
    assert!(
        jobs.iter()
            .any(|j| j.kind == BULK_JOB && j.payload["operation"] == id),
        "a job carries out operation {id}: {jobs:?}"
    );
    t.app
        .run_bulk_operation(&Caller::system("standings-bulk"), BulkOperationId(id))
        .await
        .unwrap();
    let (status, after) = b.get_text(&format!("{page}/progress")).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert!(!after.contains("hx-trigger"), "polling stops: {after}");
    assert!(after.contains("finished"), "{after}");
    (id, after)
}

async fn request_and_approve(
    t: &TestApp,
    member: &Browser,
    admin: &Browser,
    entity: &str,
    id: i64,
) {
    post_ok(member, "/standings/request", &[("entity", entity)]).await;
    let rid = pending_request(t, id).await;
    post_ok(
        admin,
        &format!("/standings/queue/{rid}/approve"),
        &[("standing", "7.5"), ("notes", "welcome")],
    )
    .await;
}

/// A superuser, and a member who may approve and has requested a standing for their own
/// character: (superuser, member, character, request).
async fn approver_with_own_request(t: &TestApp) -> (Browser, Browser, i64, RequestId) {
    let chars = distinct_characters(t, 2);
    let boss = admin(t, chars[0]).await;
    let (m, account) = member(t, &chars[1..2], true).await;
    t.store
        .grant_permission(account, "standings.approve")
        .await
        .unwrap();
    let c = chars[1];
    post_ok(
        &m,
        "/standings/request",
        &[("entity", &format!("character:{c}"))],
    )
    .await;
    let rid = pending_request(t, c).await;
    (boss, m, c, rid)
}

on_both_backends!(
    an_approver_does_not_decide_their_own_request,
    |t: TestApp| async move {
        let (boss, m, c, rid) = approver_with_own_request(&t).await;

        let (status, body) = post_status(
            &m,
            &format!("/standings/queue/{rid}/approve"),
            &[("standing", "10")],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(body.contains("another approver must decide this"), "{body}");
        assert_eq!(pending_request(&t, c).await, rid, "still pending");

        post_ok(
            &boss,
            &format!("/standings/queue/{rid}/approve"),
            &[("standing", "5")],
        )
        .await;
        assert_eq!(
            t.store
                .standing(c)
                .await
                .unwrap()
                .unwrap()
                .standing
                .tenths(),
            50
        );
    }
);

on_both_backends_with!(
    with_allow_self_approval_an_approver_decides_their_own_request,
    |s: &mut jumpgate::config::Settings| s.standings.allow_self_approval = true,
    |t: TestApp| async move {
        let (_boss, m, c, rid) = approver_with_own_request(&t).await;
        post_ok(
            &m,
            &format!("/standings/queue/{rid}/approve"),
            &[("standing", "10")],
        )
        .await;
        assert!(t.store.standing(c).await.unwrap().is_some());
    }
);

on_both_backends!(
    one_form_requests_at_most_a_hundred_standings,
    |t: TestApp| async move {
        let chars = distinct_characters(&t, 1);
        let (m, _) = member(&t, &chars, false).await;
        let fields: Vec<(&str, String)> = (0..101)
            .map(|n| ("entity", format!("corporation:{}", 98_500_000 + n)))
            .collect();
        let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, body) = post_status(&m, "/standings/request", &form).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body.contains("at most 100 standings"), "{body}");
        assert!(
            t.store
                .requests(&WorkflowFilter {
                    limit: 1_000,
                    ..WorkflowFilter::default()
                })
                .await
                .unwrap()
                .is_empty(),
            "nothing was requested"
        );
    }
);

on_both_backends!(
    request_approve_creates_entry_audit_notification_and_sync,
    |t: TestApp| async move {
        let chars = distinct_characters(&t, 2);
        let boss = admin(&t, chars[0]).await;
        let (m, account) = member(&t, &chars[1..2], false).await;
        let c = chars[1];

        let (status, page) = m.get_text("/standings").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("Missing scopes"), "{page}");
        let (status, body) = post_status(
            &m,
            "/standings/request",
            &[("entity", &format!("character:{c}"))],
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "no token yet: {body}");
        assert!(body.contains("Add scopes"), "{body}");

        grant_sync(&m, c).await;
        let (_, page) = m.get_text("/standings").await;
        assert!(page.contains("Can request"), "{page}");
        post_ok(
            &m,
            "/standings/request",
            &[("entity", &format!("character:{c}"))],
        )
        .await;
        let (status, body) = post_status(
            &m,
            "/standings/request",
            &[("entity", &format!("character:{c}"))],
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("already pending"), "{body}");

        let (status, page) = boss.get_text("/standings/queue").await;
        assert_eq!(status, StatusCode::OK);
        let name = t.sim.character(c).unwrap().name;
        assert!(page.contains(&name), "queue lists the request: {page}");
        let (status, _) = m.get_text("/standings/queue").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "members cannot approve");

        let rid = pending_request(&t, c).await;
        // A queue row is light: a one-click approve at the default standing and "Decide…";
        // the full decision (standing, notes, reject with a reason, preview) opens on demand.
        assert!(
            page.contains(&format!("formaction=\"/standings/queue/{rid}/approve\"")),
            "{page}"
        );
        assert!(
            page.contains(&format!("hx-get=\"/standings/queue/{rid}/decide\"")),
            "{page}"
        );
        assert!(
            !page.contains("name=\"reason\" required"),
            "rows carry no reject form: {page}"
        );
        for url in [
            format!("/standings/queue/{rid}"),
            format!("/standings/queue/{rid}/decide"),
        ] {
            let (status, decide) = boss.get_text(&url).await;
            assert_eq!(status, StatusCode::OK, "{url}: {decide}");
            assert!(
                decide.contains("Affects "),
                "{url} shows the preview: {decide}"
            );
            assert!(
                decide.contains(&format!("action=\"/standings/queue/{rid}/reject\""))
                    && decide.contains("name=\"reason\" required"),
                "{url}: {decide}"
            );
            let (status, _) = m.get_text(&url).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "members cannot open {url}");
        }
        assert!(
            boss.get_text(&format!("/standings/queue/{rid}"))
                .await
                .1
                .contains(&name),
            "the decision page names the character"
        );
        let (status, fragment) = boss
            .get_text(&format!("/standings/queue/{rid}/preview?standing=7.5"))
            .await;
        assert_eq!(status, StatusCode::OK, "{fragment}");
        assert!(fragment.contains("Affects "), "{fragment}");
        post_ok(
            &boss,
            &format!("/standings/queue/{rid}/approve"),
            &[("standing", "7.5"), ("notes", "welcome aboard")],
        )
        .await;

        let entry = t.store.standing(c).await.unwrap().expect("entry");
        assert_eq!(entry.standing.tenths(), 75);
        assert_eq!(entry.added_by, Some(account));
        let (status, gone) = boss.get_text(&format!("/standings/queue/{rid}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{gone}");
        assert!(gone.contains("decided already"), "{gone}");
        let (_, page) = boss.get_text("/standings/queue").await;
        assert!(
            !page.contains(&format!("id=\"request-{rid}\"")),
            "the queue shows the decision at once: {page}"
        );
        let rows = audit(&t, "standings.request.approved").await;
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].target, format!("entity:{c}"));
        assert_eq!(rows[0].details["standing"], 7.5);
        assert_eq!(rows[0].details["notes"], "welcome aboard");
        assert_eq!(audit(&t, "standings.request.created").await.len(), 1);
        let notes = t.store.notifications(account, false, 10).await.unwrap();
        assert!(
            notes
                .iter()
                .any(|n| n.message.contains("approved") && n.message.contains("7.5")),
            "{notes:?}"
        );
        let jobs = t.store.jobs(None, 100).await.unwrap();
        assert!(
            jobs.iter().any(|j| j.kind == "standings-propagate"),
            "a targeted sync was queued: {:?}",
            jobs.iter().map(|j| &j.kind).collect::<Vec<_>>()
        );
        let (_, page) = m.get_text("/standings").await;
        assert!(page.contains("Approved 7.5"), "{page}");
        post_ok(&m, "/standings/notifications/read", &[]).await;
        assert!(
            t.store
                .notifications(account, true, 10)
                .await
                .unwrap()
                .is_empty()
        );
    }
);

on_both_backends_with!(
    a_members_removal_request_is_approved_by_policy_only_for_their_own_characters_request,
    |s: &mut jumpgate::config::Settings| {
        s.standings
            .revocation_policies
            .insert("requested_by_owner".into(), "auto_approve".into());
    },
    |t: TestApp| async move {
        let chars = distinct_characters(&t, 2);
        let boss = admin(&t, chars[0]).await;
        let (m, _) = member(&t, &chars[1..2], true).await;
        let c = chars[1];

        // Their own character's standing, from their own request: removed at once.
        request_and_approve(&t, &m, &boss, &format!("character:{c}"), c).await;
        post_ok(&m, "/standings/revoke", &[("entity_id", &c.to_string())]).await;
        assert!(t.store.standing(c).await.unwrap().is_none());

        // Their corporation's standing, set by an administrator: an approver decides.
        let corp = t.sim.character(c).unwrap().corporation_id.to_string();
        post_ok(
            &boss,
            "/standings/entries",
            &[
                ("kind", "corporation"),
                ("id", &corp),
                ("name", ""),
                ("standing", "5"),
                ("notes", ""),
            ],
        )
        .await;
        let corp_id: i64 = corp.parse().unwrap();
        post_ok(&m, "/standings/revoke", &[("entity_id", &corp)]).await;
        assert_eq!(pending_revocations(&t, corp_id).await.len(), 1);
        assert!(t.store.standing(corp_id).await.unwrap().is_some());
    }
);

on_both_backends!(
    revoked_standings_can_be_requested_again_and_rejections_repeat,
    |t: TestApp| async move {
        let chars = distinct_characters(&t, 3);
        let boss = admin(&t, chars[0]).await;
        let (m, account) = member(&t, &chars[1..3], true).await;
        let (c, alt) = (chars[1], chars[2]);

        request_and_approve(&t, &m, &boss, &format!("character:{c}"), c).await;
        post_ok(&m, "/standings/revoke", &[("entity_id", &c.to_string())]).await;
        let revs = pending_revocations(&t, c).await;
        assert_eq!(revs.len(), 1);
        assert_eq!(revs[0].reason, RevocationReason::RequestedByOwner);
        let (status, body) =
            post_status(&m, "/standings/revoke", &[("entity_id", &c.to_string())]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        post_ok(
            &boss,
            &format!("/standings/queue/revocations/{}/approve", revs[0].id),
            &[("notes", "as asked")],
        )
        .await;
        assert!(t.store.standing(c).await.unwrap().is_none());
        request_and_approve(&t, &m, &boss, &format!("character:{c}"), c).await;
        assert_eq!(
            t.store
                .standing(c)
                .await
                .unwrap()
                .unwrap()
                .standing
                .tenths(),
            75
        );

        // Rejected twice: both work, the reason reaches the member; a reason is required.
        for round in 0..2 {
            post_ok(
                &m,
                "/standings/request",
                &[("entity", &format!("character:{alt}"))],
            )
            .await;
            let rid = pending_request(&t, alt).await;
            if round == 0 {
                let (status, body) = post_status(
                    &boss,
                    &format!("/standings/queue/{rid}/reject"),
                    &[("reason", " ")],
                )
                .await;
                assert_eq!(status, StatusCode::BAD_REQUEST);
                assert!(body.contains("reason"), "{body}");
            }
            post_ok(
                &boss,
                &format!("/standings/queue/{rid}/reject"),
                &[("reason", &format!("not yet {round}"))],
            )
            .await;
        }
        assert!(t.store.standing(alt).await.unwrap().is_none());
        assert_eq!(audit(&t, "standings.request.rejected").await.len(), 2);
        let notes = t.store.notifications(account, false, 20).await.unwrap();
        assert!(
            notes.iter().any(|n| n.message.contains("not yet 1")),
            "{notes:?}"
        );

        // Cancel a pending request.
        post_ok(
            &m,
            "/standings/request",
            &[("entity", &format!("character:{alt}"))],
        )
        .await;
        let rid = pending_request(&t, alt).await;
        post_ok(&m, &format!("/standings/requests/{rid}/cancel"), &[]).await;
        assert_eq!(audit(&t, "standings.request.cancelled").await.len(), 1);
    }
);

on_both_backends!(
    members_cannot_touch_someone_elses_character,
    |t: TestApp| async move {
        let chars = distinct_characters(&t, 3);
        let boss = admin(&t, chars[0]).await;
        let (a, _) = member(&t, &chars[1..2], true).await;
        let (b, _) = member(&t, &chars[2..3], true).await;
        let c = chars[1];
        post_ok(
            &a,
            "/standings/request",
            &[("entity", &format!("character:{c}"))],
        )
        .await;
        let rid = pending_request(&t, c).await;
        // Someone else's request is answered as one that does not exist, so ids tell nothing.
        let (status, body) =
            post_status(&b, &format!("/standings/requests/{rid}/cancel"), &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(
            body.contains(&format!("there is no standing request #{rid}")),
            "{body}"
        );
        let missing = RequestId(rid.get() + 1_000);
        let (status, body_missing) =
            post_status(&b, &format!("/standings/requests/{missing}/cancel"), &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let phrase = |id: RequestId| format!("there is no standing request #{id}");
        assert_eq!(
            body.replace(&phrase(rid), "…"),
            body_missing.replace(&phrase(missing), "…"),
            "the same page as for a missing id"
        );
        post_ok(
            &boss,
            &format!("/standings/queue/{rid}/approve"),
            &[("standing", "5")],
        )
        .await;
        let (status, body) =
            post_status(&b, "/standings/revoke", &[("entity_id", &c.to_string())]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let (status, _) = post_status(
            &b,
            "/standings/request",
            &[("entity", &format!("character:{}", chars[0]))],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(t.store.standing(c).await.unwrap().is_some());
    }
);

/// Empties a non-NPC corporation in the simulator and moves `members` into it.
/// Alliance `99_100_000 + i` as an administrator enters it.
fn alliance_entry(i: i64, name: &str, standing: f64) -> jumpgate_store::NewStandingsEntry {
    jumpgate_store::NewStandingsEntry {
        entity: jumpgate_domain::standings::Entity {
            kind: jumpgate_domain::standings::EntityKind::Alliance,
            id: 99_100_000 + i,
        },
        name: name.to_owned(),
        standing: jumpgate_domain::standings::Standing::new(standing).unwrap(),
        notes: String::new(),
        source: "admin".to_owned(),
        added_by: None,
    }
}

fn small_corporation(t: &TestApp, members: &[i64]) -> i64 {
    let corps: Vec<_> = t
        .sim
        .corporations()
        .into_iter()
        .filter(|c| !c.npc)
        .collect();
    let target = corps[corps.len() - 1].corporation_id;
    let elsewhere = corps[0].corporation_id;
    for c in t.sim.characters() {
        if c.corporation_id == target && !members.contains(&c.character_id) {
            t.sim.move_character(c.character_id, elsewhere);
        }
    }
    for m in members {
        t.sim.move_character(*m, target);
    }
    assert_eq!(
        t.sim.corporation(target).unwrap().member_count,
        members.len() as i64
    );
    target
}

/// Picks two characters outside the corporations used as "elsewhere" / target, and an admin.
fn three(t: &TestApp) -> (i64, i64, i64) {
    let corps: Vec<_> = t
        .sim
        .corporations()
        .into_iter()
        .filter(|c| !c.npc)
        .collect();
    let avoid = [
        corps[0].corporation_id,
        corps[corps.len() - 1].corporation_id,
    ];
    let chars: Vec<i64> = t
        .sim
        .characters()
        .into_iter()
        .filter(|c| !avoid.contains(&c.corporation_id))
        .map(|c| c.character_id)
        .take(3)
        .collect();
    (chars[0], chars[1], chars[2])
}

on_both_backends_with!(
    corporation_rule_owns_all,
    |s: &mut jumpgate::config::Settings| s.standings.coverage_rule = "owns_all".into(),
    |t: TestApp| async move {
        let (boss_char, c1, c2) = three(&t);
        let corp = small_corporation(&t, &[c1, c2]);
        let _boss = admin(&t, boss_char).await;
        let (m, _) = member(&t, &[c1], true).await;
        let other = t.browser();
        other.login_ok(c2).await;
        grant_sync(&other, c2).await;
        let entity = format!("corporation:{corp}");
        let (status, body) = post_status(&m, "/standings/request", &[("entity", &entity)]).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "c2 belongs to someone else"
        );
        let c2_name = t.sim.character(c2).unwrap().name;
        assert!(
            body.contains(&c2_name) && body.contains("another account"),
            "{body}"
        );
        // c2 joins the member's account: every member is now owned.
        m.login_ok(c2).await;
        grant_sync(&m, c2).await;
        let (_, page) = m.get_text("/standings").await;
        assert!(page.contains("2 of 2 members covered"), "{page}");
        post_ok(&m, "/standings/request", &[("entity", &entity)]).await;
    }
);

on_both_backends!(corporation_rule_all_registered, |t: TestApp| async move {
    let (boss_char, c1, c2) = three(&t);
    let corp = small_corporation(&t, &[c1, c2]);
    let _boss = admin(&t, boss_char).await;
    let (m, _) = member(&t, &[c1], true).await;
    let entity = format!("corporation:{corp}");
    let (status, body) = post_status(&m, "/standings/request", &[("entity", &entity)]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("1 member(s) are not registered"), "{body}");
    let other = t.browser();
    other.login_ok(c2).await;
    let (status, body) = post_status(&m, "/standings/request", &[("entity", &entity)]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let c2_name = t.sim.character(c2).unwrap().name;
    assert!(
        body.contains(&format!("{c2_name} (no standings token)")),
        "{body}"
    );
    grant_sync(&other, c2).await;
    post_ok(&m, "/standings/request", &[("entity", &entity)]).await;
});

on_both_backends_with!(
    corporation_rule_percent,
    |s: &mut jumpgate::config::Settings| s.standings.coverage_rule = "percent:50".into(),
    |t: TestApp| async move {
        let (boss_char, c1, c2) = three(&t);
        let corp = small_corporation(&t, &[c1, c2]);
        let _boss = admin(&t, boss_char).await;
        let (m, _) = member(&t, &[c1], true).await;
        let (_, page) = m.get_text("/standings").await;
        assert!(page.contains("1 of 2 members covered, 1 needed"), "{page}");
        post_ok(
            &m,
            "/standings/request",
            &[("entity", &format!("corporation:{corp}"))],
        )
        .await;
    }
);

on_both_backends!(
    coverage_lost_raises_an_automatic_revocation,
    |t: TestApp| async move {
        let (boss_char, c1, c2) = three(&t);
        let corp = small_corporation(&t, &[c1, c2]);
        let boss = admin(&t, boss_char).await;
        let (m, account) = member(&t, &[c1], true).await;
        let other = t.browser();
        other.login_ok(c2).await;
        grant_sync(&other, c2).await;
        request_and_approve(&t, &m, &boss, &format!("corporation:{corp}"), corp).await;
        assert!(t.store.standing(corp).await.unwrap().is_some());
        assert_eq!(
            t.app
                .validate_standings(&Caller::system("standings-validate"))
                .await
                .unwrap()
                .queued,
            0,
            "still covered"
        );

        let token = t
            .store
            .token(CharacterId(c2), "standings.sync")
            .await
            .unwrap()
            .unwrap();
        t.store
            .set_token_status(token.id, TokenStatus::Invalid, Some("test"))
            .await
            .unwrap();
        let summary = t
            .app
            .validate_standings(&Caller::system("standings-validate"))
            .await
            .unwrap();
        assert_eq!(summary.queued, 1, "{summary:?}");
        let revs = pending_revocations(&t, corp).await;
        assert_eq!(revs.len(), 1);
        assert_eq!(revs[0].reason, RevocationReason::CoverageLost);
        assert_eq!(revs[0].requester, None);
        assert_eq!(
            t.app
                .validate_standings(&Caller::system("standings-validate"))
                .await
                .unwrap()
                .queued,
            0,
            "not raised twice"
        );
        let created = audit(&t, "standings.revocation.created").await;
        assert!(
            created
                .iter()
                .any(|e| e.details["reason"] == "coverage_lost")
        );
        let notes = t.store.notifications(account, false, 10).await.unwrap();
        assert!(
            notes.iter().any(|n| n.message.contains("reviewed")),
            "{notes:?}"
        );
        let (_, page) = boss.get_text("/standings/queue").await;
        assert!(page.contains("coverage rule"), "{page}");
    }
);

on_both_backends!(
    lost_permission_and_transfer_raise_automatic_revocations,
    |t: TestApp| async move {
        let chars = distinct_characters(&t, 3);
        let boss = admin(&t, chars[0]).await;
        let (m, account) = member(&t, &chars[1..3], true).await;
        let (kept, sold) = (chars[1], chars[2]);
        for c in [kept, sold] {
            request_and_approve(&t, &m, &boss, &format!("character:{c}"), c).await;
        }
        // Sold to another EVE account: the new owner logs in; the login itself re-checks the old
        // owner's standings, and the policy removes this one at once (auto-approve).
        t.sim.transfer_character(sold);
        t.browser().login_ok(sold).await;
        assert!(t.store.standing(sold).await.unwrap().is_none());
        let summary = t
            .app
            .validate_standings(&Caller::system("standings-validate"))
            .await
            .unwrap();
        assert_eq!(
            (summary.removed, summary.queued),
            (0, 0),
            "nothing left for the periodic run: {summary:?}"
        );
        let approved = audit(&t, "standings.revocation.approved").await;
        assert_eq!(approved[0].details["reason"], "transferred");
        let notes = t.store.notifications(account, false, 20).await.unwrap();
        assert!(
            notes
                .iter()
                .any(|n| n.message.contains("left the owner's account")),
            "{notes:?}"
        );

        t.store
            .revoke_permission(account, "standings.request")
            .await
            .unwrap();
        let summary = t
            .app
            .validate_standings(&Caller::system("standings-validate"))
            .await
            .unwrap();
        assert_eq!(summary.queued, 1, "{summary:?}");
        let revs = pending_revocations(&t, kept).await;
        assert_eq!(revs[0].reason, RevocationReason::LostPermission);
        // An approver keeps it once; the validator raises it again; then bulk removal.
        post_ok(
            &boss,
            &format!("/standings/queue/revocations/{}/reject", revs[0].id),
            &[("reason", "on leave")],
        )
        .await;
        assert!(t.store.standing(kept).await.unwrap().is_some());
        assert_eq!(
            t.app
                .validate_standings(&Caller::system("standings-validate"))
                .await
                .unwrap()
                .queued,
            1
        );
        let again = pending_revocations(&t, kept).await[0].id;
        let (_, page) = run_operation(
            &t,
            &boss,
            "/standings/queue/revocations/bulk",
            &[
                ("id", &again.to_string()),
                ("action", "approve"),
                ("notes", "bye"),
            ],
        )
        .await;
        assert!(page.contains("1 item(s) removed."), "{page}");
        assert!(t.store.standing(kept).await.unwrap().is_none());
        let rev = t.store.revocation(again).await.unwrap().unwrap();
        assert_eq!(rev.state, RevocationState::Approved);
        assert_eq!(audit(&t, "standings.revocation.approved").await.len(), 2);
        assert_eq!(audit(&t, "standings.revocation.rejected").await.len(), 1);
    }
);

on_both_backends!(import_from_alliance_contacts, |t: TestApp| async move {
    let chars = t.sim.characters();
    let boss_char = chars
        .iter()
        .find(|c| c.alliance_id.is_some())
        .unwrap()
        .clone();
    let alliance = boss_char.alliance_id.unwrap();
    let friend = t
        .sim
        .alliances()
        .into_iter()
        .find(|a| a.alliance_id != alliance)
        .unwrap()
        .alliance_id;
    let enemy_corp = t
        .sim
        .corporations()
        .into_iter()
        .find(|c| !c.npc && c.alliance_id != Some(alliance))
        .unwrap()
        .corporation_id;
    t.sim.set_contacts(
        alliance,
        vec![
            SimContact {
                contact_id: friend,
                contact_type: ContactType::Alliance,
                standing: 10.0,
                label_ids: vec![],
                is_watched: false,
                is_blocked: false,
            },
            SimContact {
                contact_id: enemy_corp,
                contact_type: ContactType::Corporation,
                standing: -5.0,
                label_ids: vec![],
                is_watched: false,
                is_blocked: false,
            },
            SimContact {
                contact_id: 500_001,
                contact_type: ContactType::Faction,
                standing: 5.0,
                label_ids: vec![],
                is_watched: false,
                is_blocked: false,
            },
        ],
    );
    let boss = admin(&t, boss_char.character_id).await;
    let form = [
        ("kind", "alliance"),
        ("id", &alliance.to_string()),
        ("reader", &boss_char.character_id.to_string()),
    ];
    let (status, body) = post_status(&boss, "/standings/entries/import-contacts", &form).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "no import token yet");
    assert!(body.contains("standings.import"), "{body}");
    let r = boss
        .login_with("standings.import", boss_char.character_id)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = run_operation(&t, &boss, "/standings/entries/import-contacts", &form).await;
    assert!(
        page.contains("2 standing(s) imported from the contacts."),
        "{page}"
    );
    assert!(page.contains("1 contact(s) skipped"), "{page}");
    assert_eq!(
        t.store
            .standing(friend)
            .await
            .unwrap()
            .unwrap()
            .standing
            .tenths(),
        100
    );
    assert_eq!(
        t.store
            .standing(enemy_corp)
            .await
            .unwrap()
            .unwrap()
            .standing
            .tenths(),
        -50
    );
    assert_eq!(t.store.count_standings().await.unwrap(), 2);
    let rows = audit(&t, "standings.import").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].details["imported"], 2);
    assert_eq!(rows[0].details["skipped"], 1);
    let (status, page) = boss.get_text("/standings/entries?kind=alliance").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("10.0"), "{page}");
});

on_both_backends!(
    an_import_whose_audit_entry_cannot_be_written_saves_nothing,
    |t: TestApp| async move {
        let chars = distinct_characters(&t, 2);
        let boss = admin(&t, chars[0]).await;
        t.refuse_audit_entries(&["standings.import"]).await;
        let good = "alliance,99000001,10,Friends,old allies\ncorporation,98000001,-7.5,Foes,\n";
        let id = start_operation(&boss, "/standings/entries/import", &[("csv", good)]).await;
        let ran = t
            .app
            .run_bulk_operation(&Caller::system("standings-bulk"), BulkOperationId(id))
            .await;
        assert!(
            matches!(&ran, Err(jumpgate_app::jobs::JobError::Fatal(_))),
            "{ran:?}"
        );
        let (_, page) = boss
            .get_text(&format!("/standings/operations/{id}/progress"))
            .await;
        assert!(page.contains("an internal error"), "{page}");
        // The change and its audit entry commit together or not at all.
        assert_eq!(t.store.count_standings().await.unwrap(), 0);
        assert!(audit(&t, "standings.import").await.is_empty());
    }
);

on_both_backends!(
    csv_import_is_all_or_nothing_and_entries_are_audited,
    |t: TestApp| async move {
        let chars = distinct_characters(&t, 2);
        let boss = admin(&t, chars[0]).await;
        let bad = "type,id,standing,name,notes\nalliance,99000001,10,Friends,\nplanet,5,1\ncorporation,x,1\ncharacter,90000001,12\n";
        let (status, body) = post_status(&boss, "/standings/entries/import", &[("csv", bad)]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        for row in ["row 3:", "row 4:", "row 5:"] {
            assert!(body.contains(row), "{row} in {body}");
        }
        assert!(body.contains("nothing changed"), "{body}");
        assert_eq!(t.store.count_standings().await.unwrap(), 0);

        let good = "alliance,99000001,10,Friends,old allies\ncorporation,98000001,-7.5,Foes,\n";
        let (_, page) =
            run_operation(&t, &boss, "/standings/entries/import", &[("csv", good)]).await;
        assert!(page.contains("2 standing(s) imported from CSV."), "{page}");
        assert_eq!(t.store.count_standings().await.unwrap(), 2);
        let (status, csv) = boss.get_text("/standings/entries.csv").await;
        assert_eq!(status, StatusCode::OK);
        assert!(csv.contains("corporation,98000001,-7.5,Foes"), "{csv}");

        post_ok(
            &boss,
            "/standings/entries",
            &[
                ("kind", "alliance"),
                ("id", "99000001"),
                ("name", ""),
                ("standing", "5"),
                ("notes", "cooler"),
            ],
        )
        .await;
        assert_eq!(
            t.store
                .standing(99_000_001)
                .await
                .unwrap()
                .unwrap()
                .standing
                .tenths(),
            50
        );
        post_ok(
            &boss,
            "/standings/entries/98000001/delete",
            &[("notes", "peace")],
        )
        .await;
        assert_eq!(t.store.count_standings().await.unwrap(), 1);
        assert_eq!(audit(&t, "standings.entry.updated").await.len(), 1);
        let deleted = audit(&t, "standings.entry.deleted").await;
        assert_eq!(deleted[0].details["notes"], "peace");

        // An auditor reads the standings part of the log, and only that part.
        let auditor = t.browser();
        auditor.login_ok(chars[1]).await;
        let account = t.account_of(chars[1]).await;
        t.store
            .grant_permission(account, "standings.audit")
            .await
            .unwrap();
        let (status, page) = auditor.get_text("/admin/audit?action=account.").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("standings.entry.deleted"), "{page}");
        assert!(!page.contains("account.created"), "{page}");
        assert!(
            page.contains("href=\"/admin/audit?action=standings.\""),
            "auditors find the log in the navigation"
        );
        let (status, _) = auditor.get_text("/standings/entries").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
);

on_both_backends!(
    bulk_approval_decides_every_ticked_request_and_names_the_ones_it_could_not,
    |t: TestApp| async move {
        let chars = distinct_characters(&t, 3);
        let boss = admin(&t, chars[0]).await;
        let (m, _) = member(&t, &chars[1..3], true).await;
        for c in &chars[1..3] {
            post_ok(
                &m,
                "/standings/request",
                &[("entity", &format!("character:{c}"))],
            )
            .await;
        }
        let (r1, r2) = (
            pending_request(&t, chars[1]).await,
            pending_request(&t, chars[2]).await,
        );

        // Rejecting needs a reason (the members are told); nothing is decided without one.
        let (status, body) = post_status(
            &boss,
            "/standings/queue/bulk",
            &[("id", &r1.to_string()), ("action", "reject")],
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body.contains("give a reason"), "{body}");
        assert_eq!(pending_request(&t, chars[1]).await, r1);

        let (_, page) = run_operation(
            &t,
            &boss,
            "/standings/queue/bulk",
            &[
                ("id", &r1.to_string()),
                ("id", "999999"),
                ("id", &r2.to_string()),
                ("action", "approve"),
                ("standing", "5.0"),
                ("notes", "batch"),
            ],
        )
        .await;
        assert!(page.contains("2 item(s) approved. 1 not done"), "{page}");
        assert!(page.contains("#999999: "), "{page}");
        for c in &chars[1..3] {
            let entry = t.store.standing(*c).await.unwrap().expect("approved");
            assert_eq!(entry.standing.tenths(), 50);
        }
        assert_eq!(audit(&t, "standings.request.approved").await.len(), 2);
    }
);

/// The operation id a bulk form leads to (its job not run yet).
async fn start_operation(b: &Browser, path: &str, form: &[(&str, &str)]) -> i64 {
    let r = b.post_form(path, form).await;
    let status = r.status();
    if status != StatusCode::SEE_OTHER {
        panic!("POST {path} answered {status}: {}", r.text().await.unwrap());
    }
    crate::support::location(&r)
        .path()
        .strip_prefix("/standings/operations/")
        .and_then(|id| id.parse().ok())
        .expect("an operation page")
}

on_both_backends!(
    a_bulk_operation_goes_on_where_a_lost_worker_stopped_and_tells_its_starter,
    |t: TestApp| async move {
        let chars = distinct_characters(&t, 4);
        let boss = admin(&t, chars[0]).await;
        let (m, _) = member(&t, &chars[1..4], true).await;
        let mut requests = Vec::new();
        for c in &chars[1..4] {
            post_ok(
                &m,
                "/standings/request",
                &[("entity", &format!("character:{c}"))],
            )
            .await;
            requests.push(pending_request(&t, *c).await.to_string());
        }
        let mut form: Vec<(&str, &str)> = requests.iter().map(|r| ("id", r.as_str())).collect();
        form.push(("action", "approve"));
        let id = start_operation(&boss, "/standings/queue/bulk", &form).await;

        // A worker approved the first request, wrote its progress and died.
        let boss_account = t.account_of(chars[0]).await;
        let first: i64 = requests[0].parse().unwrap();
        let boss_caller = t.app.caller(boss_account).await.unwrap().unwrap();
        t.app
            .approve_request(&boss_caller, RequestId(first), None, "")
            .await
            .unwrap();
        let mut progress = t
            .store
            .bulk_operation(BulkOperationId(id))
            .await
            .unwrap()
            .unwrap()
            .progress;
        progress.status = jumpgate_store::BulkStatus::Running;
        progress.done = 1;
        assert!(
            t.store
                .record_bulk_progress(BulkOperationId(id), &progress)
                .await
                .unwrap()
        );
        let (_, page) = boss
            .get_text(&format!("/standings/operations/{id}/progress"))
            .await;
        assert!(page.contains("value=\"33\""), "a third done: {page}");
        assert!(page.contains("hx-trigger=\"every 1s\""), "{page}");

        // The next worker does the other two and does not try the first again.
        t.app
            .run_bulk_operation(&Caller::system("standings-bulk"), BulkOperationId(id))
            .await
            .unwrap();
        let op = t
            .store
            .bulk_operation(BulkOperationId(id))
            .await
            .unwrap()
            .unwrap();
        assert_eq!((op.progress.done, op.progress.failed), (3, 0), "{op:?}");
        assert_eq!(op.progress.summary, "3 item(s) approved.");
        for c in &chars[1..4] {
            assert!(t.store.standing(*c).await.unwrap().is_some());
        }
        // Running it again changes nothing.
        t.app
            .run_bulk_operation(&Caller::system("standings-bulk"), BulkOperationId(id))
            .await
            .unwrap();
        assert_eq!(audit(&t, "standings.request.approved").await.len(), 3);

        // The starter may have left the page: a notification leads back to it.
        let notes = t.store.notifications(boss_account, true, 10).await.unwrap();
        let told = notes
            .iter()
            .find(|n| n.message == "3 item(s) approved.")
            .expect("the starter is told");
        assert_eq!(
            told.link.as_deref(),
            Some(format!("/standings/operations/{id}").as_str())
        );
    }
);

on_both_backends!(
    an_operation_is_shown_to_its_starter_and_to_holders_of_its_permission_only,
    |t: TestApp| async move {
        let chars = distinct_characters(&t, 2);
        let boss = admin(&t, chars[0]).await;
        t.store
            .upsert_standing(&jumpgate_store::NewStandingsEntry {
                entity: jumpgate_domain::standings::Entity {
                    kind: jumpgate_domain::standings::EntityKind::Alliance,
                    id: 99_000_001,
                },
                name: "Friends".to_owned(),
                standing: jumpgate_domain::standings::Standing::new(10.0).unwrap(),
                notes: String::new(),
                source: "admin".to_owned(),
                added_by: None,
            })
            .await
            .unwrap();
        let (status, body) = post_status(&boss, "/standings/entries/bulk-delete", &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("tick at least one"), "{body}");

        let (id, page) = run_operation(
            &t,
            &boss,
            "/standings/entries/bulk-delete",
            &[("id", "99000001"), ("id", "98000042"), ("notes", "cleanup")],
        )
        .await;
        assert!(page.contains("1 entries deleted. 1 not done"), "{page}");
        assert!(page.contains("#98000042: "), "{page}");
        assert!(page.contains("href=\"/standings/entries\""), "{page}");
        assert_eq!(t.store.count_standings().await.unwrap(), 0);

        let (other, _) = member(&t, &chars[1..2], false).await;
        let (status, _) = other.get_text(&format!("/standings/operations/{id}")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = boss.get_text("/standings/operations/424242").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = boss.get_text("/standings/operations/x/progress").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
);

on_both_backends!(
    an_import_waits_out_esi_limits_and_stops_with_the_reason_when_it_cannot_go_on,
    |t: TestApp| async move {
        let boss_char = t
            .sim
            .characters()
            .into_iter()
            .find(|c| c.alliance_id.is_some())
            .unwrap();
        let alliance = boss_char.alliance_id.unwrap().to_string();
        let reader = boss_char.character_id.to_string();
        let boss = admin(&t, boss_char.character_id).await;
        boss.login_with("standings.import", boss_char.character_id)
            .await;
        let form = [
            ("kind", "alliance"),
            ("id", alliance.as_str()),
            ("reader", reader.as_str()),
        ];

        // A rate limit: the job is postponed (not failed) and the page says why.
        let id = start_operation(&boss, "/standings/entries/import-contacts", &form).await;
        t.sim.force_429("/contacts", 30);
        let err = t
            .app
            .run_bulk_operation(&Caller::system("standings-bulk"), BulkOperationId(id))
            .await
            .unwrap_err();
        assert!(
            matches!(err, jumpgate_app::jobs::JobError::PostponeFor { .. }),
            "{err:?}"
        );
        let (_, page) = boss
            .get_text(&format!("/standings/operations/{id}/progress"))
            .await;
        assert!(page.contains("Waiting for EVE"), "{page}");
        assert!(page.contains("running"), "{page}");

        // The reader's token died before the next import ran: it stops, saying why.
        let second = start_operation(&boss, "/standings/entries/import-contacts", &form).await;
        let token = t
            .store
            .token(CharacterId(boss_char.character_id), "standings.import")
            .await
            .unwrap()
            .unwrap();
        t.store
            .set_token_status(token.id, TokenStatus::Revoked, Some("test"))
            .await
            .unwrap();
        let err = t
            .app
            .run_bulk_operation(&Caller::system("standings-bulk"), BulkOperationId(second))
            .await
            .unwrap_err();
        assert!(
            matches!(err, jumpgate_app::jobs::JobError::Fatal(_)),
            "{err:?}"
        );
        let (_, page) = boss
            .get_text(&format!("/standings/operations/{second}"))
            .await;
        assert!(page.contains("failed"), "{page}");
        assert!(page.contains("must log in with it again"), "{page}");
        assert!(!page.contains("hx-trigger"), "{page}");
    }
);

on_both_backends!(
    the_standings_database_is_shown_a_hundred_entries_a_page_with_its_filters_kept,
    |t: TestApp| async move {
        let chars = distinct_characters(&t, 1);
        let boss = admin(&t, chars[0]).await;
        for i in 0..250_i64 {
            t.store
                .upsert_standing(&alliance_entry(i, &format!("Alliance {i:03}"), 5.0))
                .await
                .unwrap();
        }
        let rows = |page: &str| page.matches("form=\"bulk-delete\"").count();

        let (status, first) = boss.get_text("/standings/entries?kind=alliance").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(rows(&first), 100);
        assert!(first.contains("1–100 of 250 · page 1 of 3"), "{first}");
        assert!(first.contains("Alliance 000") && !first.contains("Alliance 100"));
        assert!(
            first.contains(r#"href="/standings/entries?kind=alliance&#38;page=2""#),
            "the next page keeps the filter: {first}"
        );

        let (_, last) = boss
            .get_text("/standings/entries?kind=alliance&page=3")
            .await;
        assert_eq!(rows(&last), 50);
        assert!(last.contains("201–250 of 250"), "{last}");
        assert!(last.contains("Alliance 249"));

        // A narrower filter counts only what it matches.
        let (_, named) = boss.get_text("/standings/entries?name=Alliance%2024").await;
        assert_eq!(rows(&named), 10, "Alliance 240–249");
        assert!(!named.contains("page 1 of"), "one page needs no links");

        let (status, page) = boss.get_text("/standings/entries?page=0").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(page.contains("not a page number"), "{page}");
    }
);

/// The `<tr>` of `entity` (e.g. `character:90000001`) on the member page.
fn subject_row<'p>(page: &'p str, entity: &str) -> &'p str {
    let at = page
        .find(&format!("data-entity=\"{entity}\""))
        .unwrap_or_else(|| panic!("no row for {entity}: {page}"));
    let start = page[..at].rfind("<tr").unwrap();
    let end = at + page[at..].find("</tr>").unwrap();
    &page[start..end]
}

on_both_backends!(
    the_member_page_shows_what_another_instance_changed_on_the_next_view,
    |t: TestApp| async move {
        let chars = distinct_characters(&t, 1);
        let (m, account) = member(&t, &chars, true).await;
        let c = chars[0];
        let subject = format!("character:{c}");
        let row = |page: String| subject_row(&page, &subject).to_owned();
        /// The history's row of the request or removal named `name`.
        fn history_row<'p>(page: &'p str, name: &str) -> &'p str {
            let at = page
                .find(&format!("<td>{name}</td>"))
                .unwrap_or_else(|| panic!("no history row for {name}: {page}"));
            &page[at..at + page[at..].find("</tr>").unwrap()]
        }
        let (_, page) = m.get_text("/standings").await;
        assert!(page.contains("No requests yet."), "{page}");
        assert!(row(page).contains("subject can-request"), "before anything");

        // Each written straight into the database, as another instance would.
        let entity = jumpgate_domain::standings::Entity::character(CharacterId(c));
        let request = t
            .store
            .create_request(&jumpgate_store::NewStandingRequest {
                entity,
                name: "Asked elsewhere".to_owned(),
                requester: account,
            })
            .await
            .unwrap();
        let (_, page) = m.get_text("/standings").await;
        assert!(
            history_row(&page, "Asked elsewhere").contains(">pending<"),
            "{page}"
        );
        let shown = row(page);
        assert!(shown.contains("subject pending"), "{shown}");
        assert!(
            shown.contains(&format!("/standings/requests/{}/cancel", request.id)),
            "{shown}"
        );

        t.store
            .decide_request(
                request.id,
                &jumpgate_store::RequestDecision::Approve {
                    by: account,
                    standing: jumpgate_domain::standings::Standing::new(5.0).unwrap(),
                    notes: String::new(),
                },
            )
            .await
            .unwrap();
        let (_, page) = m.get_text("/standings").await;
        assert!(
            history_row(&page, "Asked elsewhere").contains(">approved<"),
            "the decision shows in the history: {page}"
        );
        let shown = row(page);
        assert!(shown.contains("subject approved"), "{shown}");
        assert!(shown.contains("Remove standing"), "{shown}");

        t.store
            .create_revocation(&jumpgate_store::NewRevocation {
                entity,
                name: "Removed elsewhere".to_owned(),
                reason: RevocationReason::RequestedByOwner,
                requester: Some(account),
            })
            .await
            .unwrap();
        let (_, page) = m.get_text("/standings").await;
        assert!(
            history_row(&page, "Removed elsewhere").contains(">pending<"),
            "{page}"
        );
        let shown = row(page);
        assert!(shown.contains("Removal pending"), "{shown}");
        assert!(!shown.contains("Remove standing"), "{shown}");

        t.store.delete_standing(c).await.unwrap();
        let (_, page) = m.get_text("/standings").await;
        let shown = row(page);
        assert!(shown.contains("subject can-request"), "{shown}");

        // Notifications: a new one, then all marked read.
        let (_, page) = m.get_text("/standings").await;
        let unread_before: usize = page.matches("<li class=\"unread\">").count();
        t.store
            .notify(account, "Written elsewhere", None)
            .await
            .unwrap();
        let (_, page) = m.get_text("/standings").await;
        assert!(page.contains("Written elsewhere"), "{page}");
        assert_eq!(
            page.matches("<li class=\"unread\">").count(),
            unread_before + 1,
            "{page}"
        );
        t.store.mark_notifications_read(account).await.unwrap();
        let (_, page) = m.get_text("/standings").await;
        assert!(page.contains("Written elsewhere"), "{page}");
        assert_eq!(page.matches("<li class=\"unread\">").count(), 0, "{page}");
        assert!(!page.contains("Mark all read"), "{page}");
    }
);

on_both_backends!(
    a_page_of_the_standings_database_shows_another_instances_change_on_the_next_view,
    |t: TestApp| async move {
        let chars = distinct_characters(&t, 1);
        let boss = admin(&t, chars[0]).await;
        // Written straight into the database, as another instance would.
        let write = |i: i64, name: &'static str, standing: f64| {
            let store = t.store.clone();
            async move {
                store
                    .upsert_standing(&alliance_entry(i, name, standing))
                    .await
                    .unwrap();
            }
        };
        write(1, "Kept Friends", 5.0).await;
        write(2, "Kept Rivals", -5.0).await;
        let view = "/standings/entries?kind=alliance&name=kept&page=1";
        let (_, page) = boss.get_text(view).await;
        assert!(page.contains("Kept Friends") && page.contains("Kept Rivals"));

        write(1, "Kept Allies", 10.0).await;
        let (_, page) = boss.get_text(view).await;
        assert!(
            page.contains("Kept Allies") && !page.contains("Kept Friends"),
            "renamed: {page}"
        );
        assert!(page.contains(r#"value="10.0""#), "its new standing: {page}");

        assert!(t.store.delete_standing(99_100_002).await.unwrap());
        let (_, page) = boss.get_text(view).await;
        assert!(!page.contains("Kept Rivals"), "deleted: {page}");
        assert!(page.contains("Kept Allies"));
    }
);

/// A signed-in page checks the lists Jumpgate keeps against the change counters read with its
/// session, without reading them again; a request that changes something and then reads (a
/// handler that shows the page after a change) sees its own change, not the counters it began
/// with.
async fn a_request_sees_its_own_change_in_the_lists_checked_against_its_sessions_counters(
    t: TestApp,
) {
    use jumpgate_app::standings::workflow::listing::StandingsFilter;
    use jumpgate_domain::standings::{Entity, EntityKind, Standing};
    let character = distinct_characters(&t, 1)[0];
    admin(&t, character).await;
    let account = t.account_of(character).await;
    let now = t.app.now();
    t.store
        .save_session(&jumpgate_store::SessionRecord {
            id: "one-request".into(),
            account: Some(account),
            data: "{}".into(),
            expires_at: now + time::Duration::hours(1),
        })
        .await
        .unwrap();
    let caller = t
        .app
        .session_caller("one-request", now)
        .await
        .unwrap()
        .and_then(|found| found.caller)
        .expect("the session signs the superuser in");
    let everything = StandingsFilter::default();
    let before = t
        .app
        .standings_page(&caller, &everything, 0, 1_000)
        .await
        .unwrap()
        .total();

    let corporation = t.sim.corporations()[0].corporation_id;
    t.app
        .set_standing_entry(
            &caller,
            Entity {
                kind: EntityKind::Corporation,
                id: corporation,
            },
            "Counted Corporation",
            Standing::from_tenths(50).unwrap(),
            "",
        )
        .await
        .unwrap();

    let after = t
        .app
        .standings_page(&caller, &everything, 0, 1_000)
        .await
        .unwrap();
    assert_eq!(
        after.total(),
        before + 1,
        "the request's own entry is listed"
    );
    assert!(
        after.entries().any(|e| e.name == "Counted Corporation"),
        "the request's own entry is listed"
    );
}

on_both_backends!(
    a_request_sees_its_own_change_in_the_lists_checked_against_its_sessions_counters,
    a_request_sees_its_own_change_in_the_lists_checked_against_its_sessions_counters
);
