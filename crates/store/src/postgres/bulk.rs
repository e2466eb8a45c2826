//! Bulk operations and their progress (`crate::bulk`).

use super::{PgStore, tm};

crate::bulk::bulk_store_fns!(PgStore, pool, pool, tm, super::read_standings);
