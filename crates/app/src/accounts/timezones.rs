//! An account's time zone, one of the IANA names of the time zone database bundled with jiff
//! (so every machine accepts the same names, whatever its /usr/share/zoneinfo holds).

use crate::App;
use crate::audit::{account_target, audit_in};
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use serde_json::json;
use std::sync::OnceLock;

/// Every time zone name people may choose, sorted: the bundled database's names, without the
/// few that are not places (`Factory`, `posixrules`, `localtime`).
pub fn time_zone_names() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names: Vec<String> = jiff::tz::db()
            .available()
            .map(|n| n.as_str().to_owned())
            .filter(|n| !matches!(n.as_str(), "Factory" | "posixrules" | "localtime"))
            .collect();
        names.sort();
        names.dedup();
        names
    })
}

/// The canonical spelling of a known time zone name (exact match first, then ignoring case).
pub fn known_time_zone(name: &str) -> Option<&'static str> {
    let names = time_zone_names();
    let name = name.trim();
    names
        .binary_search_by(|n| n.as_str().cmp(name))
        .ok()
        .and_then(|i| names.get(i))
        .or_else(|| names.iter().find(|n| n.eq_ignore_ascii_case(name)))
        .map(String::as_str)
}

impl App {
    /// Sets (or with `None` or an empty name clears) the caller's own time zone; unknown names
    /// change nothing.
    pub async fn set_timezone(
        &self,
        caller: &Caller,
        timezone: Option<&str>,
    ) -> AppResult<Option<String>> {
        let account = caller.own_account()?;
        let acc = self.existing_account(account).await?;
        let wanted = match timezone.map(str::trim).filter(|t| !t.is_empty()) {
            None => None,
            Some(name) => Some(known_time_zone(name).ok_or_else(|| {
                AppError::Invalid(format!(
                    "'{name}' is not a time zone name Jumpgate knows; pick one from the list, such as Europe/Berlin or UTC"
                ))
            })?),
        };
        if acc.timezone.as_deref() == wanted {
            return Ok(wanted.map(str::to_owned));
        }
        let mut tx = self.store().transaction().await?;
        tx.set_account_timezone(account, wanted).await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "account.timezone_set",
            account_target(account),
            json!({"from": acc.timezone, "to": wanted}),
        )
        .await?;
        tx.commit().await?;
        Ok(wanted.map(str::to_owned))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_zone_names_are_known_and_others_are_not() {
        let names = time_zone_names();
        assert!(names.len() > 300, "{} names", names.len());
        assert_eq!(known_time_zone("Europe/Berlin"), Some("Europe/Berlin"));
        assert_eq!(known_time_zone("europe/berlin"), Some("Europe/Berlin"));
        assert_eq!(known_time_zone("UTC"), Some("UTC"));
        assert_eq!(
            known_time_zone("America/New_York"),
            Some("America/New_York")
        );
        assert_eq!(known_time_zone("Mars/Olympus_Mons"), None);
        assert_eq!(known_time_zone(""), None);
        assert!(!names.iter().any(|n| n == "Factory"));
    }
}
