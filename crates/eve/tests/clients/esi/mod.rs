//! The ESI client against a wiremock ESI, and its routes against CCP's OpenAPI spec.

mod bulk;
mod caching;
mod harness;
mod limits;
mod pass_through;
mod spec;
