//! Jumpgate's web edge. Handlers extract, authorise, call a use case in `jumpgate-app` and
//! render; nothing here writes SQL or calls ESI directly.

pub mod api;
mod auth;
mod csrf;
mod error;
mod headers;
pub mod metrics;
pub mod rate_limit;
mod request_id;
mod routes;
pub mod serve;
mod session;
pub mod settings;
mod ui;

pub use error::WebError;
pub use settings::ServerSettings;

use axum::Router;
use jumpgate_app::App;
use std::sync::Arc;
use url::Url;

/// How the web edge presents itself.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The URL people use to reach Jumpgate (scheme, host, port): CSRF origin checks, Secure
    /// cookies and HSTS follow from it.
    pub public_url: Url,
    /// Where portraits and logos come from (CCP's image server, or the simulator in demo).
    pub image_base_url: Url,
    /// Shown on every page in demo mode, with how to log in.
    pub demo_notice: Option<String>,
    /// What `/metrics` requires as a bearer token; `None`: `/metrics` is off.
    pub metrics_token: Option<secrecy::SecretString>,
    /// Per-client limits on the EVE login and on pages for people not signed in.
    pub rate_limits: Arc<rate_limit::RateLimits>,
}

impl WebConfig {
    pub fn is_https(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    /// `scheme://host[:port]`, as browsers send it in `Origin`.
    pub fn public_origin(&self) -> String {
        self.public_url.origin().ascii_serialization()
    }
}

/// What every handler and middleware is given: one `Arc`, because each layer and extractor
/// clones the state on every request, and one reference count bumped per clone costs less than
/// one per field (the application API's hot path showed the drops at 5 % of the CPU).
#[derive(Clone)]
pub struct WebState(Arc<Shared>);

impl std::ops::Deref for WebState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The state's parts.
pub struct Shared {
    pub app: App,
    pub config: Arc<WebConfig>,
    /// The approver queue's rows as HTML, kept per queue read.
    pub(crate) approval_rows: Arc<routes::standings::approval_queue_rows::ApprovalRowsCache>,
    /// The contact sync admin list's rows as HTML, kept per list read.
    pub(crate) sync_admin_rows: Arc<routes::standings::sync_admin::SyncAdminRowsCache>,
    /// The standings database's rows as HTML, kept per database read.
    pub(crate) entries_rows: Arc<routes::standings::entries::EntriesRowsCache>,
    /// The accounts list's rows as HTML, kept per list read.
    pub(crate) users_rows: Arc<routes::accounts::users::UsersRowsCache>,
    /// The audit log's rows as HTML, kept per read of the names they show.
    pub(crate) audit_rows: Arc<routes::audit::log::AuditRowsCache>,
    /// The character search's tables as HTML, kept per list read.
    pub(crate) characters_tables: Arc<routes::accounts::characters::CharactersTablesCache>,
}

/// The whole web application.
pub fn router(app: App, config: WebConfig) -> Router {
    let state = WebState(Arc::new(Shared {
        app: app.clone(),
        config: Arc::new(config),
        approval_rows: Arc::default(),
        sync_admin_rows: Arc::default(),
        users_rows: Arc::default(),
        audit_rows: Arc::default(),
        entries_rows: Arc::default(),
        characters_tables: Arc::default(),
    }));
    // Sessions and CSRF protection are the pages'; the application API authenticates every
    // call by its Authorization header and has neither (a session per call would cost the
    // API's hot path for nothing).
    let pages = routes::router(state.clone())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            csrf::protect,
        ))
        .layer(session::layer(
            app.sessions(),
            state.config.is_https(),
            app.settings().sessions.idle_timeout,
        ));
    let application_api = api::app::router(state.clone()).with_state(state.clone());
    pages
        .merge(application_api)
        .layer(axum::middleware::from_fn(request_id::scope))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            headers::security_headers,
        ))
        .layer(axum::middleware::from_fn(metrics::track_http))
        .layer(
            tower_http::trace::TraceLayer::new_for_http().make_span_with(
                // The path only: query strings carry SSO codes and states, which stay out of logs.
                |request: &axum::http::Request<axum::body::Body>| {
                    tracing::info_span!("http", request_id = %request_id::of(request), method = %request.method(), path = %request.uri().path())
                },
            ),
        )
        .layer(axum::middleware::from_fn_with_state(
            state.config.rate_limits.clone(),
            rate_limit::limit_sso,
        ))
        .layer(request_id::propagate_layer())
        .layer(request_id::set_layer())
        .layer(tower_http::limit::RequestBodyLimitLayer::new(1024 * 1024))
}
