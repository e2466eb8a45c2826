//! A tracked corporation's members (`/tracking/{id}`) with its filters (unregistered, inactive
//! for N days, invalid token) and order, and the same members as CSV
//! (`/tracking/{id}/members.csv`).

use crate::WebState;
use crate::auth::Viewer;
use crate::error::{WebError, WebResult};
use crate::ui::IdPath;
use crate::ui::Layout;
use crate::ui::format::when;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use jumpgate_domain::CorporationId;
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::tracking::{MemberFilter, MemberOrder, MemberRow};
use serde::Deserialize;

/// The filters and order as the form and the links send them.
#[derive(Debug, Default, Deserialize)]
pub struct MembersQuery {
    #[serde(default)]
    unregistered: Option<String>,
    #[serde(default)]
    inactive_days: String,
    #[serde(default)]
    invalid_token: Option<String>,
    #[serde(default)]
    sort: String,
}

impl MembersQuery {
    fn filter(&self) -> WebResult<(MemberFilter, MemberOrder)> {
        let filter = MemberFilter {
            unregistered: self.unregistered.is_some(),
            inactive_days: MemberFilter::parse_days(&self.inactive_days)
                .map_err(WebError::BadRequest)?,
            invalid_token: self.invalid_token.is_some(),
        };
        Ok((filter, MemberOrder::parse(&self.sort)))
    }

    /// The query string of the same filters with another order (or this one, for the CSV).
    fn with_sort(&self, sort: &str) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        if self.unregistered.is_some() {
            q.append_pair("unregistered", "on");
        }
        if !self.inactive_days.trim().is_empty() {
            q.append_pair("inactive_days", self.inactive_days.trim());
        }
        if self.invalid_token.is_some() {
            q.append_pair("invalid_token", "on");
        }
        q.append_pair("sort", sort);
        q.finish()
    }
}

pub struct MemberLine {
    pub id: i64,
    pub name: String,
    pub registered: bool,
    /// The member's account, for a link to it (administrators of users only).
    pub account: Option<i64>,
    pub main: String,
    pub token: &'static str,
    pub token_bad: bool,
    pub logon: String,
    pub logoff: String,
    pub location: String,
    pub ship: String,
    pub joined: String,
}

impl From<MemberRow> for MemberLine {
    fn from(r: MemberRow) -> Self {
        let m = r.member;
        let reg = r.registration;
        Self {
            id: m.character.get(),
            name: m
                .name
                .unwrap_or_else(|| format!("Character {}", m.character)),
            registered: reg.is_some(),
            account: reg.as_ref().map(|r| r.account.get()),
            main: reg
                .as_ref()
                .and_then(|r| r.main.as_ref())
                .map(|(_, n)| n.clone())
                .unwrap_or_default(),
            token: reg.as_ref().map_or("", |r| r.token_label()),
            token_bad: reg.as_ref().is_some_and(|r| r.token_is_bad()),
            logon: when(m.logon_at),
            logoff: when(m.logoff_at),
            location: m.location.map(|l| l.label()).unwrap_or_default(),
            ship: m.ship.map(|s| s.label()).unwrap_or_default(),
            joined: when(m.start_at),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "tracking/corporation.html")]
pub struct TrackingCorporationPage {
    pub layout: Layout,
    pub id: i64,
    pub label: String,
    pub updated: String,
    pub last_error: Option<String>,
    pub total: usize,
    pub rows: Vec<MemberLine>,
    pub unused_tokens: Vec<(String, &'static str)>,
    pub has_director: bool,
    /// Whether the viewer may open accounts (`admin.users`): the mains link to them.
    pub links_accounts: bool,
    pub unregistered: bool,
    pub inactive_days: String,
    pub invalid_token: bool,
    pub filtered: bool,
    pub sort: &'static str,
    pub sort_oldest: String,
    pub sort_newest: String,
    pub sort_name: String,
    pub csv_query: String,
}

pub async fn show(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<CorporationId>,
    Query(q): Query<MembersQuery>,
) -> WebResult<TrackingCorporationPage> {
    let (filter, order) = q.filter()?;
    let page = state
        .app
        .tracking_page(&viewer.caller, id, &filter, order)
        .await?;
    Ok(TrackingCorporationPage {
        layout: viewer.layout,
        id: id.get(),
        label: page.corporation.label(),
        updated: when(page.corporation.updated_at),
        last_error: page.corporation.last_error,
        total: page.total,
        rows: page.rows.into_iter().map(MemberLine::from).collect(),
        unused_tokens: page.unused_tokens,
        has_director: page.has_director,
        links_accounts: viewer.caller.allows(Permission::ADMIN_USERS),
        unregistered: filter.unregistered,
        inactive_days: q.inactive_days.trim().to_owned(),
        invalid_token: filter.invalid_token,
        filtered: filter.is_set(),
        sort: order.as_str(),
        sort_oldest: q.with_sort(MemberOrder::LogoffOldest.as_str()),
        sort_newest: q.with_sort(MemberOrder::LogoffNewest.as_str()),
        sort_name: q.with_sort(MemberOrder::Name.as_str()),
        csv_query: q.with_sort(order.as_str()),
    })
}

pub async fn export(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<CorporationId>,
    Query(q): Query<MembersQuery>,
) -> WebResult<Response> {
    let (filter, order) = q.filter()?;
    let csv = state
        .app
        .tracking_csv(&viewer.caller, id, &filter, order)
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"jumpgate-members-{id}.csv\""),
            ),
        ],
        csv,
    )
        .into_response())
}
