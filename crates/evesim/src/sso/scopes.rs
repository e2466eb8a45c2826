//! Scopes the SSO accepts. The ESI ones mirror the spec's OAuth2 security scheme (a test keeps
//! them in step); anything else, such as a removed scope, is refused at authorize and refresh
//! time like CCP does.

/// Scopes from `components.securitySchemes.OAuth2` of the vendored spec.
pub const ESI_SCOPES: &[&str] = &[
    "esi-access.read_lists.v1",
    "esi-activities.read_character.v1",
    "esi-alliances.read_contacts.v1",
    "esi-assets.read_assets.v1",
    "esi-assets.read_corporation_assets.v1",
    "esi-calendar.read_calendar_events.v1",
    "esi-calendar.respond_calendar_events.v1",
    "esi-characters.read_agents_research.v1",
    "esi-characters.read_blueprints.v1",
    "esi-characters.read_contacts.v1",
    "esi-characters.read_corporation_roles.v1",
    "esi-characters.read_fatigue.v1",
    "esi-characters.read_freelance_jobs.v1",
    "esi-characters.read_fw_stats.v1",
    "esi-characters.read_loyalty.v1",
    "esi-characters.read_medals.v1",
    "esi-characters.read_notifications.v1",
    "esi-characters.read_standings.v1",
    "esi-characters.read_titles.v1",
    "esi-characters.write_contacts.v1",
    "esi-clones.read_clones.v1",
    "esi-clones.read_implants.v1",
    "esi-contracts.read_character_contracts.v1",
    "esi-contracts.read_corporation_contracts.v1",
    "esi-corporations.read_blueprints.v1",
    "esi-corporations.read_contacts.v1",
    "esi-corporations.read_container_logs.v1",
    "esi-corporations.read_corporation_membership.v1",
    "esi-corporations.read_divisions.v1",
    "esi-corporations.read_facilities.v1",
    "esi-corporations.read_freelance_jobs.v1",
    "esi-corporations.read_fw_stats.v1",
    "esi-corporations.read_medals.v1",
    "esi-corporations.read_projects.v1",
    "esi-corporations.read_standings.v1",
    "esi-corporations.read_starbases.v1",
    "esi-corporations.read_structures.v1",
    "esi-corporations.read_titles.v1",
    "esi-corporations.track_members.v1",
    "esi-fittings.read_fittings.v1",
    "esi-fittings.write_fittings.v1",
    "esi-fleets.read_fleet.v1",
    "esi-fleets.write_fleet.v1",
    "esi-industry.read_character_jobs.v1",
    "esi-industry.read_character_mining.v1",
    "esi-industry.read_corporation_jobs.v1",
    "esi-industry.read_corporation_mining.v1",
    "esi-killmails.read_corporation_killmails.v1",
    "esi-killmails.read_killmails.v1",
    "esi-location.read_location.v1",
    "esi-location.read_online.v1",
    "esi-location.read_ship_type.v1",
    "esi-mail.organize_mail.v1",
    "esi-mail.read_mail.v1",
    "esi-mail.send_mail.v1",
    "esi-markets.read_character_orders.v1",
    "esi-markets.read_corporation_orders.v1",
    "esi-markets.structure_markets.v1",
    "esi-planets.manage_planets.v1",
    "esi-planets.read_customs_offices.v1",
    "esi-search.search_structures.v1",
    "esi-skills.read_skillqueue.v1",
    "esi-skills.read_skills.v1",
    "esi-structures.read_character.v1",
    "esi-structures.read_corporation.v1",
    "esi-ui.open_window.v1",
    "esi-ui.write_waypoint.v1",
    "esi-universe.read_structures.v1",
    "esi-wallet.read_character_wallet.v1",
    "esi-wallet.read_corporation_wallets.v1",
    "esi.activity.char:read",
    "esi.cosmetic.char:read",
];

/// The scopes Jumpgate asks EVE for (its core login, contact sync and the standings import):
/// what a simulated application is registered with unless told otherwise
/// ([`crate::SimConfig::registered_scopes`]). A test in Jumpgate's black-box suite keeps this in
/// step with Jumpgate's logins.
pub const JUMPGATE_SCOPES: &[&str] = &[
    "publicData",
    "esi-alliances.read_contacts.v1",
    "esi-characters.read_contacts.v1",
    "esi-characters.write_contacts.v1",
    "esi-corporations.read_contacts.v1",
    // Member tracking's `core.tracking` login (the roles also the roles' `core.leadership`).
    "esi-characters.read_corporation_roles.v1",
    "esi-corporations.track_members.v1",
    "esi-universe.read_structures.v1",
];

/// SSO-only scopes that are still granted although no ESI route requires them.
pub const SSO_ONLY_SCOPES: &[&str] = &["publicData"];

pub fn is_known(scope: &str) -> bool {
    ESI_SCOPES.contains(&scope) || SSO_ONLY_SCOPES.contains(&scope)
}

/// Splits the space-separated `scope` parameter, dropping empties and duplicates.
pub fn parse(raw: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in raw.split_whitespace() {
        if !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    }
    out
}
