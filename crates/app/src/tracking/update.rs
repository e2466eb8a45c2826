//! The update of member tracking: for each tracked corporation, the first of its Directors
//! whose token still works and who still is a Director reads `/membertracking`; the names of
//! members, stations, systems and ships are resolved in batches (`POST /universe/names`, which
//! drops what it cannot name); the corporation's members are replaced in one transaction. Any
//! failure leaves the last good list and records why, for the pages.

use super::{UPDATE_INTERVAL, UPDATE_MEMBER_TRACKING, corporation_target};
use crate::App;
use crate::audit::audit_in;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use crate::jobs::{JobError, JobRegistry, Periodic};
use jumpgate_domain::account::TokenStatus;
use jumpgate_domain::tracking::{DirectorCheck, FIRST_STRUCTURE_ID, Named, TrackedMember};
use jumpgate_domain::{CharacterId, CorporationId};
use jumpgate_eve::esi::MemberTracking;
use jumpgate_eve::{EsiError, UniverseName};
use jumpgate_store::{JobSummary, TrackingDirector};
use secrecy::ExposeSecret;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// At most this many structures are looked up per corporation and update. ESI answers
/// "Forbidden" for a structure the Director may not dock in, and every such answer spends
/// ESI's error limit (100 a minute for the whole application), so a corporation spread over
/// many foreign structures must not spend it in one update.
const STRUCTURE_LOOKUPS_PER_UPDATE: usize = 30;

/// What an update did to one corporation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorporationUpdate {
    /// Its members were replaced: how many there are now.
    Updated { members: usize },
    /// Nothing changed; why, as recorded for the pages.
    Failed { reason: String },
}

/// What an update did, per corporation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrackingUpdate {
    pub corporations: Vec<(CorporationId, CorporationUpdate)>,
}

impl TrackingUpdate {
    pub fn updated(&self) -> usize {
        self.corporations
            .iter()
            .filter(|(_, u)| matches!(u, CorporationUpdate::Updated { .. }))
            .count()
    }

    pub fn failed(&self) -> usize {
        self.corporations.len() - self.updated()
    }

    pub fn members(&self) -> usize {
        self.corporations
            .iter()
            .map(|(_, u)| match u {
                CorporationUpdate::Updated { members } => *members,
                CorporationUpdate::Failed { .. } => 0,
            })
            .sum()
    }
}

/// Registers the update job: `{"corporation_id": …}` updates one corporation, an empty payload
/// every one.
pub fn register_jobs(registry: &mut JobRegistry) {
    registry.register(UPDATE_MEMBER_TRACKING, |app, caller, payload| async move {
        let only = match payload.get("corporation_id") {
            None | Some(serde_json::Value::Null) => None,
            Some(v) => Some(CorporationId(v.as_i64().filter(|&id| id > 0).ok_or_else(
                || JobError::Fatal(format!("corporation_id {v} is not a corporation id")),
            )?)),
        };
        let done = app.update_member_tracking(&caller, only).await?;
        Ok::<_, JobError>(
            JobSummary::new()
                .with("corporations updated", done.updated())
                .with("corporations failed", done.failed())
                .with("members", done.members()),
        )
    });
}

/// Every tracked corporation, once per [`UPDATE_INTERVAL`].
pub fn periodic() -> Periodic {
    Periodic {
        kind: UPDATE_MEMBER_TRACKING,
        interval: UPDATE_INTERVAL,
        max_attempts: 3,
    }
}

impl App {
    /// Updates every tracked corporation, or only `only`. Background work (the job and
    /// `jumpgate tracking update`). A corporation that fails keeps its last list; the others go
    /// on. `NotFound` when `only` is not tracked.
    pub async fn update_member_tracking(
        &self,
        caller: &Caller,
        only: Option<CorporationId>,
    ) -> AppResult<TrackingUpdate> {
        caller.require_background()?;
        let mut corporations: Vec<CorporationId> = self
            .store()
            .tracked_corporations()
            .await?
            .into_iter()
            .map(|c| c.id)
            .collect();
        if let Some(only) = only {
            if !corporations.contains(&only) {
                return Err(super::not_tracked(only));
            }
            corporations = vec![only];
        }
        let directors = self.store().tracking_directors().await?;
        let mut out = TrackingUpdate::default();
        for corporation in corporations {
            // Every character whose tracking token was recorded for this corporation, Directors
            // first: one found wanting before may hold the role again (roles change in game).
            let of_corporation: Vec<&TrackingDirector> = directors
                .iter()
                .filter(|d| d.corporation == corporation && d.token == Some(TokenStatus::Valid))
                .collect();
            let outcome = match self
                .update_corporation(caller, corporation, &of_corporation)
                .await?
            {
                Ok(members) => CorporationUpdate::Updated { members },
                Err(reason) => {
                    self.store()
                        .record_tracking_failure(corporation, &reason)
                        .await?;
                    self.audit(
                        caller.actor(),
                        "tracking.update_failed",
                        corporation_target(corporation),
                        json!({"reason": reason}),
                    )
                    .await?;
                    tracing::warn!(corporation = corporation.get(), %reason, "member tracking was not updated");
                    CorporationUpdate::Failed { reason }
                }
            };
            out.corporations.push((corporation, outcome));
        }
        Ok(out)
    }

    /// Reads and stores one corporation's members with the first usable Director: how many,
    /// or the reason for people when EVE or the tokens did not allow it. Jumpgate's own faults
    /// (the database) are errors, not reasons: they are logged, never shown.
    async fn update_corporation(
        &self,
        caller: &Caller,
        corporation: CorporationId,
        directors: &[&TrackingDirector],
    ) -> AppResult<Result<usize, String>> {
        let mut problems = Vec::new();
        for director in directors {
            let access = match self.recheck_director(director, corporation).await {
                Ok(Some(access)) => access,
                Ok(None) => continue,
                // EVE is down or refusing: another Director's token would fare no better.
                Err(e @ (AppError::Esi(_) | AppError::Sso(_))) => {
                    return Ok(Err(format!("EVE did not answer: {e}")));
                }
                Err(e @ (AppError::Invalid(_) | AppError::NotFound(_) | AppError::Conflict(_))) => {
                    problems.push(format!("{}'s token: {e}", director.name));
                    continue;
                }
                Err(e) => return Err(e),
            };
            let listed = match self
                .esi()
                .corporation_member_tracking(
                    corporation,
                    director.character,
                    access.expose_secret(),
                )
                .await
            {
                Ok(listed) => listed.value,
                // EVE's own verdict on the role, whatever the roles said a moment ago.
                Err(EsiError::Forbidden { .. }) => {
                    self.record_check(director.character, corporation, DirectorCheck::NotDirector)
                        .await?;
                    continue;
                }
                Err(e) => return Ok(Err(format!("EVE's member tracking did not answer: {e}"))),
            };
            let members = match self
                .resolve_members(
                    corporation,
                    &listed,
                    director.character,
                    access.expose_secret(),
                )
                .await
            {
                Ok(members) => members,
                Err(e @ AppError::Esi(_)) => {
                    return Ok(Err(format!(
                        "EVE could not name the members, places and ships: {e}"
                    )));
                }
                Err(e) => return Err(e),
            };
            let count = members.len();
            let mut tx = self.store().transaction().await?;
            tx.replace_tracking_members(corporation, &members).await?;
            audit_in(
                &mut tx,
                caller.actor(),
                "tracking.updated",
                corporation_target(corporation),
                json!({"members": count, "director": director.character.get()}),
            )
            .await?;
            tx.commit().await?;
            return Ok(Ok(count));
        }
        problems.insert(
            0,
            "no Director's tracking token can read this corporation: a Director must log in with the tracking login".to_owned(),
        );
        Ok(Err(problems.join("; ")))
    }

    /// The members with every name ESI gives, in batches of ids (characters, stations, solar
    /// systems and ship types at once) and, for structures, one lookup each with the Director's
    /// token. A structure named at an earlier update keeps that name without a lookup.
    async fn resolve_members(
        &self,
        corporation: CorporationId,
        listed: &[MemberTracking],
        director: CharacterId,
        access_token: &str,
    ) -> AppResult<Vec<TrackedMember>> {
        let mut ids: Vec<i64> = Vec::with_capacity(listed.len() * 3);
        for m in listed {
            ids.push(m.character_id.get());
            ids.extend(m.ship_type_id);
            ids.extend(m.location_id.filter(|&l| l < FIRST_STRUCTURE_ID));
        }
        let mut names: BTreeMap<i64, String> = if ids.is_empty() {
            BTreeMap::new()
        } else {
            self.esi()
                .universe_names(&ids)
                .await
                .map_err(AppError::from)?
                .into_iter()
                .map(|UniverseName { id, name, .. }| (id, name))
                .collect()
        };
        names.extend(
            self.structure_names(corporation, listed, director, access_token)
                .await?,
        );
        let named = |id: i64| Named {
            id,
            name: names.get(&id).cloned(),
        };
        Ok(listed
            .iter()
            .map(|m| TrackedMember {
                character: CharacterId(m.character_id.get()),
                name: names.get(&m.character_id.get()).cloned(),
                location: m.location_id.map(named),
                ship: m.ship_type_id.map(named),
                logon_at: m.logon_date,
                logoff_at: m.logoff_date,
                start_at: m.start_date,
            })
            .collect())
    }

    /// The names of the structures members sit in: those named at an earlier update, and up
    /// to [`STRUCTURE_LOOKUPS_PER_UPDATE`] others read now. A structure the Director may not
    /// dock in stays unnamed (shown by id).
    async fn structure_names(
        &self,
        corporation: CorporationId,
        listed: &[MemberTracking],
        director: CharacterId,
        access_token: &str,
    ) -> AppResult<BTreeMap<i64, String>> {
        let structures: BTreeSet<i64> = listed
            .iter()
            .filter_map(|m| m.location_id)
            .filter(|&l| l >= FIRST_STRUCTURE_ID)
            .collect();
        if structures.is_empty() {
            return Ok(BTreeMap::new());
        }
        let mut names: BTreeMap<i64, String> = self
            .store()
            .tracking_members(corporation)
            .await?
            .into_iter()
            .filter_map(|r| {
                let place = r.member.location?;
                Some((place.id, place.name?))
            })
            .filter(|(id, _)| structures.contains(id))
            .collect();
        let unknown: Vec<i64> = structures
            .into_iter()
            .filter(|id| !names.contains_key(id))
            .take(STRUCTURE_LOOKUPS_PER_UPDATE)
            .collect();
        for id in unknown {
            match self.esi().structure(id, director, access_token).await {
                Ok(found) => {
                    names.insert(id, found.value.name);
                }
                Err(EsiError::Forbidden { .. } | EsiError::NotFound(_)) => {
                    tracing::debug!(structure = id, "the Director may not see this structure");
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(names)
    }
}
