//! Bulk operations and their progress (`crate::bulk`).

use super::{SqliteDb, micros};

crate::bulk::bulk_store_fns!(SqliteDb, reader, writer, micros, super::read_standings);
