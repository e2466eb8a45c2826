//! The signed-in person in the page's frame, with their menu.

#[derive(Debug, Clone)]
pub struct NavUser {
    pub name: String,
    pub portrait: String,
    pub state: String,
    pub admin_users: bool,
    pub admin_jobs: bool,
    pub admin_audit: bool,
    pub admin_states: bool,
    pub standings_request: bool,
    pub standings_approve: bool,
    pub standings_manage: bool,
    pub standings_audit: bool,
}
