//! States (seeded defaults, criteria, permissions) and permissions granted to accounts.

use crate::support::*;
use jumpgate_domain::StateId;
use jumpgate_domain::states::{State, StateCriteria};
use jumpgate_domain::{AccountId, AllianceId, CharacterId, CorporationId, FactionId};
use jumpgate_store::{StoreError, store_test};
use std::collections::BTreeSet;

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

store_test!(member_blue_and_guest_are_seeded, |store| async move {
    let states = store.states().await.unwrap();
    let summary: Vec<_> = states
        .iter()
        .map(|s| (s.name.as_str(), s.priority))
        .collect();
    assert_eq!(summary, [("Member", 100), ("Blue", 50), ("Guest", 0)]);
    assert_eq!(states[0].permissions, set(&["standings.request"]));
    assert!(states[1].permissions.is_empty() && states[2].permissions.is_empty());
    assert!(
        states
            .iter()
            .all(|s| s.criteria == StateCriteria::default())
    );
});

store_test!(
    states_are_saved_updated_and_deleted_with_their_criteria,
    |store| async move {
        let criteria = StateCriteria {
            characters: [CharacterId(2_112_000_001)].into(),
            corporations: [CorporationId(98_000_001), CorporationId(98_000_002)].into(),
            alliances: [AllianceId(99_000_001)].into(),
            factions: [FactionId(500_001)].into(),
        };
        let saved = store
            .save_state(&State {
                id: StateId::UNSAVED,
                name: "Director".into(),
                priority: 200,
                criteria: criteria.clone(),
                permissions: set(&["admin.accounts", "standings.request"]),
            })
            .await
            .unwrap();
        assert!(saved.id > StateId::UNSAVED);
        let states = store.states().await.unwrap();
        assert_eq!(states[0], saved);
        assert_eq!(states[0].criteria, criteria);

        let updated = State {
            name: "Directors".into(),
            priority: 10,
            criteria: StateCriteria {
                alliances: [AllianceId(99_000_005)].into(),
                ..Default::default()
            },
            permissions: set(&["audit.read"]),
            ..saved.clone()
        };
        assert_eq!(store.save_state(&updated).await.unwrap(), updated);
        let states = store.states().await.unwrap();
        let names: Vec<_> = states.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Member", "Blue", "Directors", "Guest"]);
        assert_eq!(states[2], updated);

        let clash = State {
            id: StateId::UNSAVED,
            name: "Member".into(),
            ..updated.clone()
        };
        let err = store.save_state(&clash).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");
        let err = store
            .save_state(&State {
                id: StateId(9999),
                ..updated.clone()
            })
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");

        store.delete_state(updated.id).await.unwrap();
        assert_eq!(store.states().await.unwrap().len(), 3);
        let err = store.delete_state(updated.id).await.unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    }
);

store_test!(
    permissions_are_granted_and_revoked_idempotently,
    |store| async move {
        let (a, _) = store.create_account(&character(1, "Pilot")).await.unwrap();
        assert!(store.account_permissions(a.id).await.unwrap().is_empty());
        store.grant_permission(a.id, "audit.read").await.unwrap();
        store.grant_permission(a.id, "audit.read").await.unwrap();
        store
            .grant_permission(a.id, "admin.accounts")
            .await
            .unwrap();
        assert_eq!(
            store.account_permissions(a.id).await.unwrap(),
            set(&["admin.accounts", "audit.read"])
        );
        store.revoke_permission(a.id, "audit.read").await.unwrap();
        store
            .revoke_permission(a.id, "never.granted")
            .await
            .unwrap();
        assert_eq!(
            store.account_permissions(a.id).await.unwrap(),
            set(&["admin.accounts"])
        );

        let err = store
            .grant_permission(AccountId(999), "audit.read")
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    }
);

store_test!(
    an_accounts_grants_join_its_own_permissions_with_its_states,
    |store| async move {
        use jumpgate_store::AccountAccess;
        let (a, c) = store
            .create_account(&character(11, "Granted"))
            .await
            .unwrap();
        // A Guest with nothing granted: no permissions, not a superuser; its main is read along.
        assert_eq!(
            store.account_grants(a.id).await.unwrap(),
            Some(AccountAccess {
                superuser: false,
                state: "Guest".to_owned(),
                main: Some((c.id, "Granted".to_owned())),
                permissions: BTreeSet::new(),
            })
        );
        store.grant_permission(a.id, "audit.read").await.unwrap();
        store.set_account_state(a.id, "Member").await.unwrap();
        let member = store
            .states()
            .await
            .unwrap()
            .into_iter()
            .find(|s| s.name == "Member")
            .unwrap();
        let mut expected = member.permissions.clone();
        expected.insert("audit.read".to_owned());
        let access = store.account_grants(a.id).await.unwrap().unwrap();
        assert_eq!(access.permissions, expected);
        assert_eq!(access.state, "Member");
        store.set_superuser(a.id, true).await.unwrap();
        assert!(store.account_grants(a.id).await.unwrap().unwrap().superuser);
        assert_eq!(store.account_grants(AccountId(999)).await.unwrap(), None);
    }
);
