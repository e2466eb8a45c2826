//! The typed ESI operations. Each is a few lines over the machinery in `client.rs`; the route
//! constants carry method, path, rate-limit group and allowed query parameters.

use super::client::{Call, EsiClient, Fresh};
use super::error::EsiError;
use super::models::{
    AffiliationRow, AlliancePublic, CharacterPublic, CharacterRoles, Contact, ContactLabel,
    CorporationPublic, MemberTracking, ServerStatus, UniverseIds, UniverseName, UniverseStructure,
};
use super::routes;
use jumpgate_domain::states::Affiliation;
use jumpgate_domain::{AllianceId, CharacterId, CorporationId};
use std::collections::{HashSet, VecDeque};
use std::hash::Hash;

/// Spec `maxItems` of the bulk bodies.
const AFFILIATION_BATCH: usize = 1000;
const NAMES_BATCH: usize = 1000;
const IDS_BATCH: usize = 500;
const CONTACTS_WRITE_BATCH: usize = 100;
const CONTACTS_DELETE_BATCH: usize = 20;

impl EsiClient {
    /// `GET /status`. A failing `/status` is read as downtime and pauses all traffic.
    pub async fn status(&self) -> Result<ServerStatus, EsiError> {
        Ok(self.get(Call::new(&routes::STATUS, &[])).await?.value)
    }

    pub async fn character(&self, id: CharacterId) -> Result<Fresh<CharacterPublic>, EsiError> {
        self.get(Call::new(&routes::CHARACTER, &[id.get()])).await
    }

    pub async fn corporation(
        &self,
        id: CorporationId,
    ) -> Result<Fresh<CorporationPublic>, EsiError> {
        self.get(Call::new(&routes::CORPORATION, &[id.get()])).await
    }

    pub async fn alliance(&self, id: AllianceId) -> Result<Fresh<AlliancePublic>, EsiError> {
        self.get(Call::new(&routes::ALLIANCE, &[id.get()])).await
    }

    /// POST /characters/affiliation in batches of ≤1000 unique ids
    pub async fn affiliations(&self, ids: &[CharacterId]) -> Result<Vec<Affiliation>, EsiError> {
        let ids = unique(ids.iter().map(|c| c.get()));
        let mut out = Vec::with_capacity(ids.len());
        for batch in ids.chunks(AFFILIATION_BATCH) {
            let call = Call::new(&routes::AFFILIATION, &[]).json(&batch)?;
            let rows: Vec<AffiliationRow> = self.send(call).await?;
            out.extend(rows.into_iter().map(Affiliation::from));
        }
        Ok(out)
    }

    /// POST /universe/names ≤1000; on 404 split the batch (1000→100→10→1) and drop ids that
    /// fail alone. ESI refuses a whole batch for one unknown id, and every 404 spends the error
    /// limit, so feed it known ids.
    pub async fn universe_names(&self, ids: &[i64]) -> Result<Vec<UniverseName>, EsiError> {
        let mut queue: VecDeque<Vec<i64>> = unique(ids.iter().copied())
            .chunks(NAMES_BATCH)
            .map(<[i64]>::to_vec)
            .collect();
        let mut out = Vec::new();
        while let Some(batch) = queue.pop_front() {
            let call = Call::new(&routes::UNIVERSE_NAMES, &[]).json(&batch)?;
            match self.send::<Vec<UniverseName>>(call).await {
                Ok(names) => out.extend(names),
                Err(EsiError::NotFound(_)) if batch.len() > 1 => {
                    let size = smaller_batch(batch.len());
                    // Front of the queue, in order: one bad id is isolated before moving on.
                    for part in batch.chunks(size).rev() {
                        queue.push_front(part.to_vec());
                    }
                }
                Err(EsiError::NotFound(_)) => {
                    tracing::debug!(id = batch.first(), "ESI cannot name this id, dropping it");
                }
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// `POST /universe/ids` in batches of ≤500 unique names (exact matches only).
    pub async fn universe_ids(&self, names: &[String]) -> Result<UniverseIds, EsiError> {
        let names = unique(names.iter().cloned());
        let mut out = UniverseIds::default();
        for batch in names.chunks(IDS_BATCH) {
            let call = Call::new(&routes::UNIVERSE_IDS, &[]).json(&batch)?;
            out.extend(self.send(call).await?);
        }
        Ok(out)
    }

    /// `GET /characters/{id}/roles` (scope `esi-characters.read_corporation_roles.v1`).
    pub async fn character_roles(
        &self,
        id: CharacterId,
        access_token: &str,
    ) -> Result<Fresh<CharacterRoles>, EsiError> {
        let call = Call::new(&routes::CHARACTER_ROLES, &[id.get()]).auth(id, access_token);
        self.get(call).await
    }

    /// A corporation's members with their logons, locations and ships, read with the token of
    /// `director`, a Director of it (scope `esi-corporations.track_members.v1`).
    pub async fn corporation_member_tracking(
        &self,
        corporation: CorporationId,
        director: CharacterId,
        access_token: &str,
    ) -> Result<Fresh<Vec<MemberTracking>>, EsiError> {
        let call = Call::new(&routes::CORPORATION_MEMBERTRACKING, &[corporation.get()])
            .auth(director, access_token);
        self.get(call).await
    }

    /// A player structure's name and place, read with the token of `reader`, who must be on
    /// its docking list (scope `esi-universe.read_structures.v1`); `Forbidden` otherwise.
    pub async fn structure(
        &self,
        structure: i64,
        reader: CharacterId,
        access_token: &str,
    ) -> Result<Fresh<UniverseStructure>, EsiError> {
        let call = Call::new(&routes::UNIVERSE_STRUCTURE, &[structure]).auth(reader, access_token);
        self.get(call).await
    }

    /// Every page of a character's contacts (scope `esi-characters.read_contacts.v1`).
    pub async fn character_contacts(
        &self,
        id: CharacterId,
        access_token: &str,
    ) -> Result<Fresh<Vec<Contact>>, EsiError> {
        let call = Call::new(&routes::CHARACTER_CONTACTS, &[id.get()]).auth(id, access_token);
        self.get_paged(call).await
    }

    pub async fn character_contact_labels(
        &self,
        id: CharacterId,
        access_token: &str,
    ) -> Result<Fresh<Vec<ContactLabel>>, EsiError> {
        let call = Call::new(&routes::CHARACTER_CONTACT_LABELS, &[id.get()]).auth(id, access_token);
        self.get(call).await
    }

    /// A corporation's contacts, read with the token of `reader`, a member of it (scope
    /// `esi-corporations.read_contacts.v1`).
    pub async fn corporation_contacts(
        &self,
        corporation: CorporationId,
        reader: CharacterId,
        access_token: &str,
    ) -> Result<Fresh<Vec<Contact>>, EsiError> {
        let call = Call::new(&routes::CORPORATION_CONTACTS, &[corporation.get()])
            .auth(reader, access_token);
        self.get_paged(call).await
    }

    pub async fn corporation_contact_labels(
        &self,
        corporation: CorporationId,
        reader: CharacterId,
        access_token: &str,
    ) -> Result<Fresh<Vec<ContactLabel>>, EsiError> {
        let call = Call::new(&routes::CORPORATION_CONTACT_LABELS, &[corporation.get()])
            .auth(reader, access_token);
        self.get(call).await
    }

    /// An alliance's contacts, read with the token of `reader`, a member of it (scope
    /// `esi-alliances.read_contacts.v1`).
    pub async fn alliance_contacts(
        &self,
        alliance: AllianceId,
        reader: CharacterId,
        access_token: &str,
    ) -> Result<Fresh<Vec<Contact>>, EsiError> {
        let call =
            Call::new(&routes::ALLIANCE_CONTACTS, &[alliance.get()]).auth(reader, access_token);
        self.get_paged(call).await
    }

    pub async fn alliance_contact_labels(
        &self,
        alliance: AllianceId,
        reader: CharacterId,
        access_token: &str,
    ) -> Result<Fresh<Vec<ContactLabel>>, EsiError> {
        let call = Call::new(&routes::ALLIANCE_CONTACT_LABELS, &[alliance.get()])
            .auth(reader, access_token);
        self.get(call).await
    }

    /// Adds contacts, all with the same standing, labels and watch flag (scope
    /// `esi-characters.write_contacts.v1`), 100 per request. Returns the ids ESI says it
    /// created, which may be fewer than asked (e.g. the ~1024 contact cap).
    pub async fn add_contacts(
        &self,
        id: CharacterId,
        access_token: &str,
        contact_ids: &[i64],
        write: &ContactWrite,
    ) -> Result<Vec<i64>, EsiError> {
        let mut created = Vec::new();
        for batch in unique(contact_ids.iter().copied()).chunks(CONTACTS_WRITE_BATCH) {
            let call = write
                .apply(Call::new(&routes::CHARACTER_CONTACTS_ADD, &[id.get()]))
                .auth(id, access_token)
                .json(&batch)?;
            created.extend(self.send::<Vec<i64>>(call).await?);
        }
        Ok(created)
    }

    /// Changes existing contacts' standing, labels and watch flag, 100 per request.
    pub async fn edit_contacts(
        &self,
        id: CharacterId,
        access_token: &str,
        contact_ids: &[i64],
        write: &ContactWrite,
    ) -> Result<(), EsiError> {
        for batch in unique(contact_ids.iter().copied()).chunks(CONTACTS_WRITE_BATCH) {
            let call = write
                .apply(Call::new(&routes::CHARACTER_CONTACTS_EDIT, &[id.get()]))
                .auth(id, access_token)
                .json(&batch)?;
            self.send_empty(call).await?;
        }
        Ok(())
    }

    /// Deletes contacts, 20 per request (the spec's limit for this route, not 100).
    pub async fn delete_contacts(
        &self,
        id: CharacterId,
        access_token: &str,
        contact_ids: &[i64],
    ) -> Result<(), EsiError> {
        for batch in unique(contact_ids.iter().copied()).chunks(CONTACTS_DELETE_BATCH) {
            let mut call =
                Call::new(&routes::CHARACTER_CONTACTS_DELETE, &[id.get()]).auth(id, access_token);
            for contact in batch {
                call = call.query("contact_ids", contact);
            }
            self.send_empty(call).await?;
        }
        Ok(())
    }

    /// Sends an EVE mail from `from` (its access token with `esi-mail.send_mail.v1`) to the
    /// character `to`, at no ISK cost (`approved_cost` 0: a recipient who charges for mail
    /// refuses it, `ContactCostNotApproved`). The subject is cut to ESI's 1,000 characters and
    /// the body to 10,000. Returns the mail's id.
    pub async fn send_mail(
        &self,
        from: CharacterId,
        access_token: &str,
        to: CharacterId,
        subject: &str,
        body: &str,
    ) -> Result<i64, EsiError> {
        let mail = serde_json::json!({
            "recipients": [{"recipient_id": to.get(), "recipient_type": "character"}],
            "subject": subject.chars().take(1_000).collect::<String>(),
            "body": body.chars().take(10_000).collect::<String>(),
            "approved_cost": 0,
        });
        let call = Call::new(&routes::CHARACTER_MAIL_SEND, &[from.get()])
            .auth(from, access_token)
            .json(&mail)?;
        self.send::<i64>(call).await
    }
}

/// What every contact of one POST/PUT gets: ESI applies one standing, one label set and one
/// watch flag to the whole batch.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactWrite {
    /// −10.0 ..= 10.0
    pub standing: f64,
    /// Existing label ids (labels cannot be created through ESI), at most 63.
    pub label_ids: Vec<i64>,
    /// Only effective on characters.
    pub watched: bool,
}

impl ContactWrite {
    fn apply<'a>(&self, mut call: Call<'a>) -> Call<'a> {
        call = call.query("standing", self.standing);
        for label in &self.label_ids {
            call = call.query("label_ids", label);
        }
        call.query("watched", self.watched)
    }
}

/// The values in first-seen order, without repeats (ESI's bulk bodies must be unique).
fn unique<T: Eq + Hash + Clone>(values: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut seen = HashSet::new();
    values
        .into_iter()
        .filter(|v| seen.insert(v.clone()))
        .collect()
}

/// The next step down the 1000 → 100 → 10 → 1 ladder for a batch of `len` ids.
fn smaller_batch(len: usize) -> usize {
    [100, 10, 1].into_iter().find(|&s| s < len).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_shrink_along_the_ladder() {
        assert_eq!(smaller_batch(1000), 100);
        assert_eq!(smaller_batch(100), 10);
        assert_eq!(smaller_batch(37), 10);
        assert_eq!(smaller_batch(10), 1);
        assert_eq!(smaller_batch(2), 1);
    }

    #[test]
    fn unique_keeps_first_seen_order() {
        assert_eq!(unique([3, 1, 3, 2, 1]), vec![3, 1, 2]);
    }
}
