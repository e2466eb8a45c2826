//! Groups in a real browser: headless Chromium (Debian's `/usr/bin/chromium`, driven by
//! `playwright-core` from `tests/browser/`) with an administrator, a manager and a member. The
//! administrator creates a public group that grants `standings.approve` and names its manager;
//! the member applies; the manager accepts; the member sees the group and the rights it grants.
//! Then the database must agree. Screenshots go to `target/browser-screenshots/groups/`. Needs
//! `node`, `chromium` and `npm ci` in `tests/browser` (as `.ci/run` does).

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::node as browser;
use crate::support::{Backend, TestApp};
use jumpgate_domain::groups::{ApplicationStatus, MembershipSource};
use jumpgate_domain::{GroupApplicationId, GroupId};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(90);
const RESULT_PREFIX: &str = "JUMPGATE_GROUPS_RESULT ";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_applies_a_manager_accepts_and_the_member_sees_the_group_in_a_real_browser() {
    browser::require_tools();
    let t = TestApp::spawn(Backend::Sqlite).await;

    // Three people of different EVE accounts; the first to log in becomes superuser.
    let mut owners = std::collections::BTreeSet::new();
    let cast: Vec<_> = t
        .sim
        .characters()
        .into_iter()
        .filter(|c| owners.insert(c.owner_hash.clone()))
        .take(3)
        .collect();
    let env = [
        ("ADMIN", &cast[0]),
        ("MANAGER", &cast[1]),
        ("MEMBER", &cast[2]),
    ]
    .into_iter()
    .flat_map(|(role, c)| {
        [
            (format!("{role}_ID"), c.character_id.to_string()),
            (format!("{role}_NAME"), c.name.clone()),
        ]
    })
    .collect::<Vec<_>>();
    let env: Vec<(&str, String)> = env.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    let stdout = browser::run_script("groups.spec.mjs", &t.base, &env, TIMEOUT).await;

    let result: serde_json::Value = stdout
        .iter()
        .find_map(|l| l.strip_prefix(RESULT_PREFIX))
        .map(|json| serde_json::from_str(json).unwrap())
        .expect("the browser test reports its result");
    let group = GroupId(result["group"].as_i64().unwrap());
    let application = GroupApplicationId(result["application"].as_i64().unwrap());

    let stored = t.store.group(group).await.unwrap().expect("the group");
    assert_eq!(stored.name, "Fleet Commanders");
    assert!(stored.permissions.contains("standings.approve"));
    let manager = t.account_of(cast[1].character_id).await;
    let member = t.account_of(cast[2].character_id).await;
    assert_eq!(stored.managers.into_iter().collect::<Vec<_>>(), [manager]);

    let decided = t
        .store
        .group_application(application)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(decided.account, member);
    assert_eq!(decided.status, ApplicationStatus::Accepted);
    assert_eq!(decided.decided_by, Some(manager));
    assert_eq!(decided.message, "I have led fleets for years");
    let memberships = t.store.account_groups(member).await.unwrap();
    assert_eq!(memberships.len(), 1);
    assert_eq!(memberships[0].source, MembershipSource::Application);
    assert_eq!(memberships[0].added_by, Some(manager));
    let grants = t.store.account_grants(member).await.unwrap().unwrap();
    assert!(grants.permissions.contains("standings.approve"));
}
