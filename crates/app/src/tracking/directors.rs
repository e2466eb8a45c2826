//! The Director role behind a `core.tracking` token: checked at login (a character that is
//! not a Director is refused and nothing is stored) and before every update (a token whose
//! character lost the role or left the corporation is no longer used, and the pages say so).

use super::{UPDATE_MEMBER_TRACKING, corporation_target};
use crate::App;
use crate::audit::audit_in;
use crate::error::{AppError, AppResult};
use jumpgate_domain::audit::Actor;
use jumpgate_domain::states::Affiliation;
use jumpgate_domain::tracking::{DirectorCheck, TRACKING_LOGIN, is_director};
use jumpgate_domain::{CharacterId, CorporationId};
use jumpgate_store::{NewJob, TrackingDirector};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

/// The job that updates one corporation now (after its Director logged in).
pub(super) fn update_job(corporation: CorporationId, run_at: time::OffsetDateTime) -> NewJob {
    NewJob {
        kind: UPDATE_MEMBER_TRACKING.to_owned(),
        payload: json!({ "corporation_id": corporation.get() }),
        run_at,
        dedupe_key: Some(format!("{UPDATE_MEMBER_TRACKING}:{corporation}")),
        max_attempts: 3,
    }
}

impl App {
    /// Before a `core.tracking` login writes anything: where the character stands, if EVE says
    /// it is a Director there; otherwise the login is refused, in words that say what to do.
    pub(crate) async fn director_at_login(
        &self,
        character: CharacterId,
        name: &str,
        access_token: &str,
    ) -> AppResult<Affiliation> {
        let affiliation = self
            .esi()
            .affiliations(&[character])
            .await?
            .into_iter()
            .find(|a| a.character == character)
            .ok_or_else(|| AppError::Invalid(format!("EVE does not know character {character}")))?;
        let roles = self.esi().character_roles(character, access_token).await?;
        if !is_director(&roles.value.roles) {
            return Err(AppError::Invalid(format!(
                "{name} is not a Director of their corporation, so EVE does not let Jumpgate read its member tracking. Nothing was stored: a Director of the corporation must log in with this login."
            )));
        }
        Ok(affiliation)
    }

    /// After a Director's `core.tracking` token is stored: the character's corporation as EVE
    /// just said (so the next update's check agrees, even before the affiliation sweep), the
    /// corporation tracked, the check recorded with its audit entry, and an update of it
    /// queued at once.
    pub(crate) async fn record_director_at_login(
        &self,
        affiliation: &Affiliation,
    ) -> AppResult<()> {
        let (character, corporation) = (affiliation.character, affiliation.corporation);
        self.store()
            .update_affiliations(std::slice::from_ref(affiliation), self.now())
            .await?;
        let mut tx = self.store().transaction().await?;
        tx.record_director_check(character, corporation, DirectorCheck::Director)
            .await?;
        audit_in(
            &mut tx,
            Actor::System("login".into()),
            "tracking.director_checked",
            corporation_target(corporation),
            json!({"character": character.get(), "check": DirectorCheck::Director.as_str()}),
        )
        .await?;
        tx.enqueue_job(&update_job(corporation, self.now())).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Checks a Director of `corporation` again: its token (refreshed if due), its corporation
    /// (as the affiliation sweep keeps it) and its roles (ESI caches them for an hour). The
    /// access token when the character still is a Director there; `Ok(None)` when it is not
    /// (recorded, and audited when it changed); an error when the token or ESI failed.
    pub(super) async fn recheck_director(
        &self,
        director: &TrackingDirector,
        corporation: CorporationId,
    ) -> AppResult<Option<SecretString>> {
        let character = director.character;
        let access = self.fresh_access_token(character, TRACKING_LOGIN).await?;
        let now_in = self
            .store()
            .character(character)
            .await?
            .map(|c| c.corporation);
        let check = if now_in != Some(corporation) {
            DirectorCheck::LeftCorporation
        } else {
            let roles = self
                .esi()
                .character_roles(character, access.expose_secret())
                .await?;
            if is_director(&roles.value.roles) {
                DirectorCheck::Director
            } else {
                DirectorCheck::NotDirector
            }
        };
        self.record_check(character, corporation, check).await?;
        Ok((check == DirectorCheck::Director).then_some(access))
    }

    /// Records a periodic check; a change of verdict is audited (an unchanged one is not: it
    /// repeats every hour).
    pub(super) async fn record_check(
        &self,
        character: CharacterId,
        corporation: CorporationId,
        check: DirectorCheck,
    ) -> AppResult<()> {
        let mut tx = self.store().transaction().await?;
        let before = tx
            .record_director_check(character, corporation, check)
            .await?;
        if before != Some(check) {
            audit_in(
                &mut tx,
                Actor::System(UPDATE_MEMBER_TRACKING.into()),
                "tracking.director_checked",
                corporation_target(corporation),
                json!({
                    "character": character.get(),
                    "check": check.as_str(),
                    "before": before.map(DirectorCheck::as_str),
                }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
