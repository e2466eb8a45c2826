//! jumpgate-evesim: a faithful, offline stand-in for CCP's EVE SSO (login.eveonline.com), ESI
//! (esi.evetech.net) and image server, over a deterministic simulated universe.
//!
//! Everything is served on one origin: SSO paths as CCP's (`/v2/oauth/…`, `/oauth/jwks`,
//! `/.well-known/oauth-authorization-server`), ESI routes unversioned at the root, images under
//! `/image`, and the simulator's own controls under `/_sim`.

// The simulator stands in for CCP's servers, which keep their own real time; it is not
// Jumpgate and does not read Jumpgate's clock.
#![allow(clippy::disallowed_methods)]

mod control;
pub mod esi;
mod images;
mod log;
mod pages;
mod sim;
pub mod sso;
mod state;
pub mod world;

use std::time::Duration;

pub use log::LoggedRequest;
pub use sim::EveSim;
pub use sso::keys::{EveClaims, Scp, SigningAlg};
pub use world::{
    ContactType, DOOMHEIM_CORPORATION_ID, MAX_CONTACTS, SimAlliance, SimCharacter, SimContact,
    SimCorporation, SimMail, SimNotification,
};

/// The shape of the simulated universe and the initial network behaviour.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub seed: u64,
    pub alliances: usize,
    pub corporations: usize,
    pub characters: usize,
    /// EVE accounts (owner hashes) the characters are spread over, at most three each where
    /// the numbers allow.
    pub accounts: usize,
    pub latency: Duration,
    /// Share of ESI requests answered with a 5xx.
    pub fault_rate: f64,
    /// Base URL to advertise when behind a proxy; default `http://<bound addr>/`.
    pub public_url: Option<url::Url>,
    /// The scopes an application is registered with when registered without its own list
    /// ([`EveSim::register_client`]): the ceiling of what it may ask for, as at CCP. Default:
    /// what Jumpgate asks for ([`sso::scopes::JUMPGATE_SCOPES`]).
    pub registered_scopes: Vec<String>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            alliances: 3,
            corporations: 20,
            characters: 500,
            accounts: 200,
            latency: Duration::ZERO,
            fault_rate: 0.0,
            public_url: None,
            registered_scopes: sso::scopes::JUMPGATE_SCOPES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
        }
    }
}
