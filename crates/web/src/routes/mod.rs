//! Every route and the menu: one folder per feature, each with its `router()` and its `nav()`
//! (the menu entries it has for a person). This file only composes them, one line per feature.

mod accounts;
mod audit;
mod jobs;
pub(crate) mod standings;
mod states;
mod system;

use crate::WebState;
use crate::ui::nav::{NavItem, menu};
use axum::Router;
use jumpgate_app::Caller;

pub fn router(state: WebState) -> Router {
    Router::new()
        .merge(accounts::router())
        .merge(standings::router())
        .merge(jobs::router())
        .merge(states::router())
        .merge(audit::router())
        .merge(system::router())
        .route_layer(axum::middleware::from_fn(crate::metrics::track_http))
        .fallback(system::not_found)
        .with_state(state)
}

/// The menu `caller` sees: every feature's entries, in this order within each section.
pub fn nav(caller: &Caller) -> Vec<NavItem> {
    menu([
        accounts::nav(caller),
        standings::nav(caller),
        jobs::nav(caller),
        states::nav(caller),
        audit::nav(caller),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_menu_keeps_its_order_people_first_administration_after() {
        // A system caller may do everything: the whole menu.
        let labels: Vec<&str> = nav(&Caller::system("test"))
            .iter()
            .map(|item| item.label)
            .collect();
        assert_eq!(
            labels,
            [
                "Account",
                "Standings",
                "Contact sync",
                "Approvals",
                "Standings DB",
                "Users",
                "Characters",
                "Jobs",
                "States",
                "Audit log",
            ]
        );
    }
}
