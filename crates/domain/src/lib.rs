//! Jumpgate's domain: the types and rules of accounts, characters, states and permissions.
//!
//! Nothing here performs I/O but reading the time (`clock`, the one place that does). Every rule
//! can be read and tested without a database, a web server or ESI; the `app` crate combines these
//! rules with the store and the EVE clients.

pub mod account;
pub mod apps;
pub mod audit;
pub mod clock;
pub mod deactivation;
pub mod groups;
pub mod ids;
pub mod login;
pub mod permissions;
pub mod roles;
pub mod safety_valve;
pub mod scopes;
pub mod standings;
pub mod states;
pub mod tracking;
pub mod verification_mail;

pub use ids::{
    AccountId, AllianceId, AppId, BulkOperationId, CharacterId, CorporationId, DOOMHEIM,
    DOOMHEIM_ID, DivisionId, EveId, FactionId, GroupApplicationId, GroupId, JobId, RequestId,
    RevocationId, SpecialtyId, StateId, TokenId,
};
pub use permissions::Permission;
pub use scopes::{EveLogin, ScopeSet};
