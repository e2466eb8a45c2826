//! A write transaction a use case can span: a change and its audit entry (or several changes)
//! commit together or not at all.
//!
//! ```ignore
//! let mut tx = store.transaction().await?;
//! tx.grant_permission(account, "admin.audit").await?;
//! tx.append_audit(&entry).await?;
//! tx.commit().await?; // dropped without commit: nothing was written
//! ```
//!
//! Each feature adds the writes a use case combines as methods on [`Transaction`] in its own file,
//! beside its reads on [`Store`]; a body is written once, on the transaction's connection
//! ([`on_conn!`](crate::db::on_conn)), for both backends.
//!
//! SQLite has one writer connection and `BEGIN IMMEDIATE` takes the write lock, so while a
//! transaction is open every write goes through it: a write through the `Store` would wait for the
//! writer until the pool's timeout. Reads through the `Store` use other connections and do not
//! see the transaction's uncommitted rows.

use crate::db::{Conn, Db, Dialects};
use crate::{Result, Store};
use jumpgate_domain::audit::{ChainKey, to_micros};
use jumpgate_domain::clock::Clock;
use std::sync::Arc;
use time::OffsetDateTime;

/// An open write transaction; see the module doc. Rolled back when dropped without
/// [`commit`](Self::commit).
pub struct Transaction {
    open: Open,
    clock: Arc<dyn Clock>,
    audit_key: ChainKey,
}

enum Open {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Store {
    /// Begins a write transaction (SQLite: `BEGIN IMMEDIATE` on the writer; PostgreSQL: `READ
    /// COMMITTED`, as every write here).
    pub async fn transaction(&self) -> Result<Transaction> {
        let open = match &self.db {
            Db::Sqlite(db) => Open::Sqlite(db.begin().await?),
            Db::Postgres(db) => Open::Postgres(db.begin().await?),
        };
        Ok(Transaction {
            open,
            clock: self.clock.clone(),
            audit_key: self.audit_key.clone(),
        })
    }
}

impl Transaction {
    /// Makes every write of the transaction visible at once.
    pub async fn commit(self) -> Result<()> {
        match self.open {
            Open::Sqlite(tx) => tx.commit().await?,
            Open::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    /// Now, as [`Store`]'s writes read it.
    pub(crate) fn now(&self) -> OffsetDateTime {
        to_micros(self.clock.now())
    }

    /// The key audit entries appended in this transaction are sealed with.
    pub(crate) fn audit_key(&self) -> &ChainKey {
        &self.audit_key
    }

    /// The statement's text for this transaction's backend.
    pub(crate) fn sql(&self, statement: &Dialects) -> &'static str {
        match self.open {
            Open::Sqlite(_) => statement.sqlite,
            Open::Postgres(_) => statement.postgres,
        }
    }

    /// The transaction's connection, for a body written once with `on_conn!`.
    pub(crate) fn conn(&mut self) -> Conn<'_> {
        match &mut self.open {
            Open::Sqlite(tx) => Conn::Sqlite(&mut *tx),
            Open::Postgres(tx) => Conn::Postgres(&mut *tx),
        }
    }
}
