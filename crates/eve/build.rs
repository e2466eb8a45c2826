//! Generates the catalogue of every ESI operation from CCP's spec (`spec/esi/openapi.yaml`), so
//! that requests Jumpgate passes on for others (the application API's ESI proxy) are checked
//! against the spec itself and never against a list kept by hand: method and path, which routes
//! are authenticated (those with `security`), their rate-limit groups and query parameters.
//! The table lands in `$OUT_DIR/esi_operations.rs`, included by `esi/operations.rs`.

use serde_yaml_ng::Value;
use std::fmt::Write as _;

const SPEC: &str = "../../spec/esi/openapi.yaml";

fn main() {
    println!("cargo:rerun-if-changed={SPEC}");
    println!("cargo:rerun-if-changed=build.rs");
    let text = std::fs::read_to_string(SPEC).expect("spec/esi/openapi.yaml is readable");
    let spec: Value = serde_yaml_ng::from_str(&text).expect("spec/esi/openapi.yaml is YAML");
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"))
        .join("esi_operations.rs");
    std::fs::write(out, catalogue(&spec)).expect("the catalogue is written");
}

fn catalogue(spec: &Value) -> String {
    let paths = spec["paths"].as_mapping().expect("the spec has paths");
    let mut rows = String::new();
    for (template, item) in paths {
        let template = template.as_str().expect("a path is text");
        let item = item.as_mapping().expect("a path item is a map");
        for (method, op) in item {
            let Some(method) = method_of(method.as_str().unwrap_or_default()) else {
                continue;
            };
            rows.push_str(&row(spec, template, method, op));
        }
    }
    format!("pub(crate) static OPERATIONS: &[Operation] = &[\n{rows}];\n")
}

fn method_of(name: &str) -> Option<&'static str> {
    match name {
        "get" => Some("Get"),
        "post" => Some("Post"),
        "put" => Some("Put"),
        "delete" => Some("Delete"),
        _ => None,
    }
}

fn row(spec: &Value, template: &str, method: &str, op: &Value) -> String {
    let parameters: Vec<&Value> = op["parameters"]
        .as_sequence()
        .map(|s| s.iter().collect())
        .unwrap_or_default();
    let query: Vec<String> = parameters
        .iter()
        .filter(|p| p["in"].as_str() == Some("query"))
        .filter_map(|p| p["name"].as_str())
        .map(|n| format!("{n:?}"))
        .collect();
    let group = match op["x-rate-limit"]["group"].as_str() {
        Some(g) => format!("Some({g:?})"),
        None => "None".to_owned(),
    };
    let scopes: Vec<String> = op["security"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter_map(|s| s["OAuth2"].as_sequence())
        .flatten()
        .filter_map(Value::as_str)
        .map(|s| format!("{s:?}"))
        .collect();
    let authenticated = op["security"].as_sequence().is_some_and(|s| !s.is_empty());
    let mut segments = String::new();
    for segment in template.trim_start_matches('/').split('/') {
        let piece = match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                if placeholder_is_integer(spec, &parameters, name) {
                    "Segment::Integer".to_owned()
                } else {
                    "Segment::Text".to_owned()
                }
            }
            None => format!("Segment::Literal({segment:?})"),
        };
        let _ = write!(segments, "{piece}, ");
    }
    format!(
        "    Operation {{ route: Route {{ method: Method::{method}, template: {template:?}, group: {group}, \
         query: &[{query}], idempotent: {idempotent} }}, authenticated: {authenticated}, scopes: &[{scopes}], \
         segments: &[{segments}] }},\n",
        query = query.join(", "),
        idempotent = method == "Get",
        scopes = scopes.join(", "),
    )
}

/// Whether the path parameter `name` is an integer (most are ids; a few are text: hashes, uuids).
fn placeholder_is_integer(spec: &Value, parameters: &[&Value], name: &str) -> bool {
    let Some(p) = parameters
        .iter()
        .find(|p| p["in"].as_str() == Some("path") && p["name"].as_str() == Some(name))
    else {
        return false;
    };
    let mut schema = &p["schema"];
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap_or_default();
        schema = &spec["components"]["schemas"][name];
    }
    schema["type"].as_str() == Some("integer")
}
