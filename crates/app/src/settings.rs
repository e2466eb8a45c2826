//! Settings of the use cases, validated by the binary's configuration loader.

use jumpgate_domain::states::StateMatchMode;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct AppSettings {
    /// Whether only the main or any character decides an account's state.
    pub state_match_mode: StateMatchMode,
    /// Whether members may remove their own alts.
    pub allow_alt_removal: bool,
    /// How often every character's corporation and alliance is re-read from ESI.
    pub affiliation_interval: Duration,
    /// How often every token is refreshed to learn whether it is still valid.
    pub token_check_interval: Duration,
    /// Demo mode: the first character to log in on an empty database becomes superuser.
    pub demo: bool,
    /// Identifies this process in job and token leases.
    pub instance_id: String,
    pub safety_valve: SafetyValveSettings,
    pub standings: crate::standings::StandingsSettings,
}

#[derive(Debug, Clone)]
pub struct SafetyValveSettings {
    /// The window over which refresh outcomes are counted.
    pub window: Duration,
    /// Fewer invalid answers than this never trip the valve.
    pub min_invalid: u32,
    /// The share of refreshes answered "invalid" within the window that trips the valve.
    pub max_invalid_share: f64,
    /// How long invalidation stays suspended once tripped (an admin can clear it sooner).
    pub hold: Duration,
}

impl Default for SafetyValveSettings {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(10 * 60),
            min_invalid: 10,
            max_invalid_share: 0.2,
            hold: Duration::from_secs(60 * 60),
        }
    }
}

impl Default for AppSettings {
    fn default() -> Self {
        Self {
            state_match_mode: StateMatchMode::MainOnly,
            allow_alt_removal: true,
            affiliation_interval: Duration::from_secs(10 * 60),
            token_check_interval: Duration::from_secs(60 * 60),
            demo: false,
            instance_id: format!("jumpgate-{}", uuid::Uuid::new_v4().simple()),
            safety_valve: SafetyValveSettings::default(),
            standings: crate::standings::StandingsSettings::default(),
        }
    }
}
