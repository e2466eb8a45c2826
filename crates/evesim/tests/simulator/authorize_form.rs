//! The SSO login pages work without a browser: pick a character, consent, get redirected.

// Test helpers outside #[test] fns unwrap too (allowed in tests by the workspace rules).
#![allow(clippy::unwrap_used)]

use crate::support::*;

const SCOPE: &str = "esi-characters.read_contacts.v1";

#[tokio::test]
async fn the_html_form_lists_characters_and_consent_redirects_with_code_and_state() {
    let sim = start().await;
    let ch = sim.characters()[11].clone();
    let url = authorize_url(&sim, &[SCOPE], "form-state");

    let picker = http().get(url.clone()).send().await.unwrap();
    assert_eq!(picker.status(), 200);
    let html = picker.text().await.unwrap();
    assert!(html.contains(&ch.name), "picker lists the character");
    assert!(html.contains("EVE account"), "grouped by account");
    assert!(html.contains(&format!("/image/characters/{}/portrait", ch.character_id)));

    // Server-side filter (the no-script path of the search box).
    let mut filtered = url.clone();
    filtered.query_pairs_mut().append_pair("q", &ch.name);
    let html = http()
        .get(filtered)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&ch.name));
    let other = sim
        .characters()
        .into_iter()
        .find(|c| !c.name.contains(&ch.name) && !ch.name.contains(&c.name))
        .unwrap();
    assert!(!html.contains(&format!("value=\"{}\"", other.character_id)));

    let mut consent_url = url.clone();
    consent_url
        .query_pairs_mut()
        .append_pair("character_id", &ch.character_id.to_string());
    let consent = http().get(consent_url).send().await.unwrap();
    assert_eq!(consent.status(), 200);
    let html = consent.text().await.unwrap();
    assert!(html.contains(SCOPE) && html.contains("Authorize") && html.contains("Cancel"));

    let mut form: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    form.push(("character_id".into(), ch.character_id.to_string()));
    let post = |decision: &str| {
        let mut form = form.clone();
        form.push(("decision".into(), decision.into()));
        let target = sim.sso_base_url().join("v2/oauth/authorize").unwrap();
        async move { http().post(target).form(&form).send().await.unwrap() }
    };

    let approved = post("authorize").await;
    assert_eq!(approved.status(), 302);
    let location = url::Url::parse(&header(&approved, "location").unwrap()).unwrap();
    assert!(location.as_str().starts_with(CALLBACK));
    assert_eq!(
        query_param(&location, "state").as_deref(),
        Some("form-state")
    );
    let code = query_param(&location, "code").unwrap();
    let tokens = redeem(&sim, &code).await;
    assert_eq!(tokens.status(), 200);

    let cancelled = post("cancel").await;
    assert_eq!(cancelled.status(), 302);
    let location = url::Url::parse(&header(&cancelled, "location").unwrap()).unwrap();
    assert_eq!(
        query_param(&location, "error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(
        query_param(&location, "state").as_deref(),
        Some("form-state")
    );
}

#[tokio::test]
async fn authorize_for_test_returns_the_callback_redirect() {
    let sim = start().await;
    let id = sim.characters()[2].character_id;
    let back = sim
        .authorize_for_test(&authorize_url(&sim, &[SCOPE], "t"), id)
        .await
        .unwrap();
    assert!(back.as_str().starts_with(CALLBACK));
    assert_eq!(query_param(&back, "state").as_deref(), Some("t"));
    assert!(query_param(&back, "code").is_some());
}

#[tokio::test]
async fn images_are_small_svgs() {
    let sim = start().await;
    let ch = sim.characters()[0].clone();
    let url = sim
        .image_base_url()
        .join(&format!("characters/{}/portrait?size=64", ch.character_id))
        .unwrap();
    let resp = http().get(url).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        header(&resp, "content-type").as_deref(),
        Some("image/svg+xml")
    );
    assert!(resp.text().await.unwrap().starts_with("<svg"));
    let corp = sim.corporations()[0].corporation_id;
    let logo = http()
        .get(
            sim.image_base_url()
                .join(&format!("corporations/{corp}/logo"))
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(logo.status(), 200);
}
