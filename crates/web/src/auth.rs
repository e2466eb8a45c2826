//! Who is asking: the signed-in account and what it may do. Every page that needs a signed-in
//! person takes a `Viewer` and hands its `caller` to the use cases, which decide what it may do.
//! `Viewer::require` only decides what a page renders (a 403 page naming the permission before
//! any work); the use case checks again and is the authority.

use crate::WebState;
use crate::error::WebError;
use crate::rate_limit::ClientIp;
use crate::session;
use crate::ui::Layout;
use crate::ui::nav::NavUser;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use jumpgate_app::Caller;
use jumpgate_domain::AccountId;
use tower_sessions::Session;

pub struct Viewer {
    pub account: AccountId,
    /// The account with its grants, read once for this request; use cases that take a
    /// `&Caller` check against it.
    pub caller: Caller,
    pub layout: Layout,
    pub session: Session,
}

impl Viewer {
    /// Refuses with a 403 page naming the missing permission.
    pub fn require(&self, permission: &str) -> Result<(), WebError> {
        if self.caller.grants().allows(permission) {
            Ok(())
        } else {
            Err(WebError::Forbidden(format!(
                "This page needs the '{permission}' permission, which your account does not have."
            )))
        }
    }
}

/// The viewer if signed in, for pages anyone may see.
pub struct MaybeViewer(pub Option<Viewer>, pub Layout);

impl FromRequestParts<WebState> for Viewer {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        let MaybeViewer(viewer, layout) = MaybeViewer::from_request_parts(parts, state).await?;
        if let Some(viewer) = viewer {
            return Ok(viewer);
        }
        // The sign-in page this sends the person to shows the message ("You were signed out …")
        // instead of this page, which is never rendered.
        if let Some(message) = layout.flash
            && let Some(session) = parts.extensions.get::<Session>()
        {
            session::flash(session, message).await;
        }
        Err(WebError::SignIn)
    }
}

impl FromRequestParts<WebState> for MaybeViewer {
    type Rejection = WebError;

    /// The viewer; for someone not signed in, within the per-address limit on such pages
    /// (`crate::rate_limit`), checked here because only here is it known who is signed in.
    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        let found = Self::find(parts, state).await?;
        if found.0.is_none()
            && let Some(ClientIp(client)) = parts.extensions.get::<ClientIp>().copied()
            && let Err(wait) = state.config.rate_limits.check_anonymous(client)
        {
            tracing::info!(client = %client, "pages for someone not signed in rate-limited");
            metrics::counter!("http_rate_limited_total", "limit" => "anonymous").increment(1);
            return Err(WebError::TooManyRequests(wait));
        }
        Ok(found)
    }
}

impl MaybeViewer {
    async fn find(parts: &mut Parts, state: &WebState) -> Result<Self, WebError> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, m)| WebError::Internal(format!("session layer missing: {m}")))?;
        // Most page views change nothing in the session: one query reads it with the caller.
        if let Some(caller) = session::signed_in_as_is(&state.app, &session).await? {
            let unread = state.app.unread_notifications(&caller).await?;
            return Ok(signed_in(
                Layout::new(&state.config, None),
                caller,
                session,
                unread,
            ));
        }
        let flash = session::take_flash(&session).await;
        let layout = Layout::new(&state.config, flash);
        let Some(account) = session::account(&session).await else {
            return Ok(MaybeViewer(None, layout));
        };
        session::keep_alive(&session, state.app.now()).await;
        let Some(caller) = state.app.caller(account).await? else {
            // The account was deleted meanwhile: sign the session out.
            let _ = session.flush().await;
            return Ok(MaybeViewer(None, layout));
        };
        if session::expire_if_outlived(&state.app, &session, &caller).await {
            let flash = session::take_flash(&session).await;
            return Ok(MaybeViewer(None, Layout::new(&state.config, flash)));
        }
        let unread = state.app.unread_notifications(&caller).await?;
        Ok(signed_in(layout, caller, session, unread))
    }
}

/// The viewer `caller` of `session`, with the navigation its grants allow and how many of its
/// notifications are unread (the bell).
fn signed_in(mut layout: Layout, caller: Caller, session: Session, unread: usize) -> MaybeViewer {
    let Some(account) = caller.account() else {
        return MaybeViewer(None, layout);
    };
    let name = caller
        .main()
        .map_or_else(|| format!("Account {account}"), |(_, name)| name.clone());
    let portrait = caller
        .main()
        .map(|(id, _)| layout.portrait(id.get(), 64))
        .unwrap_or_default();
    layout.user = Some(NavUser {
        name,
        portrait,
        state: caller.state().to_owned(),
        menu: crate::routes::nav(&caller),
        unread,
        search: caller
            .grants()
            .allows(jumpgate_domain::permissions::Permission::ADMIN_USERS),
    });
    let viewer = Viewer {
        account,
        caller,
        layout: layout.clone(),
        session,
    };
    MaybeViewer(Some(viewer), layout)
}
