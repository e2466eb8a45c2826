//! Settings of the use cases: each feature's section (defined beside the feature, validated by
//! the binary's configuration loader) and what the binary decides at start.

use crate::accounts::AccountSettings;
use crate::jobs::JobSettings;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct AppSettings {
    /// `[accounts]`: how states are matched, whether members may remove alts.
    pub accounts: AccountSettings,
    /// `[jobs]`: how often affiliations and tokens are checked, jobs at once.
    pub jobs: JobSettings,
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
            accounts: AccountSettings::default(),
            jobs: JobSettings::default(),
            demo: false,
            instance_id: format!("jumpgate-{}", uuid::Uuid::new_v4().simple()),
            safety_valve: SafetyValveSettings::default(),
            standings: crate::standings::StandingsSettings::default(),
        }
    }
}
