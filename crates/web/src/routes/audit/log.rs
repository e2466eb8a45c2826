//! The audit log (`/admin/audit`): people and things by name, linked to their pages, details as
//! key/value lines, filters by name or id; the same entries as CSV (`/admin/audit.csv`), with
//! ids and names.

use crate::WebState;
use crate::auth::Viewer;
use crate::error::{WebError, WebResult};
use crate::ui::id_path::form_number;
use crate::ui::{Layout, RenderedRows, when};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use jumpgate_app::audit::STANDINGS_PREFIX;
use jumpgate_app::audit::names::{AuditNames, Named};
use jumpgate_domain::audit::AuditEntry;
use jumpgate_domain::permissions::Permission;
use jumpgate_store::AuditFilter;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use time::OffsetDateTime;

/// An actor or target as the page shows it.
#[derive(Debug, Clone, Default)]
pub struct Who {
    /// A name, or the reference as the log writes it when there is none.
    pub text: String,
    /// What kind of thing, when it is named ("account #12", "alliance").
    pub note: String,
    /// Its page, when the viewer may open it; empty otherwise.
    pub href: String,
    /// A character portrait; empty for anything else.
    pub portrait: String,
}

#[derive(Debug, Clone)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub actor: Who,
    pub action: String,
    pub target: Who,
    /// The details as key/value lines (a value that is not text stays JSON).
    pub details: Vec<(String, String)>,
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
    /// The entries shown, rendered once per read of their names ([`AuditRowsCache`]).
    pub rows: Arc<str>,
    /// The query of the next, older page; empty when this page holds the oldest entries.
    pub older: String,
    /// Whether this is an older page (not the newest entries).
    pub paged: bool,
}

#[derive(Template)]
#[template(path = "audit/log_rows.html")]
pub struct AuditRows {
    pub rows: Vec<AuditRow>,
}

/// Which of the pages the rows link to a viewer may open: the links are part of the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Links {
    users: bool,
    standings: bool,
    states: bool,
}

impl Links {
    fn of(viewer: &Viewer) -> Self {
        let may = |p: &str| viewer.caller.grants().allows(p);
        Self {
            users: may(Permission::ADMIN_USERS),
            standings: may(Permission::STANDINGS_MANAGE),
            states: may(Permission::ADMIN_STATES),
        }
    }
}

/// The rows as HTML by the entries they show and the links the viewer may follow, kept with
/// the names they were rendered with: an entry never changes once written, and the names are
/// read again only when a change counter they follow moved (`App::audit_names`), so a page
/// viewed again is not rendered again (a hundred named rows were a third of a view's time).
pub type AuditRowsCache = RenderedRows<AuditNames, (Vec<i64>, Links)>;

/// Entries per view, newest first; one more is read to know whether older ones follow.
const ENTRIES_PER_PAGE: usize = 100;
const READ_PER_PAGE: i64 = 101;

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
    /// The page after the one that ended with the entry before this id (newest first).
    #[serde(default)]
    before: String,
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
        before: match q.before.trim() {
            "" => None,
            id => Some(form_number("log entry", id)?),
        },
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

/// How the page shows `named`, with a link only where the viewer may go (`links`).
fn who(named: Named, links: Links, layout: &Layout) -> Who {
    let link = |may: bool, href: String| if may { href } else { String::new() };
    match named {
        Named::Account { id, main } => Who {
            text: main.map_or_else(|| format!("Account #{id}"), |(_, name)| name.to_owned()),
            note: format!("account #{id}"),
            href: link(links.users, format!("/admin/users/{id}")),
            portrait: main.map_or_else(String::new, |(c, _)| layout.portrait(c.get(), 32)),
        },
        Named::Character { id, name, account } => Who {
            text: name.to_owned(),
            note: format!("character {id}"),
            href: link(links.users, format!("/admin/users/{account}")),
            portrait: layout.portrait(id.get(), 32),
        },
        Named::Entity { id, kind, name } => Who {
            note: format!("{kind} {id}"),
            href: link(
                links.standings,
                format!(
                    "/standings/entries?{}",
                    url::form_urlencoded::Serializer::new(String::new())
                        .append_pair("name", name)
                        .finish()
                ),
            ),
            text: name.to_owned(),
            portrait: String::new(),
        },
        Named::State { id, name } => Who {
            text: name.to_owned(),
            note: "state".to_owned(),
            href: link(links.states, format!("/admin/states/{id}")),
            portrait: String::new(),
        },
        Named::Other(text) => Who {
            text: text.into_owned(),
            ..Who::default()
        },
    }
}

/// An entry's details as lines: each key of an object with its value (text as it is, anything
/// else as JSON); a detail that is not an object, as one line.
fn detail_lines(details: &serde_json::Value) -> Vec<(String, String)> {
    let shown = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match details {
        serde_json::Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), shown(v))).collect(),
        serde_json::Value::Null => Vec::new(),
        other => vec![(String::new(), shown(other))],
    }
}

fn row(e: &AuditEntry, names: &AuditNames, links: Links, layout: &Layout) -> AuditRow {
    AuditRow {
        id: e.id,
        at: when(Some(e.at)),
        actor: who(names.actor(&e.actor), links, layout),
        action: e.action.clone(),
        target: who(names.target(&e.target), links, layout),
        details: detail_lines(&e.details),
    }
}

/// The filter a query asks for, its names turned into the log's references.
async fn resolved_filter(
    state: &WebState,
    viewer: &Viewer,
    q: &AuditQuery,
    limit: i64,
) -> WebResult<AuditFilter> {
    let mut f = filter(q, limit)?;
    let app = &state.app;
    let resolve = |typed: &Option<String>, as_actor: bool| {
        let typed = typed.clone().unwrap_or_default();
        async move {
            let r = app
                .audit_reference(&viewer.caller, &typed, as_actor)
                .await?;
            Ok::<_, WebError>((!r.is_empty()).then_some(r))
        }
    };
    f.actor = resolve(&f.actor, true).await?;
    f.target = resolve(&f.target, false).await?;
    Ok(f)
}

pub async fn list(
    State(state): State<WebState>,
    viewer: Viewer,
    Query(mut q): Query<AuditQuery>,
) -> WebResult<AuditPage> {
    authorise(&viewer, &mut q)?;
    let entries = state
        .app
        .audit_page(
            &viewer.caller,
            resolved_filter(&state, &viewer, &q, READ_PER_PAGE).await?,
        )
        .await?;
    // One more than a page is read to know whether older entries follow.
    let older = match entries.get(ENTRIES_PER_PAGE) {
        Some(_) => format!(
            "{}&before={}",
            serde_urlencoded_like(&q),
            entries[ENTRIES_PER_PAGE - 1].id
        ),
        None => String::new(),
    };
    let paged = !q.before.trim().is_empty();
    let entries = &entries[..entries.len().min(ENTRIES_PER_PAGE)];
    let names = state.app.audit_names(&viewer.caller, entries).await?;
    let links = Links::of(&viewer);
    let shown = entries.iter().map(|e| e.id).collect();
    let rows = state.audit_rows.get_or_render(&names, (shown, links), || {
        let rows = entries
            .iter()
            .map(|e| row(e, &names, links, &viewer.layout))
            .collect();
        AuditRows { rows }
            .render()
            .map_err(|e| WebError::Internal(format!("the audit log's rows: {e}")))
    })?;
    let export_query = serde_urlencoded_like(&q);
    Ok(AuditPage {
        rows,
        older,
        paged,
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
        .audit_entries(
            &viewer.caller,
            resolved_filter(&state, &viewer, &q, 100_000).await?,
        )
        .await?;
    let names = state.app.audit_names(&viewer.caller, &entries).await?;
    let links = Links::of(&viewer);
    let name_of = |named: Named| match named {
        Named::Other(_) => String::new(),
        named => who(named, links, &viewer.layout).text,
    };
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
            "actor_name",
            "action",
            "target",
            "target_name",
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
                name_of(names.actor(&e.actor)),
                e.action.clone(),
                e.target.clone(),
                name_of(names.target(&e.target)),
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
