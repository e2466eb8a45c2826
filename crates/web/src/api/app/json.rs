//! The JSON shapes of Neucore's application API (`components.schemas` of
//! `application-api-2.4.0.yaml`), field for field and named as there: camelCase, optional
//! objects as `null`.

use jumpgate_app::accounts::for_apps::{CharacterRemoval, Player, PlayerWithCharacters};
use jumpgate_app::apps::OwnApplication;
use jumpgate_app::groups::for_apps::{CharacterGroups, NamedCharacter, OrganisationGroups};
use jumpgate_app::tokens::for_apps::AppAccessToken;
use jumpgate_domain::apps::neucore;
use jumpgate_domain::groups::Group;
use jumpgate_domain::tracking::{MemberRow, Named};
use jumpgate_domain::{AllianceId, CharacterId, CorporationId, EveLogin};
use jumpgate_store::{AllianceInfo, CharacterDetails, CorporationInfo, LoginTokenHolder};
use secrecy::ExposeSecret;
use serde::Serialize;
use time::OffsetDateTime;

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

pub fn groups<'a>(groups: impl IntoIterator<Item = &'a Group>) -> Vec<GroupJson> {
    groups.into_iter().map(GroupJson::from).collect()
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
            groups: Some(groups(o.groups.iter())),
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
            groups: Some(groups(o.groups.iter())),
        }
    }
}

/// `Character` with id, name and corporation only (the bulk groups' answer; documented as
/// `CharacterJson`, the whole `Character`, whose other properties are optional, as Neucore
/// documents it).
#[derive(Debug, Serialize)]
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
    #[schema(value_type = CharacterJson)]
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
            groups: groups(c.groups.iter()),
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
            groups: groups(o.groups.iter()),
            roles: o.app.all_roles().iter().map(|r| r.as_str()).collect(),
            eve_logins: o
                .eve_logins
                .iter()
                .map(|(id, l)| EveLoginJson::new(*id, l))
                .collect(),
        }
    }
}

/// A time as Neucore writes it (`Y-m-d\TH:i:s\Z`: UTC, whole seconds).
fn date(t: OffsetDateTime) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    t.to_offset(time::UtcOffset::UTC)
        .format(format)
        .unwrap_or_default()
}

/// `Character`, as the `app-chars` endpoints answer it. Jumpgate's facts in Neucore's fields:
/// `created` is when the character joined its current account, `lastUpdate` when its
/// affiliation was last read from ESI, the token fields describe its `core.default` token;
/// `validTokenTime` (when the validity last changed) is not kept, so it is always null.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Character)]
#[serde(rename_all = "camelCase")]
pub struct CharacterJson {
    /// EVE character ID.
    pub id: i64,
    /// EVE character name.
    pub name: String,
    #[schema(required = false)]
    pub main: bool,
    #[schema(format = DateTime)]
    pub created: Option<String>,
    /// Last ESI update.
    #[schema(format = DateTime)]
    pub last_update: Option<String>,
    /// Shows if character's default refresh token is valid or not (null without one, or for
    /// a valid token without scopes).
    pub valid_token: Option<bool>,
    /// Date and time when the valid token property of the default token was last changed.
    #[schema(format = DateTime)]
    pub valid_token_time: Option<String>,
    /// Date and time when the default token was last checked.
    #[schema(format = DateTime)]
    pub token_last_checked: Option<String>,
    /// Left out where Neucore leaves it out ("does not include the corporation property");
    /// `null` until ESI named the corporation.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<CorporationJson>)]
    pub corporation: Option<Option<CorporationJson>>,
}

impl CharacterJson {
    /// The whole character, with its corporation.
    pub fn new(d: &CharacterDetails) -> Self {
        let corporation = d
            .corporation
            .as_ref()
            .map(|co| CorporationJson::new(co, d.alliance.as_ref()));
        Self {
            corporation: Some(corporation),
            ..Self::without_corporation(d)
        }
    }

    /// The character without its `corporation` property.
    pub fn without_corporation(d: &CharacterDetails) -> Self {
        let token = d.login_token.as_ref();
        Self {
            id: d.character.id.get(),
            name: d.character.name.clone(),
            main: d.main,
            created: Some(date(d.character.added_at)),
            last_update: d.character.last_checked_at.map(date),
            valid_token: neucore::valid_token(
                token.map(|t| t.status),
                token.map(|t| t.scopes.as_str()).unwrap_or_default(),
            ),
            valid_token_time: None,
            token_last_checked: token.and_then(|t| t.last_checked_at).map(date),
            corporation: None,
        }
    }
}

pub fn characters(found: &[CharacterDetails]) -> Vec<CharacterJson> {
    found.iter().map(CharacterJson::new).collect()
}

pub fn characters_without_corporation(found: &[CharacterDetails]) -> Vec<CharacterJson> {
    found
        .iter()
        .map(CharacterJson::without_corporation)
        .collect()
}

/// `Player`: an account, by Neucore's name for it. `id` is the account's id, `name` its main's
/// name; `characters` only where the endpoint says so.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Player)]
pub struct PlayerJson {
    pub id: i64,
    /// The EVE character name of the current main character (or of the last main once every
    /// character left).
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Vec<CharacterJson>)]
    pub characters: Option<Vec<CharacterJson>>,
}

impl From<&Player> for PlayerJson {
    fn from(p: &Player) -> Self {
        Self {
            id: p.id.get(),
            name: p.name.clone(),
            characters: None,
        }
    }
}

impl From<&PlayerWithCharacters> for PlayerJson {
    fn from(p: &PlayerWithCharacters) -> Self {
        Self {
            characters: Some(characters(&p.characters)),
            ..Self::from(&p.player)
        }
    }
}

/// `PlayerWithCharcterId` (sic: Neucore's name).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = PlayerWithCharcterId)]
#[serde(rename_all = "camelCase")]
pub struct PlayerWithCharacterIdJson {
    pub id: i64,
    pub name: String,
    pub character_id: i64,
}

impl PlayerWithCharacterIdJson {
    pub fn new(player: &Player, character: CharacterId) -> Self {
        Self {
            id: player.id.get(),
            name: player.name.clone(),
            character_id: character.get(),
        }
    }
}

/// `RemovedCharacter`: a character that left an account (`player`), moved to another
/// (`newPlayerId`, `newPlayerName`) or deleted (`deletedBy` names the person who did).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = RemovedCharacter)]
#[serde(rename_all = "camelCase")]
pub struct RemovedCharacterJson {
    pub player: Option<PlayerJson>,
    /// EVE character ID.
    pub character_id: i64,
    /// EVE character name.
    pub character_name: String,
    /// Date of removal.
    #[schema(format = DateTime)]
    pub removed_date: String,
    /// How it was removed (deleted or moved to another account).
    #[schema(value_type = String, example = "moved")]
    pub reason: &'static str,
    pub deleted_by: Option<PlayerJson>,
    pub new_player_id: Option<i64>,
    pub new_player_name: Option<String>,
}

impl From<&CharacterRemoval> for RemovedCharacterJson {
    fn from(r: &CharacterRemoval) -> Self {
        Self {
            player: Some(PlayerJson::from(&r.player)),
            character_id: r.character.get(),
            character_name: r.character_name.clone(),
            removed_date: date(r.removed_at),
            reason: r.reason,
            deleted_by: r.deleted_by.as_ref().map(PlayerJson::from),
            new_player_id: r.new_player.as_ref().map(|p| p.id.get()),
            new_player_name: r.new_player.as_ref().map(|p| p.name.clone()),
        }
    }
}

/// `EsiLocation`: a member's system, station or structure.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = EsiLocation)]
pub struct EsiLocationJson {
    pub id: i64,
    /// `system`, `station` or `structure` (from EVE's id ranges).
    #[schema(value_type = Option<String>, example = "station")]
    pub category: Option<&'static str>,
    /// `null` when ESI could not name it (a structure the Director may not dock in).
    pub name: Option<String>,
}

/// `EsiType`: a member's ship.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = EsiType)]
pub struct EsiTypeJson {
    pub id: i64,
    pub name: Option<String>,
}

/// `CorporationMember`, as the `app-tracking` endpoint answers it (without its character and
/// player). Jumpgate sends no "missing character" mails, so their three fields say none was
/// sent.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = CorporationMember)]
#[serde(rename_all = "camelCase")]
pub struct CorporationMemberJson {
    /// EVE Character ID.
    pub id: i64,
    /// EVE Character name.
    pub name: Option<String>,
    pub location: Option<EsiLocationJson>,
    #[schema(format = DateTime)]
    pub logoff_date: Option<String>,
    #[schema(format = DateTime)]
    pub logon_date: Option<String>,
    pub ship_type: Option<EsiTypeJson>,
    #[schema(format = DateTime)]
    pub start_date: Option<String>,
    /// Date and time of the last sent mail.
    #[schema(format = DateTime)]
    pub missing_character_mail_sent_date: Option<String>,
    /// Result of the last sent mail (OK, Blocked, CSPA charge > 0).
    pub missing_character_mail_sent_result: Option<String>,
    /// Number of mails sent, is reset when the character is added.
    pub missing_character_mail_sent_number: i64,
}

impl From<&MemberRow> for CorporationMemberJson {
    fn from(r: &MemberRow) -> Self {
        let m = &r.member;
        Self {
            id: m.character.get(),
            name: m.name.clone(),
            location: m.location.as_ref().map(|l: &Named| EsiLocationJson {
                id: l.id,
                category: neucore::location_category(l.id),
                name: l.name.clone(),
            }),
            logoff_date: m.logoff_at.map(date),
            logon_date: m.logon_at.map(date),
            ship_type: m.ship.as_ref().map(|s| EsiTypeJson {
                id: s.id,
                name: s.name.clone(),
            }),
            start_date: m.start_at.map(date),
            missing_character_mail_sent_date: None,
            missing_character_mail_sent_result: None,
            missing_character_mail_sent_number: 0,
        }
    }
}
