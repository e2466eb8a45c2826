//! How long a sign-in lasts and who can end it: an absolute lifetime, shorter for administrators
//! and approvers; "sign out everywhere"; an administrator ending someone's sessions; anonymous
//! sessions kept minutes, not days (security review M5, M2).

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::support::{Backend, Browser, TestApp};
use jumpgate_domain::clock::ManualClock;
use reqwest::StatusCode;
use std::sync::Arc;
use std::time::Duration;

const HOUR: Duration = Duration::from_secs(60 * 60);
const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// Two characters of different EVE accounts: the first to log in becomes the demo's superuser,
/// the second is a member.
fn superuser_and_member(t: &TestApp) -> (i64, i64) {
    (t.sim.characters()[0].character_id, t.member_character())
}

async fn signed_in(b: &Browser) -> bool {
    b.get("/account").await.status() == StatusCode::OK
}

/// A Jumpgate on a manual clock with its superuser and a member signed in, each in a browser.
/// (Logins come first: EVE's tokens carry the real time, which this clock then leaves behind.)
async fn superuser_and_member_on_a_clock(
    backend: Backend,
) -> (TestApp, Arc<ManualClock>, Browser, Browser) {
    let clock = Arc::new(ManualClock::new(crate::support::test_start()));
    let t = TestApp::spawn_with_clock(backend, clock.clone()).await;
    let (admin_character, member_character) = superuser_and_member(&t);
    let admin = t.browser();
    admin.login_ok(admin_character).await;
    let member = t.browser();
    member.login_ok(member_character).await;
    (t, clock, admin, member)
}

fn both_backends() -> [Backend; 2] {
    [Backend::Sqlite, Backend::Postgres]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrators_sign_in_ends_after_twelve_hours_a_members_after_thirty_days() {
    for backend in both_backends() {
        let (_app, clock, admin, member) = superuser_and_member_on_a_clock(backend).await;

        // Busy all day: the administrator's session still ends 12 hours after the login.
        for _ in 0..11 {
            clock.advance(HOUR);
            assert!(signed_in(&admin).await, "{backend:?}");
        }
        clock.advance(HOUR + Duration::from_secs(1));
        assert!(
            !signed_in(&admin).await,
            "{backend:?}: 12 h after the login"
        );
        let (_, home) = admin.get_text("/").await;
        assert!(
            home.contains("You were signed out: a sign-in lasts 12h"),
            "{backend:?}: the page says why: {home}"
        );
        assert!(signed_in(&member).await, "{backend:?}: a member's lasts");

        // A member used every few days stays signed in until 30 days after the login.
        let mut elapsed = 12 * HOUR;
        while elapsed + 6 * DAY < 30 * DAY {
            clock.advance(6 * DAY);
            elapsed += 6 * DAY;
            assert!(signed_in(&member).await, "{backend:?} after {elapsed:?}");
        }
        clock.advance(30 * DAY - elapsed + Duration::from_secs(1));
        assert!(
            !signed_in(&member).await,
            "{backend:?}: 30 days after the login"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unused_session_ends_after_the_idle_timeout_and_an_anonymous_one_after_minutes() {
    for backend in both_backends() {
        let (_app, clock, admin, member) = superuser_and_member_on_a_clock(backend).await;
        clock.advance(7 * DAY + Duration::from_secs(1));
        assert!(!signed_in(&member).await, "{backend:?}: a week unused");

        // A message for someone signed out is kept in a session without an account, which the
        // database keeps ten minutes: unread after that, it is gone.
        assert!(!signed_in(&admin).await, "{backend:?}");
        clock.advance(Duration::from_secs(11 * 60));
        let (_, home) = admin.get_text("/").await;
        assert!(
            !home.contains("You were signed out"),
            "{backend:?}: the anonymous session expired: {home}"
        );
    }
}

on_both_backends!(
    sign_out_everywhere_ends_every_browser_of_the_account_and_is_audited,
    |t: TestApp| async move {
        let (_, character) = superuser_and_member(&t);
        let laptop = t.browser();
        laptop.login_ok(character).await;
        let phone = t.browser();
        phone.login_ok(character).await;
        let (_, page) = laptop.get_text("/account").await;
        assert!(page.contains("You are signed in on 2 browsers."), "{page}");

        let r = laptop.post_form("/account/sessions/end", &[]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert!(!signed_in(&laptop).await, "this browser too");
        assert!(!signed_in(&phone).await, "and the other");
        let (_, home) = laptop.get_text("/").await;
        assert!(
            home.contains("You were signed out on 2 browsers."),
            "{home}"
        );
        let account = t.account_of(character).await;
        assert_eq!(t.audit_count("account.sessions_ended", account).await, 1);
    }
);

on_both_backends!(
    an_administrator_ends_a_members_sessions_and_only_a_superuser_ends_a_superusers,
    |t: TestApp| async move {
        let (root_character, member_character) = superuser_and_member(&t);
        let root = t.browser();
        root.login_ok(root_character).await;
        let member = t.browser();
        member.login_ok(member_character).await;
        let root_account = t.account_of(root_character).await;
        let member_account = t.account_of(member_character).await;

        let (_, page) = root
            .get_text(&format!("/admin/users/{member_account}"))
            .await;
        assert!(page.contains("Signed in on 1 browser."), "{page}");
        let r = root
            .post_form(&format!("/admin/users/{member_account}/sessions/end"), &[])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert!(!signed_in(&member).await, "the member was signed out");
        assert!(signed_in(&root).await, "the administrator was not");
        assert_eq!(
            t.audit_count("account.sessions_ended", member_account)
                .await,
            1
        );

        // A user administrator who is not a superuser cannot lock the superuser out.
        let r = root
            .post_form(
                &format!("/admin/users/{member_account}/permissions/grant"),
                &[("permission", "admin.users")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        member.login_ok(member_character).await;
        let r = member
            .post_form(&format!("/admin/users/{root_account}/sessions/end"), &[])
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let page = r.text().await.unwrap();
        assert!(
            page.contains("only a superuser can end a superuser&#39;s sessions"),
            "{page}"
        );
        assert!(signed_in(&root).await, "nothing was changed");

        // Signed out, nobody's: the form sends to the sign-in page.
        let r = t
            .browser()
            .post_form(&format!("/admin/users/{member_account}/sessions/end"), &[])
            .await;
        assert_eq!(crate::support::location(&r).path(), "/login");
        assert!(signed_in(&member).await);
    }
);
