//! What can go wrong in a use case, in words a person can act on.
//!
//! Store errors become use-case errors in one place (`From<StoreError>`): what a person can act
//! on keeps its message, a write that lost a race with another is a `Conflict` that says so, and
//! everything else is `Internal` (the edge logs it and shows a generic page).

use jumpgate_eve::{EsiError, SsoError};
use jumpgate_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The person asked for something that does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The person may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The request cannot be carried out as asked; the message says why and nothing changed.
    #[error("{0}")]
    Invalid(String),
    /// Something changed between reading and writing (another person or instance was faster);
    /// nothing changed here, and trying again on fresh data may work.
    #[error("{0}")]
    Conflict(String),
    /// EVE's login server refused or failed; nothing changed.
    #[error("EVE login failed: {0}")]
    Sso(#[from] SsoError),
    /// ESI refused or failed; nothing changed.
    #[error("EVE's API did not answer as expected: {0}")]
    Esi(#[from] EsiError),
    #[error(transparent)]
    Secrets(#[from] crate::tokens::secrets::SecretsError),
    /// A fault of Jumpgate or its database: logged with detail, shown to people as such.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Self::NotFound(format!("{what} not found")),
            StoreError::Invalid(why) => Self::Invalid(why),
            StoreError::Conflict(what) => Self::Conflict(format!(
                "this changed while you were working on it ({what}); nothing was changed: reload and try again"
            )),
            other @ (StoreError::Locked { .. }
            | StoreError::Database(_)
            | StoreError::Migrate(_)
            | StoreError::Corrupt(_)) => Self::Internal(anyhow::Error::new(other)),
        }
    }
}

impl AppError {
    /// Errors a person can fix or retry, whose message may be shown as it is.
    pub fn is_user_facing(&self) -> bool {
        matches!(
            self,
            Self::NotFound(_)
                | Self::Forbidden(_)
                | Self::Invalid(_)
                | Self::Conflict(_)
                | Self::Sso(_)
                | Self::Esi(_)
        )
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_a_person_can_act_on_keep_their_meaning() {
        assert!(matches!(
            AppError::from(StoreError::NotFound("state 4".into())),
            AppError::NotFound(m) if m == "state 4 not found"
        ));
        assert!(matches!(
            AppError::from(StoreError::Invalid("no such main".into())),
            AppError::Invalid(m) if m == "no such main"
        ));
        let raced = AppError::from(StoreError::Conflict("states.name".into()));
        assert!(raced.is_user_facing());
        assert!(
            raced.to_string().contains("reload and try again"),
            "{raced}"
        );
        let broken = AppError::from(StoreError::Corrupt("bad row".into()));
        assert!(matches!(broken, AppError::Internal(_)));
        assert!(!broken.is_user_facing());
    }
}
