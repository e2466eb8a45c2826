//! The standings manager: who holds a standing, how requests and revocations move, when a
//! corporation qualifies, and how standings become in-game contacts.
//!
//! Pure rules only. The app stores entries, requests and the contact ledger, reads ESI, and
//! executes the writes a [`SyncPlan`] lists.

mod batches;
pub mod contacts;
pub mod coverage;
pub mod entity;
pub mod plan;
pub mod workflow;

#[cfg(test)]
mod plan_props;
#[cfg(test)]
mod plan_tests;

pub use contacts::{
    CONTACT_LIMIT, Collision, CollisionAction, CollisionPolicy, ContactLabel, CurrentContact,
    DesiredContact, LeavePolicy, LedgerEntry, MAX_IDS_PER_DELETE, MAX_IDS_PER_WRITE, PlanOutcome,
    SyncInput, SyncPlan, SyncSettings, WriteBatch, find_label,
};
pub use coverage::{CoverageReport, CoverageRule, MemberStatus, evaluate};
pub use entity::{ContactKind, Entity, EntityKind, InvalidStanding, Standing};
pub use plan::{leave_plan, plan_sync};
pub use workflow::{
    ReasonPolicy, RefusalReason, RequestState, RevocationPolicies, RevocationReason,
    RevocationState, TransitionError, can_request, can_revoke,
};
