//! What the members of a corporation's viewer groups see: the corporations they may see, a
//! corporation's members filtered and ordered as asked, and the same as CSV.

use crate::App;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use crate::standings::workflow::entries::spreadsheet_safe;
use jumpgate_domain::CorporationId;
use jumpgate_domain::tracking::{MemberFilter, MemberOrder, MemberRow, TrackedCorporation};
use jumpgate_store::TrackingDirector;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A tracked corporation's page.
#[derive(Debug, Clone)]
pub struct TrackingPage {
    pub corporation: TrackedCorporation,
    /// The members the filter kept, in the order asked.
    pub rows: Vec<MemberRow>,
    /// How many members there are before filtering.
    pub total: usize,
    /// Directors whose tracking token is not used, each with why (the page says so).
    pub unused_tokens: Vec<(String, &'static str)>,
    /// Whether some Director's token is in use.
    pub has_director: bool,
}

impl App {
    /// The tracked corporations the caller may see (those whose viewer groups it is in).
    pub async fn tracking_overview(&self, caller: &Caller) -> AppResult<Vec<TrackedCorporation>> {
        self.visible_tracked_corporations(caller).await
    }

    /// A tracked corporation's members as `filter` and `order` ask; "not found" unless the
    /// caller is in one of its viewer groups.
    pub async fn tracking_page(
        &self,
        caller: &Caller,
        corporation: CorporationId,
        filter: &MemberFilter,
        order: MemberOrder,
    ) -> AppResult<TrackingPage> {
        let found = self
            .visible_tracked_corporation(caller, corporation)
            .await?;
        let all = self.store().tracking_members(corporation).await?;
        let total = all.len();
        let now = self.now();
        let mut rows: Vec<MemberRow> = all.into_iter().filter(|r| filter.matches(r, now)).collect();
        order.sort(&mut rows);
        let directors: Vec<_> = self
            .store()
            .tracking_directors()
            .await?
            .into_iter()
            .filter(|d| d.corporation == corporation)
            .collect();
        let has_director = directors.iter().any(TrackingDirector::in_use);
        let unused_tokens = directors
            .into_iter()
            .filter_map(|d| Some((d.name.clone(), d.problem()?)))
            .collect();
        Ok(TrackingPage {
            corporation: found,
            rows,
            total,
            unused_tokens,
            has_director,
        })
    }

    /// The page's members as CSV, with the same filter and order (cells that a spreadsheet
    /// would run as a formula are neutralised).
    pub async fn tracking_csv(
        &self,
        caller: &Caller,
        corporation: CorporationId,
        filter: &MemberFilter,
        order: MemberOrder,
    ) -> AppResult<String> {
        let page = self
            .tracking_page(caller, corporation, filter, order)
            .await?;
        members_csv(&page.rows)
    }
}

const CSV_HEADER: [&str; 13] = [
    "character_id",
    "name",
    "registered",
    "main",
    "token",
    "logon",
    "logoff",
    "location_id",
    "location",
    "ship_type_id",
    "ship",
    "joined",
    "account_id",
];

fn when(t: Option<OffsetDateTime>) -> String {
    t.and_then(|t| t.format(&Rfc3339).ok()).unwrap_or_default()
}

fn members_csv(rows: &[MemberRow]) -> AppResult<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| AppError::Internal(anyhow::anyhow!("writing CSV: {e}"));
    w.write_record(CSV_HEADER).map_err(fail)?;
    for r in rows {
        let m = &r.member;
        let reg = r.registration.as_ref();
        w.write_record([
            m.character.to_string(),
            spreadsheet_safe(m.name.as_deref().unwrap_or_default()),
            if reg.is_some() { "yes" } else { "no" }.to_owned(),
            spreadsheet_safe(
                reg.and_then(|r| r.main.as_ref())
                    .map(|(_, n)| n.as_str())
                    .unwrap_or_default(),
            ),
            reg.map(|r| r.token_label()).unwrap_or_default().to_owned(),
            when(m.logon_at),
            when(m.logoff_at),
            m.location
                .as_ref()
                .map(|l| l.id.to_string())
                .unwrap_or_default(),
            spreadsheet_safe(&m.location.as_ref().map(|l| l.label()).unwrap_or_default()),
            m.ship
                .as_ref()
                .map(|s| s.id.to_string())
                .unwrap_or_default(),
            spreadsheet_safe(&m.ship.as_ref().map(|s| s.label()).unwrap_or_default()),
            when(m.start_at),
            reg.map(|r| r.account.to_string()).unwrap_or_default(),
        ])
        .map_err(fail)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("writing CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| AppError::Internal(e.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jumpgate_domain::CharacterId;
    use jumpgate_domain::tracking::TrackedMember;

    #[test]
    fn a_name_a_spreadsheet_would_run_is_written_as_text() {
        let row = MemberRow {
            member: TrackedMember {
                character: CharacterId(2_112_000_001),
                name: Some("=HYPERLINK(\"x\")".into()),
                location: None,
                ship: None,
                logon_at: None,
                logoff_at: None,
                start_at: None,
            },
            registration: None,
        };
        let csv = members_csv(&[row]).expect("written");
        let line = csv.lines().nth(1).expect("one member");
        assert!(line.starts_with("2112000001,\"'=HYPERLINK"), "{line}");
        assert!(line.contains(",no,"), "unregistered: {line}");
    }
}
