//! Transactions a use case spans: a change and its audit entry are written together or not at
//! all, and the chain stays one line when transactional appends meet the store's own.

use crate::support::*;
use jumpgate_domain::StateId;
use jumpgate_domain::audit::{Actor, NewAuditEntry, verify_chain};
use jumpgate_domain::states::State;
use jumpgate_store::{Store, Transaction, store_test};
use serde_json::json;

fn granted(account: i64, permission: &str) -> NewAuditEntry {
    NewAuditEntry {
        actor: Actor::Account(1),
        action: "permission.granted".to_owned(),
        target: format!("account:{account}"),
        details: json!({ "permission": permission }),
    }
}

async fn log_len(store: &Store) -> usize {
    store
        .audit_after(0, 10_000)
        .await
        .expect("read the log")
        .len()
}

store_test!(
    a_committed_transaction_writes_the_change_and_its_audit_entry,
    |store| async move {
        let (account, _) = store.create_account(&character(10, "Pilot")).await.unwrap();
        let mut tx = store.transaction().await.unwrap();
        tx.grant_permission(account.id, "admin.audit")
            .await
            .unwrap();
        let entry = tx
            .append_audit(&granted(account.id.get(), "admin.audit"))
            .await
            .unwrap();
        tx.commit().await.unwrap();

        assert!(
            store
                .account_permissions(account.id)
                .await
                .unwrap()
                .contains("admin.audit")
        );
        let log = store.audit_after(0, 10).await.unwrap();
        assert_eq!(log, vec![entry]);
        verify_chain(store.audit_key(), &log).unwrap();
    }
);

store_test!(
    a_transaction_dropped_before_commit_writes_nothing,
    |store| async move {
        let (account, _) = store.create_account(&character(10, "Pilot")).await.unwrap();
        {
            let mut tx = store.transaction().await.unwrap();
            tx.grant_permission(account.id, "admin.audit")
                .await
                .unwrap();
            tx.set_account_timezone(account.id, Some("Europe/Berlin"))
                .await
                .unwrap();
            tx.append_audit(&granted(account.id.get(), "admin.audit"))
                .await
                .unwrap();
            // A use case that fails here returns its error; the transaction is dropped.
        }
        assert!(
            store
                .account_permissions(account.id)
                .await
                .unwrap()
                .is_empty()
        );
        let account = store.account(account.id).await.unwrap().unwrap();
        assert_eq!(account.timezone, None);
        assert_eq!(log_len(&store).await, 0);

        // The store is usable afterwards (SQLite's writer was given back).
        store
            .grant_permission(account.id, "admin.jobs")
            .await
            .unwrap();
    }
);

store_test!(
    a_failing_write_inside_a_transaction_leaves_the_earlier_ones_unwritten,
    |store| async move {
        let seeded = store.states().await.unwrap();
        let taken = seeded.iter().find(|s| s.name == "Blue").unwrap();
        let (account, _) = store.create_account(&character(10, "Pilot")).await.unwrap();
        let mut tx = store.transaction().await.unwrap();
        tx.set_account_state(account.id, "Blue").await.unwrap();
        // A new state under a name that is taken fails inside the transaction.
        let clash = tx
            .save_state(&State {
                id: StateId::UNSAVED,
                ..taken.clone()
            })
            .await;
        assert!(clash.is_err(), "a second state named Blue is refused");
        drop(tx);
        let account = store.account(account.id).await.unwrap().unwrap();
        assert_ne!(account.state, "Blue");
    }
);

store_test!(
    transactional_appends_and_plain_appends_form_one_chain,
    |store| async move {
        let (account, _) = store.create_account(&character(10, "Pilot")).await.unwrap();
        let mut writers = tokio::task::JoinSet::new();
        for w in 0..4 {
            let store = store.clone();
            writers.spawn(async move {
                for n in 0..5 {
                    if (w + n) % 2 == 0 {
                        let mut tx = store.transaction().await.unwrap();
                        tx.set_superuser(account.id, n % 2 == 0).await.unwrap();
                        tx.append_audit(&granted(account.id.get(), &format!("p{w}.{n}")))
                            .await
                            .unwrap();
                        tx.commit().await.unwrap();
                    } else {
                        store
                            .append_audit(&granted(account.id.get(), &format!("p{w}.{n}")))
                            .await
                            .unwrap();
                    }
                }
            });
        }
        while let Some(done) = writers.join_next().await {
            done.unwrap();
        }
        let log = store.audit_after(0, 100).await.unwrap();
        assert_eq!(log.len(), 20);
        assert_eq!(
            log.iter().map(|e| e.id).collect::<Vec<_>>(),
            (1..=20).collect::<Vec<_>>()
        );
        verify_chain(store.audit_key(), &log).unwrap();
    }
);

store_test!(
    a_token_a_setting_a_queued_job_and_an_enrolment_are_written_only_when_committed,
    |store| async move {
        let (account, main) = store.create_account(&character(10, "Pilot")).await.unwrap();
        let writes = |mut tx: Transaction| async move {
            tx.upsert_token(&token(main.id, "standings.sync", now() + secs(600)))
                .await
                .unwrap();
            tx.kv_set("sso.safety_valve.open_until", "0").await.unwrap();
            tx.enqueue_job(&job("standings-sync", now(), Some("standings-sync:10")))
                .await
                .unwrap()
                .expect("queued");
            tx.enrol_sync(main.id, account.id).await.unwrap();
            tx.set_pending_writes(main.id, "kept").await.unwrap();
            tx
        };

        drop(writes(store.transaction().await.unwrap()).await);
        assert!(store.tokens_of_character(main.id).await.unwrap().is_empty());
        assert_eq!(
            store.kv_get("sso.safety_valve.open_until").await.unwrap(),
            None
        );
        assert!(store.jobs(None, 10).await.unwrap().is_empty());
        assert!(store.synced_character(main.id).await.unwrap().is_none());

        writes(store.transaction().await.unwrap())
            .await
            .commit()
            .await
            .unwrap();
        assert_eq!(store.tokens_of_character(main.id).await.unwrap().len(), 1);
        assert_eq!(
            store.kv_get("sso.safety_valve.open_until").await.unwrap(),
            Some("0".to_owned())
        );
        assert_eq!(store.jobs(None, 10).await.unwrap().len(), 1);
        assert!(store.synced_character(main.id).await.unwrap().is_some());
        assert_eq!(
            store.pending_writes(main.id).await.unwrap(),
            Some("kept".to_owned())
        );
    }
);
