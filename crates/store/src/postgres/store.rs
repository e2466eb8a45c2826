//! `Store` and `StandingsStore` for `PgStore`: each method lives in the module of its topic.

use super::{
    PgStore, accounts, audit, bulk, characters, jobs, misc, notifications, orgs, queue, standings,
    states, sync, sync_scale, tokens,
};
use crate::delegate::{delegate_standings_store, delegate_store};
use crate::*;
use async_trait::async_trait;
use jumpgate_domain::account::{Account, Character, RemovalReason, RemovedCharacter, TokenStatus};
use jumpgate_domain::audit::{AuditEntry, NewAuditEntry};
use jumpgate_domain::standings::LedgerEntry;
use jumpgate_domain::states::{Affiliation, State};
use jumpgate_domain::{AccountId, AllianceId, CharacterId, CorporationId};
use std::collections::BTreeSet;
use std::time::Duration;
use time::OffsetDateTime;

delegate_store!(PgStore, Backend::Postgres);
delegate_standings_store!(PgStore);
