//! Accounts and characters: creation, alts, mains, moves, removals, affiliations and search.

use crate::support::*;
use jumpgate_domain::EveLogin;
use jumpgate_domain::account::{RemovalReason, TokenStatus};
use jumpgate_domain::states::Affiliation;
use jumpgate_domain::{AccountId, AllianceId, CharacterId, CorporationId, FactionId};
use jumpgate_store::{AllianceInfo, CorporationInfo, StoreError, store_test};

/// `CORP` and `ALLIANCE` with their names, as ESI gave them.
async fn known_organisations(store: &jumpgate_store::Store) -> (CorporationInfo, AllianceInfo) {
    let expires_at = now() + secs(3600);
    let corp = CorporationInfo {
        id: CORP,
        name: "Corp".into(),
        ticker: "CRP".into(),
        alliance: Some(ALLIANCE),
        member_count: Some(42),
        ceo: None,
        expires_at,
    };
    store
        .upsert_corporation(&corp)
        .await
        .expect("the corporation is stored");
    let alliance = AllianceInfo {
        id: ALLIANCE,
        name: "Alliance".into(),
        ticker: "ALLY".into(),
        expires_at,
    };
    store
        .upsert_alliance(&alliance)
        .await
        .expect("the alliance is stored");
    (corp, alliance)
}

store_test!(
    creating_an_account_makes_the_character_its_main,
    |store| async move {
        let (account, main) = store
            .create_account(&character(2_112_000_001, "Big Id"))
            .await
            .unwrap();
        assert_eq!(account.main_character, Some(CharacterId(2_112_000_001)));
        assert_eq!(account.state, "Guest");
        assert!(!account.superuser);
        assert_eq!(main.account, account.id);
        assert_eq!(main.corporation, CORP);
        assert_eq!(main.alliance, Some(ALLIANCE));
        assert_eq!(main.last_checked_at, None);

        assert_eq!(
            store.account(account.id).await.unwrap(),
            Some(account.clone())
        );
        assert_eq!(store.character(main.id).await.unwrap(), Some(main.clone()));
        assert_eq!(store.characters_of(account.id).await.unwrap(), vec![main]);
        assert_eq!(store.count_accounts().await.unwrap(), 1);
        assert_eq!(store.account(AccountId(999)).await.unwrap(), None);
    }
);

store_test!(a_character_cannot_be_created_twice, |store| async move {
    store.create_account(&character(1, "One")).await.unwrap();
    let err = store
        .create_account(&character(1, "One"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    // The failed attempt left no half-made account behind.
    assert_eq!(store.count_accounts().await.unwrap(), 1);
});

/// Accounts of "One" (character 1) and "Two" (character 2, with the alt 3).
async fn one_and_two_with_an_alt(store: &jumpgate_store::Store) -> (AccountId, AccountId) {
    let (one, _) = store
        .create_account(&character(1, "One"))
        .await
        .expect("create One");
    let (two, _) = store
        .create_account(&character(2, "Two"))
        .await
        .expect("create Two");
    store
        .add_character(two.id, &character(3, "Two's alt"))
        .await
        .expect("add Two's alt");
    (one.id, two.id)
}

store_test!(
    the_mains_of_many_accounts_are_read_at_once,
    |store| async move {
        let (one, two) = one_and_two_with_an_alt(&store).await;
        let mains = store.mains_of(&[one, two, AccountId(999)]).await.unwrap();
        assert_eq!(
            mains.into_iter().collect::<Vec<_>>(),
            [
                (one, (CharacterId(1), "One".to_owned())),
                (two, (CharacterId(2), "Two".to_owned())),
            ],
            "an account that does not exist is left out"
        );
        assert!(store.mains_of(&[]).await.unwrap().is_empty());
    }
);

store_test!(alts_are_listed_after_the_main_by_name, |store| async move {
    let (account, _) = store.create_account(&character(1, "Zed")).await.unwrap();
    store
        .add_character(account.id, &character(2, "bob"))
        .await
        .unwrap();
    store
        .add_character(account.id, &character(3, "Alice"))
        .await
        .unwrap();
    let names: Vec<_> = store
        .characters_of(account.id)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, ["Zed", "Alice", "bob"]);

    let err = store
        .add_character(account.id, &character(2, "bob"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    let err = store
        .add_character(AccountId(999), &character(4, "Nobody"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
});

store_test!(
    set_main_accepts_own_characters_and_refuses_others,
    |store| async move {
        let (a, _) = store.create_account(&character(1, "A Main")).await.unwrap();
        store
            .add_character(a.id, &character(2, "A Alt"))
            .await
            .unwrap();
        let (b, _) = store.create_account(&character(3, "B Main")).await.unwrap();

        store.set_main(a.id, CharacterId(2)).await.unwrap();
        assert_eq!(
            store.account(a.id).await.unwrap().unwrap().main_character,
            Some(CharacterId(2))
        );

        let err = store.set_main(a.id, CharacterId(3)).await.unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{err}");
        let err = store.set_main(a.id, CharacterId(12345)).await.unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{err}");
        let err = store
            .set_main(AccountId(999), CharacterId(1))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
        assert_eq!(
            store.account(b.id).await.unwrap().unwrap().main_character,
            Some(CharacterId(3))
        );
    }
);

store_test!(
    moving_the_main_records_history_and_makes_the_oldest_alt_main,
    |store| async move {
        let (a, _) = store.create_account(&character(1, "Main")).await.unwrap();
        store
            .add_character(a.id, &character(2, "Older Alt"))
            .await
            .unwrap();
        store
            .add_character(a.id, &character(3, "Newer Alt"))
            .await
            .unwrap();
        let (b, _) = store.create_account(&character(10, "Other")).await.unwrap();
        store
            .upsert_token(&token(CharacterId(1), "core", now()))
            .await
            .unwrap();

        let moved = store
            .move_character(CharacterId(1), b.id, RemovalReason::Moved, Some(b.id))
            .await
            .unwrap();
        assert_eq!(moved.character, CharacterId(1));
        assert_eq!(moved.character_name, "Main");
        assert_eq!(moved.from_account, a.id);
        assert_eq!(moved.to_account, Some(b.id));
        assert_eq!(moved.reason, RemovalReason::Moved);
        assert_eq!(moved.actor, Some(b.id));

        assert_eq!(
            store.account(a.id).await.unwrap().unwrap().main_character,
            Some(CharacterId(2))
        );
        // The target keeps its own main; the moved character is an alt there, tokens and all.
        assert_eq!(
            store.account(b.id).await.unwrap().unwrap().main_character,
            Some(CharacterId(10))
        );
        assert_eq!(
            store
                .character(CharacterId(1))
                .await
                .unwrap()
                .unwrap()
                .account,
            b.id
        );
        assert_eq!(
            store
                .tokens_of_character(CharacterId(1))
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            store.removed_characters(Some(a.id), 10).await.unwrap(),
            vec![moved.clone()]
        );
        assert_eq!(
            store.removed_characters(Some(b.id), 10).await.unwrap(),
            vec![]
        );
        assert_eq!(
            store.removed_characters(None, 10).await.unwrap(),
            vec![moved]
        );

        let err = store
            .move_character(CharacterId(1), b.id, RemovalReason::Moved, None)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{err}");
        let err = store
            .move_character(CharacterId(1), AccountId(999), RemovalReason::Moved, None)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
        let err = store
            .move_character(CharacterId(777), b.id, RemovalReason::Moved, None)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    }
);

store_test!(
    moving_the_last_character_leaves_an_account_without_main,
    |store| async move {
        let (a, _) = store.create_account(&character(1, "Lonely")).await.unwrap();
        let (b, _) = store.create_account(&character(2, "Taker")).await.unwrap();
        store
            .move_character(CharacterId(1), b.id, RemovalReason::Moved, None)
            .await
            .unwrap();
        let a_now = store
            .account(a.id)
            .await
            .unwrap()
            .expect("accounts are kept");
        assert_eq!(a_now.main_character, None);
        assert_eq!(store.characters_of(a.id).await.unwrap(), vec![]);

        // An account without a main takes the next character it gets as main.
        store
            .move_character(CharacterId(2), a.id, RemovalReason::Moved, None)
            .await
            .unwrap();
        assert_eq!(
            store.account(a.id).await.unwrap().unwrap().main_character,
            Some(CharacterId(2))
        );
    }
);

store_test!(
    removing_a_character_deletes_its_tokens_and_records_history,
    |store| async move {
        let (a, _) = store.create_account(&character(1, "Main")).await.unwrap();
        store
            .add_character(a.id, &character(2, "Alt"))
            .await
            .unwrap();
        store
            .upsert_token(&token(CharacterId(1), "core", now()))
            .await
            .unwrap();
        store
            .upsert_token(&token(CharacterId(1), "director", now()))
            .await
            .unwrap();
        store
            .upsert_token(&token(CharacterId(2), "core", now()))
            .await
            .unwrap();

        let removed = store
            .remove_character(CharacterId(1), RemovalReason::Biomassed, None)
            .await
            .unwrap();
        assert_eq!(removed.to_account, None);
        assert_eq!(removed.reason, RemovalReason::Biomassed);
        assert_eq!(store.character(CharacterId(1)).await.unwrap(), None);
        assert_eq!(
            store.tokens_of_character(CharacterId(1)).await.unwrap(),
            vec![]
        );
        assert_eq!(store.all_tokens().await.unwrap().len(), 1);
        assert_eq!(
            store.account(a.id).await.unwrap().unwrap().main_character,
            Some(CharacterId(2))
        );

        let last = store
            .remove_character(CharacterId(2), RemovalReason::RemovedByAdmin, Some(a.id))
            .await
            .unwrap();
        assert_eq!(
            store.account(a.id).await.unwrap().unwrap().main_character,
            None
        );
        assert_eq!(store.count_accounts().await.unwrap(), 1);
        // Newest first.
        assert_eq!(
            store.removed_characters(Some(a.id), 10).await.unwrap(),
            vec![last.clone(), removed]
        );
        assert_eq!(store.removed_characters(None, 1).await.unwrap(), vec![last]);

        let err = store
            .remove_character(CharacterId(1), RemovalReason::Biomassed, None)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    }
);

store_test!(
    affiliation_updates_count_only_real_changes,
    |store| async move {
        let (a, _) = store.create_account(&character(1, "Same")).await.unwrap();
        store
            .add_character(a.id, &character(2, "New Corp"))
            .await
            .unwrap();
        store
            .add_character(a.id, &character(3, "Left Alliance"))
            .await
            .unwrap();
        store
            .add_character(a.id, &character(4, "Joined Faction"))
            .await
            .unwrap();
        let checked = now() - secs(5);
        let aff = |id, corp: CorporationId, alliance: Option<AllianceId>, faction| Affiliation {
            character: CharacterId(id),
            corporation: corp,
            alliance,
            faction,
        };
        let changed = store
            .update_affiliations(
                &[
                    aff(1, CORP, Some(ALLIANCE), None),
                    aff(2, CorporationId(98_000_002), Some(ALLIANCE), None),
                    aff(3, CORP, None, None),
                    aff(4, CORP, Some(ALLIANCE), Some(FactionId(500_001))),
                    aff(99, CORP, None, None),
                ],
                checked,
            )
            .await
            .unwrap();
        assert_eq!(changed, 3);

        let by_id = |id| {
            let store = store.clone();
            async move { store.character(CharacterId(id)).await.unwrap().unwrap() }
        };
        assert_eq!(by_id(1).await.last_checked_at, Some(checked));
        assert_eq!(by_id(2).await.corporation, CorporationId(98_000_002));
        assert_eq!(by_id(3).await.alliance, None);
        assert_eq!(by_id(4).await.faction, Some(FactionId(500_001)));
        assert_eq!(by_id(4).await.last_checked_at, Some(checked));
        assert_eq!(store.character(CharacterId(99)).await.unwrap(), None);

        // The same data again changes nothing.
        let again = store
            .update_affiliations(&[aff(3, CORP, None, None)], checked)
            .await
            .unwrap();
        assert_eq!(again, 0);
        assert_eq!(store.update_affiliations(&[], checked).await.unwrap(), 0);
    }
);

store_test!(identity_updates_rename_and_rehash, |store| async move {
    store
        .create_account(&character(1, "Old Name"))
        .await
        .unwrap();
    store
        .update_character_identity(CharacterId(1), "New Name", "new-hash")
        .await
        .unwrap();
    let c = store.character(CharacterId(1)).await.unwrap().unwrap();
    assert_eq!(
        (c.name.as_str(), c.owner_hash.as_str()),
        ("New Name", "new-hash")
    );
    let err = store
        .update_character_identity(CharacterId(9), "X", "y")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
});

store_test!(
    accounts_without_a_main_are_listed_after_the_others_and_pages_run_across_both,
    |store| async move {
        let (bravo, _) = store.create_account(&character(1, "Bravo")).await.unwrap();
        let (emptied, _) = store.create_account(&character(2, "Gone")).await.unwrap();
        store
            .remove_character(CharacterId(2), RemovalReason::Biomassed, None)
            .await
            .unwrap();
        let (alpha, _) = store.create_account(&character(3, "Alpha")).await.unwrap();
        let (also_emptied, _) = store.create_account(&character(4, "Lost")).await.unwrap();
        store
            .remove_character(CharacterId(4), RemovalReason::Biomassed, None)
            .await
            .unwrap();

        let ids = |page: Vec<jumpgate_store::AccountSummary>| {
            page.iter().map(|s| s.id).collect::<Vec<_>>()
        };
        let all = store.search_accounts("", 10, 0).await.unwrap();
        assert_eq!(all[2].main_name, None);
        assert_eq!(all[2].character_count, 0);
        assert_eq!(ids(all), [alpha.id, bravo.id, emptied.id, also_emptied.id]);
        assert_eq!(
            ids(store.search_accounts("", 2, 1).await.unwrap()),
            [bravo.id, emptied.id]
        );
        assert_eq!(
            ids(store.search_accounts("", 2, 3).await.unwrap()),
            [also_emptied.id]
        );
        assert!(store.search_accounts("", 2, 4).await.unwrap().is_empty());
        // A search matches characters: an account with none matches no name.
        assert_eq!(
            ids(store.search_accounts("a", 10, 0).await.unwrap()),
            [alpha.id, bravo.id]
        );
    }
);

store_test!(
    search_finds_accounts_by_any_character_ordered_by_main,
    |store| async move {
        let (zulu, _) = store
            .create_account(&character(1, "Zulu Main"))
            .await
            .unwrap();
        store
            .add_character(zulu.id, &character(2, "Hidden Falcon"))
            .await
            .unwrap();
        let (alpha, _) = store
            .create_account(&character(3, "alpha main"))
            .await
            .unwrap();
        let (_mike, _) = store
            .create_account(&character(4, "Mike_50%"))
            .await
            .unwrap();

        let all = store.search_accounts("", 10, 0).await.unwrap();
        let mains: Vec<_> = all.iter().map(|s| s.main_name.clone().unwrap()).collect();
        assert_eq!(mains, ["alpha main", "Mike_50%", "Zulu Main"]);
        assert_eq!(all[2].character_count, 2);
        assert_eq!(all[2].main_character, Some(CharacterId(1)));
        assert_eq!(all[2].state, "Guest");

        let found = store.search_accounts("FALCON", 10, 0).await.unwrap();
        assert_eq!(found.iter().map(|s| s.id).collect::<Vec<_>>(), [zulu.id]);
        let found = store.search_accounts("main", 10, 0).await.unwrap();
        assert_eq!(
            found.iter().map(|s| s.id).collect::<Vec<_>>(),
            [alpha.id, zulu.id]
        );
        // LIKE wildcards in the query are literal text.
        assert_eq!(store.search_accounts("_50%", 10, 0).await.unwrap().len(), 1);
        assert_eq!(store.search_accounts("%", 10, 0).await.unwrap().len(), 1);
        let page = store.search_accounts("", 1, 1).await.unwrap();
        assert_eq!(page[0].main_name.as_deref(), Some("Mike_50%"));

        let chars = store.search_characters("MAIN", 10).await.unwrap();
        assert_eq!(chars.iter().map(|c| c.id.get()).collect::<Vec<_>>(), [3, 1]);
        assert_eq!(
            store
                .character_by_name("hidden falcon")
                .await
                .unwrap()
                .unwrap()
                .id,
            CharacterId(2)
        );
        assert_eq!(store.character_by_name("hidden").await.unwrap(), None);
        let owned = store.character_accounts().await.unwrap();
        assert_eq!(
            owned.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
            (1..=4).map(CharacterId).collect::<Vec<_>>()
        );
        for (character, account) in owned {
            let c = store.character(character).await.unwrap().unwrap();
            assert_eq!(c.account, account);
        }
        let mut ids = store.account_ids().await.unwrap();
        ids.sort();
        assert_eq!(store.account_ids().await.unwrap(), ids);
        assert_eq!(ids.len(), 3);
    }
);

store_test!(account_settings_round_trip, |store| async move {
    let (a, _) = store
        .create_account(&character(1, "Settings"))
        .await
        .unwrap();
    store.set_superuser(a.id, true).await.unwrap();
    store.set_account_state(a.id, "Member").await.unwrap();
    store
        .set_account_email(a.id, Some("pilot@example.org"), true)
        .await
        .unwrap();
    store
        .set_account_timezone(a.id, Some("Europe/Berlin"))
        .await
        .unwrap();
    let got = store.account(a.id).await.unwrap().unwrap();
    assert!(got.superuser);
    assert_eq!(got.state, "Member");
    assert_eq!(got.email.as_deref(), Some("pilot@example.org"));
    assert!(got.email_verified);
    assert_eq!(got.timezone.as_deref(), Some("Europe/Berlin"));
    assert_eq!(got.created_at, a.created_at);

    store.set_account_email(a.id, None, false).await.unwrap();
    store.set_account_timezone(a.id, None).await.unwrap();
    let got = store.account(a.id).await.unwrap().unwrap();
    assert_eq!(
        (got.email, got.email_verified, got.timezone),
        (None, false, None)
    );

    let missing = AccountId(999);
    for err in [
        store.set_superuser(missing, true).await.unwrap_err(),
        store
            .set_account_state(missing, "Member")
            .await
            .unwrap_err(),
        store
            .set_account_email(missing, None, false)
            .await
            .unwrap_err(),
        store.set_account_timezone(missing, None).await.unwrap_err(),
    ] {
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    }
});

store_test!(
    corporations_and_alliances_go_stale_when_missing_or_expired,
    |store| async move {
        let (a, _) = store.create_account(&character(1, "One")).await.unwrap();
        let mut alt = character(2, "Two");
        alt.corporation = CorporationId(98_000_002);
        alt.alliance = None;
        store.add_character(a.id, &alt).await.unwrap();
        let t = now();

        assert_eq!(
            store.stale_corporations(t, 10).await.unwrap(),
            [CORP, CorporationId(98_000_002)]
        );
        assert_eq!(store.stale_alliances(t, 10).await.unwrap(), [ALLIANCE]);

        let corp = CorporationInfo {
            id: CORP,
            name: "Corp".into(),
            ticker: "CRP".into(),
            alliance: Some(AllianceId(99_000_002)),
            member_count: Some(42),
            ceo: None,
            expires_at: t + secs(3600),
        };
        store.upsert_corporation(&corp).await.unwrap();
        assert_eq!(store.corporation(CORP).await.unwrap(), Some(corp.clone()));
        let expired = CorporationInfo {
            id: CorporationId(98_000_002),
            name: "Old".into(),
            ticker: "OLD".into(),
            alliance: None,
            member_count: None,
            ceo: None,
            expires_at: t - secs(1),
        };
        store.upsert_corporation(&expired).await.unwrap();
        assert_eq!(
            store.stale_corporations(t, 10).await.unwrap(),
            [CorporationId(98_000_002)]
        );
        // Alliances referenced only by a corporation count too.
        assert_eq!(
            store.stale_alliances(t, 10).await.unwrap(),
            [ALLIANCE, AllianceId(99_000_002)]
        );

        let alliance = AllianceInfo {
            id: ALLIANCE,
            name: "Alliance".into(),
            ticker: "ALLY".into(),
            expires_at: t + secs(60),
        };
        store.upsert_alliance(&alliance).await.unwrap();
        let renamed = AllianceInfo {
            name: "Renamed".into(),
            ..alliance.clone()
        };
        store.upsert_alliance(&renamed).await.unwrap();
        assert_eq!(store.alliance(ALLIANCE).await.unwrap(), Some(renamed));
        assert_eq!(
            store.stale_alliances(t, 10).await.unwrap(),
            [AllianceId(99_000_002)]
        );
        assert_eq!(store.stale_alliances(t, 0).await.unwrap(), []);
        assert_eq!(store.alliance(AllianceId(1)).await.unwrap(), None);
    }
);

store_test!(
    batch_reads_return_the_known_ones_among_the_ids,
    |store| async move {
        let (_, one) = store.create_account(&character(1, "One")).await.unwrap();
        let (_, two) = store.create_account(&character(2, "Two")).await.unwrap();
        let sorted = |mut v: Vec<_>| {
            v.sort_by_key(|x: &(i64, String)| x.0);
            v
        };

        let characters = store
            .characters_by_ids(&[two.id, CharacterId(999), one.id])
            .await
            .unwrap();
        assert_eq!(
            sorted(
                characters
                    .iter()
                    .map(|c| (c.id.get(), c.name.clone()))
                    .collect()
            ),
            [(1, "One".to_owned()), (2, "Two".to_owned())]
        );
        assert!(store.characters_by_ids(&[]).await.unwrap().is_empty());

        let (corp, alliance) = known_organisations(&store).await;
        assert_eq!(
            store
                .corporations_by_ids(&[CorporationId(5), CORP])
                .await
                .unwrap(),
            [corp]
        );
        assert_eq!(
            store
                .alliances_by_ids(&[ALLIANCE, AllianceId(5)])
                .await
                .unwrap(),
            [alliance]
        );
        assert!(store.corporations_by_ids(&[]).await.unwrap().is_empty());
        assert!(store.alliances_by_ids(&[]).await.unwrap().is_empty());
    }
);

store_test!(
    names_sort_case_insensitively_then_by_their_bytes_whatever_the_database_locale,
    |store| async move {
        // A locale collation (en_US on PostgreSQL) ignores the hyphen and sorts "ab" before
        // "a-c"; by bytes '-' comes before 'b', as on SQLite. Lists sort the same on both.
        let (account, _) = store.create_account(&character(1, "Main")).await.unwrap();
        for (id, name) in [(2, "ab"), (3, "a-c"), (4, "AB")] {
            store
                .add_character(account.id, &character(id, name))
                .await
                .unwrap();
        }
        let in_order = ["a-c", "AB", "ab", "Main"];

        let names = |chars: Vec<jumpgate_domain::account::Character>| -> Vec<String> {
            chars.into_iter().map(|c| c.name).collect()
        };
        assert_eq!(
            names(store.characters_of(account.id).await.unwrap())[1..],
            ["a-c", "AB", "ab"]
        );
        assert_eq!(
            names(store.characters_in_corporation(CORP).await.unwrap()),
            in_order
        );
        assert_eq!(
            names(store.search_characters("a", 10).await.unwrap()),
            in_order
        );
        for (id, name) in [(10, "b-c"), (11, "bb")] {
            store.create_account(&character(id, name)).await.unwrap();
        }
        let mains: Vec<String> = store
            .search_accounts("b", 10, 0)
            .await
            .unwrap()
            .into_iter()
            .filter_map(|s| s.main_name)
            .collect();
        assert_eq!(mains, ["b-c", "bb", "Main"]);
    }
);

store_test!(
    an_account_left_without_characters_is_stripped_of_grants_and_sessions,
    |store| async move {
        let (emptied, main) = store.create_account(&character(1, "Seller")).await.unwrap();
        let (kept, _) = store.create_account(&character(2, "Keeper")).await.unwrap();
        for account in [emptied.id, kept.id] {
            store.set_superuser(account, true).await.unwrap();
            store
                .grant_permission(account, "admin.audit")
                .await
                .unwrap();
            store
                .save_session(&jumpgate_store::SessionRecord {
                    id: format!("session-{account}"),
                    account: Some(account),
                    data: "{}".to_owned(),
                    expires_at: now() + secs(3600),
                })
                .await
                .unwrap();
        }
        store
            .move_character(main.id, kept.id, RemovalReason::Moved, None)
            .await
            .unwrap();

        let mut tx = store.transaction().await.unwrap();
        assert!(tx.strip_if_empty(emptied.id).await.unwrap());
        assert!(
            !tx.strip_if_empty(kept.id).await.unwrap(),
            "it has characters"
        );
        tx.commit().await.unwrap();

        let stripped = store.account(emptied.id).await.unwrap().unwrap();
        assert!(!stripped.superuser);
        assert!(
            store
                .account_permissions(emptied.id)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store
                .load_session(&format!("session-{}", emptied.id), now())
                .await
                .unwrap(),
            None
        );
        let untouched = store.account(kept.id).await.unwrap().unwrap();
        assert!(untouched.superuser);
        assert!(!store.account_permissions(kept.id).await.unwrap().is_empty());
        assert!(
            store
                .load_session(&format!("session-{}", kept.id), now())
                .await
                .unwrap()
                .is_some()
        );
    }
);

store_test!(
    verification_mails_are_found_by_account_or_address_and_forgotten_after_cleanup,
    |store| async move {
        let (a, _) = store.create_account(&character(1, "Pilot")).await.unwrap();
        let (b, _) = store.create_account(&character(2, "Rival")).await.unwrap();
        let before = now() - secs(60);
        let mut tx = store.transaction().await.unwrap();
        tx.record_verification_mail(a.id, "victim").await.unwrap();
        tx.record_verification_mail(a.id, "own").await.unwrap();
        tx.record_verification_mail(b.id, "victim").await.unwrap();
        tx.record_verification_mail(b.id, "elsewhere")
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mut seen: Vec<(bool, bool)> = store
            .verification_mails_since(a.id, "victim", before)
            .await
            .unwrap()
            .iter()
            .map(|m| (m.by_account, m.to_address))
            .collect();
        seen.sort();
        // Not b's mail elsewhere: neither this account's nor to this address.
        assert_eq!(seen, [(false, true), (true, false), (true, true)]);
        assert!(
            store
                .verification_mails_since(a.id, "victim", now() + secs(60))
                .await
                .unwrap()
                .is_empty(),
            "only mails after `since`"
        );

        assert_eq!(
            store
                .delete_verification_mails_before(now() + secs(60))
                .await
                .unwrap(),
            4
        );
        assert!(
            store
                .verification_mails_since(a.id, "victim", before)
                .await
                .unwrap()
                .is_empty()
        );
    }
);

store_test!(
    the_account_list_holds_every_account_in_the_search_order_with_its_characters_names,
    |store| async move {
        let (zulu, _) = store.create_account(&character(1, "Zulu")).await.unwrap();
        store
            .add_character(zulu.id, &character(2, "Hidden Falcon"))
            .await
            .unwrap();
        store.create_account(&character(3, "alpha")).await.unwrap();
        store.create_account(&character(4, "Gone")).await.unwrap();
        store
            .remove_character(CharacterId(4), RemovalReason::Biomassed, None)
            .await
            .unwrap();

        let list = store.account_list().await.unwrap();
        let summaries: Vec<_> = list.iter().map(|a| a.summary.clone()).collect();
        assert_eq!(
            summaries,
            store.search_accounts("", 100, 0).await.unwrap(),
            "the same accounts, counts and order as the search"
        );
        let names: Vec<_> = list.iter().map(|a| a.character_names.clone()).collect();
        assert_eq!(
            names,
            [
                vec!["alpha".to_owned()],
                vec!["Zulu".to_owned(), "Hidden Falcon".to_owned()],
                vec![],
            ]
        );
    }
);

store_test!(
    the_character_list_holds_every_character_by_name_with_its_account_and_affiliation,
    |store| async move {
        let (zulu, _) = store.create_account(&character(1, "Zulu")).await.unwrap();
        store
            .add_character(zulu.id, &character(2, "alpha"))
            .await
            .unwrap();
        let (beta, _) = store.create_account(&character(3, "Beta")).await.unwrap();
        store
            .update_affiliations(
                &[Affiliation {
                    character: CharacterId(3),
                    corporation: CorporationId(98_000_003),
                    alliance: Some(AllianceId(99_000_003)),
                    faction: None,
                }],
                now(),
            )
            .await
            .unwrap();

        let list = store.character_list().await.unwrap();
        let listed = |id: i64,
                      name: &str,
                      account: AccountId,
                      corporation: i64,
                      alliance: Option<AllianceId>| {
            jumpgate_store::ListedCharacter {
                id: CharacterId(id),
                name: name.to_owned(),
                account,
                corporation: CorporationId(corporation),
                alliance,
            }
        };
        let (corporation, alliance) = (CORP.get(), Some(ALLIANCE));
        assert_eq!(
            list,
            [
                listed(2, "alpha", zulu.id, corporation, alliance),
                listed(3, "Beta", beta.id, 98_000_003, Some(AllianceId(99_000_003))),
                listed(1, "Zulu", zulu.id, corporation, alliance),
            ],
            "by name in any case"
        );
    }
);

store_test!(
    the_account_list_counter_moves_with_what_the_accounts_list_or_the_character_search_shows,
    |store| async move {
        let version = || {
            let store = store.clone();
            async move { store.change_counter("account_list").await.unwrap() }
        };
        let mut seen = version().await;
        let mut moved = |what: &str, now: i64| {
            assert_ne!(now, seen, "{what} moves it");
            seen = now;
        };
        let (a, _) = store.create_account(&character(1, "Alpha")).await.unwrap();
        moved("a new account", version().await);
        store
            .add_character(a.id, &character(2, "Beta"))
            .await
            .unwrap();
        moved("a new character", version().await);
        store.set_main(a.id, CharacterId(2)).await.unwrap();
        moved("a new main", version().await);
        store.set_account_state(a.id, "Member").await.unwrap();
        moved("a state", version().await);
        store.set_superuser(a.id, true).await.unwrap();
        moved("superuser", version().await);
        store
            .update_character_identity(CharacterId(2), "Beta Two", "owner-2")
            .await
            .unwrap();
        moved("a rename", version().await);
        let elsewhere = |alliance: Option<i64>| Affiliation {
            character: CharacterId(2),
            corporation: CorporationId(98_000_002),
            alliance: alliance.map(AllianceId),
            faction: None,
        };
        store
            .update_affiliations(&[elsewhere(None)], now())
            .await
            .unwrap();
        moved("a new corporation", version().await);
        store
            .update_affiliations(&[elsewhere(Some(99_000_002))], now())
            .await
            .unwrap();
        moved("a new alliance", version().await);
        let (b, _) = store.create_account(&character(3, "Gamma")).await.unwrap();
        moved("another account", version().await);
        store
            .move_character(CharacterId(1), b.id, RemovalReason::Transferred, None)
            .await
            .unwrap();
        moved("a move", version().await);
        store
            .remove_character(CharacterId(3), RemovalReason::Biomassed, None)
            .await
            .unwrap();
        moved("a removal", version().await);

        // What neither list shows moves nothing.
        store.set_account_state(a.id, "Member").await.unwrap();
        store
            .update_character_identity(CharacterId(2), "Beta Two", "owner-2-new")
            .await
            .unwrap();
        store
            .update_affiliations(&[elsewhere(Some(99_000_002))], now())
            .await
            .unwrap();
        assert_eq!(
            version().await,
            seen,
            "the same values, owners and affiliations"
        );
    }
);

store_test!(
    an_account_comes_in_one_read_with_its_characters_their_organisations_and_tokens,
    |store| async move {
        let t = now();
        let (account, _) = store.create_account(&character(1, "Zed")).await.unwrap();
        // An alt in a corporation whose name is not known yet, without an alliance.
        let mut elsewhere = character(2, "bob");
        elsewhere.corporation = CorporationId(98_000_777);
        elsewhere.alliance = None;
        store.add_character(account.id, &elsewhere).await.unwrap();
        store
            .add_character(account.id, &character(3, "Alice"))
            .await
            .unwrap();
        let (other, _) = store.create_account(&character(4, "Other")).await.unwrap();
        for (id, login) in [(1, "sync"), (1, "core"), (2, "core"), (4, "core")] {
            store
                .upsert_token(&token(CharacterId(id), login, t + secs(60)))
                .await
                .unwrap();
        }
        let (corp, alliance) = known_organisations(&store).await;

        let found = store
            .account_with_characters(account.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            Some(found.account),
            store.account(account.id).await.unwrap()
        );
        let read = found.characters;
        // The same characters in the same order as `characters_of` (main first, then by name).
        let characters: Vec<_> = read.iter().map(|c| c.character.clone()).collect();
        assert_eq!(characters, store.characters_of(account.id).await.unwrap());
        let names: Vec<&str> = characters.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Zed", "Alice", "bob"]);
        // Each with its own tokens by login, and the organisations that are known.
        let all_tokens = store.tokens_of_account(account.id).await.unwrap();
        for c in &read {
            let mut own: Vec<_> = all_tokens
                .iter()
                .filter(|tk| tk.character == c.character.id)
                .cloned()
                .collect();
            own.sort_by(|a, b| a.login.cmp(&b.login));
            assert_eq!(c.tokens, own, "{}", c.character.name);
        }
        let logins: Vec<&str> = read[0].tokens.iter().map(|tk| tk.login.as_str()).collect();
        assert_eq!(logins, ["core", "sync"]);
        assert!(read[1].tokens.is_empty(), "Alice holds no token");
        assert_eq!(read[0].corporation, Some(corp.clone()));
        assert_eq!(read[0].alliance, Some(alliance.clone()));
        assert_eq!(read[2].corporation, None, "bob's corporation is not known");
        assert_eq!(read[2].alliance, None, "bob has no alliance");

        let other_read = store
            .account_with_characters(other.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(other_read.account.id, other.id);
        assert_eq!(other_read.characters.len(), 1);
        assert_eq!(other_read.characters[0].tokens.len(), 1);
        // An account whose last character moved away is read without characters.
        store
            .move_character(CharacterId(4), account.id, RemovalReason::Moved, None)
            .await
            .unwrap();
        let emptied = store
            .account_with_characters(other.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(emptied.account.id, other.id);
        assert!(emptied.characters.is_empty());
        assert_eq!(
            store.account_with_characters(AccountId(999)).await.unwrap(),
            None
        );
    }
);

store_test!(
    every_accounts_own_main_is_read_with_its_corporation,
    |store| async move {
        let (one, two) = one_and_two_with_an_alt(&store).await;
        store.set_main(two, CharacterId(3)).await.unwrap();
        let elsewhere = CorporationId(98_000_777);
        store
            .update_affiliations(
                &[Affiliation {
                    character: CharacterId(3),
                    corporation: elsewhere,
                    alliance: None,
                    faction: None,
                }],
                now(),
            )
            .await
            .unwrap();
        assert_eq!(
            store.account_mains().await.unwrap(),
            [
                (one, CharacterId(1), CORP),
                (two, CharacterId(3), elsewhere),
            ]
        );
    }
);

store_test!(
    character_details_name_the_main_the_login_token_and_the_organisations,
    |store| async move {
        let (corp, alliance) = known_organisations(&store).await;
        let (a, _) = store.create_account(&character(1, "Main")).await.unwrap();
        store
            .add_character(a.id, &character(2, "Alt"))
            .await
            .unwrap();
        let mut elsewhere = character(3, "Elsewhere");
        elsewhere.corporation = CorporationId(98_000_002);
        elsewhere.alliance = None;
        store.create_account(&elsewhere).await.unwrap();
        let login = store
            .upsert_token(&token(CharacterId(1), EveLogin::DEFAULT, now()))
            .await
            .unwrap();
        store
            .set_token_status(login.id, TokenStatus::Invalid, Some("invalid_grant"))
            .await
            .unwrap();
        // Another login's token is not the login token.
        store
            .upsert_token(&token(CharacterId(2), "core.tracking", now()))
            .await
            .unwrap();

        let mut of_account = store.character_details_of_account(a.id).await.unwrap();
        of_account.sort_by_key(|d| d.character.id);
        assert_eq!(of_account.len(), 2);
        let (main, alt) = (&of_account[0], &of_account[1]);
        assert!(main.main && !alt.main);
        let state = main.login_token.as_ref().expect("the main's login token");
        assert_eq!(state.status, TokenStatus::Invalid);
        assert!(state.scopes.contains("publicData"));
        assert!(state.last_checked_at.is_some(), "checked when marked");
        assert_eq!(alt.login_token, None);
        assert_eq!(main.corporation, Some(corp.clone()));
        assert_eq!(main.alliance, Some(alliance));
        assert_eq!(main.character.name, "Main");

        let in_corp = store.character_details_in_corporation(CORP).await.unwrap();
        let mut ids: Vec<i64> = in_corp.iter().map(|d| d.character.id.get()).collect();
        ids.sort();
        assert_eq!(ids, [1, 2]);
        let other = store
            .character_details_in_corporation(CorporationId(98_000_002))
            .await
            .unwrap();
        assert_eq!(other.len(), 1);
        assert_eq!(other[0].corporation, None, "not named by ESI yet");
        assert_eq!(other[0].alliance, None);
        assert!(other[0].main);

        let by_ids = store
            .character_details_by_ids(&[CharacterId(3), CharacterId(777), CharacterId(2)])
            .await
            .unwrap();
        let mut ids: Vec<i64> = by_ids.iter().map(|d| d.character.id.get()).collect();
        ids.sort();
        assert_eq!(ids, [2, 3], "unknown ids are left out");
        assert!(
            store
                .character_details_by_ids(&[])
                .await
                .unwrap()
                .is_empty()
        );
    }
);

store_test!(
    an_account_is_named_by_its_main_or_once_empty_by_its_last_main,
    |store| async move {
        let (a, _) = store.create_account(&character(1, "First")).await.unwrap();
        store
            .add_character(a.id, &character(2, "Second"))
            .await
            .unwrap();
        let (b, _) = store.create_account(&character(3, "Taker")).await.unwrap();
        let names = |all: Vec<(AccountId, Option<String>)>| {
            let mut all = all;
            all.sort();
            all
        };
        assert_eq!(
            names(store.account_names().await.unwrap()),
            [(a.id, Some("First".into())), (b.id, Some("Taker".into()))]
        );

        store
            .move_character(CharacterId(1), b.id, RemovalReason::Moved, Some(b.id))
            .await
            .unwrap();
        store
            .remove_character(CharacterId(2), RemovalReason::RemovedByOwner, Some(a.id))
            .await
            .unwrap();
        assert_eq!(
            names(store.account_names().await.unwrap()),
            [(a.id, Some("Second".into())), (b.id, Some("Taker".into()))],
            "the last to leave was the main"
        );
    }
);

store_test!(
    an_accounts_removals_are_those_that_left_and_those_that_came_oldest_first,
    |store| async move {
        let (a, _) = store.create_account(&character(1, "Main")).await.unwrap();
        store
            .add_character(a.id, &character(2, "Alt"))
            .await
            .unwrap();
        let (b, _) = store.create_account(&character(3, "Other")).await.unwrap();
        let (c, _) = store.create_account(&character(4, "Third")).await.unwrap();
        let came = store
            .move_character(CharacterId(3), a.id, RemovalReason::Moved, Some(a.id))
            .await
            .unwrap();
        let left = store
            .remove_character(CharacterId(2), RemovalReason::Biomassed, None)
            .await
            .unwrap();
        store
            .move_character(CharacterId(4), b.id, RemovalReason::Moved, Some(b.id))
            .await
            .unwrap();

        assert_eq!(
            store.account_removals(a.id).await.unwrap(),
            vec![came.clone(), left]
        );
        assert_eq!(store.account_removals(b.id).await.unwrap().len(), 2);
        assert_eq!(store.account_removals(c.id).await.unwrap().len(), 1);
        assert!(
            store
                .account_removals(AccountId(999))
                .await
                .unwrap()
                .is_empty()
        );
    }
);
