//! The JSON shapes of Neucore's application API (`components.schemas` of
//! `application-api-2.4.0.yaml`), field for field and named as there: camelCase, optional
//! objects as `null`.

use jumpgate_app::apps::OwnApplication;
use jumpgate_app::groups::for_apps::{CharacterGroups, NamedCharacter};
use jumpgate_domain::EveLogin;
use jumpgate_domain::groups::Group;
use jumpgate_store::{AllianceInfo, CorporationInfo};
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

/// `Alliance` (without its groups).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Alliance)]
pub struct AllianceJson {
    pub id: i64,
    pub name: String,
    pub ticker: String,
}

impl From<&AllianceInfo> for AllianceJson {
    fn from(a: &AllianceInfo) -> Self {
        Self {
            id: a.id.get(),
            name: a.name.clone(),
            ticker: a.ticker.clone(),
        }
    }
}

/// `Corporation` (without its groups), with its alliance.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Corporation)]
pub struct CorporationJson {
    pub id: i64,
    pub name: String,
    pub ticker: String,
    pub alliance: Option<AllianceJson>,
}

impl CorporationJson {
    pub fn new(c: &CorporationInfo, alliance: Option<&AllianceInfo>) -> Self {
        Self {
            id: c.id.get(),
            name: c.name.clone(),
            ticker: c.ticker.clone(),
            alliance: alliance.map(AllianceJson::from),
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
