//! One module per command beside `serve`/`worker`.

pub mod admin;
pub mod apps;
pub mod audit;
pub mod demo;
pub mod evesim;
pub mod groups;
pub mod keys;
pub mod migrate;
pub mod tracking;
