//! The application API's own OpenAPI 3 document, generated from the handlers' and JSON shapes'
//! annotations (utoipa) and served at `/application-api-3.yml` (where Neucore serves its
//! own), with Swagger UI at `/api.html`. Neucore's paths are relative to the server `/api`, so
//! the document's are too. A test compares it with Neucore's `application-api-2.4.0.yaml`
//! (`spec/neucore/`): every path, method, parameter and response of 2.4.0 is here, with a
//! compatible schema; Jumpgate may add, never remove or rename.
//!
//! A feature's handlers are listed in `paths(…)` and its JSON shapes in `schemas(…)` below.

use super::{characters, esi_proxy, esi_tokens, groups, json, show, tracking};
use crate::WebState;
use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use std::sync::LazyLock;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_swagger_ui::{Config, SwaggerUi};

/// Where the document is served.
pub const DOCUMENT_PATH: &str = "/application-api-3.yml";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Jumpgate application API",
        description = "Neucore-compatible application API (2.4.0 and later additions) served by Jumpgate.",
    ),
    servers((url = "/api")),
    paths(
        show::show,
        groups::character_groups_v1,
        groups::character_groups,
        groups::characters_groups,
        groups::corporation_groups_v1,
        groups::corporation_groups,
        groups::corporations_groups,
        groups::alliance_groups_v1,
        groups::alliance_groups,
        groups::alliances_groups,
        groups::groups_with_fallback,
        groups::group_members,
        esi_tokens::login_characters,
        esi_tokens::login_token_data,
        esi_tokens::access_token,
        esi_proxy::esi_v1,
        esi_proxy::esi_post_v1,
        esi_proxy::esi_v2,
        esi_proxy::esi_post_v2,
        characters::main_v1,
        characters::main_character,
        characters::player,
        characters::players,
        characters::account_characters,
        characters::accounts_characters,
        characters::character_list,
        characters::player_characters,
        characters::player_with_characters,
        characters::removed_characters,
        characters::incoming_characters,
        characters::corporation_players,
        characters::corporation_characters,
        tracking::member_tracking,
    ),
    components(schemas(
        json::GroupJson,
        json::AllianceJson,
        json::CorporationJson,
        json::CharacterJson,
        json::CharacterGroupsJson,
        json::PlayerJson,
        json::PlayerWithCharacterIdJson,
        json::RemovedCharacterJson,
        json::EsiLocationJson,
        json::EsiTypeJson,
        json::CorporationMemberJson,
        json::EveLoginJson,
        json::AppJson,
        json::EsiTokenDataJson,
        json::EsiAccessTokenJson,
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "Application", description = "API for applications."),
        (name = "Application - Characters"),
        (name = "Application - ESI"),
        (name = "Application - Groups"),
        (name = "Application - Tracking"),
    )
)]
pub struct ApplicationApi;

/// Neucore's security scheme, `BearerAuth`: `Authorization: Bearer base64("{id}:{secret}")`.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "BearerAuth",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The application's id and secret: base64(\"{id}:{secret}\")",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document as YAML, made once.
pub fn document() -> &'static str {
    static YAML: LazyLock<String> = LazyLock::new(|| {
        let mut doc = ApplicationApi::openapi();
        doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
        serde_yaml_ng::to_string(&doc).unwrap_or_else(|e| {
            tracing::error!(error = %e, "the application API's document cannot be written as YAML");
            String::new()
        })
    });
    &YAML
}

pub fn router() -> Router<WebState> {
    Router::new()
        .route(
            DOCUMENT_PATH,
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "application/yaml; charset=utf-8")],
                    document(),
                )
                    .into_response()
            }),
        )
        .route("/api.html", get(|| async { Redirect::to("/api-docs/") }))
        .merge(SwaggerUi::new("/api-docs").config(Config::from(DOCUMENT_PATH)))
}

#[cfg(test)]
mod tests {
    //! Jumpgate's document against Neucore's 2.4.0 (the compatibility contract): every path and
    //! method is here, with every
    //! parameter, every response status, the request body, and response schemas a client
    //! generated from 2.4.0 reads: every property 2.4.0 requires is present, and every property
    //! both have has a compatible type.
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::Value;
    use std::collections::BTreeSet;

    const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

    fn neucore() -> Value {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../spec/neucore/application-api-2.4.0.yaml"
        );
        serde_yaml_ng::from_str(&std::fs::read_to_string(path).expect("the 2.4.0 spec"))
            .expect("2.4.0 is YAML")
    }

    fn ours() -> Value {
        serde_yaml_ng::from_str(super::document()).expect("our document is YAML")
    }

    /// `schema` with its `$ref` followed, in `doc`.
    fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let name = r.rsplit('/').next().unwrap();
                resolve(doc, &doc["components"]["schemas"][name])
            }
            None => schema,
        }
    }

    /// A schema's type: utoipa writes a nullable one as `[T, "null"]` or in `oneOf`.
    fn type_of(schema: &Value) -> Option<String> {
        match &schema["type"] {
            Value::String(t) => Some(t.clone()),
            Value::Array(ts) => ts
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .map(str::to_owned),
            _ => schema["oneOf"]
                .as_array()
                .or_else(|| schema["anyOf"].as_array())
                .and_then(|alts| alts.iter().find_map(type_of_or_ref)),
        }
    }

    fn type_of_or_ref(schema: &Value) -> Option<String> {
        if schema.get("$ref").is_some() {
            Some("object".to_owned())
        } else {
            type_of(schema).filter(|t| t != "null")
        }
    }

    /// `their` schema as a client generated from 2.4.0 reads it, against `our`: the problems.
    fn compare(
        at: &str,
        theirs: &Value,
        their: &Value,
        docs: &Value,
        our: &Value,
        depth: usize,
        problems: &mut Vec<String>,
    ) {
        let their = resolve(theirs, their);
        let our_resolved = resolve(docs, our);
        let our = match our_resolved["oneOf"]
            .as_array()
            .or(our_resolved["anyOf"].as_array())
        {
            // A nullable reference: the referenced schema.
            Some(alts) => alts
                .iter()
                .find(|a| a.get("$ref").is_some())
                .map(|a| resolve(docs, a))
                .unwrap_or(our_resolved),
            None => our_resolved,
        };
        let (tt, ot) = (
            type_of(their),
            type_of(our).or_else(|| our.get("properties").map(|_| "object".to_owned())),
        );
        let tt = tt.or_else(|| their.get("properties").map(|_| "object".to_owned()));
        if tt != ot && tt.is_some() {
            problems.push(format!("{at}: type {tt:?} in 2.4.0, {ot:?} here"));
            return;
        }
        if depth > 6 {
            return;
        }
        if tt.as_deref() == Some("array") {
            compare(
                &format!("{at}[]"),
                theirs,
                &their["items"],
                docs,
                &our["items"],
                depth + 1,
                problems,
            );
        }
        if let Some(props) = their["properties"].as_object() {
            let required: BTreeSet<&str> = their["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            for (name, their_prop) in props {
                match our["properties"].get(name) {
                    Some(our_prop) => compare(
                        &format!("{at}.{name}"),
                        theirs,
                        their_prop,
                        docs,
                        our_prop,
                        depth + 1,
                        problems,
                    ),
                    None if required.contains(name.as_str()) => {
                        problems.push(format!("{at}.{name}: required in 2.4.0, missing here"));
                    }
                    None => {}
                }
            }
        }
    }

    fn parameters(op: &Value) -> Vec<(String, String, bool)> {
        op["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .map(|p| {
                        (
                            p["name"].as_str().unwrap_or_default().to_owned(),
                            p["in"].as_str().unwrap_or_default().to_owned(),
                            p["required"].as_bool().unwrap_or(false),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn every_operation_of_neucore_2_4_0_is_here_and_compatible() {
        let (theirs, docs) = (neucore(), ours());
        let mut problems = Vec::new();
        for (path, item) in theirs["paths"].as_object().unwrap() {
            for method in METHODS {
                let Some(their_op) = item.get(method) else {
                    continue;
                };
                let key = format!("{method} {path}");
                let our_op = docs["paths"].get(path).and_then(|i| i.get(method));
                let Some(our_op) = our_op else {
                    problems.push(format!("{key}: missing"));
                    continue;
                };
                if our_op["operationId"] != their_op["operationId"] {
                    problems.push(format!(
                        "{key}: operationId {} here, {} in 2.4.0 (generated clients name their methods by it)",
                        our_op["operationId"], their_op["operationId"]
                    ));
                }
                let ours_params = parameters(our_op);
                for (name, place, required) in parameters(their_op) {
                    match ours_params
                        .iter()
                        .find(|(n, p, _)| *n == name && *p == place)
                    {
                        None => {
                            problems.push(format!("{key}: parameter {name} in {place} missing"))
                        }
                        Some((_, _, ours_required)) if *ours_required && !required => problems
                            .push(format!(
                                "{key}: parameter {name} required here, optional in 2.4.0"
                            )),
                        Some(_) => {}
                    }
                }
                if let Some((name, ..)) = ours_params.iter().find(|(n, p, r)| {
                    *r && !parameters(their_op)
                        .iter()
                        .any(|(tn, tp, _)| tn == n && tp == p)
                }) {
                    problems.push(format!(
                        "{key}: parameter {name} required here, absent in 2.4.0"
                    ));
                }
                // The body in the media type 2.4.0 names (JSON, or the ESI proxy's text).
                if let Some((media, content)) = their_op["requestBody"]["content"]
                    .as_object()
                    .and_then(|c| c.iter().next())
                {
                    let their_body = &content["schema"];
                    let our_body = &our_op["requestBody"]["content"][media]["schema"];
                    if our_body.is_null() {
                        problems.push(format!("{key}: no {media} request body here"));
                    } else {
                        compare(
                            &format!("{key} body"),
                            &theirs,
                            their_body,
                            &docs,
                            our_body,
                            0,
                            &mut problems,
                        );
                    }
                }
                for (status, their_response) in their_op["responses"].as_object().unwrap() {
                    let Some(our_response) = our_op["responses"].get(status) else {
                        problems.push(format!("{key}: response {status} missing"));
                        continue;
                    };
                    let their_schema = &their_response["content"]["application/json"]["schema"];
                    if their_schema.is_null() {
                        continue;
                    }
                    let our_schema = &our_response["content"]["application/json"]["schema"];
                    if our_schema.is_null() {
                        problems.push(format!("{key}: response {status} has no JSON schema here"));
                        continue;
                    }
                    compare(
                        &format!("{key} {status}"),
                        &theirs,
                        their_schema,
                        &docs,
                        our_schema,
                        0,
                        &mut problems,
                    );
                }
            }
        }
        assert!(
            problems.is_empty(),
            "the application API is not compatible with Neucore 2.4.0:\n  {}",
            problems.join("\n  ")
        );
    }

    #[test]
    fn the_document_names_neucores_security_scheme_and_server() {
        let docs = ours();
        assert_eq!(docs["servers"][0]["url"], "/api");
        assert_eq!(
            docs["components"]["securitySchemes"]["BearerAuth"]["scheme"],
            "bearer"
        );
        assert!(docs["openapi"].as_str().unwrap().starts_with("3."));
    }
}
