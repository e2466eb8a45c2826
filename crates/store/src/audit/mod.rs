//! The audit log: append-only and hash-chained. Each entry's hash covers its predecessor's, so
//! the chain shows any entry changed or removed after the fact.

mod group_commit;

pub(crate) use group_commit::AuditChain;

use crate::db::{Cols, Db, DbTime, Limit, SqlStore, on_db};
use crate::support::{json, now};
use crate::{AuditFilter, Result, StoreError};
use const_format::concatcp;
use jumpgate_domain::audit::{Actor, AuditEntry, GENESIS_HASH, NewAuditEntry, entry_hash};

const AUDIT_COLS: &str =
    "id, at, actor, action, target, CAST(details AS TEXT) AS details, prev_hash, hash";

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
    })
}

fn actor(s: &str) -> Result<Actor> {
    Actor::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown audit actor '{s}'")))
}

/// The next audit entry after `last` (id and hash of the newest entry, if any). Must be called
/// while holding the chain lock so that nobody else links to the same `last`.
fn seal_audit(last: Option<(i64, String)>, entry: &NewAuditEntry) -> AuditEntry {
    let (id, prev_hash) = match last {
        Some((id, hash)) => (id + 1, hash),
        None => (1, GENESIS_HASH.to_owned()),
    };
    let at = now();
    let hash = entry_hash(
        &prev_hash,
        id,
        at,
        &entry.actor,
        &entry.action,
        &entry.target,
        &entry.details,
    );
    AuditEntry {
        id,
        at,
        actor: entry.actor.clone(),
        action: entry.action.clone(),
        target: entry.target.clone(),
        details: entry.details.clone(),
        prev_hash,
        hash,
    }
}

impl SqlStore {
    /// Appends an entry: the id, time and hash chain are assigned so that concurrent writers
    /// (several instances) cannot fork the chain.
    pub async fn append_audit(&self, entry: &NewAuditEntry) -> Result<AuditEntry> {
        match &self.db {
            // SQLite: one process with a single writer connection, and `BEGIN IMMEDIATE` takes
            // the write lock before the chain head is read, so appends are strictly serialized.
            Db::Sqlite(db) => {
                let mut tx = db.begin().await?;
                let last: Option<(i64, String)> =
                    sqlx::query_as(CHAIN_HEAD).fetch_optional(&mut *tx).await?;
                let e = seal_audit(last, entry);
                sqlx::query(
                    "INSERT INTO audit_log (id, at, actor, action, target, details, prev_hash, hash)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(e.id)
                .bind(DbTime(e.at))
                .bind(e.actor.to_text())
                .bind(&e.action)
                .bind(&e.target)
                .bind(e.details.to_string())
                .bind(&e.prev_hash)
                .bind(&e.hash)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(e)
            }
            // PostgreSQL: several instances append at once, without holding a lock across round
            // trips, and each process commits its waiting entries in groups (ADR 0012).
            Db::Postgres(db) => group_commit::append(db, entry).await,
        }
    }

    /// Entries matching the filter, newest first. `since` and `until` are both inclusive; a
    /// limit of 0 or less means no limit.
    pub async fn audit_entries(&self, f: &AuditFilter) -> Result<Vec<AuditEntry>> {
        on_db!(self, |db| sqlx::query(concatcp!(
            "SELECT ",
            AUDIT_COLS,
            " FROM audit_log
              WHERE (CAST($1 AS TEXT) IS NULL OR actor = $1)
                AND (CAST($2 AS TEXT) IS NULL OR substr(action, 1, length($2)) = $2)
                AND (CAST($3 AS TEXT) IS NULL OR target = $3)
                AND (CAST($4 AS TIMESTAMPTZ) IS NULL OR at >= $4)
                AND (CAST($5 AS TIMESTAMPTZ) IS NULL OR at <= $5)
              ORDER BY id DESC LIMIT $6"
        ))
        .bind(&f.actor)
        .bind(&f.action_prefix)
        .bind(&f.target)
        .bind(f.since.map(DbTime))
        .bind(f.until.map(DbTime))
        .bind(Limit::positive_or_all(f.limit))
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
