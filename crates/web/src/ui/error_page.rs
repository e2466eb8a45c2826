//! The page every `WebError` renders as (`crate::error`).

use super::Layout;
use askama::Template;
use askama_web::WebTemplate;

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub layout: Layout,
    pub title: String,
    pub message: String,
}

impl ErrorPage {
    pub fn new(title: &str, message: &str) -> Self {
        Self {
            layout: Layout::anonymous(),
            title: title.to_owned(),
            message: message.to_owned(),
        }
    }
}
