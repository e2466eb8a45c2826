//! Applications (issue 12, ADR 0030): the tools beside Jumpgate that call the application API
//! (Neucore-compatible). Administrators (`admin.apps`) create them and choose what each may do
//! (`admin`); their managers make the secret, shown once and stored as a slow hash (`secret`);
//! an application proves who it is on every call and becomes a `Caller` (`authenticate`), whose
//! roles and groups the use cases check; its calls are limited and counted (`requests`).
//! `esi_proxy` passes an application's ESI requests on with a character's token.
//! `kept` holds what the API reads on every call, so that a call costs no database round trip
//! while nothing changed. `webhooks` (set by managers) and `webhook_delivery` (a periodic scan
//! and per-application delivery jobs) tell an application when its groups' members change
//! (ADR 0031).

mod admin;
mod authenticate;
pub(crate) mod directory;
mod esi_proxy;
mod kept;
mod requests;
mod secret;
mod settings;
mod show;
pub mod webhook_delivery;
mod webhooks;

pub use admin::{AppDetails, AppGrant, AppsOverview};
pub use esi_proxy::{ProxyOutcome, ProxyRefusal, ProxyRequest};
pub use kept::AppCaches;
pub use requests::{AppRequestCounter, RequestStatistics};
pub use settings::AppsSettings;
pub use show::OwnApplication;
pub use webhooks::WebhookOverview;

use crate::error::AppError;
use jumpgate_domain::AppId;
use jumpgate_domain::apps::AppRuleError;

/// The audit log's target for an application.
fn app_target(id: AppId) -> String {
    format!("app:{id}")
}

fn no_such_app(id: AppId) -> AppError {
    AppError::NotFound(format!("no application #{id}"))
}

impl From<AppRuleError> for AppError {
    fn from(e: AppRuleError) -> Self {
        match e {
            AppRuleError::MissingRole(_) => AppError::Forbidden(e.to_string()),
            _ => AppError::Invalid(e.to_string()),
        }
    }
}
