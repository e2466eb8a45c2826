//! ESI tokens: replace on upsert, refresh bookkeeping, status, expiry and the refresh lease.

use crate::support::*;
use jumpgate_domain::CharacterId;
use jumpgate_domain::TokenId;
use jumpgate_domain::account::TokenStatus;
use jumpgate_store::{RefreshedToken, Store, StoreError, TokenRecord, store_test};
use std::sync::Arc;
use std::time::Duration;

/// Character 1 ("Pilot") with its account and a valid `core` token.
async fn pilot_with_core_token(store: &Arc<Store>) -> TokenRecord {
    store
        .create_account(&character(1, "Pilot"))
        .await
        .expect("create the account");
    store
        .upsert_token(&token(CharacterId(1), "core", now()))
        .await
        .expect("store the token")
}

store_test!(
    upserting_a_token_replaces_the_old_one_in_place,
    |store| async move {
        let first = pilot_with_core_token(&store).await;
        assert_eq!(first.status, TokenStatus::Valid);
        assert_eq!(first.refresh_token.as_deref(), Some(&b"refresh-core"[..]));
        store
            .set_token_status(first.id, TokenStatus::Invalid, Some("invalid_grant"))
            .await
            .unwrap();

        let mut newer = token(CharacterId(1), "core", now() + secs(1200));
        newer.access_token = b"access-2".to_vec();
        newer.refresh_token = None;
        newer.scopes = "publicData".into();
        let second = store.upsert_token(&newer).await.unwrap();
        assert_eq!(second.id, first.id);
        assert_eq!(second.created_at, first.created_at);
        assert_eq!(second.access_token, b"access-2");
        assert_eq!(second.refresh_token, None);
        assert_eq!(second.expires_at, newer.expires_at);
        assert_eq!(second.scopes, "publicData");
        assert_eq!(
            (second.status, second.status_reason.as_deref()),
            (TokenStatus::Valid, None)
        );
        assert_eq!(
            store.token(CharacterId(1), "core").await.unwrap(),
            Some(second)
        );

        // Another login is another token.
        store
            .upsert_token(&token(CharacterId(1), "director", now()))
            .await
            .unwrap();
        let logins: Vec<_> = store
            .tokens_of_character(CharacterId(1))
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.login)
            .collect();
        assert_eq!(logins, ["core", "director"]);

        let err = store
            .upsert_token(&token(CharacterId(9), "core", now()))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    }
);

store_test!(
    a_refresh_keeps_the_refresh_token_unless_a_new_one_came,
    |store| async move {
        let t = pilot_with_core_token(&store).await;
        let expires = now() + secs(1199);
        store
            .record_refresh(
                t.id,
                &RefreshedToken {
                    access_token: b"access-2".to_vec(),
                    refresh_token: None,
                    expires_at: expires,
                    scopes: "publicData".into(),
                },
                "holder",
            )
            .await
            .unwrap();
        let got = store.token(CharacterId(1), "core").await.unwrap().unwrap();
        assert_eq!(got.access_token, b"access-2");
        assert_eq!(got.refresh_token.as_deref(), Some(&b"refresh-core"[..]));
        assert_eq!(got.expires_at, expires);
        assert_eq!(got.scopes, "publicData");
        assert!(got.last_checked_at.is_some());

        store
            .record_refresh(
                t.id,
                &RefreshedToken {
                    access_token: b"access-3".to_vec(),
                    refresh_token: Some(b"rotated".to_vec()),
                    expires_at: expires,
                    scopes: "publicData".into(),
                },
                "holder",
            )
            .await
            .unwrap();
        let got = store.token(CharacterId(1), "core").await.unwrap().unwrap();
        assert_eq!(got.refresh_token.as_deref(), Some(&b"rotated"[..]));

        let err = store
            .record_refresh(
                TokenId(9999),
                &RefreshedToken {
                    access_token: vec![],
                    refresh_token: None,
                    expires_at: expires,
                    scopes: String::new(),
                },
                "holder",
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    }
);

store_test!(
    token_status_is_recorded_with_its_reason,
    |store| async move {
        let t = pilot_with_core_token(&store).await;
        assert_eq!(t.last_checked_at, None);
        store
            .set_token_status(t.id, TokenStatus::Revoked, Some("removed by owner"))
            .await
            .unwrap();
        let got = store.token(CharacterId(1), "core").await.unwrap().unwrap();
        assert_eq!(got.status, TokenStatus::Revoked);
        assert_eq!(got.status_reason.as_deref(), Some("removed by owner"));
        assert!(got.last_checked_at.is_some());
        let err = store
            .set_token_status(TokenId(9999), TokenStatus::Valid, None)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    }
);

store_test!(
    only_valid_tokens_expiring_soon_are_listed_soonest_first,
    |store| async move {
        let (a, _) = store.create_account(&character(1, "One")).await.unwrap();
        store
            .add_character(a.id, &character(2, "Two"))
            .await
            .unwrap();
        let t0 = now();
        let late = store
            .upsert_token(&token(CharacterId(1), "core", t0 + secs(300)))
            .await
            .unwrap();
        let soon = store
            .upsert_token(&token(CharacterId(2), "core", t0 + secs(60)))
            .await
            .unwrap();
        let dead = store
            .upsert_token(&token(CharacterId(1), "old", t0))
            .await
            .unwrap();
        store
            .upsert_token(&token(CharacterId(2), "later", t0 + secs(3600)))
            .await
            .unwrap();
        store
            .set_token_status(dead.id, TokenStatus::Invalid, None)
            .await
            .unwrap();

        let ids: Vec<_> = store
            .tokens_expiring_before(t0 + secs(600), 10)
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.id)
            .collect();
        assert_eq!(ids, [soon.id, late.id]);
        assert_eq!(
            store
                .tokens_expiring_before(t0 + secs(600), 1)
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(store.tokens_of_account(a.id).await.unwrap().len(), 4);
        assert_eq!(store.all_tokens().await.unwrap().len(), 4);
    }
);

store_test!(
    ciphertexts_can_be_replaced_for_key_rotation,
    |store| async move {
        let t = pilot_with_core_token(&store).await;
        store
            .replace_token_ciphertexts(t.id, b"new-access", Some(b"new-refresh"))
            .await
            .unwrap();
        let got = store.token(CharacterId(1), "core").await.unwrap().unwrap();
        assert_eq!(
            (got.access_token.as_slice(), got.refresh_token.as_deref()),
            (&b"new-access"[..], Some(&b"new-refresh"[..]))
        );
        let err = store
            .replace_token_ciphertexts(TokenId(9999), b"x", None)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    }
);

store_test!(
    the_refresh_lease_has_one_holder_until_released_or_expired,
    |store| async move {
        let t = pilot_with_core_token(&store).await;
        let minute = Duration::from_secs(60);

        assert!(store.try_lease_token(t.id, "a", minute).await.unwrap());
        assert!(!store.try_lease_token(t.id, "b", minute).await.unwrap());
        // Only the holder can release it.
        store.release_token(t.id, "b").await.unwrap();
        assert!(!store.try_lease_token(t.id, "b", minute).await.unwrap());
        store.release_token(t.id, "a").await.unwrap();
        assert!(
            store
                .try_lease_token(t.id, "b", Duration::from_millis(1))
                .await
                .unwrap()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
        // b's lease expired: a may take it.
        assert!(store.try_lease_token(t.id, "a", minute).await.unwrap());

        let err = store
            .try_lease_token(TokenId(9999), "a", minute)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    }
);

store_test!(
    recording_a_refresh_ends_the_recorders_lease_only,
    |store| async move {
        let t = pilot_with_core_token(&store).await;
        let minute = Duration::from_secs(60);
        let refreshed = RefreshedToken {
            access_token: b"access-2".to_vec(),
            refresh_token: None,
            expires_at: now() + secs(1199),
            scopes: "publicData".into(),
        };

        assert!(store.try_lease_token(t.id, "a", minute).await.unwrap());
        // Someone else's record leaves a's lease alone …
        store.record_refresh(t.id, &refreshed, "b").await.unwrap();
        assert!(!store.try_lease_token(t.id, "b", minute).await.unwrap());
        // … a's own record ends it: no separate release.
        store.record_refresh(t.id, &refreshed, "a").await.unwrap();
        assert!(store.try_lease_token(t.id, "b", minute).await.unwrap());
        let got = store.token(CharacterId(1), "core").await.unwrap().unwrap();
        assert_eq!(got.access_token, b"access-2");
    }
);

store_test!(
    of_twenty_racing_leasers_exactly_one_wins,
    |store| async move {
        let t = pilot_with_core_token(&store).await;
        let start = Arc::new(tokio::sync::Barrier::new(20));
        let mut racers = tokio::task::JoinSet::new();
        for i in 0..20 {
            let (store, start) = (store.clone(), start.clone());
            racers.spawn(async move {
                start.wait().await;
                store
                    .try_lease_token(t.id, &format!("racer-{i}"), Duration::from_secs(60))
                    .await
                    .unwrap()
            });
        }
        let winners = racers
            .join_all()
            .await
            .into_iter()
            .filter(|&won| won)
            .count();
        assert_eq!(winners, 1);
    }
);
