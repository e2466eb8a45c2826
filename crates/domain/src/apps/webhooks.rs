//! Application webhooks (issue 12, ADR 0031): what an application is told when a character's
//! account gains or loses a group it sees. Pure rules: which changes a new view of the
//! memberships makes (`changes`), how a delivery is signed (`sign`), how long a failed delivery
//! waits (`retry_delay`), when it is given up (`gives_up`), and which addresses a webhook may
//! not reach (`is_private_address`).

use crate::ids::{AccountId, AppId, CharacterId, GroupId};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::time::Duration;
use time::OffsetDateTime;

/// A delivery is given up after this many failed attempts…
pub const MAX_ATTEMPTS: i32 = 12;
/// …or once it is this old (a receiver down for a day is told by hand, "retry now").
pub const MAX_AGE: time::Duration = time::Duration::hours(24);
/// The first retry waits this long; each next one twice as long.
pub const FIRST_RETRY: Duration = Duration::from_secs(10);
/// No retry waits longer (a `Retry-After` included).
pub const LONGEST_RETRY: Duration = Duration::from_secs(3600);
/// The longest URL stored.
pub const MAX_URL: usize = 2000;

/// One application's webhook as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppWebhook {
    pub app: AppId,
    pub url: String,
    pub enabled: bool,
    /// The signing secret, sealed with the token keys (never shown again).
    pub sealed_secret: Option<Vec<u8>>,
    /// Whether the memberships the application sees were recorded once (the first view sends
    /// nothing: every member "gaining" every group would tell the tool nothing new).
    pub primed: bool,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Waiting for its first attempt or its next one.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Given up after `MAX_ATTEMPTS` or `MAX_AGE`, or the webhook was removed; shown on the
    /// application's page until retried.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "delivered" => Some(Self::Delivered),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// One POST to an application's webhook (its body holds every change one scan found).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    /// Also the order deliveries of one application go out in.
    pub id: i64,
    pub app: AppId,
    /// `X-Jumpgate-Event-Id`, the same on every attempt.
    pub event_id: String,
    /// The JSON body, exactly as signed and sent.
    pub payload: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub created_at: OffsetDateTime,
    pub next_attempt_at: OffsetDateTime,
    pub last_attempt_at: Option<OffsetDateTime>,
    /// The receiver's HTTP status at the last attempt (none: it did not answer).
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
}

/// A gained or lost group, as one entry of a delivery's `changes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeKind {
    Gained,
    Lost,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Gained => "group.gained",
            Self::Lost => "group.lost",
        }
    }
}

/// A character seeing a group through an account: one row of what an application sees.
pub type Seen = (CharacterId, GroupId, AccountId);

/// One change for one account and group, with the characters it concerns (all of the
/// account's when the account's groups changed, one when a character moved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupChange {
    pub kind: ChangeKind,
    pub account: AccountId,
    pub group: GroupId,
    pub characters: Vec<CharacterId>,
}

/// What changed from `before` to `now`: rows that appeared are gained, rows that went are lost,
/// folded into one change per (account, group, kind), losses first, then by account and group.
pub fn changes(before: &BTreeSet<Seen>, now: &BTreeSet<Seen>) -> Vec<GroupChange> {
    let mut folded: BTreeMap<(ChangeKind, AccountId, GroupId), Vec<CharacterId>> = BTreeMap::new();
    for (kind, rows) in [
        (ChangeKind::Lost, before.difference(now)),
        (ChangeKind::Gained, now.difference(before)),
    ] {
        for (character, group, account) in rows {
            folded
                .entry((kind, *account, *group))
                .or_default()
                .push(*character);
        }
    }
    let mut out: Vec<GroupChange> = folded
        .into_iter()
        .map(|((kind, account, group), mut characters)| {
            characters.sort();
            GroupChange {
                kind,
                account,
                group,
                characters,
            }
        })
        .collect();
    // Lost before gained (a character moving between accounts leaves, then arrives).
    out.sort_by_key(|c| (c.kind != ChangeKind::Lost, c.account, c.group));
    out
}

type HmacSha256 = Hmac<Sha256>;

/// `X-Jumpgate-Signature`'s value: `sha256=` and the hexadecimal HMAC-SHA256 of
/// `"{timestamp}.{body}"` with the application's webhook secret.
pub fn sign(secret: &[u8], timestamp: i64, body: &str) -> String {
    let mut mac =
        <HmacSha256 as KeyInit>::new_from_slice(secret).unwrap_or_else(|_| unreachable!());
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// How long the delivery waits after failed attempt number `attempts` (1-based): 10 s, doubled
/// each time, at most an hour; a receiver's `Retry-After` (429, 503) is honoured up to an hour.
pub fn retry_delay(attempts: i32, retry_after: Option<Duration>) -> Duration {
    if let Some(asked) = retry_after {
        return asked.min(LONGEST_RETRY);
    }
    let exp = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    FIRST_RETRY
        .saturating_mul(2u32.saturating_pow(exp))
        .min(LONGEST_RETRY)
}

/// How long a receiver's `Retry-After` asks to wait at `now`: delay-seconds or an HTTP date
/// (RFC 9110); `None` when it cannot be read (the backoff applies then).
pub fn retry_after(value: &str, now: OffsetDateTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = OffsetDateTime::parse(value, &time::format_description::well_known::Rfc2822).ok()?;
    Some(Duration::try_from(at - now).unwrap_or(Duration::ZERO))
}

/// Whether a delivery made at `created_at` that failed `attempts` times is given up at `now`.
pub fn gives_up(attempts: i32, created_at: OffsetDateTime, now: OffsetDateTime) -> bool {
    attempts >= MAX_ATTEMPTS || now - created_at >= MAX_AGE
}

/// Whether `ip` is an address a webhook must not reach unless the operator allows it:
/// loopback, private (RFC 1918, unique local), link-local (cloud metadata lives there), carrier
/// NAT, unspecified, multicast, broadcast, documentation and IPv4-mapped forms of those.
pub fn is_private_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (b == 18 || b == 19))
                || a >= 240
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private_address(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(rows: &[(i64, i64, i64)]) -> BTreeSet<Seen> {
        rows.iter()
            .map(|(c, g, a)| (CharacterId(*c), GroupId(*g), AccountId(*a)))
            .collect()
    }

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
        // RFC 4231 test case 2 shape: key "Jefe"; checked against `openssl dgst -sha256 -hmac`.
        let s = sign(b"Jefe", 1_700_000_000, "{\"a\":1}");
        assert!(s.starts_with("sha256="));
        assert_eq!(s.len(), 7 + 64);
        assert_eq!(s, sign(b"Jefe", 1_700_000_000, "{\"a\":1}"));
        assert_ne!(s, sign(b"Jefe", 1_700_000_001, "{\"a\":1}"));
        assert_ne!(s, sign(b"other", 1_700_000_000, "{\"a\":1}"));
        // The plain HMAC of the joined string.
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"1700000000.{\"a\":1}");
        assert_eq!(
            s,
            format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
        );
    }

    #[test]
    fn known_hmac_vector() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?"; here the data
        // is split as "{timestamp}.{body}" can not express it, so check the primitive.
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn retries_double_from_ten_seconds_to_an_hour_and_honour_retry_after() {
        assert_eq!(retry_delay(1, None), Duration::from_secs(10));
        assert_eq!(retry_delay(2, None), Duration::from_secs(20));
        assert_eq!(retry_delay(3, None), Duration::from_secs(40));
        assert_eq!(retry_delay(20, None), LONGEST_RETRY);
        assert_eq!(
            retry_delay(1, Some(Duration::from_secs(120))),
            Duration::from_secs(120)
        );
        assert_eq!(
            retry_delay(1, Some(Duration::from_secs(86_400))),
            LONGEST_RETRY
        );
    }

    #[test]
    fn retry_after_is_seconds_or_an_http_date() {
        let now = time::macros::datetime!(2015-10-21 07:28:00 UTC);
        assert_eq!(retry_after(" 120 ", now), Some(Duration::from_secs(120)));
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:30:00 GMT", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO),
            "a date gone by: now"
        );
        assert_eq!(retry_after("soon", now), None);
    }

    #[test]
    fn a_delivery_is_given_up_after_its_attempts_or_a_day() {
        let t = OffsetDateTime::UNIX_EPOCH;
        assert!(!gives_up(1, t, t));
        assert!(gives_up(MAX_ATTEMPTS, t, t));
        assert!(gives_up(1, t, t + MAX_AGE));
    }

    #[test]
    fn changes_fold_per_account_group_and_kind_losses_first() {
        let before = seen(&[(1, 10, 100), (2, 10, 100), (3, 10, 200)]);
        let now = seen(&[(1, 11, 100), (2, 11, 100), (3, 10, 100)]);
        let c = changes(&before, &now);
        assert_eq!(
            c,
            vec![
                GroupChange {
                    kind: ChangeKind::Lost,
                    account: AccountId(100),
                    group: GroupId(10),
                    characters: vec![CharacterId(1), CharacterId(2)],
                },
                GroupChange {
                    kind: ChangeKind::Lost,
                    account: AccountId(200),
                    group: GroupId(10),
                    characters: vec![CharacterId(3)],
                },
                GroupChange {
                    kind: ChangeKind::Gained,
                    account: AccountId(100),
                    group: GroupId(10),
                    characters: vec![CharacterId(3)],
                },
                GroupChange {
                    kind: ChangeKind::Gained,
                    account: AccountId(100),
                    group: GroupId(11),
                    characters: vec![CharacterId(1), CharacterId(2)],
                },
            ]
        );
        assert!(changes(&now, &now).is_empty());
    }

    #[test]
    fn private_loopback_and_link_local_addresses_are_refused() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(
                is_private_address(private.parse().unwrap()),
                "{private} is private"
            );
        }
        for public in ["1.1.1.1", "93.184.216.34", "2606:4700::1111"] {
            assert!(
                !is_private_address(public.parse().unwrap()),
                "{public} is public"
            );
        }
    }
}
