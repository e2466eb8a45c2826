//! Contact sync at scale on both backends: batched ledger changes, the standings' version,
//! corporation members, and ESI cache revalidation that keeps the body.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::support::*;
use jumpgate_domain::standings::{Entity, EntityKind, LedgerEntry, Standing};
use jumpgate_domain::{AccountId, CharacterId, CorporationId};
use jumpgate_store::{CacheEntry, NewCharacter, NewStandingsEntry, Store, StoreError, store_test};
use std::sync::Arc;

fn row(contact_id: i64, tenths: i16, labels: &[i64], personal: Option<f64>) -> LedgerEntry {
    LedgerEntry {
        contact_id,
        standing: Standing::from_tenths(tenths).unwrap(),
        label_ids: labels.to_vec(),
        replaced_personal: personal,
    }
}

async fn enrolled(store: &Arc<Store>, id: i64) -> AccountId {
    let (a, _) = store.create_account(&character(id, "Alpha")).await.unwrap();
    store.enrol_sync(CharacterId(id), a.id).await.unwrap();
    a.id
}

store_test!(
    ledger_changes_upsert_and_remove_in_one_transaction,
    |store| async move {
        let err = store
            .apply_ledger_changes(CharacterId(1), &[row(5, 10, &[], None)], &[])
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
        enrolled(&store, 1).await;

        // A full initial sync: a thousand rows, values and labels as written.
        let first: Vec<LedgerEntry> = (0..1000)
            .map(|i| {
                row(
                    90_000_000 + i,
                    [100, 50, -50, -100][(i % 4) as usize],
                    &[1],
                    None,
                )
            })
            .collect();
        store
            .apply_ledger_changes(CharacterId(1), &first, &[])
            .await
            .unwrap();
        assert_eq!(store.ledger(CharacterId(1)).await.unwrap(), first);

        // An edit, a take-over (with the exact personal value), two removals and an add.
        let changed = vec![
            row(90_000_003, 75, &[1, 9_007_199_254_740_993], None),
            row(90_000_004, 100, &[1], Some(0.1 + 0.2)),
            row(95_000_000, -25, &[], None),
        ];
        store
            .apply_ledger_changes(CharacterId(1), &changed, &[90_000_000, 90_000_001, 7])
            .await
            .unwrap();
        let mut expected: Vec<LedgerEntry> = first
            .iter()
            .filter(|e| ![90_000_000, 90_000_001, 90_000_003, 90_000_004].contains(&e.contact_id))
            .cloned()
            .chain(changed.clone())
            .collect();
        expected.sort_by_key(|e| e.contact_id);
        assert_eq!(store.ledger(CharacterId(1)).await.unwrap(), expected);

        // A duplicate id changes nothing.
        let err = store
            .apply_ledger_changes(
                CharacterId(1),
                &[row(7, 10, &[], None), row(7, 20, &[], None)],
                &[90_000_002],
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{err}");
        assert_eq!(store.ledger(CharacterId(1)).await.unwrap(), expected);

        // Nothing to do is fine, and replacing still works after batched changes.
        store
            .apply_ledger_changes(CharacterId(1), &[], &[])
            .await
            .unwrap();
        store
            .replace_ledger(CharacterId(1), &changed[..1])
            .await
            .unwrap();
        assert_eq!(store.ledger(CharacterId(1)).await.unwrap(), changed[..1]);
    }
);

async fn pending(store: &Arc<Store>) -> Option<String> {
    store.pending_writes(CharacterId(1)).await.unwrap()
}

store_test!(
    sync_writes_keep_the_ledger_and_the_pending_writes_together,
    |store| async move {
        let err = store
            .record_sync_writes(CharacterId(1), &[row(5, 10, &[], None)], &[], "{\"a\":1}")
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
        enrolled(&store, 1).await;
        assert_eq!(store.ledger(CharacterId(1)).await.unwrap(), []);
        assert_eq!(pending(&store).await, None);

        let first = vec![row(5, 10, &[1], None), row(6, -50, &[1], Some(2.5))];
        store
            .record_sync_writes(CharacterId(1), &first, &[], "first")
            .await
            .unwrap();
        assert_eq!(store.ledger(CharacterId(1)).await.unwrap(), first);
        assert_eq!(pending(&store).await.as_deref(), Some("first"));

        // An edit, a removal and an add in one go; the pending writes are replaced.
        let edited = row(5, 100, &[1], None);
        let added = row(7, 50, &[], None);
        store
            .record_sync_writes(
                CharacterId(1),
                &[edited.clone(), added.clone()],
                &[6],
                "second",
            )
            .await
            .unwrap();
        assert_eq!(
            store.ledger(CharacterId(1)).await.unwrap(),
            [edited.clone(), added.clone()]
        );
        assert_eq!(pending(&store).await.as_deref(), Some("second"));

        // Ledger changes alone leave the pending writes as they were.
        store
            .apply_ledger_changes(CharacterId(1), &[], &[7])
            .await
            .unwrap();
        assert_eq!(store.ledger(CharacterId(1)).await.unwrap(), [edited]);
        assert_eq!(pending(&store).await.as_deref(), Some("second"));

        // Leaving takes both; a new enrolment starts without either.
        assert!(store.leave_sync(CharacterId(1)).await.unwrap());
        store
            .enrol_sync(
                CharacterId(1),
                store
                    .character(CharacterId(1))
                    .await
                    .unwrap()
                    .unwrap()
                    .account,
            )
            .await
            .unwrap();
        assert_eq!(store.ledger(CharacterId(1)).await.unwrap(), []);
        assert_eq!(pending(&store).await, None);
    }
);

store_test!(
    the_standings_counter_moves_with_every_change,
    |store| async move {
        let version = || {
            let store = store.clone();
            async move { store.change_counter("standings").await.unwrap() }
        };
        let v0 = version().await;
        let entry = |id: i64, tenths: i16| NewStandingsEntry {
            entity: Entity {
                kind: EntityKind::Character,
                id,
            },
            name: format!("e{id}"),
            standing: Standing::from_tenths(tenths).unwrap(),
            notes: String::new(),
            source: "admin".into(),
            added_by: None,
        };
        store.upsert_standing(&entry(1, 100)).await.unwrap();
        let v1 = version().await;
        assert_ne!(v1, v0, "an addition moves the version");
        // No pause needed: the counter moves with every write, however close together.
        store.upsert_standing(&entry(1, 50)).await.unwrap();
        let v2 = version().await;
        assert_ne!(v2, v1, "an edit moves the version");
        store.upsert_standing(&entry(2, 50)).await.unwrap();
        let v3 = version().await;
        store.delete_standing(1).await.unwrap();
        let v4 = version().await;
        assert_ne!(v3, v2);
        assert_ne!(v4, v3, "a delete moves the version");
        store
            .import_standings(&[entry(3, 10), entry(4, -10)])
            .await
            .unwrap();
        assert_ne!(version().await, v4, "an import moves the version");
    }
);

store_test!(
    the_enrolment_counter_moves_with_what_the_admin_list_shows_and_not_with_leases,
    |store| async move {
        let version = || {
            let store = store.clone();
            async move { store.change_counter("sync_enrolment").await.unwrap() }
        };
        let v0 = version().await;
        enrolled(&store, 1).await;
        let v1 = version().await;
        assert_ne!(v1, v0, "an enrolment moves it");
        let listed = store.enrolment_list().await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].1, "Alpha", "with the character's name");

        // A sync's own bookkeeping moves nothing: its lease, its ledger, its pending writes.
        let leased = store
            .lease_sync(CharacterId(1), "w1", std::time::Duration::from_secs(60))
            .await
            .unwrap();
        assert!(matches!(leased, jumpgate_store::SyncLease::Leased(_)));
        store
            .apply_ledger_changes(CharacterId(1), &[row(5, 10, &[], None)], &[])
            .await
            .unwrap();
        let mut tx = store.transaction().await.unwrap();
        tx.set_pending_writes(CharacterId(1), "[]").await.unwrap();
        tx.commit().await.unwrap();
        store.release_sync(CharacterId(1), "w1").await.unwrap();
        assert_eq!(version().await, v1, "leases and ledgers are not listed");

        // Its outcome, a rename of the character and leaving move it.
        store
            .set_sync_status(
                CharacterId(1),
                jumpgate_store::SyncStatus::InSync,
                None,
                true,
            )
            .await
            .unwrap();
        let v2 = version().await;
        assert_ne!(v2, v1, "a sync's outcome moves it");
        store
            .update_character_identity(CharacterId(1), "Alpha", "hash-1")
            .await
            .unwrap();
        assert_eq!(version().await, v2, "the same name again is no rename");
        store
            .update_character_identity(CharacterId(1), "Alpha Two", "hash-1")
            .await
            .unwrap();
        let v3 = version().await;
        assert_ne!(v3, v2, "a rename moves it");
        assert_eq!(store.enrolment_list().await.unwrap()[0].1, "Alpha Two");
        assert!(store.leave_sync(CharacterId(1)).await.unwrap());
        assert_ne!(version().await, v3, "leaving moves it");
        assert!(store.enrolment_list().await.unwrap().is_empty());
    }
);

store_test!(
    characters_in_a_corporation_come_from_one_query,
    |store| async move {
        let (a, _) = store.create_account(&character(1, "Zulu")).await.unwrap();
        store
            .add_character(a.id, &character(2, "alpha"))
            .await
            .unwrap();
        store
            .add_character(
                a.id,
                &NewCharacter {
                    corporation: CorporationId(98_000_777),
                    ..character(3, "Elsewhere")
                },
            )
            .await
            .unwrap();
        let names: Vec<String> = store
            .characters_in_corporation(CORP)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, vec!["alpha", "Zulu"]);
        assert!(
            store
                .characters_in_corporation(CorporationId(1))
                .await
                .unwrap()
                .is_empty()
        );
    }
);

store_test!(
    a_revalidated_cache_entry_keeps_its_body,
    |store| async move {
        assert!(
            !store
                .cache_revalidated("GET /x", Some("\"e2\""), Some(now()))
                .await
                .unwrap()
        );
        let body = vec![b'x'; 100_000];
        store
            .cache_put(
                "GET /x",
                &CacheEntry {
                    etag: Some("\"e1\"".into()),
                    expires_at: Some(now()),
                    last_modified: Some("Sun, 22 Nov 2026 10:00:00 GMT".into()),
                    pages: Some(2),
                    body: body.clone(),
                },
            )
            .await
            .unwrap();
        let later = now() + secs(300);
        assert!(
            store
                .cache_revalidated("GET /x", Some("\"e2\""), Some(later))
                .await
                .unwrap()
        );
        let e = store.cache_get("GET /x").await.unwrap().unwrap();
        assert_eq!(e.etag.as_deref(), Some("\"e2\""));
        assert_eq!(e.expires_at, Some(later));
        assert_eq!(e.pages, Some(2));
        assert_eq!(
            e.last_modified.as_deref(),
            Some("Sun, 22 Nov 2026 10:00:00 GMT")
        );
        assert_eq!(e.body, body);
    }
);
