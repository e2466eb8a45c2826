//! Every route and the menu: one folder per feature, each with its `router()` and its `nav()`
//! (the menu entries it has for a person). This file only composes them, one line per feature.

pub(crate) mod accounts;
mod apps;
pub(crate) mod audit;
pub(crate) mod groups;
mod jobs;
mod notifications;
mod roles;
pub(crate) mod standings;
mod states;
mod system;
mod tracking;

use crate::WebState;
use crate::ui::nav::{NavGroup, menu};
use axum::Router;
use jumpgate_app::Caller;

/// The pages (the application API is composed beside them, in `crate::router`).
pub fn router(state: WebState) -> Router {
    Router::new()
        .merge(accounts::router())
        .merge(standings::router())
        .merge(jobs::router())
        .merge(states::router())
        .merge(groups::router())
        .merge(roles::router())
        .merge(notifications::router())
        .merge(tracking::router())
        .merge(apps::router())
        .merge(audit::router())
        .merge(system::router())
        .fallback(system::not_found)
        .with_state(state)
}

/// The menu `caller` sees: every feature's entries, in this order within each section.
pub fn nav(caller: &Caller) -> Vec<NavGroup> {
    menu([
        accounts::nav(caller),
        standings::nav(caller),
        jobs::nav(caller),
        states::nav(caller),
        groups::nav(caller),
        roles::nav(caller),
        tracking::nav(caller),
        apps::nav(caller),
        audit::nav(caller),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_menu_groups_a_members_pages_then_leaderships_then_administrations() {
        // A system caller may do everything: the whole menu.
        let groups: Vec<(&str, Vec<&str>)> = nav(&Caller::system("test"))
            .iter()
            .map(|g| (g.heading, g.items.iter().map(|i| i.label).collect()))
            .collect();
        assert_eq!(
            groups,
            [
                (
                    "",
                    vec![
                        "Account",
                        "Standings",
                        "Contact sync",
                        "Groups",
                        "Roles",
                        "Tracking"
                    ]
                ),
                ("Leadership", vec!["Approvals", "Standings DB"]),
                (
                    "Administration",
                    vec![
                        "Users",
                        "Characters",
                        "Jobs",
                        "States",
                        "Groups",
                        "Roles",
                        "Tracking",
                        "Applications",
                        "Audit log"
                    ]
                ),
            ]
        );
    }
}
