//! Applications (issue 12, ADR 0030): what each may do (`catalogue`) and how many requests each
//! made per hour (`requests`).

mod catalogue;
mod requests;
