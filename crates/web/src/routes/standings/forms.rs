//! Reading the standings pages' forms: ids and standings typed or ticked, and the approver
//! queue's bulk form.

use crate::error::{WebError, WebResult};
use crate::ui::id_path::form_number;
use jumpgate_app::standings::workflow::bulk::BulkDecision;
use jumpgate_domain::standings::Standing;

pub(super) fn parse_standing(s: &str) -> WebResult<Option<Standing>> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    Standing::parse(s)
        .map(Some)
        .map_err(|e| WebError::BadRequest(e.to_string()))
}

/// The bulk form of the queues: `id` checkboxes, `action` approve|reject, `standing`,
/// `notes`, `reason`.
pub(super) fn bulk_decision(fields: &[(String, String)]) -> WebResult<(Vec<i64>, BulkDecision)> {
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let ids = fields
        .iter()
        .filter(|(k, _)| k == "id")
        .map(|(_, v)| form_number("queue item", v))
        .collect::<WebResult<Vec<_>>>()?;
    let decision = match get("action").as_str() {
        "approve" => BulkDecision::Approve {
            standing: parse_standing(&get("standing"))?,
            notes: get("notes"),
        },
        "reject" => BulkDecision::Reject {
            reason: get("reason"),
        },
        other => {
            return Err(WebError::BadRequest(format!(
                "'{other}' is not a bulk action: expected approve or reject"
            )));
        }
    };
    Ok((ids, decision))
}
