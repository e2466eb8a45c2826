//! What the pages of every feature share: the frame around a page (`layout`), the menu entries
//! features contribute (`nav`), the error page, pages of long lists (`pager`), rows rendered once per list read (`rendered_rows`), formatting of values for display (`format`) and
//! the extractor for ids in a path (`id_path`). Anything that belongs to one feature lives in
//! that feature's folder under `routes/`.

pub mod error_page;
pub mod format;
pub mod id_path;
pub mod layout;
pub mod nav;
pub mod pager;
pub mod permission_boxes;
pub mod rendered_rows;

pub use error_page::ErrorPage;
pub use format::{took, when, when_relative};
pub use id_path::IdPath;
pub use layout::Layout;
pub use pager::Pager;
pub use rendered_rows::RenderedRows;
