//! Both backends have the same tables and columns, so code above the store never depends on
//! which one runs.

use jumpgate_store::{ColumnShape, testing};
use std::collections::{BTreeMap, BTreeSet};

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
            "account_deactivations",
            "account_permissions",
            "accounts",
            "alliances",
            "app_eve_logins",
            "app_groups",
            "app_managers",
            "app_requests",
            "app_roles",
            "app_webhook_deliveries",
            "app_webhook_seen",
            "app_webhooks",
            "apps",
            "audit_log",
            "bulk_operations",
            "change_counters",
            "character_corporation_roles",
            "characters",
            "corporations",
            "divisions",
            "esi_cache",
            "group_affiliation_rules",
            "group_applications",
            "group_conditions",
            "group_group_rules",
            "group_manager_groups",
            "group_managers",
            "group_members",
            "group_permissions",
            "group_state_rules",
            "groups",
            "job_runs",
            "jobs",
            "kv",
            "notifications",
            "removed_characters",
            "role_holders",
            "role_leading_entities",
            "role_permissions",
            "sessions",
            "specialty_roles",
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
            "tracking_corporations",
            "tracking_directors",
            "tracking_members",
            "tracking_viewer_groups",
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

/// SQLite's declared type for each PostgreSQL type: the one mapping between the backends.
/// Times are INTEGER Unix microseconds in SQLite (0001_schema.sql) and TIMESTAMPTZ in PostgreSQL;
/// SQLite's INTEGER is 64 bits, so it stands for every PostgreSQL integer width.
const SAME_TYPE: &[(&str, &[&str])] = &[
    ("bigint", &["integer", "bigint"]),
    ("integer", &["integer"]),
    ("smallint", &["smallint", "integer"]),
    ("timestamp with time zone", &["integer"]),
    ("boolean", &["boolean"]),
    ("text", &["text"]),
    ("bytea", &["blob"]),
    // SQLite has no JSON type: a JSON document is TEXT (a declared JSON would get NUMERIC
    // affinity). PostgreSQL keeps `json` where the exact text matters (the audit chain hashes it).
    ("json", &["text", "json"]),
    ("jsonb", &["text", "json"]),
    ("double precision", &["real"]),
];

/// Differences the two backends keep on purpose, each with its reason.
const ACCEPTED: &[(&str, &str)] = &[(
    "SQLite only: sync_ledger (character_id) references sync_characters (character_id) on delete cascade",
    "PostgreSQL checks the same two rules once per statement with triggers instead (its \
     migration 0008: a row-by-row key cost two thirds of a first sync's ledger write)",
)];

fn same_type(sqlite: &str, postgres: &str) -> bool {
    SAME_TYPE
        .iter()
        .any(|(pg, lite)| *pg == postgres && lite.contains(&sqlite))
}

/// A default as both backends would write it: PostgreSQL's casts (`'Guest'::text`) and
/// `false`/`true` are SQLite's plain literals and `0`/`1`.
fn default_text(default: Option<&str>) -> Option<String> {
    let d = default?.trim();
    let d = match d.find("::") {
        Some(i) if !d[i..].contains('\'') => &d[..i],
        _ => d,
    };
    Some(match d.to_lowercase().as_str() {
        "false" => "0".to_owned(),
        "true" => "1".to_owned(),
        _ => d.trim_matches(|c| c == '(' || c == ')').to_owned(),
    })
}

fn describe(c: &ColumnShape, ty: &str) -> String {
    format!(
        "{}.{}: {ty}{}{}{}",
        c.table,
        c.column,
        if c.not_null { " not null" } else { "" },
        default_text(c.default.as_deref()).map_or(String::new(), |d| format!(" default {d}")),
        c.primary_key
            .map_or(String::new(), |p| format!(" primary key #{p}")),
    )
}

/// The lines only one side has, minus the accepted ones.
fn differences(
    sqlite: &BTreeSet<String>,
    postgres: &BTreeSet<String>,
    accepted: &mut BTreeSet<&str>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (only, side) in [
        (sqlite.difference(postgres), "SQLite only"),
        (postgres.difference(sqlite), "PostgreSQL only"),
    ] {
        for line in only {
            let line = format!("{side}: {line}");
            if !accepted.remove(line.as_str()) {
                out.push(line);
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_backends_have_the_same_columns_types_defaults_indexes_and_foreign_keys() {
    let stores = testing::both().await;
    let sqlite = stores[0].1.store.schema_shape().await.unwrap();
    let postgres = stores[1].1.store.schema_shape().await.unwrap();

    // Columns: PostgreSQL's type is written the SQLite way when the two are the same type.
    let lite_types: BTreeMap<(&str, &str), &str> = sqlite
        .columns
        .iter()
        .map(|c| {
            (
                (c.table.as_str(), c.column.as_str()),
                c.declared_type.as_str(),
            )
        })
        .collect();
    let lite_columns: BTreeSet<String> = sqlite
        .columns
        .iter()
        .map(|c| describe(c, &c.declared_type))
        .collect();
    let pg_columns: BTreeSet<String> = postgres
        .columns
        .iter()
        .map(|c| {
            let pg = c.declared_type.as_str();
            let ty = match lite_types.get(&(c.table.as_str(), c.column.as_str())) {
                Some(lite) if same_type(lite, pg) => lite,
                _ => pg,
            };
            describe(c, ty)
        })
        .collect();

    let mut accepted: BTreeSet<&str> = ACCEPTED.iter().map(|(line, _)| *line).collect();
    let mut found = differences(&lite_columns, &pg_columns, &mut accepted);
    found.extend(differences(
        &sqlite.indexes,
        &postgres.indexes,
        &mut accepted,
    ));
    found.extend(differences(
        &sqlite.foreign_keys,
        &postgres.foreign_keys,
        &mut accepted,
    ));
    found.extend(differences(&sqlite.checks, &postgres.checks, &mut accepted));
    assert!(
        found.is_empty(),
        "the schemas differ:\n{}",
        found.join("\n")
    );
    assert!(
        accepted.is_empty(),
        "accepted differences that no longer exist: {accepted:?}"
    );

    // The shape is really read: a few facts every backend must report.
    for facts in [&lite_columns, &pg_columns] {
        assert!(
            facts.contains("tokens.character_id: bigint not null"),
            "{facts:?}"
        );
    }
    assert!(
        sqlite
            .foreign_keys
            .contains("tokens (character_id) references characters (id) on delete cascade"),
        "{:?}",
        sqlite.foreign_keys
    );
    assert!(
        sqlite.indexes.contains("characters: index (<expr>)"),
        "{:?}",
        sqlite.indexes
    );
    assert!(
        sqlite.checks.contains("tokens: 1 CHECK constraints"),
        "{:?}",
        sqlite.checks
    );
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
