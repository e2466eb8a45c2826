//! Corporation membership, member tracking (Director only; dispatch checks the role), a
//! character's corporation roles, and the corporations' structures (for their members).

use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

use super::error::EsiError;
use super::request::{EsiOk, EsiRequest, EsiResult};
use crate::state::{Shared, lock};
use crate::world::{FIRST_STRUCTURE_ID, SimLogon, World, structure_of};

fn own_corporation(world: &World, req: &EsiRequest) -> Result<i64, EsiError> {
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

pub fn members(shared: &Shared, req: &EsiRequest) -> EsiResult {
    let world = lock(&shared.world);
    let corp = own_corporation(&world, req)?;
    let ids: Vec<i64> = world
        .characters
        .values()
        .filter(|c| c.corporation_id == corp)
        .map(|c| c.character_id)
        .collect();
    EsiOk::json(ids)
}

pub fn tracking(shared: &Shared, req: &EsiRequest) -> EsiResult {
    let world = lock(&shared.world);
    let corp = own_corporation(&world, req)?;
    let fmt = |t: time::OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
    let rows: Vec<Value> = world
        .characters
        .values()
        .filter(|c| c.corporation_id == corp)
        .map(|c| {
            // Plausible, stable per character: joined after birth, last seen within a week,
            // unless the control API set its times.
            let joined = c.birthday + time::Duration::days(30);
            let logoff = world.started - time::Duration::hours(c.character_id.rem_euclid(168));
            let times = world
                .logons
                .get(&c.character_id)
                .copied()
                .unwrap_or(SimLogon {
                    logon_date: logoff - time::Duration::hours(2),
                    logoff_date: logoff,
                });
            // One member in four is docked in the corporation's own structure.
            let location = if c.character_id % 4 == 0 {
                structure_of(corp)
            } else {
                60_003_760
            };
            json!({
                "character_id": c.character_id,
                "base_id": 60_003_760,
                "location_id": location,
                "logon_date": fmt(times.logon_date),
                "logoff_date": fmt(times.logoff_date),
                "ship_type_id": 670,
                "start_date": fmt(joined),
            })
        })
        .collect();
    EsiOk::json(rows)
}

pub fn roles(shared: &Shared, req: &EsiRequest) -> EsiResult {
    let id = req.path_id("character_id")?;
    let world = lock(&shared.world);
    let ch = world
        .characters
        .get(&id)
        .ok_or_else(|| EsiError::not_found("Character not found"))?;
    EsiOk::json(json!({
        "roles": ch.roles,
        "roles_at_hq": ch.roles,
        "roles_at_base": [],
        "roles_at_other": [],
    }))
}

/// A corporation's structure (`structure_of`), for characters of that corporation (its docking
/// list); "Forbidden" for anyone else and for ids that are no structure, as CCP answers.
pub fn structure(shared: &Shared, req: &EsiRequest) -> EsiResult {
    let id = req.path_id("structure_id")?;
    let auth = req.auth()?;
    let world = lock(&shared.world);
    let owner = world
        .corporations
        .get(&(id - FIRST_STRUCTURE_ID))
        .filter(|_| id > FIRST_STRUCTURE_ID);
    let on_acl = owner.is_some_and(|corp| {
        world
            .characters
            .get(&auth.character_id)
            .is_some_and(|c| c.corporation_id == corp.corporation_id)
    });
    match owner {
        Some(corp) if on_acl => EsiOk::json(json!({
            "name": format!("Jita - {} Keepstar", corp.ticker),
            "owner_id": corp.corporation_id,
            "solar_system_id": 30_000_142,
            "type_id": 35_834,
            "position": {"x": 1.0e12, "y": 2.0e10, "z": -3.0e11},
        })),
        _ => Err(EsiError::forbidden("Forbidden")),
    }
}
