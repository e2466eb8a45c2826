//! Corporation member tracking (issue 11, ADR 0028): the tracked corporations with who may see
//! them and the Directors whose tokens read them (`corporations`), and their members as the last
//! good update left them, with who each is in Jumpgate (`members`).

mod corporations;
mod members;

pub use corporations::TrackingDirector;
