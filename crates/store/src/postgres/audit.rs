//! The hash-chained audit log. Appends from every instance are serialized by a transaction-level
//! advisory lock taken before the chain head is read, so two writers can never link to the same
//! previous entry (which would fork the chain).

use super::{PgStore, read, tm};
use crate::rows::audit_cols;
use crate::support::seal_audit;
use crate::{AuditFilter, Result};
use jumpgate_domain::audit::{AuditEntry, NewAuditEntry};

pub(super) async fn append_audit(s: &PgStore, entry: &NewAuditEntry) -> Result<AuditEntry> {
    let mut tx = s.begin().await?;
    // Keyed by schema as well, so that separate Jumpgate schemas in one database (tests) do not
    // wait for each other. Released automatically at commit or rollback.
    sqlx::query("SELECT pg_advisory_xact_lock(1247902817, hashtext(current_schema()))")
        .execute(&mut *tx)
        .await?;
    let last: Option<(i64, String)> =
        sqlx::query_as("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
    let e = seal_audit(last, entry);
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor, action, target, details, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6::json, $7, $8)",
    )
    .bind(e.id)
    .bind(tm(e.at))
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
pub(super) async fn audit_entries(s: &PgStore, f: &AuditFilter) -> Result<Vec<AuditEntry>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        audit_cols!(),
        " FROM audit_log
          WHERE ($1::text IS NULL OR actor = $1)
            AND ($2::text IS NULL OR substr(action, 1, length($2)) = $2)
            AND ($3::text IS NULL OR target = $3)
            AND ($4::timestamptz IS NULL OR at >= $4)
            AND ($5::timestamptz IS NULL OR at <= $5)
          ORDER BY id DESC LIMIT $6"
    ))
    .bind(&f.actor)
    .bind(&f.action_prefix)
    .bind(&f.target)
    .bind(f.since.map(tm))
    .bind(f.until.map(tm))
    .bind((f.limit > 0).then_some(f.limit))
    .fetch_all(&s.pool)
    .await?;
    read::all(&rows, read::audit)
}

pub(super) async fn audit_after(s: &PgStore, after_id: i64, limit: i64) -> Result<Vec<AuditEntry>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        audit_cols!(),
        " FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2"
    ))
    .bind(after_id)
    .bind(limit.max(0))
    .fetch_all(&s.pool)
    .await?;
    read::all(&rows, read::audit)
}
