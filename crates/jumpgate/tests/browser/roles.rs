//! Roles in a real browser: headless Chromium (Debian's `/usr/bin/chromium`, driven by
//! `playwright-core` from `tests/browser/`). The administrator chooses the CEO's corporation to
//! lead and lets General FCs approve standings; the CEO (EVE's, from the simulator) opens the
//! roles dashboard from the menu and appoints a member of their corporation General FC; the
//! member then sees the role and the Approvals it brings. Then the database must agree.
//! Screenshots go to `target/browser-screenshots/roles/`. Needs `node`, `chromium` and `npm ci`
//! in `tests/browser` (as `.ci/run` does).

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::node as browser;
use crate::support::{Backend, TestApp};
use jumpgate_domain::roles::{Role, RoleSource};
use std::collections::BTreeSet;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(90);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ceo_appoints_a_general_fc_who_then_sees_the_fc_rights_in_a_real_browser() {
    browser::require_tools();
    let t = TestApp::spawn(Backend::Sqlite).await;

    // A corporation with two players (its CEO and a member) and an administrator elsewhere.
    let characters = t.sim.characters();
    let (ceo, member) = characters
        .iter()
        .find_map(|ceo| {
            let member = characters.iter().find(|m| {
                m.corporation_id == ceo.corporation_id && m.owner_hash != ceo.owner_hash
            })?;
            Some((ceo.clone(), member.clone()))
        })
        .expect("a corporation with two players");
    let taken: BTreeSet<_> = [&ceo.owner_hash, &member.owner_hash].into();
    let admin = characters
        .iter()
        .find(|c| c.corporation_id != ceo.corporation_id && !taken.contains(&c.owner_hash))
        .unwrap();
    assert!(t.sim.set_ceo(ceo.character_id));
    let env = [
        ("ADMIN_ID", admin.character_id.to_string()),
        ("ADMIN_NAME", admin.name.clone()),
        ("CEO_ID", ceo.character_id.to_string()),
        ("CEO_NAME", ceo.name.clone()),
        ("MEMBER_ID", member.character_id.to_string()),
        ("MEMBER_NAME", member.name.clone()),
        ("CORPORATION_ID", ceo.corporation_id.to_string()),
    ];
    browser::run_script("roles.spec.mjs", &t.base, &env, TIMEOUT).await;

    let member_account = t.account_of(member.character_id).await;
    let held = t.store.roles_of(member_account).await.unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].role, Role::GeneralFc);
    assert_eq!(held[0].source, RoleSource::Appointed);
    let ceo_account = t.account_of(ceo.character_id).await;
    assert_eq!(
        held[0].assigned_by.as_deref(),
        Some(format!("account:{ceo_account}").as_str())
    );
    let grants = t
        .store
        .account_grants(member_account)
        .await
        .unwrap()
        .unwrap();
    assert!(grants.permissions.contains("standings.approve"));
}
