//! Page models of the standings workflow: the member page, the approver queue and the
//! standings database. Plain strings and flags, as in `pages`.

use crate::ui::Layout;
use askama::Template;
use askama_web::WebTemplate;

/// A member's character or corporation with its status.
#[derive(Debug, Clone)]
pub struct SubjectView {
    /// `character` or `corporation`.
    pub kind: String,
    pub id: i64,
    pub name: String,
    pub image: String,
    /// `approved`, `pending`, `missing-scopes`, `can-request`, `not-eligible`.
    pub status: String,
    pub status_label: String,
    pub standing: String,
    pub reason: String,
    pub request_id: Option<i64>,
    pub revocation_id: Option<i64>,
    pub can_request: bool,
    pub can_revoke: bool,
    pub add_scopes: bool,
    /// Corporations: "3 of 5 members covered …".
    pub coverage: String,
}

#[derive(Debug, Clone)]
pub struct HistoryRow {
    pub id: i64,
    pub what: String,
    pub name: String,
    pub state: String,
    pub created: String,
    pub decided: String,
    pub note: String,
    pub cancellable: bool,
    /// `request` or `revocation` (for the cancel URL).
    pub kind: String,
}

#[derive(Debug, Clone)]
pub struct NotificationRow {
    pub message: String,
    pub link: String,
    pub at: String,
    pub unread: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "standings_member.html")]
pub struct StandingsMemberPage {
    pub layout: Layout,
    pub characters: Vec<SubjectView>,
    pub corporations: Vec<SubjectView>,
    pub history: Vec<HistoryRow>,
    pub notifications: Vec<NotificationRow>,
    pub unread: usize,
    pub coverage_rule: String,
    pub sync_login: String,
}

/// One pending request or revocation in the approver's queue.
#[derive(Debug, Clone)]
pub struct QueueRow {
    pub id: i64,
    /// `character`, `corporation` or `alliance`.
    pub kind: &'static str,
    pub entity_id: i64,
    pub name: String,
    pub image: String,
    pub requester: String,
    /// The requester's main with the account's state, e.g. "Ava (Member)".
    pub main: String,
    pub affiliation: String,
    /// `today`, `1-2d`, `3-6d`, `7d`.
    pub age_class: &'static str,
    pub age: String,
    pub created: String,
    pub details: String,
    /// Revocations: why.
    pub reason: String,
    /// Revocations: the standing in force.
    pub current: String,
}

/// The queue's request rows, without the page around them (`routes::standings::queue_rows`).
#[derive(Template)]
#[template(path = "standings_queue_requests.html")]
pub struct QueueRequestRows<'a> {
    pub rows: &'a [QueueRow],
    pub default_standing: &'a str,
}

/// The queue's removal rows, without the page around them.
#[derive(Template)]
#[template(path = "standings_queue_revocations.html")]
pub struct QueueRevocationRows<'a> {
    pub rows: &'a [QueueRow],
}

/// Both lists of the queue as HTML, rendered once per queue read and shared by every page view
/// until the queue or a row's age changes (`routes::standings::queue_rows`).
#[derive(Debug)]
pub struct QueueRowsHtml {
    pub request_count: usize,
    pub revocation_count: usize,
    pub requests: String,
    pub revocations: String,
}

/// Rendered by its route into a buffer of the page's size (`routes::standings::queue`).
#[derive(Template)]
#[template(path = "standings_queue.html")]
pub struct StandingsQueuePage {
    pub layout: Layout,
    pub rows: std::sync::Arc<QueueRowsHtml>,
    pub default_standing: String,
}

/// The full decision on one queue item: approve with a standing and notes, or reject with a
/// reason, with the diff preview. Opened in the queue's row (htmx) or as `DecidePage`.
#[derive(Template, WebTemplate)]
#[template(path = "standings_decide.html")]
pub struct DecideFragment {
    pub row: QueueRow,
    pub revocation: bool,
    pub default_standing: String,
    pub preview: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "standings_decide_page.html")]
pub struct DecidePage {
    pub layout: Layout,
    pub decide: DecideFragment,
}

#[derive(Template, WebTemplate)]
#[template(path = "standings_preview.html")]
pub struct StandingsPreviewFragment {
    pub text: String,
}

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
#[template(path = "standings_entries.html")]
pub struct StandingsEntriesPage {
    pub layout: Layout,
    pub rows: Vec<EntryRow>,
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
}
