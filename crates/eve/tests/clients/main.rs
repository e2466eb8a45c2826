//! The EVE clients against wiremock servers: the ESI client (limits, caching, bulk reads, and
//! its routes against CCP's OpenAPI spec) and the SSO client (metadata, tokens, JWT/JWKS).

mod esi;
mod sso;
