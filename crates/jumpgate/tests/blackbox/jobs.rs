//! Background jobs as people meet them, on both databases: "run now" (a member's "Sync now", an
//! administrator's "Run now" or "Retry") means now, whatever was already queued for later.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::standings_sync::{contact, member, other_characters, stand};
use crate::support::TestApp;
use jumpgate_app::standings::sync::SYNC_CHARACTER;
use jumpgate_domain::standings::EntityKind;
use jumpgate_store::NewJob;
use std::time::{Duration, Instant};

/// Polls `done` every 50 ms for up to `within`; whether it came true.
async fn eventually<F, Fut>(within: Duration, mut done: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if done().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

on_both_backends!(
    sync_now_makes_a_sync_queued_for_later_due_now_and_the_next_poll_runs_it,
    |t: TestApp| async move {
        let m = member(&t, 0).await;
        let x = other_characters(&t, &m, 1)[0];
        stand(&t, EntityKind::Character, x, 5).await;
        // The periodic reconcile queued this character's sync for ten minutes from now.
        let periodic = t
            .store
            .enqueue_job(&NewJob {
                kind: SYNC_CHARACTER.into(),
                payload: serde_json::json!({ "character_id": m.id }),
                run_at: t.app.now() + time::Duration::minutes(10),
                dedupe_key: Some(format!("standings-sync:{}", m.id)),
                max_attempts: 5,
            })
            .await
            .unwrap()
            .unwrap();
        let worker = t.start_worker(Duration::from_millis(200));
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(contact(&t, &m, x).is_none(), "not due yet");

        let b = t.browser();
        b.login_ok(m.id).await;
        let r = b
            .post_form(&format!("/standings/sync/{}/now", m.id), &[])
            .await;
        assert_eq!(r.status(), 303);

        // The queued job itself became due: the worker's next poll runs it, not in ten minutes.
        assert!(
            eventually(Duration::from_secs(5), || async {
                t.store.job(periodic).await.unwrap().is_none()
            })
            .await,
            "the sync still waits: {:?}",
            t.store.job(periodic).await.unwrap()
        );
        assert!(contact(&t, &m, x).is_some());
        let (_, page) = b.get_text("/standings/sync").await;
        assert!(
            page.contains("in sync") && !page.contains("syncing"),
            "{page}"
        );
        worker.stop().await;
    }
);
