//! The SSO safety valve's store (ADR 0021): one shared row (successes, trip, pause) and the
//! invalid answers it judged, as its memory and its evidence.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::support::*;
use jumpgate_domain::safety_valve::RefreshFailure;
use jumpgate_domain::{AccountId, CharacterId, TokenId};
use jumpgate_store::{FailureVerdict, NewRefreshFailure, Store, store_test};
use time::OffsetDateTime;

/// An invalid answer about character `character` (on `account`), judged `verdict`.
struct Answer {
    at: OffsetDateTime,
    character: i64,
    account: Option<i64>,
    kind: &'static str,
    successes_before: i64,
    verdict: FailureVerdict,
}

fn answer(at: OffsetDateTime, character: i64, verdict: FailureVerdict) -> Answer {
    Answer {
        at,
        character,
        account: Some(character * 10),
        kind: "invalid_grant",
        successes_before: 0,
        verdict,
    }
}

/// Records the answers in one committed transaction.
async fn record(store: &Store, answers: &[Answer]) {
    let mut tx = store.transaction().await.unwrap();
    for a in answers {
        tx.record_refresh_failure(&NewRefreshFailure {
            token: TokenId(a.character * 100),
            failure: RefreshFailure {
                at: a.at,
                character: CharacterId(a.character),
                account: a.account.map(AccountId),
                successes_before: a.successes_before,
            },
            kind: a.kind,
            verdict: a.verdict,
            instance: "worker-1",
        })
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

store_test!(
    the_valve_starts_closed_counts_successes_and_trips_once_until_cleared,
    |store| async move {
        let start = store.safety_valve().await.unwrap();
        assert_eq!(start, jumpgate_store::ValveState::default());
        assert!(!start.is_tripped());
        for _ in 0..3 {
            store.count_refresh_success().await.unwrap();
        }

        // The first trip wins; a second instance tripping it meanwhile changes nothing.
        let from = now() - secs(30);
        let mut tx = store.transaction().await.unwrap();
        let locked = tx.lock_safety_valve().await.unwrap();
        assert_eq!(locked.successes, 3);
        tx.trip_safety_valve("worker-1", from).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.transaction().await.unwrap();
        assert!(tx.lock_safety_valve().await.unwrap().is_tripped());
        tx.trip_safety_valve("web-2", now()).await.unwrap();
        tx.commit().await.unwrap();

        let valve = store.safety_valve().await.unwrap();
        assert!(valve.is_tripped());
        assert_eq!(valve.tripped_by.as_deref(), Some("worker-1"));
        assert_eq!(valve.evidence_from, Some(from));
        assert_eq!(valve.successes, 3);

        // A trip whose transaction is rolled back never happened.
        let mut tx = store.transaction().await.unwrap();
        tx.clear_safety_valve(now()).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.transaction().await.unwrap();
        tx.trip_safety_valve("worker-1", now()).await.unwrap();
        drop(tx);
        assert!(!store.safety_valve().await.unwrap().is_tripped());
    }
);

store_test!(
    the_evidence_sums_the_answers_since_the_trip_by_kind_account_character_and_verdict,
    |store| async move {
        let t0 = now() - secs(600);
        let before = answer(t0, 9, FailureVerdict::Invalidated);
        let held_without_account = Answer {
            account: None,
            kind: "wrong_character",
            ..answer(t0 + secs(40), 4, FailureVerdict::Held)
        };
        record(
            &store,
            &[
                before,
                answer(t0 + secs(10), 1, FailureVerdict::Invalidated),
                answer(t0 + secs(20), 2, FailureVerdict::Invalidated),
                answer(t0 + secs(30), 3, FailureVerdict::Tripped),
                // The same character (and account) answered again while held.
                answer(t0 + secs(35), 3, FailureVerdict::Held),
                held_without_account,
            ],
        )
        .await;

        let e = store.valve_evidence(t0 + secs(10)).await.unwrap();
        assert_eq!(
            e.kinds,
            vec![
                ("invalid_grant".to_owned(), 4),
                ("wrong_character".to_owned(), 1)
            ]
        );
        assert_eq!(e.failures, 5);
        assert_eq!(e.first_at, Some(t0 + secs(10)));
        assert_eq!(e.last_at, Some(t0 + secs(40)));
        assert_eq!(
            (e.accounts, e.characters),
            (4, 4),
            "a character on no account counts as its own"
        );
        assert_eq!(e.invalidated, 2);

        // Nothing recorded since: no evidence.
        let none = store.valve_evidence(now() + secs(1)).await.unwrap();
        assert_eq!(none, jumpgate_store::ValveEvidence::default());
    }
);

store_test!(
    the_recent_answers_are_those_inside_the_window_and_fewer_successes_ago,
    |store| async move {
        let t0 = now() - secs(3600);
        let at = |s: i64, character: i64, successes_before: i64| Answer {
            successes_before,
            ..answer(t0 + secs(s), character, FailureVerdict::Invalidated)
        };
        record(
            &store,
            &[
                at(0, 1, 95),    // outside the time window
                at(3000, 2, 50), // 50 successes ago: no longer recent
                at(3100, 3, 81), // 19 ago
                at(3200, 4, 99), // 1 ago
            ],
        )
        .await;

        let mut tx = store.transaction().await.unwrap();
        let recent = tx
            .recent_refresh_failures(t0 + secs(60), 100, 20)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let characters: Vec<i64> = recent.iter().map(|f| f.character.get()).collect();
        assert_eq!(characters, vec![3, 4], "oldest first");
        assert_eq!(recent[0].at, t0 + secs(3100));
        assert_eq!(recent[0].account, Some(AccountId(30)));
        assert_eq!(recent[0].successes_before, 81);

        // Answers written in a transaction that is rolled back are not remembered.
        let mut tx = store.transaction().await.unwrap();
        tx.record_refresh_failure(&NewRefreshFailure {
            token: TokenId(500),
            failure: RefreshFailure {
                at: now(),
                character: CharacterId(5),
                account: None,
                successes_before: 100,
            },
            kind: "invalid_grant",
            verdict: FailureVerdict::Invalidated,
            instance: "worker-1",
        })
        .await
        .unwrap();
        drop(tx);
        let e = store.valve_evidence(t0).await.unwrap();
        assert_eq!(e.failures, 4);
    }
);

store_test!(
    a_pause_holds_every_instance_until_it_ends_and_is_never_shortened,
    |store| async move {
        let t = now();
        assert!(!store.safety_valve().await.unwrap().refreshing_paused(t));
        store.pause_refreshing(t + secs(900)).await.unwrap();
        // A shorter pause (a 429's Retry-After) leaves the longer one.
        store.pause_refreshing(t + secs(2)).await.unwrap();
        let valve = store.safety_valve().await.unwrap();
        assert_eq!(valve.paused_until, Some(t + secs(900)));
        assert!(valve.refreshing_paused(t + secs(899)));
        assert!(!valve.refreshing_paused(t + secs(900)));
        store.pause_refreshing(t + secs(1200)).await.unwrap();
        assert_eq!(
            store.safety_valve().await.unwrap().paused_until,
            Some(t + secs(1200))
        );
    }
);

store_test!(
    clearing_ends_the_trip_and_the_pause_and_forgets_only_the_older_answers,
    |store| async move {
        let t0 = now() - secs(3600);
        record(
            &store,
            &[
                answer(t0, 1, FailureVerdict::Invalidated),
                answer(t0 + secs(10), 2, FailureVerdict::Invalidated),
                answer(t0 + secs(3000), 3, FailureVerdict::Tripped),
                answer(t0 + secs(3100), 4, FailureVerdict::Held),
            ],
        )
        .await;
        store.count_refresh_success().await.unwrap();
        store.pause_refreshing(now() + secs(900)).await.unwrap();
        let mut tx = store.transaction().await.unwrap();
        tx.trip_safety_valve("worker-1", t0 + secs(3000))
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.transaction().await.unwrap();
        tx.clear_safety_valve(t0 + secs(3000)).await.unwrap();
        tx.commit().await.unwrap();

        let valve = store.safety_valve().await.unwrap();
        assert!(!valve.is_tripped());
        assert_eq!(
            (valve.tripped_by, valve.evidence_from, valve.paused_until),
            (None, None, None)
        );
        assert_eq!(valve.successes, 1, "the count goes on");
        let left = store.valve_evidence(t0).await.unwrap();
        assert_eq!(
            left.failures, 2,
            "the answers the rule may still count stay"
        );
        assert_eq!(left.first_at, Some(t0 + secs(3000)));
    }
);
