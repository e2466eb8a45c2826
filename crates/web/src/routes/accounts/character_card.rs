//! One character as a card (`templates/_components/character_card.html`): portrait, corporation and alliance,
//! its tokens with their scopes. On the account page and an administrator's view of an account.

use crate::ui::{Layout, when};
use jumpgate_app::accounts::CharacterView;

#[derive(Debug, Clone)]
pub struct CharacterCard {
    pub id: i64,
    pub name: String,
    pub portrait: String,
    pub is_main: bool,
    pub corporation: String,
    pub corporation_logo: String,
    pub alliance: Option<String>,
    pub alliance_logo: Option<String>,
    pub tokens: Vec<TokenLine>,
    pub last_checked: String,
    pub added: String,
}

#[derive(Debug, Clone)]
pub struct TokenLine {
    pub login: String,
    /// `valid`, `invalid` or `revoked`, also the badge's CSS class.
    pub status: String,
    pub reason: Option<String>,
    pub scopes: Vec<String>,
    pub missing: Vec<String>,
    pub last_checked: String,
}

pub fn card(layout: &Layout, c: &CharacterView) -> CharacterCard {
    let ch = &c.character;
    let corporation = match (&c.corporation_name, &c.corporation_ticker) {
        (Some(name), Some(ticker)) => format!("{name} [{ticker}]"),
        _ => format!("Corporation {}", ch.corporation),
    };
    let alliance = ch
        .alliance
        .map(|a| match (&c.alliance_name, &c.alliance_ticker) {
            (Some(name), Some(ticker)) => format!("{name} <{ticker}>"),
            _ => format!("Alliance {a}"),
        });
    CharacterCard {
        id: ch.id.get(),
        name: ch.name.clone(),
        portrait: layout.portrait(ch.id.get(), 128),
        is_main: c.is_main,
        corporation,
        corporation_logo: layout.corporation_logo(ch.corporation.get(), 32),
        alliance,
        alliance_logo: ch.alliance.map(|a| layout.alliance_logo(a.get(), 32)),
        tokens: c
            .tokens
            .iter()
            .map(|t| TokenLine {
                login: t.login.clone(),
                status: t.status.as_str().to_owned(),
                reason: t.status_reason.clone(),
                scopes: t.scopes.iter().map(str::to_owned).collect(),
                missing: t.missing_scopes.iter().map(str::to_owned).collect(),
                last_checked: when(t.last_checked_at),
            })
            .collect(),
        last_checked: when(ch.last_checked_at),
        added: when(Some(ch.added_at)),
    }
}
