//! The hash-chained audit log. SQLite has a single writer connection and `BEGIN IMMEDIATE`
//! takes the write lock before the chain head is read, so appends are strictly serialized.

use super::{SqliteDb, micros, read};
use crate::rows::audit_cols;
use crate::support::seal_audit;
use crate::{AuditFilter, Result};
use jumpgate_domain::audit::{AuditEntry, NewAuditEntry};

pub(crate) async fn append_audit(s: &SqliteDb, entry: &NewAuditEntry) -> Result<AuditEntry> {
    let mut tx = s.begin().await?;
    let last: Option<(i64, String)> =
        sqlx::query_as("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
    let e = seal_audit(last, entry);
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor, action, target, details, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(e.id)
    .bind(micros(e.at))
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

/// `since` and `until` are both inclusive; a limit of 0 or less means no limit.
pub(crate) async fn audit_entries(s: &SqliteDb, f: &AuditFilter) -> Result<Vec<AuditEntry>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        audit_cols!(),
        " FROM audit_log
          WHERE ($1 IS NULL OR actor = $1)
            AND ($2 IS NULL OR substr(action, 1, length($2)) = $2)
            AND ($3 IS NULL OR target = $3)
            AND ($4 IS NULL OR at >= $4)
            AND ($5 IS NULL OR at <= $5)
          ORDER BY id DESC LIMIT $6"
    ))
    .bind(&f.actor)
    .bind(&f.action_prefix)
    .bind(&f.target)
    .bind(f.since.map(micros))
    .bind(f.until.map(micros))
    .bind(crate::db::Limit::positive_or_all(f.limit))
    .fetch_all(&s.reader)
    .await?;
    read::all(&rows, read::audit)
}

pub(crate) async fn audit_after(
    s: &SqliteDb,
    after_id: i64,
    limit: i64,
) -> Result<Vec<AuditEntry>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        audit_cols!(),
        " FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2"
    ))
    .bind(after_id)
    .bind(limit.max(0))
    .fetch_all(&s.reader)
    .await?;
    read::all(&rows, read::audit)
}
