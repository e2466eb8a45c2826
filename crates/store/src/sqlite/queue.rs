//! The approver queue: the database builds it as one JSON array (`crate::queue`).

use super::SqliteDb;
use crate::queue::{parse_queue, queue_queries};
use crate::{ApprovalQueue, QueueItem, QueueKind, Result};

queue_queries!(
    "json_object",
    "json_group_array",
    "'[]'",
    "x.created_at",
    "c.added_at"
);

async fn read(s: &SqliteDb, sql: &'static str, id: Option<i64>) -> Result<Vec<QueueItem>> {
    let mut query = sqlx::query_scalar::<_, String>(sql);
    if let Some(id) = id {
        query = query.bind(id);
    }
    parse_queue(&query.fetch_one(&s.reader).await?)
}

pub(crate) async fn approval_queue(s: &SqliteDb) -> Result<ApprovalQueue> {
    Ok(ApprovalQueue {
        requests: read(s, PENDING_REQUESTS, None).await?,
        revocations: read(s, PENDING_REVOCATIONS, None).await?,
    })
}

pub(crate) async fn queue_item(
    s: &SqliteDb,
    kind: QueueKind,
    id: i64,
) -> Result<Option<QueueItem>> {
    let sql = match kind {
        QueueKind::Request => PENDING_REQUEST,
        QueueKind::Revocation => PENDING_REVOCATION,
    };
    Ok(read(s, sql, Some(id)).await?.into_iter().next())
}

pub(crate) async fn change_counter(s: &SqliteDb, name: &str) -> Result<i64> {
    let value = sqlx::query_scalar::<_, i64>("SELECT value FROM change_counters WHERE name = $1")
        .bind(name)
        .fetch_optional(&s.reader)
        .await?;
    value.ok_or_else(|| crate::StoreError::NotFound(format!("change counter '{name}'")))
}
