//! Member tracking (`app-tracking`): a corporation's members as the last update listed them,
//! with Neucore's filters (`inactive`, `active`, `account`).

use super::AppCaller;
use super::characters::corporation_id;
use super::json::CorporationMemberJson;
use crate::WebState;
use crate::api::error::ApiResult;
use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use axum::{Json, Router};
use jumpgate_domain::tracking::AppMemberFilter;
use std::collections::HashMap;

pub fn router() -> Router<WebState> {
    Router::new().route(
        "/api/app/v1/corporation/{id}/member-tracking",
        get(member_tracking),
    )
}

/// Return corporation member tracking data.
#[utoipa::path(
    get,
    path = "/app/v1/corporation/{id}/member-tracking",
    operation_id = "memberTrackingV1",
    tag = "Application - Tracking",
    description = "Needs role: app-tracking",
    params(
        ("id" = i64, Path, description = "EVE corporation ID."),
        ("inactive" = Option<i64>, Query, description = "Limit to members who have been inactive for x days or longer."),
        ("active" = Option<i64>, Query, description = "Limit to members who were active in the last x days."),
        ("account" = Option<String>, Query, description = "Limit to members with (true) or without (false) an account."),
    ),
    security(("BearerAuth" = [])),
    responses(
        (status = 200, description = "Members ordered by logonDate descending (character and player properties excluded).", body = Vec<CorporationMemberJson>),
        (status = 403, description = "Not authorized."),
        (status = 500, description = "", body = String, content_type = "application/json"),
    )
)]
pub(super) async fn member_tracking(
    State(state): State<WebState>,
    AppCaller(caller): AppCaller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<CorporationMemberJson>>> {
    let corporation = corporation_id(&id)?;
    // Read by hand, as PHP reads a query: never refused, and a repeated name's last value wins.
    let query: HashMap<String, String> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let value = |name: &str| query.get(name).map(String::as_str);
    let filter = AppMemberFilter::from_query(value("inactive"), value("active"), value("account"));
    let members = state
        .app
        .member_tracking_for_app(&caller, corporation, &filter)
        .await?;
    Ok(Json(
        members.iter().map(CorporationMemberJson::from).collect(),
    ))
}
