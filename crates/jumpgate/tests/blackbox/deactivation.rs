//! Soft deactivation (ADR 0029), over HTTP and the real `check-tokens` job against the
//! simulator, with the app's clock moved by hand: a character whose token EVE declares dead
//! (`invalid_grant`) puts its account's deactivation on the clock; only after the delay do the
//! account's groups stop granting (kept, shown inactive); the account is told exactly once per
//! episode; logging in again with the character reactivates it at once. An SSO outage
//! deactivates nobody, however long it lasts.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::support::{Backend, Browser, TestApp, test_start};
use jumpgate::config::DeactivationSettings;
use jumpgate_app::Caller;
use jumpgate_domain::clock::{Clock, ManualClock};
use jumpgate_domain::groups::Group;
use jumpgate_domain::{AccountId, CharacterId};
use jumpgate_evesim::sso::SsoFault;
use jumpgate_evesim::{EveSim, SimConfig};
use reqwest::StatusCode;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

const DELAY_HOURS: u32 = 24;
const SUBJECT_SOON: &str = "Log in again to keep your Jumpgate groups";

/// A deactivation test's world: the app on a hand-moved clock, deactivation on for the
/// member's alliance after a day, the member signed in, in a group that grants
/// `standings.audit` (the audit log's page), with a verified address.
struct World {
    t: TestApp,
    clock: Arc<ManualClock>,
    member: i64,
    account: AccountId,
    browser: Browser,
}

async fn world(backend: Backend) -> World {
    world_with(backend, false).await
}

/// [`world`]; with `eve_mail`, the first character (the demo's superuser) is the EVE mail
/// sender, and the application is registered for the mail scope too.
async fn world_with(backend: Backend, eve_mail: bool) -> World {
    let clock = Arc::new(ManualClock::new(test_start()));
    // Someone of another EVE account than the first character (the demo's superuser), in an
    // alliance: the rule covers their alliance. The universe is the same for the same seed.
    let universe = EveSim::start(SimConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
        .characters();
    let member = universe
        .iter()
        .find(|c| c.owner_hash != universe[0].owner_hash && c.alliance_id.is_some())
        .unwrap()
        .clone();
    let alliance = member.alliance_id.unwrap();
    let t = TestApp::start(backend, clock.clone(), SimConfig::default(), |s| {
        s.deactivation = DeactivationSettings {
            groups_require_valid_token: true,
            delay_hours: DELAY_HOURS,
            alliances: vec![alliance],
            corporations: Vec::new(),
            eve_mail_from: eve_mail.then_some(universe[0].character_id),
        };
    })
    .await;
    if eve_mail {
        let mut scopes = jumpgate_evesim::sso::scopes::JUMPGATE_SCOPES.to_vec();
        scopes.push("esi-mail.send_mail.v1");
        t.sim.register_client_with_scopes(
            crate::support::CLIENT_ID,
            crate::support::CLIENT_SECRET,
            t.settings.callback_url().as_str(),
            &scopes,
        );
    }
    // The demo's superuser first, then the member.
    t.browser()
        .login_ok(t.sim.characters()[0].character_id)
        .await;
    let browser = t.browser();
    browser.login_ok(member.character_id).await;
    let account = t.account_of(member.character_id).await;
    let mut auditors = Group::new("Auditors");
    auditors.permissions = ["standings.audit".to_owned()].into();
    let auditors = t.store.save_group(&auditors).await.unwrap();
    crate::managed_accounts::add_by_hand(&t, auditors.id, account).await;
    t.store
        .set_account_email(account, Some("pilot@example.org"), true)
        .await
        .unwrap();
    World {
        t,
        clock,
        member: member.character_id,
        account,
        browser,
    }
}

impl World {
    /// Moves Jumpgate's clock and the simulated EVE's together.
    fn advance(&self, by: Duration) {
        self.clock.advance(by);
        self.t.sim.set_time(self.clock.now(), 1.0);
    }

    /// Runs the real `check-tokens` job (every access token due) and returns its numbers.
    async fn check_tokens(&self) -> BTreeMap<String, i64> {
        self.t.expire_access_tokens().await;
        assert!(
            self.t
                .run_job("check-tokens", serde_json::Value::Null)
                .await
                .is_none(),
            "check-tokens succeeded"
        );
        self.t.last_run_numbers("check-tokens").await
    }

    /// Whether the member's group still grants: the audit log's page opens.
    async fn group_counts(&self) -> bool {
        let status = self.browser.get("/admin/audit").await.status();
        assert!(
            status == StatusCode::OK || status == StatusCode::FORBIDDEN,
            "{status}"
        );
        status == StatusCode::OK
    }

    /// The deactivation mails that went out (files of the file transport).
    fn mails(&self) -> Vec<String> {
        let dir = jumpgate::config::MailSettings::mail_dir(&self.t.settings.data_dir);
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        entries
            .filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok())
            .filter(|m| m.contains("Jumpgate groups"))
            .collect()
    }
}

fn number(numbers: &BTreeMap<String, i64>, name: &str) -> i64 {
    numbers.get(name).copied().unwrap_or(0)
}

on_each_backend!(
    a_dead_token_deactivates_only_after_the_delay_tells_once_and_a_new_login_reactivates,
    |backend| async move {
        let w = world(backend).await;
        assert!(w.group_counts().await);

        // EVE declares the member's token dead: the episode begins, the groups still count.
        w.t.sim.revoke_tokens(w.member);
        let numbers = w.check_tokens().await;
        assert_eq!(number(&numbers, "invalidated"), 1, "{numbers:?}");
        // Judged the moment EVE's answer came, not only by the pass after it.
        assert_eq!(
            w.t.audit_count("account.deactivation_pending", w.account)
                .await,
            1
        );
        assert_eq!(number(&numbers, "deactivation mails"), 1, "{numbers:?}");
        assert!(w.group_counts().await);
        let (_, page) = w.browser.get_text("/account").await;
        assert!(page.contains("Will be deactivated at"), "{page}");
        let mails = w.mails();
        assert_eq!(mails.len(), 1);
        assert!(mails[0].contains(SUBJECT_SOON), "{}", mails[0]);
        assert!(mails[0].contains("pilot@example.org"));

        // Not before the delay.
        w.advance(Duration::from_secs(u64::from(DELAY_HOURS) * 3600 - 60));
        let numbers = w.check_tokens().await;
        assert_eq!(number(&numbers, "deactivated"), 0, "{numbers:?}");
        assert!(w.group_counts().await);

        // After it, the group stops counting but is kept, shown inactive; no second mail.
        w.advance(Duration::from_secs(120));
        let numbers = w.check_tokens().await;
        assert_eq!(number(&numbers, "deactivated"), 1, "{numbers:?}");
        assert!(!w.group_counts().await, "the group grants nothing");
        assert_eq!(w.t.store.account_groups(w.account).await.unwrap().len(), 1);
        let (_, page) = w.browser.get_text("/account").await;
        assert!(page.contains("Deactivated since"), "{page}");
        assert!(page.contains("kept, inactive"), "{page}");
        // The administrators' account page says so (a fresh sign-in: a day has passed).
        let admin = w.t.browser();
        admin.login_ok(w.t.sim.characters()[0].character_id).await;
        let (_, page) = admin.get_text(&format!("/admin/users/{}", w.account)).await;
        assert!(page.contains(r#"data-deactivation-state="yes""#), "{page}");
        assert!(page.contains("kept, inactive"), "{page}");
        assert!(page.contains(r#"data-status="standard""#), "{page}");
        w.check_tokens().await;
        assert_eq!(w.mails().len(), 1, "one mail per episode");
        assert_eq!(
            w.t.audit_count("account.deactivation_mail_sent", w.account)
                .await,
            1
        );
        assert_eq!(w.t.audit_count("account.deactivated", w.account).await, 1);

        // Logging in again with the character: active at once.
        w.browser.login_ok(w.member).await;
        assert!(w.group_counts().await);
        assert_eq!(w.t.store.deactivation(w.account).await.unwrap(), None);
        assert_eq!(w.t.audit_count("account.reactivated", w.account).await, 1);
        let (_, page) = w.browser.get_text("/account").await;
        assert!(!page.contains("Deactivated since"), "{page}");

        // A new episode is told again.
        w.t.sim.revoke_tokens(w.member);
        w.check_tokens().await;
        assert_eq!(w.mails().len(), 2, "a new episode, a new mail");
    }
);

on_each_backend!(
    an_sso_outage_however_long_deactivates_nobody,
    |backend| async move {
        let w = world(backend).await;
        w.t.sim.set_sso_fault(Some(SsoFault::Unavailable));
        for _ in 0..3 {
            let numbers = w.check_tokens().await;
            assert_eq!(number(&numbers, "invalidated"), 0, "{numbers:?}");
            assert_eq!(number(&numbers, "deactivation pending"), 0, "{numbers:?}");
            w.advance(Duration::from_secs(u64::from(DELAY_HOURS) * 3600));
        }
        assert_eq!(w.t.store.deactivation(w.account).await.unwrap(), None);
        let token =
            w.t.store
                .token(CharacterId(w.member), "core.default")
                .await
                .unwrap()
                .unwrap();
        assert_eq!(
            token.status,
            jumpgate_domain::account::TokenStatus::Valid,
            "the last verdict holds"
        );
        assert!(w.group_counts().await);
        assert!(w.mails().is_empty());
        w.t.sim.set_sso_fault(None);
    }
);

on_each_backend!(
    checking_one_characters_tokens_now_finds_a_dead_one_and_removing_it_ends_the_episode,
    |backend| async move {
        let w = world(backend).await;
        // An alt of the member's EVE account joins the account and loses its token.
        let owner = w.t.sim.character(w.member).unwrap().owner_hash;
        let alt =
            w.t.sim
                .characters_of_account(&owner)
                .into_iter()
                .find(|c| c.character_id != w.member)
                .expect("the member's EVE account has an alt")
                .character_id;
        w.browser.login_ok(alt).await;
        w.t.sim.revoke_tokens(alt);

        // `jumpgate tokens check --character`: refreshed whatever its expiry.
        let check =
            w.t.app
                .check_tokens_now(&Caller::cli("tokens check"), Some(CharacterId(alt)))
                .await
                .unwrap();
        assert_eq!(check.outcomes.get("invalidated"), Some(&1), "{check:?}");
        assert!(matches!(
            w.t.app
                .account_view(&Caller::cli("test"), w.account)
                .await
                .unwrap()
                .deactivation
                .state,
            jumpgate_domain::deactivation::Deactivation::Soon { .. }
        ));

        // The member removes the alt: nothing bad is left, the episode ends at once.
        let r = w
            .browser
            .post_form(&format!("/account/characters/{alt}/remove"), &[])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(w.t.store.deactivation(w.account).await.unwrap(), None);
        assert_eq!(
            w.t.audit_count("account.deactivation_cancelled", w.account)
                .await,
            1
        );
    }
);

on_each_backend!(
    the_notice_goes_as_eve_mail_from_the_mail_character_once_per_episode,
    |backend| async move {
        let w = world_with(backend, true).await;
        let sender = w.t.sim.characters()[0].character_id;
        // Only the configured sender may use the mail login.
        let r = w.t.browser().login_with("core.mail", w.member).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = w.t.browser().login_with("core.mail", sender).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert!(
            w.t.store
                .token(CharacterId(sender), "core.mail")
                .await
                .unwrap()
                .is_some()
        );

        w.t.sim.revoke_tokens(w.member);
        let numbers = w.check_tokens().await;
        assert_eq!(number(&numbers, "deactivation EVE mails"), 1, "{numbers:?}");
        w.check_tokens().await;
        let mails: Vec<_> =
            w.t.sim
                .mails()
                .into_iter()
                .filter(|m| m.subject == SUBJECT_SOON)
                .collect();
        assert_eq!(mails.len(), 1, "one EVE mail per episode");
        assert_eq!(mails[0].from, sender);
        assert_eq!(mails[0].recipients, [(w.member, "character".to_owned())]);
        assert!(
            mails[0].body.contains("lost its EVE login"),
            "{}",
            mails[0].body
        );
        assert_eq!(w.mails().len(), 1, "and the email");
    }
);
