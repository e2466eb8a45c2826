//! The application API's edge (Neucore-compatible, `/api/app/…`): applications, not people, call
//! it with a bearer token and read JSON. Its routes come with the application-API feature; what
//! is here now is the edge's error type, so the feature starts with the same mapping from
//! use-case errors as the HTML pages.

pub mod error;

pub use error::ApiError;
