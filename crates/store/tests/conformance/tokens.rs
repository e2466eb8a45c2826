//! ESI tokens: replace on upsert, refresh bookkeeping, status, expiry and the refresh lease.

use crate::support::*;
use jumpgate_domain::CharacterId;
use jumpgate_domain::TokenId;
use jumpgate_domain::account::TokenStatus;
use jumpgate_store::{
    LoginTokenHolder, NewCharacter, RefreshedToken, Store, StoreError, TokenCiphertexts,
    TokenRecord, store_test,
};
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

/// A ciphertext in the format of `KeyRing::seal`: format 1, the key id's length and the key id,
/// a 24-byte nonce, then the sealed bytes (here just `body`).
fn sealed_by(key_id: &str, body: &str) -> Vec<u8> {
    let mut out = vec![
        1,
        u8::try_from(key_id.len()).expect("a key id of at most 255 bytes"),
    ];
    out.extend_from_slice(key_id.as_bytes());
    out.extend_from_slice(&[7; 24]);
    out.extend_from_slice(body.as_bytes());
    out
}

/// Character `id` with a `login` token sealed by these keys (`None`: no refresh token).
async fn token_sealed_by(
    store: &Arc<Store>,
    id: i64,
    access: Vec<u8>,
    refresh: Option<Vec<u8>>,
) -> TokenRecord {
    let known = store
        .character(CharacterId(id))
        .await
        .expect("read the character");
    if known.is_none() {
        store
            .create_account(&character(id, &format!("Pilot {id}")))
            .await
            .expect("create the account");
    }
    let mut t = token(CharacterId(id), "core", now());
    t.access_token = access;
    t.refresh_token = refresh;
    store.upsert_token(&t).await.expect("store the token")
}

store_test!(
    the_keys_that_sealed_the_stored_tokens_are_counted_from_their_headers,
    |store| async move {
        assert_eq!(store.token_key_ids().await.unwrap(), []);
        let long_id = "k".repeat(200); // a length byte above 127
        token_sealed_by(&store, 1, sealed_by("k1", "a"), Some(sealed_by("k1", "r"))).await;
        token_sealed_by(&store, 2, sealed_by("k2", "a"), None).await;
        token_sealed_by(&store, 3, sealed_by("k2", "a"), Some(sealed_by("k1", "r"))).await;
        token_sealed_by(&store, 4, sealed_by(&long_id, "a"), None).await;
        // Not in the format: no key named.
        token_sealed_by(&store, 5, b"plain".to_vec(), Some(vec![1])).await;
        let counted: Vec<_> = store
            .token_key_ids()
            .await
            .unwrap()
            .into_iter()
            .map(|u| (u.key_id, u.ciphertexts))
            .collect();
        assert_eq!(
            counted,
            [
                (None, 2),
                (Some("k1".to_owned()), 3),
                (Some("k2".to_owned()), 2),
                (Some(long_id), 1)
            ]
        );
    }
);

store_test!(
    tokens_are_walked_a_page_at_a_time_by_id,
    |store| async move {
        let mut ids = Vec::new();
        for id in 1..=5 {
            ids.push(
                token_sealed_by(&store, id, sealed_by("k1", "a"), None)
                    .await
                    .id,
            );
        }
        let page = |after, limit| {
            let store = store.clone();
            async move {
                store
                    .tokens_after(after, limit)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|t| t.id)
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(page(None, 2).await, ids[..2]);
        assert_eq!(page(Some(ids[1]), 2).await, ids[2..4]);
        assert_eq!(page(Some(ids[3]), 2).await, ids[4..]);
        assert_eq!(page(Some(ids[4]), 2).await, []);
        assert_eq!(page(None, 0).await, ids, "0: every token");
        assert_eq!(store.all_tokens().await.unwrap().len(), 5);
    }
);

store_test!(
    a_token_is_resealed_only_while_it_is_as_it_was_read,
    |store| async move {
        let read =
            token_sealed_by(&store, 1, sealed_by("k1", "a"), Some(sealed_by("k1", "r"))).await;
        let (access, refresh) = (sealed_by("k2", "a"), sealed_by("k2", "r"));
        let resealed = TokenCiphertexts {
            access: &access,
            refresh: Some(&refresh),
        };

        // A refresh lands between the read and the write: the write is refused and the
        // refreshed token stays.
        store
            .record_refresh(
                read.id,
                &RefreshedToken {
                    access_token: sealed_by("k2", "a2"),
                    refresh_token: Some(sealed_by("k2", "r2")),
                    expires_at: now() + secs(1199),
                    scopes: "publicData".into(),
                },
                "serve",
            )
            .await
            .unwrap();
        let mut tx = store.transaction().await.unwrap();
        assert!(
            !tx.reseal_token(read.id, read.ciphertexts(), resealed)
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();
        let now_stored = store.token(CharacterId(1), "core").await.unwrap().unwrap();
        assert_eq!(now_stored.access_token, sealed_by("k2", "a2"));
        assert_eq!(now_stored.refresh_token, Some(sealed_by("k2", "r2")));

        // Read again, it is written.
        let mut tx = store.transaction().await.unwrap();
        assert!(
            tx.reseal_token(read.id, now_stored.ciphertexts(), resealed)
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();
        let got = store.token(CharacterId(1), "core").await.unwrap().unwrap();
        assert_eq!(got.ciphertexts(), resealed);
        assert_eq!(got.status, TokenStatus::Valid);

        // A token without a refresh token compares as such (NULL is not "unequal").
        let bare = token_sealed_by(&store, 2, sealed_by("k1", "a"), None).await;
        let mut tx = store.transaction().await.unwrap();
        let only_access = TokenCiphertexts {
            access: &access,
            refresh: None,
        };
        assert!(
            tx.reseal_token(bare.id, bare.ciphertexts(), only_access)
                .await
                .unwrap()
        );
        // A token that is gone: nothing to write.
        assert!(
            !tx.reseal_token(TokenId(9999), bare.ciphertexts(), only_access)
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();
        let got = store.token(CharacterId(2), "core").await.unwrap().unwrap();
        assert_eq!(got.ciphertexts(), only_access);
    }
);

store_test!(
    an_undecryptable_token_is_discarded_only_while_it_is_as_it_was_read,
    |store| async move {
        let read =
            token_sealed_by(&store, 1, sealed_by("k1", "a"), Some(sealed_by("k1", "r"))).await;
        // A new login replaced it meanwhile: it is left alone.
        let relogin = token_sealed_by(
            &store,
            1,
            sealed_by("k2", "new"),
            Some(sealed_by("k2", "r")),
        )
        .await;
        let mut tx = store.transaction().await.unwrap();
        assert!(
            !tx.discard_token_ciphertexts(read.id, read.ciphertexts(), "undecryptable")
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();
        assert_eq!(
            store.token(CharacterId(1), "core").await.unwrap().unwrap(),
            relogin
        );

        let mut tx = store.transaction().await.unwrap();
        assert!(
            tx.discard_token_ciphertexts(relogin.id, relogin.ciphertexts(), "undecryptable")
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();
        let got = store.token(CharacterId(1), "core").await.unwrap().unwrap();
        assert_eq!(
            (got.status, got.status_reason.as_deref()),
            (TokenStatus::Invalid, Some("undecryptable"))
        );
        assert_eq!(
            got.ciphertexts(),
            TokenCiphertexts {
                access: &[],
                refresh: None
            }
        );
        assert!(got.last_checked_at.is_some());
        // Cleared ciphertexts name no key, and are no ciphertexts in another format either.
        assert_eq!(store.token_key_ids().await.unwrap(), []);
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

store_test!(
    the_holders_of_a_logins_tokens_are_read_in_one_statement,
    |store| async move {
        pilot_with_core_token(&store).await;
        let (account, _) = store
            .create_account(&NewCharacter {
                alliance: None,
                ..character(2, "Loner")
            })
            .await
            .unwrap();
        store
            .add_character(account.id, &character(3, "Loner's alt"))
            .await
            .unwrap();
        for c in [3, 2] {
            store
                .upsert_token(&token(CharacterId(c), "core", now()))
                .await
                .unwrap();
        }
        store
            .upsert_token(&token(CharacterId(2), "director", now()))
            .await
            .unwrap();
        let dead = store.token(CharacterId(3), "core").await.unwrap().unwrap();
        store
            .set_token_status(dead.id, TokenStatus::Invalid, Some("invalid_grant"))
            .await
            .unwrap();

        assert_eq!(
            store.characters_with_token_of("core").await.unwrap(),
            [CharacterId(1), CharacterId(2), CharacterId(3)],
            "valid or not, by id"
        );
        assert_eq!(
            store.characters_with_token_of("director").await.unwrap(),
            [CharacterId(2)]
        );
        assert!(
            store
                .characters_with_token_of("nobody")
                .await
                .unwrap()
                .is_empty()
        );

        let loner = store.token(CharacterId(2), "core").await.unwrap().unwrap();
        store
            .record_refresh(
                loner.id,
                &RefreshedToken {
                    access_token: b"access-2".to_vec(),
                    refresh_token: None,
                    expires_at: now() + secs(1200),
                    scopes: loner.scopes.clone(),
                },
                "test",
            )
            .await
            .unwrap();
        let mut holders = store.valid_token_holders("core").await.unwrap();
        assert!(holders[1].last_checked.is_some(), "a refresh checks it");
        holders[1].last_checked = None;
        assert_eq!(
            holders,
            [
                LoginTokenHolder {
                    character: CharacterId(1),
                    name: "Pilot".into(),
                    corporation: CORP,
                    alliance: Some(ALLIANCE),
                    last_checked: None,
                },
                LoginTokenHolder {
                    character: CharacterId(2),
                    name: "Loner".into(),
                    corporation: CORP,
                    alliance: None,
                    last_checked: None,
                },
            ],
            "only valid tokens, with their characters"
        );
    }
);
