//! Public routes: status, characters, corporations, alliances, affiliation and name lookups.

use std::collections::HashSet;

use serde_json::{Map, Value, json};
use time::format_description::well_known::Rfc3339;

use super::error::EsiError;
use super::request::{EsiOk, EsiRequest, EsiResult};
use crate::state::{Shared, lock};
use crate::world::{EntityKind, FACTIONS, PLACES_AND_TYPES};

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// Drops `null` members: ESI omits absent optional fields.
fn compact(mut v: Value) -> Value {
    if let Value::Object(map) = &mut v {
        map.retain(|_, x| !x.is_null());
    }
    v
}

pub fn status(shared: &Shared, _: &EsiRequest) -> EsiResult {
    let world = lock(&shared.world);
    EsiOk::json(json!({
        "players": 20_000 + world.characters.len() as i64,
        "server_version": "3012345",
        "start_time": rfc3339(world.started),
        "vip": false,
    }))
}

pub fn character(shared: &Shared, req: &EsiRequest) -> EsiResult {
    let id = req.path_id("character_id")?;
    let world = lock(&shared.world);
    let ch = world
        .characters
        .get(&id)
        .ok_or_else(|| EsiError::not_found("Character not found"))?;
    EsiOk::json(compact(json!({
        "name": ch.name,
        "corporation_id": ch.corporation_id,
        "alliance_id": ch.alliance_id,
        "birthday": rfc3339(ch.birthday),
        "bloodline_id": ch.bloodline_id,
        "race_id": ch.race_id,
        "gender": ch.gender,
        "security_status": ch.security_status,
        "description": "",
        "achievement_score": 0,
    })))
}

pub fn corporation(shared: &Shared, req: &EsiRequest) -> EsiResult {
    let id = req.path_id("corporation_id")?;
    let world = lock(&shared.world);
    let corp = world
        .corporations
        .get(&id)
        .ok_or_else(|| EsiError::not_found("Corporation not found"))?;
    EsiOk::json(compact(json!({
        "name": corp.name,
        "ticker": corp.ticker,
        "member_count": corp.member_count,
        "alliance_id": corp.alliance_id,
        "ceo_id": corp.ceo_id,
        "creator_id": corp.creator_id,
        "date_founded": rfc3339(corp.date_founded),
        "description": "",
        "home_station_id": 60_003_760,
        "shares": 1000,
        "tax_rates": {"isk": 0.1, "loyalty_point": 0.1},
        "url": "",
        "war_eligible": !corp.npc,
        "friendly_fire": "illegal",
        "state": "active",
        "type": if corp.npc { "npc_owned" } else { "player_owned" },
    })))
}

pub fn alliances(shared: &Shared, _: &EsiRequest) -> EsiResult {
    let ids: Vec<i64> = lock(&shared.world).alliances.keys().copied().collect();
    EsiOk::json(ids)
}

pub fn alliance(shared: &Shared, req: &EsiRequest) -> EsiResult {
    let id = req.path_id("alliance_id")?;
    let world = lock(&shared.world);
    let a = world
        .alliances
        .get(&id)
        .ok_or_else(|| EsiError::not_found("Alliance not found"))?;
    EsiOk::json(compact(json!({
        "name": a.name,
        "ticker": a.ticker,
        "creator_corporation_id": a.creator_corporation_id,
        "creator_id": a.creator_id,
        "date_founded": rfc3339(a.date_founded),
        "executor_corporation_id": a.executor_corporation_id,
    })))
}

pub fn alliance_corporations(shared: &Shared, req: &EsiRequest) -> EsiResult {
    let id = req.path_id("alliance_id")?;
    let world = lock(&shared.world);
    if !world.alliances.contains_key(&id) {
        return Err(EsiError::not_found("Alliance not found"));
    }
    let ids: Vec<i64> = world
        .corporations
        .values()
        .filter(|c| c.alliance_id == Some(id))
        .map(|c| c.corporation_id)
        .collect();
    EsiOk::json(ids)
}

/// A JSON array body with `min..=max` unique items.
fn id_list(req: &EsiRequest, max: usize) -> Result<Vec<i64>, EsiError> {
    let ids: Vec<i64> = req.json()?;
    if ids.is_empty() || ids.len() > max {
        return Err(EsiError::bad_request(format!(
            "Request body must contain between 1 and {max} ids"
        )));
    }
    let unique: HashSet<i64> = ids.iter().copied().collect();
    if unique.len() != ids.len() {
        return Err(EsiError::bad_request("Request body ids must be unique"));
    }
    Ok(ids)
}

/// Unknown ids are left out of the answer rather than failing the batch.
pub fn affiliation(shared: &Shared, req: &EsiRequest) -> EsiResult {
    let ids = id_list(req, 1000)?;
    let world = lock(&shared.world);
    let out: Vec<Value> = ids
        .iter()
        .filter_map(|id| world.characters.get(id))
        .map(|c| {
            compact(json!({
                "character_id": c.character_id,
                "corporation_id": c.corporation_id,
                "alliance_id": c.alliance_id,
            }))
        })
        .collect();
    EsiOk::json(out)
}

/// All ids must resolve or the whole batch is a 404, as with CCP.
pub fn names(shared: &Shared, req: &EsiRequest) -> EsiResult {
    let ids = id_list(req, 1000)?;
    let world = lock(&shared.world);
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some((_, category, name)) = PLACES_AND_TYPES.iter().find(|(p, _, _)| *p == id) {
            out.push(json!({"id": id, "name": name, "category": category}));
            continue;
        }
        let (Some(kind), Some(name)) = (world.kind_of(id), world.name_of(id)) else {
            return Err(EsiError::not_found(
                "Ensure all IDs are valid before resolving.",
            ));
        };
        let category = match kind {
            EntityKind::Character => "character",
            EntityKind::Corporation => "corporation",
            EntityKind::Alliance => "alliance",
            EntityKind::Faction => "faction",
        };
        out.push(json!({"id": id, "name": name, "category": category}));
    }
    EsiOk::json(out)
}

/// Exact (case-insensitive) name matches, grouped by category; empty categories are omitted.
pub fn ids(shared: &Shared, req: &EsiRequest) -> EsiResult {
    let names: Vec<String> = req.json()?;
    if names.is_empty() || names.len() > 500 {
        return Err(EsiError::bad_request(
            "Request body must contain between 1 and 500 names",
        ));
    }
    if names
        .iter()
        .any(|n| n.is_empty() || n.chars().count() > 100)
    {
        return Err(EsiError::bad_request(
            "Names must be 1 to 100 characters long",
        ));
    }
    let unique: HashSet<&String> = names.iter().collect();
    if unique.len() != names.len() {
        return Err(EsiError::bad_request("Request body names must be unique"));
    }
    let wanted: HashSet<String> = names.iter().map(|n| n.to_lowercase()).collect();
    let hit = |name: &str| wanted.contains(&name.to_lowercase());
    let world = lock(&shared.world);
    let mut groups: Map<String, Value> = Map::new();
    let mut add = |category: &str, id: i64, name: &str| {
        if let Value::Array(list) = groups
            .entry(category.to_owned())
            .or_insert_with(|| Value::Array(Vec::new()))
        {
            list.push(json!({"id": id, "name": name}));
        }
    };
    for c in world.characters.values().filter(|c| hit(&c.name)) {
        add("characters", c.character_id, &c.name);
    }
    for c in world.corporations.values().filter(|c| hit(&c.name)) {
        add("corporations", c.corporation_id, &c.name);
    }
    for a in world.alliances.values().filter(|a| hit(&a.name)) {
        add("alliances", a.alliance_id, &a.name);
    }
    for (id, name) in FACTIONS.iter().filter(|(_, n)| hit(n)) {
        add("factions", *id, name);
    }
    EsiOk::json(Value::Object(groups))
}
