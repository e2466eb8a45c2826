//! The account page (`/account`): characters, tokens, main, removing alts, email address and
//! time zone.

use super::character_card::{CharacterCard, card};
use super::deactivation::{DeactivationNotice, notice};
use super::time_zone_options::TimeZoneOptions;
use crate::WebState;
use crate::auth::{MaybeViewer, Viewer};
use crate::error::{WebError, WebResult};
use crate::routes::groups::held::{HeldGroupRow, held_rows};
use crate::session;
use crate::ui::{IdPath, Layout};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Query, State};
use axum::response::Redirect;
use jumpgate_app::accounts::email::when;
use jumpgate_domain::CharacterId;
use serde::Deserialize;
use url::Url;

#[derive(Template, WebTemplate)]
#[template(path = "accounts/account.html")]
pub struct AccountPage {
    pub layout: Layout,
    pub account_id: i64,
    pub state: String,
    pub superuser: bool,
    pub characters: Vec<CharacterCard>,
    pub allow_alt_removal: bool,
    pub permissions: Vec<String>,
    /// Its groups and why it has each.
    pub groups: Vec<HeldGroupRow>,
    /// The account's address, empty when none.
    pub email: String,
    pub email_verified: bool,
    /// The account's time zone name, empty when none.
    pub timezone: String,
    /// Every time zone to choose from, the account's marked.
    pub timezones: TimeZoneOptions,
    /// "3 browsers": where this account is signed in.
    pub signed_in_on: String,
    /// When the next verification mail may go ("at … (in 40 seconds)"); empty: now.
    pub next_mail: String,
    /// Whether the groups count, or from when they will not.
    pub deactivation: DeactivationNotice,
}

pub async fn show(State(state): State<WebState>, viewer: Viewer) -> WebResult<AccountPage> {
    let view = state
        .app
        .account_view(&viewer.caller, viewer.account)
        .await?;
    let characters = view
        .characters
        .iter()
        .map(|c| card(&viewer.layout, c))
        .collect();
    let sessions = state
        .app
        .session_count(&viewer.caller, viewer.account)
        .await?;
    let groups = held_rows(
        &state
            .app
            .groups_of_account(&viewer.caller, viewer.account)
            .await?,
    );
    let next_mail = view
        .next_verification_mail
        .map(|at| when(at, state.app.now()))
        .unwrap_or_default();
    let deactivation = notice(&view.deactivation, state.app.now());
    Ok(AccountPage {
        deactivation,
        signed_in_on: super::sessions::browsers(sessions),
        next_mail,
        groups,
        account_id: view.account.id.get(),
        state: view.account.state.clone(),
        superuser: view.account.superuser,
        characters,
        allow_alt_removal: state.app.settings().accounts.allow_alt_removal,
        permissions: viewer.caller.grants().permissions.iter().cloned().collect(),
        email: view.account.email.clone().unwrap_or_default(),
        email_verified: view.account.email_verified,
        timezones: TimeZoneOptions::around(view.account.timezone.as_deref().unwrap_or_default()),
        timezone: view.account.timezone.clone().unwrap_or_default(),
        layout: viewer.layout,
    })
}

#[derive(Deserialize)]
pub struct MainForm {
    character_id: String,
}

pub async fn make_main(
    State(state): State<WebState>,
    viewer: Viewer,
    Form(form): Form<MainForm>,
) -> WebResult<Redirect> {
    let id: CharacterId = form
        .character_id
        .parse()
        .map_err(|e: jumpgate_domain::ids::InvalidId| WebError::BadRequest(e.to_string()))?;
    let name = state.app.set_main(&viewer.caller, id).await?;
    session::flash(
        &viewer.session,
        format!("{name} is now your main character."),
    )
    .await;
    Ok(Redirect::to("/account"))
}

pub async fn remove_character(
    State(state): State<WebState>,
    viewer: Viewer,
    IdPath(id): IdPath<CharacterId>,
) -> WebResult<Redirect> {
    let name = state.app.remove_alt(&viewer.caller, id).await?;
    session::flash(
        &viewer.session,
        format!("{name} was removed from your account."),
    )
    .await;
    Ok(Redirect::to("/account"))
}

/// Where verification links point: `<public_url>/account/email/verify`.
fn verify_url(state: &WebState) -> WebResult<Url> {
    state
        .config
        .public_url
        .join("account/email/verify")
        .map_err(|e| WebError::Internal(format!("cannot build the verification URL: {e}")))
}

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
    /// `remove` clears the address; anything else sets it.
    #[serde(default)]
    action: String,
}

pub async fn set_email(
    State(state): State<WebState>,
    viewer: Viewer,
    Form(form): Form<EmailForm>,
) -> WebResult<Redirect> {
    let email = (form.action != "remove").then_some(form.email.as_str());
    let message = match state
        .app
        .set_email(&viewer.caller, email, &verify_url(&state)?)
        .await?
    {
        Some(email) => format!(
            "Saved {email}. We sent it a link: open it within 24 hours to verify the address."
        ),
        None => "Your email address was removed.".to_owned(),
    };
    session::flash(&viewer.session, message).await;
    Ok(Redirect::to("/account"))
}

pub async fn resend_email(State(state): State<WebState>, viewer: Viewer) -> WebResult<Redirect> {
    let email = state
        .app
        .resend_email_verification(&viewer.caller, &verify_url(&state)?)
        .await?;
    session::flash(
        &viewer.session,
        format!("We sent a new verification link to {email}."),
    )
    .await;
    Ok(Redirect::to("/account"))
}

#[derive(Deserialize)]
pub struct VerifyLink {
    #[serde(default)]
    token: String,
}

impl VerifyLink {
    fn token(&self) -> WebResult<&str> {
        let token = self.token.trim();
        if token.is_empty() {
            return Err(WebError::BadRequest(
                "this verification link has no token; copy the whole link from the mail".to_owned(),
            ));
        }
        Ok(token)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "accounts/verify_email.html")]
pub struct VerifyEmailPage {
    pub layout: Layout,
    pub email: String,
    pub token: String,
}

/// The link from the verification mail: a page asking to confirm the address. Opening it
/// changes nothing, because mail scanners open every link in a mail; the person's button does.
pub async fn confirm_email(
    State(state): State<WebState>,
    MaybeViewer(_, layout): MaybeViewer,
    Query(link): Query<VerifyLink>,
) -> WebResult<VerifyEmailPage> {
    let claim = state.app.email_link(link.token()?).await?;
    Ok(VerifyEmailPage {
        layout,
        email: claim.email,
        token: link.token,
    })
}

/// The confirmation: marks the address verified. Works signed in or not, as long as the link is
/// genuine and current (the link is the authority).
pub async fn verify_email(
    State(state): State<WebState>,
    MaybeViewer(viewer, _): MaybeViewer,
    session: tower_sessions::Session,
    Form(link): Form<VerifyLink>,
) -> WebResult<Redirect> {
    let (_, email) = state.app.verify_email(link.token()?).await?;
    session::flash(&session, format!("{email} is verified. Thank you.")).await;
    Ok(Redirect::to(if viewer.is_some() {
        "/account"
    } else {
        "/"
    }))
}

#[derive(Deserialize)]
pub struct TimezoneForm {
    #[serde(default)]
    timezone: String,
}

pub async fn set_timezone(
    State(state): State<WebState>,
    viewer: Viewer,
    Form(form): Form<TimezoneForm>,
) -> WebResult<Redirect> {
    let saved = state
        .app
        .set_timezone(&viewer.caller, Some(&form.timezone))
        .await?;
    let message = match saved {
        Some(tz) => format!("Your time zone is now {tz}."),
        None => "Your time zone was cleared.".to_owned(),
    };
    session::flash(&viewer.session, message).await;
    Ok(Redirect::to("/account"))
}
