//! Application webhooks (ADR 0031): a webhook is set, turned off (forgetting what it saw) and
//! removed (its pending deliveries fail, and stay listed); what an application saw is recorded
//! row by row, a row recorded twice reports once; deliveries go out in order, their attempts
//! are recorded, a failed one is put back in line by hand; deleting the application takes
//! everything with it.

use crate::support::*;
use jumpgate_domain::apps::webhooks::DeliveryStatus;
use jumpgate_domain::{AccountId, AppId, CharacterId, GroupId};
use jumpgate_store::{DeliveryAttempt, StoreError, store_test};

store_test!(
    a_webhook_is_set_turned_off_and_removed_and_what_it_saw_is_recorded_once,
    |store| async move {
        let mut tx = store.transaction().await.unwrap();
        let app = tx.create_app("Pingboard").await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.transaction().await.unwrap();
        assert!(matches!(
            tx.set_app_webhook(AppId(424_242), "https://x.example/", true)
                .await,
            Err(StoreError::NotFound(_))
        ));
        drop(tx);
        let mut tx = store.transaction().await.unwrap();
        tx.set_app_webhook(app, "https://tool.example/hook", true)
            .await
            .unwrap();
        tx.set_app_webhook_secret(app, b"sealed").await.unwrap();
        tx.commit().await.unwrap();
        let hook = store.app_webhook(app).await.unwrap().unwrap();
        assert_eq!(hook.url, "https://tool.example/hook");
        assert!(hook.enabled && !hook.primed);
        assert_eq!(hook.sealed_secret.as_deref(), Some(&b"sealed"[..]));

        let row = (CharacterId(90_000_001), GroupId(7), AccountId(3));
        let mut tx = store.transaction().await.unwrap();
        assert!(tx.add_app_webhook_seen(app, row).await.unwrap());
        assert!(!tx.add_app_webhook_seen(app, row).await.unwrap(), "once");
        tx.set_app_webhook_primed(app).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            store
                .app_webhook_seen(app)
                .await
                .unwrap()
                .into_iter()
                .collect::<Vec<_>>(),
            vec![row]
        );
        // A new URL keeps what it saw; turning it off forgets it and unprimes.
        let mut tx = store.transaction().await.unwrap();
        tx.set_app_webhook(app, "https://tool.example/other", true)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let hook = store.app_webhook(app).await.unwrap().unwrap();
        assert!(hook.primed);
        assert_eq!(
            hook.sealed_secret.as_deref(),
            Some(&b"sealed"[..]),
            "secret kept"
        );
        let mut tx = store.transaction().await.unwrap();
        tx.set_app_webhook(app, "https://tool.example/other", false)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(!store.app_webhook(app).await.unwrap().unwrap().primed);
        assert!(store.app_webhook_seen(app).await.unwrap().is_empty());
        let mut tx = store.transaction().await.unwrap();
        assert!(!tx.remove_app_webhook_seen(app, row).await.unwrap());
        drop(tx);

        // Removing it fails what is pending.
        let mut tx = store.transaction().await.unwrap();
        tx.add_webhook_delivery(app, "e-1", "{}").await.unwrap();
        assert_eq!(tx.clear_app_webhook(app).await.unwrap(), 1);
        tx.commit().await.unwrap();
        assert!(store.app_webhook(app).await.unwrap().is_none());
        let overview = store.webhook_delivery_overview(app).await.unwrap();
        assert_eq!(overview.pending, 0);
        assert_eq!(overview.failed.len(), 1);
        assert!(
            overview.failed[0]
                .last_error
                .as_deref()
                .unwrap()
                .contains("removed")
        );
    }
);

store_test!(
    deliveries_go_out_in_order_with_their_attempts_and_a_failed_one_is_retried,
    |store| async move {
        let mut tx = store.transaction().await.unwrap();
        let app = tx.create_app("Pingboard").await.unwrap();
        tx.set_app_webhook(app, "https://tool.example/hook", true)
            .await
            .unwrap();
        let first = tx
            .add_webhook_delivery(app, "e-1", "{\"n\":1}")
            .await
            .unwrap();
        let second = tx
            .add_webhook_delivery(app, "e-2", "{\"n\":2}")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(first < second);
        let t = now();
        assert_eq!(
            store
                .apps_with_due_webhook_deliveries(t + secs(1))
                .await
                .unwrap(),
            vec![app]
        );
        let pending = store.pending_webhook_deliveries(app, 10).await.unwrap();
        assert_eq!(
            pending
                .iter()
                .map(|d| d.event_id.as_str())
                .collect::<Vec<_>>(),
            ["e-1", "e-2"]
        );
        assert_eq!(pending[0].payload, "{\"n\":1}");
        assert_eq!(pending[0].status, DeliveryStatus::Pending);

        store
            .record_webhook_attempt(
                first,
                &DeliveryAttempt {
                    status: DeliveryStatus::Pending,
                    http_status: Some(500),
                    error: Some("the receiver answered 500".into()),
                    at: t,
                    next_attempt_at: t + secs(10),
                },
            )
            .await
            .unwrap();
        assert!(
            store
                .apps_with_due_webhook_deliveries(t + secs(5))
                .await
                .unwrap()
                .contains(&app),
            "the second is due (the job holds it back behind the first)"
        );
        let d = store.webhook_delivery(app, first).await.unwrap().unwrap();
        assert_eq!((d.attempts, d.last_status), (1, Some(500)));
        assert_eq!(d.next_attempt_at, t + secs(10));
        store
            .record_webhook_attempt(
                first,
                &DeliveryAttempt {
                    status: DeliveryStatus::Failed,
                    http_status: None,
                    error: Some("could not reach the receiver".into()),
                    at: t + secs(10),
                    next_attempt_at: t + secs(30),
                },
            )
            .await
            .unwrap();
        store
            .record_webhook_attempt(
                second,
                &DeliveryAttempt {
                    status: DeliveryStatus::Delivered,
                    http_status: Some(204),
                    error: None,
                    at: t + secs(11),
                    next_attempt_at: t,
                },
            )
            .await
            .unwrap();
        let overview = store.webhook_delivery_overview(app).await.unwrap();
        assert_eq!(overview.pending, 0);
        assert_eq!(overview.last.as_ref().unwrap().id, second);
        assert_eq!(overview.failed.len(), 1);
        assert_eq!(overview.failed[0].id, first);

        let mut tx = store.transaction().await.unwrap();
        assert!(matches!(
            tx.retry_webhook_delivery(app, second).await,
            Err(StoreError::NotFound(_))
        ));
        drop(tx);
        let mut tx = store.transaction().await.unwrap();
        tx.retry_webhook_delivery(app, first).await.unwrap();
        tx.commit().await.unwrap();
        let d = store.webhook_delivery(app, first).await.unwrap().unwrap();
        assert_eq!((d.status, d.attempts), (DeliveryStatus::Pending, 0));

        let mut tx = store.transaction().await.unwrap();
        tx.delete_app(app).await.unwrap();
        tx.commit().await.unwrap();
        assert!(store.webhook_delivery(app, first).await.unwrap().is_none());
        assert!(store.app_webhooks().await.unwrap().is_empty());
    }
);
