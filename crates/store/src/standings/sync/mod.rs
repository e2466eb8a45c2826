//! Contact sync's storage: the characters enrolled in it (`enrolment`) and the ledger of contacts
//! Jumpgate wrote into each (`ledger`).

mod enrolment;
mod ledger;

pub use enrolment::{SyncCounts, SyncLease, SyncStatus, SyncedCharacter};
