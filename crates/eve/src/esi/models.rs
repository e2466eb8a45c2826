//! ESI response bodies, with CCP's field names from spec 2026-08-18. A field the spec marks
//! required is a plain type here; an optional one is an `Option` (or an empty `Vec`).
//!
//! Enumerations that CCP extends without bumping the compatibility date (roles, categories…)
//! are strings or have an `Unknown` fallback so that a new value never breaks decoding.

use jumpgate_domain::{AllianceId, CharacterId, CorporationId, FactionId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// `GET /status`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerStatus {
    pub players: i64,
    pub server_version: String,
    #[serde(with = "time::serde::rfc3339")]
    pub start_time: OffsetDateTime,
    /// Required by the spec, but older answers omit it: absent reads as "not VIP mode".
    #[serde(default)]
    pub vip: bool,
}

/// `GET /characters/{character_id}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CharacterPublic {
    pub name: String,
    pub corporation_id: CorporationId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alliance_id: Option<AllianceId>,
    #[serde(with = "time::serde::rfc3339")]
    pub birthday: OffsetDateTime,
    pub bloodline_id: i64,
    pub race_id: i64,
    /// `male` or `female`.
    pub gender: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_status: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub faction_id: Option<FactionId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corporation_title: Option<String>,
    /// A UUID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub character_title_id: Option<String>,
    pub achievement_score: i64,
}

/// `GET /corporations/{corporation_id}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorporationPublic {
    pub name: String,
    pub ticker: String,
    pub member_count: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alliance_id: Option<AllianceId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ceo_id: Option<CharacterId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator_id: Option<CharacterId>,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub date_founded: Option<OffsetDateTime>,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enlisted_faction_id: Option<FactionId>,
    /// `legal` or `illegal`.
    pub friendly_fire: String,
    pub home_station_id: i64,
    pub shares: i64,
    /// `active` or `closed`.
    pub state: String,
    pub tax_rates: TaxRates,
    /// `player_owned` or `npc_owned`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub war_eligible: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub palette: Option<Palette>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaxRates {
    pub isk: f64,
    pub loyalty_point: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Palette {
    pub main_color: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tertiary_color: Option<String>,
}

/// `GET /alliances/{alliance_id}`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlliancePublic {
    pub name: String,
    pub ticker: String,
    pub creator_corporation_id: CorporationId,
    pub creator_id: CharacterId,
    #[serde(with = "time::serde::rfc3339")]
    pub date_founded: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executor_corporation_id: Option<CorporationId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub faction_id: Option<FactionId>,
}

/// One element of `POST /characters/affiliation`; turned into the domain's `Affiliation`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct AffiliationRow {
    pub character_id: CharacterId,
    pub corporation_id: CorporationId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alliance_id: Option<AllianceId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub faction_id: Option<FactionId>,
}

impl From<AffiliationRow> for jumpgate_domain::states::Affiliation {
    fn from(r: AffiliationRow) -> Self {
        Self {
            character: r.character_id,
            corporation: r.corporation_id,
            alliance: r.alliance_id,
            faction: r.faction_id,
        }
    }
}

/// One element of `POST /universe/names`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UniverseName {
    pub id: i64,
    pub name: String,
    pub category: NameCategory,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NameCategory {
    Alliance,
    Character,
    Constellation,
    Corporation,
    InventoryType,
    Region,
    SolarSystem,
    Station,
    Faction,
    /// A category added after this client was written.
    #[serde(other)]
    Unknown,
}

/// `POST /universe/ids`: exact name matches, grouped by kind. Absent groups are empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UniverseIds {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agents: Vec<IdName>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alliances: Vec<IdName>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub characters: Vec<IdName>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub constellations: Vec<IdName>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub corporations: Vec<IdName>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub factions: Vec<IdName>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inventory_types: Vec<IdName>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<IdName>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stations: Vec<IdName>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub systems: Vec<IdName>,
}

impl UniverseIds {
    /// Adds another batch's matches.
    pub(crate) fn extend(&mut self, other: UniverseIds) {
        self.agents.extend(other.agents);
        self.alliances.extend(other.alliances);
        self.characters.extend(other.characters);
        self.constellations.extend(other.constellations);
        self.corporations.extend(other.corporations);
        self.factions.extend(other.factions);
        self.inventory_types.extend(other.inventory_types);
        self.regions.extend(other.regions);
        self.stations.extend(other.stations);
        self.systems.extend(other.systems);
    }
}

/// The spec marks neither member required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdName {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `GET /characters/{character_id}/roles`. Role names (`Director`, `Personnel_Manager`, …) stay
/// strings: CCP adds roles without a new compatibility date.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CharacterRoles {
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub roles_at_base: Vec<String>,
    #[serde(default)]
    pub roles_at_hq: Vec<String>,
    #[serde(default)]
    pub roles_at_other: Vec<String>,
}

/// One element of `GET /corporations/{corporation_id}/membertracking`: only `character_id`
/// is required; ESI leaves out what it does not know (a member who never logged on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberTracking {
    pub character_id: CharacterId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<i64>,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub logoff_date: Option<OffsetDateTime>,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub logon_date: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_type_id: Option<i64>,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub start_date: Option<OffsetDateTime>,
}

/// `GET /universe/structures/{structure_id}`: `position` is left out (nothing here reads it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UniverseStructure {
    pub name: String,
    pub owner_id: i64,
    pub solar_system_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_id: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactType {
    Character,
    Corporation,
    Alliance,
    Faction,
}

/// An element of the personal, corporation or alliance contact list. Corporations have no
/// `is_blocked`, alliances neither `is_blocked` nor `is_watched`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub contact_id: i64,
    pub contact_type: ContactType,
    pub standing: f64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub label_ids: Vec<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_watched: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_blocked: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactLabel {
    pub label_id: i64,
    pub label_name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_reads_ccp_json() {
        let s: ServerStatus = serde_json::from_str(
            r#"{"players":23016,"server_version":"2990419","start_time":"2026-08-18T11:05:03Z"}"#,
        )
        .unwrap();
        assert_eq!(s.players, 23016);
        assert!(!s.vip);
    }

    #[test]
    fn unknown_name_categories_do_not_break_decoding() {
        let n: Vec<UniverseName> = serde_json::from_str(
            r#"[{"id":1,"name":"a","category":"solar_system"},{"id":2,"name":"b","category":"nebula"}]"#,
        )
        .unwrap();
        assert_eq!(n[0].category, NameCategory::SolarSystem);
        assert_eq!(n[1].category, NameCategory::Unknown);
    }

    #[test]
    fn member_tracking_reads_ccp_json_with_only_the_character_required() {
        let rows: Vec<MemberTracking> = serde_json::from_str(
            r#"[{"character_id":2112000001,"base_id":60003760,"location_id":60003760,
                 "logon_date":"2026-12-01T10:00:00Z","logoff_date":"2026-12-01T12:00:00Z",
                 "ship_type_id":670,"start_date":"2025-01-01T00:00:00Z"},
                {"character_id":2112000002}]"#,
        )
        .unwrap();
        assert_eq!(rows[0].ship_type_id, Some(670));
        assert!(rows[0].logoff_date.is_some());
        assert_eq!(rows[1].character_id, CharacterId(2_112_000_002));
        assert_eq!(rows[1].logoff_date, None);
    }

    #[test]
    fn corporation_type_field_is_read() {
        let c: CorporationPublic = serde_json::from_str(
            r#"{"name":"C","ticker":"T","member_count":3,"description":"","friendly_fire":"legal",
                "home_station_id":60003760,"shares":1000,"state":"active",
                "tax_rates":{"isk":0.1,"loyalty_point":0.0},"type":"player_owned","war_eligible":true,
                "ceo_id":2112000001,"date_founded":"2020-01-01T00:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(c.kind, "player_owned");
        assert_eq!(c.ceo_id, Some(CharacterId(2_112_000_001)));
    }
}
