//! The schema as the database describes it, for the test that keeps both schemas alike.

use crate::Result;
use crate::Store;
use crate::db::Db;
use std::collections::{BTreeMap, BTreeSet};

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

/// One column as its database declares it. `declared_type` is lower case and the backend's own
/// word (SQLite's declared type, PostgreSQL's `data_type`); the parity test maps one onto the
/// other. `default` is the expression text as the database keeps it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ColumnShape {
    pub table: String,
    pub column: String,
    pub declared_type: String,
    pub not_null: bool,
    pub default: Option<String>,
    /// Position in the table's primary key (1-based), if it is part of it.
    pub primary_key: Option<u32>,
}

/// Everything the parity test compares: columns, secondary indexes (unique or not, partial or
/// not, over which columns; `<expr>` for an expression) and foreign keys (columns, referenced
/// table and columns, what a delete does). Index and constraint names are left out: SQLite names
/// the indexes of `UNIQUE` constraints itself. Triggers are not described.
#[derive(Debug, Clone, Default)]
pub struct SchemaShape {
    pub columns: Vec<ColumnShape>,
    pub indexes: BTreeSet<String>,
    pub foreign_keys: BTreeSet<String>,
    /// `table: n CHECK constraints`, for each table that has any (their expressions are
    /// written in each dialect, so only the number is compared).
    pub checks: BTreeSet<String>,
}

fn index_line(table: &str, unique: bool, partial: bool, columns: &str) -> String {
    format!(
        "{table}: {}index ({columns}){}",
        if unique { "unique " } else { "" },
        if partial { " where …" } else { "" }
    )
}

fn foreign_key_line(table: &str, from: &str, parent: &str, to: &str, on_delete: &str) -> String {
    format!("{table} ({from}) references {parent} ({to}) on delete {on_delete}")
}

/// Referenced table, columns, referenced columns, what a delete does.
type ForeignKeyParts = (String, Vec<String>, Vec<String>, String);
/// Table, column, type, `is_nullable`, default, position in the primary key.
type PostgresColumn = (String, String, String, String, Option<String>, Option<i32>);

fn check_line(table: &str, n: usize) -> String {
    format!("{table}: {n} CHECK constraints")
}

impl Store {
    /// The whole schema, described alike by both backends (see [`SchemaShape`]).
    pub async fn schema_shape(&self) -> Result<SchemaShape> {
        match &self.db {
            Db::Sqlite(db) => {
                let pool = db.reader();
                let cols: Vec<(String, String, String, bool, Option<String>, i64)> =
                    sqlx::query_as(
                        "SELECT m.name, p.name, lower(p.type), p.\"notnull\", p.dflt_value, p.pk
                         FROM sqlite_master m, pragma_table_info(m.name) p
                         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
                           AND m.name <> '_sqlx_migrations'",
                    )
                    .fetch_all(pool)
                    .await?;
                let columns: Vec<ColumnShape> = cols
                    .into_iter()
                    .map(|(table, column, ty, not_null, default, pk)| ColumnShape {
                        table,
                        column,
                        declared_type: ty,
                        // A primary key column is never null, whatever SQLite's pragma says.
                        not_null: not_null || pk > 0,
                        default,
                        primary_key: u32::try_from(pk).ok().filter(|p| *p > 0),
                    })
                    .collect();
                // Index columns in order; `<expr>` where SQLite gives no column name.
                let idx: Vec<(String, String, bool, bool, i64, Option<String>)> = sqlx::query_as(
                    "SELECT m.name, l.name, l.\"unique\", l.partial, i.seqno, i.name
                     FROM sqlite_master m, pragma_index_list(m.name) l, pragma_index_info(l.name) i
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
                       AND m.name <> '_sqlx_migrations' AND l.origin <> 'pk'
                     ORDER BY m.name, l.name, i.seqno",
                )
                .fetch_all(pool)
                .await?;
                let mut grouped: BTreeMap<(String, String), (bool, bool, Vec<String>)> =
                    BTreeMap::new();
                for (table, index, unique, partial, _, column) in idx {
                    grouped
                        .entry((table, index))
                        .or_insert((unique, partial, Vec::new()))
                        .2
                        .push(column.unwrap_or_else(|| "<expr>".to_owned()));
                }
                let indexes = grouped
                    .into_iter()
                    .map(|((table, _), (unique, partial, cols))| {
                        index_line(&table, unique, partial, &cols.join(", "))
                    })
                    .collect();
                let fks: Vec<(String, i64, String, String, Option<String>, String)> =
                    sqlx::query_as(
                        "SELECT m.name, f.id, f.\"table\", f.\"from\", f.\"to\", f.on_delete
                         FROM sqlite_master m, pragma_foreign_key_list(m.name) f
                         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
                           AND m.name <> '_sqlx_migrations'
                         ORDER BY m.name, f.id, f.seq",
                    )
                    .fetch_all(pool)
                    .await?;
                let mut grouped: BTreeMap<(String, i64), ForeignKeyParts> = BTreeMap::new();
                for (table, id, parent, from, to, on_delete) in fks {
                    // `REFERENCES parent` without columns means the parent's primary key.
                    let to = to.unwrap_or_else(|| {
                        columns
                            .iter()
                            .filter(|c| c.table == parent && c.primary_key.is_some())
                            .map(|c| c.column.clone())
                            .collect::<Vec<_>>()
                            .join(", ")
                    });
                    let e = grouped.entry((table, id)).or_insert((
                        parent,
                        Vec::new(),
                        Vec::new(),
                        on_delete.to_lowercase(),
                    ));
                    e.1.push(from);
                    e.2.push(to);
                }
                let foreign_keys = grouped
                    .into_iter()
                    .map(|((table, _), (parent, from, to, on_delete))| {
                        foreign_key_line(
                            &table,
                            &from.join(", "),
                            &parent,
                            &to.join(", "),
                            &on_delete,
                        )
                    })
                    .collect();
                // SQLite keeps only the CREATE TABLE text: count its CHECK clauses.
                let tables: Vec<(String, String)> = sqlx::query_as(
                    "SELECT name, sql FROM sqlite_master
                     WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
                       AND name <> '_sqlx_migrations'",
                )
                .fetch_all(pool)
                .await?;
                let checks = tables
                    .into_iter()
                    .map(|(table, sql)| {
                        let n = sql
                            .lines()
                            .map(|l| l.split("--").next().unwrap_or(""))
                            .map(|l| l.matches("CHECK (").count() + l.matches("CHECK(").count())
                            .sum::<usize>();
                        (table, n)
                    })
                    .filter(|(_, n)| *n > 0)
                    .map(|(table, n)| check_line(&table, n))
                    .collect();
                Ok(SchemaShape {
                    columns,
                    indexes,
                    foreign_keys,
                    checks,
                })
            }
            Db::Postgres(db) => {
                let pool = db.reader();
                let cols: Vec<PostgresColumn> = sqlx::query_as(
                    "SELECT c.table_name::text, c.column_name::text, lower(c.data_type::text),
                                c.is_nullable::text, c.column_default::text,
                                (SELECT u.n::int4
                                 FROM pg_index i
                                 JOIN pg_attribute a
                                   ON a.attrelid = i.indrelid AND a.attname = c.column_name
                                 CROSS JOIN unnest(i.indkey::int2[]) WITH ORDINALITY AS u(k, n)
                                 WHERE i.indrelid = (quote_ident(c.table_name))::regclass
                                   AND i.indisprimary AND u.k = a.attnum)
                         FROM information_schema.columns c
                         WHERE c.table_schema = current_schema()
                           AND c.table_name <> '_sqlx_migrations'",
                )
                .fetch_all(pool)
                .await?;
                let columns = cols
                    .into_iter()
                    .map(|(table, column, ty, nullable, default, pk)| ColumnShape {
                        table,
                        column,
                        declared_type: ty,
                        not_null: nullable == "NO",
                        default,
                        primary_key: pk.and_then(|p| u32::try_from(p).ok()),
                    })
                    .collect();
                let idx: Vec<(String, bool, bool, String)> = sqlx::query_as(
                    "SELECT t.relname::text, i.indisunique, i.indpred IS NOT NULL,
                            array_to_string(ARRAY(
                              SELECT CASE WHEN u.k = 0 THEN '<expr>' ELSE a.attname::text END
                              FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS u(k, n)
                              LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = u.k
                              ORDER BY u.n), ', ')
                     FROM pg_index i
                     JOIN pg_class t ON t.oid = i.indrelid
                     JOIN pg_namespace ns ON ns.oid = t.relnamespace
                     WHERE ns.nspname = current_schema() AND t.relname <> '_sqlx_migrations'
                       AND NOT i.indisprimary",
                )
                .fetch_all(pool)
                .await?;
                let indexes = idx
                    .into_iter()
                    .map(|(table, unique, partial, cols)| {
                        index_line(&table, unique, partial, &cols)
                    })
                    .collect();
                let fks: Vec<(String, String, String, String, String)> = sqlx::query_as(
                    "SELECT t.relname::text, p.relname::text,
                            array_to_string(ARRAY(
                              SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY AS u(k, n)
                              JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = u.k
                              ORDER BY u.n), ', '),
                            array_to_string(ARRAY(
                              SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY AS u(k, n)
                              JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = u.k
                              ORDER BY u.n), ', '),
                            CASE c.confdeltype WHEN 'a' THEN 'no action' WHEN 'r' THEN 'restrict'
                              WHEN 'c' THEN 'cascade' WHEN 'n' THEN 'set null'
                              ELSE 'set default' END
                     FROM pg_constraint c
                     JOIN pg_class t ON t.oid = c.conrelid
                     JOIN pg_class p ON p.oid = c.confrelid
                     JOIN pg_namespace ns ON ns.oid = t.relnamespace
                     WHERE c.contype = 'f' AND ns.nspname = current_schema()",
                )
                .fetch_all(pool)
                .await?;
                let foreign_keys = fks
                    .into_iter()
                    .map(|(table, parent, from, to, on_delete)| {
                        foreign_key_line(&table, &from, &parent, &to, &on_delete)
                    })
                    .collect();
                let counted: Vec<(String, i64)> = sqlx::query_as(
                    "SELECT t.relname::text, count(*)
                     FROM pg_constraint c
                     JOIN pg_class t ON t.oid = c.conrelid
                     JOIN pg_namespace ns ON ns.oid = t.relnamespace
                     WHERE c.contype = 'c' AND ns.nspname = current_schema()
                     GROUP BY t.relname",
                )
                .fetch_all(pool)
                .await?;
                let checks = counted
                    .into_iter()
                    .map(|(table, n)| check_line(&table, usize::try_from(n).unwrap_or(0)))
                    .collect();
                Ok(SchemaShape {
                    columns,
                    indexes,
                    foreign_keys,
                    checks,
                })
            }
        }
    }
}
