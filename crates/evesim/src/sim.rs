//! `EveSim`: starting the server, and the Rust API to read and steer the simulated world.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use anyhow::{Context, anyhow};
use axum::Router;
use url::Url;

use crate::esi::cache::CacheState;
use crate::esi::limits::Limits;
use crate::log::LoggedRequest;
use crate::sso::authorize::{self, AuthorizeParams};
use crate::sso::keys::{self, SigningAlg};
use crate::sso::{Client, SsoState};
use crate::state::{Controls, Forced, Shared, SimTime, lock};
use crate::world::{self, Shape, SimAlliance, SimCharacter, SimContact, SimCorporation};
use crate::{SimConfig, control, esi, images, log, sso};

/// A running simulator. Cheap to clone; all clones steer the same server.
#[derive(Clone)]
pub struct EveSim {
    shared: Arc<Shared>,
}

impl EveSim {
    /// Generates the universe, binds `addr` (port 0 picks a free port) and spawns the server.
    pub async fn start(config: SimConfig, addr: SocketAddr) -> anyhow::Result<EveSim> {
        let keys = tokio::task::spawn_blocking(keys::keys)
            .await
            .context("key generation task")??;
        let world = world::generate(&Shape {
            seed: config.seed,
            alliances: config.alliances,
            corporations: config.corporations,
            characters: config.characters,
            accounts: config.accounts,
        });
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding {addr}"))?;
        let bound = listener.local_addr()?;
        let base_url = match config.public_url {
            Some(mut u) => {
                if !u.path().ends_with('/') {
                    let path = format!("{}/", u.path());
                    u.set_path(&path);
                }
                u
            }
            None => Url::parse(&format!("http://{bound}/"))?,
        };
        let shared = Arc::new(Shared {
            base_url,
            world: Mutex::new(world),
            sso: Mutex::new(SsoState::default()),
            keys,
            limits: Mutex::new(Limits::default()),
            cache: Mutex::new(CacheState::default()),
            log: Mutex::new(Vec::new()),
            time: Mutex::new(SimTime::default()),
            controls: Mutex::new(Controls::new(
                config.seed,
                config.fault_rate,
                config.latency,
            )),
            registered_scopes: config.registered_scopes,
            issued: AtomicU64::new(0),
        });
        let app = Router::new()
            .merge(sso::router())
            .merge(esi::router())
            .merge(images::router())
            .merge(control::router())
            .fallback(esi::not_found)
            .layer(axum::middleware::from_fn_with_state(
                shared.clone(),
                log::record,
            ))
            .with_state(shared.clone());
        tokio::spawn(async move {
            let service = app.into_make_service_with_connect_info::<SocketAddr>();
            if let Err(e) = axum::serve(listener, service).await {
                tracing::error!(error = %e, "evesim server stopped");
            }
        });
        tracing::info!(%bound, "EVE simulator listening");
        Ok(EveSim { shared })
    }

    pub(crate) fn from_shared(shared: Arc<Shared>) -> Self {
        Self { shared }
    }

    pub fn base_url(&self) -> Url {
        self.shared.base_url.clone()
    }

    pub fn sso_base_url(&self) -> Url {
        self.base_url()
    }

    pub fn esi_base_url(&self) -> Url {
        self.base_url()
    }

    /// `{base}/image/` (with a trailing slash, so `join("characters/1/portrait")` works).
    pub fn image_base_url(&self) -> Url {
        let mut u = self.base_url();
        u.set_path(&format!("{}image/", u.path()));
        u
    }

    /// Registers an SSO application (one callback URL, as CCP allows) with the configured
    /// scopes ([`SimConfig::registered_scopes`]).
    pub fn register_client(&self, client_id: &str, client_secret: &str, callback_url: &str) {
        let scopes = self.shared.registered_scopes.clone();
        self.register_client_with_scopes(client_id, client_secret, callback_url, &scopes);
    }

    /// Registers (or changes) an SSO application with its own scope list: it may ask for these
    /// scopes and no others. Changing an application's scopes invalidates every refresh token it
    /// holds, as at CCP.
    pub fn register_client_with_scopes<S: AsRef<str>>(
        &self,
        client_id: &str,
        client_secret: &str,
        callback_url: &str,
        scopes: &[S],
    ) {
        let scopes: Vec<String> = scopes.iter().map(|s| s.as_ref().to_owned()).collect();
        let mut sso = lock(&self.shared.sso);
        let registration = match sso.clients.get(client_id) {
            Some(old) if old.scopes != scopes => old.registration + 1,
            Some(old) => old.registration,
            None => 0,
        };
        sso.clients.insert(
            client_id.to_owned(),
            Client {
                secret: client_secret.to_owned(),
                callback: callback_url.to_owned(),
                scopes,
                registration,
            },
        );
    }

    pub fn characters(&self) -> Vec<SimCharacter> {
        lock(&self.shared.world)
            .characters
            .values()
            .cloned()
            .collect()
    }

    pub fn character(&self, id: i64) -> Option<SimCharacter> {
        lock(&self.shared.world).characters.get(&id).cloned()
    }

    /// Player corporations (NPC ones such as Doomheim are left out; ESI still serves them).
    pub fn corporations(&self) -> Vec<SimCorporation> {
        lock(&self.shared.world)
            .corporations
            .values()
            .filter(|c| !c.npc)
            .cloned()
            .collect()
    }

    pub fn corporation(&self, id: i64) -> Option<SimCorporation> {
        lock(&self.shared.world).corporations.get(&id).cloned()
    }

    pub fn alliances(&self) -> Vec<SimAlliance> {
        lock(&self.shared.world)
            .alliances
            .values()
            .cloned()
            .collect()
    }

    pub fn characters_of_account(&self, owner_hash: &str) -> Vec<SimCharacter> {
        lock(&self.shared.world)
            .characters
            .values()
            .filter(|c| c.owner_hash == owner_hash)
            .cloned()
            .collect()
    }

    pub fn move_character(&self, character_id: i64, corporation_id: i64) {
        let now = self.shared.now_utc();
        lock(&self.shared.world).move_character(character_id, corporation_id, now);
    }

    /// Sets when a character last logged on and off, as member tracking reports it (ESI's
    /// cache of `/membertracking` still answers the old times until it expires).
    pub fn set_logon(&self, character_id: i64, logon: crate::world::SimLogon) {
        lock(&self.shared.world).logons.insert(character_id, logon);
    }

    pub fn move_corporation(&self, corporation_id: i64, alliance_id: Option<i64>) {
        lock(&self.shared.world).move_corporation(corporation_id, alliance_id);
    }

    /// Makes `character_id` its corporation's CEO (as the game does when the CEO steps down);
    /// `false` for an unknown character.
    pub fn set_ceo(&self, character_id: i64) -> bool {
        let mut world = lock(&self.shared.world);
        let Some(corporation) = world
            .characters
            .get(&character_id)
            .map(|c| c.corporation_id)
        else {
            return false;
        };
        match world.corporations.get_mut(&corporation) {
            Some(corp) => {
                corp.ceo_id = character_id;
                true
            }
            None => false,
        }
    }

    /// Moves the character to another EVE account; its refresh tokens die, as with CCP.
    /// Returns the new owner hash (empty for an unknown character).
    pub fn transfer_character(&self, character_id: i64) -> String {
        let hash = lock(&self.shared.world).transfer_character(character_id);
        self.revoke_tokens(character_id);
        hash.unwrap_or_default()
    }

    /// Moves the character to Doomheim (corporation 1000001) and kills its tokens.
    pub fn biomass_character(&self, character_id: i64) {
        lock(&self.shared.world).biomass_character(character_id);
        self.revoke_tokens(character_id);
    }

    /// Revokes every refresh token (and pending code) of the character. Access tokens already
    /// issued stay valid until they expire, as CCP's stateless JWTs do.
    pub fn revoke_tokens(&self, character_id: i64) {
        lock(&self.shared.sso).revoke_character(character_id);
    }

    /// Replaces the contacts of a character (or of a corporation or alliance: ids don't clash).
    pub fn set_contacts(&self, owner_id: i64, contacts: Vec<SimContact>) {
        lock(&self.shared.world).contacts.insert(owner_id, contacts);
    }

    pub fn contacts(&self, owner_id: i64) -> Vec<SimContact> {
        lock(&self.shared.world)
            .contacts
            .get(&owner_id)
            .cloned()
            .unwrap_or_default()
    }

    /// Replaces the contact labels of a character, corporation or alliance (labels can't be
    /// created through ESI, only in game: this is the game).
    pub fn set_labels(&self, owner_id: i64, labels: Vec<(i64, String)>) {
        lock(&self.shared.world).labels.insert(owner_id, labels);
    }

    pub fn labels(&self, owner_id: i64) -> Vec<(i64, String)> {
        lock(&self.shared.world)
            .labels
            .get(&owner_id)
            .cloned()
            .unwrap_or_default()
    }

    /// Sets a character's corporation roles (`Director`, `Personnel_Manager`, …); `false` for
    /// an unknown character.
    pub fn set_roles(&self, character_id: i64, roles: Vec<String>) -> bool {
        match lock(&self.shared.world).characters.get_mut(&character_id) {
            Some(c) => {
                c.roles = roles;
                true
            }
            None => false,
        }
    }

    /// Mail sent through ESI, oldest first.
    pub fn mails(&self) -> Vec<crate::SimMail> {
        lock(&self.shared.world).mails.clone()
    }

    pub fn set_downtime(&self, on: bool) {
        lock(&self.shared.controls).downtime = on;
    }

    pub fn set_fault_rate(&self, rate: f64) {
        lock(&self.shared.controls).fault_rate = rate.clamp(0.0, 1.0);
    }

    /// Runs the simulated EVE's time from `date`, `speed` times as fast as the wall clock: its
    /// limiter windows (100 errors a minute, the 15-minute buckets), the tokens it issues and
    /// checks, and its request log. For a client whose clock runs the same way (a soak of half
    /// an hour in minutes); otherwise the client would see its minutes pass while EVE's had
    /// not. Every time the simulated EVE tells (cache stamps, notifications, mail) follows it.
    pub fn set_time(&self, date: time::OffsetDateTime, speed: f64) {
        let time = {
            let mut t = lock(&self.shared.time);
            *t = t.reset(date, speed);
            *t
        };
        lock(&self.shared.limits).set_time(time);
    }

    pub fn set_latency(&self, d: Duration) {
        lock(&self.shared.controls).latency = d;
    }

    /// Answer 200 with invalid JSON on ESI routes whose path contains this text.
    pub fn set_garbage(&self, route_contains: Option<String>) {
        lock(&self.shared.controls).garbage = route_contains;
    }

    /// Replaces the spec's bucket size of a rate-limit group (e.g. `char-social`), for tests of
    /// a client's limiter; `None` restores the spec's.
    pub fn set_bucket_max(&self, group: &str, max_tokens: Option<u32>) {
        let mut c = lock(&self.shared.controls);
        match max_tokens {
            Some(m) => c.bucket_max.insert(group.to_owned(), m),
            None => c.bucket_max.remove(group),
        };
    }

    /// Answers the next ESI request whose path contains `route_contains` with 429 and a
    /// `Retry-After` of `retry_after_secs` (the game server's own limiter, without bucket
    /// headers).
    pub fn force_429(&self, route_contains: &str, retry_after_secs: u64) {
        self.force_answer(route_contains, 0, 429, retry_after_secs);
    }

    /// Answers the next ESI request whose path contains `route_contains` with 420 (error limit
    /// spent, e.g. by another application on the same IP), resetting in `reset_secs`.
    pub fn force_420(&self, route_contains: &str, reset_secs: u64) {
        self.force_answer(route_contains, 0, 420, reset_secs);
    }

    /// Lets `skip` ESI requests whose path contains `route_contains` through, then answers the
    /// next one with `status`: 429 or 420 with `wait_secs` (its `Retry-After`, or the error
    /// limit's reset), a limit hit in the middle of a run of writes; or a 5xx (`wait_secs`
    /// unused), e.g. the second of a sweep's batches failing.
    pub fn force_answer(&self, route_contains: &str, skip: usize, status: u16, wait_secs: u64) {
        lock(&self.shared.controls).forced.push_back(Forced {
            route_contains: route_contains.to_owned(),
            skip,
            status,
            wait_secs,
        });
    }

    /// Issues a refresh token for a character as a completed login with `scopes` would have,
    /// without the SSO pages: for seeding many tokens at once (benchmarks).
    pub fn refresh_token_for_test(
        &self,
        client_id: &str,
        character_id: i64,
        scopes: &[&str],
    ) -> anyhow::Result<String> {
        let ch = self
            .character(character_id)
            .ok_or_else(|| anyhow!("unknown character {character_id}"))?;
        let token = sso::random_token(16, true);
        let mut sso = lock(&self.shared.sso);
        let registration = sso.registration(client_id);
        sso.refresh.insert(
            token.clone(),
            sso::RefreshGrant {
                client_id: client_id.to_owned(),
                registration,
                character_id,
                owner_hash: ch.owner_hash,
                scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            },
        );
        Ok(token)
    }

    /// A faulty SSO: while `Some(character)`, every refresh answers with a token for that
    /// character, whatever the refresh token was issued for (a client must not store it for
    /// its own character). `None` (the default) answers correctly again.
    pub fn set_refresh_answers_for(&self, character_id: Option<i64>) {
        lock(&self.shared.controls).refresh_answers_for = character_id;
    }

    /// A faulty token endpoint: while `Some`, it answers as [`sso::SsoFault`] says (every
    /// refresh `invalid_grant` or `invalid_token`; every request `invalid_client`, 503, 429 with
    /// a `Retry-After`, or no answer in time); `None` (the default) answers correctly again.
    /// Refresh tokens are not spent meanwhile.
    pub fn set_sso_fault(&self, fault: Option<sso::SsoFault>) {
        lock(&self.shared.controls).sso_fault = fault;
    }

    /// Lets every answer ESI has cached expire now, as enough time passing would: the next
    /// request of each route reads the world as it is. ESI otherwise serves a cached route's
    /// answer until its `Expires`, even after a write that changed it; a test that moves
    /// Jumpgate's clock past an `Expires` moves EVE's cache along with this.
    pub fn expire_esi_cache(&self) {
        lock(&self.shared.cache).expire_all();
    }

    /// Items per page on paged routes (default 1000).
    pub fn set_page_size(&self, size: usize) {
        lock(&self.shared.controls).page_size = size.max(1);
    }

    /// Signs access tokens with one algorithm; `None` (the default) alternates RS256/ES256.
    pub fn set_signing_alg(&self, alg: Option<SigningAlg>) {
        lock(&self.shared.controls).signing = alg;
    }

    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.shared.log).clone()
    }

    pub fn clear_requests(&self) {
        lock(&self.shared.log).clear();
    }

    /// Drives the SSO authorize form without a browser: validates the authorize URL exactly as
    /// the GET would, then returns the redirect to the callback (with `code` and `state`) as
    /// if the person picked `character_id` and consented.
    pub async fn authorize_for_test(
        &self,
        authorize_url: &Url,
        character_id: i64,
    ) -> anyhow::Result<Url> {
        let params = AuthorizeParams::from_url(authorize_url);
        let valid = authorize::validate(&self.shared, &params).map_err(|e| {
            anyhow!(
                "SSO refused the authorize request: {}: {}",
                e.error,
                e.detail
            )
        })?;
        authorize::issue_code(&self.shared, &valid, character_id)
            .map_err(|e| anyhow!("SSO refused the login: {}: {}", e.error, e.detail))
    }

    /// An access token for a character without going through the SSO pages, for tests of
    /// ESI behaviour. The token is exactly what `/v2/oauth/token` would sign.
    pub fn access_token_for_test(
        &self,
        client_id: &str,
        character_id: i64,
        scopes: &[&str],
    ) -> anyhow::Result<String> {
        let ch = self
            .character(character_id)
            .ok_or_else(|| anyhow!("unknown character {character_id}"))?;
        let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
        sso::token::access_token(
            &self.shared,
            client_id,
            &ch.name,
            &ch.owner_hash,
            character_id,
            &scopes,
        )
    }
}
