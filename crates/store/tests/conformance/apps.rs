//! Applications: created bare, their roles, groups, EVE logins and managers replaced whole, the
//! secret's hash kept apart from what the pages read, a deletion takes everything with it, and
//! the hourly call counts add up across saves. The `apps` counter moves with every change; what
//! the application API keeps (every membership, every open deactivation episode, every counter)
//! reads whole.

use crate::support::*;
use jumpgate_domain::AppId;
use jumpgate_domain::apps::AppRole;
use jumpgate_domain::deactivation::Episode;
use jumpgate_domain::groups::Group;
use jumpgate_store::{StoreError, store_test};

store_test!(
    an_application_keeps_what_it_was_given_until_it_is_deleted,
    |store| async move {
        let before = store.change_counter("apps").await.unwrap();
        let manager = account(&store, 90_000_001, "Manager Pilot").await;
        let group = store.save_group(&Group::new("Pilots")).await.unwrap().id;

        let mut tx = store.transaction().await.unwrap();
        let id = tx.create_app("Pingboard").await.unwrap();
        tx.set_app_roles(id, &[AppRole::Groups, AppRole::App, AppRole::Chars])
            .await
            .unwrap();
        tx.set_app_groups(id, &[group]).await.unwrap();
        tx.set_app_eve_logins(id, &["core.default".to_owned()])
            .await
            .unwrap();
        tx.add_app_manager(id, manager).await.unwrap();
        tx.add_app_manager(id, manager).await.unwrap();
        tx.commit().await.unwrap();
        assert!(store.change_counter("apps").await.unwrap() > before);

        let apps = store.apps().await.unwrap();
        assert_eq!(apps.len(), 1);
        let app = &apps[0];
        assert_eq!((app.id, app.name.as_str()), (id, "Pingboard"));
        assert_eq!(
            app.roles.iter().copied().collect::<Vec<_>>(),
            [AppRole::Groups, AppRole::Chars],
            "'app' is implied, not stored"
        );
        assert_eq!(app.groups.iter().copied().collect::<Vec<_>>(), [group]);
        assert!(app.eve_logins.contains("core.default"));
        assert_eq!(app.managers.iter().copied().collect::<Vec<_>>(), [manager]);
        assert!(!app.has_secret);
        assert!(store.app_secret_hashes().await.unwrap().is_empty());

        let mut tx = store.transaction().await.unwrap();
        tx.set_app_secret_hash(id, "$argon2id$hash").await.unwrap();
        tx.rename_app(id, "Pings").await.unwrap();
        tx.set_app_roles(id, &[]).await.unwrap();
        tx.remove_app_manager(id, manager).await.unwrap();
        tx.commit().await.unwrap();
        let app = &store.apps().await.unwrap()[0];
        assert_eq!(app.name, "Pings");
        assert!(app.has_secret && app.roles.is_empty() && app.managers.is_empty());
        assert_eq!(
            store
                .app_secret_hashes()
                .await
                .unwrap()
                .get(&id)
                .map(String::as_str),
            Some("$argon2id$hash")
        );

        let mut tx = store.transaction().await.unwrap();
        assert!(matches!(
            tx.set_app_groups(id, &[jumpgate_domain::GroupId(424_242)])
                .await,
            Err(StoreError::NotFound(_))
        ));
        drop(tx);
        let mut tx = store.transaction().await.unwrap();
        assert!(matches!(
            tx.set_app_roles(AppId(424_242), &[]).await,
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(
            tx.remove_app_manager(id, manager).await,
            Err(StoreError::NotFound(_))
        ));
        drop(tx);

        store.add_app_requests(&[(id, now(), 3)]).await.unwrap();
        let mut tx = store.transaction().await.unwrap();
        tx.delete_app(id).await.unwrap();
        tx.commit().await.unwrap();
        assert!(store.apps().await.unwrap().is_empty());
        assert!(
            store
                .app_requests(id, now() - secs(3600))
                .await
                .unwrap()
                .is_empty()
        );
        let mut tx = store.transaction().await.unwrap();
        assert!(matches!(
            tx.delete_app(id).await,
            Err(StoreError::NotFound(_))
        ));
    }
);

store_test!(
    call_counts_add_up_per_application_and_hour,
    |store| async move {
        let mut tx = store.transaction().await.unwrap();
        let id = tx.create_app("Counted").await.unwrap();
        tx.commit().await.unwrap();
        let hour = time::macros::datetime!(2026-12-06 10:00 UTC);
        let next = hour + secs(3600);
        store
            .add_app_requests(&[(id, hour, 5), (id, next, 1)])
            .await
            .unwrap();
        store
            .add_app_requests(&[(id, hour, 2), (AppId(424_242), hour, 9)])
            .await
            .unwrap();
        assert_eq!(
            store.app_requests(id, hour).await.unwrap(),
            [(hour, 7), (next, 1)],
            "summed per hour; an application that does not exist is skipped"
        );
        assert_eq!(store.app_requests(id, next).await.unwrap(), [(next, 1)]);
    }
);

store_test!(
    the_application_apis_whole_reads_list_every_membership_episode_and_counter,
    |store| async move {
        let a = account(&store, 90_000_001, "A Pilot").await;
        let b = account(&store, 90_000_002, "B Pilot").await;
        let g1 = store.save_group(&Group::new("One")).await.unwrap().id;
        let g2 = store.save_group(&Group::new("Two")).await.unwrap().id;
        for (group, who) in [(g2, a), (g1, a), (g1, b)] {
            store
                .add_group_member(&manual(group, who, None))
                .await
                .unwrap();
        }
        assert_eq!(
            store.all_group_memberships().await.unwrap(),
            [(a, g1), (a, g2), (b, g1)]
        );

        let before = store.change_counter("deactivations").await.unwrap();
        let episode = Episode {
            since: now(),
            deactivated_at: None,
            mail_sent_at: None,
        };
        store.save_deactivation(b, Some(&episode)).await.unwrap();
        assert_eq!(store.deactivation_episodes().await.unwrap(), [(b, episode)]);
        assert!(store.change_counter("deactivations").await.unwrap() > before);

        let counters = store.all_change_counters().await.unwrap();
        for name in ["apps", "groups", "account_list", "deactivations", "roles"] {
            assert!(counters.contains_key(name), "{name}: {counters:?}");
        }
    }
);
