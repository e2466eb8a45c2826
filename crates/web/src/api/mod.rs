//! The application API's edge (Neucore-compatible, `/api/app/…`, issue 12): applications, not
//! people, call it with a bearer token and read JSON. `app` holds its routes, one file per
//! feature; `error` maps use-case errors to the API's answers.

pub mod app;
pub mod error;

pub use error::ApiError;
