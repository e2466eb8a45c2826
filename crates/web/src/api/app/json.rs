//! The JSON shapes of Neucore's application API (`components.schemas` of
//! `application-api-2.4.0.yaml`), field for field and named as there: camelCase, optional
//! objects as `null`.

use jumpgate_app::apps::OwnApplication;
use jumpgate_app::groups::for_apps::{CharacterGroups, NamedCharacter, OrganisationGroups};
use jumpgate_app::tokens::for_apps::AppAccessToken;
use jumpgate_domain::groups::Group;
use jumpgate_domain::{AllianceId, CorporationId, EveLogin};
use jumpgate_store::{AllianceInfo, CorporationInfo, LoginTokenHolder};
use secrecy::ExposeSecret;
use serde::Serialize;

/// `Group`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Group)]
#[serde(rename_all = "camelCase")]
pub struct GroupJson {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    #[schema(value_type = String, example = "private")]
    pub visibility: &'static str,
    pub auto_accept: bool,
    pub is_default: bool,
}

impl From<&Group> for GroupJson {
    fn from(g: &Group) -> Self {
        Self {
            id: g.id.get(),
            name: g.name.clone(),
            description: (!g.description.is_empty()).then(|| g.description.clone()),
            visibility: g.visibility.as_str(),
            auto_accept: g.auto_accept,
            is_default: g.rules.default,
        }
    }
}

pub fn groups(groups: &[Group]) -> Vec<GroupJson> {
    groups.iter().map(GroupJson::from).collect()
}

// Name and ticker are `null` for an alliance only a group's rules name (its name never read
// from EVE); its groups only in the `alliance-groups` bulk answer.
/// `Alliance`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Alliance)]
pub struct AllianceJson {
    /// EVE alliance ID.
    pub id: i64,
    /// EVE alliance name.
    #[schema(required = true)]
    pub name: Option<String>,
    /// Alliance ticker.
    #[schema(required = true)]
    pub ticker: Option<String>,
    /// Groups for automatic assignment (API: not included by default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<GroupJson>>,
}

impl From<&AllianceInfo> for AllianceJson {
    fn from(a: &AllianceInfo) -> Self {
        Self {
            id: a.id.get(),
            name: Some(a.name.clone()),
            ticker: Some(a.ticker.clone()),
            groups: None,
        }
    }
}

impl From<&OrganisationGroups<AllianceId>> for AllianceJson {
    fn from(o: &OrganisationGroups<AllianceId>) -> Self {
        Self {
            id: o.id.get(),
            name: o.name.clone(),
            ticker: o.ticker.clone(),
            groups: Some(groups(&o.groups)),
        }
    }
}

// With its alliance (`null` when it is in none); in the `corp-groups` bulk answer with its
// groups and without the alliance key at all, as Neucore answers it. Name and ticker as
// `AllianceJson`'s.
/// `Corporation`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Corporation)]
pub struct CorporationJson {
    /// EVE corporation ID.
    pub id: i64,
    /// EVE corporation name.
    #[schema(required = true)]
    pub name: Option<String>,
    /// Corporation ticker.
    #[schema(required = true)]
    pub ticker: Option<String>,
    // Outer `None`: the key is left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<AllianceJson>)]
    pub alliance: Option<Option<AllianceJson>>,
    /// Groups for automatic assignment (API: not included by default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<GroupJson>>,
}

impl CorporationJson {
    pub fn new(c: &CorporationInfo, alliance: Option<&AllianceInfo>) -> Self {
        Self {
            id: c.id.get(),
            name: Some(c.name.clone()),
            ticker: Some(c.ticker.clone()),
            alliance: Some(alliance.map(AllianceJson::from)),
            groups: None,
        }
    }
}

impl From<&OrganisationGroups<CorporationId>> for CorporationJson {
    fn from(o: &OrganisationGroups<CorporationId>) -> Self {
        Self {
            id: o.id.get(),
            name: o.name.clone(),
            ticker: o.ticker.clone(),
            alliance: None,
            groups: Some(groups(&o.groups)),
        }
    }
}

/// `Character` with id, name and corporation only (the bulk groups' answer).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Character)]
pub struct NamedCharacterJson {
    pub id: i64,
    pub name: String,
    pub corporation: Option<CorporationJson>,
}

impl From<&NamedCharacter> for NamedCharacterJson {
    fn from(c: &NamedCharacter) -> Self {
        Self {
            id: c.id.get(),
            name: c.name.clone(),
            corporation: c
                .corporation
                .as_ref()
                .map(|co| CorporationJson::new(co, c.alliance.as_ref())),
        }
    }
}

/// `CharacterGroups`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = CharacterGroups)]
pub struct CharacterGroupsJson {
    pub character: NamedCharacterJson,
    pub groups: Vec<GroupJson>,
    /// Groups deactivation status: "no", "soon" or "yes".
    #[schema(value_type = String, example = "no")]
    pub deactivated: &'static str,
}

impl From<&CharacterGroups> for CharacterGroupsJson {
    fn from(c: &CharacterGroups) -> Self {
        Self {
            character: NamedCharacterJson::from(&c.character),
            groups: groups(&c.groups),
            deactivated: c.deactivation.as_str(),
        }
    }
}

// A valid token of an EVE login with its character as Jumpgate last saw it.
/// `EsiTokenData`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = EsiTokenData)]
#[serde(rename_all = "camelCase")]
pub struct EsiTokenDataJson {
    /// When the token was last checked, e.g. `2024-01-31T12:00:00Z`.
    #[schema(required = true)]
    pub last_checked: Option<String>,
    pub character_id: i64,
    pub character_name: String,
    #[schema(required = true)]
    pub corporation_id: Option<i64>,
    #[schema(required = true)]
    pub alliance_id: Option<i64>,
}

impl From<&LoginTokenHolder> for EsiTokenDataJson {
    fn from(h: &LoginTokenHolder) -> Self {
        Self {
            last_checked: h.last_checked.map(neucore_date),
            character_id: h.character.get(),
            character_name: h.name.clone(),
            corporation_id: Some(h.corporation.get()),
            alliance_id: h.alliance.map(|a| a.get()),
        }
    }
}

/// A time as Neucore's API writes it (`Y-m-d\TH:i:s\Z`, UTC, whole seconds).
pub fn neucore_date(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

// Built only for the answer's body: the token is a secret, so it has no `Debug` to be logged
// with.
/// `EsiAccessToken`.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = EsiAccessToken)]
pub struct EsiAccessTokenJson {
    /// The access token, valid for at least another 60 seconds.
    pub token: String,
    /// The ESI scopes it was granted.
    pub scopes: Vec<String>,
    /// When it expires, as a Unix timestamp.
    pub expires: i64,
}

impl From<&AppAccessToken> for EsiAccessTokenJson {
    fn from(t: &AppAccessToken) -> Self {
        Self {
            token: t.token.expose_secret().to_owned(),
            scopes: t.scopes.clone(),
            expires: t.expires_at.unix_timestamp(),
        }
    }
}

/// `EveLogin`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = EveLogin)]
#[serde(rename_all = "camelCase")]
pub struct EveLoginJson {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub esi_scopes: String,
    pub eve_roles: Vec<String>,
}

impl EveLoginJson {
    pub fn new(id: i64, login: &EveLogin) -> Self {
        Self {
            id,
            name: login.name.clone(),
            description: login.description.clone(),
            esi_scopes: login.scopes.to_space_separated(),
            eve_roles: Vec::new(),
        }
    }
}

/// `App`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = App)]
#[serde(rename_all = "camelCase")]
pub struct AppJson {
    pub id: i64,
    pub name: String,
    pub groups: Vec<GroupJson>,
    #[schema(value_type = Vec<String>)]
    pub roles: Vec<&'static str>,
    pub eve_logins: Vec<EveLoginJson>,
}

impl From<&OwnApplication> for AppJson {
    fn from(o: &OwnApplication) -> Self {
        Self {
            id: o.app.id.get(),
            name: o.app.name.clone(),
            groups: groups(&o.groups),
            roles: o.app.all_roles().iter().map(|r| r.as_str()).collect(),
            eve_logins: o
                .eve_logins
                .iter()
                .map(|(id, l)| EveLoginJson::new(*id, l))
                .collect(),
        }
    }
}
