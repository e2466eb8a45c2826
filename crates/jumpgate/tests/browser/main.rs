//! Real-browser tests: Debian's Chromium, driven by the `playwright-core` scripts in
//! `tests/browser/`, against a spawned Jumpgate and simulator (docs/testing.md). Apart from the
//! black-box binary because they need Node.js and a browser (`scripts/test` installs both).

#[macro_use]
#[path = "../support/mod.rs"]
mod support;

mod node;

mod accounts;
mod app_api_client;
mod groups;
mod roles;
mod standings;
