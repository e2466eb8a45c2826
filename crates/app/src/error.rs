//! What can go wrong in a use case, in words a person can act on.

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
    /// EVE's login server refused or failed; nothing changed.
    #[error("EVE login failed: {0}")]
    Sso(#[from] SsoError),
    /// ESI refused or failed; nothing changed.
    #[error("EVE's API did not answer as expected: {0}")]
    Esi(#[from] EsiError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Secrets(#[from] crate::secrets::SecretsError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// Errors a person can fix or retry, whose message may be shown as it is.
    pub fn is_user_facing(&self) -> bool {
        matches!(
            self,
            Self::NotFound(_) | Self::Forbidden(_) | Self::Invalid(_) | Self::Sso(_) | Self::Esi(_)
        )
    }
}

pub type AppResult<T> = Result<T, AppError>;
