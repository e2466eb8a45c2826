//! Bulk POST lookups and contact writes: batching, de-duplication, the names 404 ladder.

use crate::esi::harness::*;
use jumpgate_domain::{AllianceId, CharacterId, CorporationId};
use jumpgate_eve::esi::ContactWrite;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, Request, ResponseTemplate};

fn ids_in(req: &Request) -> Vec<i64> {
    serde_json::from_slice(&req.body).unwrap_or_default()
}

#[tokio::test]
async fn affiliations_are_asked_in_batches_of_at_most_1000_unique_ids() {
    let esi = Esi::start().await;
    Mock::given(method("POST"))
        .and(path("/characters/affiliation"))
        .respond_with(|req: &Request| {
            let rows: Vec<Value> = ids_in(req)
                .into_iter()
                .map(|id| json!({"character_id": id, "corporation_id": 98000001, "alliance_id": 99000001}))
                .collect();
            ResponseTemplate::new(200).set_body_json(rows)
        })
        .mount(&esi.server)
        .await;
    let mut ids: Vec<CharacterId> = (1..=1500).map(CharacterId).collect();
    ids.extend((1..=100).map(CharacterId)); // repeats are sent once
    let affs = esi.client.affiliations(&ids).await.expect("affiliations");
    assert_eq!(affs.len(), 1500);
    assert_eq!(affs[0].corporation, CorporationId(98_000_001));
    assert_eq!(affs[0].alliance, Some(AllianceId(99_000_001)));
    let sizes: Vec<usize> = esi
        .bodies()
        .await
        .iter()
        .map(|b| b.as_array().map_or(0, Vec::len))
        .collect();
    assert_eq!(sizes, vec![1000, 500]);
    assert!(esi.client.affiliations(&[]).await.expect("none").is_empty());
    assert_eq!(esi.requests().await, 2, "an empty list sends nothing");
}

#[tokio::test]
async fn universe_names_split_a_refused_batch_and_drop_the_id_that_fails_alone() {
    let esi = Esi::start().await;
    Mock::given(method("POST"))
        .and(path("/universe/names"))
        .respond_with(|req: &Request| {
            let ids = ids_in(req);
            if ids.contains(&13) {
                return ResponseTemplate::new(404)
                    .set_body_json(json!({"error": "Ensure all IDs are valid before resolving."}));
            }
            let names: Vec<Value> = ids
                .into_iter()
                .map(|id| json!({"id": id, "name": format!("n{id}"), "category": "character"}))
                .collect();
            ResponseTemplate::new(200).set_body_json(names)
        })
        .mount(&esi.server)
        .await;
    let ids: Vec<i64> = (1..=25).collect();
    let names = esi.client.universe_names(&ids).await.expect("names");
    let mut got: Vec<i64> = names.iter().map(|n| n.id).collect();
    got.sort_unstable();
    let expected: Vec<i64> = (1..=25).filter(|&i| i != 13).collect();
    assert_eq!(got, expected);
    // 25 → [1-10 ok, 11-20 → ten singles, 21-25 ok]
    assert_eq!(esi.requests().await, 1 + 3 + 10);
}

#[tokio::test]
async fn universe_ids_merge_batches_of_500_names() {
    let esi = Esi::start().await;
    Mock::given(method("POST"))
        .and(path("/universe/ids"))
        .respond_with(|req: &Request| {
            let names: Vec<String> = serde_json::from_slice(&req.body).unwrap_or_default();
            let first = names.first().cloned().unwrap_or_default();
            ResponseTemplate::new(200)
                .set_body_json(json!({"characters": [{"id": names.len(), "name": first}]}))
        })
        .mount(&esi.server)
        .await;
    let names: Vec<String> = (0..600).map(|i| format!("Pilot {i}")).collect();
    let ids = esi.client.universe_ids(&names).await.expect("ids");
    let sizes: Vec<Option<i64>> = ids.characters.iter().map(|c| c.id).collect();
    assert_eq!(sizes, vec![Some(500), Some(100)]);
    assert!(ids.alliances.is_empty());
}

#[tokio::test]
async fn contact_writes_batch_100_per_post_and_20_per_delete() {
    let esi = Esi::start().await;
    Mock::given(method("POST"))
        .and(path("/characters/2112000001/contacts"))
        .and(query_param("standing", "10"))
        .and(query_param("watched", "false"))
        .and(query_param("label_ids", "7"))
        .respond_with(|req: &Request| ResponseTemplate::new(201).set_body_json(ids_in(req)))
        .expect(2)
        .mount(&esi.server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/characters/2112000001/contacts"))
        .respond_with(ResponseTemplate::new(204))
        .expect(3)
        .mount(&esi.server)
        .await;
    let me = CharacterId(CHARACTER);
    let write = ContactWrite {
        standing: 10.0,
        label_ids: vec![7],
        watched: false,
    };
    let ids: Vec<i64> = (1..=150).collect();
    let created = esi
        .client
        .add_contacts(me, "t", &ids, &write)
        .await
        .expect("added");
    assert_eq!(created.len(), 150);
    esi.client
        .delete_contacts(me, "t", &ids[..45])
        .await
        .expect("deleted");
    let deletes: Vec<usize> = esi
        .server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.method.as_str() == "DELETE")
        .map(|r| {
            r.url
                .query_pairs()
                .filter(|(k, _)| k == "contact_ids")
                .count()
        })
        .collect();
    assert_eq!(deletes, vec![20, 20, 5]);
}
