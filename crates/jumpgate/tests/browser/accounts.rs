//! The real-browser test: headless Chromium (Debian's `/usr/bin/chromium`, driven by
//! `playwright-core` from `tests/browser/`) logs in through the simulated EVE SSO, adds an alt,
//! makes it main and removes the old main; then the database must agree. Screenshots go to
//! `target/browser-screenshots/account/`. Needs `node`, `chromium` and `npm ci` in `tests/browser` (as
//! `scripts/test` does); a missing piece fails the test with the command that installs it.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
#![allow(clippy::print_stdout)] // the browser script's output is this test's report

use crate::node as browser;
use crate::support::TestApp;
use jumpgate_domain::CharacterId;
use jumpgate_domain::account::RemovalReason;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(120);
const RESULT_PREFIX: &str = "JUMPGATE_BROWSER_RESULT ";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_browser_logs_in_adds_an_alt_switches_main_and_removes_a_character() {
    browser::require_tools();

    let t = TestApp::spawn(crate::support::Backend::Sqlite).await;
    let stdout = browser::run_script("account.spec.mjs", &t.base, &[], TIMEOUT).await;

    // The browser reports which characters it chose; the database must agree with the pages.
    let result: serde_json::Value = stdout
        .iter()
        .find_map(|l| l.strip_prefix(RESULT_PREFIX))
        .map(|json| serde_json::from_str(json).unwrap())
        .expect("the browser test reports its result");
    let main = CharacterId(result["main"].as_i64().unwrap());
    let removed = CharacterId(result["removed"].as_i64().unwrap());
    let (main_sim, removed_sim) = (
        t.sim.character(main.0).unwrap(),
        t.sim.character(removed.0).unwrap(),
    );
    assert_eq!(
        main_sim.owner_hash, removed_sim.owner_hash,
        "both characters are on one EVE account"
    );

    assert_eq!(t.store.count_accounts().await.unwrap(), 1);
    let stored = t.store.character(main).await.unwrap().expect("main stored");
    assert_eq!(stored.name, main_sim.name);
    let account = t.store.account(stored.account).await.unwrap().unwrap();
    assert_eq!(account.main_character, Some(main), "the alt became main");
    let characters: Vec<CharacterId> = t
        .store
        .characters_of(account.id)
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(characters, vec![main], "only the new main is left");
    assert!(t.store.character(removed).await.unwrap().is_none());

    let history = t
        .store
        .removed_characters(Some(account.id), 10)
        .await
        .unwrap();
    assert_eq!(history.len(), 1, "one removal: {history:?}");
    assert_eq!(history[0].character, removed);
    assert_eq!(history[0].character_name, removed_sim.name);
    assert_eq!(history[0].reason, RemovalReason::RemovedByOwner);
    assert_eq!(history[0].to_account, None);
    assert_eq!(history[0].actor, Some(account.id));
}
