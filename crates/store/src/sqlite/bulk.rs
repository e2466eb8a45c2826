//! Bulk operations and their progress (`crate::bulk`).

use super::{SqliteStore, micros};

crate::bulk::bulk_store_fns!(SqliteStore, reader, writer, micros, super::read_standings);
