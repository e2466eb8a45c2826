//! Notifications and EVE mail.

use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::error::EsiError;
use super::request::{EsiOk, EsiRequest, EsiResult};
use crate::state::{Shared, lock};
use crate::world::SimMail;

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

pub fn notifications(shared: &Shared, req: &EsiRequest) -> EsiResult {
    let id = req.path_id("character_id")?;
    let world = lock(&shared.world);
    let list: Vec<Value> = world
        .notifications
        .get(&id)
        .map(|l| {
            l.iter()
                .map(|n| {
                    json!({
                        "notification_id": n.notification_id,
                        "sender_id": n.sender_id,
                        "sender_type": n.sender_type,
                        "timestamp": rfc3339(n.timestamp),
                        "type": n.kind,
                        "text": n.text,
                        "is_read": n.is_read,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    EsiOk::json(list)
}

#[derive(Deserialize)]
struct Recipient {
    recipient_id: i64,
    recipient_type: String,
}

#[derive(Deserialize)]
struct NewMail {
    recipients: Vec<Recipient>,
    subject: String,
    body: String,
    #[serde(default)]
    #[allow(dead_code)]
    approved_cost: i64,
}

/// 201 with the new mail id.
pub fn send(shared: &Shared, req: &EsiRequest) -> EsiResult {
    let from = req.path_id("character_id")?;
    let mail: NewMail = req.json()?;
    if mail.recipients.is_empty() || mail.recipients.len() > 50 {
        return Err(EsiError::bad_request(
            "recipients must hold 1 to 50 entries",
        ));
    }
    if mail.subject.chars().count() > 1000 || mail.body.chars().count() > 10_000 {
        return Err(EsiError::bad_request("subject or body too long"));
    }
    const TYPES: &[&str] = &["alliance", "character", "corporation", "mailing_list"];
    if mail
        .recipients
        .iter()
        .any(|r| !TYPES.contains(&r.recipient_type.as_str()))
    {
        return Err(EsiError::bad_request("invalid recipient_type"));
    }
    let mut world = lock(&shared.world);
    let mail_id = world.next_id();
    world.mails.push(SimMail {
        mail_id,
        from,
        recipients: mail
            .recipients
            .into_iter()
            .map(|r| (r.recipient_id, r.recipient_type))
            .collect(),
        subject: mail.subject,
        body: mail.body,
        timestamp: shared.now_utc(),
    });
    EsiOk::created(mail_id)
}

/// Headers of mail the character sent or received directly, newest first (50 at most).
pub fn inbox(shared: &Shared, req: &EsiRequest) -> EsiResult {
    let id = req.path_id("character_id")?;
    let last: Option<i64> = req.query_one("last_mail_id").and_then(|v| v.parse().ok());
    let world = lock(&shared.world);
    let list: Vec<Value> = world
        .mails
        .iter()
        .rev()
        .filter(|m| m.from == id || m.recipients.iter().any(|(r, _)| *r == id))
        .filter(|m| last.is_none_or(|l| m.mail_id < l))
        .take(50)
        .map(|m| {
            json!({
                "mail_id": m.mail_id,
                "from": m.from,
                "subject": m.subject,
                "timestamp": rfc3339(m.timestamp),
                "labels": [],
                "recipients": m.recipients.iter().map(|(rid, rt)| json!({"recipient_id": rid, "recipient_type": rt})).collect::<Vec<_>>(),
                "is_read": m.from == id,
            })
        })
        .collect();
    EsiOk::json(list)
}
