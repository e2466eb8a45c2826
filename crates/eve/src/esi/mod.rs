//! A thin typed ESI client that follows CCP's rules: compatibility date and User-Agent on every
//! request, ETag/Expires caching, `X-Pages`, the error limiter, rate-limit buckets, bounded
//! retries and the daily downtime. Requests for others (the application API's ESI proxy) pass
//! through the same machinery (`pass_through`), checked against the whole spec (`operations`).

mod api;
mod cache;
mod client;
mod config;
mod downtime;
mod error;
mod gate;
mod governor;
mod headers;
mod models;
pub mod operations;
mod pass_through;
pub mod routes;

pub use api::ContactWrite;
pub use cache::{CachedResponse, EsiCache, MemoryCache};
pub use client::{EsiClient, Fresh};
pub use config::{COMPATIBILITY_DATE, EsiConfig};
pub use error::EsiError;
pub use gate::SharedGate;
pub use governor::{BucketSnapshot, GovernorSnapshot};
pub use models::{
    AlliancePublic, CharacterPublic, CharacterRoles, Contact, ContactLabel, ContactType,
    CorporationPublic, IdName, MemberTracking, NameCategory, Palette, ServerStatus, TaxRates,
    UniverseIds, UniverseName, UniverseStructure,
};
pub use pass_through::{PassThrough, PassedAnswer};
