//! Who can hold a standing, who can be a contact, and the standing value itself.
//!
//! The standings database holds characters, corporations and alliances. An in-game contact list
//! may also hold factions (a player can add them by hand), so contacts have their own kind:
//! `ContactKind`. Desired contacts always come from standings entries and are never factions.

use crate::ids::{AllianceId, CharacterId, CorporationId};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What kind of EVE entity a standings entry is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Character,
    Corporation,
    Alliance,
}

impl EntityKind {
    pub const ALL: [EntityKind; 3] = [Self::Character, Self::Corporation, Self::Alliance];

    /// The stored and displayed name: `character`, `corporation` or `alliance`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Character => "character",
            Self::Corporation => "corporation",
            Self::Alliance => "alliance",
        }
    }

    /// Reads the stored name (ignoring case and surrounding spaces).
    pub fn parse(s: &str) -> Result<Self, UnknownEntityKind> {
        let t = s.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(t))
            .ok_or_else(|| UnknownEntityKind(s.to_owned()))
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EntityKind {
    type Err = UnknownEntityKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not an entity kind: expected character, corporation or alliance")]
pub struct UnknownEntityKind(pub String);

/// What kind of entity an in-game contact is (ESI `contact_type`).
///
/// Unlike [`EntityKind`] this includes factions: a player may have faction contacts, which
/// Jumpgate never manages but must count against the contact limit and leave alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    Character,
    Corporation,
    Alliance,
    Faction,
}

impl ContactKind {
    pub const ALL: [ContactKind; 4] = [
        Self::Character,
        Self::Corporation,
        Self::Alliance,
        Self::Faction,
    ];

    /// ESI's `contact_type` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Character => "character",
            Self::Corporation => "corporation",
            Self::Alliance => "alliance",
            Self::Faction => "faction",
        }
    }

    /// Maps ESI's `contact_type` (`character`, `corporation`, `alliance`, `faction`).
    pub fn from_esi(contact_type: &str) -> Result<Self, UnknownContactType> {
        let t = contact_type.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(t))
            .ok_or_else(|| UnknownContactType(contact_type.to_owned()))
    }

    /// The standings entity kind, or `None` for factions (which cannot hold an entry).
    pub fn entity_kind(self) -> Option<EntityKind> {
        match self {
            Self::Character => Some(EntityKind::Character),
            Self::Corporation => Some(EntityKind::Corporation),
            Self::Alliance => Some(EntityKind::Alliance),
            Self::Faction => None,
        }
    }
}

impl From<EntityKind> for ContactKind {
    fn from(kind: EntityKind) -> Self {
        match kind {
            EntityKind::Character => Self::Character,
            EntityKind::Corporation => Self::Corporation,
            EntityKind::Alliance => Self::Alliance,
        }
    }
}

impl fmt::Display for ContactKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ESI returned contact_type '{0}': expected character, corporation, alliance or faction")]
pub struct UnknownContactType(pub String);

/// An entity that can hold a standing. EVE ids are unique across kinds, so the id alone is the
/// contact id; the kind is carried for display and validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Entity {
    pub kind: EntityKind,
    pub id: i64,
}

impl Entity {
    pub const fn character(id: CharacterId) -> Self {
        Self {
            kind: EntityKind::Character,
            id: id.0,
        }
    }

    pub const fn corporation(id: CorporationId) -> Self {
        Self {
            kind: EntityKind::Corporation,
            id: id.0,
        }
    }

    pub const fn alliance(id: AllianceId) -> Self {
        Self {
            kind: EntityKind::Alliance,
            id: id.0,
        }
    }

    pub fn contact_kind(self) -> ContactKind {
        self.kind.into()
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.id)
    }
}

/// A standing: −10.0 … +10.0 with one decimal, as EVE shows it (e.g. 7.5).
///
/// Semantically an `f64`, stored as whole tenths so that two standings compare, hash and sort
/// exactly (contacts are grouped by standing for ESI writes, and "changed?" must never depend on
/// floating-point noise such as 7.499999).
///
/// Two textual forms exist on purpose:
/// - [`Standing::to_query`] is the shortest form (`10`, `-5`, `7.5`, `0`) for ESI query strings
///   (`standing=9.9`); CCP accepts both `10` and `10.0`, the shortest form keeps URLs and test
///   expectations exact.
/// - `Display` always shows one decimal (`10.0`, `-5.0`, `7.5`) so that columns of standings in
///   the UI line up and read like EVE's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Standing {
    tenths: i16,
}

impl Standing {
    pub const MIN: Standing = Standing { tenths: -100 };
    pub const MAX: Standing = Standing { tenths: 100 };
    pub const NEUTRAL: Standing = Standing { tenths: 0 };

    /// A standing from a number; refuses NaN, infinities and values outside −10 … 10, rounds to
    /// one decimal.
    pub fn new(value: f64) -> Result<Self, InvalidStanding> {
        if !value.is_finite() || !(-10.0..=10.0).contains(&value) {
            return Err(InvalidStanding(value.to_string()));
        }
        Ok(Self::round(value))
    }

    /// A standing from whole tenths (75 = 7.5).
    pub fn from_tenths(tenths: i16) -> Result<Self, InvalidStanding> {
        if (-100..=100).contains(&tenths) {
            Ok(Self { tenths })
        } else {
            Err(InvalidStanding(format!("{}", f64::from(tenths) / 10.0)))
        }
    }

    /// Reads user or settings input such as `7.5`, `-10`, `+5`.
    pub fn parse(s: &str) -> Result<Self, InvalidStanding> {
        match s.trim().parse::<f64>() {
            Ok(v) if v.is_finite() && (-10.0..=10.0).contains(&v) => Ok(Self::round(v)),
            _ => Err(InvalidStanding(s.to_owned())),
        }
    }

    /// Reads a standing ESI reported for an existing contact. Never fails: out-of-range values
    /// are clamped and NaN counts as neutral, because a contact we did not write must still be
    /// compared, not rejected.
    pub fn from_esi(value: f64) -> Self {
        if value.is_nan() {
            return Self::NEUTRAL;
        }
        Self::round(value.clamp(-10.0, 10.0))
    }

    fn round(value: f64) -> Self {
        // In range by construction: |value| <= 10 gives |tenths| <= 100.
        #[allow(clippy::cast_possible_truncation)]
        let tenths = (value * 10.0).round() as i16;
        Self { tenths }
    }

    pub fn value(self) -> f64 {
        f64::from(self.tenths) / 10.0
    }

    pub fn tenths(self) -> i16 {
        self.tenths
    }

    /// Shortest text for ESI query strings: `10`, `-5`, `7.5`, `-0.5`, `0`.
    pub fn to_query(self) -> String {
        let sign = if self.tenths < 0 { "-" } else { "" };
        let abs = self.tenths.unsigned_abs();
        let (whole, frac) = (abs / 10, abs % 10);
        if frac == 0 {
            format!("{sign}{whole}")
        } else {
            format!("{sign}{whole}.{frac}")
        }
    }
}

impl fmt::Display for Standing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.tenths < 0 { "-" } else { "" };
        let abs = self.tenths.unsigned_abs();
        write!(f, "{sign}{}.{}", abs / 10, abs % 10)
    }
}

impl FromStr for Standing {
    type Err = InvalidStanding;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<f64> for Standing {
    type Error = InvalidStanding;
    fn try_from(value: f64) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Standing> for f64 {
    fn from(s: Standing) -> f64 {
        s.value()
    }
}

/// The text given is not a standing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("standing must be a number between -10 and 10, e.g. 7.5; got '{0}'")]
pub struct InvalidStanding(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_kinds_round_trip_through_their_names() {
        for kind in EntityKind::ALL {
            assert_eq!(EntityKind::parse(kind.as_str()), Ok(kind));
        }
        assert_eq!(
            EntityKind::parse(" Corporation "),
            Ok(EntityKind::Corporation)
        );
        let err = EntityKind::parse("faction").expect_err("factions hold no entry");
        assert_eq!(
            err.to_string(),
            "'faction' is not an entity kind: expected character, corporation or alliance"
        );
    }

    #[test]
    fn esi_contact_types_include_factions() {
        let cases = [
            (
                "character",
                ContactKind::Character,
                Some(EntityKind::Character),
            ),
            (
                "corporation",
                ContactKind::Corporation,
                Some(EntityKind::Corporation),
            ),
            (
                "alliance",
                ContactKind::Alliance,
                Some(EntityKind::Alliance),
            ),
            ("faction", ContactKind::Faction, None),
        ];
        for (text, kind, entity) in cases {
            let parsed = ContactKind::from_esi(text).expect("known type");
            assert_eq!(parsed, kind);
            assert_eq!(parsed.entity_kind(), entity);
            assert_eq!(parsed.as_str(), text);
        }
        assert!(ContactKind::from_esi("station").is_err());
    }

    #[test]
    fn standings_parse_and_round_to_one_decimal() {
        let cases = [
            ("7.5", 75),
            ("10", 100),
            ("-10", -100),
            ("+5", 50),
            (" 9.9 ", 99),
            ("0", 0),
            ("-0.04", 0),
            ("7.45", 75),
            ("3.14159", 31),
            ("1e1", 100),
        ];
        for (text, tenths) in cases {
            assert_eq!(
                Standing::parse(text).map(Standing::tenths),
                Ok(tenths),
                "{text}"
            );
        }
    }

    #[test]
    fn standings_outside_the_range_or_not_numbers_are_refused_with_a_precise_message() {
        for bad in ["abc", "", "10.1", "-11", "NaN", "inf", "7,5"] {
            let err = Standing::parse(bad).expect_err(bad);
            assert_eq!(
                err.to_string(),
                format!("standing must be a number between -10 and 10, e.g. 7.5; got '{bad}'")
            );
        }
        assert!(Standing::new(f64::NAN).is_err());
        assert!(Standing::new(10.01).is_err());
        assert!(Standing::from_tenths(101).is_err());
    }

    #[test]
    fn query_form_is_the_shortest_and_display_keeps_one_decimal() {
        let cases = [
            (100, "10", "10.0"),
            (-50, "-5", "-5.0"),
            (75, "7.5", "7.5"),
            (99, "9.9", "9.9"),
            (-5, "-0.5", "-0.5"),
            (0, "0", "0.0"),
            (-100, "-10", "-10.0"),
        ];
        for (tenths, query, display) in cases {
            let s = Standing::from_tenths(tenths).expect("in range");
            assert_eq!(s.to_query(), query);
            assert_eq!(s.to_string(), display);
            assert_eq!(Standing::parse(query), Ok(s));
            assert_eq!(Standing::parse(display), Ok(s));
        }
    }

    #[test]
    fn esi_values_are_read_leniently() {
        assert_eq!(Standing::from_esi(5.0).tenths(), 50);
        assert_eq!(Standing::from_esi(12.0), Standing::MAX);
        assert_eq!(Standing::from_esi(f64::NAN), Standing::NEUTRAL);
        assert_eq!(Standing::from_esi(-9.99).tenths(), -100);
    }

    #[test]
    fn standings_serialise_as_plain_numbers() {
        let s = Standing::parse("7.5").expect("valid");
        assert_eq!(serde_json::to_string(&s).expect("serialises"), "7.5");
        let back: Standing = serde_json::from_str("-10.0").expect("deserialises");
        assert_eq!(back, Standing::MIN);
        assert!(serde_json::from_str::<Standing>("11").is_err());
    }
}
