//! Page models of a bulk operation: its page and the progress fragment htmx polls.

use crate::ui::Layout;
use askama::Template;
use askama_web::WebTemplate;

#[derive(Template, WebTemplate)]
#[template(path = "bulk_progress.html")]
pub struct BulkProgressFragment {
    pub id: i64,
    /// `queued`, `running`, `finished` or `failed` (the badge's class).
    pub status: String,
    pub step: String,
    pub total: i64,
    pub done: i64,
    pub failed: i64,
    /// Done and failed out of total, 0–100.
    pub percent: i64,
    pub summary: String,
    pub problems: Vec<String>,
    /// Nothing more will happen: stop polling.
    pub over: bool,
    pub return_to: String,
    pub return_label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "bulk_operation.html")]
pub struct BulkOperationPage {
    pub layout: Layout,
    pub title: String,
    pub started: String,
    pub progress: BulkProgressFragment,
}
