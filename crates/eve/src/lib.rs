//! EVE Online clients for Jumpgate: the SSO v2 (login, token refresh and revocation, local JWT
//! verification) and a thin typed ESI client that obeys ESI's caching, error-limit and
//! rate-limit rules.
//!
//! Both clients take an injectable [`Clock`] so that expiry, cooldowns, back-off and the daily
//! downtime window can be tested without sleeping.

mod body;
pub mod clock;
pub mod esi;
mod http_date;
pub mod settings;
pub mod sso;

pub use clock::{Clock, ManualClock, SystemClock};
pub use esi::{
    AlliancePublic, COMPATIBILITY_DATE, CachedResponse, CharacterPublic, CharacterRoles,
    CorporationPublic, EsiCache, EsiClient, EsiConfig, EsiError, Fresh, GovernorSnapshot,
    MemoryCache, PassThrough, PassedAnswer, ServerStatus, SharedGate, UniverseIds, UniverseName,
};
pub use settings::EveSettings;
pub use sso::{
    CodeVerifier, DEFAULT_SSO_TIMEOUT, SsoClient, SsoConfig, SsoError, TokenResponse, VerifiedToken,
};
