//! Contacts and labels. Personal contacts are writable (POST/PUT/DELETE, with the game's
//! 1024-entry cap); corporation and alliance contacts are read-only, and labels cannot be
//! created through ESI at all (there is no route: set them with the simulator's controls).

use std::collections::HashSet;

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::error::EsiError;
use super::request::{EsiOk, EsiRequest, EsiResult};
use crate::state::{Shared, lock};
use crate::world::{ContactType, EntityKind, MAX_CONTACTS, SimContact, World};

const MAX_WRITE_IDS: usize = 100;
const MAX_DELETE_IDS: usize = 20;
const MAX_LABELS: usize = 63;

fn contact_json(c: &SimContact, watched: bool, blocked: bool) -> Value {
    let mut v = json!({
        "contact_id": c.contact_id,
        "contact_type": c.contact_type,
        "standing": c.standing,
    });
    if let Value::Object(map) = &mut v {
        if !c.label_ids.is_empty() {
            map.insert("label_ids".into(), json!(c.label_ids));
        }
        if watched {
            map.insert("is_watched".into(), json!(c.is_watched));
        }
        if blocked {
            map.insert("is_blocked".into(), json!(c.is_blocked));
        }
    }
    v
}

fn labels_json(world: &World, owner: i64) -> Value {
    let labels: Vec<Value> = world
        .labels
        .get(&owner)
        .map(|l| {
            l.iter()
                .map(|(id, name)| json!({"label_id": id, "label_name": name}))
                .collect()
        })
        .unwrap_or_default();
    Value::Array(labels)
}

fn list(world: &World, owner: i64, watched: bool, blocked: bool) -> Vec<Value> {
    let mut contacts: Vec<&SimContact> = world
        .contacts
        .get(&owner)
        .map(|l| l.iter().collect())
        .unwrap_or_default();
    contacts.sort_by_key(|c| c.contact_id);
    contacts
        .into_iter()
        .map(|c| contact_json(c, watched, blocked))
        .collect()
}

/// The token's character must belong to the corporation (CCP answers 403 otherwise).
fn member_corporation(world: &World, req: &EsiRequest) -> Result<i64, EsiError> {
    let corp = req.path_id("corporation_id")?;
    let auth = req.auth()?;
    let ok = world
        .characters
        .get(&auth.character_id)
        .is_some_and(|c| c.corporation_id == corp);
    if ok {
        Ok(corp)
    } else {
        Err(EsiError::forbidden("Character is not in the corporation"))
    }
}

fn member_alliance(world: &World, req: &EsiRequest) -> Result<i64, EsiError> {
    let alliance = req.path_id("alliance_id")?;
    let auth = req.auth()?;
    let ok = world
        .characters
        .get(&auth.character_id)
        .is_some_and(|c| c.alliance_id == Some(alliance));
    if ok {
        Ok(alliance)
    } else {
        Err(EsiError::forbidden("Character is not in the alliance"))
    }
}

pub fn list_character(shared: &Shared, req: &EsiRequest) -> EsiResult {
    let id = req.path_id("character_id")?;
    EsiOk::paged(list(&lock(&shared.world), id, true, true))
}

pub fn labels_character(shared: &Shared, req: &EsiRequest) -> EsiResult {
    let id = req.path_id("character_id")?;
    EsiOk::json(labels_json(&lock(&shared.world), id))
}

pub fn list_corporation(shared: &Shared, req: &EsiRequest) -> EsiResult {
    let world = lock(&shared.world);
    let corp = member_corporation(&world, req)?;
    EsiOk::paged(list(&world, corp, true, false))
}

pub fn labels_corporation(shared: &Shared, req: &EsiRequest) -> EsiResult {
    let world = lock(&shared.world);
    let corp = member_corporation(&world, req)?;
    EsiOk::json(labels_json(&world, corp))
}

pub fn list_alliance(shared: &Shared, req: &EsiRequest) -> EsiResult {
    let world = lock(&shared.world);
    let alliance = member_alliance(&world, req)?;
    EsiOk::paged(list(&world, alliance, false, false))
}

pub fn labels_alliance(shared: &Shared, req: &EsiRequest) -> EsiResult {
    let world = lock(&shared.world);
    let alliance = member_alliance(&world, req)?;
    EsiOk::json(labels_json(&world, alliance))
}

/// Settings shared by every id of one POST/PUT.
struct WriteSettings {
    standing: f64,
    label_ids: Vec<i64>,
    watched: bool,
    ids: Vec<i64>,
}

fn write_settings(req: &EsiRequest) -> Result<WriteSettings, EsiError> {
    let standing: f64 = req
        .query_one("standing")
        .ok_or_else(|| EsiError::bad_request("Missing required parameter: standing"))?
        .parse()
        .map_err(|_| EsiError::bad_request("standing must be a number"))?;
    if !(-10.0..=10.0).contains(&standing) {
        return Err(EsiError::bad_request("standing must be between -10 and 10"));
    }
    let label_ids = req.query_ids("label_ids")?;
    if label_ids.len() > MAX_LABELS {
        return Err(EsiError::bad_request("label_ids may hold at most 63 ids"));
    }
    let watched = match req.query_one("watched") {
        None => false,
        Some("true") => true,
        Some("false") => false,
        Some(_) => return Err(EsiError::bad_request("watched must be true or false")),
    };
    let ids: Vec<i64> = req.json()?;
    if ids.is_empty() || ids.len() > MAX_WRITE_IDS {
        return Err(EsiError::bad_request(
            "Request body must contain between 1 and 100 contact ids",
        ));
    }
    Ok(WriteSettings {
        standing,
        label_ids,
        watched,
        ids,
    })
}

fn contact_type(kind: EntityKind) -> ContactType {
    match kind {
        EntityKind::Character => ContactType::Character,
        EntityKind::Corporation => ContactType::Corporation,
        EntityKind::Alliance => ContactType::Alliance,
        EntityKind::Faction => ContactType::Faction,
    }
}

/// Labels the owner does not have are dropped, as the game does.
fn known_labels(world: &World, owner: i64, wanted: &[i64]) -> Vec<i64> {
    let have = world.labels.get(&owner);
    wanted
        .iter()
        .copied()
        .filter(|id| have.is_some_and(|l| l.iter().any(|(l, _)| l == id)))
        .collect()
}

/// 201 with the ids actually created: unknown or already present ids are skipped.
pub fn add(shared: &Shared, req: &EsiRequest) -> EsiResult {
    let owner = req.path_id("character_id")?;
    let s = write_settings(req)?;
    let mut world = lock(&shared.world);
    let labels = known_labels(&world, owner, &s.label_ids);
    // Sets, not list scans: a full list (1024) times a full batch (100) on every POST adds up
    // when a benchmark writes 10,000 characters.
    let mut seen: HashSet<i64> = world
        .contacts
        .get(&owner)
        .map(|l| l.iter().map(|c| c.contact_id).collect())
        .unwrap_or_default();
    let existing = seen.len();
    let mut fresh: Vec<SimContact> = Vec::new();
    for id in s.ids {
        if id == owner || !seen.insert(id) {
            continue;
        }
        let Some(kind) = world.kind_of(id) else {
            continue;
        };
        fresh.push(SimContact {
            contact_id: id,
            contact_type: contact_type(kind),
            standing: s.standing,
            label_ids: labels.clone(),
            is_watched: s.watched && kind == EntityKind::Character,
            is_blocked: false,
        });
    }
    if existing + fresh.len() > MAX_CONTACTS {
        // The game refuses the write; ESI relays it as its undocumented-error 520.
        return Err(EsiError::new(
            StatusCode::from_u16(520).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            format!(
                "Undefined 520 response. Original message: Action failed: the contact list is full ({MAX_CONTACTS} contacts)"
            ),
        ));
    }
    let created: Vec<i64> = fresh.iter().map(|c| c.contact_id).collect();
    let now = shared.now_utc();
    for c in &fresh {
        if c.contact_type == ContactType::Character {
            let text = format!("level: {}\nmessage: ''\n", c.standing);
            world.notify(c.contact_id, owner, "character", "ContactAdd", text, now);
        }
    }
    world.contacts.entry(owner).or_default().extend(fresh);
    EsiOk::created(created)
}

/// 204; only contacts already on the list change.
pub fn edit(shared: &Shared, req: &EsiRequest) -> EsiResult {
    let owner = req.path_id("character_id")?;
    let s = write_settings(req)?;
    let mut world = lock(&shared.world);
    let labels = known_labels(&world, owner, &s.label_ids);
    if let Some(list) = world.contacts.get_mut(&owner) {
        let ids: HashSet<i64> = s.ids.iter().copied().collect();
        for c in list.iter_mut().filter(|c| ids.contains(&c.contact_id)) {
            c.standing = s.standing;
            c.label_ids = labels.clone();
            c.is_watched = s.watched && c.contact_type == ContactType::Character;
        }
    }
    EsiOk::no_content()
}

/// 204; `contact_ids` holds 1 to 20 ids (not 100).
pub fn delete(shared: &Shared, req: &EsiRequest) -> EsiResult {
    let owner = req.path_id("character_id")?;
    let ids = req.query_ids("contact_ids")?;
    if ids.is_empty() || ids.len() > MAX_DELETE_IDS {
        return Err(EsiError::bad_request(
            "contact_ids must contain between 1 and 20 ids",
        ));
    }
    if let Some(list) = lock(&shared.world).contacts.get_mut(&owner) {
        list.retain(|c| !ids.contains(&c.contact_id));
    }
    EsiOk::no_content()
}
