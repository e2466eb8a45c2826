//! The names of the people and things audit entries refer to, in one statement for a page of
//! entries: on SQLite every statement is a hand-off to the connection's thread (ADR 0023), and
//! a page names accounts (by their mains), characters, standings entities and states, four
//! lookups of ids. Each kind is one part of a `UNION ALL` of rows of the same shape, found by
//! primary key; only "is in the list bound as `$n`" differs between the backends.

use crate::db::{Cols, Dialects, IdList, on_db};
use crate::{Result, Store, StoreError};
use const_format::concatcp;
use jumpgate_domain::{AccountId, CharacterId, StateId};

/// The ids an audit page names, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct AuditNameIds {
    pub accounts: Vec<AccountId>,
    pub characters: Vec<CharacterId>,
    pub entities: Vec<i64>,
    /// Whether any state is named (there are few: all are read).
    pub states: bool,
}

/// A character with its name and the account it is on.
pub type NamedCharacter = (CharacterId, String, AccountId);

/// What [`Store::audit_names`] found, in no particular order; ids no longer known are missing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditNameRows {
    /// Each account with its main, if it has one that exists.
    pub accounts: Vec<(AccountId, Option<NamedCharacter>)>,
    pub characters: Vec<NamedCharacter>,
    /// Standings entities with their kinds and names.
    pub entities: Vec<(i64, String, String)>,
    pub states: Vec<(StateId, String)>,
}

/// One backend's statement, from its "is in the list bound as `$1` … `$3`".
macro_rules! names_statement {
    ($in1:literal, $in2:literal, $in3:literal) => {
        concatcp!(
            "SELECT 'account' AS what, a.id AS id, m.name AS name, m.id AS main, \
                    m.account_id AS account, CAST(NULL AS TEXT) AS kind \
             FROM accounts a LEFT JOIN characters m ON m.id = a.main_character_id \
             WHERE a.id ",
            $in1,
            " UNION ALL \
             SELECT 'character', c.id, c.name, CAST(NULL AS BIGINT), c.account_id, \
                    CAST(NULL AS TEXT) \
             FROM characters c WHERE c.id ",
            $in2,
            " UNION ALL \
             SELECT 'entity', e.entity_id, e.name, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), \
                    e.entity_kind \
             FROM standings_entries e WHERE e.entity_id ",
            $in3,
            " UNION ALL \
             SELECT 'state', s.id, s.name, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), \
                    CAST(NULL AS TEXT) \
             FROM states s WHERE $4"
        )
    };
}

const NAMES: Dialects = Dialects {
    sqlite: names_statement!(
        "IN (SELECT value FROM json_each($1))",
        "IN (SELECT value FROM json_each($2))",
        "IN (SELECT value FROM json_each($3))"
    ),
    postgres: names_statement!("= ANY($1)", "= ANY($2)", "= ANY($3)"),
};

impl Store {
    /// The names of the accounts, characters, standings entities and (when asked) states an
    /// audit page refers to, in one statement; kept on SQLite until the next commit (ADR 0034).
    pub async fn audit_names(&self, ids: &AuditNameIds) -> Result<AuditNameRows> {
        self.kept_until_commit(
            |kept| &kept.audit_names,
            ids,
            |_| true,
            || self.read_audit_names(ids),
        )
        .await
    }

    /// The read of `audit_names`, from the database.
    async fn read_audit_names(&self, ids: &AuditNameIds) -> Result<AuditNameRows> {
        let mut found = AuditNameRows::default();
        if ids == &AuditNameIds::default() {
            return Ok(found);
        }
        on_db!(self, |db| {
            let rows = sqlx::query(db.sql(&NAMES))
                .bind(IdList::new(ids.accounts.iter().map(|a| a.get())))
                .bind(IdList::new(ids.characters.iter().map(|c| c.get())))
                .bind(IdList::new(ids.entities.iter().copied()))
                .bind(ids.states)
                .fetch_all(db.reader())
                .await?;
            for r in &rows {
                let id: i64 = r.get("id")?;
                let name: Option<String> = r.get("name")?;
                match r.str("what")? {
                    "account" => {
                        let main = match (r.get::<Option<i64>>("main")?, name) {
                            (Some(main), Some(name)) => {
                                Some((CharacterId(main), name, AccountId(r.get("account")?)))
                            }
                            _ => None,
                        };
                        found.accounts.push((AccountId(id), main));
                    }
                    "character" => found.characters.push((
                        CharacterId(id),
                        name.unwrap_or_default(),
                        AccountId(r.get("account")?),
                    )),
                    "entity" => found.entities.push((
                        id,
                        r.get::<Option<String>>("kind")?.unwrap_or_default(),
                        name.unwrap_or_default(),
                    )),
                    "state" => found.states.push((StateId(id), name.unwrap_or_default())),
                    other => {
                        return Err(StoreError::Corrupt(format!(
                            "the audit names' statement gave a row of kind '{other}'"
                        )));
                    }
                }
            }
        });
        Ok(found)
    }
}
