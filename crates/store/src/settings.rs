//! The `[database]` section of the configuration: which database (SQLite, the embedded default,
//! or PostgreSQL for several instances) and how many connections. The binary's configuration
//! composes it; the default SQLite file lives in the data directory, which the binary knows.

use crate::ConnectOptions;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://path/to/file.db` (default: `<data_dir>/jumpgate.db`) or `postgres://…`; a secret
    /// (it may hold a password), never logged.
    pub url: Option<SecretString>,
    /// PostgreSQL: the pool size (default 10). SQLite: the number of reader connections beside
    /// the one writer (default 4).
    pub max_connections: Option<u32>,
}

impl DatabaseSettings {
    /// Adds every problem with this section to `problems`, each named with its setting and fix.
    pub fn validate(&self, problems: &mut Vec<String>) {
        if self.max_connections == Some(0) {
            problems.push("database.max_connections must be at least 1".to_owned());
        }
        if let Some(url) = &self.url
            && !["sqlite:", "postgres://", "postgresql://"]
                .iter()
                .any(|scheme| url.expose_secret().starts_with(scheme))
        {
            problems.push(
                "database.url must start with sqlite:, postgres:// or postgresql://".to_owned(),
            );
        }
    }

    pub fn connect_options(&self) -> ConnectOptions {
        ConnectOptions {
            max_connections: self.max_connections,
        }
    }
}
