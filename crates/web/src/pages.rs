//! Page models: one askama template per struct. Everything a template shows is prepared here
//! as plain strings and flags, so templates stay free of logic.

use crate::ui::Layout;
use askama::Template;
use askama_web::WebTemplate;

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    pub layout: Layout,
}

/// One character card on the account page.
#[derive(Debug, Clone)]
pub struct CharacterCard {
    pub id: i64,
    pub name: String,
    pub portrait: String,
    pub is_main: bool,
    pub corporation: String,
    pub corporation_logo: String,
    pub alliance: Option<String>,
    pub alliance_logo: Option<String>,
    pub tokens: Vec<TokenLine>,
    pub last_checked: String,
    pub added: String,
}

#[derive(Debug, Clone)]
pub struct TokenLine {
    pub login: String,
    /// `valid`, `invalid` or `revoked`, also the badge's CSS class.
    pub status: String,
    pub reason: Option<String>,
    pub scopes: Vec<String>,
    pub missing: Vec<String>,
    pub last_checked: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
pub struct AccountPage {
    pub layout: Layout,
    pub account_id: i64,
    pub state: String,
    pub superuser: bool,
    pub characters: Vec<CharacterCard>,
    pub allow_alt_removal: bool,
    pub permissions: Vec<String>,
    /// The account's address, empty when none.
    pub email: String,
    pub email_verified: bool,
    /// The account's time zone name, empty when none.
    pub timezone: String,
    pub timezones: &'static [String],
}

#[derive(Debug, Clone)]
pub struct AccountRow {
    pub id: i64,
    pub main_name: String,
    pub portrait: String,
    pub state: String,
    pub superuser: bool,
    pub characters: i64,
    pub created: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_users.html")]
pub struct AdminUsersPage {
    pub layout: Layout,
    pub query: String,
    pub rows: Vec<AccountRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_users_rows.html")]
pub struct AdminUsersRows {
    pub rows: Vec<AccountRow>,
}

#[derive(Debug, Clone)]
pub struct RemovedRow {
    pub character_id: i64,
    pub name: String,
    pub portrait: String,
    pub from_account: i64,
    pub to_account: Option<i64>,
    pub reason: String,
    pub actor: Option<i64>,
    pub when: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_user.html")]
pub struct AdminUserPage {
    pub layout: Layout,
    pub account_id: i64,
    pub main_name: String,
    pub state: String,
    pub superuser: bool,
    pub characters: Vec<CharacterCard>,
    pub direct_permissions: Vec<String>,
    pub grantable: Vec<(String, String)>,
    pub removed: Vec<RemovedRow>,
    pub can_edit_permissions: bool,
}

#[derive(Debug, Clone)]
pub struct CharacterRow {
    pub id: i64,
    pub name: String,
    pub portrait: String,
    pub account: i64,
    pub corporation: i64,
    pub alliance: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_characters.html")]
pub struct AdminCharactersPage {
    pub layout: Layout,
    pub query: String,
    pub rows: Vec<CharacterRow>,
    pub removed: Vec<RemovedRow>,
}

#[derive(Debug, Clone)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub run_at: String,
    pub attempts: String,
    pub locked_by: String,
    pub last_error: String,
    pub can_retry: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_jobs.html")]
pub struct AdminJobsPage {
    pub layout: Layout,
    pub filter: String,
    pub queued: i64,
    pub running: i64,
    pub failed: i64,
    pub rows: Vec<JobRow>,
    pub valve_tripped: bool,
}

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
#[template(path = "admin_audit.html")]
pub struct AdminAuditPage {
    pub layout: Layout,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub since: String,
    pub until: String,
    pub export_query: String,
    pub rows: Vec<AuditRow>,
}

/// One criterion of a state, as a removable chip.
#[derive(Debug, Clone)]
pub struct CriterionChip {
    /// `character`, `corporation`, `alliance` or `faction`.
    pub kind: String,
    pub id: i64,
    pub label: String,
}

#[derive(Debug, Clone)]
pub struct StateRow {
    pub id: i64,
    pub name: String,
    pub priority: i32,
    pub is_guest: bool,
    pub criteria: Vec<CriterionChip>,
    pub permissions: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_states.html")]
pub struct AdminStatesPage {
    pub layout: Layout,
    pub rows: Vec<StateRow>,
}

/// A permission checkbox on the state page.
#[derive(Debug, Clone)]
pub struct PermissionBox {
    pub name: String,
    pub what: String,
    pub checked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_state.html")]
pub struct AdminStatePage {
    pub layout: Layout,
    pub state: StateRow,
    pub permissions: Vec<PermissionBox>,
    pub kinds: Vec<String>,
}
