//! The EVE SSO client against a wiremock SSO: metadata, token endpoint, revocation, JWKS.

mod harness;
mod jwt;
mod tokens;
