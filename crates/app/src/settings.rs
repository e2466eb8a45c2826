//! Settings of the use cases: each feature's section (defined beside the feature, validated by
//! the binary's configuration loader) and what the binary decides at start.

use crate::accounts::AccountSettings;
use crate::audit::anchor::AuditSettings;
use crate::jobs::JobSettings;
use crate::tokens::safety_valve::SafetyValveSettings;

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
    /// `[sessions]`: how long a sign-in lasts.
    pub sessions: crate::sessions::SessionSettings,
    /// From `[mail]`: how often verification mail may go out.
    pub mail_limits: jumpgate_domain::verification_mail::MailLimits,
    /// `[audit]`: where checks of the audit chain anchor it.
    pub audit: AuditSettings,
    /// `[deactivation]`: whether groups require a valid login token, and after how long.
    pub deactivation: crate::deactivation::DeactivationSettings,
    /// `[apps]`: how many calls an application may make.
    pub apps: crate::apps::AppsSettings,
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
            sessions: crate::sessions::SessionSettings::default(),
            mail_limits: jumpgate_domain::verification_mail::MailLimits::default(),
            audit: AuditSettings::default(),
            deactivation: crate::deactivation::DeactivationSettings::default(),
            apps: crate::apps::AppsSettings::default(),
        }
    }
}
