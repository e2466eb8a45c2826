//! The store conformance suite: what every store method does, checked on SQLite and on
//! PostgreSQL (each test runs once per backend, `<test>::sqlite` and `<test>::postgres`; see
//! `jumpgate_store::store_test!`). One module per feature; builders in `support`.
//! One binary for the whole suite: each test binary links the store and sqlx again.

mod support;

mod accounts;
mod apps;
mod apps_webhooks;
mod audit;
mod bulk;
mod clock;
mod deactivation;
mod groups;
mod job_overview;
mod job_runs;
mod jobs;
mod memory;
mod roles;
mod safety_valve;
mod schema;
mod shared_state;
mod sqlite_lock;
mod standings;
mod standings_sync;
mod states;
mod tokens;
mod tracking;
mod transactions;
