//! The `[deactivation]` section: whether groups require a valid login token, after how many
//! hours an account with a bad one is deactivated, and which alliances and corporations the rule
//! covers (Neucore's `groups_require_valid_token`, `account_deactivation_delay`,
//! `account_deactivation_alliances` / `_corporations`).

use jumpgate_domain::deactivation::DeactivationRules;
use jumpgate_domain::{AllianceId, CorporationId};

/// The longest delay: a year.
const MAX_DELAY_HOURS: u32 = 366 * 24;

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeactivationSettings {
    /// Whether an account whose character lost its login token is deactivated (its groups stop
    /// counting) after `delay_hours`. Off by default.
    pub groups_require_valid_token: bool,
    /// Hours between the first bad token seen and the deactivation (0: at once).
    pub delay_hours: u32,
    /// The rule covers accounts with a character in one of these alliances (ids)…
    pub alliances: Vec<i64>,
    /// …or in one of these corporations (ids).
    pub corporations: Vec<i64>,
    /// The character (id) that sends the episodes' notices as EVE mail too, once it has logged
    /// in with the EVE login `core.mail` (`/sso/login?login=core.mail`). None: no EVE mail.
    pub eve_mail_from: Option<i64>,
}

impl DeactivationSettings {
    /// Adds every problem with this section to `problems`, each named with its setting and fix.
    pub fn validate(&self, problems: &mut Vec<String>) {
        if self.delay_hours > MAX_DELAY_HOURS {
            problems.push(format!(
                "deactivation.delay_hours must be at most {MAX_DELAY_HOURS} (a year), not {}",
                self.delay_hours
            ));
        }
        for (name, ids) in [
            ("deactivation.alliances", &self.alliances),
            ("deactivation.corporations", &self.corporations),
        ] {
            if let Some(bad) = ids.iter().find(|id| **id <= 0) {
                problems.push(format!(
                    "{name} holds {bad}: EVE ids are positive whole numbers, e.g. [99000001]"
                ));
            }
        }
        if self.eve_mail_from.is_some_and(|id| id <= 0) {
            problems.push(
                "deactivation.eve_mail_from must be a character id (a positive whole number)"
                    .to_owned(),
            );
        }
        if self.groups_require_valid_token
            && self.alliances.is_empty()
            && self.corporations.is_empty()
        {
            problems.push("deactivation.groups_require_valid_token is on but covers nobody: name the alliances (deactivation.alliances = [99000001]) or corporations (deactivation.corporations) whose members' accounts it applies to".to_owned());
        }
    }

    /// The rules the use cases judge by.
    pub fn rules(&self) -> DeactivationRules {
        DeactivationRules {
            groups_require_valid_token: self.groups_require_valid_token,
            delay: time::Duration::hours(i64::from(self.delay_hours)),
            alliances: self.alliances.iter().copied().map(AllianceId).collect(),
            corporations: self
                .corporations
                .iter()
                .copied()
                .map(CorporationId)
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switched_on_it_must_cover_someone_and_every_problem_is_named() {
        let mut problems = Vec::new();
        DeactivationSettings {
            groups_require_valid_token: true,
            delay_hours: 100_000,
            alliances: vec![-1],
            corporations: Vec::new(),
            eve_mail_from: Some(0),
        }
        .validate(&mut problems);
        let all = problems.join("\n");
        for setting in [
            "deactivation.delay_hours",
            "deactivation.alliances",
            "deactivation.eve_mail_from",
        ] {
            assert!(all.contains(setting), "{setting} missing from: {all}");
        }
        let mut problems = Vec::new();
        DeactivationSettings {
            groups_require_valid_token: true,
            ..Default::default()
        }
        .validate(&mut problems);
        assert!(problems[0].contains("covers nobody"), "{problems:?}");
        let mut problems = Vec::new();
        DeactivationSettings::default().validate(&mut problems);
        assert!(problems.is_empty(), "off by default, and valid");
    }
}
