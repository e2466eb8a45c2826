//! Which members a tracked corporation's page (and its CSV export) shows, and in what order.

use super::MemberRow;
use time::{Duration, OffsetDateTime};

/// The most days "inactive for" may ask: EVE's oldest characters are younger than this.
pub const MAX_INACTIVE_DAYS: u32 = 36_500;

/// The filters of the page; all that are set must hold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemberFilter {
    /// Only members without a character in Jumpgate.
    pub unregistered: bool,
    /// Only members who have not logged off within this many days (never seen counts).
    pub inactive_days: Option<u32>,
    /// Only registered members whose login token is missing or dead.
    pub invalid_token: bool,
}

impl MemberFilter {
    /// Reads "inactive for N days" as typed: empty means no filter; anything but a whole number
    /// from 1 to [`MAX_INACTIVE_DAYS`] is refused with a message for people.
    pub fn parse_days(typed: &str) -> Result<Option<u32>, String> {
        let typed = typed.trim();
        if typed.is_empty() {
            return Ok(None);
        }
        match typed.parse::<u32>() {
            Ok(n) if (1..=MAX_INACTIVE_DAYS).contains(&n) => Ok(Some(n)),
            _ => Err(format!(
                "'{typed}' is not a number of days: type a whole number from 1 to {MAX_INACTIVE_DAYS}, or leave it empty"
            )),
        }
    }

    pub fn matches(&self, row: &MemberRow, now: OffsetDateTime) -> bool {
        if self.unregistered && row.registration.is_some() {
            return false;
        }
        if self.invalid_token && !row.registration.as_ref().is_some_and(|r| r.token_is_bad()) {
            return false;
        }
        if let Some(days) = self.inactive_days {
            let since = now - Duration::days(i64::from(days));
            if row.member.logoff_at.is_some_and(|off| off > since) {
                return false;
            }
        }
        true
    }

    /// Whether any filter is set.
    pub fn is_set(&self) -> bool {
        self.unregistered || self.invalid_token || self.inactive_days.is_some()
    }
}

/// How the members are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MemberOrder {
    /// Longest gone first (never seen before everyone): whom to chase.
    #[default]
    LogoffOldest,
    /// Most recently seen first.
    LogoffNewest,
    /// By name, ignoring case (unnamed last).
    Name,
}

impl MemberOrder {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LogoffOldest => "logoff",
            Self::LogoffNewest => "-logoff",
            Self::Name => "name",
        }
    }

    /// An order as a link names it; anything else is the default.
    pub fn parse(s: &str) -> Self {
        [Self::LogoffOldest, Self::LogoffNewest, Self::Name]
            .into_iter()
            .find(|o| o.as_str() == s.trim())
            .unwrap_or_default()
    }

    /// Sorts `rows`, ties by character id so the order is stable across updates.
    pub fn sort(self, rows: &mut [MemberRow]) {
        match self {
            Self::LogoffOldest => rows.sort_by_key(|r| (r.member.logoff_at, r.member.character)),
            Self::LogoffNewest => {
                rows.sort_by_key(|r| (std::cmp::Reverse(r.member.logoff_at), r.member.character))
            }
            Self::Name => rows.sort_by_cached_key(|r| {
                (
                    r.member.name.is_none(),
                    r.member.name.as_ref().map(|n| n.to_lowercase()),
                    r.member.character,
                )
            }),
        }
    }
}

/// The application API's filters of a corporation's members (Neucore's `member-tracking`
/// query), with Neucore's meaning, which differs from the page's: both count days from the
/// member's last *logon*, and a member never seen logged on matches neither.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AppMemberFilter {
    /// `inactive`: only members whose last logon is at least this many days ago.
    pub inactive_days: Option<i64>,
    /// `active`: only members who logged on within this many days.
    pub active_days: Option<i64>,
    /// `account`: only members with (`true`) or without (`false`) a character in Jumpgate.
    pub registered: Option<bool>,
}

impl AppMemberFilter {
    /// The filters as the query gives them, read as Neucore reads them: a number of days is
    /// PHP's `(int)` of the text and counts only above zero (so `abc`, `0` and `-3` filter
    /// nothing, and nothing is refused); `account` counts only as exactly `true` or `false`.
    pub fn from_query(inactive: Option<&str>, active: Option<&str>, account: Option<&str>) -> Self {
        let days = |text: Option<&str>| text.map(php_int).filter(|d| *d > 0);
        Self {
            inactive_days: days(inactive),
            active_days: days(active),
            registered: match account {
                Some("true") => Some(true),
                Some("false") => Some(false),
                _ => None,
            },
        }
    }

    pub fn matches(&self, row: &MemberRow, now: OffsetDateTime) -> bool {
        let days_ago = |days: i64| now - Duration::days(days.min(i64::from(MAX_INACTIVE_DAYS)));
        let logon = row.member.logon_at;
        // A member never seen logged on matches neither (Neucore's SQL compares NULL).
        let inactive = self
            .inactive_days
            .is_none_or(|days| logon.is_some_and(|on| on < days_ago(days)));
        let active = self
            .active_days
            .is_none_or(|days| logon.is_some_and(|on| on >= days_ago(days)));
        let registered = self
            .registered
            .is_none_or(|registered| registered == row.registration.is_some());
        inactive && active && registered
    }

    /// Neucore's order: the latest logon first, members never seen logged on last (MySQL's
    /// place for NULL in a descending order); ties by character id, so the order is stable.
    pub fn sort(rows: &mut [MemberRow]) {
        rows.sort_by_key(|r| {
            (
                r.member.logon_at.is_none(),
                std::cmp::Reverse(r.member.logon_at),
                r.member.character,
            )
        });
    }
}

/// PHP's `(int)` of a text: leading blanks, an optional sign and the digits that follow; 0 when
/// there are none. Saturates instead of overflowing.
fn php_int(text: &str) -> i64 {
    let text = text.trim_start();
    let (negative, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let magnitude = rest
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0i64, |n, d| {
            n.saturating_mul(10).saturating_add(i64::from(d - b'0'))
        });
    if negative { -magnitude } else { magnitude }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::TokenStatus;
    use crate::tracking::{Registration, TrackedMember};
    use crate::{AccountId, CharacterId};
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-12-06 12:00 UTC);

    fn row(id: i64, logoff_days_ago: Option<i64>, token: Option<Option<TokenStatus>>) -> MemberRow {
        MemberRow {
            member: TrackedMember {
                character: CharacterId(id),
                name: Some(format!("Pilot {id}")),
                location: None,
                ship: None,
                logon_at: None,
                logoff_at: logoff_days_ago.map(|d| NOW - Duration::days(d)),
                start_at: None,
            },
            registration: token.map(|token| Registration {
                account: AccountId(id),
                main: None,
                token,
            }),
        }
    }

    #[test]
    fn no_filter_shows_everyone() {
        assert!(MemberFilter::default().matches(&row(1, None, None), NOW));
    }

    #[test]
    fn unregistered_shows_only_members_without_a_character_here() {
        let f = MemberFilter {
            unregistered: true,
            ..MemberFilter::default()
        };
        assert!(f.matches(&row(1, Some(1), None), NOW));
        assert!(!f.matches(&row(2, Some(1), Some(Some(TokenStatus::Valid))), NOW));
    }

    #[test]
    fn inactive_shows_members_gone_longer_than_the_days_and_those_never_seen() {
        let f = MemberFilter {
            inactive_days: Some(30),
            ..MemberFilter::default()
        };
        assert!(f.matches(&row(1, Some(45), None), NOW));
        assert!(f.matches(&row(2, None, None), NOW));
        assert!(!f.matches(&row(3, Some(2), None), NOW));
    }

    #[test]
    fn invalid_token_shows_registered_members_whose_token_is_missing_or_dead() {
        let f = MemberFilter {
            invalid_token: true,
            ..MemberFilter::default()
        };
        assert!(f.matches(&row(1, None, Some(Some(TokenStatus::Invalid))), NOW));
        assert!(f.matches(&row(2, None, Some(None)), NOW));
        assert!(!f.matches(&row(3, None, Some(Some(TokenStatus::Valid))), NOW));
        assert!(
            !f.matches(&row(4, None, None), NOW),
            "unregistered has no token to judge"
        );
    }

    #[test]
    fn days_are_whole_numbers_in_range_or_empty() {
        assert_eq!(MemberFilter::parse_days(" "), Ok(None));
        assert_eq!(MemberFilter::parse_days("14"), Ok(Some(14)));
        for bad in ["0", "-3", "two", "1.5", "99999999"] {
            assert!(MemberFilter::parse_days(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_longest_gone_come_first_by_default() {
        let mut rows = vec![
            row(1, Some(1), None),
            row(2, Some(9), None),
            row(3, None, None),
        ];
        MemberOrder::default().sort(&mut rows);
        let ids: Vec<i64> = rows.iter().map(|r| r.member.character.get()).collect();
        assert_eq!(ids, [3, 2, 1]);
        MemberOrder::parse("-logoff").sort(&mut rows);
        let ids: Vec<i64> = rows.iter().map(|r| r.member.character.get()).collect();
        assert_eq!(ids, [1, 2, 3]);
    }
    fn logged_on(id: i64, days_ago: Option<i64>, registered: bool) -> MemberRow {
        let mut r = row(id, None, registered.then_some(None));
        r.member.logon_at = days_ago.map(|d| NOW - Duration::days(d));
        r
    }

    #[test]
    fn the_apis_filters_read_the_query_as_neucore_does() {
        let f = AppMemberFilter::from_query(Some("30"), Some(" 7days"), Some("true"));
        assert_eq!(
            f,
            AppMemberFilter {
                inactive_days: Some(30),
                active_days: Some(7),
                registered: Some(true),
            }
        );
        for nothing in ["", "abc", "0", "-3"] {
            let f = AppMemberFilter::from_query(Some(nothing), Some(nothing), Some(nothing));
            assert_eq!(f, AppMemberFilter::default(), "{nothing:?}");
        }
        let f = AppMemberFilter::from_query(None, None, Some("TRUE"));
        assert_eq!(f.registered, None, "only exactly true or false");
        let f = AppMemberFilter::from_query(Some("99999999999999999999"), None, Some("false"));
        assert_eq!(f.inactive_days, Some(i64::MAX));
        assert_eq!(f.registered, Some(false));
    }

    #[test]
    fn the_apis_inactive_and_active_count_from_the_last_logon() {
        let inactive = AppMemberFilter {
            inactive_days: Some(30),
            ..AppMemberFilter::default()
        };
        assert!(inactive.matches(&logged_on(1, Some(45), false), NOW));
        assert!(!inactive.matches(&logged_on(2, Some(2), false), NOW));
        assert!(
            !inactive.matches(&logged_on(3, None, false), NOW),
            "never seen: Neucore's SQL compares NULL, which matches nothing"
        );
        let active = AppMemberFilter {
            active_days: Some(7),
            ..AppMemberFilter::default()
        };
        assert!(active.matches(&logged_on(4, Some(2), false), NOW));
        assert!(!active.matches(&logged_on(5, Some(45), false), NOW));
        assert!(!active.matches(&logged_on(6, None, false), NOW));
        let huge = AppMemberFilter {
            inactive_days: Some(i64::MAX),
            ..AppMemberFilter::default()
        };
        assert!(
            !huge.matches(&logged_on(7, Some(45), false), NOW),
            "no overflow"
        );
    }

    #[test]
    fn the_apis_account_filter_splits_registered_and_unregistered() {
        let with = AppMemberFilter::from_query(None, None, Some("true"));
        let without = AppMemberFilter::from_query(None, None, Some("false"));
        let (registered, stranger) = (logged_on(1, Some(1), true), logged_on(2, Some(1), false));
        assert!(with.matches(&registered, NOW) && !with.matches(&stranger, NOW));
        assert!(without.matches(&stranger, NOW) && !without.matches(&registered, NOW));
    }

    #[test]
    fn the_api_lists_the_latest_logon_first_and_the_never_seen_last() {
        let mut rows = vec![
            logged_on(1, None, false),
            logged_on(2, Some(9), false),
            logged_on(3, Some(1), false),
            logged_on(4, Some(9), false),
        ];
        AppMemberFilter::sort(&mut rows);
        let ids: Vec<i64> = rows.iter().map(|r| r.member.character.get()).collect();
        assert_eq!(ids, [3, 2, 4, 1]);
    }
}
