//! Groups: saved with their permissions, managed by accounts and by the members of other
//! groups, joined and left with how each membership came to be, applied to once at a time,
//! and granting their permissions to their members through the one grants query.

use crate::support::*;
use jumpgate_domain::groups::{ApplicationStatus, Group, GroupRules, MembershipSource, Visibility};
use jumpgate_domain::{AllianceId, CorporationId, GroupApplicationId, GroupId};
use jumpgate_store::{
    ApplicationDecision, ApplicationFilter, NewMembership, SessionRecord, StoreError, store_test,
};

use crate::support::permissions_of as held;

/// Written by the store's clock a moment ago.
fn recent(at: time::OffsetDateTime) -> bool {
    (now() - at).abs() < secs(60)
}

store_test!(
    groups_are_saved_with_their_permissions_listed_by_name_and_deleted,
    |store| async move {
        let mut fc = Group::new("fleet commanders");
        fc.description = "Lead fleets".to_owned();
        fc.visibility = Visibility::Public;
        fc.auto_accept = true;
        fc.permissions = ["standings.approve".to_owned()].into();
        let fc = store.save_group(&fc).await.unwrap();
        assert_ne!(fc.id, GroupId::UNSAVED);
        let capitals = store.save_group(&Group::new("Capitals")).await.unwrap();

        let groups = store.groups().await.unwrap();
        let names: Vec<_> = groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(
            names,
            ["Capitals", "fleet commanders"],
            "by name ignoring case"
        );
        assert_eq!(groups[1], fc);
        assert_eq!(groups[0].visibility, Visibility::Private);

        let renamed = Group {
            name: "Fleet Commanders".to_owned(),
            permissions: ["standings.request".to_owned()].into(),
            ..fc.clone()
        };
        store.save_group(&renamed).await.unwrap();
        assert_eq!(store.group(fc.id).await.unwrap(), Some(renamed));

        let taken = store.save_group(&Group::new("CAPITALS")).await;
        assert!(
            matches!(&taken, Err(StoreError::Conflict(m)) if m.contains("'CAPITALS' already exists")),
            "{taken:?}"
        );
        store.delete_group(capitals.id).await.unwrap();
        assert_eq!(store.group(capitals.id).await.unwrap(), None);
        assert!(matches!(
            store.delete_group(capitals.id).await,
            Err(StoreError::NotFound(_))
        ));
    }
);

store_test!(
    a_groups_rules_are_saved_whole_and_go_with_the_groups_they_name,
    |store| async move {
        let capitals = store.save_group(&Group::new("Capitals")).await.unwrap();
        let newbros = store.save_group(&Group::new("Newbros")).await.unwrap();
        let mut fc = Group::new("FC");
        fc.rules = GroupRules {
            default: true,
            corporations: [CorporationId(98_000_001)].into(),
            alliances: [AllianceId(99_000_001), AllianceId(99_000_002)].into(),
            required: [capitals.id].into(),
            forbidden: [newbros.id].into(),
            states: ["Member".to_owned()].into(),
        };
        let fc = store.save_group(&fc).await.unwrap();
        assert_eq!(store.group(fc.id).await.unwrap(), Some(fc.clone()));

        // Saved whole: what is left out is gone.
        let fewer = Group {
            rules: GroupRules {
                alliances: [AllianceId(99_000_002)].into(),
                ..GroupRules::default()
            },
            ..fc.clone()
        };
        store.save_group(&fewer).await.unwrap();
        assert_eq!(store.group(fc.id).await.unwrap(), Some(fewer.clone()));

        // A rule naming a group that does not exist changes nothing.
        let dangling = Group {
            rules: GroupRules {
                required: [GroupId(999_999)].into(),
                ..GroupRules::default()
            },
            ..fewer.clone()
        };
        assert!(matches!(
            store.save_group(&dangling).await,
            Err(StoreError::NotFound(_))
        ));
        assert_eq!(store.group(fc.id).await.unwrap(), Some(fewer.clone()));

        // Deleting a group takes the rules that name it.
        let mut named = fewer.clone();
        named.rules.forbidden = [newbros.id].into();
        store.save_group(&named).await.unwrap();
        store.delete_group(newbros.id).await.unwrap();
        assert!(
            store
                .group(fc.id)
                .await
                .unwrap()
                .unwrap()
                .rules
                .forbidden
                .is_empty()
        );
    }
);

store_test!(
    the_groups_counter_moves_with_every_group_table,
    |store| async move {
        let version = || {
            let store = store.clone();
            async move { store.change_counter("groups").await.unwrap() }
        };
        let v0 = version().await;
        let mut fc = store.save_group(&Group::new("FC")).await.unwrap();
        let v1 = version().await;
        assert!(v1 > v0, "a new group moves it");
        fc.rules.default = true;
        fc.permissions = ["standings.approve".to_owned()].into();
        store.save_group(&fc).await.unwrap();
        let v2 = version().await;
        assert!(v2 > v1, "its permissions and rules move it");
        let pilot = account(&store, 1, "Pilot").await;
        store.add_group_manager(fc.id, pilot).await.unwrap();
        let v3 = version().await;
        assert!(v3 > v2, "a manager moves it");
        store
            .add_group_member(&manual(fc.id, pilot, None))
            .await
            .unwrap();
        let v4 = version().await;
        assert!(v4 > v3, "a membership moves it");
        store
            .create_group_application(fc.id, pilot, "")
            .await
            .unwrap();
        let v5 = version().await;
        assert!(v5 > v4, "an application moves it");
        store.delete_group(fc.id).await.unwrap();
        assert!(version().await > v5, "a deletion moves it");
    }
);

store_test!(
    a_group_is_managed_by_its_managers_and_by_the_members_of_its_manager_groups,
    |store| async move {
        let fc = store.save_group(&Group::new("FC")).await.unwrap();
        let head_fc = store.save_group(&Group::new("Head FC")).await.unwrap();
        let (direct, lead, other) = (
            account(&store, 1, "Direct").await,
            account(&store, 2, "Lead").await,
            account(&store, 3, "Other").await,
        );
        assert!(store.add_group_manager(fc.id, direct).await.unwrap());
        assert!(
            !store.add_group_manager(fc.id, direct).await.unwrap(),
            "once"
        );
        assert!(store.add_manager_group(fc.id, head_fc.id).await.unwrap());
        store
            .add_group_member(&manual(head_fc.id, lead, None))
            .await
            .unwrap();

        assert!(store.manages_group(direct, fc.id).await.unwrap());
        assert!(store.manages_group(lead, fc.id).await.unwrap());
        assert!(!store.manages_group(other, fc.id).await.unwrap());
        assert!(
            !store.manages_group(lead, head_fc.id).await.unwrap(),
            "not upwards"
        );
        let saved = store.group(fc.id).await.unwrap().unwrap();
        assert_eq!(saved.managers, [direct].into());
        assert_eq!(saved.manager_groups, [head_fc.id].into());

        assert!(matches!(
            store.add_group_manager(GroupId(999_999), direct).await,
            Err(StoreError::NotFound(_))
        ));
        assert!(store.remove_group_manager(fc.id, direct).await.unwrap());
        assert!(!store.remove_group_manager(fc.id, direct).await.unwrap());
        assert!(store.remove_manager_group(fc.id, head_fc.id).await.unwrap());
        assert!(!store.manages_group(lead, fc.id).await.unwrap());
        // Deleting the leading group takes its link with it.
        store.add_manager_group(fc.id, head_fc.id).await.unwrap();
        store.delete_group(head_fc.id).await.unwrap();
        let saved = store.group(fc.id).await.unwrap().unwrap();
        assert!(saved.manager_groups.is_empty());
    }
);

store_test!(
    members_join_once_with_how_they_came_and_leave_with_what_they_were,
    |store| async move {
        let fc = store.save_group(&Group::new("FC")).await.unwrap();
        let (admin, zed, anna) = (
            account(&store, 1, "Admin").await,
            account(&store, 2, "zed").await,
            account(&store, 3, "Anna").await,
        );
        assert!(
            store
                .add_group_member(&manual(fc.id, zed, Some(admin)))
                .await
                .unwrap()
        );
        let by_application = NewMembership {
            source: MembershipSource::Application,
            source_ref: Some("7".to_owned()),
            ..manual(fc.id, anna, Some(admin))
        };
        assert!(store.add_group_member(&by_application).await.unwrap());
        assert!(
            !store
                .add_group_member(&manual(fc.id, anna, None))
                .await
                .unwrap(),
            "already a member: the first membership stays"
        );

        let members = store.group_members(fc.id).await.unwrap();
        let names: Vec<_> = members
            .iter()
            .map(|m| m.main.as_ref().unwrap().1.as_str())
            .collect();
        assert_eq!(names, ["Anna", "zed"], "by main name ignoring case");
        assert_eq!(members[0].membership.source, MembershipSource::Application);
        assert_eq!(members[0].membership.source_ref.as_deref(), Some("7"));
        assert_eq!(members[0].membership.added_by, Some(admin));
        assert!(recent(members[0].membership.added_at));

        let groups = store.account_groups(anna).await.unwrap();
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].group, fc.id);
        let empty = store.save_group(&Group::new("Empty")).await.unwrap();
        let sizes = store.group_sizes().await.unwrap();
        assert_eq!(sizes.get(&fc.id), Some(&2));
        assert_eq!(sizes.get(&empty.id), None, "a group without members");

        let removed = store.remove_group_member(fc.id, anna).await.unwrap();
        assert_eq!(
            removed.map(|m| m.source),
            Some(MembershipSource::Application)
        );
        assert_eq!(store.remove_group_member(fc.id, anna).await.unwrap(), None);
        // Read again after the removal (SQLite kept both until that commit, ADR 0034).
        assert_eq!(store.group_members(fc.id).await.unwrap().len(), 1);
        assert_eq!(store.group_sizes().await.unwrap().get(&fc.id), Some(&1));
        // What the rules gave goes when they no longer give it; a membership made by hand
        // meanwhile stays.
        let given = NewMembership {
            source: MembershipSource::Automatic,
            source_ref: Some("default".to_owned()),
            ..manual(fc.id, anna, None)
        };
        store.add_group_member(&given).await.unwrap();
        let mut tx = store.transaction().await.unwrap();
        let ended = tx.remove_rule_given_member(fc.id, anna).await.unwrap();
        assert_eq!(ended.map(|m| m.source), Some(MembershipSource::Automatic));
        assert_eq!(tx.remove_rule_given_member(fc.id, zed).await.unwrap(), None);
        tx.commit().await.unwrap();
        assert_eq!(
            store.account_groups(zed).await.unwrap().len(),
            1,
            "by hand: stays"
        );
        assert!(store.account_groups(anna).await.unwrap().is_empty());
        assert!(matches!(
            store
                .add_group_member(&manual(GroupId(999_999), anna, None))
                .await,
            Err(StoreError::NotFound(_))
        ));
        // A group's deletion ends its memberships.
        store.delete_group(fc.id).await.unwrap();
        assert!(store.account_groups(zed).await.unwrap().is_empty());
    }
);

store_test!(
    one_application_per_account_and_group_is_pending_and_it_is_decided_once,
    |store| async move {
        let fc = store.save_group(&Group::new("FC")).await.unwrap();
        let (manager, pilot) = (
            account(&store, 1, "Manager").await,
            account(&store, 2, "Pilot").await,
        );
        let applied = store
            .create_group_application(fc.id, pilot, "I fly logi")
            .await
            .unwrap();
        assert_eq!(applied.status, ApplicationStatus::Pending);
        assert_eq!(applied.message, "I fly logi");
        assert!(recent(applied.created_at));
        let again = store.create_group_application(fc.id, pilot, "").await;
        assert!(
            matches!(&again, Err(StoreError::Conflict(m)) if m.contains("already pending")),
            "{again:?}"
        );

        let denied = store
            .decide_group_application(
                applied.id,
                &ApplicationDecision::Deny {
                    by: manager,
                    reason: "not in the corp".to_owned(),
                },
            )
            .await
            .unwrap();
        assert_eq!(denied.status, ApplicationStatus::Denied);
        assert_eq!(denied.decided_by, Some(manager));
        assert_eq!(denied.decision_reason.as_deref(), Some("not in the corp"));
        assert!(denied.decided_at.is_some_and(recent));
        let twice = store
            .decide_group_application(
                applied.id,
                &ApplicationDecision::Accept {
                    by: Some(manager),
                    note: None,
                },
            )
            .await;
        assert!(
            matches!(&twice, Err(StoreError::Invalid(m)) if m.contains("already denied")),
            "{twice:?}"
        );
        assert_eq!(
            store.group_application(applied.id).await.unwrap(),
            Some(denied),
            "left as it was"
        );
        assert!(matches!(
            store
                .decide_group_application(
                    GroupApplicationId(999_999),
                    &ApplicationDecision::Cancel { by: pilot }
                )
                .await,
            Err(StoreError::NotFound(_))
        ));

        // Once decided, the account may apply again.
        let second = store
            .create_group_application(fc.id, pilot, "")
            .await
            .unwrap();
        let pending = store
            .group_applications(&ApplicationFilter {
                group: Some(fc.id),
                pending_only: true,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(pending, vec![second.clone()]);
        let all = store
            .group_applications(&ApplicationFilter {
                account: Some(pilot),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].id, second.id, "newest first");
        let cancelled = store
            .decide_group_application(second.id, &ApplicationDecision::Cancel { by: pilot })
            .await
            .unwrap();
        assert_eq!(cancelled.status, ApplicationStatus::Cancelled);
        assert_eq!(cancelled.decision_reason, None);
    }
);

store_test!(
    a_groups_permissions_are_its_members_grants_and_end_with_the_membership,
    |store| async move {
        let pilot = account(&store, 1, "Pilot").await;
        let mut approvers = Group::new("Approvers");
        approvers.permissions = ["standings.approve".to_owned()].into();
        let approvers = store.save_group(&approvers).await.unwrap();
        assert!(!held(&store, pilot).await.contains("standings.approve"));

        store
            .add_group_member(&manual(approvers.id, pilot, None))
            .await
            .unwrap();
        assert!(held(&store, pilot).await.contains("standings.approve"));
        // A session's grants are read by the same query.
        store
            .save_session(&SessionRecord {
                id: "live".to_owned(),
                account: Some(pilot),
                data: "{}".to_owned(),
                expires_at: now() + secs(3600),
            })
            .await
            .unwrap();
        let session = store
            .load_session_with_grants("live", now())
            .await
            .unwrap()
            .unwrap();
        assert!(
            session
                .access
                .unwrap()
                .permissions
                .contains("standings.approve")
        );

        store
            .remove_group_member(approvers.id, pilot)
            .await
            .unwrap();
        assert!(!held(&store, pilot).await.contains("standings.approve"));
    }
);

store_test!(
    an_account_left_without_characters_leaves_its_groups_manager_seats_and_applications,
    |store| async move {
        let (emptied, main) = store.create_account(&character(1, "Seller")).await.unwrap();
        let keeper = account(&store, 2, "Keeper").await;
        let mut approvers = Group::new("Approvers");
        approvers.permissions = ["standings.approve".to_owned()].into();
        let approvers = store.save_group(&approvers).await.unwrap();
        let scouts = store.save_group(&Group::new("Scouts")).await.unwrap();
        for account in [emptied.id, keeper] {
            store
                .add_group_member(&manual(approvers.id, account, None))
                .await
                .unwrap();
            store.add_group_manager(scouts.id, account).await.unwrap();
            store
                .create_group_application(scouts.id, account, "")
                .await
                .unwrap();
        }
        store
            .move_character(
                main.id,
                keeper,
                jumpgate_domain::account::RemovalReason::Moved,
                None,
            )
            .await
            .unwrap();

        let mut tx = store.transaction().await.unwrap();
        assert!(tx.strip_if_empty(emptied.id).await.unwrap());
        tx.commit().await.unwrap();

        assert!(store.account_groups(emptied.id).await.unwrap().is_empty());
        assert!(!held(&store, emptied.id).await.contains("standings.approve"));
        assert!(!store.manages_group(emptied.id, scouts.id).await.unwrap());
        let applications = store
            .group_applications(&ApplicationFilter {
                account: Some(emptied.id),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(applications[0].status, ApplicationStatus::Cancelled);
        // The account that still has characters keeps everything.
        assert_eq!(store.account_groups(keeper).await.unwrap().len(), 1);
        assert!(store.manages_group(keeper, scouts.id).await.unwrap());
        let pending = ApplicationFilter {
            account: Some(keeper),
            pending_only: true,
            ..Default::default()
        };
        assert_eq!(store.group_applications(&pending).await.unwrap().len(), 1);
    }
);

store_test!(
    a_conditioned_groups_conditions_are_saved_with_it_and_replaced_as_a_whole,
    |store| async move {
        let fc = store.save_group(&Group::new("FC")).await.unwrap();
        let mut blues = Group::new("Blues");
        blues.visibility = Visibility::Conditioned;
        blues.rules.states = ["Member".to_owned()].into();
        blues.conditions = jumpgate_domain::groups::GroupConditions {
            states: ["Member".to_owned(), "Blue".to_owned()].into(),
            corporations: [CorporationId(98_000_001)].into(),
            alliances: [AllianceId(99_000_001)].into(),
            groups: [fc.id].into(),
        };
        let saved = store.save_group(&blues).await.unwrap();
        let read = store.group(saved.id).await.unwrap().unwrap();
        assert_eq!(read.visibility, Visibility::Conditioned);
        assert_eq!(read.conditions, blues.conditions);
        assert_eq!(read.rules.states, blues.rules.states);

        let mut fewer = read.clone();
        fewer.conditions.groups.clear();
        fewer.conditions.states = ["Member".to_owned()].into();
        store.save_group(&fewer).await.unwrap();
        let read = store.group(saved.id).await.unwrap().unwrap();
        assert_eq!(read.conditions, fewer.conditions);
        // Deleting a group a condition names takes that condition only.
        let mut again = read.clone();
        again.conditions.groups = [fc.id].into();
        store.save_group(&again).await.unwrap();
        store.delete_group(fc.id).await.unwrap();
        let read = store.group(saved.id).await.unwrap().unwrap();
        assert_eq!(read.conditions, fewer.conditions);
    }
);
