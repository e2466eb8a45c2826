//! Settings of the standings manager, validated by the binary's configuration loader (section
//! `[standings]`); every one has an effect.

use jumpgate_domain::standings::{
    CollisionPolicy, CoverageRule, LeavePolicy, RevocationPolicies, Standing,
};
use jumpgate_domain::{EveLogin, ScopeSet};
use std::collections::BTreeMap;
use std::time::Duration;

/// The EVE login whose token writes contacts.
pub const SYNC_LOGIN: &str = "standings.sync";

#[derive(Debug, Clone)]
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
