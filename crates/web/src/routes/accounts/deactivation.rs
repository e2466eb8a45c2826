//! An account's deactivation as its pages show it (the account page and the admin account
//! page): active, will be deactivated at, or deactivated since, with the characters to log in
//! with again. Its groups are listed either way; while deactivated they are kept but inactive.

use crate::ui::format::when_relative;
use jumpgate_app::deactivation::DeactivationView;
use jumpgate_domain::deactivation::Deactivation;

#[derive(Debug, Clone)]
pub struct DeactivationNotice {
    /// `no`, `soon` or `yes`.
    pub state: &'static str,
    /// "Active", "Will be deactivated at …", "Deactivated since …".
    pub text: String,
    /// The characters whose login token is missing or dead.
    pub characters: Vec<String>,
    /// Whether the rule is on at all.
    pub enabled: bool,
    /// When the episode's mail went out; empty when it has not.
    pub mail_sent: String,
}

impl DeactivationNotice {
    /// Whether its groups are kept but do not count.
    pub fn groups_inactive(&self) -> bool {
        self.state == "yes"
    }
}

pub fn notice(view: &DeactivationView, now: time::OffsetDateTime) -> DeactivationNotice {
    let text = match view.state {
        Deactivation::No => "Active".to_owned(),
        Deactivation::Soon { at } => {
            format!("Will be deactivated at {}", when_relative(Some(at), now))
        }
        Deactivation::Yes { since } => {
            format!("Deactivated since {}", when_relative(Some(since), now))
        }
    };
    DeactivationNotice {
        state: view.state.as_str(),
        text,
        characters: view
            .bad_characters
            .iter()
            .map(|(_, name)| name.clone())
            .collect(),
        enabled: view.enabled,
        mail_sent: view
            .mail_sent_at
            .map(|t| when_relative(Some(t), now))
            .unwrap_or_default(),
    }
}
