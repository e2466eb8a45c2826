//! Member tracking: a Director's check makes its corporation tracked, the members are replaced
//! whole with who each is here, a failure keeps the list, and the groups that see each
//! corporation are replaced whole.

use crate::support::*;
use jumpgate_domain::account::TokenStatus;
use jumpgate_domain::groups::Group;
use jumpgate_domain::tracking::{DirectorCheck, Named, TRACKING_LOGIN, TrackedMember};
use jumpgate_domain::{CharacterId, CorporationId, EveLogin, GroupId};
use jumpgate_store::{CorporationInfo, Store, StoreError, store_test};

const DIRECTOR: CharacterId = CharacterId(2_112_000_001);
/// When the members were last listed (what ESI says; not the store's clock).
const LISTED: time::OffsetDateTime = time::macros::datetime!(2026-12-01 12:00 UTC);

fn member(id: i64, days_ago: i64) -> TrackedMember {
    TrackedMember {
        character: CharacterId(id),
        name: Some(format!("Member {id}")),
        location: Some(Named {
            id: 60_003_760,
            name: Some("Jita IV - Moon 4 - Caldari Navy Assembly Plant".into()),
        }),
        ship: Some(Named {
            id: 670,
            name: None,
        }),
        logon_at: Some(LISTED - time::Duration::days(days_ago) - secs(3600)),
        logoff_at: Some(LISTED - time::Duration::days(days_ago)),
        start_at: Some(LISTED - time::Duration::days(400)),
    }
}

/// A Director of `CORP` with an account and a tracking token, checked: `CORP` is tracked.
async fn tracked(store: &Store) {
    store
        .create_account(&character(DIRECTOR.get(), "Director Pilot"))
        .await
        .expect("the Director's account");
    store
        .upsert_token(&token(DIRECTOR, TRACKING_LOGIN, now() + secs(600)))
        .await
        .expect("its tracking token");
    store
        .record_director_check(DIRECTOR, CORP, DirectorCheck::Director)
        .await
        .expect("its check");
}

store_test!(
    a_directors_check_tracks_its_corporation_and_another_check_replaces_it,
    |store| async move {
        assert!(store.tracked_corporations().await.unwrap().is_empty());
        tracked(&store).await;
        store
            .upsert_corporation(&CorporationInfo {
                id: CORP,
                name: "Tracked Corp".into(),
                ticker: "TRK".into(),
                alliance: None,
                member_count: Some(3),
                ceo: None,
                expires_at: now() + secs(3600),
            })
            .await
            .unwrap();

        let corps = store.tracked_corporations().await.unwrap();
        assert_eq!(corps.len(), 1);
        assert_eq!(corps[0].id, CORP);
        assert_eq!(corps[0].label(), "Tracked Corp [TRK]");
        assert_eq!((corps[0].updated_at, corps[0].members), (None, 0));

        let directors = store.tracking_directors().await.unwrap();
        assert_eq!(directors.len(), 1);
        assert_eq!(directors[0].name, "Director Pilot");
        assert_eq!(directors[0].check, DirectorCheck::Director);
        assert_eq!(directors[0].token, Some(TokenStatus::Valid));

        let before = store
            .record_director_check(DIRECTOR, CORP, DirectorCheck::NotDirector)
            .await
            .unwrap();
        assert_eq!(before, Some(DirectorCheck::Director));
        let directors = store.tracking_directors().await.unwrap();
        assert_eq!(directors[0].check, DirectorCheck::NotDirector);
        assert_eq!(
            store.tracked_corporations().await.unwrap().len(),
            1,
            "a corporation stays tracked (with its list) when its Director loses the role"
        );
    }
);

store_test!(
    a_non_directors_check_tracks_nothing_and_an_unknown_character_is_not_found,
    |store| async move {
        store
            .create_account(&character(DIRECTOR.get(), "Line Member"))
            .await
            .unwrap();
        let first = store
            .record_director_check(DIRECTOR, CORP, DirectorCheck::NotDirector)
            .await
            .unwrap();
        assert_eq!(first, None);
        assert!(store.tracked_corporations().await.unwrap().is_empty());
        let e = store
            .record_director_check(CharacterId(2_112_999_999), CORP, DirectorCheck::Director)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::NotFound(_)), "{e:?}");
    }
);

store_test!(
    members_are_replaced_whole_with_who_each_is_here,
    |store| async move {
        tracked(&store).await;
        // A registered member (the Director's alt account) with a dead login token.
        store
            .create_account(&character(2_112_000_002, "Registered Member"))
            .await
            .unwrap();
        let t = store
            .upsert_token(&token(CharacterId(2_112_000_002), EveLogin::DEFAULT, now()))
            .await
            .unwrap();
        store
            .set_token_status(t.id, TokenStatus::Invalid, Some("invalid_grant"))
            .await
            .unwrap();

        store
            .replace_tracking_members(
                CORP,
                &[
                    member(2_112_000_001, 1),
                    member(2_112_000_002, 40),
                    member(2_112_000_003, 2),
                ],
            )
            .await
            .unwrap();
        let mut rows = store.tracking_members(CORP).await.unwrap();
        rows.sort_by_key(|r| r.member.character);
        assert_eq!(rows.len(), 3);
        assert_eq!(
            rows[1].member,
            member(2_112_000_002, 40),
            "stored as listed"
        );
        let director = rows[0]
            .registration
            .as_ref()
            .expect("the Director is registered");
        assert_eq!(
            director.main.as_ref().map(|m| m.1.as_str()),
            Some("Director Pilot")
        );
        assert_eq!(
            director.token, None,
            "a tracking token is not a login token"
        );
        assert_eq!(
            rows[1].registration.as_ref().and_then(|r| r.token),
            Some(TokenStatus::Invalid)
        );
        assert_eq!(rows[2].registration, None, "not registered here");
        let corp = store.tracked_corporation(CORP).await.unwrap().unwrap();
        assert_eq!(corp.members, 3);
        assert!(corp.updated_at.is_some());

        store
            .replace_tracking_members(CORP, &[member(2_112_000_003, 0)])
            .await
            .unwrap();
        let rows = store.tracking_members(CORP).await.unwrap();
        let ids: Vec<i64> = rows.iter().map(|r| r.member.character.get()).collect();
        assert_eq!(ids, [2_112_000_003], "members who left are gone");

        let e = store
            .replace_tracking_members(CorporationId(98_999_999), &[member(1, 1)])
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::NotFound(_)), "{e:?}");
    }
);

store_test!(
    a_failure_is_recorded_beside_the_last_good_list_until_the_next_success,
    |store| async move {
        tracked(&store).await;
        store
            .replace_tracking_members(CORP, &[member(2_112_000_001, 1)])
            .await
            .unwrap();
        store
            .record_tracking_failure(CORP, "EVE's servers did not answer")
            .await
            .unwrap();
        let corp = store.tracked_corporation(CORP).await.unwrap().unwrap();
        assert_eq!(
            corp.last_error.as_deref(),
            Some("EVE's servers did not answer")
        );
        assert_eq!(corp.members, 1, "the list is kept");
        assert_eq!(store.tracking_members(CORP).await.unwrap().len(), 1);

        store
            .replace_tracking_members(CORP, &[member(2_112_000_001, 0)])
            .await
            .unwrap();
        let corp = store.tracked_corporation(CORP).await.unwrap().unwrap();
        assert_eq!(corp.last_error, None);
        assert_eq!(
            store.tracked_corporation(CorporationId(1)).await.unwrap(),
            None
        );
    }
);

store_test!(
    the_groups_that_see_a_corporation_are_replaced_whole_and_go_with_their_group,
    |store| async move {
        tracked(&store).await;
        let officers = store.save_group(&Group::new("Officers")).await.unwrap().id;
        let recruiters = store
            .save_group(&Group::new("Recruiters"))
            .await
            .unwrap()
            .id;
        store
            .set_tracking_viewer_groups(CORP, &[officers, recruiters])
            .await
            .unwrap();
        assert_eq!(
            store.tracking_viewer_groups().await.unwrap().get(&CORP),
            Some(&vec![officers, recruiters])
        );
        store
            .set_tracking_viewer_groups(CORP, &[recruiters])
            .await
            .unwrap();
        assert_eq!(
            store.tracking_viewer_groups().await.unwrap().get(&CORP),
            Some(&vec![recruiters])
        );
        store.delete_group(recruiters).await.unwrap();
        assert!(store.tracking_viewer_groups().await.unwrap().is_empty());

        let e = store
            .set_tracking_viewer_groups(CORP, &[GroupId(999_999)])
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::NotFound(_)), "{e:?}");
        let e = store
            .set_tracking_viewer_groups(CorporationId(98_999_999), &[officers])
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::NotFound(_)), "{e:?}");
    }
);

store_test!(
    stopping_tracking_drops_the_members_groups_and_checks_but_not_the_tokens,
    |store| async move {
        tracked(&store).await;
        let officers = store.save_group(&Group::new("Officers")).await.unwrap().id;
        store
            .set_tracking_viewer_groups(CORP, &[officers])
            .await
            .unwrap();
        store
            .replace_tracking_members(CORP, &[member(2_112_000_001, 1)])
            .await
            .unwrap();

        store.stop_tracking(CORP).await.unwrap();
        assert!(store.tracked_corporations().await.unwrap().is_empty());
        assert!(store.tracking_members(CORP).await.unwrap().is_empty());
        assert!(store.tracking_viewer_groups().await.unwrap().is_empty());
        assert!(store.tracking_directors().await.unwrap().is_empty());
        assert!(
            store
                .token(DIRECTOR, TRACKING_LOGIN)
                .await
                .unwrap()
                .is_some(),
            "the token stays with its character"
        );
        let e = store.stop_tracking(CORP).await.unwrap_err();
        assert!(matches!(e, StoreError::NotFound(_)), "{e:?}");

        // The Director's next check tracks it again, empty.
        store
            .record_director_check(DIRECTOR, CORP, DirectorCheck::Director)
            .await
            .unwrap();
        let corp = store.tracked_corporation(CORP).await.unwrap().unwrap();
        assert_eq!((corp.members, corp.updated_at), (0, None));
    }
);
