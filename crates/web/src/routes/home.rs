use crate::auth::MaybeViewer;
use crate::error::WebError;
use crate::pages::HomePage;

pub async fn home(MaybeViewer(_, layout): MaybeViewer) -> HomePage {
    HomePage { layout }
}

pub async fn not_found() -> WebError {
    WebError::NotFound("There is no page at this address.".into())
}
