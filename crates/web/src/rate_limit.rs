//! Rate limits per client address for what anyone can ask without signing in: the EVE login
//! (`/sso/*`: each callback costs a call to CCP's token endpoint, and CCP throttles clients that
//! send it junk) and every page rendered for someone not signed in. A signed-in person's pages
//! are not limited here: what they do is checked and recorded by the use cases.
//!
//! The client address is the TCP peer's, or, when the peer is a trusted reverse proxy
//! (`server.trusted_proxies`, loopback by default), the nearest untrusted address in its
//! `X-Forwarded-For`. IPv6 clients are counted per /64: one host usually holds a whole /64.
//!
//! The counters live in this process (GCRA cells, `governor`): several instances each allow the
//! configured rate, which is fine for a limit whose job is to make flooding cost the flooder.

use crate::error::WebError;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use ipnet::IpNet;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

/// Beyond this many addresses tracked, counters that are full again are dropped.
const MAX_TRACKED: usize = 100_000;

/// Where a request comes from, as the limits count it (set by [`limit_sso`] for later layers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// The limits of one process.
pub struct RateLimits {
    sso: DefaultKeyedRateLimiter<IpAddr>,
    anonymous: DefaultKeyedRateLimiter<IpAddr>,
    trusted_proxies: Vec<IpNet>,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits")
            .field("trusted_proxies", &self.trusted_proxies)
            .finish_non_exhaustive()
    }
}

impl RateLimits {
    /// `sso_per_minute` requests to `/sso/*` and `anonymous_per_minute` pages for someone not
    /// signed in, per client address, each also the burst allowed at once.
    pub fn new(
        sso_per_minute: u32,
        anonymous_per_minute: u32,
        trusted_proxies: Vec<IpNet>,
    ) -> Self {
        let quota = |n: u32| Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN));
        Self {
            sso: RateLimiter::keyed(quota(sso_per_minute)),
            anonymous: RateLimiter::keyed(quota(anonymous_per_minute)),
            trusted_proxies,
        }
    }

    /// The address a request from `peer` comes from: `peer` itself, or, if `peer` is a trusted
    /// proxy, the rightmost address in `X-Forwarded-For` that is not a trusted proxy (the ones
    /// left of it were written by the client and prove nothing).
    pub fn client_ip(&self, peer: IpAddr, forwarded_for: Option<&str>) -> IpAddr {
        if !self.is_trusted(peer) {
            return peer;
        }
        let mut client = peer;
        for hop in forwarded_for.unwrap_or_default().rsplit(',') {
            let Ok(hop) = hop.trim().parse::<IpAddr>() else {
                break;
            };
            client = hop;
            if !self.is_trusted(hop) {
                break;
            }
        }
        client
    }

    fn is_trusted(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.trusted_proxies.iter().any(|net| net.contains(&ip))
    }

    /// `Err(wait)` when `client` has used up its `/sso/*` requests for now.
    pub fn check_sso(&self, client: IpAddr) -> Result<(), Duration> {
        check(&self.sso, client)
    }

    /// `Err(wait)` when `client`, not signed in, has used up its pages for now.
    pub fn check_anonymous(&self, client: IpAddr) -> Result<(), Duration> {
        check(&self.anonymous, client)
    }
}

fn check(limiter: &DefaultKeyedRateLimiter<IpAddr>, client: IpAddr) -> Result<(), Duration> {
    if limiter.len() > MAX_TRACKED {
        limiter.retain_recent();
    }
    limiter
        .check_key(&counted_as(client))
        .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
}

/// IPv4 addresses count alone, IPv6 ones by their /64.
fn counted_as(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

/// Finds the client's address (for every later layer and handler, as [`ClientIp`]) and applies
/// the `/sso/*` limit. A request without a peer address (one served in-process) is not limited.
pub async fn limit_sso(
    State(limits): State<Arc<RateLimits>>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(ConnectInfo(peer)) = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .copied()
    else {
        return next.run(request).await;
    };
    let forwarded_for = request
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    let client = limits.client_ip(peer.ip(), forwarded_for);
    request.extensions_mut().insert(ClientIp(client));
    if request.uri().path().starts_with("/sso/")
        && let Err(wait) = limits.check_sso(client)
    {
        tracing::info!(client = %client, "EVE login requests rate-limited");
        metrics::counter!("http_rate_limited_total", "limit" => "sso").increment(1);
        return WebError::TooManyRequests(wait).into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn limits(trusted: &[&str]) -> RateLimits {
        RateLimits::new(3, 5, trusted.iter().map(|t| t.parse().unwrap()).collect())
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_peer_is_the_client_unless_it_is_a_trusted_proxy() {
        let l = limits(&["127.0.0.1/32", "10.0.0.0/8"]);
        // A client that sends X-Forwarded-For itself is not believed.
        assert_eq!(
            l.client_ip(ip("203.0.113.9"), Some("198.51.100.1")),
            ip("203.0.113.9")
        );
        // Through the proxy: the address the proxy saw, not what the client wrote before it.
        assert_eq!(
            l.client_ip(ip("127.0.0.1"), Some("6.6.6.6, 203.0.113.9")),
            ip("203.0.113.9")
        );
        // Through two trusted proxies.
        assert_eq!(
            l.client_ip(ip("127.0.0.1"), Some("203.0.113.9, 10.1.2.3")),
            ip("203.0.113.9")
        );
        // A proxy that sends nothing usable: the proxy itself.
        assert_eq!(l.client_ip(ip("127.0.0.1"), None), ip("127.0.0.1"));
        assert_eq!(
            l.client_ip(ip("127.0.0.1"), Some("garbage")),
            ip("127.0.0.1")
        );
        // IPv4 peers seen as IPv6-mapped addresses are trusted the same.
        assert_eq!(
            l.client_ip(ip("::ffff:127.0.0.1"), Some("203.0.113.9")),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn each_address_has_its_own_allowance_and_an_ipv6_slash_64_is_one_address() {
        let l = limits(&[]);
        for _ in 0..3 {
            assert!(l.check_sso(ip("203.0.113.9")).is_ok());
        }
        let wait = l.check_sso(ip("203.0.113.9")).unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert!(l.check_sso(ip("203.0.113.10")).is_ok(), "another address");
        assert!(
            l.check_anonymous(ip("203.0.113.9")).is_ok(),
            "another limit"
        );

        for host in 1..=3 {
            assert!(l.check_sso(ip(&format!("2001:db8:1:2::{host}"))).is_ok());
        }
        assert!(
            l.check_sso(ip("2001:db8:1:2:ffff::1")).is_err(),
            "the same /64"
        );
        assert!(l.check_sso(ip("2001:db8:1:3::1")).is_ok(), "another /64");
    }
}
