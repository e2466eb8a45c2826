//! Notifications over HTTP: whatever tells a person something (here: being appointed to a
//! role) lights the bell in the bar of every page with the unread count, `/notifications` lists
//! it with its link, and "Mark all read" puts the bell out.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::groups::post_ok;
use crate::support::TestApp;

/// The bell's unread count in a page's bar (None: no badge).
fn bell(page: &str) -> Option<usize> {
    let start = page.find(r#"class="bell unread""#)?;
    let badge = &page[start..];
    let count = badge.split(r#"<span class="badge count">"#).nth(1)?;
    count.split('<').next()?.trim().parse().ok()
}

on_both_backends!(
    a_notification_lights_the_bell_on_every_page_until_it_is_read,
    |t: TestApp| async move {
        let mut owners = std::collections::BTreeSet::new();
        let people: Vec<_> = t
            .sim
            .characters()
            .into_iter()
            .filter(|c| owners.insert(c.owner_hash.clone()))
            .take(2)
            .collect();
        let admin = t.browser();
        admin.login_ok(people[0].character_id).await;
        let member = t.browser();
        member.login_ok(people[1].character_id).await;
        let (_, page) = member.get_text("/account").await;
        assert_eq!(bell(&page), None, "nothing to read yet");

        post_ok(
            &admin,
            "/roles/appoint",
            &[("role", "general_fc"), ("character", &people[1].name)],
        )
        .await;
        for path in ["/account", "/groups", "/roles"] {
            let (_, page) = member.get_text(path).await;
            assert_eq!(bell(&page), Some(1), "the bell on {path}");
        }
        let (_, list) = member.get_text("/notifications").await;
        assert!(list.contains("You were appointed General FC"), "{list}");
        assert!(
            list.contains(r#"href="/roles""#),
            "it links to the roles page"
        );

        let page = post_ok(&member, "/notifications/read", &[]).await;
        assert!(page.contains("1 notification(s) marked read"));
        assert_eq!(bell(&page), None, "the bell is out");
        let (_, admins) = admin.get_text("/account").await;
        assert_eq!(bell(&admins), None, "only the member was told");
    }
);
