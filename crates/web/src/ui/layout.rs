//! What every page's frame shows (`templates/base.html`): who is signed in with their menu, the
//! demo notice, the flash message; and where portraits and logos come from.

use super::nav::NavUser;
use crate::WebConfig;
use jumpgate_domain::standings::{Entity, EntityKind};

#[derive(Debug, Clone)]
pub struct Layout {
    pub user: Option<NavUser>,
    pub demo_notice: Option<String>,
    pub flash: Option<String>,
    image_base: String,
}

impl Layout {
    pub fn new(config: &WebConfig, flash: Option<String>) -> Self {
        Self {
            user: None,
            demo_notice: config.demo_notice.clone(),
            flash,
            image_base: config
                .image_base_url
                .as_str()
                .trim_end_matches('/')
                .to_owned(),
        }
    }

    pub fn anonymous() -> Self {
        Self {
            user: None,
            demo_notice: None,
            flash: None,
            image_base: "https://images.evetech.net".into(),
        }
    }

    pub fn portrait(&self, character: i64, size: u32) -> String {
        format!(
            "{}/characters/{character}/portrait?size={size}",
            self.image_base
        )
    }

    pub fn corporation_logo(&self, corporation: i64, size: u32) -> String {
        format!(
            "{}/corporations/{corporation}/logo?size={size}",
            self.image_base
        )
    }

    pub fn alliance_logo(&self, alliance: i64, size: u32) -> String {
        format!("{}/alliances/{alliance}/logo?size={size}", self.image_base)
    }

    /// The portrait or logo of a character, corporation or alliance, 64 pixels.
    pub fn entity_image(&self, entity: Entity) -> String {
        match entity.kind {
            EntityKind::Character => self.portrait(entity.id, 64),
            EntityKind::Corporation => self.corporation_logo(entity.id, 64),
            EntityKind::Alliance => self.alliance_logo(entity.id, 64),
        }
    }
}
