//! Standing requests: a member asks for a standing, an approver decides (full history; at most
//! one pending request per entity, enforced by a partial unique index).

use super::entries::upsert_entry;
use super::workflow::{
    Decided, WorkflowRow, WorkflowTable, decide_pending, refused_create, workflow_table,
};
use super::{WorkflowFilter, read_entity, read_standing};
use crate::db::{Cols, DbTime, on_conn};
use crate::{NewStandingsEntry, Result};
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

impl WorkflowRow for StandingRequest {
    const TABLE: WorkflowTable = workflow_table!(
        "request",
        "standing_requests",
        REQUEST_COLS,
        standing_tenths
    );

    fn read<R: Cols>(r: &R) -> Result<Self> {
        read_request(r)
    }
}

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
        RequestDecision::Reject { by, reason } => {
            Decided::rejected(RequestState::Rejected.as_str(), *by, reason)
        }
        RequestDecision::Cancel { by } => Decided::cancelled(RequestState::Cancelled.as_str(), *by),
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
        self.workflow_row(id.get()).await
    }

    /// Newest first.
    pub async fn requests(&self, f: &WorkflowFilter) -> Result<Vec<StandingRequest>> {
        self.workflow_rows(f).await
    }

    /// The pending requests about these entities (at most one each), in no particular order.
    pub async fn pending_requests_about(&self, entity_ids: &[i64]) -> Result<Vec<StandingRequest>> {
        self.pending_workflow_rows(entity_ids).await
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
            .map_err(|e| refused_create::<StandingRequest>(e, Some(r.requester), &r.name))?
        ))
    }

    /// Decides a pending request; `Invalid` if it is not pending (the message names its state).
    /// Approving upserts the entry (source `request`) in the same transaction.
    pub async fn decide_request(
        &mut self,
        id: RequestId,
        decision: &RequestDecision,
    ) -> Result<StandingRequest> {
        let now = self.now();
        let request: StandingRequest =
            decide_pending(self.conn(), id.get(), &decided(decision), now).await?;
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
            upsert_entry(self.conn(), &entry, now).await?;
        }
        Ok(request)
    }
}
