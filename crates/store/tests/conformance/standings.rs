//! The standings manager's storage: the standings database, requests and revocations with their
//! history, contact sync enrolment with its lease and ledger, and notifications.

use crate::support::*;
use jumpgate_domain::RequestId;
use jumpgate_domain::account::RemovalReason;
use jumpgate_domain::standings::{
    Entity, EntityKind, LedgerEntry, RequestState, RevocationReason, RevocationState, Standing,
};
use jumpgate_domain::{AccountId, CharacterId};
use jumpgate_store::testing::TestStore;
use jumpgate_store::{
    Backend, NewRevocation, NewStandingRequest, NewStandingsEntry, RequestDecision,
    RevocationDecision, Store, StoreError, SyncCounts, SyncLease, SyncStatus, WorkflowFilter,
    store_test,
};
use std::sync::Arc;
use std::time::Duration;

fn standing(v: f64) -> Standing {
    Standing::new(v).expect("a valid standing")
}

fn corp(id: i64) -> Entity {
    Entity {
        kind: EntityKind::Corporation,
        id,
    }
}

fn pilot(id: i64) -> Entity {
    Entity {
        kind: EntityKind::Character,
        id,
    }
}

fn alliance(id: i64) -> Entity {
    Entity {
        kind: EntityKind::Alliance,
        id,
    }
}

fn entry(entity: Entity, name: &str, value: f64) -> NewStandingsEntry {
    NewStandingsEntry {
        entity,
        name: name.to_owned(),
        standing: standing(value),
        notes: String::new(),
        source: "admin".to_owned(),
        added_by: None,
    }
}

async fn account(store: &Arc<Store>, id: i64, name: &str) -> AccountId {
    store
        .create_account(&character(id, name))
        .await
        .expect("create the account")
        .0
        .id
}

fn ask(entity: Entity, name: &str, requester: AccountId) -> NewStandingRequest {
    NewStandingRequest {
        entity,
        name: name.to_owned(),
        requester,
    }
}

fn revoke(entity: Entity, name: &str, requester: Option<AccountId>) -> NewRevocation {
    NewRevocation {
        entity,
        name: name.to_owned(),
        reason: if requester.is_some() {
            RevocationReason::RequestedByOwner
        } else {
            RevocationReason::Biomassed
        },
        requester,
    }
}

fn approve(by: AccountId, value: f64, notes: &str) -> RequestDecision {
    RequestDecision::Approve {
        by,
        standing: standing(value),
        notes: notes.to_owned(),
    }
}

fn of_entity(id: i64) -> WorkflowFilter {
    WorkflowFilter {
        entity_id: Some(id),
        ..Default::default()
    }
}

// ----- the standings database ----------------------------------------------------------------

store_test!(
    each_entity_has_one_entry_that_upserts_update,
    |store| async move {
        let admin = account(&store, 1, "Admin").await;
        let first = store
            .upsert_standing(&entry(corp(98_000_010), "Blue Corp", 5.0))
            .await
            .unwrap();
        assert_eq!(first.standing, standing(5.0));
        assert_eq!(first.created_at, first.updated_at);

        let mut changed = entry(corp(98_000_010), "Blue Corp Renamed", 7.5);
        changed.notes = "allies since YC120".into();
        changed.added_by = Some(admin);
        let second = store.upsert_standing(&changed).await.unwrap();
        assert_eq!(second.created_at, first.created_at, "creation time is kept");
        assert!(second.updated_at >= first.updated_at);
        assert_eq!(
            (second.name.as_str(), second.standing, second.notes.as_str()),
            ("Blue Corp Renamed", standing(7.5), "allies since YC120")
        );
        assert_eq!(second.added_by, Some(admin));
        assert_eq!(store.count_standings().await.unwrap(), 1);
        assert_eq!(store.standing(98_000_010).await.unwrap(), Some(second));

        assert!(store.delete_standing(98_000_010).await.unwrap());
        assert!(!store.delete_standing(98_000_010).await.unwrap());
        assert_eq!(store.standing(98_000_010).await.unwrap(), None);
        assert_eq!(store.count_standings().await.unwrap(), 0);

        let err = store
            .upsert_standing(&NewStandingsEntry {
                added_by: Some(AccountId(999)),
                ..entry(corp(1), "X", 1.0)
            })
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    }
);

store_test!(
    entries_are_listed_by_kind_then_name_ignoring_case,
    |store| async move {
        for e in [
            entry(alliance(99_000_100), "Zeta Alliance", 10.0),
            entry(corp(98_000_200), "beta corp", -5.0),
            entry(corp(98_000_100), "Alpha Corp", 5.0),
            entry(pilot(90_000_100), "Some_Pilot", 0.5),
        ] {
            store.upsert_standing(&e).await.unwrap();
        }
        let names = |entries: Vec<jumpgate_store::StandingsEntry>| -> Vec<String> {
            entries.into_iter().map(|e| e.name).collect()
        };
        let all = store.all_standings().await.unwrap();
        assert_eq!(
            names(all),
            ["Some_Pilot", "Alpha Corp", "beta corp", "Zeta Alliance"],
            "characters, corporations, alliances; names ignoring case"
        );
    }
);

store_test!(an_import_is_all_or_nothing, |store| async move {
    let admin = account(&store, 1, "Admin").await;
    let imported = store
        .import_standings(&[
            entry(corp(98_000_001), "One", 1.0),
            entry(corp(98_000_002), "Two", 2.0),
        ])
        .await
        .unwrap();
    assert_eq!(imported, 2);
    assert_eq!(store.import_standings(&[]).await.unwrap(), 0);

    // The same entity twice in one import is a mistake in the import: refused as a whole.
    let err = store
        .import_standings(&[
            entry(corp(98_000_001), "One", 9.0),
            entry(corp(98_000_003), "Three", 3.0),
            entry(corp(98_000_001), "One again", -9.0),
        ])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Invalid(m) if m.contains("twice")),
        "{err}"
    );

    // A row the database refuses half-way rolls back the rows before it.
    let err = store
        .import_standings(&[
            NewStandingsEntry {
                added_by: Some(admin),
                ..entry(corp(98_000_001), "One", 9.0)
            },
            entry(corp(98_000_004), "Four", 4.0),
            NewStandingsEntry {
                added_by: Some(AccountId(424_242)),
                ..entry(corp(98_000_005), "Five", 5.0)
            },
        ])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");

    let all = store.all_standings().await.unwrap();
    let kept: Vec<_> = all.iter().map(|e| (e.name.as_str(), e.standing)).collect();
    assert_eq!(kept, [("One", standing(1.0)), ("Two", standing(2.0))]);
});

// ----- requests and revocations --------------------------------------------------------------

store_test!(
    approving_a_request_creates_the_entry_in_the_same_step,
    |store| async move {
        let member = account(&store, 1, "Member").await;
        let approver = account(&store, 2, "Approver").await;
        let request = store
            .create_request(&ask(corp(98_000_010), "Blue Corp", member))
            .await
            .unwrap();
        assert_eq!(request.state, RequestState::Pending);
        assert_eq!(
            (request.decided_at, request.decided_by, request.standing),
            (None, None, None)
        );
        assert_eq!(
            store.request(request.id).await.unwrap().as_ref(),
            Some(&request)
        );

        let decided = store
            .decide_request(request.id, &approve(approver, 7.5, "good neighbours"))
            .await
            .unwrap();
        assert_eq!(decided.state, RequestState::Approved);
        assert_eq!(decided.decided_by, Some(approver));
        assert!(decided.decided_at.is_some());
        assert_eq!(decided.standing, Some(standing(7.5)));
        assert_eq!(decided.decision_note.as_deref(), Some("good neighbours"));
        assert_eq!(store.request(request.id).await.unwrap(), Some(decided));

        let e = store.standing(98_000_010).await.unwrap().unwrap();
        assert_eq!(e.entity, corp(98_000_010));
        assert_eq!(e.name, "Blue Corp");
        assert_eq!(e.standing, standing(7.5));
        assert_eq!(e.notes, "good neighbours");
        assert_eq!(e.source, "request");
        assert_eq!(e.added_by, Some(member), "the requester added it");
    }
);

store_test!(
    a_standing_can_be_revoked_and_requested_again_with_history_kept,
    |store| async move {
        let member = account(&store, 1, "Member").await;
        let approver = account(&store, 2, "Approver").await;
        let blue = corp(98_000_010);

        let first = store
            .create_request(&ask(blue, "Blue", member))
            .await
            .unwrap();
        store
            .decide_request(first.id, &approve(approver, 5.0, "first"))
            .await
            .unwrap();

        let revocation = store
            .create_revocation(&revoke(blue, "Blue", Some(member)))
            .await
            .unwrap();
        assert_eq!(revocation.state, RevocationState::Pending);
        assert_eq!(revocation.reason, RevocationReason::RequestedByOwner);
        let revoked = store
            .decide_revocation(
                revocation.id,
                &RevocationDecision::Approve {
                    by: Some(approver),
                    notes: "as asked".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(revoked.state, RevocationState::Approved);
        assert_eq!(revoked.decided_by, Some(approver));
        assert_eq!(revoked.decision_note.as_deref(), Some("as asked"));
        assert_eq!(
            store.standing(blue.id).await.unwrap(),
            None,
            "entry deleted"
        );

        let second = store
            .create_request(&ask(blue, "Blue", member))
            .await
            .unwrap();
        store
            .decide_request(second.id, &approve(approver, 10.0, "second"))
            .await
            .unwrap();
        assert_eq!(
            store.standing(blue.id).await.unwrap().unwrap().standing,
            standing(10.0)
        );

        let requests = store.requests(&of_entity(blue.id)).await.unwrap();
        let ids: Vec<_> = requests.iter().map(|r| (r.id, r.state)).collect();
        assert_eq!(
            ids,
            [
                (second.id, RequestState::Approved),
                (first.id, RequestState::Approved)
            ],
            "newest first"
        );
        let revocations = store.revocations(&of_entity(blue.id)).await.unwrap();
        assert_eq!(revocations, [revoked]);
    }
);

store_test!(
    rejected_and_cancelled_requests_change_nothing_and_can_be_asked_again,
    |store| async move {
        let member = account(&store, 1, "Member").await;
        let approver = account(&store, 2, "Approver").await;
        let red = corp(98_000_666);
        for reason in ["not yet", "still no"] {
            let r = store
                .create_request(&ask(red, "Red", member))
                .await
                .unwrap();
            let rejected = store
                .decide_request(
                    r.id,
                    &RequestDecision::Reject {
                        by: approver,
                        reason: reason.into(),
                    },
                )
                .await
                .unwrap();
            assert_eq!(rejected.state, RequestState::Rejected);
            assert_eq!(rejected.decision_note.as_deref(), Some(reason));
            assert_eq!(rejected.standing, None);
        }
        let r = store
            .create_request(&ask(red, "Red", member))
            .await
            .unwrap();
        let cancelled = store
            .decide_request(r.id, &RequestDecision::Cancel { by: member })
            .await
            .unwrap();
        assert_eq!(cancelled.state, RequestState::Cancelled);
        assert_eq!(cancelled.decided_by, Some(member));

        assert_eq!(store.standing(red.id).await.unwrap(), None);
        let states: Vec<_> = store
            .requests(&of_entity(red.id))
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.state)
            .collect();
        assert_eq!(
            states,
            [
                RequestState::Cancelled,
                RequestState::Rejected,
                RequestState::Rejected
            ]
        );
    }
);

store_test!(
    a_second_pending_request_or_revocation_is_a_conflict,
    |store| async move {
        let member = account(&store, 1, "Member").await;
        let other = account(&store, 2, "Other").await;
        let blue = corp(98_000_010);
        store
            .create_request(&ask(blue, "Blue Corp", member))
            .await
            .unwrap();
        let err = store
            .create_request(&ask(blue, "Blue Corp", other))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Conflict(m) if m == "a request for Blue Corp is already pending"),
            "{err}"
        );

        store
            .create_revocation(&revoke(blue, "Blue Corp", None))
            .await
            .unwrap();
        let err = store
            .create_revocation(&revoke(blue, "Blue Corp", Some(member)))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Conflict(m) if m == "a revocation for Blue Corp is already pending"),
            "{err}"
        );

        // Other entities are independent; unknown requesters are refused.
        store
            .create_request(&ask(corp(98_000_011), "Other Corp", member))
            .await
            .unwrap();
        let err = store
            .create_request(&ask(corp(98_000_012), "X", AccountId(999)))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");

        let pending = store
            .requests(&WorkflowFilter {
                pending_only: true,
                requester: Some(member),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(pending.len(), 2);
        let limited = store
            .requests(&WorkflowFilter {
                limit: 1,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(limited.len(), 1);
        assert_eq!(limited[0].name, "Other Corp", "newest first");
    }
);

store_test!(
    of_ten_concurrent_requests_for_one_entity_exactly_one_is_created,
    |store| async move {
        let member = account(&store, 1, "Member").await;
        let mut racers = Vec::new();
        for _ in 0..10 {
            let store = Arc::clone(&store);
            racers.push(tokio::spawn(async move {
                store
                    .create_request(&ask(corp(98_000_010), "Blue", member))
                    .await
            }));
        }
        let mut created = 0;
        for racer in racers {
            match racer.await.unwrap() {
                Ok(_) => created += 1,
                Err(StoreError::Conflict(_)) => {}
                Err(e) => panic!("unexpected error: {e}"),
            }
        }
        assert_eq!(created, 1);
        assert_eq!(
            store.requests(&of_entity(98_000_010)).await.unwrap().len(),
            1
        );
    }
);

store_test!(
    deciding_a_decided_request_or_revocation_is_refused_and_changes_nothing,
    |store| async move {
        let member = account(&store, 1, "Member").await;
        let approver = account(&store, 2, "Approver").await;
        let blue = corp(98_000_010);
        let r = store
            .create_request(&ask(blue, "Blue", member))
            .await
            .unwrap();
        let approved = store
            .decide_request(r.id, &approve(approver, 7.5, "ok"))
            .await
            .unwrap();
        let entry = store.standing(blue.id).await.unwrap();

        for decision in [
            approve(approver, -10.0, "again"),
            RequestDecision::Reject {
                by: approver,
                reason: "changed my mind".into(),
            },
            RequestDecision::Cancel { by: member },
        ] {
            let err = store.decide_request(r.id, &decision).await.unwrap_err();
            assert!(
                matches!(&err, StoreError::Invalid(m) if m.contains("already approved")),
                "{err}"
            );
        }
        assert_eq!(store.request(r.id).await.unwrap(), Some(approved));
        assert_eq!(store.standing(blue.id).await.unwrap(), entry);
        let err = store
            .decide_request(RequestId(9999), &RequestDecision::Cancel { by: member })
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");

        let v = store
            .create_revocation(&revoke(blue, "Blue", Some(member)))
            .await
            .unwrap();
        let rejected = store
            .decide_revocation(
                v.id,
                &RevocationDecision::Reject {
                    by: approver,
                    reason: "keep it".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(rejected.state, RevocationState::Rejected);
        assert_eq!(
            store.standing(blue.id).await.unwrap(),
            entry,
            "rejection keeps it"
        );
        let err = store
            .decide_revocation(
                v.id,
                &RevocationDecision::Approve {
                    by: None,
                    notes: String::new(),
                },
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Invalid(m) if m.contains("already rejected")),
            "{err}"
        );
        assert_eq!(store.standing(blue.id).await.unwrap(), entry);
        assert_eq!(store.revocation(v.id).await.unwrap(), Some(rejected));
    }
);

store_test!(
    concurrent_decisions_on_one_request_let_exactly_one_win,
    |store| async move {
        let member = account(&store, 1, "Member").await;
        let approver = account(&store, 2, "Approver").await;
        let r = store
            .create_request(&ask(corp(98_000_010), "Blue", member))
            .await
            .unwrap();
        let mut racers = Vec::new();
        for i in 0..6u8 {
            let store = Arc::clone(&store);
            racers.push(tokio::spawn(async move {
                store
                    .decide_request(r.id, &approve(approver, f64::from(i), "race"))
                    .await
            }));
        }
        let mut won = Vec::new();
        for racer in racers {
            match racer.await.unwrap() {
                Ok(r) => won.push(r.standing),
                Err(StoreError::Invalid(_)) => {}
                Err(e) => panic!("unexpected error: {e}"),
            }
        }
        assert_eq!(won.len(), 1);
        let entry = store.standing(98_000_010).await.unwrap().unwrap();
        assert_eq!(
            Some(entry.standing),
            won[0],
            "the entry holds the winner's value"
        );
    }
);

store_test!(
    an_automatic_revocation_has_no_requester_and_no_decider,
    |store| async move {
        let blue = pilot(90_000_010);
        store
            .upsert_standing(&entry(blue, "Blue Pilot", 5.0))
            .await
            .unwrap();
        let v = store
            .create_revocation(&revoke(blue, "Blue Pilot", None))
            .await
            .unwrap();
        assert_eq!(v.requester, None);
        assert_eq!(v.reason, RevocationReason::Biomassed);
        let done = store
            .decide_revocation(
                v.id,
                &RevocationDecision::Approve {
                    by: None,
                    notes: "automatic: biomassed".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(done.state, RevocationState::Approved);
        assert_eq!(done.decided_by, None);
        assert!(done.decided_at.is_some());
        assert_eq!(store.standing(blue.id).await.unwrap(), None);
        assert_eq!(store.count_standings().await.unwrap(), 0);
        let pending = store
            .revocations(&WorkflowFilter {
                pending_only: true,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(pending.is_empty());
    }
);

// ----- contact sync --------------------------------------------------------------------------

fn ledger_entry(contact_id: i64, value: f64, labels: &[i64], personal: Option<f64>) -> LedgerEntry {
    LedgerEntry {
        contact_id,
        standing: standing(value),
        label_ids: labels.to_vec(),
        replaced_personal: personal,
    }
}

store_test!(
    characters_enrol_report_status_and_leave,
    |store| async move {
        let a = account(&store, 1, "Alpha").await;
        let b = account(&store, 2, "Bravo").await;
        store
            .add_character(a, &character(3, "Alpha Alt"))
            .await
            .unwrap();

        let enrolled = store.enrol_sync(CharacterId(3), a).await.unwrap();
        assert_eq!(enrolled.status, SyncStatus::Pending);
        assert_eq!(enrolled.account, a);
        assert_eq!(
            (
                enrolled.message.as_deref(),
                enrolled.last_sync_at,
                enrolled.last_success_at
            ),
            (None, None, None)
        );
        store.enrol_sync(CharacterId(1), a).await.unwrap();
        store.enrol_sync(CharacterId(2), b).await.unwrap();

        let err = store.enrol_sync(CharacterId(2), a).await.unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{err}");
        let err = store.enrol_sync(CharacterId(77), a).await.unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");

        store
            .set_sync_status(CharacterId(1), SyncStatus::InSync, None, true)
            .await
            .unwrap();
        store
            .set_sync_status(
                CharacterId(2),
                SyncStatus::LabelMissing,
                Some("create the contact label 'Alliance'"),
                false,
            )
            .await
            .unwrap();
        let one = store
            .synced_character(CharacterId(1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(one.status, SyncStatus::InSync);
        assert!(one.last_sync_at.is_some());
        assert_eq!(one.last_success_at, one.last_sync_at);
        let two = store
            .synced_character(CharacterId(2))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            two.message.as_deref(),
            Some("create the contact label 'Alliance'")
        );
        assert_eq!(two.last_success_at, None);

        // Enrolling again keeps everything.
        let again = store.enrol_sync(CharacterId(1), a).await.unwrap();
        assert_eq!(again, one);

        assert_eq!(
            jumpgate_store::SyncCounts::of_statuses(&store.sync_status_counts().await.unwrap()),
            SyncCounts {
                total: 3,
                in_sync: 1,
                problems: 1
            }
        );
        let of_a: Vec<_> = store
            .synced_characters(Some(a))
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.character)
            .collect();
        assert_eq!(of_a, [CharacterId(1), CharacterId(3)]);
        assert_eq!(store.synced_characters(None).await.unwrap().len(), 3);

        let err = store
            .set_sync_status(CharacterId(77), SyncStatus::Error, None, false)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");

        assert!(store.leave_sync(CharacterId(3)).await.unwrap());
        assert!(!store.leave_sync(CharacterId(3)).await.unwrap());
        assert_eq!(store.synced_character(CharacterId(3)).await.unwrap(), None);
        assert_eq!(
            jumpgate_store::SyncCounts::of_statuses(&store.sync_status_counts().await.unwrap())
                .total,
            2
        );

        // A character moved to another account stays enrolled, for its new account.
        store
            .move_character(CharacterId(1), b, RemovalReason::Transferred, None)
            .await
            .unwrap();
        let moved = store
            .synced_character(CharacterId(1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(moved.account, b);
    }
);

store_test!(
    one_holder_at_a_time_leases_a_characters_sync,
    |store| async move {
        let a = account(&store, 1, "Alpha").await;
        let lease = |holder: &str, secs: u64| {
            let store = Arc::clone(&store);
            let holder = holder.to_owned();
            async move {
                store
                    .lease_sync(CharacterId(1), &holder, Duration::from_secs(secs))
                    .await
                    .unwrap()
            }
        };
        assert_eq!(lease("w0", 60).await, SyncLease::NotEnrolled);
        let enrolment = store.enrol_sync(CharacterId(1), a).await.unwrap();

        let mut racers = Vec::new();
        for i in 0..10 {
            racers.push(tokio::spawn(lease(&format!("w{i}"), 60)));
        }
        let mut winners = Vec::new();
        for racer in racers {
            match racer.await.unwrap() {
                SyncLease::Leased(e) => winners.push(e),
                other => assert_eq!(other, SyncLease::Busy),
            }
        }
        assert_eq!(winners, [enrolment], "one winner, who reads the enrolment");

        // Releasing someone else's lease does nothing; the holder's release frees it.
        for i in 0..10 {
            store
                .release_sync(CharacterId(1), &format!("w{i}"))
                .await
                .unwrap();
        }
        assert!(matches!(lease("next", 0).await, SyncLease::Leased(_)));
        // An expired lease is taken over.
        assert!(matches!(lease("after", 60).await, SyncLease::Leased(_)));
        assert_eq!(lease("late", 60).await, SyncLease::Busy);
    }
);

store_test!(
    the_ledger_round_trips_exactly_and_is_replaced_as_a_whole,
    |store| async move {
        let a = account(&store, 1, "Alpha").await;
        let err = store
            .replace_ledger(CharacterId(1), &[ledger_entry(5, 1.0, &[], None)])
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::NotFound(_)),
            "not enrolled: {err}"
        );
        store.enrol_sync(CharacterId(1), a).await.unwrap();
        assert!(store.ledger(CharacterId(1)).await.unwrap().is_empty());

        let written = vec![
            ledger_entry(99_000_001, -10.0, &[], None),
            ledger_entry(
                90_000_002,
                7.5,
                &[1, 42, 9_007_199_254_740_993],
                Some(0.1 + 0.2),
            ),
            ledger_entry(98_000_003, 0.0, &[42], Some(-3.3)),
        ];
        store
            .replace_ledger(CharacterId(1), &written)
            .await
            .unwrap();
        let mut expected = written.clone();
        expected.sort_by_key(|e| e.contact_id);
        assert_eq!(store.ledger(CharacterId(1)).await.unwrap(), expected);

        let fewer = vec![ledger_entry(98_000_003, 5.0, &[42], None)];
        store.replace_ledger(CharacterId(1), &fewer).await.unwrap();
        assert_eq!(store.ledger(CharacterId(1)).await.unwrap(), fewer);

        let err = store
            .replace_ledger(
                CharacterId(1),
                &[
                    ledger_entry(7, 1.0, &[], None),
                    ledger_entry(7, 2.0, &[], None),
                ],
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{err}");
        assert_eq!(
            store.ledger(CharacterId(1)).await.unwrap(),
            fewer,
            "unchanged"
        );

        store.replace_ledger(CharacterId(1), &[]).await.unwrap();
        assert!(store.ledger(CharacterId(1)).await.unwrap().is_empty());
    }
);

store_test!(
    the_ledger_goes_with_the_enrolment_and_with_the_character,
    |store| async move {
        let a = account(&store, 1, "Alpha").await;
        store.add_character(a, &character(2, "Alt")).await.unwrap();
        for c in [CharacterId(1), CharacterId(2)] {
            store.enrol_sync(c, a).await.unwrap();
            store
                .replace_ledger(c, &[ledger_entry(98_000_001, 5.0, &[1], None)])
                .await
                .unwrap();
        }

        assert!(store.leave_sync(CharacterId(1)).await.unwrap());
        assert!(store.ledger(CharacterId(1)).await.unwrap().is_empty());
        store.enrol_sync(CharacterId(1), a).await.unwrap();
        assert!(
            store.ledger(CharacterId(1)).await.unwrap().is_empty(),
            "a new enrolment starts with an empty ledger"
        );

        store
            .remove_character(CharacterId(2), RemovalReason::Biomassed, None)
            .await
            .unwrap();
        assert_eq!(store.synced_character(CharacterId(2)).await.unwrap(), None);
        assert!(store.ledger(CharacterId(2)).await.unwrap().is_empty());
    }
);

/// Runs one statement behind the store's back, as a bug or a hand-made fix might.
async fn raw_statement(t: &TestStore, sql: &str) -> Result<u64, String> {
    use sqlx::Connection;
    let done = match t.backend() {
        Backend::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(&t.url)
                .await
                .expect("connect");
            sqlx::query("PRAGMA foreign_keys = ON")
                .execute(&mut conn)
                .await
                .expect("pragma");
            sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                .execute(&mut conn)
                .await
                .map(|d| d.rows_affected())
        }
        Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&t.url).await.expect("connect");
            sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                .execute(&mut conn)
                .await
                .map(|d| d.rows_affected())
        }
    };
    done.map_err(|e| e.to_string())
}

store_test!(
    the_database_itself_refuses_ledger_rows_of_a_character_not_enrolled,
    |t: TestStore| async move {
        let store = t.store.clone();
        let a = account(&store, 1, "Alpha").await;
        store.add_character(a, &character(2, "Alt")).await.unwrap();
        store.enrol_sync(CharacterId(2), a).await.unwrap();
        let insert = |character: i64| {
            format!(
                "INSERT INTO sync_ledger (character_id, contact_id, standing_tenths, label_ids) \
                 VALUES ({character}, 98000001, 50, '[]')"
            )
        };

        let refused = raw_statement(t, &insert(1)).await.unwrap_err();
        assert!(
            refused.contains("foreign key") || refused.contains("FOREIGN KEY"),
            "{refused}"
        );
        assert_eq!(raw_statement(t, &insert(2)).await, Ok(1));
        let moved = "UPDATE sync_ledger SET character_id = 1 WHERE character_id = 2";
        assert!(
            raw_statement(t, moved).await.is_err(),
            "re-keyed to a character not enrolled"
        );
        assert_eq!(store.ledger(CharacterId(1)).await.unwrap(), []);
        assert_eq!(store.ledger(CharacterId(2)).await.unwrap().len(), 1);

        assert!(store.leave_sync(CharacterId(2)).await.unwrap());
        assert_eq!(store.ledger(CharacterId(2)).await.unwrap(), []);
    }
);

// ----- notifications -------------------------------------------------------------------------

store_test!(
    notifications_are_newest_first_and_can_be_marked_read,
    |store| async move {
        let a = account(&store, 1, "Alpha").await;
        let b = account(&store, 2, "Bravo").await;
        let first = store
            .notify(a, "your request was approved", Some("/standings"))
            .await
            .unwrap();
        assert_eq!(first.link.as_deref(), Some("/standings"));
        assert_eq!(first.read_at, None);
        store.notify(a, "second", None).await.unwrap();
        store.notify(b, "for bravo", None).await.unwrap();

        let messages = |n: Vec<jumpgate_store::Notification>| -> Vec<String> {
            n.into_iter().map(|n| n.message).collect()
        };
        assert_eq!(
            messages(store.notifications(a, false, 10).await.unwrap()),
            ["second", "your request was approved"]
        );
        assert_eq!(
            messages(store.notifications(a, false, 1).await.unwrap()),
            ["second"]
        );

        assert_eq!(store.mark_notifications_read(a).await.unwrap(), 2);
        assert_eq!(store.mark_notifications_read(a).await.unwrap(), 0);
        assert!(store.notifications(a, true, 10).await.unwrap().is_empty());
        let read = store.notifications(a, false, 0).await.unwrap();
        assert!(read.iter().all(|n| n.read_at.is_some()));
        assert_eq!(read.len(), 2);

        store.notify(a, "third", None).await.unwrap();
        assert_eq!(
            messages(store.notifications(a, true, 10).await.unwrap()),
            ["third"]
        );
        assert_eq!(
            messages(store.notifications(b, true, 10).await.unwrap()),
            ["for bravo"],
            "other accounts are untouched"
        );
        let err = store.notify(AccountId(999), "x", None).await.unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    }
);

store_test!(
    the_approval_queue_reads_each_pending_item_with_its_requester_and_subject,
    |store| async move {
        use jumpgate_store::{AllianceInfo, CorporationInfo, QueueKind};
        let asker = account(&store, 90_000_001, "Asker Main").await;
        store.set_account_state(asker, "Member").await.unwrap();
        store
            .add_character(asker, &character(90_000_002, "Asker Alt"))
            .await
            .unwrap();
        store
            .upsert_corporation(&CorporationInfo {
                id: CORP,
                name: "Blue Corp".to_owned(),
                ticker: "BLUE".to_owned(),
                alliance: Some(ALLIANCE),
                member_count: Some(42),
                ceo: None,
                expires_at: now() + secs(3600),
            })
            .await
            .unwrap();
        store
            .upsert_alliance(&AllianceInfo {
                id: ALLIANCE,
                name: "Blue Alliance".to_owned(),
                ticker: "BLUA".to_owned(),
                expires_at: now() + secs(3600),
            })
            .await
            .unwrap();
        let alt = store
            .create_request(&ask(pilot(90_000_002), "Asker Alt", asker))
            .await
            .unwrap();
        let corporation = store
            .create_request(&ask(corp(CORP.get()), "Blue Corp", asker))
            .await
            .unwrap();
        // A request for a character Jumpgate does not know, then one that is decided already.
        let stranger = store
            .create_request(&ask(pilot(90_000_777), "Stranger", asker))
            .await
            .unwrap();
        let decided = store
            .create_request(&ask(alliance(99_000_555), "Other Alliance", asker))
            .await
            .unwrap();
        store
            .decide_request(
                decided.id,
                &RequestDecision::Reject {
                    by: asker,
                    reason: "no".to_owned(),
                },
            )
            .await
            .unwrap();
        store
            .upsert_standing(&entry(alliance(99_000_900), "Old Friends", 7.5))
            .await
            .unwrap();
        let automatic = store
            .create_revocation(&revoke(alliance(99_000_900), "Old Friends", None))
            .await
            .unwrap();

        let queue = store.approval_queue().await.unwrap();
        let ids: Vec<i64> = queue.requests.iter().map(|i| i.id).collect();
        assert_eq!(
            ids,
            vec![alt.id.get(), corporation.id.get(), stranger.id.get()],
            "oldest first, pending only"
        );

        let a = &queue.requests[0];
        assert_eq!(a.entity, pilot(90_000_002));
        assert_eq!(a.requester, Some(asker));
        assert_eq!(a.requester_main.as_deref(), Some("Asker Main"));
        assert_eq!(a.requester_state.as_deref(), Some("Member"));
        assert_eq!(a.subject_account, Some(asker));
        assert!(a.subject_added_at.is_some());
        assert_eq!(a.corporation, Some(CORP));
        assert_eq!(a.corporation_name.as_deref(), Some("Blue Corp"));
        assert_eq!(a.alliance, Some(ALLIANCE));
        assert_eq!(a.alliance_name.as_deref(), Some("Blue Alliance"));
        assert_eq!((a.reason, a.current), (None, None));

        let c = &queue.requests[1];
        assert_eq!(c.corporation, Some(CORP));
        assert_eq!(c.corporation_ticker.as_deref(), Some("BLUE"));
        assert_eq!(c.corporation_members, Some(42));
        assert_eq!(c.alliance_name.as_deref(), Some("Blue Alliance"));
        assert_eq!(c.subject_account, None);

        let s = &queue.requests[2];
        assert_eq!(
            (s.subject_account, s.corporation, s.alliance),
            (None, None, None),
            "an unknown character has no details"
        );

        assert_eq!(queue.revocations.len(), 1);
        let r = &queue.revocations[0];
        assert_eq!(r.id, automatic.id.get());
        assert_eq!((r.requester, r.requester_main.clone()), (None, None));
        assert_eq!(r.reason, Some(RevocationReason::Biomassed));
        assert_eq!(r.current, Some(standing(7.5)));

        // One item at a time, while it is pending.
        let one = store
            .queue_item(QueueKind::Request, corporation.id.get())
            .await
            .unwrap();
        assert_eq!(one.as_ref(), Some(c));
        assert_eq!(
            store
                .queue_item(QueueKind::Request, decided.id.get())
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            store
                .queue_item(QueueKind::Revocation, automatic.id.get())
                .await
                .unwrap()
                .as_ref(),
            Some(r)
        );
    }
);

store_test!(
    the_approval_queue_counter_moves_with_every_change_to_requests_and_revocations,
    |store| async move {
        let version = || {
            let store = store.clone();
            async move { store.change_counter("approval_queue").await.unwrap() }
        };
        let asker = account(&store, 90_000_011, "Counter Asker").await;
        let v0 = version().await;
        let r = store
            .create_request(&ask(pilot(90_000_011), "Counter Asker", asker))
            .await
            .unwrap();
        let v1 = version().await;
        assert!(v1 > v0, "a new request moves the counter");
        // Reads and a refused duplicate do not.
        store.approval_queue().await.unwrap();
        assert!(
            store
                .create_request(&ask(pilot(90_000_011), "Counter Asker", asker))
                .await
                .is_err()
        );
        assert_eq!(version().await, v1);
        store
            .decide_request(r.id, &RequestDecision::Cancel { by: asker })
            .await
            .unwrap();
        let v2 = version().await;
        assert!(v2 > v1, "a decision moves the counter");
        store
            .upsert_standing(&entry(alliance(99_000_901), "Counted", 5.0))
            .await
            .unwrap();
        store
            .create_revocation(&revoke(alliance(99_000_901), "Counted", None))
            .await
            .unwrap();
        assert!(version().await > v2, "a new revocation moves the counter");
        assert!(store.change_counter("no such counter").await.is_err());
    }
);

store_test!(entries_are_read_by_a_list_of_ids, |store| async move {
    for (id, name) in [
        (99_000_001, "Friends"),
        (99_000_002, "Allies"),
        (99_000_003, "Foes"),
    ] {
        store
            .upsert_standing(&entry(alliance(id), name, 5.0))
            .await
            .unwrap();
    }
    let mut named: Vec<String> = store
        .standings_by_ids(&[99_000_001, 99_000_003, 42])
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    named.sort();
    assert_eq!(named, ["Foes", "Friends"]);
    assert!(store.standings_by_ids(&[]).await.unwrap().is_empty());
});

store_test!(
    several_change_counters_are_read_at_once_in_the_order_asked,
    |store| async move {
        store
            .upsert_standing(&entry(alliance(99_000_902), "Counted twice", 5.0))
            .await
            .unwrap();
        let standings = store.change_counter("standings").await.unwrap();
        let queue = store.change_counter("approval_queue").await.unwrap();
        assert_eq!(
            store
                .change_counters(["standings", "approval_queue"])
                .await
                .unwrap(),
            [standings, queue]
        );
        assert_eq!(
            store
                .change_counters(["approval_queue", "standings"])
                .await
                .unwrap(),
            [queue, standings]
        );
        let err = store
            .change_counters(["standings", "no such counter"])
            .await
            .unwrap_err();
        assert!(err.to_string().contains("no such counter"), "{err}");
    }
);

store_test!(
    the_notifications_counter_moves_with_every_new_or_read_notification,
    |store| async move {
        let version = || {
            let store = store.clone();
            async move { store.change_counter("notifications").await.unwrap() }
        };
        let a = account(&store, 90_000_021, "Notified").await;
        let v0 = version().await;
        store.notify(a, "first", None).await.unwrap();
        let v1 = version().await;
        assert!(v1 > v0, "a new notification moves the counter");
        store.notifications(a, false, 30).await.unwrap();
        assert_eq!(version().await, v1, "reading does not");
        store.mark_notifications_read(a).await.unwrap();
        assert!(version().await > v1, "marking read moves the counter");
    }
);
