//! Scoped leadership roles (issue 11): the divisions, specialty roles, what each role carries
//! and whose CEOs and Directors lead (`catalogue`), and who holds which role, with what EVE says
//! of each character's place in its corporation (`holders`). What a role grants is read by the
//! one grants query (`states.rs`, `GRANTS_OF`).

mod catalogue;
mod holders;

pub use catalogue::{RoleCatalogue, RolePermissionKey};
pub use holders::EveRoleChanges;
