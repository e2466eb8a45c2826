//! Standing requests: a member asks for a standing, an approver decides (full history; at most
//! one pending request per entity, enforced by a partial unique index).

use super::entries::upsert_entry;
use super::{Decided, WorkflowFilter, not_pending, read_entity, read_standing};
use crate::db::{Cols, DbTime, Limit, on_conn, on_db};
use crate::support::{self, is_foreign_key, unknown_account};
use crate::{NewStandingsEntry, Result, StoreError};
use crate::{Store, Transaction};
use const_format::concatcp;
use jumpgate_domain::standings::{Entity, RequestState, Standing};
use jumpgate_domain::{AccountId, RequestId};
use time::OffsetDateTime;

/// A member's request for a standing for one of their characters or corporations.
#[derive(Debug, Clone, PartialEq)]
pub struct StandingRequest {
    pub id: RequestId,
    pub entity: Entity,
    pub name: String,
    pub requester: AccountId,
    pub state: RequestState,
    pub created_at: OffsetDateTime,
    pub decided_at: Option<OffsetDateTime>,
    pub decided_by: Option<AccountId>,
    /// The standing an approver granted.
    pub standing: Option<Standing>,
    /// The approver's notes (approve) or reason (reject).
    pub decision_note: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewStandingRequest {
    pub entity: Entity,
    pub name: String,
    pub requester: AccountId,
}

/// How a pending request ends.
#[derive(Debug, Clone, PartialEq)]
pub enum RequestDecision {
    /// Creates or updates the entry in the same transaction.
    Approve {
        by: AccountId,
        standing: Standing,
        notes: String,
    },
    Reject {
        by: AccountId,
        reason: String,
    },
    /// The requester withdrew it.
    Cancel {
        by: AccountId,
    },
}

const REQUEST_COLS: &str = "id, entity_id, entity_kind, name, requester, state, created_at, \
     decided_at, decided_by, standing_tenths, decision_note";

fn read_request<R: Cols>(r: &R) -> Result<StandingRequest> {
    let state = r.str("state")?;
    Ok(StandingRequest {
        id: RequestId(r.get("id")?),
        entity: read_entity(r)?,
        name: r.get("name")?,
        requester: AccountId(r.get("requester")?),
        state: RequestState::parse(state).map_err(|_| super::corrupt("request state", state))?,
        created_at: r.time("created_at")?,
        decided_at: r.time_opt("decided_at")?,
        decided_by: r.get::<Option<i64>>("decided_by")?.map(AccountId),
        standing: r
            .get::<Option<i16>>("standing_tenths")?
            .map(read_standing)
            .transpose()?,
        decision_note: r.get("decision_note")?,
    })
}

/// What a request decision writes into its row.
fn decided(d: &RequestDecision) -> Decided<'_> {
    match d {
        RequestDecision::Approve {
            by,
            standing,
            notes,
        } => Decided {
            state: RequestState::Approved.as_str(),
            by: Some(*by),
            standing: Some(standing.tenths()),
            note: Some(notes),
        },
        RequestDecision::Reject { by, reason } => Decided {
            state: RequestState::Rejected.as_str(),
            by: Some(*by),
            standing: None,
            note: Some(reason),
        },
        RequestDecision::Cancel { by } => Decided {
            state: RequestState::Cancelled.as_str(),
            by: Some(*by),
            standing: None,
            note: None,
        },
    }
}

impl Store {
    pub async fn create_request(&self, r: &NewStandingRequest) -> Result<StandingRequest> {
        let mut tx = self.transaction().await?;
        let out = tx.create_request(r).await?;
        tx.commit().await?;
        Ok(out)
    }

    pub async fn request(&self, id: RequestId) -> Result<Option<StandingRequest>> {
        on_db!(self, |db| sqlx::query(concatcp!(
            "SELECT ",
            REQUEST_COLS,
            " FROM standing_requests WHERE id = $1"
        ))
        .bind(id.get())
        .fetch_optional(db.reader())
        .await?
        .as_ref()
        .map(read_request)
        .transpose())
    }

    /// Newest first.
    pub async fn requests(&self, f: &WorkflowFilter) -> Result<Vec<StandingRequest>> {
        on_db!(self, |db| sqlx::query(concatcp!(
            "SELECT ",
            REQUEST_COLS,
            " FROM standing_requests
             WHERE (NOT $1 OR state = 'pending')
               AND ($2 IS NULL OR requester = $2)
               AND ($3 IS NULL OR entity_id = $3)
             ORDER BY created_at DESC, id DESC LIMIT $4"
        ))
        .bind(f.pending_only)
        .bind(f.requester.map(|a| a.get()))
        .bind(f.entity_id)
        .bind(Limit::positive_or_all(f.limit))
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(read_request)
        .collect())
    }

    /// Decides a pending request; `Invalid` if it is not pending (the message names its state).
    /// Approving upserts the entry (source `request`) in the same transaction.
    pub async fn decide_request(
        &self,
        id: RequestId,
        decision: &RequestDecision,
    ) -> Result<StandingRequest> {
        let mut tx = self.transaction().await?;
        let out = tx.decide_request(id, decision).await?;
        tx.commit().await?;
        Ok(out)
    }
}

/// The writes a use case combines with others (and its audit entry) in one transaction; the
/// `Store` methods of the same names run each in its own.
impl Transaction {
    pub async fn create_request(&mut self, r: &NewStandingRequest) -> Result<StandingRequest> {
        let now = self.now();
        on_conn!(self.conn(), |tx| read_request(
            &sqlx::query(concatcp!(
                "INSERT INTO standing_requests (entity_id, entity_kind, name, requester, state, \
                 created_at) VALUES ($1, $2, $3, $4, 'pending', $5) RETURNING ",
                REQUEST_COLS
            ))
            .bind(r.entity.id)
            .bind(r.entity.kind.as_str())
            .bind(&r.name)
            .bind(r.requester.get())
            .bind(DbTime(now))
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| {
                if is_foreign_key(&e) {
                    StoreError::NotFound(format!("account {}", r.requester))
                } else {
                    support::conflict(e, || format!("a request for {} is already pending", r.name))
                }
            })?
        ))
    }

    /// Decides a pending request; `Invalid` if it is not pending (the message names its state).
    /// Approving upserts the entry (source `request`) in the same transaction.
    pub async fn decide_request(
        &mut self,
        id: RequestId,
        decision: &RequestDecision,
    ) -> Result<StandingRequest> {
        let d = decided(decision);
        let now = self.now();
        on_conn!(self.conn(), |tx| {
            // Only a pending request changes: the guard makes a second decision match no row
            // (on PostgreSQL a concurrent one waits for the row lock, then re-checks the state
            // and finds it decided).
            let row = sqlx::query(concatcp!(
                "UPDATE standing_requests SET state = $1, decided_at = $2, decided_by = $3, \
                 standing_tenths = $4, decision_note = $5 WHERE id = $6 AND state = 'pending' \
                 RETURNING ",
                REQUEST_COLS
            ))
            .bind(d.state)
            .bind(DbTime(now))
            .bind(d.by.map(|a| a.get()))
            .bind(d.standing)
            .bind(d.note)
            .bind(id.get())
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| unknown_account(e, d.by))?;
            let Some(row) = row else {
                let state: Option<String> =
                    sqlx::query_scalar("SELECT state FROM standing_requests WHERE id = $1")
                        .bind(id.get())
                        .fetch_optional(&mut *tx)
                        .await?;
                return Err(not_pending("request", id, state));
            };
            let request = read_request(&row)?;
            if let RequestDecision::Approve {
                standing, notes, ..
            } = decision
            {
                let entry = NewStandingsEntry {
                    entity: request.entity,
                    name: request.name.clone(),
                    standing: *standing,
                    notes: notes.clone(),
                    source: "request".to_owned(),
                    added_by: Some(request.requester),
                };
                upsert_entry(&mut *tx, &entry, now).await?;
            }
            Ok(request)
        })
    }
}
