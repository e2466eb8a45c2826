//! Applications (issue 12, ADR 0030): what each may do (`catalogue`), how many requests each
//! made per hour (`requests`) and their webhooks (`webhooks`, ADR 0031).

mod catalogue;
mod requests;
mod webhooks;

pub use webhooks::{DeliveryAttempt, DeliveryOverview};
