//! The schema as the database describes it, for the test that keeps both schemas alike.

use crate::Result;
use crate::Store;
use crate::db::Db;
use std::collections::BTreeMap;

impl Store {
    /// Tables and their columns (sorted), without sqlx's migration table.
    pub async fn schema_columns(&self) -> Result<Vec<(String, Vec<String>)>> {
        // Each database describes itself its own way: SQLite in `sqlite_master` and the
        // `table_info` pragma, PostgreSQL in `information_schema` (of the store's schema).
        let rows: Vec<(String, String)> = match &self.db {
            Db::Sqlite(db) => {
                sqlx::query_as(
                    "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
                       AND m.name <> '_sqlx_migrations'",
                )
                .fetch_all(db.reader())
                .await?
            }
            Db::Postgres(db) => {
                sqlx::query_as(
                    "SELECT table_name::text, column_name::text FROM information_schema.columns
                     WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'",
                )
                .fetch_all(db.reader())
                .await?
            }
        };
        let mut tables: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (table, column) in rows {
            tables.entry(table).or_default().push(column);
        }
        Ok(tables
            .into_iter()
            .map(|(t, mut cols)| {
                cols.sort();
                (t, cols)
            })
            .collect())
    }
}
