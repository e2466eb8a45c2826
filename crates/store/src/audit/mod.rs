//! The audit log: append-only and hash-chained. Each entry's hash covers its predecessor's and
//! is keyed with the store's audit key (the domain seals an entry, `jumpgate_domain::audit`), so
//! the chain shows any entry changed or removed after the fact.

mod group_commit;
mod names;

pub use names::{AuditNameIds, AuditNameRows, NamedCharacter};

pub(crate) use group_commit::AuditChain;

use crate::db::{Cols, Db, DbTime, Dialects, IdList, Limit, on_conn, on_db};
use crate::support::json;
use crate::{AuditFilter, Result, StoreError};
use crate::{Store, Transaction};
use const_format::concatcp;
use jumpgate_domain::audit::{Actor, AuditEntry, HashVersion, NewAuditEntry, seal};

const AUDIT_COLS: &str = "id, at, actor, action, target, CAST(details AS TEXT) AS details, \
     prev_hash, hash, hash_version";

/// Another writer appending at the same moment costs a retry; this many in a row means
/// something else is wrong.
const MAX_APPEND_ATTEMPTS: usize = 100;

/// How many entries `append_audit_many` inserts in one statement on PostgreSQL.
const APPEND_MANY_CHUNK: usize = 1_000;

fn chain_contended() -> StoreError {
    StoreError::Conflict(format!(
        "could not append to the audit log: {MAX_APPEND_ATTEMPTS} attempts in a row found their \
         place in the chain taken"
    ))
}

/// The ids of the entries a filter matches, newest first, as one JSON array: a row per id is a
/// hand-off per id from SQLite's connection thread (a page's hundred were most of the audit
/// log's time once its entries and names were kept). The backends differ only in the name of
/// the aggregate.
macro_rules! entry_ids_statement {
    ($aggregate:literal, $empty:literal) => {
        concatcp!(
            "SELECT CAST(COALESCE(",
            $aggregate,
            "(id), ",
            $empty,
            ") AS TEXT) FROM (
             SELECT id FROM audit_log
              WHERE (CAST($1 AS TEXT) IS NULL OR actor = $1)
                AND (CAST($2 AS TEXT) IS NULL OR substr(action, 1, length($2)) = $2)
                AND (CAST($3 AS TEXT) IS NULL OR target = $3)
                AND (CAST($4 AS TIMESTAMPTZ) IS NULL OR at >= $4)
                AND (CAST($5 AS TIMESTAMPTZ) IS NULL OR at <= $5)
                AND (CAST($7 AS BIGINT) IS NULL OR id < $7)
              ORDER BY id DESC LIMIT $6) matching"
        )
    };
}

const ENTRY_IDS: Dialects = Dialects {
    sqlite: entry_ids_statement!("json_group_array", "'[]'"),
    postgres: entry_ids_statement!("json_agg", "'[]'::json"),
};

/// Entries by id: only "is in the list bound as `$1`" differs between the backends.
const BY_IDS: Dialects = Dialects {
    sqlite: concatcp!(
        "SELECT ",
        AUDIT_COLS,
        " FROM audit_log WHERE id IN (SELECT value FROM json_each($1))"
    ),
    postgres: concatcp!("SELECT ", AUDIT_COLS, " FROM audit_log WHERE id = ANY($1)"),
};

/// The id and hash of the newest entry, which the next one links to.
const CHAIN_HEAD: &str = "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1";

fn read_audit<R: Cols>(r: &R) -> Result<AuditEntry> {
    Ok(AuditEntry {
        id: r.get("id")?,
        at: r.time("at")?,
        actor: actor(r.str("actor")?)?,
        action: r.get("action")?,
        target: r.get("target")?,
        details: json(r.str("details")?, "audit details")?,
        prev_hash: r.get("prev_hash")?,
        hash: r.get("hash")?,
        hash_version: hash_version(r.get("hash_version")?)?,
    })
}

fn hash_version(code: i32) -> Result<HashVersion> {
    HashVersion::from_code(code)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown audit hash version {code}")))
}

fn actor(s: &str) -> Result<Actor> {
    Actor::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown audit actor '{s}'")))
}

impl Store {
    /// Appends an entry: the id, time and hash chain are assigned so that concurrent writers
    /// (several instances) cannot fork the chain.
    pub async fn append_audit(&self, entry: &NewAuditEntry) -> Result<AuditEntry> {
        match &self.db {
            // SQLite: one process with a single writer connection, and `BEGIN IMMEDIATE` takes
            // the write lock before the chain head is read, so appends are strictly serialized:
            // each in a transaction of its own.
            Db::Sqlite(_) => {
                let mut tx = self.transaction().await?;
                let e = tx.append_audit(entry).await?;
                tx.commit().await?;
                Ok(e)
            }
            // PostgreSQL: several instances append at once, without holding a lock across round
            // trips, and each process commits its waiting entries in groups (ADR 0012).
            Db::Postgres(db) => {
                group_commit::append(db, entry, &*self.clock, &self.audit_key).await
            }
        }
    }

    /// Entries matching the filter, newest first. `since` and `until` are both inclusive; a
    /// limit of 0 or less means no limit.
    pub async fn audit_entries(&self, f: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let ids = self.audit_entry_ids(f).await?;
        let mut entries = self.audit_entries_by_ids(&ids).await?;
        entries.sort_unstable_by_key(|e| std::cmp::Reverse(e.id));
        Ok(entries)
    }

    /// The ids of the entries matching the filter, newest first (as `audit_entries`). Entries
    /// never change once written, so a reader that kept some by id reads only the others. Kept
    /// on SQLite until the next commit (ADR 0034).
    pub async fn audit_entry_ids(&self, f: &AuditFilter) -> Result<Vec<i64>> {
        self.kept_until_commit(
            |kept| &kept.audit_entry_ids,
            f,
            |_| true,
            || self.read_audit_entry_ids(f),
        )
        .await
    }

    /// The read of `audit_entry_ids`, from the database.
    async fn read_audit_entry_ids(&self, f: &AuditFilter) -> Result<Vec<i64>> {
        let ids: String = on_db!(self, |db| sqlx::query_scalar(db.sql(&ENTRY_IDS))
            .bind(&f.actor)
            .bind(&f.action_prefix)
            .bind(&f.target)
            .bind(f.since.map(DbTime))
            .bind(f.until.map(DbTime))
            .bind(Limit::positive_or_all(f.limit))
            .bind(f.before)
            .fetch_one(db.reader())
            .await?);
        let mut ids: Vec<i64> = serde_json::from_str(&ids).map_err(|e| {
            StoreError::Corrupt(format!(
                "the audit log's ids as the database listed them: {e}"
            ))
        })?;
        // An aggregate's order is not its input's.
        ids.sort_unstable_by(|a, b| b.cmp(a));
        Ok(ids)
    }

    /// The entries with these ids that exist, in no particular order.
    pub async fn audit_entries_by_ids(&self, ids: &[i64]) -> Result<Vec<AuditEntry>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        on_db!(self, |db| sqlx::query(db.sql(&BY_IDS))
            .bind(IdList::new(ids.iter().copied()))
            .fetch_all(db.reader())
            .await?
            .iter()
            .map(read_audit)
            .collect())
    }

    /// Entries with `id > after_id` in id order, for chain verification and export.
    pub async fn audit_after(&self, after_id: i64, limit: i64) -> Result<Vec<AuditEntry>> {
        on_db!(self, |db| sqlx::query(concatcp!(
            "SELECT ",
            AUDIT_COLS,
            " FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2"
        ))
        .bind(after_id)
        .bind(limit.max(0))
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(read_audit)
        .collect())
    }
}

/// A single entry's insert; PostgreSQL's column is `JSON`, which text is not cast to implicitly
/// (SQLite keeps the text as it is).
const INSERT_ONE: Dialects = Dialects {
    sqlite: "INSERT INTO audit_log
                 (id, at, actor, action, target, details, prev_hash, hash, hash_version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    postgres: "INSERT INTO audit_log
                   (id, at, actor, action, target, details, prev_hash, hash, hash_version)
               VALUES ($1, $2, $3, $4, $5, CAST($6 AS JSON), $7, $8, $9)",
};

impl Transaction {
    /// Appends `entries`, in order, committing with the rest of the transaction or not at all.
    /// On PostgreSQL they are sealed after one read of the head and inserted in one statement
    /// per `APPEND_MANY_CHUNK` (a sweep's thousands of entries were four round trips each); on
    /// SQLite, whose appends are local calls, one by one.
    pub async fn append_audit_many(&mut self, entries: &[NewAuditEntry]) -> Result<()> {
        if !matches!(self.conn(), crate::db::Conn::Postgres(_)) {
            for entry in entries {
                self.append_audit(entry).await?;
            }
            return Ok(());
        }
        for chunk in entries.chunks(APPEND_MANY_CHUNK) {
            self.append_audit_chunk(chunk).await?;
        }
        Ok(())
    }

    /// One chunk of `append_audit_many` on PostgreSQL: inside a savepoint, read the head, seal,
    /// insert; another writer taking one of the ids first rolls the savepoint back and it is
    /// tried again from the new head, as `append_audit` does.
    async fn append_audit_chunk(&mut self, entries: &[NewAuditEntry]) -> Result<()> {
        let at = self.now();
        let key = self.audit_key().clone();
        let crate::db::Conn::Postgres(c) = self.conn() else {
            return Err(StoreError::Invalid(
                "a chunk of audit entries is written this way on PostgreSQL only".to_owned(),
            ));
        };
        for _ in 0..MAX_APPEND_ATTEMPTS {
            let mut savepoint = sqlx::Connection::begin(&mut *c).await?;
            let mut last: Option<(i64, String)> = sqlx::query_as(CHAIN_HEAD)
                .fetch_optional(&mut *savepoint)
                .await?;
            let sealed: Vec<AuditEntry> = entries
                .iter()
                .map(|entry| {
                    let e = seal(&key, last.take(), entry, at);
                    last = Some((e.id, e.hash.clone()));
                    e
                })
                .collect();
            match group_commit::insert_all(&mut *savepoint, &sealed).await {
                Ok(()) => {
                    savepoint.commit().await?;
                    return Ok(());
                }
                Err(sqlx::Error::Database(err)) if err.is_unique_violation() => {
                    savepoint.rollback().await?;
                }
                Err(err) => return Err(err.into()),
            }
        }
        Err(chain_contended())
    }

    /// Appends an entry that commits with the rest of the transaction, or not at all.
    ///
    /// The head is read and the next id inserted inside a savepoint. On PostgreSQL another writer
    /// (an instance, or this process's group commit) may take that id first: the insert then
    /// fails on the primary key once the other commits, the savepoint is rolled back and the
    /// head read again, as the group commit does. Until this transaction commits, a writer that
    /// wants the id after this entry's waits for it, so keep such transactions short.
    pub async fn append_audit(&mut self, entry: &NewAuditEntry) -> Result<AuditEntry> {
        let insert = self.sql(&INSERT_ONE);
        let at = self.now();
        let key = self.audit_key().clone();
        for _ in 0..MAX_APPEND_ATTEMPTS {
            let appended = on_conn!(self.conn(), |c| {
                let mut savepoint = sqlx::Connection::begin(&mut *c).await?;
                let last: Option<(i64, String)> = sqlx::query_as(CHAIN_HEAD)
                    .fetch_optional(&mut *savepoint)
                    .await?;
                let e = seal(&key, last, entry, at);
                let inserted = sqlx::query(insert)
                    .bind(e.id)
                    .bind(DbTime(e.at))
                    .bind(e.actor.to_text())
                    .bind(&e.action)
                    .bind(&e.target)
                    .bind(e.details.to_string())
                    .bind(&e.prev_hash)
                    .bind(&e.hash)
                    .bind(e.hash_version.code())
                    .execute(&mut *savepoint)
                    .await;
                match inserted {
                    Ok(_) => {
                        savepoint.commit().await?;
                        Some(e)
                    }
                    Err(sqlx::Error::Database(err)) if err.is_unique_violation() => {
                        savepoint.rollback().await?;
                        None
                    }
                    Err(err) => return Err(err.into()),
                }
            });
            if let Some(e) = appended {
                return Ok(e);
            }
        }
        Err(chain_contended())
    }
}
