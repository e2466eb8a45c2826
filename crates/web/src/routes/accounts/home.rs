//! The home page (`/`, and `/login` for a person who is not signed in): the way in with EVE's
//! login, or a greeting.

use crate::auth::MaybeViewer;
use crate::ui::Layout;
use askama::Template;
use askama_web::WebTemplate;

#[derive(Template, WebTemplate)]
#[template(path = "accounts/home.html")]
pub struct HomePage {
    pub layout: Layout,
}

pub async fn home(MaybeViewer(_, layout): MaybeViewer) -> HomePage {
    HomePage { layout }
}
