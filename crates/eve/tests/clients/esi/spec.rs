//! Every route the client calls exists in CCP's spec with that method, and every query
//! parameter it may send is declared there; rate-limit groups match `x-rate-limit`.

use jumpgate_eve::esi::routes::ALL;
use serde_yaml_ng::Value;
use std::sync::LazyLock;

static SPEC: LazyLock<Value> = LazyLock::new(|| {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spec/esi/openapi.yaml");
    let text = std::fs::read_to_string(path).expect("spec/esi/openapi.yaml");
    serde_yaml_ng::from_str(&text).expect("yaml")
});

fn operation(template: &str, method: &str) -> Option<&'static Value> {
    SPEC.get("paths")?.get(template)?.get(method)
}

#[test]
fn every_route_exists_in_the_spec_with_its_method() {
    for route in ALL {
        let method = route.method.as_str().to_ascii_lowercase();
        assert!(
            operation(route.template, &method).is_some(),
            "{} {} is not in spec/esi/openapi.yaml",
            route.method.as_str(),
            route.template
        );
    }
}

#[test]
fn every_query_parameter_sent_is_declared_for_its_route() {
    for route in ALL {
        let method = route.method.as_str().to_ascii_lowercase();
        let op = operation(route.template, &method).expect("operation");
        let declared: Vec<&str> = op["parameters"]
            .as_sequence()
            .into_iter()
            .flatten()
            .filter(|p| p["in"].as_str() == Some("query"))
            .filter_map(|p| p["name"].as_str())
            .collect();
        for q in route.query {
            assert!(
                declared.contains(q),
                "{} {} does not declare query parameter {q}",
                route.method.as_str(),
                route.template
            );
        }
    }
}

#[test]
fn rate_limit_groups_match_the_spec() {
    for route in ALL {
        let method = route.method.as_str().to_ascii_lowercase();
        let op = operation(route.template, &method).expect("operation");
        let spec_group = op
            .get("x-rate-limit")
            .and_then(|r| r.get("group"))
            .and_then(Value::as_str);
        assert_eq!(
            route.group,
            spec_group,
            "{} {}",
            route.method.as_str(),
            route.template
        );
    }
}

#[test]
fn the_pinned_compatibility_date_is_the_spec_version() {
    assert_eq!(
        SPEC["info"]["version"].as_str(),
        Some(jumpgate_eve::esi::COMPATIBILITY_DATE)
    );
}
