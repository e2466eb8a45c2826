//! Bulk operations: created queued, progress recorded as items are done, frozen once over.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::support::*;
use jumpgate_domain::AccountId;
use jumpgate_domain::BulkOperationId;
use jumpgate_store::{BulkProgress, BulkStatus, NewBulkOperation, Store, StoreError, store_test};
use serde_json::json;
use std::sync::Arc;

async fn account(store: &Arc<Store>) -> AccountId {
    store
        .create_account(&character(90_000_001, "Importer"))
        .await
        .expect("create the account")
        .0
        .id
}

fn new_op(account: AccountId) -> NewBulkOperation {
    NewBulkOperation {
        kind: "decide_requests".to_owned(),
        account,
        input: json!({"ids": [1, 2, 3]}),
        total: 3,
        step: "Waiting for a worker".to_owned(),
    }
}

fn progress(status: BulkStatus, done: i64, failed: i64, problems: &[&str]) -> BulkProgress {
    BulkProgress {
        status,
        step: format!("{done} done"),
        total: 3,
        done,
        failed,
        problems: problems.iter().map(|p| (*p).to_owned()).collect(),
        summary: String::new(),
    }
}

store_test!(
    an_operation_starts_queued_and_records_its_progress_until_it_is_over,
    |store| async move {
        let who = account(&store).await;
        let op = store.create_bulk_operation(&new_op(who)).await.unwrap();
        assert_eq!(op.progress.status, BulkStatus::Queued);
        assert_eq!(op.progress.step, "Waiting for a worker");
        assert_eq!((op.progress.total, op.progress.done), (3, 0));
        assert_eq!(op.input, json!({"ids": [1, 2, 3]}));
        assert_eq!(op.account, who);
        assert!(op.finished_at.is_none());

        let running = progress(BulkStatus::Running, 1, 1, &["#2: no longer pending"]);
        assert!(store.record_bulk_progress(op.id, &running).await.unwrap());
        let read = store.bulk_operation(op.id).await.unwrap().unwrap();
        assert_eq!(read.progress, running);
        assert!(read.finished_at.is_none());

        let mut over = progress(BulkStatus::Finished, 2, 1, &["#2: no longer pending"]);
        over.summary = "2 approved, 1 not done".to_owned();
        assert!(store.record_bulk_progress(op.id, &over).await.unwrap());
        let read = store.bulk_operation(op.id).await.unwrap().unwrap();
        assert_eq!(read.progress, over);
        assert!(read.finished_at.is_some());

        // A worker that lost its lease and writes late cannot undo the end.
        let late = progress(BulkStatus::Running, 1, 0, &[]);
        assert!(!store.record_bulk_progress(op.id, &late).await.unwrap());
        assert_eq!(
            store.bulk_operation(op.id).await.unwrap().unwrap().progress,
            over
        );
        assert!(
            !store
                .record_bulk_progress(BulkOperationId(999_999), &late)
                .await
                .unwrap()
        );
        assert!(
            store
                .bulk_operation(BulkOperationId(999_999))
                .await
                .unwrap()
                .is_none()
        );
    }
);

store_test!(an_operation_needs_a_known_account, |store| async move {
    let err = store
        .create_bulk_operation(&new_op(AccountId(424_242)))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
});
