//! The standings manager in a real browser: headless Chromium (Debian's `/usr/bin/chromium`,
//! driven by `playwright-core` from `tests/browser/`) with an approver and a member. The member
//! grants the contact scopes, requests a standing for their character; the approver approves it
//! with 7.5 in the queue; the member enrols the character in contact sync and clicks "Sync now";
//! job workers run in this process, so the sync really writes the simulator's contacts. The
//! approver also imports a CSV and watches its page follow the import to the end without a
//! reload. Then the
//! database and the simulator must agree. Screenshots go to `target/browser-screenshots/standings/`
//! (`standings-*.png`). Needs `node`, `chromium` and `npm ci` in `tests/browser` (as `.ci/run`
//! does); a missing piece fails the test with the command that installs it.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
#![allow(clippy::print_stdout)] // the browser script's output is this test's report

use crate::node as browser;
use crate::support::{Backend, TestApp};
use jumpgate_app::jobs::periodic;
use jumpgate_app::jobs::{WorkerSettings, run_worker};
use jumpgate_domain::RequestId;
use jumpgate_domain::standings::{Entity, EntityKind, RequestState, Standing};
use jumpgate_domain::{AllianceId, CharacterId};
use jumpgate_evesim::ContactType;
use jumpgate_store::{NewStandingsEntry, SyncStatus};
use std::sync::Arc;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(90);
const RESULT_PREFIX: &str = "JUMPGATE_STANDINGS_RESULT ";
const SPEC: &str = "standings.spec.mjs";
/// The id of the member's in-game contact label named like `standings.label_name`.
const LABEL: i64 = 7;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_browser_requests_approves_enrols_and_the_contacts_appear_in_game() {
    browser::require_tools();

    let t = TestApp::spawn(Backend::Sqlite).await;

    // The member: a character of the first alliance, which the Member state (holding
    // `standings.request`) takes as its criterion. The approver: someone outside it, who logs in
    // first and so becomes superuser (demo mode).
    let alliances = t.sim.alliances();
    let npc: std::collections::BTreeSet<i64> = t
        .sim
        .corporations()
        .into_iter()
        .filter(|c| c.npc)
        .map(|c| c.corporation_id)
        .collect();
    let home = alliances[0].alliance_id;
    let characters = t.sim.characters();
    let member = characters
        .iter()
        .find(|c| c.alliance_id == Some(home) && !npc.contains(&c.corporation_id))
        .expect("a character in the first alliance")
        .clone();
    let approver = characters
        .iter()
        .find(|c| c.alliance_id != Some(home) && c.corporation_id != member.corporation_id)
        .expect("a character outside the first alliance")
        .clone();
    let mut member_state = t
        .store
        .states()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.name == "Member")
        .expect("the Member state is seeded");
    assert!(member_state.permissions.contains("standings.request"));
    member_state.criteria.alliances.insert(AllianceId(home));
    t.store.save_state(&member_state).await.unwrap();

    // Another alliance already holds +10: the member's own entry never becomes a contact of
    // itself, this one must appear in game.
    let friend = alliances
        .iter()
        .find(|a| a.alliance_id != home)
        .expect("a second alliance")
        .clone();
    t.store
        .upsert_standing(&NewStandingsEntry {
            entity: Entity {
                kind: EntityKind::Alliance,
                id: friend.alliance_id,
            },
            name: friend.name.clone(),
            standing: Standing::parse("10").unwrap(),
            notes: String::new(),
            source: "admin".into(),
            added_by: None,
        })
        .await
        .unwrap();
    let label_name = t.settings.standings.label_name.clone();
    t.sim
        .set_labels(member.character_id, vec![(LABEL, label_name.clone())]);

    // Job workers in this process: enrolment, "Sync now" and propagation are jobs.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(run_worker(
        t.app.clone(),
        Arc::new(periodic::registry()),
        WorkerSettings {
            poll_interval: Duration::from_millis(200),
            ..WorkerSettings::default()
        },
        stopped,
    ));

    let stdout = browser::run_script(
        SPEC,
        &t.base,
        &[
            ("APPROVER_ID", approver.character_id.to_string()),
            ("APPROVER_NAME", approver.name.clone()),
            ("MEMBER_ID", member.character_id.to_string()),
            ("MEMBER_NAME", member.name.clone()),
            ("FRIEND_ID", friend.alliance_id.to_string()),
            ("FRIEND_NAME", friend.name.clone()),
        ],
        TIMEOUT,
    )
    .await;
    let _ = stop.send(true);
    worker.await.unwrap();

    let result: serde_json::Value = stdout
        .iter()
        .find_map(|l| l.strip_prefix(RESULT_PREFIX))
        .map(|json| serde_json::from_str(json).unwrap())
        .expect("the browser test reports its result");
    assert_eq!(result["member"], member.character_id);
    assert_eq!(result["status"], "sync-in_sync");
    assert!(
        result["import"]
            .as_str()
            .is_some_and(|s| s.ends_with("→ finished")),
        "the CSV import's page showed it finishing: {result}"
    );

    // The approver's first login made it superuser; the member is in the Member state.
    let approver_account = t
        .store
        .character(CharacterId(approver.character_id))
        .await
        .unwrap()
        .expect("approver stored")
        .account;
    assert!(
        t.store
            .account(approver_account)
            .await
            .unwrap()
            .unwrap()
            .superuser
    );
    let member_account = t
        .store
        .character(CharacterId(member.character_id))
        .await
        .unwrap()
        .expect("member stored")
        .account;
    assert_eq!(
        t.store
            .account(member_account)
            .await
            .unwrap()
            .unwrap()
            .state,
        "Member"
    );

    // The request the browser made and the approver approved.
    let request = t
        .store
        .request(RequestId(result["request"].as_i64().unwrap()))
        .await
        .unwrap()
        .expect("the request is kept");
    assert_eq!(
        request.entity,
        Entity {
            kind: EntityKind::Character,
            id: member.character_id
        }
    );
    assert_eq!(request.requester, member_account);
    assert_eq!(request.state, RequestState::Approved);
    assert_eq!(request.decided_by, Some(approver_account));
    assert_eq!(request.standing.map(Standing::tenths), Some(75));
    assert_eq!(
        request.decision_note.as_deref(),
        Some("Welcome aboard, fly safe")
    );
    let entry = t
        .store
        .standing(member.character_id)
        .await
        .unwrap()
        .expect("the approved standing is in the database");
    assert_eq!(entry.standing.tenths(), 75);
    assert_eq!(entry.added_by, Some(member_account));

    // The sync wrote the organisation's contacts with the label, never the character itself.
    let synced = t
        .store
        .synced_character(CharacterId(member.character_id))
        .await
        .unwrap()
        .expect("the character is enrolled");
    assert_eq!(synced.status, SyncStatus::InSync, "{:?}", synced.message);
    assert_eq!(synced.account, member_account);
    let contacts = t.sim.contacts(member.character_id);
    let alliance_contact = contacts
        .iter()
        .find(|c| c.contact_id == friend.alliance_id)
        .unwrap_or_else(|| panic!("{} is not among the contacts: {contacts:?}", friend.name));
    assert_eq!(alliance_contact.contact_type, ContactType::Alliance);
    assert!((alliance_contact.standing - 10.0).abs() < f64::EPSILON);
    assert_eq!(alliance_contact.label_ids, vec![LABEL]);
    assert!(
        contacts.iter().all(|c| c.contact_id != member.character_id),
        "a character never gets itself as a contact: {contacts:?}"
    );
    let ledger = t
        .store
        .ledger(CharacterId(member.character_id))
        .await
        .unwrap();
    assert!(
        ledger.iter().any(|l| l.contact_id == friend.alliance_id),
        "the ledger records the contact Jumpgate wrote: {ledger:?}"
    );
}
