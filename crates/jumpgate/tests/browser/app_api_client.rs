//! A client generated from Neucore's `application-api-2.4.0.yaml` (swagger-client, in
//! `tests/browser/app-api-client.mjs`) calls every read operation Jumpgate serves against a
//! running Jumpgate, as the tools written for Neucore would: each answers 2xx with a body the
//! client reads, and each is in Jumpgate's own document. The
//! ESI proxy is left to its own black-box tests: it needs ESI answers, not a client. Needs
//! `node` and `npm ci` in `tests/browser` (as `.ci/run` does).

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::node as browser;
use crate::support::{Backend, TestApp};
use base64::Engine;
use jumpgate_app::Caller;
use jumpgate_app::apps::AppGrant;
use jumpgate_domain::apps::AppRole;
use jumpgate_domain::groups::{Group, MembershipSource};
use jumpgate_store::NewMembership;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(90);
/// The standings' EVE login, given to the application for the EVE-login operations.
const SYNC: &str = "standings.sync";

/// The operations that read (the bulk POSTs read too); the ESI proxy's are left out.
fn is_read(operation: &str) -> bool {
    !operation.starts_with("esi")
        || operation.starts_with("esiEveLogin")
        || operation.starts_with("esiAccessToken")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_generated_from_neucores_document_reads_every_operation_jumpgate_serves() {
    browser::require_node();
    let t = TestApp::spawn(Backend::Sqlite).await;
    let characters = t.sim.characters();
    let member = characters
        .iter()
        .find(|c| {
            c.alliance_id.is_some() && !c.biomassed && c.owner_hash != characters[0].owner_hash
        })
        .unwrap()
        .clone();
    t.browser().login_ok(characters[0].character_id).await;
    let browser = t.browser();
    browser.login_ok(member.character_id).await;
    // A login besides `core.default`, whose token data Jumpgate (like Neucore) never hands out.
    let r = browser.login_with(SYNC, member.character_id).await;
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER, "sync login");
    let account = t.account_of(member.character_id).await;
    let group = t.store.save_group(&Group::new("Pilots")).await.unwrap().id;
    t.store
        .add_group_member(&NewMembership {
            group,
            account,
            source: MembershipSource::Manual,
            source_ref: None,
            added_by: None,
        })
        .await
        .unwrap();
    let cli = Caller::cli("test");
    let app = t.app.create_app(&cli, "Generated client").await.unwrap();
    t.app
        .grant_app(
            &cli,
            app,
            &AppGrant {
                roles: AppRole::GIVEN.to_vec(),
                groups: vec![group.to_string()],
                eve_logins: vec!["core.default".to_owned(), SYNC.to_owned()],
            },
        )
        .await
        .unwrap();
    let secret = t.app.make_app_secret(&cli, app).await.unwrap();

    // Neucore's document, its server pointed at this Jumpgate.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../spec/neucore/application-api-2.4.0.yaml"
    );
    let mut spec: Value = serde_yaml_ng::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    spec["servers"] = json!([{"url": t.base.join("api").unwrap().as_str()}]);
    let dir = tempfile::tempdir().unwrap();
    let spec_file = dir.path().join("application-api-2.4.0.json");
    std::fs::write(&spec_file, serde_json::to_vec(&spec).unwrap()).unwrap();

    // What Jumpgate's own document says it serves.
    let ours: Value = serde_yaml_ng::from_str(
        &reqwest::get(t.base.join("application-api-3.yml").unwrap())
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    let served: BTreeSet<String> = ours["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|op| op["operationId"].as_str().map(str::to_owned))
        .collect();

    let (character, corporation) = (member.character_id, member.corporation_id);
    let alliance = member.alliance_id.unwrap();
    let mut calls = Vec::new();
    for item in spec["paths"].as_object().unwrap().values() {
        for (method, op) in item.as_object().unwrap() {
            let operation = op["operationId"].as_str().unwrap();
            if !is_read(operation) {
                continue;
            }
            assert!(
                served.contains(operation),
                "{operation} of 2.4.0 is not in Jumpgate's document"
            );
            let parameters = match operation {
                o if o.starts_with("corpGroups") => json!({"cid": corporation}),
                o if o.starts_with("allianceGroups") => json!({"aid": alliance}),
                "playerCharactersV1" => json!({"playerId": account.get()}),
                "corporationPlayersV1" | "corporationCharactersV1" => {
                    json!({"corporationId": corporation})
                }
                "groupMembersV1" => json!({"groupId": group.get()}),
                "groupsWithFallbackV1" => {
                    json!({"character": character, "corporation": corporation, "alliance": alliance})
                }
                "memberTrackingV1" => json!({"id": corporation}),
                o if o.starts_with("esiEveLogin") => json!({"name": SYNC}),
                _ => json!({"cid": character, "characterId": character}),
            };
            let body = match operation {
                "corpGroupsBulkV1" => Some(json!([corporation])),
                "allianceGroupsBulkV1" => Some(json!([alliance])),
                _ if method == "post" => Some(json!([character])),
                _ => None,
            };
            calls.push(
                json!({"operationId": operation, "parameters": parameters, "requestBody": body}),
            );
        }
    }
    assert!(calls.len() >= 4, "at least show and the groups are called");
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{app}:{secret}"));
    let env = [
        ("SPEC_JSON", spec_file.display().to_string()),
        ("APP_TOKEN", token),
        ("CALLS", serde_json::to_string(&calls).unwrap()),
    ];
    let out = browser::run_script("app-api-client.mjs", &t.base, &env, TIMEOUT).await;
    assert!(
        out.iter()
            .any(|l| l == &format!("OK {} operations answered", calls.len())),
        "{out:?}"
    );
}
