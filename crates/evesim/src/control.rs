//! `/_sim/…`: the simulator's own JSON control API, mirroring `EveSim`'s methods for
//! `jumpgate evesim` and browser tests. Not part of CCP's surface; never logged.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::sim::EveSim;
use crate::state::Shared;
use crate::world::SimContact;

type St = State<Arc<Shared>>;

fn sim(shared: Arc<Shared>) -> EveSim {
    EveSim::from_shared(shared)
}

pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_sim", get(index))
        .route("/_sim/characters", get(characters))
        .route("/_sim/characters/{id}", get(character))
        .route("/_sim/corporations", get(corporations))
        .route("/_sim/alliances", get(alliances))
        .route("/_sim/accounts/{owner_hash}", get(account))
        .route("/_sim/characters/{id}/move", post(move_character))
        .route("/_sim/characters/{id}/transfer", post(transfer))
        .route("/_sim/characters/{id}/biomass", post(biomass))
        .route("/_sim/characters/{id}/logon", post(set_logon))
        .route("/_sim/characters/{id}/revoke", post(revoke))
        .route("/_sim/corporations/{id}/move", post(move_corporation))
        .route("/_sim/characters/{id}/ceo", post(make_ceo))
        .route("/_sim/characters/{id}/roles", post(set_roles))
        .route("/_sim/contacts/{id}", get(contacts).put(set_contacts))
        .route("/_sim/labels/{id}", get(labels).put(set_labels))
        .route("/_sim/clients", post(register_client))
        .route("/_sim/controls", post(controls))
        .route("/_sim/requests", get(requests).delete(clear_requests))
        .route("/_sim/esi-cache", delete(expire_esi_cache))
}

async fn index(State(s): St) -> impl IntoResponse {
    Json(json!({
        "base_url": s.base_url,
        "sso_metadata": s.url("/.well-known/oauth-authorization-server"),
        "image_base_url": s.url("/image/"),
        "endpoints": [
            "GET /_sim/characters", "GET /_sim/characters/{id}", "GET /_sim/corporations",
            "GET /_sim/alliances", "GET /_sim/accounts/{owner_hash}",
            "POST /_sim/characters/{id}/move {corporation_id}",
            "POST /_sim/characters/{id}/transfer", "POST /_sim/characters/{id}/biomass",
            "POST /_sim/characters/{id}/logon {logon_date, logoff_date} (RFC 3339; member tracking)",
            "POST /_sim/characters/{id}/revoke",
            "POST /_sim/corporations/{id}/move {alliance_id|null}",
            "GET|PUT /_sim/contacts/{owner_id}", "GET|PUT /_sim/labels/{owner_id}",
            "POST /_sim/clients {client_id, client_secret, callback_url}",
            "POST /_sim/controls {downtime?, fault_rate?, latency_ms?, garbage?, page_size?, refresh_answers_for?, sso_fault?, force?: {route_contains, skip?, status, wait_secs?}}",
            "GET|DELETE /_sim/requests",
            "DELETE /_sim/esi-cache (every cached ESI answer expires now)",
        ],
    }))
}

async fn characters(State(s): St) -> impl IntoResponse {
    Json(sim(s).characters())
}

async fn character(State(s): St, Path(id): Path<i64>) -> Response {
    match sim(s).character(id) {
        Some(c) => Json(c).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn corporations(State(s): St) -> impl IntoResponse {
    Json(sim(s).corporations())
}

async fn alliances(State(s): St) -> impl IntoResponse {
    Json(sim(s).alliances())
}

async fn account(State(s): St, Path(hash): Path<String>) -> impl IntoResponse {
    Json(sim(s).characters_of_account(&hash))
}

#[derive(Deserialize)]
struct MoveCharacter {
    corporation_id: i64,
}

async fn move_character(
    State(s): St,
    Path(id): Path<i64>,
    Json(m): Json<MoveCharacter>,
) -> impl IntoResponse {
    let sim = sim(s);
    sim.move_character(id, m.corporation_id);
    Json(sim.character(id))
}

#[derive(Deserialize)]
struct MoveCorporation {
    alliance_id: Option<i64>,
}

async fn move_corporation(
    State(s): St,
    Path(id): Path<i64>,
    Json(m): Json<MoveCorporation>,
) -> impl IntoResponse {
    let sim = sim(s);
    sim.move_corporation(id, m.alliance_id);
    Json(sim.corporation(id))
}

/// The character becomes its corporation's CEO.
async fn make_ceo(State(s): St, Path(id): Path<i64>) -> impl IntoResponse {
    if sim(s).set_ceo(id) {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    }
}

#[derive(serde::Deserialize)]
struct Roles {
    roles: Vec<String>,
}

/// The character's corporation roles become `{"roles": [...]}`.
async fn set_roles(State(s): St, Path(id): Path<i64>, Json(r): Json<Roles>) -> impl IntoResponse {
    if sim(s).set_roles(id, r.roles) {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    }
}

async fn transfer(State(s): St, Path(id): Path<i64>) -> impl IntoResponse {
    Json(json!({ "owner_hash": sim(s).transfer_character(id) }))
}

async fn set_logon(
    State(s): St,
    Path(id): Path<i64>,
    Json(l): Json<crate::world::SimLogon>,
) -> impl IntoResponse {
    sim(s).set_logon(id, l);
    StatusCode::NO_CONTENT
}

async fn biomass(State(s): St, Path(id): Path<i64>) -> impl IntoResponse {
    sim(s).biomass_character(id);
    StatusCode::NO_CONTENT
}

async fn revoke(State(s): St, Path(id): Path<i64>) -> impl IntoResponse {
    sim(s).revoke_tokens(id);
    StatusCode::NO_CONTENT
}

async fn contacts(State(s): St, Path(id): Path<i64>) -> impl IntoResponse {
    Json(sim(s).contacts(id))
}

async fn set_contacts(
    State(s): St,
    Path(id): Path<i64>,
    Json(c): Json<Vec<SimContact>>,
) -> impl IntoResponse {
    sim(s).set_contacts(id, c);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct Label {
    label_id: i64,
    label_name: String,
}

async fn labels(State(s): St, Path(id): Path<i64>) -> impl IntoResponse {
    let labels: Vec<_> = sim(s)
        .labels(id)
        .into_iter()
        .map(|(label_id, label_name)| json!({"label_id": label_id, "label_name": label_name}))
        .collect();
    Json(labels)
}

async fn set_labels(
    State(s): St,
    Path(id): Path<i64>,
    Json(l): Json<Vec<Label>>,
) -> impl IntoResponse {
    sim(s).set_labels(
        id,
        l.into_iter().map(|l| (l.label_id, l.label_name)).collect(),
    );
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct NewClient {
    client_id: String,
    client_secret: String,
    callback_url: String,
    /// The registered scopes; the simulator's configured ones when absent.
    #[serde(default)]
    scopes: Option<Vec<String>>,
}

async fn register_client(State(s): St, Json(c): Json<NewClient>) -> impl IntoResponse {
    let sim = sim(s);
    match c.scopes {
        Some(scopes) => sim.register_client_with_scopes(
            &c.client_id,
            &c.client_secret,
            &c.callback_url,
            &scopes,
        ),
        None => sim.register_client(&c.client_id, &c.client_secret, &c.callback_url),
    }
    StatusCode::NO_CONTENT
}

/// Every field optional; `garbage` and `refresh_answers_for` may be `null` to switch them off.
#[derive(Deserialize)]
struct ControlChange {
    downtime: Option<bool>,
    fault_rate: Option<f64>,
    latency_ms: Option<u64>,
    #[serde(default, with = "double_option")]
    garbage: Option<Option<String>>,
    page_size: Option<usize>,
    /// A character id: every refresh answers for that character (a faulty SSO).
    #[serde(default, with = "double_option")]
    refresh_answers_for: Option<Option<i64>>,
    /// `"invalid_grant"` or `"invalid_token"` (every refresh), `"invalid_client"`,
    /// `"unavailable"`, `"timeout"` or `{"too_many_requests": {"retry_after_secs": 30}}` (every
    /// token request); `null` answers correctly again.
    #[serde(default, with = "double_option")]
    sso_fault: Option<Option<crate::sso::SsoFault>>,
    /// One forced answer (`EveSim::force_answer`).
    force: Option<ForceAnswer>,
}

/// Lets `skip` ESI requests whose path contains `route_contains` through, then answers the next
/// with `status` (429, 420 or a 5xx; `wait_secs` is the 429's `Retry-After` or the 420's reset).
#[derive(Deserialize)]
struct ForceAnswer {
    route_contains: String,
    #[serde(default)]
    skip: usize,
    status: u16,
    #[serde(default)]
    wait_secs: u64,
}

/// A field that may be absent (leave it), `null` (switch it off) or a value.
mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

async fn controls(State(s): St, Json(c): Json<ControlChange>) -> impl IntoResponse {
    let sim = sim(s);
    if let Some(on) = c.downtime {
        sim.set_downtime(on);
    }
    if let Some(rate) = c.fault_rate {
        sim.set_fault_rate(rate);
    }
    if let Some(ms) = c.latency_ms {
        sim.set_latency(Duration::from_millis(ms));
    }
    if let Some(g) = c.garbage {
        sim.set_garbage(g);
    }
    if let Some(n) = c.page_size {
        sim.set_page_size(n);
    }
    if let Some(character) = c.refresh_answers_for {
        sim.set_refresh_answers_for(character);
    }
    if let Some(fault) = c.sso_fault {
        sim.set_sso_fault(fault);
    }
    if let Some(f) = c.force {
        sim.force_answer(&f.route_contains, f.skip, f.status, f.wait_secs);
    }
    StatusCode::NO_CONTENT
}

async fn requests(State(s): St) -> impl IntoResponse {
    Json(sim(s).requests())
}

async fn clear_requests(State(s): St) -> impl IntoResponse {
    sim(s).clear_requests();
    StatusCode::NO_CONTENT
}

async fn expire_esi_cache(State(s): St) -> impl IntoResponse {
    sim(s).expire_esi_cache();
    StatusCode::NO_CONTENT
}
