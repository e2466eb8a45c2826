//! A quiet process gives back the memory its connections keep for what they read last
//! (`Store::release_memory`, ADR 0025): nothing is lost and nothing is written.

use crate::support::*;
use jumpgate_store::store_test;

store_test!(
    releasing_the_connections_memory_loses_nothing_and_writes_nothing,
    |store| async move {
        let (account, _) = store.create_account(&character(10, "Pilot")).await.unwrap();
        let before = store.account_with_characters(account.id).await.unwrap();
        let writes = store.local_writes();

        store.release_memory().await.unwrap();
        store.release_memory().await.unwrap();

        assert_eq!(
            store.local_writes(),
            writes,
            "giving memory back is not a write"
        );
        assert_eq!(
            store.account_with_characters(account.id).await.unwrap(),
            before
        );
        let (other, _) = store.create_account(&character(11, "Other")).await.unwrap();
        assert!(
            store
                .account_with_characters(other.id)
                .await
                .unwrap()
                .is_some()
        );
    }
);
