//! The standings database (`/standings/entries`): filters, add/edit/delete, bulk delete, CSV
//! import and export, import from an alliance's or corporation's contacts.

use super::forms::parse_standing;
use super::operations;
use crate::WebState;
use crate::auth::Viewer;
use crate::error::{WebError, WebResult};
use crate::session;
use crate::ui::id_path::{PathId, form_number};
use crate::ui::pager::{self, requested_page};
use crate::ui::{IdPath, Layout, Pager, RenderedRows, when};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jumpgate_app::standings::workflow::IMPORT_LOGIN;
use jumpgate_app::standings::workflow::StandingsFilter;
use jumpgate_app::standings::workflow::bulk::BulkWork;
use jumpgate_app::standings::workflow::entries::check_standings_csv;
use jumpgate_domain::CharacterId;
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::standings::{Entity, EntityKind, Standing};
use jumpgate_store::StandingsEntry;
use serde::Deserialize;
use std::str::FromStr;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct EntryRow {
    pub kind: String,
    pub id: i64,
    pub name: String,
    pub standing: String,
    /// `positive`, `neutral`, `negative`.
    pub tone: String,
    pub notes: String,
    pub source: String,
    pub updated: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "standings/entries.html")]
pub struct EntriesPage {
    pub layout: Layout,
    /// The page's rows, rendered once per database read, filter and page
    /// ([`EntriesRowsCache`]).
    pub rows: Arc<str>,
    pub rows_empty: bool,
    pub kind: String,
    pub min: String,
    pub max: String,
    pub name: String,
    pub since: String,
    pub total: i64,
    pub default_standing: String,
    pub csv: String,
    pub errors: Vec<String>,
    pub readers: Vec<(i64, String)>,
    pub import_login: String,
    pub pager: Pager,
}

#[derive(Template)]
#[template(path = "standings/entries_rows.html")]
pub struct EntriesRows {
    pub rows: Vec<EntryRow>,
}

/// The rows as HTML by filter and page, kept with the database they were rendered from: it is
/// read once per change of it, on any instance (ADR 0010).
pub type EntriesRowsCache = RenderedRows<Vec<StandingsEntry>, (StandingsFilter, i64)>;

/// Entries on one page of the standings database.
const PAGE_SIZE: i64 = 100;

fn tone(s: Standing) -> &'static str {
    match s.tenths() {
        t if t > 0 => "positive",
        0 => "neutral",
        _ => "negative",
    }
}

fn entry_row(e: &StandingsEntry) -> EntryRow {
    EntryRow {
        kind: e.entity.kind.as_str().to_owned(),
        id: e.entity.id,
        name: e.name.clone(),
        standing: e.standing.to_string(),
        tone: tone(e.standing).to_owned(),
        notes: e.notes.clone(),
        source: e.source.clone(),
        updated: when(Some(e.updated_at)),
    }
}

#[derive(Deserialize, Default)]
pub struct EntriesQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    min: String,
    #[serde(default)]
    max: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    since: String,
    #[serde(default)]
    page: String,
}

fn entries_filter(q: &EntriesQuery) -> WebResult<StandingsFilter> {
    let kind = match q.kind.trim() {
        "" => None,
        k => Some(EntityKind::parse(k).map_err(|e| WebError::BadRequest(e.to_string()))?),
    };
    let since = if q.since.trim().is_empty() {
        None
    } else {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let day = time::Date::parse(q.since.trim(), &format).map_err(|_| {
            WebError::BadRequest(format!(
                "'{}' is not a date for 'changed since': use YYYY-MM-DD",
                q.since
            ))
        })?;
        Some(day.midnight().assume_utc())
    };
    Ok(StandingsFilter {
        kind,
        min: parse_standing(&q.min)?,
        max: parse_standing(&q.max)?,
        name: (!q.name.trim().is_empty()).then(|| q.name.trim().to_owned()),
        updated_since: since,
    })
}

async fn entries_page(
    state: &WebState,
    viewer: Viewer,
    q: EntriesQuery,
    csv: String,
    errors: Vec<String>,
) -> WebResult<EntriesPage> {
    let app = &state.app;
    let filter = entries_filter(&q)?;
    let page = requested_page(&q.page)?;
    let listed = app
        .standings_page(
            &viewer.caller,
            &filter,
            usize::try_from(pager::offset(page, PAGE_SIZE)).unwrap_or(usize::MAX),
            usize::try_from(PAGE_SIZE).unwrap_or(0),
        )
        .await?;
    let pager = Pager::new(
        "/standings/entries",
        &[
            ("kind", &q.kind),
            ("min", &q.min),
            ("max", &q.max),
            ("name", &q.name),
            ("since", &q.since),
        ],
        page,
        PAGE_SIZE,
        i64::try_from(listed.matching).unwrap_or(i64::MAX),
    );
    let rows = state
        .entries_rows
        .get_or_render(&listed.all, (filter, page), || {
            let rows = listed.entries().map(entry_row).collect();
            EntriesRows { rows }
                .render()
                .map_err(|e| WebError::Internal(format!("the standings database's rows: {e}")))
        })?;
    let readers = app
        .own_characters(&viewer.caller)
        .await?
        .into_iter()
        .map(|c| (c.id.get(), c.name))
        .collect();
    Ok(EntriesPage {
        rows,
        rows_empty: listed.found.is_empty(),
        kind: q.kind,
        min: q.min,
        max: q.max,
        name: q.name,
        since: q.since,
        total: i64::try_from(listed.total()).unwrap_or(i64::MAX),
        default_standing: app.settings().standings.default_standing.to_string(),
        csv,
        errors,
        readers,
        import_login: IMPORT_LOGIN.to_owned(),
        pager,
        layout: viewer.layout,
    })
}

pub async fn entries(
    State(state): State<WebState>,
    viewer: Viewer,
    Query(q): Query<EntriesQuery>,
) -> WebResult<EntriesPage> {
    viewer.require(Permission::STANDINGS_MANAGE)?;
    entries_page(&state, viewer, q, String::new(), Vec::new()).await
}

#[derive(Deserialize)]
pub struct EntryForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    standing: String,
    #[serde(default)]
    notes: String,
}

pub async fn save_entry(
    State(state): State<WebState>,
    viewer: Viewer,
    Form(form): Form<EntryForm>,
) -> WebResult<Redirect> {
    viewer.require(Permission::STANDINGS_MANAGE)?;
    let kind = EntityKind::parse(&form.kind).map_err(|e| WebError::BadRequest(e.to_string()))?;
    let id = form_number(kind.as_str(), &form.id)?;
    let standing = parse_standing(&form.standing)?.ok_or_else(|| {
        WebError::BadRequest("give a standing between -10 and 10, e.g. 7.5".to_owned())
    })?;
    let e = state
        .app
        .set_standing_entry(
            &viewer.caller,
            Entity { kind, id },
            &form.name,
            standing,
            &form.notes,
        )
        .await?;
    session::flash(
        &viewer.session,
        format!("{} now has standing {}.", e.name, e.standing),
    )
    .await;
    Ok(Redirect::to("/standings/entries"))
}

/// The EVE id of a standings entry, in its delete link (the kind is the entry's).
pub struct EntryId(i64);

impl FromStr for EntryId {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s.trim().parse::<i64>() {
            Ok(id) if id > 0 => Ok(Self(id)),
            _ => Err(()),
        }
    }
}

impl PathId for EntryId {
    const WHAT: &'static str = "entity";
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    notes: String,
}

pub async fn delete_entry(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(EntryId(id)): IdPath<EntryId>,
    Form(form): Form<DeleteForm>,
) -> WebResult<Redirect> {
    viewer.require(Permission::STANDINGS_MANAGE)?;
    let e = state
        .app
        .delete_standing_entry(&viewer.caller, id, &form.notes)
        .await?;
    session::flash(
        &viewer.session,
        format!("The standing of {} was deleted.", e.name),
    )
    .await;
    Ok(Redirect::to("/standings/entries"))
}

pub async fn bulk_delete(
    State(state): State<WebState>,
    viewer: Viewer,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Redirect> {
    viewer.require(Permission::STANDINGS_MANAGE)?;
    let ids = fields
        .iter()
        .filter(|(k, _)| k == "id")
        .map(|(_, v)| form_number("entity", v))
        .collect::<WebResult<Vec<_>>>()?;
    let notes = fields
        .iter()
        .find(|(k, _)| k == "notes")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    operations::start(&state, &viewer, BulkWork::DeleteEntries { ids, notes }).await
}

pub async fn export_csv(State(state): State<WebState>, viewer: Viewer) -> WebResult<Response> {
    viewer.require(Permission::STANDINGS_MANAGE)?;
    let body = state.app.export_standings_csv(&viewer.caller).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"jumpgate-standings.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct ImportForm {
    #[serde(default)]
    csv: String,
}

/// Any bad row: the page again (400) with one message per bad row and nothing imported;
/// otherwise the import runs as a bulk operation whose page shows its progress.
pub async fn import_csv(
    State(state): State<WebState>,
    viewer: Viewer,
    Form(form): Form<ImportForm>,
) -> WebResult<Response> {
    viewer.require(Permission::STANDINGS_MANAGE)?;
    if let Err(errors) = check_standings_csv(&form.csv) {
        let page = entries_page(&state, viewer, EntriesQuery::default(), form.csv, errors).await?;
        return Ok((StatusCode::BAD_REQUEST, page).into_response());
    }
    let work = BulkWork::ImportCsv { csv: form.csv };
    Ok(operations::start(&state, &viewer, work)
        .await?
        .into_response())
}

#[derive(Deserialize)]
pub struct ImportContactsForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    reader: String,
}

pub async fn import_contacts(
    State(state): State<WebState>,
    viewer: Viewer,
    Form(form): Form<ImportContactsForm>,
) -> WebResult<Redirect> {
    viewer.require(Permission::STANDINGS_MANAGE)?;
    let kind = EntityKind::parse(&form.kind).map_err(|e| WebError::BadRequest(e.to_string()))?;
    let id = form_number(kind.as_str(), &form.id)?;
    let reader = CharacterId(form_number("character", &form.reader)?);
    let work = BulkWork::ImportContacts {
        source: Entity { kind, id },
        reader,
    };
    operations::start(&state, &viewer, work).await
}
