//! images.evetech.net stand-in under `/image`: a small SVG with the entity's initials on a
//! colour derived from its id, so pages look alive offline.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::pages::escape;
use crate::state::{Shared, lock};

pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/image/characters/{id}/portrait", get(image))
        .route("/image/corporations/{id}/logo", get(image))
        .route("/image/alliances/{id}/logo", get(image))
}

async fn image(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> impl IntoResponse {
    // CCP also accepts "…/portrait.jpg"-style ids; keep the digits only.
    let id: i64 = id
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or(0);
    let name = lock(&shared.world)
        .name_of(id)
        .unwrap_or_else(|| "?".to_owned());
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        svg(id, &name),
    )
}

pub fn svg(id: i64, name: &str) -> String {
    let initials: String = name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .collect::<String>()
        .to_uppercase();
    let hue = id.rem_euclid(360);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 64 64\" width=\"64\" height=\"64\">\
         <rect width=\"64\" height=\"64\" fill=\"hsl({hue},45%,38%)\"/>\
         <text x=\"32\" y=\"41\" font-family=\"system-ui,sans-serif\" font-size=\"24\" font-weight=\"600\" \
         text-anchor=\"middle\" fill=\"#fff\">{}</text></svg>",
        escape(&initials)
    )
}
