//! Roles: divisions and specialty roles saved and deleted with their holders; a unique role has
//! one holder on every instance; what a role carries reaches its holder through the one grants
//! query; the CEO and Director roles follow what EVE last said of each character.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::support::*;
use crate::support::{account, permissions_of as held};
use jumpgate_domain::roles::{Division, LeadingEntities, Role, RoleSource, Specialty};
use jumpgate_domain::{AccountId, CharacterId, DivisionId, SpecialtyId};
use jumpgate_store::{CorporationInfo, RolePermissionKey, Store, StoreError, store_test};
use std::collections::BTreeSet;

async fn appoint(store: &Store, role: Role, account: AccountId) -> jumpgate_store::Result<bool> {
    let mut tx = store.transaction().await?;
    let added = tx.appoint(role, account, "account:1").await?;
    tx.commit().await?;
    Ok(added)
}

store_test!(
    divisions_and_specialties_are_unique_by_name_and_take_their_holders_when_deleted,
    |store| async move {
        let member = account(&store, 2_112_000_001, "Member").await;
        let mut tx = store.transaction().await.unwrap();
        let capitals = tx
            .save_division(&Division {
                id: DivisionId(0),
                name: "Capitals".to_owned(),
            })
            .await
            .unwrap();
        let diplomat = tx
            .save_specialty(&Specialty {
                id: SpecialtyId(0),
                name: "Diplomat".to_owned(),
                description: "Talks to neighbours".to_owned(),
                fleet: false,
            })
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.transaction().await.unwrap();
        let again = tx
            .save_division(&Division {
                id: DivisionId(0),
                name: "capitals".to_owned(),
            })
            .await;
        assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
        drop(tx);

        assert!(
            appoint(&store, Role::DivisionFc(capitals.id), member)
                .await
                .unwrap()
        );
        assert!(
            !appoint(&store, Role::DivisionFc(capitals.id), member)
                .await
                .unwrap(),
            "held already"
        );
        assert!(
            appoint(&store, Role::Specialty(diplomat.id), member)
                .await
                .unwrap()
        );
        let catalogue = store.role_catalogue().await.unwrap();
        assert_eq!(catalogue.divisions, vec![capitals.clone()]);
        assert_eq!(
            catalogue.role_name(Role::DivisionFc(capitals.id)),
            "Division FC (Capitals)"
        );
        assert_eq!(
            catalogue.role_name(Role::Specialty(diplomat.id)),
            "Diplomat"
        );

        let mut tx = store.transaction().await.unwrap();
        tx.delete_division(capitals.id).await.unwrap();
        tx.delete_specialty(diplomat.id).await.unwrap();
        tx.commit().await.unwrap();
        assert!(store.roles_of(member).await.unwrap().is_empty());
        let mut tx = store.transaction().await.unwrap();
        assert!(matches!(
            tx.delete_division(capitals.id).await,
            Err(StoreError::NotFound(_))
        ));
    }
);

store_test!(
    a_unique_role_has_one_holder_and_moves_only_when_taken_first,
    |store| async move {
        let first = account(&store, 2_112_000_001, "First").await;
        let second = account(&store, 2_112_000_002, "Second").await;
        assert!(appoint(&store, Role::HeadFc, first).await.unwrap());
        let refused = appoint(&store, Role::HeadFc, second).await;
        assert!(
            matches!(refused, Err(StoreError::Conflict(_))),
            "{refused:?}"
        );
        // General FC is not unique.
        assert!(appoint(&store, Role::GeneralFc, first).await.unwrap());
        assert!(appoint(&store, Role::GeneralFc, second).await.unwrap());

        let mut tx = store.transaction().await.unwrap();
        assert!(tx.dismiss(Role::HeadFc, first).await.unwrap());
        assert!(
            tx.appoint(Role::HeadFc, second, "cli:roles grant")
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();
        let holders = store.role_holders().await.unwrap();
        let head: Vec<_> = holders.iter().filter(|h| h.role == Role::HeadFc).collect();
        assert_eq!(head.len(), 1);
        assert_eq!(head[0].account, second);
        assert_eq!(head[0].source, RoleSource::Appointed);
        assert_eq!(head[0].assigned_by.as_deref(), Some("cli:roles grant"));
        let mut tx = store.transaction().await.unwrap();
        assert!(!tx.dismiss(Role::HeadFc, first).await.unwrap(), "not held");
    }
);

store_test!(
    a_roles_permissions_reach_its_holders_and_administrators_start_with_every_admin_permission,
    |store| async move {
        let fc = account(&store, 2_112_000_001, "Fc").await;
        let admin = account(&store, 2_112_000_002, "Admin").await;
        let key = RolePermissionKey::of(Role::GeneralFc);
        let mut tx = store.transaction().await.unwrap();
        tx.set_role_permissions(key, &["standings.approve".to_owned()].into())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(!held(&store, fc).await.contains("standings.approve"));
        appoint(&store, Role::GeneralFc, fc).await.unwrap();
        assert!(held(&store, fc).await.contains("standings.approve"));
        appoint(&store, Role::Administrator, admin).await.unwrap();
        assert!(held(&store, admin).await.contains("admin.users"));
        assert!(held(&store, admin).await.contains("admin.roles"));
        let catalogue = store.role_catalogue().await.unwrap();
        assert_eq!(
            catalogue.permissions_of(Role::GeneralFc),
            ["standings.approve".to_owned()].into()
        );
    }
);

store_test!(
    the_ceo_and_directors_follow_what_eve_last_said_of_each_character,
    |store| async move {
        let ceo_character = 2_112_000_001;
        let ceo = account(&store, ceo_character, "Ceo").await;
        let mut tx = store.transaction().await.unwrap();
        tx.set_leading_entities(&LeadingEntities {
            corporations: [CORP].into(),
            ..Default::default()
        })
        .await
        .unwrap();
        tx.commit().await.unwrap();
        store
            .upsert_corporation(&CorporationInfo {
                id: CORP,
                name: "Corp".to_owned(),
                ticker: "CORP".to_owned(),
                alliance: Some(ALLIANCE),
                member_count: Some(2),
                ceo: Some(CharacterId(ceo_character)),
                expires_at: now() + secs(3600),
            })
            .await
            .unwrap();
        store
            .record_corporation_roles(CharacterId(ceo_character), CORP, true)
            .await
            .unwrap();
        let leadership = store.leadership_of(ceo).await.unwrap();
        assert_eq!(leadership.len(), 1);
        assert!(leadership[0].is_ceo && leadership[0].is_director);
        assert_eq!(
            store.role_catalogue().await.unwrap().leading.corporations,
            [CORP].into()
        );

        let eve: BTreeSet<_> = [
            (Role::Ceo(CORP), CharacterId(ceo_character)),
            (Role::Director(CORP), CharacterId(ceo_character)),
        ]
        .into();
        let mut tx = store.transaction().await.unwrap();
        let changes = tx.replace_eve_roles(ceo, &eve).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(changes.gained.len(), 2);
        let mut tx = store.transaction().await.unwrap();
        assert!(
            tx.replace_eve_roles(ceo, &eve).await.unwrap().is_empty(),
            "nothing new"
        );
        let changes = tx
            .replace_eve_roles(
                ceo,
                &[(Role::Director(CORP), CharacterId(ceo_character))].into(),
            )
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(changes.lost, vec![Role::Ceo(CORP)]);
        let held: Vec<_> = store.roles_of(ceo).await.unwrap();
        assert_eq!(held.len(), 1);
        assert_eq!(held[0].source, RoleSource::Eve);
        assert_eq!(held[0].character, Some(CharacterId(ceo_character)));
    }
);
