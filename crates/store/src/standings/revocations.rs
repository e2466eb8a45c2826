//! Revocations: requests to remove a standing, a member's own or raised automatically (full
//! history; at most one pending revocation per entity, enforced by a partial unique index).

use super::workflow::{
    Decided, WorkflowRow, WorkflowTable, decide_pending, refused_create, workflow_table,
};
use super::{WorkflowFilter, read_entity};
use crate::Result;
use crate::db::{Cols, DbTime, on_conn};
use crate::{Store, Transaction};
use const_format::concatcp;
use jumpgate_domain::standings::{Entity, RevocationReason, RevocationState};
use jumpgate_domain::{AccountId, RevocationId};
use time::OffsetDateTime;

/// A request to remove a standing: a member's own, or raised automatically.
#[derive(Debug, Clone, PartialEq)]
pub struct Revocation {
    pub id: RevocationId,
    pub entity: Entity,
    pub name: String,
    pub reason: RevocationReason,
    /// The account that asked; `None` when raised automatically.
    pub requester: Option<AccountId>,
    pub state: RevocationState,
    pub created_at: OffsetDateTime,
    pub decided_at: Option<OffsetDateTime>,
    /// `None` with state approved means approved automatically by policy.
    pub decided_by: Option<AccountId>,
    pub decision_note: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewRevocation {
    pub entity: Entity,
    pub name: String,
    pub reason: RevocationReason,
    pub requester: Option<AccountId>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RevocationDecision {
    /// Deletes the entry in the same transaction. `by: None` = automatic approval by policy.
    Approve {
        by: Option<AccountId>,
        notes: String,
    },
    Reject {
        by: AccountId,
        reason: String,
    },
    Cancel {
        by: AccountId,
    },
}

const REVOCATION_COLS: &str = "id, entity_id, entity_kind, name, reason, requester, state, \
     created_at, decided_at, decided_by, decision_note";

impl WorkflowRow for Revocation {
    const TABLE: WorkflowTable =
        workflow_table!("revocation", "standing_revocations", REVOCATION_COLS);

    fn read<R: Cols>(r: &R) -> Result<Self> {
        read_revocation(r)
    }
}

fn read_revocation<R: Cols>(r: &R) -> Result<Revocation> {
    let state = r.str("state")?;
    let reason = r.str("reason")?;
    Ok(Revocation {
        id: RevocationId(r.get("id")?),
        entity: read_entity(r)?,
        name: r.get("name")?,
        reason: RevocationReason::parse(reason)
            .map_err(|_| super::corrupt("revocation reason", reason))?,
        requester: r.get::<Option<i64>>("requester")?.map(AccountId),
        state: RevocationState::parse(state)
            .map_err(|_| super::corrupt("revocation state", state))?,
        created_at: r.time("created_at")?,
        decided_at: r.time_opt("decided_at")?,
        decided_by: r.get::<Option<i64>>("decided_by")?.map(AccountId),
        decision_note: r.get("decision_note")?,
    })
}

/// What a revocation decision writes into its row.
fn decided(d: &RevocationDecision) -> Decided<'_> {
    match d {
        RevocationDecision::Approve { by, notes } => Decided {
            state: RevocationState::Approved.as_str(),
            by: *by,
            standing: None,
            note: Some(notes),
        },
        RevocationDecision::Reject { by, reason } => {
            Decided::rejected(RevocationState::Rejected.as_str(), *by, reason)
        }
        RevocationDecision::Cancel { by } => {
            Decided::cancelled(RevocationState::Cancelled.as_str(), *by)
        }
    }
}

impl Store {
    pub async fn create_revocation(&self, r: &NewRevocation) -> Result<Revocation> {
        let mut tx = self.transaction().await?;
        let out = tx.create_revocation(r).await?;
        tx.commit().await?;
        Ok(out)
    }

    pub async fn revocation(&self, id: RevocationId) -> Result<Option<Revocation>> {
        self.workflow_row(id.get()).await
    }

    /// Newest first.
    pub async fn revocations(&self, f: &WorkflowFilter) -> Result<Vec<Revocation>> {
        self.workflow_rows(f).await
    }

    /// The pending revocations about these entities (at most one each), in no particular order.
    pub async fn pending_revocations_about(&self, entity_ids: &[i64]) -> Result<Vec<Revocation>> {
        self.pending_workflow_rows(entity_ids).await
    }

    /// Decides a pending revocation; approving deletes the entry in the same transaction.
    pub async fn decide_revocation(
        &self,
        id: RevocationId,
        decision: &RevocationDecision,
    ) -> Result<Revocation> {
        let mut tx = self.transaction().await?;
        let out = tx.decide_revocation(id, decision).await?;
        tx.commit().await?;
        Ok(out)
    }
}

/// The writes a use case combines with others (and its audit entry) in one transaction; the
/// `Store` methods of the same names run each in its own.
impl Transaction {
    pub async fn create_revocation(&mut self, r: &NewRevocation) -> Result<Revocation> {
        let now = self.now();
        on_conn!(self.conn(), |tx| read_revocation(
            &sqlx::query(concatcp!(
                "INSERT INTO standing_revocations (entity_id, entity_kind, name, reason, \
                 requester, state, created_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6) \
                 RETURNING ",
                REVOCATION_COLS
            ))
            .bind(r.entity.id)
            .bind(r.entity.kind.as_str())
            .bind(&r.name)
            .bind(r.reason.as_str())
            .bind(r.requester.map(|a| a.get()))
            .bind(DbTime(now))
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| refused_create::<Revocation>(e, r.requester, &r.name))?
        ))
    }

    /// Decides a pending revocation; approving deletes the entry in the same transaction.
    pub async fn decide_revocation(
        &mut self,
        id: RevocationId,
        decision: &RevocationDecision,
    ) -> Result<Revocation> {
        let now = self.now();
        let revocation: Revocation =
            decide_pending(self.conn(), id.get(), &decided(decision), now).await?;
        if matches!(decision, RevocationDecision::Approve { .. }) {
            on_conn!(self.conn(), |tx| {
                sqlx::query("DELETE FROM standings_entries WHERE entity_id = $1")
                    .bind(revocation.entity.id)
                    .execute(tx)
                    .await?;
            });
        }
        Ok(revocation)
    }
}
