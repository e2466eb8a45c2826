//! The ESI proxy (Neucore's `app-esi-proxy`): an application sends an ESI request with a
//! character's token of one of its EVE logins, and gets ESI's answer back (status, ESI's
//! headers, body). Any character Jumpgate knows may be named; which login's token is used is
//! what the application must hold.
//!
//! The request goes through Jumpgate's own ESI client (`EsiClient::pass_through`), so it
//! shares the error limit, the rate-limit buckets, the ETag cache and the downtime handling
//! with Jumpgate's own work: across instances for the pauses (error limit, downtime, an outage
//! ESI did not name) and the cache, which live in the database, and within this process for
//! the buckets and the error count. The proxy stops before Jumpgate's own work does (at 20
//! errors left instead of 10, and with a fifth of each bucket left) and answers 429 with
//! `Retry-After` instead of sending, so an application can never spend the error limit below
//! the floor nor earn a 420 for everyone.
//!
//! The checks come in Neucore's order, so tools see the answers they know: the limits (429),
//! then the request (400: no path, a public or unknown route, no character), the login (403),
//! the character (400 "Character not found."), its token (400 "Character has no valid
//! token."). Then, beyond Neucore, what ESI would refuse with an error that spends the error
//! limit is refused here without sending: a token without the route's scope, a body that is
//! not JSON, a malformed compatibility date.

use crate::App;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use jumpgate_domain::CharacterId;
use jumpgate_domain::ScopeSet;
use jumpgate_domain::account::TokenStatus;
use jumpgate_domain::apps::AppRole;
use jumpgate_domain::apps::esi_proxy::{
    self as rules, CHARACTER_NOT_FOUND, INVALID_BODY, NO_CHARACTER, NO_VALID_TOKEN, PATH_EMPTY,
    PUBLIC_ROUTE, TokenChoice,
};
use jumpgate_eve::esi::operations::{self, MatchedPath};
use jumpgate_eve::esi::routes::Method;
use jumpgate_eve::{EsiError, PassThrough, SsoError};
use secrecy::ExposeSecret;
use std::time::Duration;

/// An application's ESI request, as the API edge read it.
#[derive(Debug, Clone, Default)]
pub struct ProxyRequest {
    /// `true` for POST, `false` for GET (the only methods Neucore's proxy has).
    pub post: bool,
    /// The ESI path (`/characters/96061222/assets`), old clients' version prefix and trailing
    /// slash allowed.
    pub path: String,
    /// ESI's query parameters (without `datasource`).
    pub query: Vec<(String, String)>,
    /// `Neucore-EveCharacter`, `Neucore-EveLogin` and `datasource`, as sent.
    pub header_character: Option<String>,
    pub header_login: Option<String>,
    pub datasource: Option<String>,
    /// A POST's body (JSON).
    pub body: Vec<u8>,
    /// The body was longer than `rules::MAX_REQUEST_BODY` (and was not read).
    pub body_too_large: bool,
    /// `X-Compatibility-Date`, `Accept-Language` and `If-None-Match`, as sent.
    pub compatibility_date: Option<String>,
    pub accept_language: Option<String>,
    pub if_none_match: Option<String>,
}

/// What an application gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyOutcome {
    /// ESI's answer, or the cache's: its status, ESI's headers that an application gets
    /// (`rules::PASSED_HEADERS`), its body.
    Answered {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Nothing was sent to ESI.
    Refused(ProxyRefusal),
}

/// Why a request was not sent (or not answered), each with Neucore's status where it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyRefusal {
    /// ESI's limits are (nearly) spent or ESI is down: try again after `retry_after` (429).
    Limited {
        message: String,
        retry_after: Duration,
    },
    /// The request cannot be sent as it is (400).
    Invalid(String),
    /// The application does not hold this EVE login (403).
    LoginNotGranted(String),
    /// The character's token lacks the route's scope: ESI would answer 403 (and count an
    /// error), so it is answered here as ESI words it.
    MissingScope(String),
    /// EVE's login cannot refresh the character's token now: nothing is wrong with the token;
    /// try again later (503).
    TokenUnavailable {
        message: String,
        retry_after: Option<Duration>,
    },
    /// ESI did not answer (500, as Neucore; 504 when it timed out).
    Unanswered { message: String, timed_out: bool },
    /// ESI's answer was too long to pass on (502).
    AnswerTooLarge(String),
    /// The request's body was too long to pass on (413).
    BodyTooLarge(String),
}

impl App {
    /// Sends an application's ESI request with a character's token and hands back ESI's
    /// answer. Needs `app-esi-proxy`; the login must be one of the application's.
    pub async fn esi_proxy(
        &self,
        caller: &Caller,
        request: ProxyRequest,
    ) -> AppResult<ProxyOutcome> {
        let app = caller.require_app_role(AppRole::EsiProxy)?;
        let choice = TokenChoice::from_request(
            request.header_character.as_deref(),
            request.header_login.as_deref(),
            request.datasource.as_deref(),
        );
        let method = if request.post {
            Method::Post
        } else {
            Method::Get
        };
        let path = request.path.trim();
        let matched = operations::find(method, path);
        if let Err(e) = self
            .esi()
            .admissible_for_others(matched.as_ref(), choice.character)
            .await
        {
            return Ok(self.limited(&e));
        }
        let refuse = |why: ProxyRefusal| Ok(ProxyOutcome::Refused(why));
        let invalid = |why: String| refuse(ProxyRefusal::Invalid(why));
        if path.trim_matches('/').is_empty() {
            return invalid(PATH_EMPTY.to_owned());
        }
        let Some(matched) = matched else {
            return invalid(no_such_route(method, path));
        };
        if matched.operation.is_public() {
            return invalid(PUBLIC_ROUTE.to_owned());
        }
        let Some(character) = choice.character else {
            return invalid(NO_CHARACTER.to_owned());
        };
        if !app.may_use_login(&choice.login) {
            return refuse(ProxyRefusal::LoginNotGranted(format!(
                "This application may not use the EVE login '{}'.",
                choice.login
            )));
        }
        if !self
            .character_owners(caller)
            .await?
            .contains_key(&character)
        {
            return invalid(CHARACTER_NOT_FOUND.to_owned());
        }
        let token = match self.store().token(character, &choice.login).await? {
            Some(t) if t.status == TokenStatus::Valid => t,
            _ => return invalid(NO_VALID_TOKEN.to_owned()),
        };
        if let Some(missing) = missing_scope(&matched, &token.scopes) {
            return refuse(ProxyRefusal::MissingScope(format!(
                "token not valid for scope(s): {missing} (refused by Jumpgate without asking ESI: the character's '{}' token does not carry it)",
                choice.login
            )));
        }
        if request.body_too_large {
            return refuse(ProxyRefusal::BodyTooLarge(format!(
                "The body is longer than {} KiB, more than any ESI request.",
                rules::MAX_REQUEST_BODY / 1024
            )));
        }
        if let Some(why) = unsendable(&request) {
            return invalid(why);
        }
        let access = match self.access_token_of(&token).await {
            Ok(access) => access,
            Err(AppError::NotFound(_) | AppError::Invalid(_)) => {
                return invalid(NO_VALID_TOKEN.to_owned());
            }
            Err(AppError::Sso(e)) => return refuse(token_unavailable(character, &e)),
            Err(other) => return Err(other),
        };
        let route = matched.operation.route.template;
        let sent = self
            .esi()
            .pass_through(PassThrough {
                matched,
                query: request.query,
                character,
                token: access.expose_secret(),
                body: request.post.then_some(request.body),
                compatibility_date: request.compatibility_date,
                language: request
                    .accept_language
                    .as_deref()
                    .and_then(rules::language)
                    .map(str::to_owned),
                if_none_match: request.if_none_match,
            })
            .await;
        let answer = match sent {
            Ok(answer) => answer,
            Err(e) => return Ok(self.unsent(&e)),
        };
        if answer.status >= 400 {
            tracing::info!(app = %app.id, route, status = answer.status, "ESI refused an application's request");
        }
        Ok(ProxyOutcome::Answered {
            status: answer.status,
            headers: answer
                .headers
                .into_iter()
                .filter(|(name, _)| rules::is_passed_header(name))
                .collect(),
            body: answer.body,
        })
    }

    /// A request refused because of ESI's limits or a pause: Neucore's words, and how long to
    /// wait.
    fn limited(&self, e: &EsiError) -> ProxyOutcome {
        let retry_after = e
            .retry_after(self.now())
            .unwrap_or_default()
            .max(Duration::from_secs(1));
        let message = match e {
            EsiError::RateLimited {
                group: Some(group), ..
            } => format!("Maximum permissible ESI rate limit reached for group '{group}'."),
            EsiError::RateLimited { group: None, .. } => "ESI rate limit reached.".to_owned(),
            EsiError::Downtime { .. } => {
                "ESI is down (Tranquility's downtime or an outage); try again later.".to_owned()
            }
            _ => format!(
                "Maximum permissible ESI error limit reached (X-Esi-Error-Limit-Remain <= {}).",
                self.esi().error_floor_for_others()
            ),
        };
        ProxyOutcome::Refused(ProxyRefusal::Limited {
            message,
            retry_after,
        })
    }

    /// A request that got no answer: refused by the limits after all (another request got
    /// there first), or ESI could not be reached.
    fn unsent(&self, e: &EsiError) -> ProxyOutcome {
        if e.retry_after(self.now()).is_some() {
            return self.limited(e);
        }
        ProxyOutcome::Refused(match e {
            EsiError::Timeout => ProxyRefusal::Unanswered {
                message: "ESI did not answer in time.".to_owned(),
                timed_out: true,
            },
            EsiError::Decode(why) => {
                ProxyRefusal::AnswerTooLarge(format!("ESI's answer was not passed on: {why}."))
            }
            other => ProxyRefusal::Unanswered {
                message: other.to_string(),
                timed_out: false,
            },
        })
    }
}

/// What ESI would refuse before looking at the character: a body that is not JSON, a
/// compatibility date that is not a date.
fn unsendable(request: &ProxyRequest) -> Option<String> {
    if request.post
        && !request.body.is_empty()
        && serde_json::from_slice::<serde::de::IgnoredAny>(&request.body).is_err()
    {
        return Some(INVALID_BODY.to_owned());
    }
    match &request.compatibility_date {
        Some(date) if !rules::is_compatibility_date(date) => Some(format!(
            "X-Compatibility-Date must be a date as YYYY-MM-DD, not '{date}'."
        )),
        _ => None,
    }
}

/// The first of the route's scopes the token does not carry.
fn missing_scope(matched: &MatchedPath, granted: &str) -> Option<&'static str> {
    let granted = ScopeSet::parse(granted);
    matched
        .operation
        .scopes
        .iter()
        .copied()
        .find(|s| !granted.contains(s))
}

fn no_such_route(method: Method, path: &str) -> String {
    let shown: String = path.chars().take(200).collect();
    format!(
        "ESI has no route {} {shown} (see https://developers.eveonline.com/api-explorer).",
        method.as_str()
    )
}

fn token_unavailable(character: CharacterId, e: &SsoError) -> ProxyRefusal {
    tracing::info!(%character, error = %e, "an application's ESI request waits for the SSO");
    let retry_after = match e {
        SsoError::Unavailable { retry_after, .. } => *retry_after,
        _ => None,
    };
    ProxyRefusal::TokenUnavailable {
        message: "EVE's login cannot refresh the character's token now; try again later."
            .to_owned(),
        retry_after,
    }
}
