//! Accounts and characters, end to end over HTTP through the simulated EVE SSO.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::support::{TestApp, location, urlencode};
use jumpgate_app::Caller;
use jumpgate_domain::account::RemovalReason;
use jumpgate_domain::{AccountId, CharacterId};
use jumpgate_store::AuditFilter;
use reqwest::StatusCode;

on_both_backends!(
    first_login_creates_an_account_with_that_character_as_main,
    |t: TestApp| async move {
        let [main, ..] = t.characters_of_one_owner(1)[..] else {
            unreachable!()
        };
        let browser = t.browser();
        browser.login_ok(main).await;

        let c = t
            .store
            .character(CharacterId(main))
            .await
            .unwrap()
            .expect("character stored");
        let account = t.store.account(c.account).await.unwrap().expect("account");
        assert_eq!(account.main_character, Some(CharacterId(main)));
        assert!(
            account.superuser,
            "the demo's first login becomes superuser"
        );

        let (status, page) = browser.get_text("/account").await;
        assert_eq!(status, StatusCode::OK);
        let name = t.sim.character(main).unwrap().name;
        assert!(page.contains(&name), "account page names the character");
        assert!(
            page.contains("Token valid"),
            "account page shows the token state"
        );
        assert!(
            page.contains("/characters/"),
            "account page shows portraits"
        );
    }
);

on_both_backends!(
    only_the_first_demo_login_becomes_superuser,
    |t: TestApp| async move {
        let chars = t.sim.characters();
        t.browser().login_ok(chars[0].character_id).await;
        t.browser().login_ok(chars[300].character_id).await;
        let second = t
            .store
            .character(CharacterId(chars[300].character_id))
            .await
            .unwrap()
            .unwrap();
        assert!(
            !t.store
                .account(second.account)
                .await
                .unwrap()
                .unwrap()
                .superuser
        );
    }
);

on_both_backends!(
    logging_in_while_signed_in_adds_an_alt,
    |t: TestApp| async move {
        let ids = t.characters_of_one_owner(2);
        let browser = t.browser();
        browser.login_ok(ids[0]).await;
        browser.login_ok(ids[1]).await;

        let main = t
            .store
            .character(CharacterId(ids[0]))
            .await
            .unwrap()
            .unwrap();
        let alt = t
            .store
            .character(CharacterId(ids[1]))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(main.account, alt.account);
        assert_eq!(t.store.count_accounts().await.unwrap(), 1);
        let (_, page) = browser.get_text("/account").await;
        assert!(page.contains(&main.name) && page.contains(&alt.name));
    }
);

on_both_backends!(the_main_can_be_switched, |t: TestApp| async move {
    let ids = t.characters_of_one_owner(2);
    let browser = t.browser();
    browser.login_ok(ids[0]).await;
    browser.login_ok(ids[1]).await;

    let r = browser
        .post_form("/account/main", &[("character_id", &ids[1].to_string())])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let acc = t.account_of(ids[1]).await;
    assert_eq!(
        t.store.account(acc).await.unwrap().unwrap().main_character,
        Some(CharacterId(ids[1]))
    );
});

on_both_backends!(
    an_alt_can_be_removed_but_not_the_main,
    |t: TestApp| async move {
        let ids = t.characters_of_one_owner(2);
        let browser = t.browser();
        browser.login_ok(ids[0]).await;
        browser.login_ok(ids[1]).await;
        let account = t.account_of(ids[0]).await;

        let r = browser
            .post_form(&format!("/account/characters/{}/remove", ids[0]), &[])
            .await;
        assert_eq!(
            r.status(),
            StatusCode::BAD_REQUEST,
            "the main cannot be removed"
        );
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("make another character main first")
        );

        let r = browser
            .post_form(&format!("/account/characters/{}/remove", ids[1]), &[])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert!(
            t.store
                .character(CharacterId(ids[1]))
                .await
                .unwrap()
                .is_none()
        );
        let history = t.store.removed_characters(Some(account), 10).await.unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].reason, RemovalReason::RemovedByOwner);
    }
);

on_both_backends!(
    nobody_can_touch_a_character_of_another_account,
    |t: TestApp| async move {
        let chars = t.sim.characters();
        let (mine, theirs) = (chars[0].character_id, chars[400].character_id);
        let me = t.browser();
        me.login_ok(mine).await;
        t.browser().login_ok(theirs).await;

        let r = me
            .post_form(&format!("/account/characters/{theirs}/remove"), &[])
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = me
            .post_form("/account/main", &[("character_id", &theirs.to_string())])
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert!(
            t.store
                .character(CharacterId(theirs))
                .await
                .unwrap()
                .is_some()
        );
    }
);

on_both_backends!(
    a_character_of_another_account_moves_when_logged_in_and_is_recorded,
    |t: TestApp| async move {
        let ids = t.characters_of_one_owner(2);
        let first = t.browser();
        first.login_ok(ids[0]).await;
        let second = t.browser();
        second.login_ok(ids[1]).await;
        let from = t.account_of(ids[1]).await;

        // Signed in as ids[0], log in with ids[1]: it moves here.
        first.login_ok(ids[1]).await;
        let to = t.account_of(ids[0]).await;
        assert_eq!(t.account_of(ids[1]).await, to);
        let history = t.store.removed_characters(Some(from), 10).await.unwrap();
        assert_eq!(history[0].reason, RemovalReason::Moved);
        assert_eq!(history[0].to_account, Some(to));
    }
);

on_both_backends!(
    an_account_whose_last_character_leaves_keeps_no_permission_and_no_session,
    |t: TestApp| async move {
        let ids = t.characters_of_one_owner(2);
        // The first login of the demo is its superuser; give it a direct permission too.
        let emptied = t.browser();
        emptied.login_ok(ids[0]).await;
        let old = t.account_of(ids[0]).await;
        t.store.grant_permission(old, "admin.audit").await.unwrap();
        assert_eq!(emptied.get("/account").await.status(), StatusCode::OK);

        // Its only character is taken to another account.
        let other = t.browser();
        other.login_ok(ids[1]).await;
        other.login_ok(ids[0]).await;

        assert!(t.store.characters_of(old).await.unwrap().is_empty());
        let account = t.store.account(old).await.unwrap().unwrap();
        assert!(!account.superuser, "superuser taken");
        assert!(t.store.account_permissions(old).await.unwrap().is_empty());
        let r = emptied.get("/account").await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "signed out");
        assert_eq!(location(&r).path(), "/login");
        let audit = t
            .store
            .audit_entries(&AuditFilter {
                action_prefix: Some("account.emptied".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(audit.len(), 1);
        assert_eq!(audit[0].target, format!("account:{old}"));

        // The account that still has characters keeps its sessions.
        assert_eq!(other.get("/account").await.status(), StatusCode::OK);
    }
);

on_both_backends!(
    a_transferred_character_leaves_its_old_account,
    |t: TestApp| async move {
        let ids = t.characters_of_one_owner(2);
        let owner = t.browser();
        owner.login_ok(ids[0]).await;
        owner.login_ok(ids[1]).await;
        let old = t.account_of(ids[1]).await;

        // Sold to another player, who logs in with it.
        t.sim.transfer_character(ids[1]);
        let buyer = t.browser();
        buyer.login_ok(ids[1]).await;

        let now = t
            .store
            .character(CharacterId(ids[1]))
            .await
            .unwrap()
            .unwrap();
        assert_ne!(now.account, old, "the buyer gets a new account");
        assert_eq!(t.store.characters_of(old).await.unwrap().len(), 1);
        let history = t.store.removed_characters(Some(old), 10).await.unwrap();
        assert_eq!(history[0].reason, RemovalReason::Transferred);
    }
);

on_both_backends!(
    the_admin_cli_grants_superuser_by_name,
    |t: TestApp| async move {
        let chars = t.sim.characters();
        t.browser().login_ok(chars[0].character_id).await;
        t.browser().login_ok(chars[250].character_id).await;
        let account = t
            .app
            .grant_superuser(&Caller::cli("admin grant-superuser"), &chars[250].name)
            .await
            .expect("granted");
        assert!(t.store.account(account).await.unwrap().unwrap().superuser);
        assert!(
            t.app
                .grant_superuser(&Caller::cli("admin grant-superuser"), "Nobody Atall")
                .await
                .is_err()
        );
        let entries = t
            .store
            .audit_entries(&jumpgate_store::AuditFilter {
                action_prefix: Some("account.superuser_granted".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(
            entries
                .iter()
                .any(|e| e.target == format!("account:{account}"))
        );
        let _: AccountId = account;
    }
);

on_both_backends!(
    a_login_reads_the_names_of_its_own_corporation_and_alliance_only,
    |t: TestApp| async move {
        // Characters of other corporations whose names Jumpgate never read: the sweep's work.
        let all = t.sim.characters();
        let me = &all[0];
        let others: Vec<_> = all
            .iter()
            .filter(|c| c.corporation_id != me.corporation_id)
            .take(5)
            .collect();
        assert_eq!(others.len(), 5);
        for c in &others {
            t.store
                .create_account(&jumpgate_store::NewCharacter {
                    id: CharacterId(c.character_id),
                    name: c.name.clone(),
                    owner_hash: c.owner_hash.clone(),
                    corporation: jumpgate_domain::CorporationId(c.corporation_id),
                    alliance: c.alliance_id.map(jumpgate_domain::AllianceId),
                    faction: None,
                })
                .await
                .unwrap();
        }
        t.browser().login_ok(me.character_id).await;

        let read = |kind: &str| -> Vec<i64> {
            let mut ids: Vec<i64> = t
                .sim
                .requests()
                .into_iter()
                .filter_map(|r| {
                    let mut parts = r.path.trim_matches('/').split('/');
                    (parts.next() == Some(kind) && parts.clone().count() == 1)
                        .then(|| parts.next()?.parse().ok())
                        .flatten()
                })
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        assert_eq!(read("corporations"), [me.corporation_id]);
        let alliances: Vec<i64> = me.alliance_id.into_iter().collect();
        assert_eq!(read("alliances"), alliances);
        // Its own names are there for the account page.
        let corporation = t
            .store
            .corporation(jumpgate_domain::CorporationId(me.corporation_id))
            .await
            .unwrap()
            .expect("the login's corporation is named");
        assert!(!corporation.name.is_empty());
    }
);

on_both_backends!(
    the_menu_folds_leadership_and_administration_and_admins_search_from_every_page,
    |t: TestApp| async move {
        let root = t.browser();
        root.login_ok(t.sim.characters()[0].character_id).await; // the demo's superuser
        let member_character = t.member_character();
        let member = t.browser();
        member.login_ok(member_character).await;

        let (_, admin_page) = root.get_text("/account").await;
        for heading in [
            "<summary>Leadership</summary>",
            "<summary>Administration</summary>",
        ] {
            assert!(admin_page.contains(heading), "{heading}: {admin_page}");
        }
        assert!(
            admin_page.contains("action=\"/admin/search\""),
            "the search box"
        );
        let (_, member_page) = member.get_text("/account").await;
        assert!(
            !member_page.contains("<details class=\"menu\""),
            "{member_page}"
        );
        assert!(!member_page.contains("/admin/search"));
        assert!(member_page.contains(">Account</a>"));

        // One box finds a character, its account and its corporation.
        let sim_member = t.sim.character(member_character).unwrap();
        let account = t.account_of(member_character).await;
        let part: String = sim_member.name.chars().take(5).collect();
        let (status, found) = root
            .get_text(&format!("/admin/search?q={}", urlencode(&part)))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(found.contains("id=\"found-characters\""), "{found}");
        assert!(found.contains(&format!("href=\"/admin/users/{account}\"")));
        let corporation = t
            .store
            .corporation(jumpgate_domain::CorporationId(sim_member.corporation_id))
            .await
            .unwrap()
            .expect("named at the member's login");
        let (_, by_ticker) = root
            .get_text(&format!(
                "/admin/search?q={}",
                urlencode(&corporation.ticker)
            ))
            .await;
        assert!(
            by_ticker.contains("id=\"found-corporations\""),
            "{by_ticker}"
        );
        assert!(by_ticker.contains(&format!("href=\"/admin/users/{account}\"")));

        let (_, nothing) = root.get_text("/admin/search?q=zzzzqqqq").await;
        assert!(nothing.contains("Nothing matches"), "{nothing}");
        let (status, _) = member.get_text("/admin/search?q=a").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
);

on_both_backends!(
    the_accounts_list_finds_any_character_in_any_case_and_shows_another_instances_change_at_once,
    |t: TestApp| async move {
        let admin = t.browser();
        admin.login_ok(t.sim.characters()[0].character_id).await;
        // Written straight into the database, as another instance would.
        let (account, _) = t
            .store
            .create_account(&pilot(95_000_001, "Ümit Main"))
            .await
            .unwrap();
        let rows = |q: &str| {
            let admin = &admin;
            let path = format!("/admin/users/rows?q={}", urlencode(q));
            async move { admin.get_text(&path).await.1 }
        };
        let found = rows("ümit").await;
        assert!(
            found.contains("Ümit Main"),
            "beyond ASCII, any case: {found}"
        );
        assert!(rows("hidden").await.contains("No account matches."));

        t.store
            .add_character(account.id, &pilot(95_000_002, "Hidden Falcon"))
            .await
            .unwrap();
        let by_alt = rows("HIDDEN").await;
        assert!(
            by_alt.contains("Ümit Main"),
            "found by its new alt: {by_alt}"
        );
        assert!(by_alt.contains("<td class=\"num\">2</td>"), "{by_alt}");

        t.store
            .set_account_state(account.id, "Member")
            .await
            .unwrap();
        t.store.set_superuser(account.id, true).await.unwrap();
        t.store
            .update_character_identity(CharacterId(95_000_001), "Umit Renamed", "owner-95000001")
            .await
            .unwrap();
        let (_, page) = admin.get_text("/admin/users").await;
        assert!(page.contains("Umit Renamed"), "its main's new name: {page}");
        let row = &page[page.find("Umit Renamed").unwrap()..];
        let row = &row[..row.find("</tr>").unwrap()];
        assert!(
            row.contains("Superuser") && row.contains(">Member<"),
            "{row}"
        );
    }
);

on_both_backends!(
    the_character_search_finds_names_in_any_case_and_shows_another_instances_change_at_once,
    |t: TestApp| async move {
        let admin = t.browser();
        admin.login_ok(t.sim.characters()[0].character_id).await;
        let search = |q: &str| {
            let admin = &admin;
            let path = format!("/admin/characters?q={}", urlencode(q));
            async move { admin.get_text(&path).await.1 }
        };
        // The row of character `id` on a page, up to its end.
        let row = |page: &str, id: i64| {
            let at = page
                .find(&format!(">{id}</span>"))
                .unwrap_or_else(|| panic!("no row for {id}: {page}"));
            page[at..at + page[at..].find("</tr>").unwrap()].to_owned()
        };
        // Written straight into the database, as another instance would.
        let (account, _) = t
            .store
            .create_account(&pilot(95_000_011, "Ümit Searched"))
            .await
            .unwrap();
        let page = search("ümit").await;
        assert!(page.contains("Ümit Searched"), "beyond ASCII: {page}");
        assert!(
            row(&page, 95_000_011).contains(&format!("#{}", account.id)),
            "{page}"
        );
        assert!(search("falcon").await.contains("No character matches."));

        t.store
            .add_character(account.id, &pilot(95_000_012, "Hidden Falcon"))
            .await
            .unwrap();
        assert!(
            search("FALCON").await.contains("Hidden Falcon"),
            "a new alt"
        );

        t.store
            .update_character_identity(CharacterId(95_000_012), "Hidden Hawk", "owner-95000012")
            .await
            .unwrap();
        let page = search("falcon").await;
        assert!(page.contains("No character matches."), "renamed: {page}");

        let moved = jumpgate_domain::states::Affiliation {
            character: CharacterId(95_000_012),
            corporation: jumpgate_domain::CorporationId(98_000_077),
            alliance: Some(jumpgate_domain::AllianceId(99_000_077)),
            faction: None,
        };
        t.store
            .update_affiliations(&[moved], t.app.now())
            .await
            .unwrap();
        let hawk = row(&search("hawk").await, 95_000_012);
        assert!(
            hawk.contains("98000077") && hawk.contains("99000077"),
            "its new corporation and alliance: {hawk}"
        );

        t.store
            .remove_character(CharacterId(95_000_012), RemovalReason::Biomassed, None)
            .await
            .unwrap();
        let page = search("hawk").await;
        let removed = &page[page.find("Removed characters").unwrap()..];
        assert!(
            page[..page.find("Removed characters").unwrap()].contains("No character matches."),
            "gone from the search: {page}"
        );
        assert!(
            removed.contains("Hidden Hawk") && removed.contains("biomassed"),
            "and listed as removed: {removed}"
        );
    }
);

/// A character of an unaligned corporation, written straight into the database.
fn pilot(id: i64, name: &str) -> jumpgate_store::NewCharacter {
    jumpgate_store::NewCharacter {
        id: CharacterId(id),
        name: name.to_owned(),
        owner_hash: format!("owner-{id}"),
        corporation: jumpgate_domain::CorporationId(98_000_001),
        alliance: None,
        faction: None,
    }
}
