//! What an application learns about itself (`GET /app/v1/show`): its roles, groups and EVE
//! logins. Tools call it to check their credentials.

use crate::App;
use crate::caller::Caller;
use crate::error::AppResult;
use jumpgate_domain::EveLogin;
use jumpgate_domain::apps::{AppRole, Application};
use jumpgate_domain::groups::Group;

/// The calling application as it sees itself.
#[derive(Debug, Clone)]
pub struct OwnApplication {
    pub app: Application,
    /// Its groups, by name.
    pub groups: Vec<Group>,
    /// Its EVE logins, each with its number (`login_number`).
    pub eve_logins: Vec<(i64, EveLogin)>,
}

impl App {
    /// The number Neucore's API gives an EVE login (`EveLogin.id`): its place among Jumpgate's
    /// logins, counted from 1 (`core.default` is first; the logins are defined in code, in a
    /// fixed order).
    pub fn login_number(&self, name: &str) -> Option<i64> {
        self.logins()
            .iter()
            .position(|l| l.name == name)
            .and_then(|i| i64::try_from(i + 1).ok())
    }

    /// The calling application with its groups and EVE logins. Every application may ask.
    pub async fn own_application(&self, caller: &Caller) -> AppResult<OwnApplication> {
        let app = caller.require_app_role(AppRole::App)?.clone();
        let catalogue = self.group_catalogue(Some(caller)).await?;
        let groups = catalogue
            .iter()
            .filter(|g| app.groups.contains(&g.id))
            .cloned()
            .collect();
        let eve_logins = self
            .logins()
            .iter()
            .filter(|l| app.may_use_login(&l.name))
            .filter_map(|l| Some((self.login_number(&l.name)?, l.clone())))
            .collect();
        Ok(OwnApplication {
            app,
            groups,
            eve_logins,
        })
    }
}
