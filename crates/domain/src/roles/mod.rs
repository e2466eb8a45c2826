//! Scoped leadership roles: Administrator; per corporation CEO and Director (both read from
//! EVE, never given by hand); organisation-wide Head FC (unique) and General FC; per division
//! Division Head FC (unique in its division) and Division FC; and the specialty roles
//! administrators define (Capital FC, Diplomat, …). A role carries permissions like a state or a
//! group does; who may give or take which role is `authority`; which roles EVE gives is
//! `derived`.

pub mod authority;
pub mod derived;

pub use authority::{Appointer, Reach, Refusal, Target, may_change, reach_over};
pub use derived::{CharacterLeadership, LeadingEntities, derived_roles};

use crate::ids::{AccountId, CharacterId, CorporationId, DivisionId, SpecialtyId};
use serde::{Deserialize, Serialize};
use std::fmt;
use time::OffsetDateTime;

pub const MAX_ROLE_NAME: usize = 64;
pub const MAX_ROLE_DESCRIPTION: usize = 500;

/// The kinds of role, from the top down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleKind {
    Administrator,
    Ceo,
    Director,
    HeadFc,
    GeneralFc,
    DivisionHeadFc,
    DivisionFc,
    Specialty,
}

impl RoleKind {
    pub const ALL: [Self; 8] = [
        Self::Administrator,
        Self::Ceo,
        Self::Director,
        Self::HeadFc,
        Self::GeneralFc,
        Self::DivisionHeadFc,
        Self::DivisionFc,
        Self::Specialty,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Administrator => "administrator",
            Self::Ceo => "ceo",
            Self::Director => "director",
            Self::HeadFc => "head_fc",
            Self::GeneralFc => "general_fc",
            Self::DivisionHeadFc => "division_head_fc",
            Self::DivisionFc => "division_fc",
            Self::Specialty => "specialty",
        }
    }

    /// The name people read.
    pub fn label(self) -> &'static str {
        match self {
            Self::Administrator => "Administrator",
            Self::Ceo => "CEO",
            Self::Director => "Director",
            Self::HeadFc => "Head FC",
            Self::GeneralFc => "General FC",
            Self::DivisionHeadFc => "Division Head FC",
            Self::DivisionFc => "Division FC",
            Self::Specialty => "Specialty role",
        }
    }

    pub fn parse(text: &str) -> Result<Self, RoleError> {
        let wanted = text.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == wanted)
            .ok_or_else(|| RoleError::UnknownKind(wanted.to_owned()))
    }

    /// CEO and Director follow EVE (the corporation's `ceo_id`, the character's corporation
    /// roles): nobody gives or takes them by hand.
    pub fn is_derived(self) -> bool {
        matches!(self, Self::Ceo | Self::Director)
    }

    /// At most one holder per scope: giving it to someone else moves it.
    pub fn is_unique(self) -> bool {
        matches!(self, Self::Ceo | Self::HeadFc | Self::DivisionHeadFc)
    }
}

/// A role with its scope: the corporation of a CEO or Director, the division of a Division
/// (Head) FC, the specialty of a specialty role; the others span the organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Role {
    Administrator,
    Ceo(CorporationId),
    Director(CorporationId),
    HeadFc,
    GeneralFc,
    DivisionHeadFc(DivisionId),
    DivisionFc(DivisionId),
    Specialty(SpecialtyId),
}

impl Role {
    pub fn kind(self) -> RoleKind {
        match self {
            Self::Administrator => RoleKind::Administrator,
            Self::Ceo(_) => RoleKind::Ceo,
            Self::Director(_) => RoleKind::Director,
            Self::HeadFc => RoleKind::HeadFc,
            Self::GeneralFc => RoleKind::GeneralFc,
            Self::DivisionHeadFc(_) => RoleKind::DivisionHeadFc,
            Self::DivisionFc(_) => RoleKind::DivisionFc,
            Self::Specialty(_) => RoleKind::Specialty,
        }
    }

    /// The id of its scope as stored (0 for organisation-wide roles).
    pub fn scope_id(self) -> i64 {
        match self {
            Self::Administrator | Self::HeadFc | Self::GeneralFc => 0,
            Self::Ceo(c) | Self::Director(c) => c.get(),
            Self::DivisionHeadFc(d) | Self::DivisionFc(d) => d.get(),
            Self::Specialty(s) => s.get(),
        }
    }

    /// The role of `kind` in the scope `scope_id` (as stored, or typed in a form).
    pub fn from_parts(kind: RoleKind, scope_id: i64) -> Result<Self, RoleError> {
        let scoped = |id: i64| {
            if id > 0 {
                Ok(id)
            } else {
                Err(RoleError::MissingScope(kind))
            }
        };
        Ok(match kind {
            RoleKind::Administrator => Self::Administrator,
            RoleKind::HeadFc => Self::HeadFc,
            RoleKind::GeneralFc => Self::GeneralFc,
            RoleKind::Ceo => Self::Ceo(CorporationId(scoped(scope_id)?)),
            RoleKind::Director => Self::Director(CorporationId(scoped(scope_id)?)),
            RoleKind::DivisionHeadFc => Self::DivisionHeadFc(DivisionId(scoped(scope_id)?)),
            RoleKind::DivisionFc => Self::DivisionFc(DivisionId(scoped(scope_id)?)),
            RoleKind::Specialty => Self::Specialty(SpecialtyId(scoped(scope_id)?)),
        })
    }

    /// The form key of a role (`head_fc`, `division_fc:3`), read back by `parse_key`.
    pub fn key(self) -> String {
        match self.scope_id() {
            0 => self.kind().as_str().to_owned(),
            id => format!("{}:{id}", self.kind().as_str()),
        }
    }

    pub fn parse_key(key: &str) -> Result<Self, RoleError> {
        let key = key.trim();
        let (kind, scope) = key.split_once(':').unwrap_or((key, "0"));
        let scope = scope
            .trim()
            .parse::<i64>()
            .map_err(|_| RoleError::UnknownKind(key.to_owned()))?;
        Self::from_parts(RoleKind::parse(kind)?, scope)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

/// How a holder came to hold a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleSource {
    /// Given by someone with the authority to (`assigned_by`).
    Appointed,
    /// Read from EVE (CEO, Director) through `character`.
    Eve,
}

impl RoleSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Appointed => "appointed",
            Self::Eve => "eve",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "appointed" => Some(Self::Appointed),
            "eve" => Some(Self::Eve),
            _ => None,
        }
    }
}

/// One account holding one role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleHolder {
    pub role: Role,
    pub account: AccountId,
    /// The character EVE named (CEO, Director); none for appointed roles.
    pub character: Option<CharacterId>,
    pub source: RoleSource,
    /// Who appointed (the audit log's name for them); none for roles read from EVE.
    pub assigned_by: Option<String>,
    pub assigned_at: OffsetDateTime,
}

/// A division of the fleet, created by administrators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Division {
    pub id: DivisionId,
    pub name: String,
}

/// A role an administrator defined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Specialty {
    pub id: SpecialtyId,
    pub name: String,
    pub description: String,
    /// A fleet role (Capital FC, Logistician): the Head FC gives and takes it too, not only the
    /// corporations' leaders and administrators.
    pub fleet: bool,
}

/// A division's or specialty's name: 1 to `MAX_ROLE_NAME` characters, not blank.
pub fn validate_role_name(name: &str) -> Result<String, RoleError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(RoleError::BadName("a name is required".to_owned()));
    }
    if name.chars().count() > MAX_ROLE_NAME {
        return Err(RoleError::BadName(format!(
            "a name is at most {MAX_ROLE_NAME} characters long"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(RoleError::BadName(
            "a name cannot contain control characters".to_owned(),
        ));
    }
    Ok(name.to_owned())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleError {
    #[error("'{0}' is not a role Jumpgate knows")]
    UnknownKind(String),
    #[error("a {} role needs its corporation, division or specialty", .0.label())]
    MissingScope(RoleKind),
    #[error("{0}")]
    BadName(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_reads_back_from_its_key() {
        for role in [
            Role::Administrator,
            Role::Ceo(CorporationId(98_000_001)),
            Role::HeadFc,
            Role::DivisionFc(DivisionId(3)),
            Role::Specialty(SpecialtyId(7)),
        ] {
            assert_eq!(Role::parse_key(&role.key()), Ok(role));
        }
    }

    #[test]
    fn scoped_roles_need_their_scope_and_unknown_kinds_are_refused() {
        assert_eq!(
            Role::parse_key("division_fc"),
            Err(RoleError::MissingScope(RoleKind::DivisionFc))
        );
        assert!(matches!(
            Role::parse_key("grand_admiral"),
            Err(RoleError::UnknownKind(_))
        ));
        assert!(Role::parse_key("division_fc:x").is_err());
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(validate_role_name("  Capitals "), Ok("Capitals".to_owned()));
        assert!(validate_role_name(" ").is_err());
        assert!(validate_role_name(&"x".repeat(MAX_ROLE_NAME + 1)).is_err());
    }
}
