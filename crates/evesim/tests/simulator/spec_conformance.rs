//! The simulator's ESI surface must be CCP's: every served route exists in the vendored
//! OpenAPI spec with that method, handles every required parameter, enforces exactly the
//! spec's scope and role, and uses the spec's rate-limit group and cache age.

// Test helpers outside #[test] fns unwrap too (allowed in tests by the workspace rules).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::sync::OnceLock;

use jumpgate_evesim::esi::{COMMON_PARAMS, ROUTES};
use jumpgate_evesim::sso::scopes::ESI_SCOPES;
use serde_yaml_ng::Value;

fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spec/esi/openapi.yaml");
        let text = std::fs::read_to_string(path).expect("vendored spec");
        serde_yaml_ng::from_str(&text).expect("spec parses")
    })
}

fn operation(method: &str, path: &str) -> Option<&'static Value> {
    spec().get("paths")?.get(path)?.get(method.to_lowercase())
}

/// Resolves `$ref: '#/components/parameters/X'`.
fn resolve(param: &'static Value) -> &'static Value {
    match param.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap();
            &spec()["components"]["parameters"][name]
        }
        None => param,
    }
}

fn parameters(op: &'static Value) -> Vec<(String, bool)> {
    op.get("parameters")
        .and_then(Value::as_sequence)
        .map(|ps| {
            ps.iter()
                .map(resolve)
                .map(|p| {
                    (
                        p["name"].as_str().unwrap().to_owned(),
                        p.get("required").and_then(Value::as_bool).unwrap_or(false),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_served_route_exists_in_the_spec_with_that_method() {
    for r in ROUTES {
        assert!(
            operation(r.method, r.path).is_some(),
            "{} {} is not in CCP's spec",
            r.method,
            r.path
        );
    }
}

#[test]
fn the_route_table_has_no_duplicates() {
    let mut seen = BTreeSet::new();
    for r in ROUTES {
        assert!(
            seen.insert((r.method, r.path)),
            "{} {} twice",
            r.method,
            r.path
        );
    }
}

#[test]
fn every_required_parameter_is_handled_and_every_handled_one_exists() {
    for r in ROUTES {
        let op = operation(r.method, r.path).unwrap();
        let params = parameters(op);
        for (name, required) in &params {
            if *required {
                assert!(
                    r.params.contains(&name.as_str()) || COMMON_PARAMS.contains(&name.as_str()),
                    "{} {}: required parameter {name} not handled",
                    r.method,
                    r.path
                );
            }
        }
        for handled in r.params.iter().filter(|p| **p != "body") {
            assert!(
                params.iter().any(|(n, _)| n == handled),
                "{} {}: handles {handled}, which the spec does not define",
                r.method,
                r.path
            );
        }
        let body_required = op
            .get("requestBody")
            .and_then(|b| b.get("required"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        assert_eq!(
            body_required,
            r.params.contains(&"body"),
            "{} {}: request body handling differs from the spec",
            r.method,
            r.path
        );
    }
}

#[test]
fn the_enforced_scope_is_the_spec_security_scope() {
    for r in ROUTES {
        let op = operation(r.method, r.path).unwrap();
        let spec_scopes: Vec<&str> = op
            .get("security")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
            .filter_map(|s| s.get("OAuth2").and_then(Value::as_sequence))
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let ours: Vec<&str> = r.scope.into_iter().collect();
        assert_eq!(ours, spec_scopes, "{} {}: scope", r.method, r.path);
    }
}

#[test]
fn required_roles_rate_limits_and_cache_ages_match_the_spec() {
    for r in ROUTES {
        let op = operation(r.method, r.path).unwrap();
        let roles: Vec<&str> = op
            .get("x-required-roles")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(
            roles,
            r.required_role.into_iter().collect::<Vec<_>>(),
            "{} {}: roles",
            r.method,
            r.path
        );

        let limit = op.get("x-rate-limit").map(|l| {
            assert_eq!(l["window-size"].as_str(), Some("15m"));
            (
                l["group"].as_str().unwrap().to_owned(),
                l["max-tokens"].as_u64().unwrap() as u32,
            )
        });
        assert_eq!(
            limit,
            r.rate_limit.map(|l| (l.group.to_owned(), l.max_tokens)),
            "{} {}: rate limit",
            r.method,
            r.path
        );

        let cache_age = op.get("x-cache-age").and_then(Value::as_u64);
        assert_eq!(
            cache_age, r.cache_age,
            "{} {}: x-cache-age",
            r.method, r.path
        );
    }
}

#[test]
fn the_sso_accepts_exactly_the_spec_scopes() {
    let spec_scopes: BTreeSet<&str> =
        spec()["components"]["securitySchemes"]["OAuth2"]["flows"]["authorizationCode"]["scopes"]
            .as_mapping()
            .unwrap()
            .keys()
            .filter_map(Value::as_str)
            .collect();
    let ours: BTreeSet<&str> = ESI_SCOPES.iter().copied().collect();
    assert_eq!(ours, spec_scopes);
}
