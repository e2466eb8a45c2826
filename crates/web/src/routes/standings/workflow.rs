//! The standings workflow's pages: the member page (`/standings`), the approver queue
//! (`/standings/queue`) and the standings database (`/standings/entries`). Handlers check the
//! page's permission for a clear 403; the use cases check again (one rule, `Grants::allows`).

use crate::WebState;
use crate::auth::Viewer;
use crate::error::{WebError, WebResult};
use crate::pages::{Layout, when};
use crate::pages_standings::{
    EntryRow, HistoryRow, NotificationRow, QueueRow, StandingsEntriesPage, StandingsMemberPage,
    StandingsPreviewFragment, StandingsQueuePage, SubjectView,
};
use crate::session;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jumpgate_app::App;
use jumpgate_app::standings::SYNC_LOGIN;
use jumpgate_app::standings::workflow::eligibility::SubjectStatus;
use jumpgate_app::standings::workflow::entries::check_standings_csv;
use jumpgate_app::standings::workflow::{IMPORT_LOGIN, SubjectRow};
use jumpgate_domain::account::{Account, Character};
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::standings::{Entity, EntityKind, Standing};
use jumpgate_domain::{AccountId, AllianceId, CharacterId, CorporationId};
use jumpgate_store::{AllianceInfo, CorporationInfo, Revocation, StandingRequest, StandingsFilter};
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};
use time::OffsetDateTime;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/standings", get(member))
        .route("/standings/request", post(request))
        .route("/standings/requests/{id}/cancel", post(cancel_request))
        .route("/standings/revoke", post(revoke))
        .route(
            "/standings/revocations/{id}/cancel",
            post(cancel_revocation),
        )
        .route("/standings/notifications/read", post(mark_read))
        .route("/standings/queue", get(queue))
        .route("/standings/queue/{id}/preview", get(preview))
        .route("/standings/queue/{id}/approve", post(approve))
        .route("/standings/queue/{id}/reject", post(reject))
        .route("/standings/queue/bulk", post(bulk_requests))
        .route(
            "/standings/queue/revocations/{id}/preview",
            get(preview_revocation),
        )
        .route(
            "/standings/queue/revocations/{id}/approve",
            post(approve_revocation),
        )
        .route(
            "/standings/queue/revocations/{id}/reject",
            post(reject_revocation),
        )
        .route("/standings/queue/revocations/bulk", post(bulk_revocations))
        .route("/standings/entries", get(entries).post(save_entry))
        .route("/standings/entries.csv", get(export_csv))
        .route("/standings/entries/{id}/delete", post(delete_entry))
        .route("/standings/entries/bulk-delete", post(bulk_delete))
        .route("/standings/entries/import", post(import_csv))
        .route("/standings/entries/import-contacts", post(import_contacts))
}

fn parse_id(what: &str, id: &str) -> WebResult<i64> {
    match id.trim().parse::<i64>() {
        Ok(v) if v > 0 => Ok(v),
        _ => Err(WebError::BadRequest(format!(
            "'{id}' is not a {what} id: expected a positive whole number"
        ))),
    }
}

fn parse_standing(s: &str) -> WebResult<Option<Standing>> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    Standing::parse(s)
        .map(Some)
        .map_err(|e| WebError::BadRequest(e.to_string()))
}

fn image(layout: &Layout, entity: Entity) -> String {
    match entity.kind {
        EntityKind::Character => layout.portrait(entity.id, 64),
        EntityKind::Corporation => layout.corporation_logo(entity.id, 64),
        EntityKind::Alliance => layout.alliance_logo(entity.id, 64),
    }
}

fn tone(s: Standing) -> &'static str {
    match s.tenths() {
        t if t > 0 => "positive",
        0 => "neutral",
        _ => "negative",
    }
}

fn subject_view(layout: &Layout, row: &SubjectRow) -> SubjectView {
    let (status, standing, reason, request_id, revocation_id) = match &row.status {
        SubjectStatus::Approved {
            standing,
            revocation_id,
        } => (
            "approved",
            standing.to_string(),
            String::new(),
            None,
            *revocation_id,
        ),
        SubjectStatus::Pending { request_id } => (
            "pending",
            String::new(),
            String::new(),
            Some(*request_id),
            None,
        ),
        SubjectStatus::MissingScopes { reason } => {
            ("missing-scopes", String::new(), reason.clone(), None, None)
        }
        SubjectStatus::CanRequest => ("can-request", String::new(), String::new(), None, None),
        SubjectStatus::NotEligible { reason } => {
            ("not-eligible", String::new(), reason.clone(), None, None)
        }
    };
    SubjectView {
        kind: row.entity.kind.as_str().to_owned(),
        id: row.entity.id,
        name: row.name.clone(),
        image: image(layout, row.entity),
        status: status.to_owned(),
        status_label: row.status.label().to_owned(),
        standing,
        reason,
        request_id,
        revocation_id,
        can_request: matches!(row.status, SubjectStatus::CanRequest),
        can_revoke: matches!(
            row.status,
            SubjectStatus::Approved {
                revocation_id: None,
                ..
            }
        ),
        add_scopes: matches!(row.status, SubjectStatus::MissingScopes { .. }),
        coverage: row
            .coverage
            .as_ref()
            .map(|c| c.summary())
            .unwrap_or_default(),
    }
}

// ----- the member page ------------------------------------------------------------------------

pub async fn member(State(state): State<WebState>, viewer: Viewer) -> WebResult<Response> {
    viewer.require(Permission::STANDINGS_REQUEST)?;
    let o = state.app.standings_overview(viewer.account).await?;
    let layout = &viewer.layout;
    let mut history: Vec<(OffsetDateTime, HistoryRow)> = o
        .requests
        .iter()
        .map(|r| {
            (
                r.created_at,
                HistoryRow {
                    id: r.id,
                    what: "Request".to_owned(),
                    name: r.name.clone(),
                    state: r.state.as_str().to_owned(),
                    created: when(Some(r.created_at)),
                    decided: r.decided_at.map(|d| when(Some(d))).unwrap_or_default(),
                    note: match (r.standing, r.decision_note.as_deref()) {
                        (Some(s), Some(n)) if !n.is_empty() => format!("{s} · {n}"),
                        (Some(s), _) => s.to_string(),
                        (None, Some(n)) => n.to_owned(),
                        (None, None) => String::new(),
                    },
                    cancellable: r.state.is_pending(),
                    kind: "requests".to_owned(),
                },
            )
        })
        .collect();
    history.extend(o.revocations.iter().map(|r| {
        (
            r.created_at,
            HistoryRow {
                id: r.id,
                what: "Removal".to_owned(),
                name: r.name.clone(),
                state: r.state.as_str().to_owned(),
                created: when(Some(r.created_at)),
                decided: r.decided_at.map(|d| when(Some(d))).unwrap_or_default(),
                note: r.decision_note.clone().unwrap_or_default(),
                cancellable: r.state.is_pending(),
                kind: "revocations".to_owned(),
            },
        )
    }));
    history.sort_by_key(|h| std::cmp::Reverse(h.0));
    let notifications: Vec<NotificationRow> = o
        .notifications
        .iter()
        .map(|n| NotificationRow {
            message: n.message.clone(),
            link: n.link.clone().unwrap_or_default(),
            at: when(Some(n.created_at)),
            unread: n.read_at.is_none(),
        })
        .collect();
    let page = StandingsMemberPage {
        characters: o
            .characters
            .iter()
            .map(|r| subject_view(layout, r))
            .collect(),
        corporations: o
            .corporations
            .iter()
            .map(|r| subject_view(layout, r))
            .collect(),
        history: history.into_iter().map(|(_, h)| h).collect(),
        unread: notifications.iter().filter(|n| n.unread).count(),
        notifications,
        coverage_rule: o.coverage_rule.describe(),
        sync_login: SYNC_LOGIN.to_owned(),
        layout: viewer.layout,
    };
    Ok(page.into_response())
}

fn parse_entity(s: &str) -> WebResult<Entity> {
    let (kind, id) = s.split_once(':').ok_or_else(|| {
        WebError::BadRequest(format!(
            "'{s}' is not an entity: expected e.g. character:90000001"
        ))
    })?;
    let kind = EntityKind::parse(kind).map_err(|e| WebError::BadRequest(e.to_string()))?;
    Ok(Entity {
        kind,
        id: parse_id(kind.as_str(), id)?,
    })
}

/// `entity=character:1&entity=corporation:2` (one or several, for bulk).
pub async fn request(
    State(state): State<WebState>,
    viewer: Viewer,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Redirect> {
    viewer.require(Permission::STANDINGS_REQUEST)?;
    let entities = fields
        .iter()
        .filter(|(k, _)| k == "entity")
        .map(|(_, v)| parse_entity(v))
        .collect::<WebResult<Vec<_>>>()?;
    if entities.is_empty() {
        return Err(WebError::BadRequest(
            "tick at least one character or corporation to request a standing for".to_owned(),
        ));
    }
    if let [one] = entities.as_slice() {
        let r = state.app.request_standing(viewer.account, *one).await?;
        session::flash(
            &viewer.session,
            format!(
                "Standing requested for {}. An approver will decide.",
                r.name
            ),
        )
        .await;
        return Ok(Redirect::to("/standings"));
    }
    let results = state.app.request_standings(viewer.account, &entities).await;
    let ok: Vec<String> = results
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok().map(|r| r.name.clone()))
        .collect();
    let failed: Vec<String> = results
        .iter()
        .filter_map(|(e, r)| r.as_ref().err().map(|err| format!("{e}: {err}")))
        .collect();
    let mut msg = format!("{} standing(s) requested", ok.len());
    if !ok.is_empty() {
        msg.push_str(&format!(" ({})", ok.join(", ")));
    }
    msg.push('.');
    if !failed.is_empty() {
        msg.push_str(&format!(" Not requested: {}.", failed.join("; ")));
    }
    session::flash(&viewer.session, msg).await;
    Ok(Redirect::to("/standings"))
}

pub async fn cancel_request(
    State(state): State<WebState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> WebResult<Redirect> {
    let id = parse_id("request", &id)?;
    let r = state.app.cancel_request(viewer.account, id).await?;
    session::flash(
        &viewer.session,
        format!("Request for {} cancelled.", r.name),
    )
    .await;
    Ok(Redirect::to("/standings"))
}

#[derive(Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    entity_id: String,
}

pub async fn revoke(
    State(state): State<WebState>,
    viewer: Viewer,
    Form(form): Form<RevokeForm>,
) -> WebResult<Redirect> {
    viewer.require(Permission::STANDINGS_REQUEST)?;
    let id = parse_id("entity", &form.entity_id)?;
    let r = state.app.request_revocation(viewer.account, id).await?;
    let msg = if r.state.is_pending() {
        format!(
            "Removal of the standing of {} requested. An approver will decide.",
            r.name
        )
    } else {
        format!("The standing of {} was removed.", r.name)
    };
    session::flash(&viewer.session, msg).await;
    Ok(Redirect::to("/standings"))
}

pub async fn cancel_revocation(
    State(state): State<WebState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> WebResult<Redirect> {
    let id = parse_id("revocation", &id)?;
    let r = state.app.cancel_revocation(viewer.account, id).await?;
    session::flash(
        &viewer.session,
        format!("Removal request for {} cancelled.", r.name),
    )
    .await;
    Ok(Redirect::to("/standings"))
}

pub async fn mark_read(State(state): State<WebState>, viewer: Viewer) -> WebResult<Redirect> {
    let n = state
        .app
        .mark_standings_notifications_read(viewer.account)
        .await?;
    session::flash(&viewer.session, format!("{n} notification(s) marked read.")).await;
    Ok(Redirect::to("/standings"))
}

// ----- the approver queue ----------------------------------------------------------------------

fn age(created: OffsetDateTime) -> (String, String) {
    let days = (OffsetDateTime::now_utc() - created).whole_days();
    match days {
        d if d < 1 => ("today".to_owned(), "Today".to_owned()),
        d if d < 3 => ("1-2d".to_owned(), format!("{d} d")),
        d if d < 7 => ("3-6d".to_owned(), format!("{d} d")),
        d => ("7d".to_owned(), format!("{d} d")),
    }
}

/// What the queue shows about requesters and subjects, read for the whole page at once: one
/// query each for the accounts, characters, corporations and alliances, instead of up to five
/// queries per row (the page lists every pending item).
#[derive(Default)]
struct QueueLookup {
    accounts: HashMap<AccountId, Account>,
    characters: HashMap<CharacterId, Character>,
    corporations: HashMap<CorporationId, CorporationInfo>,
    alliances: HashMap<AllianceId, AllianceInfo>,
}

impl QueueLookup {
    async fn load(app: &App, items: &[(Entity, Option<AccountId>)]) -> WebResult<Self> {
        let store = app.store();
        let requesters: BTreeSet<AccountId> = items.iter().filter_map(|(_, r)| *r).collect();
        let requesters: Vec<AccountId> = requesters.into_iter().collect();
        let accounts: HashMap<AccountId, Account> = store
            .accounts_by_ids(&requesters)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();

        let mut character_ids: BTreeSet<CharacterId> =
            accounts.values().filter_map(|a| a.main_character).collect();
        character_ids.extend(
            items
                .iter()
                .filter(|(e, _)| e.kind == EntityKind::Character)
                .map(|(e, _)| CharacterId(e.id)),
        );
        let character_ids: Vec<CharacterId> = character_ids.into_iter().collect();
        let characters: HashMap<CharacterId, Character> = store
            .characters_by_ids(&character_ids)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();

        // Subjects' corporations: those of character subjects, and corporation subjects.
        let mut corporation_ids: BTreeSet<CorporationId> = BTreeSet::new();
        let mut alliance_ids: BTreeSet<AllianceId> = BTreeSet::new();
        for (entity, _) in items {
            match entity.kind {
                EntityKind::Character => {
                    if let Some(c) = characters.get(&CharacterId(entity.id)) {
                        corporation_ids.insert(c.corporation);
                        alliance_ids.extend(c.alliance);
                    }
                }
                EntityKind::Corporation => {
                    corporation_ids.insert(CorporationId(entity.id));
                }
                EntityKind::Alliance => {}
            }
        }
        let corporation_ids: Vec<CorporationId> = corporation_ids.into_iter().collect();
        let corporations: HashMap<CorporationId, CorporationInfo> = store
            .corporations_by_ids(&corporation_ids)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        // Alliances of corporation subjects (character subjects carry their own).
        alliance_ids.extend(
            items
                .iter()
                .filter(|(e, _)| e.kind == EntityKind::Corporation)
                .filter_map(|(e, _)| corporations.get(&CorporationId(e.id)))
                .filter_map(|c| c.alliance),
        );
        let alliance_ids: Vec<AllianceId> = alliance_ids.into_iter().collect();
        let alliances: HashMap<AllianceId, AllianceInfo> = store
            .alliances_by_ids(&alliance_ids)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        Ok(Self {
            accounts,
            characters,
            corporations,
            alliances,
        })
    }

    fn alliance_name(&self, alliance: Option<AllianceId>) -> String {
        match alliance {
            Some(a) => self
                .alliances
                .get(&a)
                .map_or_else(|| a.to_string(), |x| x.name.clone()),
            None => "no alliance".to_owned(),
        }
    }

    /// Requester, main, affiliation and details of a queued item.
    fn describe(
        &self,
        entity: Entity,
        requester: Option<AccountId>,
    ) -> (String, String, String, String) {
        let mut requester_name = "Jumpgate (automatic)".to_owned();
        let mut main = String::new();
        if let Some(a) = requester {
            requester_name = format!("Account {a}");
            if let Some(acc) = self.accounts.get(&a)
                && let Some(m) = acc.main_character
                && let Some(c) = self.characters.get(&m)
            {
                requester_name = c.name.clone();
                main = format!("{} ({})", c.name, acc.state);
            }
        }
        let (affiliation, details) = match entity.kind {
            EntityKind::Character => match self.characters.get(&CharacterId(entity.id)) {
                Some(c) => {
                    let corp = self
                        .corporations
                        .get(&c.corporation)
                        .map_or_else(|| c.corporation.to_string(), |x| x.name.clone());
                    let alliance = self.alliance_name(c.alliance);
                    let owner = if Some(c.account) == requester {
                        "owned by the requester".to_owned()
                    } else {
                        format!("on account {}", c.account)
                    };
                    (
                        format!("{corp} / {alliance}"),
                        format!("character, added {}, {owner}", when(Some(c.added_at))),
                    )
                }
                None => (
                    String::new(),
                    "character not registered in Jumpgate".to_owned(),
                ),
            },
            EntityKind::Corporation => match self.corporations.get(&CorporationId(entity.id)) {
                Some(c) => (
                    format!("[{}] / {}", c.ticker, self.alliance_name(c.alliance)),
                    format!(
                        "corporation, {} members",
                        c.member_count
                            .map_or_else(|| "?".to_owned(), |n| n.to_string())
                    ),
                ),
                None => (String::new(), "corporation".to_owned()),
            },
            EntityKind::Alliance => (String::new(), "alliance".to_owned()),
        };
        (requester_name, main, affiliation, details)
    }
}

fn request_row(lookup: &QueueLookup, layout: &Layout, r: &StandingRequest) -> QueueRow {
    let (requester, main, affiliation, details) = lookup.describe(r.entity, Some(r.requester));
    let (age_class, age) = age(r.created_at);
    QueueRow {
        id: r.id,
        kind: r.entity.kind.as_str().to_owned(),
        entity_id: r.entity.id,
        name: r.name.clone(),
        image: image(layout, r.entity),
        requester,
        main,
        affiliation,
        age_class,
        age,
        created: when(Some(r.created_at)),
        details,
        reason: String::new(),
        current: String::new(),
    }
}

async fn revocation_row(
    app: &App,
    lookup: &QueueLookup,
    layout: &Layout,
    r: &Revocation,
) -> WebResult<QueueRow> {
    let (requester, main, affiliation, details) = lookup.describe(r.entity, r.requester);
    let (age_class, age) = age(r.created_at);
    let current = app
        .store()
        .standing(r.entity.id)
        .await?
        .map(|e| e.standing.to_string())
        .unwrap_or_default();
    Ok(QueueRow {
        id: r.id,
        kind: r.entity.kind.as_str().to_owned(),
        entity_id: r.entity.id,
        name: r.name.clone(),
        image: image(layout, r.entity),
        requester,
        main,
        affiliation,
        age_class,
        age,
        created: when(Some(r.created_at)),
        details,
        reason: r.reason.describe().to_owned(),
        current,
    })
}

pub async fn queue(State(state): State<WebState>, viewer: Viewer) -> WebResult<StandingsQueuePage> {
    viewer.require(Permission::STANDINGS_APPROVE)?;
    let app = &state.app;
    let (pending_requests, pending_revocations) = app.approval_queue(viewer.account).await?;
    let items: Vec<(Entity, Option<AccountId>)> = pending_requests
        .iter()
        .map(|r| (r.entity, Some(r.requester)))
        .chain(pending_revocations.iter().map(|r| (r.entity, r.requester)))
        .collect();
    let lookup = QueueLookup::load(app, &items).await?;
    let requests = pending_requests
        .iter()
        .map(|r| request_row(&lookup, &viewer.layout, r))
        .collect();
    let mut revocations = Vec::new();
    for r in &pending_revocations {
        revocations.push(revocation_row(app, &lookup, &viewer.layout, r).await?);
    }
    Ok(StandingsQueuePage {
        requests,
        revocations,
        default_standing: app.settings().standings.default_standing.to_string(),
        layout: viewer.layout,
    })
}

#[derive(Deserialize)]
pub struct PreviewQuery {
    #[serde(default)]
    standing: String,
}

fn preview_text(p: &jumpgate_app::standings::sync::ChangePreview) -> String {
    format!(
        "Affects {} enrolled character(s): adds {} contact(s), changes {}, removes {}, {} already up to date.",
        p.characters, p.adds, p.edits, p.deletes, p.unchanged
    )
}

pub async fn preview(
    State(state): State<WebState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(q): Query<PreviewQuery>,
) -> WebResult<StandingsPreviewFragment> {
    viewer.require(Permission::STANDINGS_APPROVE)?;
    let id = parse_id("request", &id)?;
    let r = state
        .app
        .store()
        .request(id)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("there is no standing request #{id}")))?;
    let standing =
        parse_standing(&q.standing)?.unwrap_or(state.app.settings().standings.default_standing);
    let text = match state.app.preview_change(r.entity, Some(standing)).await {
        Ok(p) => preview_text(&p),
        Err(e) => format!("No preview available: {e}"),
    };
    Ok(StandingsPreviewFragment { text })
}

pub async fn preview_revocation(
    State(state): State<WebState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> WebResult<StandingsPreviewFragment> {
    viewer.require(Permission::STANDINGS_APPROVE)?;
    let id = parse_id("revocation", &id)?;
    let r = state
        .app
        .store()
        .revocation(id)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("there is no revocation #{id}")))?;
    let text = match state.app.preview_change(r.entity, None).await {
        Ok(p) => preview_text(&p),
        Err(e) => format!("No preview available: {e}"),
    };
    Ok(StandingsPreviewFragment { text })
}

#[derive(Deserialize)]
pub struct ApproveForm {
    #[serde(default)]
    standing: String,
    #[serde(default)]
    notes: String,
}

#[derive(Deserialize)]
pub struct RejectForm {
    #[serde(default)]
    reason: String,
}

pub async fn approve(
    State(state): State<WebState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<ApproveForm>,
) -> WebResult<Redirect> {
    viewer.require(Permission::STANDINGS_APPROVE)?;
    let id = parse_id("request", &id)?;
    let standing = parse_standing(&form.standing)?;
    let r = state
        .app
        .approve_request(viewer.account, id, standing, &form.notes)
        .await?;
    session::flash(
        &viewer.session,
        format!(
            "Approved {} with standing {}.",
            r.name,
            r.standing.map(|s| s.to_string()).unwrap_or_default()
        ),
    )
    .await;
    Ok(Redirect::to("/standings/queue"))
}

pub async fn reject(
    State(state): State<WebState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<RejectForm>,
) -> WebResult<Redirect> {
    viewer.require(Permission::STANDINGS_APPROVE)?;
    let id = parse_id("request", &id)?;
    let r = state
        .app
        .reject_request(viewer.account, id, &form.reason)
        .await?;
    session::flash(
        &viewer.session,
        format!("Rejected the request for {}.", r.name),
    )
    .await;
    Ok(Redirect::to("/standings/queue"))
}

/// The bulk form: `id` checkboxes, `action` approve|reject, `standing`, `notes`, `reason`.
struct BulkForm {
    ids: Vec<i64>,
    action: String,
    standing: String,
    notes: String,
    reason: String,
}

fn bulk_form(fields: &[(String, String)]) -> WebResult<BulkForm> {
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let ids = fields
        .iter()
        .filter(|(k, _)| k == "id")
        .map(|(_, v)| parse_id("queue item", v))
        .collect::<WebResult<Vec<_>>>()?;
    if ids.is_empty() {
        return Err(WebError::BadRequest(
            "tick at least one item for a bulk action".to_owned(),
        ));
    }
    let action = get("action");
    if action != "approve" && action != "reject" {
        return Err(WebError::BadRequest(format!(
            "'{action}' is not a bulk action: expected approve or reject"
        )));
    }
    Ok(BulkForm {
        ids,
        action,
        standing: get("standing"),
        notes: get("notes"),
        reason: get("reason"),
    })
}

fn bulk_message(done: usize, failed: &[String], verb: &str) -> String {
    let mut msg = format!("{done} item(s) {verb}.");
    if !failed.is_empty() {
        msg.push_str(&format!(" Not done: {}.", failed.join("; ")));
    }
    msg
}

pub async fn bulk_requests(
    State(state): State<WebState>,
    viewer: Viewer,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Redirect> {
    viewer.require(Permission::STANDINGS_APPROVE)?;
    let form = bulk_form(&fields)?;
    let standing = parse_standing(&form.standing)?;
    if form.action == "reject" && form.reason.trim().is_empty() {
        return Err(WebError::BadRequest(
            "give a reason for the rejection: the requesters are told".to_owned(),
        ));
    }
    let (mut done, mut failed) = (0, Vec::new());
    for id in &form.ids {
        let r = if form.action == "approve" {
            state
                .app
                .approve_request(viewer.account, *id, standing, &form.notes)
                .await
        } else {
            state
                .app
                .reject_request(viewer.account, *id, &form.reason)
                .await
        };
        match r {
            Ok(_) => done += 1,
            Err(e) => failed.push(format!("#{id}: {e}")),
        }
    }
    let verb = if form.action == "approve" {
        "approved"
    } else {
        "rejected"
    };
    session::flash(&viewer.session, bulk_message(done, &failed, verb)).await;
    Ok(Redirect::to("/standings/queue"))
}

pub async fn approve_revocation(
    State(state): State<WebState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<ApproveForm>,
) -> WebResult<Redirect> {
    viewer.require(Permission::STANDINGS_APPROVE)?;
    let id = parse_id("revocation", &id)?;
    let r = state
        .app
        .approve_revocation(viewer.account, id, &form.notes)
        .await?;
    session::flash(
        &viewer.session,
        format!("The standing of {} was removed.", r.name),
    )
    .await;
    Ok(Redirect::to("/standings/queue"))
}

pub async fn reject_revocation(
    State(state): State<WebState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<RejectForm>,
) -> WebResult<Redirect> {
    viewer.require(Permission::STANDINGS_APPROVE)?;
    let id = parse_id("revocation", &id)?;
    let r = state
        .app
        .reject_revocation(viewer.account, id, &form.reason)
        .await?;
    session::flash(
        &viewer.session,
        format!("The standing of {} stays.", r.name),
    )
    .await;
    Ok(Redirect::to("/standings/queue"))
}

pub async fn bulk_revocations(
    State(state): State<WebState>,
    viewer: Viewer,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Redirect> {
    viewer.require(Permission::STANDINGS_APPROVE)?;
    let form = bulk_form(&fields)?;
    if form.action == "reject" && form.reason.trim().is_empty() {
        return Err(WebError::BadRequest(
            "give a reason for keeping the standings: the members are told".to_owned(),
        ));
    }
    let (mut done, mut failed) = (0, Vec::new());
    for id in &form.ids {
        let r = if form.action == "approve" {
            state
                .app
                .approve_revocation(viewer.account, *id, &form.notes)
                .await
        } else {
            state
                .app
                .reject_revocation(viewer.account, *id, &form.reason)
                .await
        };
        match r {
            Ok(_) => done += 1,
            Err(e) => failed.push(format!("#{id}: {e}")),
        }
    }
    let verb = if form.action == "approve" {
        "removed"
    } else {
        "kept"
    };
    session::flash(&viewer.session, bulk_message(done, &failed, verb)).await;
    Ok(Redirect::to("/standings/queue"))
}

// ----- the standings database -----------------------------------------------------------------

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
        limit: 2_000,
        offset: 0,
    })
}

async fn entries_page(
    state: &WebState,
    viewer: Viewer,
    q: EntriesQuery,
    csv: String,
    errors: Vec<String>,
) -> WebResult<StandingsEntriesPage> {
    let app = &state.app;
    let rows = app
        .standings_entries(viewer.account, &entries_filter(&q)?)
        .await?
        .into_iter()
        .map(|e| EntryRow {
            kind: e.entity.kind.as_str().to_owned(),
            id: e.entity.id,
            name: e.name,
            standing: e.standing.to_string(),
            tone: tone(e.standing).to_owned(),
            notes: e.notes,
            source: e.source,
            updated: when(Some(e.updated_at)),
        })
        .collect();
    let readers = app
        .store()
        .characters_of(viewer.account)
        .await?
        .into_iter()
        .map(|c| (c.id.get(), c.name))
        .collect();
    Ok(StandingsEntriesPage {
        rows,
        kind: q.kind,
        min: q.min,
        max: q.max,
        name: q.name,
        since: q.since,
        total: app.store().count_standings().await?,
        default_standing: app.settings().standings.default_standing.to_string(),
        csv,
        errors,
        readers,
        import_login: IMPORT_LOGIN.to_owned(),
        layout: viewer.layout,
    })
}

pub async fn entries(
    State(state): State<WebState>,
    viewer: Viewer,
    Query(q): Query<EntriesQuery>,
) -> WebResult<StandingsEntriesPage> {
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
    let id = parse_id(kind.as_str(), &form.id)?;
    let standing = parse_standing(&form.standing)?.ok_or_else(|| {
        WebError::BadRequest("give a standing between -10 and 10, e.g. 7.5".to_owned())
    })?;
    let e = state
        .app
        .set_standing_entry(
            viewer.account,
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

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    notes: String,
}

pub async fn delete_entry(
    State(state): State<WebState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<DeleteForm>,
) -> WebResult<Redirect> {
    viewer.require(Permission::STANDINGS_MANAGE)?;
    let id = parse_id("entity", &id)?;
    let e = state
        .app
        .delete_standing_entry(viewer.account, id, &form.notes)
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
        .map(|(_, v)| parse_id("entity", v))
        .collect::<WebResult<Vec<_>>>()?;
    if ids.is_empty() {
        return Err(WebError::BadRequest(
            "tick at least one entry to delete".to_owned(),
        ));
    }
    let notes = fields
        .iter()
        .find(|(k, _)| k == "notes")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let (mut done, mut failed) = (0, Vec::new());
    for id in ids {
        match state
            .app
            .delete_standing_entry(viewer.account, id, &notes)
            .await
        {
            Ok(_) => done += 1,
            Err(e) => failed.push(format!("{id}: {e}")),
        }
    }
    session::flash(&viewer.session, bulk_message(done, &failed, "deleted")).await;
    Ok(Redirect::to("/standings/entries"))
}

pub async fn export_csv(State(state): State<WebState>, viewer: Viewer) -> WebResult<Response> {
    viewer.require(Permission::STANDINGS_MANAGE)?;
    let body = state.app.export_standings_csv(viewer.account).await?;
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

/// Any bad row: the page again (400) with one message per bad row and nothing imported.
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
    let s = state
        .app
        .import_standings_csv(viewer.account, &form.csv)
        .await?;
    session::flash(
        &viewer.session,
        format!("{} standing(s) imported from CSV.", s.imported),
    )
    .await;
    Ok(Redirect::to("/standings/entries").into_response())
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
    let id = parse_id(kind.as_str(), &form.id)?;
    let reader = CharacterId(parse_id("character", &form.reader)?);
    let s = state
        .app
        .import_standings_from_contacts(viewer.account, Entity { kind, id }, reader)
        .await?;
    let mut msg = format!("{} standing(s) imported from the contacts.", s.imported);
    if s.skipped > 0 {
        msg.push_str(&format!(
            " {} contact(s) skipped (factions cannot hold a standing).",
            s.skipped
        ));
    }
    session::flash(&viewer.session, msg).await;
    Ok(Redirect::to("/standings/entries"))
}
