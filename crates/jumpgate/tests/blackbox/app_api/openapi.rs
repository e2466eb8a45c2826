//! The application API describes itself as Neucore does: its OpenAPI document at
//! `/application-api-3.yml` (no credentials needed) and Swagger UI at `/api.html`.

use super::*;
use crate::support::plain_client;

on_both_backends!(
    the_document_and_swagger_ui_are_served_to_anyone,
    |t: TestApp| async move {
        let r = plain_client()
            .get(t.base.join("/application-api-3.yml").unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/yaml")
        );
        let text = r.text().await.unwrap();
        assert!(text.contains("/app/v2/groups/{cid}"), "{text}");
        assert!(text.contains("operationId: groupsV2"), "{text}");

        let r = plain_client()
            .get(t.base.join("/api.html").unwrap())
            .send()
            .await
            .unwrap();
        assert!(r.status().is_redirection());
        assert_eq!(r.headers()["location"], "/api-docs/");
        let r = plain_client()
            .get(t.base.join("/api-docs/").unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let page = r.text().await.unwrap();
        assert!(page.contains("swagger-ui"), "{page}");
        let r = plain_client()
            .get(t.base.join("/api-docs/swagger-initializer.js").unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(
            r.text().await.unwrap().contains("/application-api-3.yml"),
            "Swagger UI loads the application API's document"
        );
    }
);
