//! Groups: named sets of accounts that grant permissions (as states do), joined by application
//! or by a manager's hand, led by managers and by the members of manager groups (a "Head FC"
//! group leads the "FC" group). Pure rules: names, visibility, who sees a group, who manages
//! it, and which settings are allowed.

pub mod automatic;
pub mod conditions;

pub use automatic::{GroupRules, Reason, RuleChanges, apply_rules};
pub use conditions::{Candidate, GroupConditions};

use crate::ids::{AccountId, GroupApplicationId, GroupId};
use crate::permissions::Permission;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use time::OffsetDateTime;

pub const MAX_GROUP_NAME: usize = 64;
pub const MAX_GROUP_DESCRIPTION: usize = 1024;
pub const MAX_APPLICATION_MESSAGE: usize = 1000;
pub const MAX_REASON: usize = 500;

/// Who sees a group and may apply to it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Everyone signed in sees it and may apply.
    Public,
    /// Only its members and managers see it; managers add members by hand.
    #[default]
    Private,
    /// Visible to and joinable by those who meet its conditions (state, corporation, alliance,
    /// another group: `GroupConditions`), and to its members and managers.
    Conditioned,
}

impl Visibility {
    pub const ALL: [Self; 3] = [Self::Public, Self::Private, Self::Conditioned];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Private => "private",
            Self::Conditioned => "conditioned",
        }
    }

    /// Reads a visibility as stored or typed (trimmed, any case).
    pub fn parse(text: &str) -> Result<Self, GroupRuleError> {
        let wanted = text.trim().to_lowercase();
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == wanted)
            .ok_or_else(|| GroupRuleError::BadVisibility(text.trim().to_owned()))
    }
}

/// A group with its permissions and who manages it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub id: GroupId,
    pub name: String,
    pub description: String,
    pub visibility: Visibility,
    /// An application is accepted at once.
    pub auto_accept: bool,
    pub permissions: BTreeSet<String>,
    /// Accounts that manage it directly.
    pub managers: BTreeSet<AccountId>,
    /// Groups whose members manage it.
    pub manager_groups: BTreeSet<GroupId>,
    /// What gives and takes it by itself (`automatic`).
    pub rules: GroupRules,
    /// Who sees it and may apply when it is conditioned (`conditions`).
    pub conditions: GroupConditions,
}

impl Group {
    /// A group not stored yet, private, granting nothing and managed by nobody.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            id: GroupId::UNSAVED,
            name: name.into(),
            description: String::new(),
            visibility: Visibility::Private,
            auto_accept: false,
            permissions: BTreeSet::new(),
            managers: BTreeSet::new(),
            manager_groups: BTreeSet::new(),
            rules: GroupRules::default(),
            conditions: GroupConditions::default(),
        }
    }

    /// Whether it grants an administrative (`admin.*`) permission: then only a superuser gives
    /// it members, and nobody joins it by application.
    pub fn is_restricted(&self) -> bool {
        self.permissions
            .iter()
            .any(|p| Permission::parse(p).is_ok_and(|p| p.is_administrative()))
    }

    /// Whether someone sees it: anyone when public, those who meet its conditions when
    /// conditioned (`meets`), and always its members and managers.
    pub fn visible_to(&self, is_member: bool, is_manager: bool, meets: bool) -> bool {
        self.is_open_to(meets) || is_member || is_manager
    }

    /// Whether someone may apply to it (and finds it among the groups to join): anyone when
    /// public, those who meet its conditions when conditioned (`meets`); never one that grants an
    /// admin.* permission.
    pub fn is_open_to(&self, meets: bool) -> bool {
        match self.visibility {
            Visibility::Public => true,
            Visibility::Conditioned => meets,
            Visibility::Private => false,
        }
    }

    /// Whether `account` manages it: directly, or as a member of one of its manager groups
    /// (`member_of`: the groups the account is in).
    pub fn is_managed_by(&self, account: AccountId, member_of: &BTreeSet<GroupId>) -> bool {
        self.managers.contains(&account) || !self.manager_groups.is_disjoint(member_of)
    }
}

/// How a membership came about (stored with it): an account's page says why it has each group,
/// and later rules (automatic assignment, default groups) tell their memberships from a
/// manager's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MembershipSource {
    /// A manager or an administrator added it by hand.
    Manual,
    /// A manager accepted an application (its id is the membership's reference).
    Application,
    /// The group accepts every application at once (the application's id is the reference).
    AutoAccept,
    /// The group's rules give it (default group, a corporation or an alliance; the reference
    /// says which, `Reason::as_text`). The rules take it away again when they no longer give it.
    Automatic,
}

impl MembershipSource {
    pub const ALL: [Self; 4] = [
        Self::Manual,
        Self::Application,
        Self::AutoAccept,
        Self::Automatic,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Application => "application",
            Self::AutoAccept => "auto_accept",
            Self::Automatic => "automatic",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Why the account has the group, as its page says it.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Manual => "added by hand",
            Self::Application => "application accepted",
            Self::AutoAccept => "joined (applications are accepted at once)",
            Self::Automatic => "given by the group's rules",
        }
    }
}

/// One account's membership of one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub group: GroupId,
    pub account: AccountId,
    pub source: MembershipSource,
    /// Which one within the source: the application's id.
    pub source_ref: Option<String>,
    /// Who added it, when someone did.
    pub added_by: Option<AccountId>,
    pub added_at: OffsetDateTime,
}

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    Pending,
    Accepted,
    Denied,
    Cancelled,
}

impl ApplicationStatus {
    pub const ALL: [Self; 4] = [Self::Pending, Self::Accepted, Self::Denied, Self::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Denied => "denied",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// An account's application to join a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupApplication {
    pub id: GroupApplicationId,
    pub group: GroupId,
    pub account: AccountId,
    /// The applicant's text; empty when none.
    pub message: String,
    pub status: ApplicationStatus,
    pub created_at: OffsetDateTime,
    pub decided_at: Option<OffsetDateTime>,
    /// Who decided; `None` while pending, or when nobody did (auto-accept, Jumpgate itself).
    pub decided_by: Option<AccountId>,
    /// The reason of a denial, or the note of an acceptance.
    pub decision_reason: Option<String>,
}

/// Why a group or an application cannot be as asked. Each message says what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroupRuleError {
    #[error("a group needs a name")]
    EmptyName,
    #[error("a group name may have at most {MAX_GROUP_NAME} characters; '{0}' has {1}")]
    NameTooLong(String, usize),
    #[error("a group name may not contain control characters")]
    NameHasControlCharacters,
    #[error("a group named '{0}' already exists (names are compared ignoring case)")]
    NameTaken(String),
    #[error("a description may have at most {MAX_GROUP_DESCRIPTION} characters; this one has {0}")]
    DescriptionTooLong(usize),
    #[error("'{0}' is not a visibility: choose public or private")]
    BadVisibility(String),
    #[error(
        "an application's text may have at most {MAX_APPLICATION_MESSAGE} characters; this one has {0}"
    )]
    MessageTooLong(usize),
    #[error("say why: the member is told the reason")]
    ReasonRequired,
    #[error("a reason may have at most {MAX_REASON} characters; this one has {0}")]
    ReasonTooLong(usize),
    #[error(
        "a group that grants an admin.* permission must be private and without auto-accept: only a superuser adds its members"
    )]
    RestrictedGroupMustBeClosed,
    #[error("a group cannot lead itself: choose the group whose members manage it")]
    OwnManagerGroup,
    #[error(
        "a group that grants an admin.* permission is given by a superuser only: it cannot be a default group nor follow corporations or alliances"
    )]
    RestrictedGroupCannotBeAutomatic,
    #[error("a group cannot require or forbid itself")]
    RuleNamesItself,
    #[error("group #{0} cannot be both required and forbidden")]
    RequiredAndForbidden(GroupId),
}

/// A group's name: trimmed, 1 to 64 characters, no control characters, and not the name of
/// another group ignoring case (`except`: the group being renamed, which may change the case
/// of its own name).
pub fn validate_group_name(
    name: &str,
    existing: &[Group],
    except: Option<GroupId>,
) -> Result<String, GroupRuleError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(GroupRuleError::EmptyName);
    }
    let length = name.chars().count();
    if length > MAX_GROUP_NAME {
        return Err(GroupRuleError::NameTooLong(name.to_owned(), length));
    }
    if name.chars().any(char::is_control) {
        return Err(GroupRuleError::NameHasControlCharacters);
    }
    let folded = name.to_lowercase();
    match existing
        .iter()
        .find(|g| Some(g.id) != except && g.name.to_lowercase() == folded)
    {
        Some(taken) => Err(GroupRuleError::NameTaken(taken.name.clone())),
        None => Ok(name.to_owned()),
    }
}

/// Trimmed text of at most `max` characters, or the error `too_long` makes of its length.
fn bounded(
    text: &str,
    max: usize,
    too_long: fn(usize) -> GroupRuleError,
) -> Result<String, GroupRuleError> {
    let text = text.trim();
    let length = text.chars().count();
    if length > max {
        return Err(too_long(length));
    }
    Ok(text.to_owned())
}

/// A group's description: trimmed, at most 1,024 characters, may be empty.
pub fn validate_description(text: &str) -> Result<String, GroupRuleError> {
    bounded(
        text,
        MAX_GROUP_DESCRIPTION,
        GroupRuleError::DescriptionTooLong,
    )
}

/// An applicant's text: trimmed, at most 1,000 characters, may be empty.
pub fn validate_message(text: &str) -> Result<String, GroupRuleError> {
    bounded(
        text,
        MAX_APPLICATION_MESSAGE,
        GroupRuleError::MessageTooLong,
    )
}

/// A denial's reason: required (the applicant is told it), at most 500 characters.
pub fn validate_denial_reason(text: &str) -> Result<String, GroupRuleError> {
    let reason = bounded(text, MAX_REASON, GroupRuleError::ReasonTooLong)?;
    if reason.is_empty() {
        return Err(GroupRuleError::ReasonRequired);
    }
    Ok(reason)
}

/// An acceptance's or a removal's note: optional (`None` when empty), at most 500 characters.
pub fn validate_note(text: &str) -> Result<Option<String>, GroupRuleError> {
    let note = bounded(text, MAX_REASON, GroupRuleError::ReasonTooLong)?;
    Ok((!note.is_empty()).then_some(note))
}

/// A visibility an administrator may choose now: public or private.
pub fn choosable_visibility(text: &str) -> Result<Visibility, GroupRuleError> {
    Visibility::parse(text)
}

/// A group that grants an administrative permission is private and accepts no application by
/// itself: its members are given it by a superuser.
pub fn check_settings(group: &Group) -> Result<(), GroupRuleError> {
    if group.is_restricted() && (group.visibility != Visibility::Private || group.auto_accept) {
        return Err(GroupRuleError::RestrictedGroupMustBeClosed);
    }
    if group.is_restricted() && group.rules.is_automatic() {
        return Err(GroupRuleError::RestrictedGroupCannotBeAutomatic);
    }
    let rules = &group.rules;
    if rules.required.contains(&group.id) || rules.forbidden.contains(&group.id) {
        return Err(GroupRuleError::RuleNamesItself);
    }
    if let Some(both) = rules.required.intersection(&rules.forbidden).next() {
        return Err(GroupRuleError::RequiredAndForbidden(*both));
    }
    Ok(())
}

/// A group may not be its own manager group.
pub fn check_manager_group(group: GroupId, manager_group: GroupId) -> Result<(), GroupRuleError> {
    if group == manager_group {
        return Err(GroupRuleError::OwnManagerGroup);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(id: i64, name: &str) -> Group {
        Group {
            id: GroupId(id),
            ..Group::new(name)
        }
    }

    #[test]
    fn group_names_are_trimmed_bounded_and_unique_ignoring_case() {
        let existing = [group(1, "Capital FC"), group(2, "Logistics")];
        assert_eq!(
            validate_group_name("  Scouts ", &existing, None),
            Ok("Scouts".to_owned())
        );
        assert_eq!(
            validate_group_name("   ", &existing, None),
            Err(GroupRuleError::EmptyName)
        );
        assert!(matches!(
            validate_group_name(&"x".repeat(65), &existing, None),
            Err(GroupRuleError::NameTooLong(_, 65))
        ));
        assert_eq!(
            validate_group_name("a\tb", &existing, None),
            Err(GroupRuleError::NameHasControlCharacters)
        );
        assert_eq!(
            validate_group_name("capital fc", &existing, None),
            Err(GroupRuleError::NameTaken("Capital FC".to_owned()))
        );
        // Renaming a group to its own name in another case is allowed.
        assert_eq!(
            validate_group_name("CAPITAL FC", &existing, Some(GroupId(1))),
            Ok("CAPITAL FC".to_owned())
        );
    }

    #[test]
    fn visibility_sources_and_statuses_round_trip_through_text() {
        for v in Visibility::ALL {
            assert_eq!(Visibility::parse(v.as_str()), Ok(v));
        }
        assert_eq!(Visibility::parse(" Public "), Ok(Visibility::Public));
        assert_eq!(
            Visibility::parse("secret"),
            Err(GroupRuleError::BadVisibility("secret".to_owned()))
        );
        for s in MembershipSource::ALL {
            assert_eq!(MembershipSource::parse(s.as_str()), Some(s));
        }
        assert_eq!(MembershipSource::parse("rule"), None);
        for s in ApplicationStatus::ALL {
            assert_eq!(ApplicationStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(ApplicationStatus::parse("maybe"), None);
    }

    #[test]
    fn a_conditioned_group_is_seen_and_joined_by_those_who_meet_its_conditions() {
        assert_eq!(
            choosable_visibility("conditioned"),
            Ok(Visibility::Conditioned)
        );
        let conditioned = Group {
            visibility: Visibility::Conditioned,
            ..group(1, "Blues")
        };
        assert!(!conditioned.visible_to(false, false, false));
        assert!(conditioned.visible_to(false, false, true));
        assert!(conditioned.visible_to(true, false, false));
        assert!(conditioned.is_open_to(true) && !conditioned.is_open_to(false));
    }

    #[test]
    fn public_groups_are_seen_by_everyone_private_ones_by_members_and_managers() {
        let public = Group {
            visibility: Visibility::Public,
            ..group(1, "Scouts")
        };
        let private = group(2, "Directors");
        assert!(public.visible_to(false, false, false));
        assert!(!private.visible_to(false, false, true));
        assert!(private.visible_to(true, false, false));
        assert!(private.visible_to(false, true, false));
    }

    #[test]
    fn a_group_granting_an_admin_permission_is_restricted_and_must_be_closed() {
        let mut admins = group(1, "Admins");
        admins
            .permissions
            .insert(Permission::ADMIN_STATES.to_owned());
        assert!(admins.is_restricted());
        assert_eq!(check_settings(&admins), Ok(()));
        for open in [
            Group {
                visibility: Visibility::Public,
                ..admins.clone()
            },
            Group {
                auto_accept: true,
                ..admins.clone()
            },
        ] {
            assert_eq!(
                check_settings(&open),
                Err(GroupRuleError::RestrictedGroupMustBeClosed)
            );
        }
        let mut approvers = Group {
            visibility: Visibility::Public,
            auto_accept: true,
            ..group(2, "Approvers")
        };
        approvers
            .permissions
            .insert(Permission::STANDINGS_APPROVE.to_owned());
        assert!(!approvers.is_restricted());
        assert_eq!(check_settings(&approvers), Ok(()));
    }

    #[test]
    fn a_group_is_managed_by_its_managers_and_the_members_of_its_manager_groups_only() {
        let head_fc = GroupId(1);
        let mut fc = group(2, "FC");
        fc.managers.insert(AccountId(10));
        fc.manager_groups.insert(head_fc);
        let none = BTreeSet::new();
        assert!(fc.is_managed_by(AccountId(10), &none));
        assert!(fc.is_managed_by(AccountId(11), &BTreeSet::from([head_fc])));
        assert!(!fc.is_managed_by(AccountId(11), &BTreeSet::from([GroupId(3)])));
        assert!(!fc.is_managed_by(AccountId(12), &none));
        assert_eq!(
            check_manager_group(fc.id, fc.id),
            Err(GroupRuleError::OwnManagerGroup)
        );
        assert_eq!(check_manager_group(fc.id, head_fc), Ok(()));
    }

    #[test]
    fn a_denial_needs_a_reason_an_acceptance_does_not() {
        assert_eq!(
            validate_denial_reason("  "),
            Err(GroupRuleError::ReasonRequired)
        );
        assert_eq!(
            validate_denial_reason(" not in the corp "),
            Ok("not in the corp".to_owned())
        );
        assert_eq!(validate_note(""), Ok(None));
        assert_eq!(validate_note(" welcome "), Ok(Some("welcome".to_owned())));
        assert_eq!(
            validate_note(&"x".repeat(501)),
            Err(GroupRuleError::ReasonTooLong(501))
        );
        assert_eq!(
            validate_message(&"x".repeat(1001)),
            Err(GroupRuleError::MessageTooLong(1001))
        );
        assert_eq!(
            validate_description(&"x".repeat(1025)),
            Err(GroupRuleError::DescriptionTooLong(1025))
        );
    }
}
