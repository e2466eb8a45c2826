//! The store writes times by the clock it was opened with: a test moves it by hand, and every
//! time the store writes (accounts, jobs, audit entries) follows, on both backends.

use crate::support::character;
use jumpgate_domain::audit::{Actor, NewAuditEntry};
use jumpgate_domain::clock::ManualClock;
use jumpgate_store::testing::{fresh_postgres_with_clock, fresh_sqlite_with_clock};
use std::sync::Arc;
use std::time::Duration;
use time::macros::datetime;

#[tokio::test]
async fn the_store_writes_times_by_its_clock_and_a_test_moves_it() {
    for backend in ["sqlite", "postgres"] {
        let clock = Arc::new(ManualClock::new(datetime!(2031-03-01 11:00 UTC)));
        let t = match backend {
            "sqlite" => fresh_sqlite_with_clock(clock.clone()).await,
            _ => fresh_postgres_with_clock(clock.clone()).await,
        };
        let store = t.store.clone();
        assert_eq!(
            store.clock().now(),
            datetime!(2031-03-01 11:00 UTC),
            "{backend}"
        );

        let (account, _) = store.create_account(&character(10, "Pilot")).await.unwrap();
        assert_eq!(
            account.created_at,
            datetime!(2031-03-01 11:00 UTC),
            "{backend}"
        );

        // A day passes without anyone waiting for it.
        clock.advance(Duration::from_secs(24 * 60 * 60));
        let entry = store
            .append_audit(&NewAuditEntry {
                actor: Actor::Account(account.id.get()),
                action: "account.checked".to_owned(),
                target: format!("account:{}", account.id),
                details: serde_json::json!({}),
            })
            .await
            .unwrap();
        assert_eq!(entry.at, datetime!(2031-03-02 11:00 UTC), "{backend}");
        t.close().await;
    }
}
