//! Managed accounts and soft deactivation (ADR 0029): an account's status; its deactivation
//! episode written whole and ended; a deactivated account's groups leaving the grants while
//! they are kept; the accounts a pass judges; an episode's mail claimed once; and the
//! administrators' search of accounts by corporation and by group.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::support::*;
use jumpgate_domain::account::{AccountStatus, TokenStatus};
use jumpgate_domain::deactivation::Episode;
use jumpgate_domain::groups::Group;
use jumpgate_domain::{AccountId, CharacterId, CorporationId};
use jumpgate_store::{NewCharacter, Store, store_test};

async fn status(store: &Store, a: AccountId) -> AccountStatus {
    store.account(a).await.unwrap().unwrap().status
}

fn episode(since: time::OffsetDateTime, deactivated_at: Option<time::OffsetDateTime>) -> Episode {
    Episode {
        since,
        deactivated_at,
        mail_sent_at: None,
    }
}

store_test!(
    an_account_is_standard_until_made_managed_and_back,
    |store| async move {
        let a = account(&store, 2_112_100_001, "Managed Pilot").await;
        assert_eq!(status(&store, a).await, AccountStatus::Standard);
        store
            .set_account_status(a, AccountStatus::Managed)
            .await
            .unwrap();
        assert_eq!(status(&store, a).await, AccountStatus::Managed);
        let mut tx = store.transaction().await.unwrap();
        tx.set_account_status(a, AccountStatus::Standard)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(status(&store, a).await, AccountStatus::Standard);
        assert!(
            store
                .set_account_status(AccountId(999_999), AccountStatus::Managed)
                .await
                .is_err(),
            "no such account"
        );
    }
);

store_test!(
    an_episode_is_written_whole_read_back_and_ended,
    |store| async move {
        let a = account(&store, 2_112_100_011, "Lost Token").await;
        assert_eq!(store.deactivation(a).await.unwrap(), None);
        let since = now() - secs(3600);
        store
            .save_deactivation(a, Some(&episode(since, None)))
            .await
            .unwrap();
        assert_eq!(
            store.deactivation(a).await.unwrap(),
            Some(episode(since, None))
        );
        let off = now();
        store
            .save_deactivation(a, Some(&episode(since, Some(off))))
            .await
            .unwrap();
        assert_eq!(
            store.deactivation(a).await.unwrap(),
            Some(episode(since, Some(off)))
        );
        // The account pages' one read carries it too.
        let page = store.account_with_characters(a).await.unwrap().unwrap();
        assert_eq!(page.deactivation, Some(episode(since, Some(off))));
        assert_eq!(page.characters.len(), 1);
        store.save_deactivation(a, None).await.unwrap();
        assert_eq!(store.deactivation(a).await.unwrap(), None);
        let page = store.account_with_characters(a).await.unwrap().unwrap();
        assert_eq!(page.deactivation, None);
        assert!(
            store
                .save_deactivation(AccountId(999_999), Some(&episode(since, None)))
                .await
                .is_err(),
            "no episode for an account that does not exist"
        );
    }
);

store_test!(
    a_deactivated_accounts_groups_grant_nothing_but_are_kept_and_count_again_when_it_ends,
    |store| async move {
        let a = account(&store, 2_112_100_021, "Fleet Member").await;
        let mut fc = Group::new("Fleet commanders");
        fc.permissions = ["standings.approve".to_owned()].into();
        let fc = store.save_group(&fc).await.unwrap();
        store
            .add_group_member(&manual(fc.id, a, None))
            .await
            .unwrap();
        store.grant_permission(a, "standings.audit").await.unwrap();
        assert!(
            permissions_of(&store, a)
                .await
                .contains("standings.approve")
        );

        // Pending: the groups still count.
        store
            .save_deactivation(a, Some(&episode(now(), None)))
            .await
            .unwrap();
        assert!(
            permissions_of(&store, a)
                .await
                .contains("standings.approve")
        );

        // Deactivated: the group's permission goes, what was granted directly stays, and the
        // membership is kept.
        store
            .save_deactivation(a, Some(&episode(now(), Some(now()))))
            .await
            .unwrap();
        let held = permissions_of(&store, a).await;
        assert!(!held.contains("standings.approve"), "{held:?}");
        assert!(held.contains("standings.audit"));
        assert_eq!(store.account_groups(a).await.unwrap().len(), 1);

        store.save_deactivation(a, None).await.unwrap();
        assert!(
            permissions_of(&store, a)
                .await
                .contains("standings.approve")
        );
    }
);

store_test!(
    a_pass_judges_the_accounts_with_an_episode_or_a_missing_or_dead_token,
    |store| async move {
        let login = "core.default";
        let fine = account(&store, 2_112_100_031, "All Fine").await;
        store
            .upsert_token(&token(CharacterId(2_112_100_031), login, now() + secs(600)))
            .await
            .unwrap();
        let dead = account(&store, 2_112_100_032, "Dead Token").await;
        let t = store
            .upsert_token(&token(CharacterId(2_112_100_032), login, now() + secs(600)))
            .await
            .unwrap();
        store
            .set_token_status(t.id, TokenStatus::Invalid, Some("invalid_grant"))
            .await
            .unwrap();
        let missing = account(&store, 2_112_100_033, "No Token").await;
        // A token of another login does not stand in for the login token.
        store
            .upsert_token(&token(CharacterId(2_112_100_033), "standings.sync", now()))
            .await
            .unwrap();
        let open = account(&store, 2_112_100_034, "Open Episode").await;
        store
            .upsert_token(&token(CharacterId(2_112_100_034), login, now() + secs(600)))
            .await
            .unwrap();
        store
            .save_deactivation(open, Some(&episode(now(), None)))
            .await
            .unwrap();

        let judged = store.deactivation_candidates(Some(login)).await.unwrap();
        assert_eq!(judged, [dead, missing, open]);
        assert!(!judged.contains(&fine));
        // While the rule is off only episodes are judged (to end them).
        assert_eq!(store.deactivation_candidates(None).await.unwrap(), [open]);
    }
);

store_test!(
    an_episodes_mail_is_claimed_once_given_back_on_failure_and_kept_by_later_judgements,
    |store| async move {
        let a = account(&store, 2_112_100_041, "Mail Me").await;
        let b = account(&store, 2_112_100_042, "Told Already").await;
        assert!(store.deactivation_mails_due().await.unwrap().is_empty());
        assert!(
            !store.claim_deactivation_mail(a, now()).await.unwrap(),
            "no episode, no mail"
        );
        store
            .save_deactivation(a, Some(&episode(now(), None)))
            .await
            .unwrap();
        store
            .save_deactivation(b, Some(&episode(now(), None)))
            .await
            .unwrap();
        assert_eq!(store.deactivation_mails_due().await.unwrap(), [a, b]);

        let at = now();
        assert!(store.claim_deactivation_mail(b, at).await.unwrap());
        assert!(
            !store.claim_deactivation_mail(b, now()).await.unwrap(),
            "claimed once"
        );
        assert_eq!(store.deactivation_mails_due().await.unwrap(), [a]);
        // A judgement written later (read before the mail went) keeps the mark.
        store
            .save_deactivation(b, Some(&episode(at - secs(60), Some(now()))))
            .await
            .unwrap();
        assert_eq!(
            store.deactivation(b).await.unwrap().unwrap().mail_sent_at,
            Some(at)
        );

        // A failed mail is given back; a claim made since is not undone by an old release.
        let claimed = now();
        assert!(store.claim_deactivation_mail(a, claimed).await.unwrap());
        store.release_deactivation_mail(a, claimed).await.unwrap();
        assert_eq!(store.deactivation_mails_due().await.unwrap(), [a]);
        store
            .release_deactivation_mail(b, claimed - secs(1))
            .await
            .unwrap();
        assert!(!store.deactivation_mails_due().await.unwrap().contains(&b));

        // A new episode after the end starts without a mail.
        store.save_deactivation(b, None).await.unwrap();
        store
            .save_deactivation(b, Some(&episode(now(), None)))
            .await
            .unwrap();
        assert!(store.deactivation_mails_due().await.unwrap().contains(&b));
    }
);

store_test!(
    accounts_are_found_by_a_corporation_of_any_character_and_by_group,
    |store| async move {
        const OTHER: CorporationId = CorporationId(98_000_777);
        let main_elsewhere = account(&store, 2_112_100_051, "Zed Main").await;
        let alt = NewCharacter {
            corporation: OTHER,
            alliance: None,
            ..character(2_112_100_052, "Alt In Other")
        };
        store.add_character(main_elsewhere, &alt).await.unwrap();
        let in_other = store
            .create_account(&NewCharacter {
                corporation: OTHER,
                alliance: None,
                ..character(2_112_100_053, "Able Main")
            })
            .await
            .unwrap()
            .0
            .id;
        let unrelated = account(&store, 2_112_100_054, "Unrelated").await;

        let found: Vec<AccountId> = store
            .accounts_in_corporation(OTHER, 10)
            .await
            .unwrap()
            .iter()
            .map(|a| a.id)
            .collect();
        assert_eq!(
            found,
            [in_other, main_elsewhere],
            "by main name, alts count"
        );
        assert_eq!(
            store.accounts_in_corporation(OTHER, 1).await.unwrap().len(),
            1
        );

        let group = store.save_group(&Group::new("Scouts")).await.unwrap();
        for a in [unrelated, in_other] {
            store
                .add_group_member(&manual(group.id, a, None))
                .await
                .unwrap();
        }
        let members = store.accounts_in_group(group.id, 10).await.unwrap();
        let names: Vec<_> = members
            .iter()
            .map(|a| a.main_name.clone().unwrap())
            .collect();
        assert_eq!(names, ["Able Main", "Unrelated"]);
        assert_eq!(members[0].character_count, 1);
    }
);
