//! Groups (issue 11): the groups with their permissions and managers (`catalogue`), and who is
//! in them and who applied (`membership`). What a group grants is read by the one grants query
//! (`states.rs`, `GRANTS_OF`) with the permissions of states and of accounts.

mod catalogue;
mod membership;

pub use membership::{ApplicationDecision, ApplicationFilter, GroupMember, NewMembership};

/// The failed foreign key of a write naming `group` and `account`: one of them does not exist.
fn group_or_account(
    e: sqlx::Error,
    group: jumpgate_domain::GroupId,
    account: jumpgate_domain::AccountId,
) -> crate::StoreError {
    crate::support::missing(e, || format!("group {group} or account {account}"))
}
