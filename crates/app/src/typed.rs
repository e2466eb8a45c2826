//! Lists people type into one form field: names or ids separated by commas, new lines (and, for
//! ids, spaces), read the same way by every use case that takes one.

use crate::error::{AppError, AppResult};
use std::collections::BTreeSet;

/// The non-empty items of `text`, trimmed, separated by commas or new lines.
pub(crate) fn items(text: &str) -> impl Iterator<Item = &str> {
    text.split([',', '\n'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// Positive ids (of a `what`) separated by commas, new lines or spaces; any other word refuses
/// the whole list.
pub(crate) fn positive_ids(text: &str, what: &str) -> AppResult<BTreeSet<i64>> {
    text.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        .map(|t| match t.parse::<i64>() {
            Ok(id) if id > 0 => Ok(id),
            _ => Err(AppError::Invalid(format!(
                "'{t}' is not a {what} id (a positive number); nothing was changed"
            ))),
        })
        .collect()
}
