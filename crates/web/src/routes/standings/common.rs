//! Helpers the standings pages share: parsing ids and standings from forms, entity images,
//! standing tones and bulk-form parsing.

use crate::error::{WebError, WebResult};
use crate::pages::Layout;
use jumpgate_domain::standings::{Entity, EntityKind, Standing};

pub(super) fn parse_id(what: &str, id: &str) -> WebResult<i64> {
    match id.trim().parse::<i64>() {
        Ok(v) if v > 0 => Ok(v),
        _ => Err(WebError::BadRequest(format!(
            "'{id}' is not a {what} id: expected a positive whole number"
        ))),
    }
}

pub(super) fn parse_standing(s: &str) -> WebResult<Option<Standing>> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    Standing::parse(s)
        .map(Some)
        .map_err(|e| WebError::BadRequest(e.to_string()))
}

pub(super) fn image(layout: &Layout, entity: Entity) -> String {
    match entity.kind {
        EntityKind::Character => layout.portrait(entity.id, 64),
        EntityKind::Corporation => layout.corporation_logo(entity.id, 64),
        EntityKind::Alliance => layout.alliance_logo(entity.id, 64),
    }
}

pub(super) fn tone(s: Standing) -> &'static str {
    match s.tenths() {
        t if t > 0 => "positive",
        0 => "neutral",
        _ => "negative",
    }
}

/// The bulk form: `id` checkboxes, `action` approve|reject, `standing`, `notes`, `reason`.
pub(super) struct BulkForm {
    pub ids: Vec<i64>,
    pub action: String,
    pub standing: String,
    pub notes: String,
    pub reason: String,
}

pub(super) fn bulk_form(fields: &[(String, String)]) -> WebResult<BulkForm> {
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
        .map(|(_, v)| parse_id("queue item", v))
        .collect::<WebResult<Vec<_>>>()?;
    if ids.is_empty() {
        return Err(WebError::BadRequest(
            "tick at least one item for a bulk action".to_owned(),
        ));
    }
    let action = get("action");
    if action != "approve" && action != "reject" {
        return Err(WebError::BadRequest(format!(
            "'{action}' is not a bulk action: expected approve or reject"
        )));
    }
    Ok(BulkForm {
        ids,
        action,
        standing: get("standing"),
        notes: get("notes"),
        reason: get("reason"),
    })
}

/// Runs `act` for every id, one after the other, and says in one sentence how many were
/// `verb` and why the others were not: one item's refusal does not stop the rest.
pub(super) async fn run_bulk<T, Fut>(
    ids: &[i64],
    mut act: impl FnMut(i64) -> Fut,
    verb: &str,
) -> String
where
    Fut: std::future::Future<Output = Result<T, jumpgate_app::AppError>>,
{
    let (mut done, mut failed) = (0, Vec::new());
    for &id in ids {
        match act(id).await {
            Ok(_) => done += 1,
            Err(e) => failed.push(format!("#{id}: {e}")),
        }
    }
    let mut msg = format!("{done} item(s) {verb}.");
    if !failed.is_empty() {
        msg.push_str(&format!(" Not done: {}.", failed.join("; ")));
    }
    msg
}
