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
            "sso_refresh_failures",
            "sso_safety_valve",
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

/// The email-link key that older versions kept in the database (security review L6) is deleted
/// by migration (SQLite 0010, PostgreSQL 0011): the token keys sign the links now.
#[tokio::test]
async fn migrating_deletes_the_email_link_key_older_versions_kept_in_the_database() {
    use sqlx::Connection;
    let copies = tempfile::tempdir().unwrap();
    for (name, t) in testing::both().await {
        // A database as it was before that migration, holding the key.
        let (url, version) = match t.backend() {
            jumpgate_store::Backend::Sqlite => {
                // SQLite has one process at a time: an older copy of this database, beside it.
                let copy = testing::copy_sqlite(&t.url, &copies.path().join("older.db")).await;
                (copy, 10)
            }
            jumpgate_store::Backend::Postgres => (t.url.clone(), 11),
        };
        let older = [
            "INSERT INTO kv (key, value) VALUES ('email.signing_key', 'c2VjcmV0'), ('other', 'kept')",
            if version == 10 {
                "DELETE FROM _sqlx_migrations WHERE version = 10"
            } else {
                "DELETE FROM _sqlx_migrations WHERE version = 11"
            },
        ];
        for sql in older {
            if url.starts_with("sqlite:") {
                let mut db = sqlx::SqliteConnection::connect(&url).await.unwrap();
                sqlx::query(sql).execute(&mut db).await.unwrap();
                db.close().await.unwrap();
            } else {
                let mut db = sqlx::PgConnection::connect(&url).await.unwrap();
                sqlx::query(sql).execute(&mut db).await.unwrap();
                db.close().await.unwrap();
            }
        }

        let migrated = jumpgate_store::connect(&url, &Default::default(), testing::TEST_AUDIT_KEY)
            .await
            .unwrap();
        assert_eq!(
            migrated.kv_get("email.signing_key").await.unwrap(),
            None,
            "{name}"
        );
        assert_eq!(
            migrated.kv_get("other").await.unwrap().as_deref(),
            Some("kept"),
            "{name}"
        );
        drop(migrated);
        t.close().await;
    }
}
