//! Web sessions, the key-value table and the ESI cache.

use crate::support::*;
use jumpgate_domain::AccountId;
use jumpgate_store::{CacheEntry, SessionRecord, store_test};

fn session(id: &str, account: Option<AccountId>, expires_in: i64) -> SessionRecord {
    SessionRecord {
        id: id.to_owned(),
        account,
        data: format!(r#"{{"csrf":"{id}"}}"#),
        expires_at: now() + secs(expires_in),
    }
}

store_test!(
    a_session_deleted_at_logout_is_not_written_back_by_a_request_in_flight,
    |store| async move {
        let (a, _) = store.create_account(&character(1, "Pilot")).await.unwrap();
        let live = session("live", Some(a.id), 3600);
        store.save_session(&live).await.unwrap();
        let changed = SessionRecord {
            data: r#"{"flash":"saved"}"#.into(),
            ..live.clone()
        };
        assert!(store.update_session(&changed).await.unwrap());
        assert_eq!(
            store.load_session("live", now()).await.unwrap(),
            Some(changed.clone())
        );

        // Logout deletes it; a request that loaded it before then saves what it changed.
        store.delete_session("live").await.unwrap();
        assert!(!store.update_session(&changed).await.unwrap());
        assert_eq!(store.load_session("live", now()).await.unwrap(), None);
    }
);

store_test!(sessions_load_until_they_expire, |store| async move {
    let (a, _) = store.create_account(&character(1, "Pilot")).await.unwrap();
    let live = session("live", Some(a.id), 3600);
    let old = session("old", None, -1);
    store.save_session(&live).await.unwrap();
    store.save_session(&old).await.unwrap();
    assert_eq!(
        store.load_session("live", now()).await.unwrap(),
        Some(live.clone())
    );
    assert_eq!(store.load_session("old", now()).await.unwrap(), None);
    assert_eq!(store.load_session("nope", now()).await.unwrap(), None);

    let renewed = SessionRecord {
        data: "{}".into(),
        ..session("live", Some(a.id), 7200)
    };
    store.save_session(&renewed).await.unwrap();
    assert_eq!(
        store.load_session("live", now()).await.unwrap(),
        Some(renewed)
    );

    assert_eq!(store.delete_expired_sessions(now()).await.unwrap(), 1);
    store
        .save_session(&session("other", Some(a.id), 60))
        .await
        .unwrap();
    assert_eq!(store.delete_sessions_of(a.id).await.unwrap(), 2);
    store
        .save_session(&session("gone", None, 60))
        .await
        .unwrap();
    store.delete_session("gone").await.unwrap();
    assert_eq!(store.load_session("gone", now()).await.unwrap(), None);
});

store_test!(
    a_session_loads_with_its_accounts_grants,
    |store| async move {
        let (a, _) = store.create_account(&character(1, "Pilot")).await.unwrap();
        for permission in ["standings.approve", "standings.request"] {
            store.grant_permission(a.id, permission).await.unwrap();
        }
        let live = session("live", Some(a.id), 3600);
        let anonymous = session("anonymous", None, 3600);
        for s in [&live, &anonymous, &session("old", Some(a.id), -1)] {
            store.save_session(s).await.unwrap();
        }

        let found = store
            .load_session_with_grants("live", now())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.session, live);
        assert_eq!(found.access, store.account_grants(a.id).await.unwrap());
        assert_eq!(found.access.unwrap().permissions.len(), 2);
        // Every change counter comes with it, as `change_counters` reads them.
        let names = [
            "approval_queue",
            "standings",
            "account_list",
            "notifications",
            "groups",
        ];
        let expected = store.change_counters(names).await.unwrap();
        for (name, value) in names.iter().zip(expected) {
            assert_eq!(found.counters.get(*name), Some(&value), "{name}");
        }

        let found = store
            .load_session_with_grants("anonymous", now())
            .await
            .unwrap()
            .unwrap();
        assert_eq!((found.session, found.access), (anonymous, None));
        for gone in ["old", "nope"] {
            assert_eq!(
                store.load_session_with_grants(gone, now()).await.unwrap(),
                None,
                "{gone}"
            );
        }
    }
);

// SQLite keeps the answer until its next commit (ADR 0034); whatever was written since, by a
// statement or a transaction, is in the next answer, as on PostgreSQL, which reads every time.
store_test!(
    a_session_read_again_after_a_write_is_what_was_written,
    |store| async move {
        let (a, _) = store.create_account(&character(1, "Pilot")).await.unwrap();
        let live = session("live", Some(a.id), 3600);
        store.save_session(&live).await.unwrap();
        let load = || {
            let store = store.clone();
            async move { store.load_session_with_grants("live", now()).await.unwrap() }
        };
        let permissions = |found: Option<jumpgate_store::SessionAccess>| {
            let access = found.expect("live").access.expect("an account");
            access.permissions.into_iter().collect::<Vec<_>>()
        };
        assert_eq!(load().await, load().await, "read twice, the same");
        assert!(permissions(load().await).is_empty());

        store
            .grant_permission(a.id, "standings.request")
            .await
            .unwrap();
        assert_eq!(permissions(load().await), ["standings.request"]);

        let mut tx = store.transaction().await.unwrap();
        tx.revoke_permission(a.id, "standings.request")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(
            permissions(load().await).is_empty(),
            "a transaction's write"
        );

        let counter = load().await.expect("live").counters["account_list"];
        store
            .create_account(&character(2, "Another Pilot"))
            .await
            .unwrap();
        assert!(
            load().await.expect("live").counters["account_list"] > counter,
            "a counter a trigger moved"
        );

        let flashed = SessionRecord {
            data: r#"{"flash":"saved"}"#.into(),
            ..live.clone()
        };
        assert!(store.update_session(&flashed).await.unwrap());
        assert_eq!(load().await.expect("live").session, flashed);

        let later = now() + secs(7200);
        assert_eq!(
            store.load_session_with_grants("live", later).await.unwrap(),
            None,
            "expired by the time it is read again"
        );

        store.delete_session("live").await.unwrap();
        assert_eq!(load().await, None, "signed out");
    }
);

// The other reads SQLite keeps until its next commit (ADR 0034): an account with its
// characters, and how many browsers it is signed in on, which also counts down by itself.
store_test!(
    an_account_and_its_session_count_read_again_after_a_write_are_what_was_written,
    |store| async move {
        let (a, _) = store.create_account(&character(1, "Pilot")).await.unwrap();
        let characters = || {
            let store = store.clone();
            async move {
                let found = store.account_with_characters(a.id).await.unwrap();
                found.expect("the account").characters.len()
            }
        };
        assert_eq!((characters().await, characters().await), (1, 1));
        store
            .add_character(a.id, &character(2, "Alt"))
            .await
            .unwrap();
        assert_eq!(characters().await, 2);

        let signed_in = |at| {
            let store = store.clone();
            async move { store.count_sessions_of(a.id, at).await.unwrap() }
        };
        assert_eq!(signed_in(now()).await, 0);
        store
            .save_session(&session("short", Some(a.id), 60))
            .await
            .unwrap();
        store
            .save_session(&session("long", Some(a.id), 3600))
            .await
            .unwrap();
        assert_eq!(signed_in(now()).await, 2);
        assert_eq!(signed_in(now() + secs(120)).await, 1, "one expired since");
        store.delete_session("long").await.unwrap();
        assert_eq!(signed_in(now()).await, 1);
    }
);

store_test!(kv_values_are_set_and_set_once, |store| async move {
    assert_eq!(store.kv_get("k").await.unwrap(), None);
    store.kv_set("k", "1").await.unwrap();
    store.kv_set("k", "2").await.unwrap();
    assert_eq!(store.kv_get("k").await.unwrap().as_deref(), Some("2"));
    assert!(!store.kv_set_if_absent("k", "3").await.unwrap());
    assert_eq!(store.kv_get("k").await.unwrap().as_deref(), Some("2"));

    let mut racers = tokio::task::JoinSet::new();
    for i in 0..10 {
        let store = store.clone();
        racers.spawn(async move {
            store
                .kv_set_if_absent("once", &i.to_string())
                .await
                .unwrap()
        });
    }
    let winners = racers.join_all().await.into_iter().filter(|&w| w).count();
    assert_eq!(winners, 1);
    assert!(store.kv_get("once").await.unwrap().is_some());
});

store_test!(
    cache_entries_round_trip_and_are_replaced,
    |store| async move {
        assert_eq!(store.cache_get("/v1/x").await.unwrap(), None);
        let entry = CacheEntry {
            etag: Some("\"abc\"".into()),
            expires_at: Some(now() + secs(300)),
            last_modified: Some("Tue, 01 Jan 2030 00:00:00 GMT".into()),
            pages: Some(3),
            body: vec![0, 159, 146, 150, 255],
        };
        store.cache_put("/v1/x", &entry).await.unwrap();
        assert_eq!(store.cache_get("/v1/x").await.unwrap(), Some(entry));
        let bare = CacheEntry {
            etag: None,
            expires_at: None,
            last_modified: None,
            pages: None,
            body: b"{}".to_vec(),
        };
        store.cache_put("/v1/x", &bare).await.unwrap();
        assert_eq!(store.cache_get("/v1/x").await.unwrap(), Some(bare));
    }
);
