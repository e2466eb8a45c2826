//! How often verification mail may go out. Anyone with an EVE character can sign in, so without
//! limits a script could mail-bomb any address from the alliance's relay (burning its sender
//! reputation) or fill the disk with the file transport: one mail a minute per account, a few a
//! day per account and per address.

use std::time::Duration;
use time::OffsetDateTime;

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// The limits (`[mail]` in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailLimits {
    /// Between two mails of one account.
    pub cooldown: Duration,
    /// Mails one account may have sent in any 24 hours.
    pub per_account_per_day: usize,
    /// Mails one address may have received in any 24 hours, from whichever accounts.
    pub per_address_per_day: usize,
}

impl Default for MailLimits {
    fn default() -> Self {
        Self {
            cooldown: Duration::from_secs(60),
            per_account_per_day: 5,
            per_address_per_day: 3,
        }
    }
}

/// A verification mail sent in the last day, seen from the account and address about to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SentMail {
    pub at: OffsetDateTime,
    /// Sent by this account.
    pub by_account: bool,
    /// Sent to this address.
    pub to_address: bool,
}

impl MailLimits {
    /// When the next mail may go, given what was `sent`; `None`: now.
    pub fn next_allowed(&self, sent: &[SentMail], now: OffsetDateTime) -> Option<OffsetDateTime> {
        let within_day = |m: &&SentMail| m.at + DAY > now;
        let times = |pick: fn(&SentMail) -> bool| {
            let mut t: Vec<OffsetDateTime> = sent
                .iter()
                .filter(within_day)
                .filter(|m| pick(m))
                .map(|m| m.at)
                .collect();
            t.sort();
            t
        };
        let by_account = times(|m| m.by_account);
        let to_address = times(|m| m.to_address);
        let cooldown_over = by_account.last().map(|last| *last + self.cooldown);
        [
            cooldown_over,
            day_allowance_back(&by_account, self.per_account_per_day),
            day_allowance_back(&to_address, self.per_address_per_day),
        ]
        .into_iter()
        .flatten()
        .filter(|at| *at > now)
        .max()
    }
}

/// When a daily allowance of `limit` used by the (sorted) `times` has room again: a day after
/// the oldest of the last `limit` sends; `None` when it has room now.
fn day_allowance_back(times: &[OffsetDateTime], limit: usize) -> Option<OffsetDateTime> {
    let used = times.len().checked_sub(limit)?;
    times.get(used).map(|oldest| *oldest + DAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> OffsetDateTime {
        time::macros::datetime!(2026-12-05 12:00 UTC)
    }

    fn mins_ago(m: i64, by_account: bool, to_address: bool) -> SentMail {
        SentMail {
            at: now() - time::Duration::minutes(m),
            by_account,
            to_address,
        }
    }

    #[test]
    fn the_first_mail_goes_at_once() {
        assert_eq!(MailLimits::default().next_allowed(&[], now()), None);
    }

    #[test]
    fn an_account_waits_a_minute_between_mails() {
        let limits = MailLimits::default();
        let sent = [mins_ago(0, true, true)];
        assert_eq!(
            limits.next_allowed(&sent, now()),
            Some(now() + time::Duration::minutes(1))
        );
        assert_eq!(limits.next_allowed(&[mins_ago(2, true, true)], now()), None);
    }

    #[test]
    fn an_account_sends_five_a_day_whatever_the_addresses() {
        let limits = MailLimits::default();
        let sent: Vec<SentMail> = [600, 500, 400, 300, 200]
            .map(|m| mins_ago(m, true, false))
            .to_vec();
        // Room again a day after the oldest of the five.
        assert_eq!(
            limits.next_allowed(&sent, now()),
            Some(now() - time::Duration::minutes(600) + time::Duration::days(1))
        );
        assert_eq!(limits.next_allowed(&sent[1..], now()), None, "four: room");
    }

    #[test]
    fn an_address_receives_three_a_day_whatever_the_accounts() {
        let limits = MailLimits::default();
        let sent = [300, 200, 100].map(|m| mins_ago(m, false, true));
        assert_eq!(
            limits.next_allowed(&sent, now()),
            Some(now() - time::Duration::minutes(300) + time::Duration::days(1))
        );
    }

    #[test]
    fn mails_older_than_a_day_do_not_count() {
        let limits = MailLimits::default();
        let sent = [1500, 1490, 1480, 1470, 1460].map(|m| mins_ago(m, true, true));
        assert_eq!(limits.next_allowed(&sent, now()), None);
    }
}
