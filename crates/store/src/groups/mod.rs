//! Groups (issue 11): the groups with their permissions and managers (`catalogue`), and who is
//! in them and who applied (`membership`). What a group grants is read by the one grants query
//! (`states.rs`, `GRANTS_OF`) with the permissions of states and of accounts.

mod catalogue;
mod membership;

pub use membership::{ApplicationDecision, ApplicationFilter, GroupMember, NewMembership};
