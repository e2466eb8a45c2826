//! The audit log: every change, who made it, chained by hashes.

pub(crate) mod log;

use crate::WebState;
use crate::ui::nav::NavItem;
use axum::Router;
use axum::routing::get;
use jumpgate_app::Caller;
use jumpgate_domain::permissions::Permission;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/admin/audit", get(log::list))
        .route("/admin/audit.csv", get(log::export))
}

/// The whole log for auditors; its standings part for standings auditors.
pub fn nav(caller: &Caller) -> Vec<NavItem> {
    let grants = caller.grants();
    if grants.allows(Permission::ADMIN_AUDIT) {
        vec![NavItem::admin("Audit log", "/admin/audit")]
    } else if grants.allows(Permission::STANDINGS_AUDIT) {
        vec![NavItem::admin(
            "Standings audit",
            "/admin/audit?action=standings.",
        )]
    } else {
        Vec::new()
    }
}
