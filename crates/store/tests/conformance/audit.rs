//! The audit log: a hash chain that never forks, reads back exactly, and exposes tampering.

use crate::support::*;
use jumpgate_domain::audit::{
    Actor, AuditEntry, ChainBreak, GENESIS_HASH, NewAuditEntry, verify_chain,
};
use jumpgate_store::{AuditFilter, Backend, Store, store_test};
use serde_json::json;
use sqlx::Connection;

fn entry(actor: Actor, action: &str, target: &str, details: serde_json::Value) -> NewAuditEntry {
    NewAuditEntry {
        actor,
        action: action.to_owned(),
        target: target.to_owned(),
        details,
    }
}

async fn whole_log(store: &Store) -> Vec<AuditEntry> {
    store.audit_after(0, 10_000).await.expect("read the log")
}

store_test!(
    appended_entries_form_a_chain_that_reads_back_exactly,
    |store| async move {
        let mut written = Vec::new();
        for i in 0..25 {
            let details = json!({
                "z": i, "a": [1.5, -0.0, 1e20, "ünïcødé ✓"], "m": {"y": null, "b": true},
                "big": u64::MAX, "neg": i64::MIN,
            });
            let e = entry(
                Actor::Account(i),
                "character.added",
                &format!("character:{i}"),
                details,
            );
            written.push(store.append_audit(&e).await.unwrap());
        }
        assert_eq!(written[0].prev_hash, GENESIS_HASH);
        assert_eq!(
            written.iter().map(|e| e.id).collect::<Vec<_>>(),
            (1..=25).collect::<Vec<_>>()
        );

        let read = whole_log(&store).await;
        assert_eq!(read, written);
        let head = verify_chain(GENESIS_HASH, &read).unwrap();
        assert_eq!(head, written[24].hash);
        // Verification can resume from any point.
        let tail = store.audit_after(20, 100).await.unwrap();
        assert_eq!(verify_chain(&written[19].hash, &tail).unwrap(), head);
        assert_eq!(store.audit_after(0, 3).await.unwrap().len(), 3);
    }
);

store_test!(
    twenty_concurrent_appenders_never_fork_the_chain,
    |store| async move {
        let mut writers = tokio::task::JoinSet::new();
        for w in 0..20 {
            let store = store.clone();
            writers.spawn(async move {
                for n in 0..3 {
                    let e = entry(
                        Actor::System(format!("worker-{w}")),
                        "job.ran",
                        "job:x",
                        json!({"n": n}),
                    );
                    store.append_audit(&e).await.unwrap();
                }
            });
        }
        writers.join_all().await;
        let log = whole_log(&store).await;
        assert_eq!(log.len(), 60);
        assert_eq!(
            log.iter().map(|e| e.id).collect::<Vec<_>>(),
            (1..=60).collect::<Vec<_>>()
        );
        verify_chain(GENESIS_HASH, &log).unwrap();
    }
);

store_test!(
    filters_select_by_actor_action_prefix_target_and_time,
    |store| async move {
        let a = store
            .append_audit(&entry(
                Actor::Account(1),
                "character.added",
                "character:1",
                json!({}),
            ))
            .await
            .unwrap();
        let b = store
            .append_audit(&entry(
                Actor::Account(2),
                "character.removed",
                "character:2",
                json!({}),
            ))
            .await
            .unwrap();
        let c = store
            .append_audit(&entry(
                Actor::Cli("grant".into()),
                "account.superuser",
                "account:1",
                json!({}),
            ))
            .await
            .unwrap();
        let ids = |v: Vec<AuditEntry>| v.into_iter().map(|e| e.id).collect::<Vec<_>>();
        let all = AuditFilter {
            limit: 100,
            ..Default::default()
        };

        assert_eq!(
            ids(store.audit_entries(&all).await.unwrap()),
            [c.id, b.id, a.id]
        );
        let f = AuditFilter {
            actor: Some("account:2".into()),
            ..all.clone()
        };
        assert_eq!(ids(store.audit_entries(&f).await.unwrap()), [b.id]);
        let f = AuditFilter {
            action_prefix: Some("character.".into()),
            ..all.clone()
        };
        assert_eq!(ids(store.audit_entries(&f).await.unwrap()), [b.id, a.id]);
        // A prefix is literal text, not a pattern, and case matters.
        let f = AuditFilter {
            action_prefix: Some("CHARACTER".into()),
            ..all.clone()
        };
        assert!(store.audit_entries(&f).await.unwrap().is_empty());
        let f = AuditFilter {
            action_prefix: Some("%".into()),
            ..all.clone()
        };
        assert!(store.audit_entries(&f).await.unwrap().is_empty());
        let f = AuditFilter {
            target: Some("account:1".into()),
            ..all.clone()
        };
        assert_eq!(ids(store.audit_entries(&f).await.unwrap()), [c.id]);
        let f = AuditFilter {
            since: Some(b.at),
            until: Some(b.at),
            ..all.clone()
        };
        assert!(ids(store.audit_entries(&f).await.unwrap()).contains(&b.id));
        let f = AuditFilter {
            since: Some(c.at + secs(1)),
            ..all.clone()
        };
        assert!(store.audit_entries(&f).await.unwrap().is_empty());
        let f = AuditFilter {
            until: Some(a.at - secs(1)),
            ..all.clone()
        };
        assert!(store.audit_entries(&f).await.unwrap().is_empty());
        let f = AuditFilter {
            limit: 1,
            ..all.clone()
        };
        assert_eq!(ids(store.audit_entries(&f).await.unwrap()), [c.id]);
    }
);

store_test!(
    editing_a_row_behind_the_stores_back_is_detected,
    |t: TestStore| async move {
        let store = t.store.clone();
        for i in 0..5 {
            store
                .append_audit(&entry(
                    Actor::Account(i),
                    "account.state_changed",
                    "account:1",
                    json!({"to": "Member"}),
                ))
                .await
                .unwrap();
        }
        verify_chain(GENESIS_HASH, &whole_log(&store).await).unwrap();

        let tamper = "UPDATE audit_log SET target = 'account:2' WHERE id = 3";
        match t.backend() {
            Backend::Sqlite => {
                let mut conn = sqlx::SqliteConnection::connect(&t.url).await.unwrap();
                sqlx::query(tamper).execute(&mut conn).await.unwrap();
            }
            Backend::Postgres => {
                let mut conn = sqlx::PgConnection::connect(&t.url).await.unwrap();
                sqlx::query(tamper).execute(&mut conn).await.unwrap();
            }
        }
        assert_eq!(
            verify_chain(GENESIS_HASH, &whole_log(&store).await),
            Err(ChainBreak::Edited { id: 3 })
        );
    }
);

/// Several instances on one PostgreSQL database (SQLite has one process by design): each
/// appends from its own pool while the others do, and the chain stays one line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_appending_at_once_never_fork_the_chain() {
    let t = jumpgate_store::testing::fresh_postgres().await;
    // This instance knows the head after its first append; the others move it on.
    t.store
        .append_audit(&entry(Actor::Account(1), "before", "x", json!({})))
        .await
        .unwrap();
    let mut writers = tokio::task::JoinSet::new();
    for instance in 0..3 {
        let store = jumpgate_store::connect(&t.url, &Default::default())
            .await
            .unwrap();
        for w in 0..5 {
            let store = store.clone();
            writers.spawn(async move {
                for n in 0..6 {
                    let e = entry(
                        Actor::System(format!("instance-{instance}-worker-{w}")),
                        "job.ran",
                        "job:x",
                        json!({"n": n}),
                    );
                    store.append_audit(&e).await.unwrap();
                }
            });
        }
    }
    writers.join_all().await;
    // Its head is 89 entries old: the append finds its place taken and reads the head again.
    t.store
        .append_audit(&entry(Actor::Account(1), "after", "x", json!({})))
        .await
        .unwrap();
    let log = whole_log(&t.store).await;
    assert_eq!(
        log.iter().map(|e| e.id).collect::<Vec<_>>(),
        (1..=92).collect::<Vec<_>>()
    );
    verify_chain(GENESIS_HASH, &log).unwrap();
    t.close().await;
}
