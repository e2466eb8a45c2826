//! What requests and revocations share: each kind lives in a table of its own, but a row of
//! either is created `pending`, listed and read by the same filters, and decided once by the
//! same guarded update. [`WorkflowRow`] names what differs (the table's statements and how a row
//! is read); the bodies below are written once for both.

use super::WorkflowFilter;
use crate::db::{Cols, Conn, DbTime, Dialects, IdList, Limit, on_conn, on_db};
use crate::support::{self, is_foreign_key, unknown_account};
use crate::{Result, Store, StoreError};
use jumpgate_domain::AccountId;
use time::OffsetDateTime;

/// A request or a revocation, as its own table stores it.
pub(super) trait WorkflowRow: Sized {
    /// The table's statements, from [`workflow_table!`].
    const TABLE: WorkflowTable;

    fn read<R: Cols>(r: &R) -> Result<Self>;
}

/// What differs between the requests' and the revocations' tables: the name messages use and
/// the statements, which differ only by the table's name and columns.
pub(super) struct WorkflowTable {
    /// How messages name one row (`request`, `revocation`).
    pub(super) what: &'static str,
    /// One row by id (`$1`).
    pub(super) by_id: &'static str,
    /// The rows a [`WorkflowFilter`] picks (`$1`..`$4`), newest first.
    pub(super) listed: &'static str,
    /// The guarded update that decides a pending row and returns it: [`Decided`]'s state, the
    /// time, the decider and the note are `$1`..`$4`, the id `$5`, and where
    /// [`keeps_standing`](Self::keeps_standing) the standing `$6`.
    pub(super) decide: &'static str,
    /// Whether a decision records a standing: an approved request keeps the one granted; a
    /// revocation has none.
    pub(super) keeps_standing: bool,
    /// The state of one row by id (`$1`), whatever it is.
    pub(super) state: &'static str,
    /// The pending rows about the entities of an id list (`$1`).
    pub(super) pending_about: Dialects,
}

/// The [`WorkflowTable`] of `$table`, whose columns are `$cols`, naming a row `$what`; with a
/// fourth argument, the column (`standing_tenths`) where a decision records its standing.
macro_rules! workflow_table {
    ($what:literal, $table:literal, $cols:expr) => {
        workflow_table!(@ $what, $table, $cols, "", false)
    };
    ($what:literal, $table:literal, $cols:expr, $standing_col:ident) => {
        workflow_table!(
            @ $what, $table, $cols, concat!(", ", stringify!($standing_col), " = $6"), true
        )
    };
    (@ $what:literal, $table:literal, $cols:expr, $set_standing:expr, $keeps_standing:expr) => {
        $crate::standings::workflow::WorkflowTable {
            what: $what,
            by_id: const_format::concatcp!("SELECT ", $cols, " FROM ", $table, " WHERE id = $1"),
            listed: const_format::concatcp!(
                "SELECT ",
                $cols,
                " FROM ",
                $table,
                " WHERE (NOT $1 OR state = 'pending') AND ($2 IS NULL OR requester = $2) \
                 AND ($3 IS NULL OR entity_id = $3) ORDER BY created_at DESC, id DESC LIMIT $4"
            ),
            decide: const_format::concatcp!(
                "UPDATE ",
                $table,
                " SET state = $1, decided_at = $2, decided_by = $3, decision_note = $4",
                $set_standing,
                " WHERE id = $5 AND state = 'pending' RETURNING ",
                $cols
            ),
            keeps_standing: $keeps_standing,
            state: concat!("SELECT state FROM ", $table, " WHERE id = $1"),
            pending_about: $crate::db::where_in_ids!(
                "SELECT ",
                $cols,
                " FROM ",
                $table,
                " WHERE state = 'pending' AND entity_id"
            ),
        }
    };
}

pub(super) use workflow_table;

/// What a decision writes into a request or revocation row.
pub(super) struct Decided<'a> {
    pub(super) state: &'static str,
    pub(super) by: Option<AccountId>,
    /// Whole tenths, for approved requests.
    pub(super) standing: Option<i16>,
    pub(super) note: Option<&'a str>,
}

impl<'a> Decided<'a> {
    /// An approver refuses, with the reason the member is told.
    pub(super) fn rejected(state: &'static str, by: AccountId, reason: &'a str) -> Self {
        Self {
            state,
            by: Some(by),
            standing: None,
            note: Some(reason),
        }
    }

    /// The member who asked withdraws it.
    pub(super) fn cancelled(state: &'static str, by: AccountId) -> Self {
        Self {
            state,
            by: Some(by),
            standing: None,
            note: None,
        }
    }
}

impl Store {
    pub(super) async fn workflow_row<T: WorkflowRow>(&self, id: i64) -> Result<Option<T>> {
        on_db!(self, |db| sqlx::query(T::TABLE.by_id)
            .bind(id)
            .fetch_optional(db.reader())
            .await?
            .as_ref()
            .map(T::read)
            .transpose())
    }

    /// The pending rows about `entity_ids` (at most one each: a partial unique index), in no
    /// particular order: a member's page asks about its few characters and corporations, not
    /// every pending row.
    pub(super) async fn pending_workflow_rows<T: WorkflowRow>(
        &self,
        entity_ids: &[i64],
    ) -> Result<Vec<T>> {
        if entity_ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids = IdList::new(entity_ids.iter().copied());
        on_db!(self, |db| sqlx::query(db.sql(&T::TABLE.pending_about))
            .bind(ids)
            .fetch_all(db.reader())
            .await?
            .iter()
            .map(T::read)
            .collect())
    }

    pub(super) async fn workflow_rows<T: WorkflowRow>(&self, f: &WorkflowFilter) -> Result<Vec<T>> {
        on_db!(self, |db| sqlx::query(T::TABLE.listed)
            .bind(f.pending_only)
            .bind(f.requester.map(|a| a.get()))
            .bind(f.entity_id)
            .bind(Limit::positive_or_all(f.limit))
            .fetch_all(db.reader())
            .await?
            .iter()
            .map(T::read)
            .collect())
    }
}

/// Why a new row was refused: its requester's account is gone, or one for the same entity is
/// already pending (the partial unique index decided).
pub(super) fn refused_create<T: WorkflowRow>(
    e: sqlx::Error,
    requester: Option<AccountId>,
    name: &str,
) -> StoreError {
    if is_foreign_key(&e) {
        unknown_account(e, requester)
    } else {
        support::conflict(e, || {
            format!("a {} for {name} is already pending", T::TABLE.what)
        })
    }
}

/// Writes the decision into the row if it is still pending and returns the row; `Invalid` if it
/// is decided already (the message names its state), `NotFound` if there is no such row.
pub(super) async fn decide_pending<'c, T: WorkflowRow>(
    conn: impl Into<Conn<'c>>,
    id: i64,
    d: &Decided<'_>,
    now: OffsetDateTime,
) -> Result<T> {
    on_conn!(conn, |tx| {
        // Only a pending row changes: the guard makes a second decision match no row (on
        // PostgreSQL a concurrent one waits for the row lock, then re-checks the state and
        // finds it decided).
        let update = sqlx::query(T::TABLE.decide)
            .bind(d.state)
            .bind(DbTime(now))
            .bind(d.by.map(|a| a.get()))
            .bind(d.note)
            .bind(id);
        let update = if T::TABLE.keeps_standing {
            update.bind(d.standing)
        } else {
            update
        };
        let row = update
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| unknown_account(e, d.by))?;
        match row {
            Some(row) => T::read(&row),
            None => {
                let state: Option<String> = sqlx::query_scalar(T::TABLE.state)
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                Err(not_pending(T::TABLE.what, id, state))
            }
        }
    })
}

/// Why a decision matched no pending row: `what` (`request`, `revocation`) `id` is missing, or
/// already decided (`state` is what the row holds).
fn not_pending(what: &str, id: i64, state: Option<String>) -> StoreError {
    match state {
        None => StoreError::NotFound(format!("{what} {id}")),
        Some(state) => StoreError::Invalid(format!(
            "{what} {id} is already {state}: only a pending {what} can be decided"
        )),
    }
}
