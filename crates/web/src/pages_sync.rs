//! Page models of contact sync: the member's page and the administrators' overview.

use crate::ui::Layout;
use askama::Template;
use askama_web::WebTemplate;

/// One of the member's characters.
#[derive(Debug, Clone)]
pub struct MemberSyncLine {
    pub character: i64,
    pub name: String,
    pub portrait: String,
    pub enrolled: bool,
    pub has_token: bool,
    /// CSS class of the status badge, e.g. `in_sync`.
    pub status: String,
    pub status_text: String,
    pub message: String,
    pub last_sync: String,
    pub last_success: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "sync_member.html")]
pub struct SyncMemberPage {
    pub layout: Layout,
    pub label_name: String,
    pub add_scopes: String,
    pub lines: Vec<MemberSyncLine>,
}

/// One enrolled character on the admin page.
#[derive(Debug, Clone)]
pub struct AdminSyncLine {
    pub character: i64,
    pub name: String,
    pub status: String,
    pub status_text: String,
    pub message: String,
    pub last_sync: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "sync_progress.html")]
pub struct SyncProgressFragment {
    pub queued: usize,
    pub running: usize,
    pub total: i64,
    pub in_sync: i64,
    pub problems: i64,
    pub done: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "sync_admin.html")]
pub struct SyncAdminPage {
    pub layout: Layout,
    pub progress: SyncProgressFragment,
    /// Status → count, every status.
    pub by_status: Vec<(String, String, usize)>,
    pub lines: Vec<AdminSyncLine>,
}
