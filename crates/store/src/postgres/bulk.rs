//! Bulk operations and their progress (`crate::bulk`).

use super::{PgDb, tm};

crate::bulk::bulk_store_fns!(PgDb, pool, pool, tm, super::read_standings);
