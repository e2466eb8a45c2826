//! The account page's settings: an email address verified by a signed link, and a time zone.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::support::{Backend, Browser, TestApp, location};
use crate::token_keys::{NEW_KEY, with_keys, with_new_primary};
use jumpgate_app::Caller;
use jumpgate_app::accounts::email::{LINK_KEY_PURPOSE, LINK_VALIDITY, sign_token};
use jumpgate_domain::account::Account;
use jumpgate_domain::clock::ManualClock;
use jumpgate_domain::{AccountId, CharacterId};
use reqwest::StatusCode;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Where the links' signing key was kept in the database until the token keys signed them.
const OLD_SIGNING_KEY: &str = "email.signing_key";

async fn signed_in(t: &TestApp) -> (Browser, AccountId) {
    let character = t.sim.characters()[0].character_id;
    let b = t.browser();
    b.login_ok(character).await;
    let account = t
        .store
        .character(CharacterId(character))
        .await
        .unwrap()
        .unwrap()
        .account;
    (b, account)
}

/// Opens a verification link as a person does: the page it shows, then its button.
async fn open_and_confirm(b: &Browser, link: &str) -> reqwest::Response {
    let (status, page) = b.get_text(link).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Verify your email address"), "{page}");
    let (_, token) = link.split_once("token=").expect("a token in the link");
    b.post_form("/account/email/verify", &[("token", token)])
        .await
}

async fn account(t: &TestApp, id: AccountId) -> Account {
    t.store.account(id).await.unwrap().unwrap()
}

fn mail_dir(t: &TestApp) -> PathBuf {
    t.settings.data_dir.join("mail")
}

/// Every mail written so far, oldest first.
fn mails(t: &TestApp) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(mail_dir(t)) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = dir.map(|e| e.unwrap().path()).collect();
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// The verification link in a mail, as a path with its query.
fn link_in(t: &TestApp, mail: &str) -> String {
    let start = mail
        .find("/account/email/verify?token=")
        .expect("a verification link in the mail");
    let prefix = t.base.as_str().trim_end_matches('/');
    assert_eq!(
        &mail[start - prefix.len()..start],
        prefix,
        "the link starts with the public URL"
    );
    let end = mail[start..]
        .find(char::is_whitespace)
        .map_or(mail.len(), |e| start + e);
    mail[start..end].to_owned()
}

async fn set_email(b: &Browser, email: &str) -> reqwest::Response {
    b.post_form("/account/email", &[("email", email), ("action", "set")])
        .await
}

on_both_backends!(
    an_email_is_verified_by_the_link_mailed_to_it,
    |t: TestApp| async move {
        let (b, id) = signed_in(&t).await;
        let r = set_email(&b, "pilot@example.org").await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "{}",
            r.text().await.unwrap()
        );
        assert_eq!(location(&r).path(), "/account");
        let acc = account(&t, id).await;
        assert_eq!(acc.email.as_deref(), Some("pilot@example.org"));
        assert!(!acc.email_verified);
        assert_eq!(t.audit_count("account.email_set", id).await, 1);
        let (_, page) = b.get_text("/account").await;
        assert!(page.contains("We sent it a link"), "flash");
        assert!(page.contains("Not verified"));

        let sent = mails(&t);
        assert_eq!(sent.len(), 1);
        assert!(sent[0].contains("To: pilot@example.org"), "{}", sent[0]);
        let link = link_in(&t, &sent[0]);
        assert_eq!(
            t.store.kv_get(OLD_SIGNING_KEY).await.unwrap(),
            None,
            "no signing key in the database"
        );

        let r = open_and_confirm(&b, &link).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&r).path(), "/account");
        assert!(account(&t, id).await.email_verified);
        assert_eq!(t.audit_count("account.email_verified", id).await, 1);
        let (_, page) = b.get_text("/account").await;
        assert!(page.contains("pilot@example.org is verified"), "flash");
        assert!(page.contains(">Verified<"));

        // Opening it again, even signed out, is harmless.
        let r = open_and_confirm(&t.browser(), &link).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&r).path(), "/");
        assert_eq!(t.audit_count("account.email_verified", id).await, 1);

        // Removing the address clears it.
        let r = b
            .post_form("/account/email", &[("email", ""), ("action", "remove")])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let acc = account(&t, id).await;
        assert_eq!(acc.email, None);
        assert!(!acc.email_verified);
    }
);

on_both_backends!(
    a_link_opened_signed_out_verifies_too,
    |t: TestApp| async move {
        let (b, id) = signed_in(&t).await;
        set_email(&b, "pilot@example.org").await;
        let link = link_in(&t, &mails(&t)[0]);
        let r = open_and_confirm(&t.browser(), &link).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert!(account(&t, id).await.email_verified);
    }
);

on_both_backends!(
    opening_the_link_verifies_nothing_until_the_person_confirms,
    |t: TestApp| async move {
        // Mail scanners open every link in a mail; only a person presses the button.
        let (b, id) = signed_in(&t).await;
        set_email(&b, "pilot@example.org").await;
        let link = link_in(&t, &mails(&t)[0]);
        for _ in 0..2 {
            let (status, page) = t.browser().get_text(&link).await;
            assert_eq!(status, StatusCode::OK);
            assert!(page.contains("Verify pilot@example.org"), "{page}");
        }
        assert!(!account(&t, id).await.email_verified);
        assert_eq!(t.audit_count("account.email_verified", id).await, 0);
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verification_mail_waits_a_minute_between_sends_and_the_page_says_until_when() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let t = TestApp::spawn_with(backend, |s| {
            s.mail.verification_cooldown = Duration::from_secs(60);
        })
        .await;
        let (b, id) = signed_in(&t).await;
        set_email(&b, "pilot@example.org").await;
        let r = b.post_form("/account/email/resend", &[]).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{backend:?}");
        let page = r.text().await.unwrap();
        assert!(
            page.contains("You can send the next verification mail at")
                && page.contains("Nothing was changed"),
            "{page}"
        );
        // Another address is no way around it, and the address stays as it was.
        let r = b
            .post_form(
                "/account/email",
                &[("email", "other@example.org"), ("action", "set")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            account(&t, id).await.email.as_deref(),
            Some("pilot@example.org")
        );
        assert_eq!(mails(&t).len(), 1, "{backend:?}: one mail went out");
        let (_, page) = b.get_text("/account").await;
        assert!(page.contains("You can have it sent again at"), "{page}");
        assert!(page.contains("disabled>Send the link again"), "{page}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_receives_only_a_few_verification_mails_a_day_from_all_accounts() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let t = TestApp::spawn_with(backend, |s| {
            s.mail.verification_mails_per_address_per_day = 2;
        })
        .await;
        let (b, _) = signed_in(&t).await;
        set_email(&b, "victim@example.org").await;
        let r = b.post_form("/account/email/resend", &[]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{backend:?}");

        // A second account (a rival's alt) cannot add a third mail to that inbox.
        let other = t.member_character();
        let rival = t.browser();
        rival.login_ok(other).await;
        let r = rival
            .post_form(
                "/account/email",
                &[("email", "Victim@Example.org"), ("action", "set")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{backend:?}");
        assert!(r.text().await.unwrap().contains("2 a day to one address"));
        assert_eq!(account(&t, t.account_of(other).await).await.email, None);
        assert_eq!(mails(&t).len(), 2, "{backend:?}");
    }
}

on_both_backends!(
    bad_links_are_refused_and_leave_the_address_unverified,
    |t: TestApp| async move {
        let (b, id) = signed_in(&t).await;
        set_email(&b, "first@example.org").await;
        let first = link_in(&t, &mails(&t)[0]);

        // Tampered: one character of the signature changed, or the payload swapped.
        let mut tampered = first.clone();
        let last = tampered.pop().unwrap();
        tampered.push(if last == 'A' { 'B' } else { 'A' });
        let key = t
            .app
            .email_signing_key(&Caller::cli("tests"))
            .await
            .unwrap();
        let expired = sign_token(
            &key,
            id,
            "first@example.org",
            t.app.now() - time::Duration::minutes(1),
        );
        let other_key = sign_token(
            &[7u8; 32],
            id,
            "first@example.org",
            t.app.now() + time::Duration::hours(1),
        );
        for (path, reason) in [
            (tampered, "damaged"),
            (
                format!("/account/email/verify?token={expired}"),
                "has expired",
            ),
            (
                format!("/account/email/verify?token={other_key}"),
                "damaged",
            ),
            ("/account/email/verify?token=".to_owned(), "no token"),
            ("/account/email/verify?token=abc".to_owned(), "damaged"),
        ] {
            let (status, page) = b.get_text(&path).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
            assert!(page.contains(reason), "{path}: '{reason}' missing: {page}");
            assert!(!account(&t, id).await.email_verified, "{path}");
        }

        // The address changed since the link was sent: the old link no longer verifies.
        set_email(&b, "second@example.org").await;
        assert_eq!(mails(&t).len(), 2);
        let (status, page) = b.get_text(&first).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(page.contains("has changed since"), "{page}");
        let acc = account(&t, id).await;
        assert_eq!(acc.email.as_deref(), Some("second@example.org"));
        assert!(!acc.email_verified);
        assert_eq!(t.audit_count("account.email_verified", id).await, 0);

        // A new link for the current address can be asked for, and works.
        let r = b.post_form("/account/email/resend", &[]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let sent = mails(&t);
        assert_eq!(sent.len(), 3);
        assert!(sent[2].contains("To: second@example.org"));
        let r = open_and_confirm(&b, &link_in(&t, &sent[2])).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert!(account(&t, id).await.email_verified);
    }
);

/// Time is a parameter (ADR 0014): this Jumpgate runs on a manual clock, and a mailed link
/// expires when that clock passes its day, without the test waiting a day.
mod a_mailed_link_expires_when_the_clock_passes_its_day {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        run(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        run(Backend::Postgres).await;
    }

    async fn run(backend: Backend) {
        let clock = Arc::new(ManualClock::new(crate::support::test_start()));
        let t = TestApp::spawn_with_clock(backend, clock.clone()).await;
        // A member, whose sign-in outlasts the days this test moves through (the first login,
        // the demo's superuser, would be signed out after 12 hours).
        t.browser()
            .login_ok(t.sim.characters()[0].character_id)
            .await;
        let member = t.member_character();
        let b = t.browser();
        b.login_ok(member).await;
        let id = t.account_of(member).await;
        set_email(&b, "pilot@example.org").await;
        let link = link_in(&t, &mails(&t)[0]);
        let day = Duration::try_from(LINK_VALIDITY).unwrap();

        clock.advance(day + Duration::from_secs(1));
        let (status, page) = b.get_text(&link).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(page.contains("has expired"), "{page}");
        assert!(!account(&t, id).await.email_verified);

        // A new link is made at the clock's new time and lasts its day from then.
        let r = b.post_form("/account/email/resend", &[]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let sent = mails(&t);
        assert_eq!(sent.len(), 2);
        clock.advance(day - Duration::from_secs(60));
        let r = open_and_confirm(&b, &link_in(&t, &sent[1])).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert!(account(&t, id).await.email_verified);
    }
}

on_both_backends!(
    invalid_addresses_are_refused_with_the_reason,
    |t: TestApp| async move {
        let (b, id) = signed_in(&t).await;
        let too_long = format!("{}@example.org", "a".repeat(250));
        for (email, reason) in [
            ("pilot.example.org", "exactly one @"),
            ("a@b@example.org", "exactly one @"),
            ("pilot@localhost", "must contain a dot"),
            ("pi lot@example.org", "space"),
            ("@example.org", "nothing before the @"),
            (too_long.as_str(), "at most 254"),
            ("   ", "type an email address"),
        ] {
            let r = set_email(&b, email).await;
            let status = r.status();
            let page = r.text().await.unwrap();
            assert_eq!(status, StatusCode::BAD_REQUEST, "{email}");
            assert!(page.contains(reason), "{email}: '{reason}' missing: {page}");
        }
        assert_eq!(account(&t, id).await.email, None, "nothing changed");
        assert!(mails(&t).is_empty(), "no mail was sent");
        assert_eq!(t.audit_count("account.email", id).await, 0);
    }
);

on_both_backends!(
    a_time_zone_is_chosen_from_the_real_list,
    |t: TestApp| async move {
        let (b, id) = signed_in(&t).await;
        let (_, page) = b.get_text("/account").await;
        assert!(page.contains("<option value=\"Europe/Berlin\""));
        assert!(page.contains("<option value=\"Pacific/Auckland\""));

        let r = b
            .post_form("/account/timezone", &[("timezone", "Europe/Berlin")])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            account(&t, id).await.timezone.as_deref(),
            Some("Europe/Berlin")
        );
        let (_, page) = b.get_text("/account").await;
        assert!(page.contains("Your time zone is now Europe/Berlin"));
        assert!(page.contains("<option value=\"Europe/Berlin\" selected>"));
        assert_eq!(t.audit_count("account.timezone_set", id).await, 1);

        for bad in ["Mars/Olympus_Mons", "Europe/Berlin; DROP TABLE", "+02:00"] {
            let r = b.post_form("/account/timezone", &[("timezone", bad)]).await;
            let status = r.status();
            let page = r.text().await.unwrap();
            assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
            assert!(page.contains("not a time zone name"), "{bad}: {page}");
        }
        assert_eq!(
            account(&t, id).await.timezone.as_deref(),
            Some("Europe/Berlin"),
            "nothing changed"
        );
        assert_eq!(t.audit_count("account.timezone_set", id).await, 1);

        let r = b.post_form("/account/timezone", &[("timezone", "")]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(account(&t, id).await.timezone, None);
    }
);

on_both_backends!(
    links_are_signed_with_a_key_derived_from_the_token_keys_and_verify_while_their_key_is_configured,
    |t: TestApp| async move {
        let (b, id) = signed_in(&t).await;
        set_email(&b, "pilot@example.org").await;
        let link = link_in(&t, &mails(&t)[0]);
        let (_, token) = link.split_once("token=").unwrap();
        let derived = jumpgate_app::testing::keys(&t.app)
            .read()
            .await
            .derive_key(LINK_KEY_PURPOSE)
            .unwrap();
        assert_eq!(
            t.app.email_signing_key(&Caller::cli("tests")).await.unwrap(),
            derived
        );

        // A key in the database, as older versions kept it, signs nothing: whoever can write
        // (or only read) the database cannot make a link.
        t.store
            .kv_set(OLD_SIGNING_KEY, "BQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQU=")
            .await
            .unwrap();
        let from_the_database = sign_token(
            &[5u8; 32],
            id,
            "pilot@example.org",
            t.app.now() + LINK_VALIDITY,
        );
        let (status, page) = b
            .get_text(&format!("/account/email/verify?token={from_the_database}"))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(page.contains("damaged"), "{page}");

        // A new token key, primary beside the old one: a link mailed before still verifies.
        let rotated = jumpgate::wiring::build_app(&with_new_primary(&t), t.store.clone())
            .await
            .unwrap();
        let claim = rotated.email_link(token).await.expect("the old key still verifies");
        assert_eq!((claim.account, claim.email.as_str()), (id, "pilot@example.org"));
        // Once every token is re-encrypted and the old key removed, it no longer does.
        let report = rotated
            .rotate_token_keys(&Caller::cli("keys rotate"), Default::default())
            .await
            .unwrap();
        assert!(report.is_complete(), "{report}");
        let only_new = jumpgate::wiring::build_app(
            &with_keys(
                &t,
                std::collections::BTreeMap::from([(
                    "k2".to_owned(),
                    secrecy::SecretString::from(NEW_KEY),
                )]),
                "k2",
            ),
            t.store.clone(),
        )
        .await
        .unwrap();
        assert!(only_new.email_link(token).await.is_err());
    }
);
