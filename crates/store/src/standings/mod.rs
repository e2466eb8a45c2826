//! What the standings manager keeps: the approved-standings database (`entries`), the history of
//! requests and revocations that change it (`requests`, `revocations`; their common lifecycle is
//! written once in `workflow`), the approvers' queue of the pending ones (`approval_queue`) and
//! contact sync (`sync`): the characters enrolled in it and the ledger of the contacts Jumpgate
//! wrote into each.

mod approval_queue;
mod entries;
mod requests;
mod revocations;
pub(crate) mod sync;
mod workflow;

pub use approval_queue::{ApprovalQueue, QueueItem, QueueKind};
pub use entries::{NewStandingsEntry, StandingsEntry};
pub use requests::{NewStandingRequest, RequestDecision, StandingRequest};
pub use revocations::{NewRevocation, Revocation, RevocationDecision};

use crate::db::Cols;
use crate::{Result, StoreError};
use jumpgate_domain::AccountId;
use jumpgate_domain::standings::{Entity, EntityKind, Standing};

/// Which requests or revocations to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkflowFilter {
    pub pending_only: bool,
    pub requester: Option<AccountId>,
    pub entity_id: Option<i64>,
    pub limit: i64,
}

/// A stored code (`what`) that the domain does not know.
fn corrupt(what: &str, value: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("unknown {what} '{value}'"))
}

/// The entity of an entry, request or revocation row (`entity_kind`, `entity_id`).
fn read_entity<R: Cols>(r: &R) -> Result<Entity> {
    let kind = r.str("entity_kind")?;
    Ok(Entity {
        kind: EntityKind::parse(kind).map_err(|_| corrupt("entity kind", kind))?,
        id: r.get("entity_id")?,
    })
}

/// A standing as stored: whole tenths.
pub(crate) fn read_standing(tenths: i16) -> Result<Standing> {
    Standing::from_tenths(tenths).map_err(|_| corrupt("standing (tenths)", tenths))
}
