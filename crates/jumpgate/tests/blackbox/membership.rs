//! "API authentication": the periodic checks that keep access in line with EVE.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::support::TestApp;
use jumpgate_app::Caller;
use jumpgate_app::tokens::RefreshOutcome;
use jumpgate_domain::account::{RemovalReason, TokenStatus};
use jumpgate_domain::states::GUEST;
use jumpgate_domain::{AllianceId, CharacterId};

/// Makes alliance `alliance` the Member state's criterion.
async fn members_are_in(t: &TestApp, alliance: i64) {
    let mut member = t
        .store
        .states()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.name == "Member")
        .expect("Member state is seeded");
    member.criteria.alliances.insert(AllianceId(alliance));
    t.store.save_state(&member).await.unwrap();
}

/// A character in an alliance, and a corporation outside every alliance.
fn member_and_elsewhere(t: &TestApp) -> (i64, i64, i64) {
    let alliance = t.sim.alliances()[0].alliance_id;
    let member = t
        .sim
        .characters()
        .into_iter()
        .find(|c| c.alliance_id == Some(alliance))
        .expect("a character in the first alliance");
    let outside = t
        .sim
        .corporations()
        .into_iter()
        .find(|c| c.alliance_id.is_none() && !c.npc)
        .expect("a corporation without alliance");
    (member.character_id, alliance, outside.corporation_id)
}

on_both_backends!(
    someone_who_leaves_the_alliance_loses_member_at_the_next_sweep,
    |t: TestApp| async move {
        let (character, alliance, outside) = member_and_elsewhere(&t);
        members_are_in(&t, alliance).await;
        t.browser().login_ok(character).await;
        let account = t
            .store
            .character(CharacterId(character))
            .await
            .unwrap()
            .unwrap()
            .account;
        assert_eq!(
            t.store.account(account).await.unwrap().unwrap().state,
            "Member"
        );

        t.sim.move_character(character, outside);
        let summary = t
            .app
            .refresh_affiliations(&Caller::system("refresh-affiliations"))
            .await
            .expect("sweep");
        assert_eq!(summary.changed, 1);
        assert_eq!(
            t.store.account(account).await.unwrap().unwrap().state,
            GUEST
        );
        let changes = t
            .store
            .audit_entries(&jumpgate_store::AuditFilter {
                action_prefix: Some("account.state_changed".into()),
                target: Some(format!("account:{account}")),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(changes[0].details["to"], GUEST);
        assert_eq!(changes[0].actor.to_text(), "system:refresh-affiliations");
    }
);

on_both_backends!(
    the_sweep_asks_esi_in_batches_and_sends_the_required_headers,
    |t: TestApp| async move {
        for c in t.sim.characters().iter().take(3) {
            t.browser().login_ok(c.character_id).await;
        }
        t.sim.clear_requests();
        t.app
            .refresh_affiliations(&Caller::system("refresh-affiliations"))
            .await
            .expect("sweep");
        let requests = t.sim.requests();
        let affiliation: Vec<_> = requests
            .iter()
            .filter(|r| r.path == "/characters/affiliation")
            .collect();
        assert_eq!(affiliation.len(), 1, "three characters fit in one call");
        for r in &requests {
            assert!(
                r.user_agent
                    .as_deref()
                    .unwrap_or("")
                    .contains("tests@jumpgate.invalid"),
                "{r:?}"
            );
            assert_eq!(r.compatibility_date.as_deref(), Some("2026-08-18"), "{r:?}");
            // The simulator refuses a date ESI would refuse (in the future, malformed) with 400.
            assert!(r.status < 400, "{r:?}");
        }
    }
);

on_both_backends!(
    a_biomassed_character_is_removed_and_recorded,
    |t: TestApp| async move {
        let ids = t.characters_of_one_owner(2);
        let b = t.browser();
        b.login_ok(ids[0]).await;
        b.login_ok(ids[1]).await;
        let account = t
            .store
            .character(CharacterId(ids[1]))
            .await
            .unwrap()
            .unwrap()
            .account;
        t.sim.biomass_character(ids[1]);
        let summary = t
            .app
            .refresh_affiliations(&Caller::system("refresh-affiliations"))
            .await
            .expect("sweep");
        assert_eq!(summary.biomassed, 1);
        assert!(
            t.store
                .character(CharacterId(ids[1]))
                .await
                .unwrap()
                .is_none()
        );
        let history = t.store.removed_characters(Some(account), 10).await.unwrap();
        assert_eq!(history[0].reason, RemovalReason::Biomassed);
    }
);

on_both_backends!(
    esi_failures_during_a_sweep_change_nothing,
    |t: TestApp| async move {
        let (character, alliance, outside) = member_and_elsewhere(&t);
        members_are_in(&t, alliance).await;
        t.browser().login_ok(character).await;
        let account = t
            .store
            .character(CharacterId(character))
            .await
            .unwrap()
            .unwrap()
            .account;
        t.sim.move_character(character, outside);

        t.sim.set_garbage(Some("/characters/affiliation".into()));
        assert!(
            t.app
                .refresh_affiliations(&Caller::system("refresh-affiliations"))
                .await
                .is_err(),
            "garbage JSON is an error"
        );
        t.sim.set_garbage(None);
        t.sim.set_downtime(true);
        assert!(
            t.app
                .refresh_affiliations(&Caller::system("refresh-affiliations"))
                .await
                .is_err(),
            "downtime is an error"
        );
        t.sim.set_downtime(false);

        assert_eq!(
            t.store.account(account).await.unwrap().unwrap().state,
            "Member",
            "nothing changed"
        );
        assert_eq!(
            t.store
                .character(CharacterId(character))
                .await
                .unwrap()
                .unwrap()
                .alliance,
            Some(AllianceId(alliance))
        );
    }
);

on_both_backends!(
    a_token_revoked_in_eve_is_marked_invalid_but_kept,
    |t: TestApp| async move {
        let id = t.sim.characters()[0].character_id;
        t.browser().login_ok(id).await;
        t.sim.revoke_tokens(id);
        let token = t
            .store
            .token(CharacterId(id), "core.default")
            .await
            .unwrap()
            .unwrap();
        let outcome = t
            .app
            .refresh_token(&Caller::system("check-tokens"), &token, true)
            .await
            .unwrap();
        assert_eq!(outcome, RefreshOutcome::Invalidated);
        let token = t
            .store
            .token(CharacterId(id), "core.default")
            .await
            .unwrap()
            .expect("kept for audit");
        assert_eq!(token.status, TokenStatus::Invalid);
    }
);

on_both_backends!(
    a_refresh_answered_for_another_character_is_not_stored,
    |t: TestApp| async move {
        // Two characters of one EVE account: the owner hash in the answer matches, only the
        // character differs.
        let ids = t.characters_of_one_owner(2);
        t.browser().login_ok(ids[0]).await;
        let account = t.account_of(ids[0]).await;
        let before = t
            .store
            .token(CharacterId(ids[0]), "core.default")
            .await
            .unwrap()
            .unwrap();

        t.sim.set_refresh_answers_for(Some(ids[1]));
        let outcome = t
            .app
            .refresh_token(&Caller::system("check-tokens"), &before, true)
            .await
            .unwrap();
        assert_eq!(outcome, RefreshOutcome::Invalidated);

        let after = t
            .store
            .token(CharacterId(ids[0]), "core.default")
            .await
            .unwrap()
            .expect("kept for audit");
        assert_eq!(after.status, TokenStatus::Invalid);
        assert!(
            after
                .status_reason
                .as_deref()
                .is_some_and(|r| r.contains("another character")),
            "{:?}",
            after.status_reason
        );
        assert_eq!(after.access_token, before.access_token, "nothing stored");
        assert_eq!(after.refresh_token, before.refresh_token);
        assert_eq!(after.expires_at, before.expires_at);
        assert_eq!(after.scopes, before.scopes);
        assert_eq!(after.owner_hash, before.owner_hash);
        // The character stays where it was; the other one did not come in through it.
        assert_eq!(t.account_of(ids[0]).await, account);
        assert!(
            t.store
                .character(CharacterId(ids[1]))
                .await
                .unwrap()
                .is_none()
        );
    }
);

on_both_backends!(
    a_refresh_rotates_the_refresh_token,
    |t: TestApp| async move {
        let id = t.sim.characters()[0].character_id;
        t.browser().login_ok(id).await;
        let before = t
            .store
            .token(CharacterId(id), "core.default")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            t.app
                .refresh_token(&Caller::system("check-tokens"), &before, true)
                .await
                .unwrap(),
            RefreshOutcome::Refreshed
        );
        let after = t
            .store
            .token(CharacterId(id), "core.default")
            .await
            .unwrap()
            .unwrap();
        assert_ne!(
            after.refresh_token, before.refresh_token,
            "the rotated refresh token is stored"
        );
        // And the new one works again.
        assert_eq!(
            t.app
                .refresh_token(&Caller::system("check-tokens"), &after, true)
                .await
                .unwrap(),
            RefreshOutcome::Refreshed
        );
    }
);
