//! The EVE simulator from outside: its SSO, ESI, the authorize form, the generated world, and
//! its ESI routes against CCP's OpenAPI spec. One module per part; helpers in `support`.

mod support;

mod authorize_form;
mod esi;
mod spec_conformance;
mod sso;
mod world;
