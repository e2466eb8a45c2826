//! A thin typed ESI client that follows CCP's rules: compatibility date and User-Agent on every
//! request, ETag/Expires caching, `X-Pages`, the error limiter, rate-limit buckets, bounded
//! retries and the daily downtime.

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
