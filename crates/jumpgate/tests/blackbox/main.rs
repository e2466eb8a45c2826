//! Black-box tests: each test starts its own EVE simulator, its own database (a SQLite file, or a
//! PostgreSQL schema from `JUMPGATE_TEST_DATABASE_URL`) and a Jumpgate server on a random port,
//! and drives it over HTTP (or runs the `jumpgate` binary). Most run on both backends
//! (`on_both_backends!`). One module per feature; the spawned app in `../support/`.

#[macro_use]
#[path = "../support/mod.rs"]
mod support;

mod account_settings;
mod accounts;
mod app_api;
mod apps;
mod audit_chain;
mod audit_log;
mod cli;
mod deactivation;
mod esi_faults;
mod group_rules;
mod groups;
mod jobs;
mod managed_accounts;
mod membership;
mod notifications;
mod outage_soak;
mod permission_matrix;
mod rate_limits;
mod roles;
mod safety_valve;
mod sessions;
mod sso_login;
mod standings_sync;
mod standings_workflow;
mod states_admin;
mod token_keys;
mod tracking;
mod web_security;
mod workers;
