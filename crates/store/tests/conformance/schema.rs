//! Both backends have the same tables and columns, so code above the store never depends on
//! which one runs.

use jumpgate_store::testing;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_backends_have_the_same_tables_and_columns() {
    let stores = testing::both().await;
    let sqlite = stores[0].1.store.schema_columns().await.unwrap();
    let postgres = stores[1].1.store.schema_columns().await.unwrap();
    assert_eq!(sqlite, postgres);

    let tables: Vec<_> = sqlite.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        tables,
        [
            "account_permissions",
            "accounts",
            "alliances",
            "audit_log",
            "bulk_operations",
            "change_counters",
            "characters",
            "corporations",
            "esi_cache",
            "job_runs",
            "jobs",
            "kv",
            "notifications",
            "removed_characters",
            "sessions",
            "standing_requests",
            "standing_revocations",
            "standings_entries",
            "state_criteria",
            "state_permissions",
            "states",
            "sync_characters",
            "sync_ledger",
            "tokens",
            "verification_mails",
        ]
    );
    for (table, columns) in &sqlite {
        let mut sorted = columns.clone();
        sorted.sort();
        assert_eq!(&sorted, columns, "columns of {table} are sorted");
    }
    for (_, t) in stores {
        t.close().await;
    }
}

#[tokio::test]
async fn reconnecting_runs_no_migration_twice_and_keeps_data() {
    let t = testing::fresh_postgres().await;
    t.store.kv_set("k", "v").await.unwrap();
    // `postgresql://` is the other spelling libpq accepts.
    let url = t.url.replacen("postgres://", "postgresql://", 1);
    let again = jumpgate_store::connect(&url, &Default::default(), testing::TEST_AUDIT_KEY)
        .await
        .unwrap();
    assert_eq!(again.kv_get("k").await.unwrap().as_deref(), Some("v"));
    assert_eq!(again.states().await.unwrap().len(), 3, "seed ran once");
    t.close().await;
}
