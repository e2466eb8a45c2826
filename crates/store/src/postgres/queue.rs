//! The approver queue: the database builds it as one JSON array (`crate::queue`).

use super::PgDb;
use crate::queue::{parse_queue, queue_queries};
use crate::{ApprovalQueue, QueueItem, QueueKind, Result};

queue_queries!(
    "json_build_object",
    "json_agg",
    "'[]'::json",
    "(EXTRACT(EPOCH FROM x.created_at) * 1000000)::bigint",
    "(EXTRACT(EPOCH FROM c.added_at) * 1000000)::bigint"
);

async fn read(s: &PgDb, sql: &'static str, id: Option<i64>) -> Result<Vec<QueueItem>> {
    let mut query = sqlx::query_scalar::<_, String>(sql);
    if let Some(id) = id {
        query = query.bind(id);
    }
    parse_queue(&query.fetch_one(&s.pool).await?)
}

pub(crate) async fn approval_queue(s: &PgDb) -> Result<ApprovalQueue> {
    Ok(ApprovalQueue {
        requests: read(s, PENDING_REQUESTS, None).await?,
        revocations: read(s, PENDING_REVOCATIONS, None).await?,
    })
}

pub(crate) async fn queue_item(s: &PgDb, kind: QueueKind, id: i64) -> Result<Option<QueueItem>> {
    let sql = match kind {
        QueueKind::Request => PENDING_REQUEST,
        QueueKind::Revocation => PENDING_REVOCATION,
    };
    Ok(read(s, sql, Some(id)).await?.into_iter().next())
}

pub(crate) async fn change_counter(s: &PgDb, name: &str) -> Result<i64> {
    let value = sqlx::query_scalar::<_, i64>("SELECT value FROM change_counters WHERE name = $1")
        .bind(name)
        .fetch_optional(&s.pool)
        .await?;
    value.ok_or_else(|| crate::StoreError::NotFound(format!("change counter '{name}'")))
}
