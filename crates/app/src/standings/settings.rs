//! Settings of the standings manager: the `[standings]` section as written in the configuration
//! file (`StandingsSection`, composed by the binary's configuration) and, once validated, as the
//! use cases read it (`StandingsSettings`). Every default is written once, in
//! `StandingsSettings::default()`; every setting has an effect.

use jumpgate_domain::standings::{
    CollisionPolicy, CoverageRule, LeavePolicy, ReasonPolicy, RevocationPolicies, RevocationReason,
    Standing,
};
use jumpgate_domain::{EveLogin, ScopeSet};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// The EVE login whose token writes contacts.
pub const SYNC_LOGIN: &str = "standings.sync";

#[derive(Debug, Clone, PartialEq)]
pub struct StandingsSettings {
    /// The in-game contact label that marks Jumpgate's contacts (matched ignoring case). ESI
    /// cannot create labels: each member creates it in game once.
    pub label_name: String,
    /// The standing an approver's form starts with.
    pub default_standing: Standing,
    /// How often every enrolled character is fully reconciled (in-game edits are caught here).
    pub sync_interval: Duration,
    /// How often the validator looks for standings that must be revoked.
    pub validation_interval: Duration,
    /// Scopes a character must have granted, beyond the contact scopes, by the requester's
    /// state name (e.g. Member → membership scopes).
    pub scopes_by_state: BTreeMap<String, ScopeSet>,
    /// When a corporation may hold a standing.
    pub coverage_rule: CoverageRule,
    /// What happens when a member already has a personal contact for an entity in the database.
    pub collision: CollisionPolicy,
    /// Per automatic-revocation reason: approve at once or queue for an approver.
    pub revocation_policies: RevocationPolicies,
    /// Whether a character's own corporation and alliance are left out of its contacts.
    pub exclude_own_organisation: bool,
    /// What happens to Jumpgate's contacts when a character leaves sync or stops being eligible.
    pub leave_policy: LeavePolicy,
    /// How many characters are synced at once by one process (full syncs in their own worker
    /// lane, and the characters of one propagation). A sync mostly waits on ESI (about 14
    /// sequential calls for a new character with 1,000 standings), so 10,000 characters in 5
    /// minutes at 100 ms per call need about 50 at once. ESI's buckets are per character, so
    /// this does not spend any one bucket faster.
    pub sync_concurrency: usize,
    /// Whether an approver may decide their own request or removal, or one about their own
    /// characters or corporations. Off: another approver must (separation of duties).
    pub allow_self_approval: bool,
}

impl Default for StandingsSettings {
    fn default() -> Self {
        Self {
            label_name: "Jumpgate".to_owned(),
            default_standing: Standing::MAX,
            sync_interval: Duration::from_secs(60 * 60),
            validation_interval: Duration::from_secs(30 * 60),
            scopes_by_state: BTreeMap::new(),
            coverage_rule: CoverageRule::AllRegistered,
            collision: CollisionPolicy::SkipAndReport,
            revocation_policies: RevocationPolicies::default(),
            exclude_own_organisation: true,
            leave_policy: LeavePolicy::RemoveManaged,
            sync_concurrency: 64,
            allow_self_approval: false,
        }
    }
}

impl StandingsSettings {
    /// The scopes contact sync needs.
    pub fn contact_scopes() -> ScopeSet {
        ScopeSet::new([
            "esi-characters.read_contacts.v1",
            "esi-characters.write_contacts.v1",
        ])
    }

    /// The scopes a character of an account in `state` must have granted to hold a standing.
    pub fn required_scopes(&self, state: &str) -> ScopeSet {
        let extra = self.scopes_by_state.get(state).cloned().unwrap_or_default();
        Self::contact_scopes().union(&extra)
    }

    /// The EVE login members use to grant the sync scopes ("Add scopes"): the contact scopes plus
    /// every state's extra scopes, so one login satisfies whichever state the account is in.
    pub fn sync_login(&self) -> EveLogin {
        let scopes = self
            .scopes_by_state
            .values()
            .fold(Self::contact_scopes(), |all, s| all.union(s));
        EveLogin {
            name: SYNC_LOGIN.to_owned(),
            description: "Let Jumpgate write the alliance's standings into your contacts"
                .to_owned(),
            scopes,
        }
    }
}

/// More syncs at once than this would only queue on the database (and on SQLite's one writer).
const MAX_SYNC_CONCURRENCY: usize = 256;

/// Extra scopes a state's members must grant to hold a standing (`[[standings.state_scopes]]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateScopes {
    /// A state name as on the States page, e.g. "Member".
    pub state: String,
    pub scopes: Vec<String>,
}

/// The `[standings]` section as written; [`StandingsSection::validate`] turns it into
/// [`StandingsSettings`] or names every problem. A setting left out takes its value from
/// `StandingsSettings::default()`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StandingsSection {
    /// The in-game contact label that marks the organisation's contacts (case-insensitive).
    pub label_name: String,
    /// The standing an approver's form starts with (-10 … 10, one decimal).
    pub default_standing: f64,
    /// How often every enrolled character is fully reconciled, e.g. "1h".
    #[serde(with = "humantime_serde")]
    pub sync_interval: Duration,
    /// How often the validator looks for standings to revoke, e.g. "30m".
    #[serde(with = "humantime_serde")]
    pub validation_interval: Duration,
    /// Extra scopes per state, beyond the contact scopes.
    pub state_scopes: Vec<StateScopes>,
    /// `owns_all`, `all_registered` or `percent:N`.
    pub coverage_rule: String,
    /// `skip_and_report`, `take_over` or `leave_personal`.
    pub collision: String,
    /// Overrides per revocation reason: `reason = "auto_approve" | "queue"`.
    pub revocation_policies: BTreeMap<String, String>,
    /// Leave each character's own corporation and alliance out of its contacts.
    pub exclude_own_organisation: bool,
    /// `remove_managed` or `keep`: Jumpgate's contacts when a character leaves sync.
    pub leave_policy: String,
    /// Characters synced at once by one process.
    pub sync_concurrency: usize,
    /// Let an approver decide their own requests and removals, and those about their own
    /// characters and corporations.
    pub allow_self_approval: bool,
}

impl Default for StandingsSection {
    fn default() -> Self {
        let d = StandingsSettings::default();
        Self {
            label_name: d.label_name,
            default_standing: d.default_standing.value(),
            sync_interval: d.sync_interval,
            validation_interval: d.validation_interval,
            state_scopes: Vec::new(),
            coverage_rule: d.coverage_rule.to_string(),
            collision: d.collision.as_str().to_owned(),
            revocation_policies: BTreeMap::new(),
            exclude_own_organisation: d.exclude_own_organisation,
            leave_policy: d.leave_policy.as_str().to_owned(),
            sync_concurrency: d.sync_concurrency,
            allow_self_approval: d.allow_self_approval,
        }
    }
}

impl StandingsSection {
    /// The use cases' settings, or every problem named with its setting and fix.
    pub fn validate(&self) -> Result<StandingsSettings, Vec<String>> {
        let mut problems = Vec::new();
        let mut out = StandingsSettings::default();
        let label = self.label_name.trim();
        if label.is_empty() || label.chars().count() > 40 {
            problems.push(format!(
                "standings.label_name '{}' must be 1 to 40 characters: the name of the contact label members create in game, e.g. \"Jumpgate\"",
                self.label_name
            ));
        } else {
            label.clone_into(&mut out.label_name);
        }
        match Standing::new(self.default_standing) {
            Ok(s) => out.default_standing = s,
            Err(e) => problems.push(format!("standings.default_standing: {e}")),
        }
        if self.sync_interval < Duration::from_secs(300) {
            problems.push("standings.sync_interval must be at least 5m: ESI caches contacts for 5 minutes, and approvals are propagated at once anyway".to_owned());
        } else {
            out.sync_interval = self.sync_interval;
        }
        if self.validation_interval < Duration::from_secs(60) {
            problems
                .push("standings.validation_interval must be at least 1m, e.g. \"30m\"".to_owned());
        } else {
            out.validation_interval = self.validation_interval;
        }
        self.validate_state_scopes(&mut out, &mut problems);
        match CoverageRule::parse(&self.coverage_rule) {
            Ok(r) => out.coverage_rule = r,
            Err(e) => problems.push(format!("standings.coverage_rule: {e}")),
        }
        match CollisionPolicy::parse(&self.collision) {
            Ok(c) => out.collision = c,
            Err(e) => problems.push(format!("standings.collision: {e}")),
        }
        match LeavePolicy::parse(&self.leave_policy) {
            Ok(l) => out.leave_policy = l,
            Err(e) => problems.push(format!("standings.leave_policy: {e}")),
        }
        let mut policies = RevocationPolicies::default();
        for (reason, policy) in &self.revocation_policies {
            match (RevocationReason::parse(reason), ReasonPolicy::parse(policy)) {
                (Ok(r), Ok(p)) => policies.set(r, p),
                (Err(e), _) => problems.push(format!("standings.revocation_policies: {e}")),
                (_, Err(e)) => {
                    problems.push(format!("standings.revocation_policies.{reason}: {e}"));
                }
            }
        }
        out.revocation_policies = policies;
        out.exclude_own_organisation = self.exclude_own_organisation;
        out.allow_self_approval = self.allow_self_approval;
        if self.sync_concurrency == 0 || self.sync_concurrency > MAX_SYNC_CONCURRENCY {
            problems.push(format!(
                "standings.sync_concurrency must be between 1 and {MAX_SYNC_CONCURRENCY}"
            ));
        } else {
            out.sync_concurrency = self.sync_concurrency;
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(problems)
        }
    }

    fn validate_state_scopes(&self, out: &mut StandingsSettings, problems: &mut Vec<String>) {
        for s in &self.state_scopes {
            if s.state.trim().is_empty() {
                problems.push("standings.state_scopes: every entry needs a state name, e.g. { state = \"Member\", scopes = [\"esi-…\"] }".to_owned());
                continue;
            }
            if let Some(bad) = s
                .scopes
                .iter()
                .find(|x| x.trim().is_empty() || x.contains(' '))
            {
                problems.push(format!(
                    "standings.state_scopes for '{}': '{bad}' is not a scope name (e.g. esi-assets.read_assets.v1)",
                    s.state
                ));
                continue;
            }
            let extra = ScopeSet::new(s.scopes.iter().map(|x| x.trim().to_owned()));
            let merged = out
                .scopes_by_state
                .get(s.state.trim())
                .map_or_else(|| extra.clone(), |prev| prev.union(&extra));
            out.scopes_by_state
                .insert(s.state.trim().to_owned(), merged);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_left_out_means_the_default_settings() {
        assert_eq!(
            StandingsSection::default().validate(),
            Ok(StandingsSettings::default())
        );
    }

    #[test]
    fn extra_scopes_of_one_state_written_twice_are_merged() {
        let section = StandingsSection {
            state_scopes: vec![
                StateScopes {
                    state: "Member".into(),
                    scopes: vec!["esi-assets.read_assets.v1".into()],
                },
                StateScopes {
                    state: " Member ".into(),
                    scopes: vec!["esi-skills.read_skills.v1".into()],
                },
            ],
            ..StandingsSection::default()
        };
        let settings = section.validate().expect("valid");
        let member = settings.required_scopes("Member");
        assert!(member.contains("esi-assets.read_assets.v1"));
        assert!(member.contains("esi-skills.read_skills.v1"));
    }
}
