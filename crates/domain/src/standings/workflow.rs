//! Requests and revocations: their states, the legal transitions, and when a new one may start.
//!
//! History is kept: an entity may be requested, approved, revoked, requested and approved again,
//! each step a new row. The only uniqueness rule is "at most one *pending* request and one
//! *pending* revocation per entity" (the store enforces it with partial unique indexes; these
//! functions give the human reason before the database has to). Who may approve, reject or cancel
//! is decided by the app's permissions, not here: this module knows only the state rules.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// What is being asked to change state (for messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    Request,
    Revocation,
}

impl Subject {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Revocation => "revocation",
        }
    }
}

/// A decision on a pending request or revocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Approve,
    Reject,
    Cancel,
}

impl Action {
    /// Past participle, for messages ("can be approved").
    pub fn done(self) -> &'static str {
        match self {
            Self::Approve => "approved",
            Self::Reject => "rejected",
            Self::Cancel => "cancelled",
        }
    }
}

/// A transition that the state machine does not allow: only pending items can be decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("only a pending {} can be {}; this one is already {}", subject.as_str(), action.done(), from)]
pub struct TransitionError {
    pub subject: Subject,
    pub action: Action,
    /// The state the item is in (`approved`, `rejected`, `cancelled`).
    pub from: &'static str,
}

/// Generates a four-state enum (pending → approved | rejected | cancelled) with its transitions.
/// Requests and revocations share the machine but stay distinct types so one cannot be stored
/// in place of the other.
macro_rules! decision_state {
    ($(#[$doc:meta])* $name:ident, $subject:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            /// Waiting for an approver.
            Pending,
            /// Done: for a request the entry exists, for a revocation it is gone.
            Approved,
            /// An approver said no; nothing changed.
            Rejected,
            /// The requester withdrew it before a decision.
            Cancelled,
        }

        impl $name {
            pub const ALL: [$name; 4] =
                [Self::Pending, Self::Approved, Self::Rejected, Self::Cancelled];

            pub fn as_str(self) -> &'static str {
                match self {
                    Self::Pending => "pending",
                    Self::Approved => "approved",
                    Self::Rejected => "rejected",
                    Self::Cancelled => "cancelled",
                }
            }

            pub fn parse(s: &str) -> Result<Self, UnknownState> {
                let t = s.trim();
                Self::ALL
                    .into_iter()
                    .find(|st| st.as_str().eq_ignore_ascii_case(t))
                    .ok_or_else(|| UnknownState(s.to_owned()))
            }

            pub fn is_pending(self) -> bool {
                self == Self::Pending
            }

            pub fn approve(self) -> Result<Self, TransitionError> {
                self.decide(Action::Approve, Self::Approved)
            }

            pub fn reject(self) -> Result<Self, TransitionError> {
                self.decide(Action::Reject, Self::Rejected)
            }

            pub fn cancel(self) -> Result<Self, TransitionError> {
                self.decide(Action::Cancel, Self::Cancelled)
            }

            fn decide(self, action: Action, to: Self) -> Result<Self, TransitionError> {
                if self.is_pending() {
                    Ok(to)
                } else {
                    Err(TransitionError { subject: $subject, action, from: self.as_str() })
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

decision_state!(
    /// The state of a standing request.
    RequestState,
    Subject::Request
);
decision_state!(
    /// The state of a standing revocation.
    RevocationState,
    Subject::Revocation
);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a state: expected pending, approved, rejected or cancelled")]
pub struct UnknownState(pub String);

/// Why a standing is to be removed. All but `RequestedByOwner` and `RemovedByAdmin` are raised
/// automatically by the periodic validator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationReason {
    /// The owner asked to remove their character's or corporation's standing.
    RequestedByOwner,
    /// The owner's account no longer has the permission or state that allows a standing.
    LostPermission,
    /// The character's token is gone or no longer valid.
    TokenInvalid,
    /// The character's token lacks scopes the owner's state requires.
    MissingScopes,
    /// The character left the owner's account (owner hash changed or moved to another account).
    Transferred,
    /// The character was biomassed.
    Biomassed,
    /// A corporation no longer satisfies the coverage rule.
    CoverageLost,
    /// An administrator removed the standing.
    RemovedByAdmin,
}

impl RevocationReason {
    pub const ALL: [RevocationReason; 8] = [
        Self::RequestedByOwner,
        Self::LostPermission,
        Self::TokenInvalid,
        Self::MissingScopes,
        Self::Transferred,
        Self::Biomassed,
        Self::CoverageLost,
        Self::RemovedByAdmin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::RequestedByOwner => "requested_by_owner",
            Self::LostPermission => "lost_permission",
            Self::TokenInvalid => "token_invalid",
            Self::MissingScopes => "missing_scopes",
            Self::Transferred => "transferred",
            Self::Biomassed => "biomassed",
            Self::CoverageLost => "coverage_lost",
            Self::RemovedByAdmin => "removed_by_admin",
        }
    }

    pub fn parse(s: &str) -> Result<Self, UnknownReason> {
        let t = s.trim();
        Self::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(t))
            .ok_or_else(|| UnknownReason(s.to_owned()))
    }

    /// A sentence for pages, notifications and the audit log.
    pub fn describe(self) -> &'static str {
        match self {
            Self::RequestedByOwner => "the owner asked to remove the standing",
            Self::LostPermission => "the owner no longer has permission to hold a standing",
            Self::TokenInvalid => "the character's token is missing or no longer valid",
            Self::MissingScopes => "the character's token lacks the required scopes",
            Self::Transferred => "the character left the owner's account",
            Self::Biomassed => "the character was biomassed",
            Self::CoverageLost => "the corporation no longer meets the coverage rule",
            Self::RemovedByAdmin => "an administrator removed the standing",
        }
    }

    /// Raised by Jumpgate itself rather than by a person.
    pub fn is_automatic(self) -> bool {
        !matches!(self, Self::RequestedByOwner | Self::RemovedByAdmin)
    }
}

impl fmt::Display for RevocationReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{0}' is not a revocation reason: expected one of requested_by_owner, lost_permission, \
     token_invalid, missing_scopes, transferred, biomassed, coverage_lost, removed_by_admin"
)]
pub struct UnknownReason(pub String);

/// What happens when a revocation with a given reason is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonPolicy {
    /// The revocation is approved at once (by the system) and the standing removed.
    AutoApprove,
    /// The revocation waits for an approver.
    Queue,
}

impl ReasonPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AutoApprove => "auto_approve",
            Self::Queue => "queue",
        }
    }

    pub fn parse(s: &str) -> Result<Self, PolicyError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto_approve" => Ok(Self::AutoApprove),
            "queue" => Ok(Self::Queue),
            _ => Err(PolicyError::UnknownPolicy(s.to_owned())),
        }
    }

    /// The state a new revocation starts in under this policy.
    pub fn initial_state(self) -> RevocationState {
        match self {
            Self::AutoApprove => RevocationState::Approved,
            Self::Queue => RevocationState::Pending,
        }
    }
}

impl fmt::Display for ReasonPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("'{0}' is not a policy: expected auto_approve or queue")]
    UnknownPolicy(String),
    #[error(transparent)]
    UnknownReason(#[from] UnknownReason),
    #[error("'{0}' should look like reason=policy, e.g. transferred=auto_approve")]
    Malformed(String),
}

/// The policy for every revocation reason (a setting).
///
/// Defaults: a person's request waits for an approver (`RequestedByOwner` → queue); a character
/// that left the account or was biomassed can no longer belong to its owner, so those are removed
/// at once; the other automatic reasons are often transient (a token expired, an ESI hiccup, a
/// corporation member who has not logged in yet) and are queued so an approver can look first;
/// an administrator's removal is itself the decision (auto-approve).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevocationPolicies {
    policies: BTreeMap<RevocationReason, ReasonPolicy>,
}

impl Default for RevocationPolicies {
    fn default() -> Self {
        let policies = RevocationReason::ALL
            .into_iter()
            .map(|r| (r, Self::default_for(r)))
            .collect();
        Self { policies }
    }
}

impl RevocationPolicies {
    pub fn default_for(reason: RevocationReason) -> ReasonPolicy {
        use RevocationReason as R;
        match reason {
            R::Transferred | R::Biomassed | R::RemovedByAdmin => ReasonPolicy::AutoApprove,
            R::RequestedByOwner
            | R::LostPermission
            | R::TokenInvalid
            | R::MissingScopes
            | R::CoverageLost => ReasonPolicy::Queue,
        }
    }

    pub fn get(&self, reason: RevocationReason) -> ReasonPolicy {
        self.policies
            .get(&reason)
            .copied()
            .unwrap_or_else(|| Self::default_for(reason))
    }

    pub fn set(&mut self, reason: RevocationReason, policy: ReasonPolicy) {
        self.policies.insert(reason, policy);
    }

    /// Every reason with its policy, in a stable order (for the settings page).
    pub fn iter(&self) -> impl Iterator<Item = (RevocationReason, ReasonPolicy)> + '_ {
        RevocationReason::ALL.into_iter().map(|r| (r, self.get(r)))
    }

    /// Reads overrides of the defaults, e.g. `"lost_permission=auto_approve, token_invalid=queue"`
    /// (comma, semicolon or newline separated; an empty text means all defaults).
    pub fn parse(s: &str) -> Result<Self, PolicyError> {
        let mut out = Self::default();
        for item in s
            .split([',', ';', '\n'])
            .map(str::trim)
            .filter(|i| !i.is_empty())
        {
            let (reason, policy) = item
                .split_once('=')
                .ok_or_else(|| PolicyError::Malformed(item.to_owned()))?;
            out.set(
                RevocationReason::parse(reason)?,
                ReasonPolicy::parse(policy)?,
            );
        }
        Ok(out)
    }
}

/// Why a new request or revocation cannot be created. The app adds names and dates around
/// [`RefusalReason::message`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefusalReason {
    /// A request for this entity is already waiting for an approver.
    RequestAlreadyPending,
    /// The entity already has a standing.
    AlreadyHasStanding,
    /// A revocation for this entity is waiting; a request makes no sense until it is decided.
    RevocationPending,
    /// There is no standing to revoke.
    NoStanding,
    /// A revocation for this entity is already waiting for an approver.
    RevocationAlreadyPending,
}

impl RefusalReason {
    pub fn message(self) -> &'static str {
        match self {
            Self::RequestAlreadyPending => {
                "a request for this entity is already pending; wait for an approver's decision"
            }
            Self::AlreadyHasStanding => "this entity already has a standing",
            Self::RevocationPending => {
                "a revocation for this entity is pending; a new request can be made once it is decided"
            }
            Self::NoStanding => "this entity has no standing to revoke",
            Self::RevocationAlreadyPending => "a revocation for this entity is already pending",
        }
    }
}

impl fmt::Display for RefusalReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// May a new standing request for an entity be created?
pub fn can_request(
    entity_has_entry: bool,
    pending_request_exists: bool,
    pending_revocation_exists: bool,
) -> Result<(), RefusalReason> {
    if pending_request_exists {
        Err(RefusalReason::RequestAlreadyPending)
    } else if pending_revocation_exists {
        Err(RefusalReason::RevocationPending)
    } else if entity_has_entry {
        Err(RefusalReason::AlreadyHasStanding)
    } else {
        Ok(())
    }
}

/// May a new revocation for an entity be created (by a person or automatically)?
pub fn can_revoke(
    entity_has_entry: bool,
    pending_revocation_exists: bool,
) -> Result<(), RefusalReason> {
    if pending_revocation_exists {
        Err(RefusalReason::RevocationAlreadyPending)
    } else if !entity_has_entry {
        Err(RefusalReason::NoStanding)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pending_items_can_be_decided() {
        type Step = fn(RequestState) -> Result<RequestState, TransitionError>;
        let steps: [(Step, RequestState); 3] = [
            (RequestState::approve, RequestState::Approved),
            (RequestState::reject, RequestState::Rejected),
            (RequestState::cancel, RequestState::Cancelled),
        ];
        for (step, to) in steps {
            assert_eq!(step(RequestState::Pending), Ok(to));
            for from in [
                RequestState::Approved,
                RequestState::Rejected,
                RequestState::Cancelled,
            ] {
                assert!(step(from).is_err(), "{from} -> {to}");
            }
        }
        assert_eq!(
            RevocationState::Pending.approve(),
            Ok(RevocationState::Approved)
        );
        assert!(RevocationState::Rejected.cancel().is_err());
    }

    #[test]
    fn a_refused_transition_says_why() {
        let err = RequestState::Approved.reject().expect_err("decided");
        assert_eq!(
            err.to_string(),
            "only a pending request can be rejected; this one is already approved"
        );
        let err = RevocationState::Cancelled.approve().expect_err("decided");
        assert_eq!(
            err.to_string(),
            "only a pending revocation can be approved; this one is already cancelled"
        );
    }

    #[test]
    fn states_and_reasons_round_trip_through_their_names() {
        for s in RequestState::ALL {
            assert_eq!(RequestState::parse(s.as_str()), Ok(s));
        }
        for s in RevocationState::ALL {
            assert_eq!(RevocationState::parse(s.as_str()), Ok(s));
        }
        for r in RevocationReason::ALL {
            assert_eq!(RevocationReason::parse(r.as_str()), Ok(r));
            assert!(!r.describe().is_empty());
        }
        assert!(RequestState::parse("effective").is_err());
        assert!(RevocationReason::parse("bored").is_err());
        assert!(!RevocationReason::RequestedByOwner.is_automatic());
        assert!(RevocationReason::CoverageLost.is_automatic());
    }

    #[test]
    fn approve_revoke_request_again_approve_again_is_allowed() {
        // Approved once: the entry exists, nothing pending.
        assert_eq!(
            can_request(true, false, false),
            Err(RefusalReason::AlreadyHasStanding)
        );
        assert_eq!(can_revoke(true, false), Ok(()));
        // Revocation pending.
        assert_eq!(
            can_request(true, false, true),
            Err(RefusalReason::RevocationPending)
        );
        assert_eq!(
            can_revoke(true, true),
            Err(RefusalReason::RevocationAlreadyPending)
        );
        // Revocation approved: the entry is gone, history stays elsewhere.
        assert_eq!(can_request(false, false, false), Ok(()));
        // Requested again: a second pending request is refused.
        assert_eq!(
            can_request(false, true, false),
            Err(RefusalReason::RequestAlreadyPending)
        );
        assert_eq!(can_revoke(false, false), Err(RefusalReason::NoStanding));
    }

    #[test]
    fn default_policies_remove_lost_characters_at_once_and_queue_the_rest() {
        let p = RevocationPolicies::default();
        use ReasonPolicy::{AutoApprove, Queue};
        use RevocationReason as R;
        let expected = [
            (R::RequestedByOwner, Queue),
            (R::LostPermission, Queue),
            (R::TokenInvalid, Queue),
            (R::MissingScopes, Queue),
            (R::Transferred, AutoApprove),
            (R::Biomassed, AutoApprove),
            (R::CoverageLost, Queue),
            (R::RemovedByAdmin, AutoApprove),
        ];
        for (reason, policy) in expected {
            assert_eq!(p.get(reason), policy, "{reason}");
        }
        assert_eq!(AutoApprove.initial_state(), RevocationState::Approved);
        assert_eq!(Queue.initial_state(), RevocationState::Pending);
    }

    #[test]
    fn policies_parse_overrides_with_clear_errors() {
        let p = RevocationPolicies::parse("lost_permission=auto_approve; biomassed = queue\n")
            .expect("valid");
        assert_eq!(
            p.get(RevocationReason::LostPermission),
            ReasonPolicy::AutoApprove
        );
        assert_eq!(p.get(RevocationReason::Biomassed), ReasonPolicy::Queue);
        assert_eq!(
            p.get(RevocationReason::Transferred),
            ReasonPolicy::AutoApprove
        );
        assert_eq!(
            RevocationPolicies::parse(""),
            Ok(RevocationPolicies::default())
        );
        let cases = [
            (
                "biomassed=maybe",
                "'maybe' is not a policy: expected auto_approve or queue",
            ),
            (
                "bored=queue",
                "'bored' is not a revocation reason: expected one of requested_by_owner, \
                 lost_permission, token_invalid, missing_scopes, transferred, biomassed, \
                 coverage_lost, removed_by_admin",
            ),
            (
                "queue",
                "'queue' should look like reason=policy, e.g. transferred=auto_approve",
            ),
        ];
        for (input, message) in cases {
            let err = RevocationPolicies::parse(input).expect_err(input);
            assert_eq!(err.to_string(), message);
        }
    }

    #[test]
    fn every_refusal_has_a_message() {
        for r in [
            RefusalReason::RequestAlreadyPending,
            RefusalReason::AlreadyHasStanding,
            RefusalReason::RevocationPending,
            RefusalReason::NoStanding,
            RefusalReason::RevocationAlreadyPending,
        ] {
            assert!(!r.message().is_empty());
        }
    }
}
