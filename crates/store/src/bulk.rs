//! Bulk operations: long actions (imports, bulk decisions, bulk deletes) that a job carries out
//! item by item while the page that started them shows how far it got.

use crate::Store;
use crate::db::{Cols, DbTime, on_db};
use crate::support::unknown_account;
use crate::{Result, StoreError};
use const_format::concatcp;
use jumpgate_domain::{AccountId, BulkOperationId};
use time::OffsetDateTime;

/// Where a bulk operation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkStatus {
    /// Waiting for a worker.
    Queued,
    Running,
    /// Every item was tried (some may have been refused: see `failed` and `problems`).
    Finished,
    /// Stopped before the end; `summary` says why.
    Failed,
}

impl BulkStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Finished => "finished",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "queued" => Self::Queued,
            "running" => Self::Running,
            "finished" => Self::Finished,
            "failed" => Self::Failed,
            _ => return None,
        })
    }

    /// Nothing more will happen to it.
    pub fn is_over(self) -> bool {
        matches!(self, Self::Finished | Self::Failed)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewBulkOperation {
    /// What kind of work `input` describes (the application's name for it).
    pub kind: String,
    /// Who started it: the items are done in this account's name.
    pub account: AccountId,
    pub input: serde_json::Value,
    /// Items to do, as far as known when it starts (an import learns it later).
    pub total: i64,
    /// What the page says until a worker takes it.
    pub step: String,
}

/// How far an operation got: what the worker writes after each item.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkProgress {
    pub status: BulkStatus,
    pub step: String,
    pub total: i64,
    pub done: i64,
    pub failed: i64,
    pub problems: Vec<String>,
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BulkOperation {
    pub id: BulkOperationId,
    pub kind: String,
    pub account: AccountId,
    pub input: serde_json::Value,
    pub progress: BulkProgress,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub finished_at: Option<OffsetDateTime>,
}

const BULK_COLS: &str = "id, kind, account_id, input, status, step, total, done, failed, \
     problems, summary, created_at, updated_at, finished_at";

fn read_bulk_operation<R: Cols>(r: &R) -> Result<BulkOperation> {
    let status = r.str("status")?;
    let json = |what: &str, e: serde_json::Error| {
        StoreError::Corrupt(format!("bulk operation {what}: {e}"))
    };
    Ok(BulkOperation {
        id: BulkOperationId(r.get("id")?),
        kind: r.get("kind")?,
        account: AccountId(r.get("account_id")?),
        input: serde_json::from_str(r.str("input")?).map_err(|e| json("input", e))?,
        progress: BulkProgress {
            status: BulkStatus::parse(status).ok_or_else(|| {
                StoreError::Corrupt(format!("unknown bulk operation status '{status}'"))
            })?,
            step: r.get("step")?,
            total: r.get("total")?,
            done: r.get("done")?,
            failed: r.get("failed")?,
            problems: serde_json::from_str(r.str("problems")?).map_err(|e| json("problems", e))?,
            summary: r.get("summary")?,
        },
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
        finished_at: r.time_opt("finished_at")?,
    })
}

fn problems_json(p: &BulkProgress) -> Result<String> {
    serde_json::to_string(&p.problems)
        .map_err(|e| StoreError::Invalid(format!("bulk operation problems: {e}")))
}

impl Store {
    /// Records a bulk operation as queued.
    pub async fn create_bulk_operation(&self, op: &NewBulkOperation) -> Result<BulkOperation> {
        on_db!(self, |db| read_bulk_operation(
            &sqlx::query(concatcp!(
                "INSERT INTO bulk_operations (kind, account_id, input, status, step, total, \
                 done, failed, problems, summary, created_at, updated_at) \
                 VALUES ($1, $2, $3, 'queued', $4, $5, 0, 0, '[]', '', $6, $6) RETURNING ",
                BULK_COLS
            ))
            .bind(&op.kind)
            .bind(op.account.get())
            .bind(op.input.to_string())
            .bind(&op.step)
            .bind(op.total)
            .bind(DbTime(self.now()))
            .fetch_one(db.writer())
            .await
            .map_err(|e| unknown_account(e, Some(op.account)))?
        ))
    }

    pub async fn bulk_operation(&self, id: BulkOperationId) -> Result<Option<BulkOperation>> {
        on_db!(self, |db| sqlx::query(concatcp!(
            "SELECT ",
            BULK_COLS,
            " FROM bulk_operations WHERE id = $1"
        ))
        .bind(id.get())
        .fetch_optional(db.reader())
        .await?
        .as_ref()
        .map(read_bulk_operation)
        .transpose())
    }

    /// Writes how far an operation got (and `finished_at` when its status says it is over).
    /// Returns false, and changes nothing, when the operation is already over or unknown.
    pub async fn record_bulk_progress(
        &self,
        id: BulkOperationId,
        p: &BulkProgress,
    ) -> Result<bool> {
        let now = self.now();
        let problems = problems_json(p)?;
        // Finished operations keep their figures: a late write of a lost lease cannot undo them.
        let done = on_db!(self, |db| sqlx::query(
            "UPDATE bulk_operations SET status = $2, step = $3, total = $4, done = $5, \
             failed = $6, problems = $7, summary = $8, updated_at = $9, finished_at = $10 \
             WHERE id = $1 AND status IN ('queued', 'running')"
        )
        .bind(id.get())
        .bind(p.status.as_str())
        .bind(&p.step)
        .bind(p.total)
        .bind(p.done)
        .bind(p.failed)
        .bind(&problems)
        .bind(&p.summary)
        .bind(DbTime(now))
        .bind(p.status.is_over().then_some(DbTime(now)))
        .execute(db.writer())
        .await?
        .rows_affected());
        Ok(done == 1)
    }
}
