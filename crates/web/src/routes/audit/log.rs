//! The audit log (`/admin/audit`): filters, and the same entries as CSV (`/admin/audit.csv`).

use crate::WebState;
use crate::auth::Viewer;
use crate::error::{WebError, WebResult};
use crate::ui::{Layout, when};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use jumpgate_app::audit::STANDINGS_PREFIX;
use jumpgate_domain::audit::AuditEntry;
use jumpgate_domain::permissions::Permission;
use jumpgate_store::AuditFilter;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Clone)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub details: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "audit/log.html")]
pub struct AuditPage {
    pub layout: Layout,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub since: String,
    pub until: String,
    pub export_query: String,
    pub rows: Vec<AuditRow>,
}

#[derive(Deserialize, Serialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    since: String,
    #[serde(default)]
    until: String,
}

fn date(field: &str, value: &str, end_of_day: bool) -> WebResult<Option<OffsetDateTime>> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let day = time::Date::parse(value.trim(), &format).map_err(|_| {
        WebError::BadRequest(format!(
            "'{value}' is not a date for '{field}': use YYYY-MM-DD"
        ))
    })?;
    let t = if end_of_day {
        day.next_day().unwrap_or(day).midnight()
    } else {
        day.midnight()
    };
    Ok(Some(t.assume_utc()))
}

fn filter(q: &AuditQuery, limit: i64) -> WebResult<AuditFilter> {
    let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    Ok(AuditFilter {
        actor: opt(&q.actor),
        action_prefix: opt(&q.action),
        target: opt(&q.target),
        since: date("since", &q.since, false)?,
        until: date("until", &q.until, true)?,
        limit,
    })
}

/// Who may read which part of the log: `admin.audit` everything; `standings.audit` only the
/// standings actions (the action filter is narrowed to `standings.`, so the form shows what was
/// read). `App::audit_entries` enforces the same.
fn authorise(viewer: &Viewer, q: &mut AuditQuery) -> WebResult<()> {
    if viewer.caller.grants().allows(Permission::ADMIN_AUDIT) {
        return Ok(());
    }
    if viewer.caller.grants().allows(Permission::STANDINGS_AUDIT) {
        if !q.action.trim().starts_with(STANDINGS_PREFIX) {
            STANDINGS_PREFIX.clone_into(&mut q.action);
        }
        return Ok(());
    }
    viewer.require(Permission::ADMIN_AUDIT)
}

fn row(e: &AuditEntry) -> AuditRow {
    AuditRow {
        id: e.id,
        at: when(Some(e.at)),
        actor: e.actor.to_text(),
        action: e.action.clone(),
        target: e.target.clone(),
        details: e.details.to_string(),
    }
}

pub async fn list(
    State(state): State<WebState>,
    viewer: Viewer,
    Query(mut q): Query<AuditQuery>,
) -> WebResult<AuditPage> {
    authorise(&viewer, &mut q)?;
    let entries = state
        .app
        .audit_entries(&viewer.caller, filter(&q, 500)?)
        .await?;
    let export_query = serde_urlencoded_like(&q);
    Ok(AuditPage {
        rows: entries.iter().map(row).collect(),
        actor: q.actor,
        action: q.action,
        target: q.target,
        since: q.since,
        until: q.until,
        export_query,
        layout: viewer.layout,
    })
}

fn serde_urlencoded_like(q: &AuditQuery) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("actor", &q.actor)
        .append_pair("action", &q.action)
        .append_pair("target", &q.target)
        .append_pair("since", &q.since)
        .append_pair("until", &q.until)
        .finish()
}

pub async fn export(
    State(state): State<WebState>,
    viewer: Viewer,
    Query(mut q): Query<AuditQuery>,
) -> WebResult<Response> {
    authorise(&viewer, &mut q)?;
    let entries = state
        .app
        .audit_entries(&viewer.caller, filter(&q, 100_000)?)
        .await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let write = |out: &mut csv::Writer<Vec<u8>>, rec: &[String]| {
        out.write_record(rec)
            .map_err(|e| WebError::Internal(e.to_string()))
    };
    write(
        &mut out,
        &[
            "id",
            "at",
            "actor",
            "action",
            "target",
            "details",
            "prev_hash",
            "hash",
        ]
        .map(str::to_owned),
    )?;
    for e in &entries {
        write(
            &mut out,
            &[
                e.id.to_string(),
                e.at.format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
                e.actor.to_text(),
                e.action.clone(),
                e.target.clone(),
                e.details.to_string(),
                e.prev_hash.clone(),
                e.hash.clone(),
            ],
        )?;
    }
    let body = out
        .into_inner()
        .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"jumpgate-audit.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}
