//! Bulk operations: long actions (imports, bulk decisions, bulk deletes) that a job carries out
//! item by item while the page that started them shows how far it got.

use jumpgate_domain::AccountId;
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
    pub id: i64,
    pub kind: String,
    pub account: AccountId,
    pub input: serde_json::Value,
    pub progress: BulkProgress,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub finished_at: Option<OffsetDateTime>,
}

macro_rules! bulk_cols {
    () => {
        "id, kind, account_id, input, status, step, total, done, failed, problems, summary, \
         created_at, updated_at, finished_at"
    };
}

/// The SQL both backends run (placeholders and types are the same on both; only time binding
/// differs, which the callers do).
pub(crate) mod sql {
    pub const CREATE: &str = concat!(
        "INSERT INTO bulk_operations (kind, account_id, input, status, step, total, done, failed, \
         problems, summary, created_at, updated_at) \
         VALUES ($1, $2, $3, 'queued', $4, $5, 0, 0, '[]', '', $6, $6) RETURNING ",
        bulk_cols!()
    );
    pub const ONE: &str = concat!(
        "SELECT ",
        bulk_cols!(),
        " FROM bulk_operations WHERE id = $1"
    );
    /// Finished operations keep their figures: a late write of a lost lease cannot undo them.
    pub const PROGRESS: &str = "UPDATE bulk_operations SET status = $2, step = $3, total = $4, \
         done = $5, failed = $6, problems = $7, summary = $8, updated_at = $9, finished_at = $10 \
         WHERE id = $1 AND status IN ('queued', 'running')";
}

/// The store functions of one backend: `$reader`/`$writer` name its pools, `$time` turns a time
/// into what it binds, `$read` is its row-reader module.
macro_rules! bulk_store_fns {
    ($store:ty, $reader:ident, $writer:ident, $time:path, $read:path) => {
        use crate::bulk::sql;
        use crate::{BulkOperation, BulkProgress, NewBulkOperation, Result, StoreError, support};
        use $read as read;

        fn problems_json(p: &BulkProgress) -> Result<String> {
            serde_json::to_string(&p.problems)
                .map_err(|e| StoreError::Invalid(format!("bulk operation problems: {e}")))
        }

        pub(crate) async fn create_bulk_operation(
            s: &$store,
            op: &NewBulkOperation,
        ) -> Result<BulkOperation> {
            let row = sqlx::query(sql::CREATE)
                .bind(&op.kind)
                .bind(op.account.get())
                .bind(op.input.to_string())
                .bind(&op.step)
                .bind(op.total)
                .bind($time(support::now()))
                .fetch_one(&s.$writer)
                .await
                .map_err(|e| crate::support::unknown_account(e, Some(op.account)))?;
            read::bulk_operation(&row)
        }

        pub(crate) async fn bulk_operation(s: &$store, id: i64) -> Result<Option<BulkOperation>> {
            let row = sqlx::query(sql::ONE)
                .bind(id)
                .fetch_optional(&s.$reader)
                .await?;
            row.as_ref().map(read::bulk_operation).transpose()
        }

        pub(crate) async fn record_bulk_progress(
            s: &$store,
            id: i64,
            p: &BulkProgress,
        ) -> Result<bool> {
            let now = support::now();
            let done = sqlx::query(sql::PROGRESS)
                .bind(id)
                .bind(p.status.as_str())
                .bind(&p.step)
                .bind(p.total)
                .bind(p.done)
                .bind(p.failed)
                .bind(problems_json(p)?)
                .bind(&p.summary)
                .bind($time(now))
                .bind(p.status.is_over().then(|| $time(now)))
                .execute(&s.$writer)
                .await?;
            Ok(done.rows_affected() == 1)
        }
    };
}

pub(crate) use bulk_store_fns;
