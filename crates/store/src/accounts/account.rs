//! Accounts: creation, lookup, search and the account's own settings.

use super::characters;
use crate::db::{
    Cols, Conn, DbTime, Dialects, IdList, by_name_in_byte_order, on_conn, on_db, where_in_ids,
};
use crate::support::{contains_pattern, not_found_if_zero};
use crate::{AccountSummary, ListedAccount, NewCharacter, Result, StoreError};
use crate::{Store, Transaction};
use const_format::concatcp;
use jumpgate_domain::account::{Account, AccountStatus, Character};
use jumpgate_domain::states::GUEST;
use jumpgate_domain::{AccountId, CharacterId, CorporationId, GroupId};
use std::collections::BTreeMap;

const ACCOUNT_COLS: &str = "id, main_character_id, superuser, state, email, email_verified, \
     timezone, created_at, status";

const ACCOUNT_BY_ID: &str = concatcp!("SELECT ", ACCOUNT_COLS, " FROM accounts WHERE id = $1");

pub(super) fn read_account<R: Cols>(r: &R) -> Result<Account> {
    Ok(Account {
        id: AccountId(r.get("id")?),
        main_character: r.get::<Option<i64>>("main_character_id")?.map(CharacterId),
        superuser: r.get("superuser")?,
        state: r.get("state")?,
        email: r.get("email")?,
        email_verified: r.get("email_verified")?,
        timezone: r.get("timezone")?,
        created_at: r.time("created_at")?,
        status: account_status(r.str("status")?)?,
    })
}

fn account_status(s: &str) -> Result<AccountStatus> {
    AccountStatus::parse(s)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown account status '{s}'")))
}

/// An account's summary (`a`, its main `m`), up to its `FROM`.
const SUMMARY: &str = "SELECT a.id, a.main_character_id, m.name AS main_name, \
     a.state, a.superuser, \
     (SELECT COUNT(*) FROM characters c WHERE c.account_id = a.id) AS character_count, \
     a.created_at ";

fn read_summary<R: Cols>(r: &R) -> Result<AccountSummary> {
    Ok(AccountSummary {
        id: AccountId(r.get("id")?),
        main_character: r.get::<Option<i64>>("main_character_id")?.map(CharacterId),
        main_name: r.get("main_name")?,
        state: r.get("state")?,
        superuser: r.get("superuser")?,
        character_count: r.get("character_count")?,
        created_at: r.time("created_at")?,
    })
}

/// The summaries of the accounts a condition on `a` holds for (one id bound as `$1`), by their
/// main's name (the accounts without a main last), then id, at most `$2`.
macro_rules! accounts_where {
    ($condition:literal) => {
        by_name_in_byte_order!(
            concatcp!(
                SUMMARY,
                "FROM accounts a LEFT JOIN characters m ON m.id = a.main_character_id WHERE ",
                $condition,
                " ORDER BY CASE WHEN m.name IS NULL THEN 1 ELSE 0 END, "
            ),
            "m.name",
            ", a.id LIMIT $2"
        )
    };
}

/// `NotFound` unless the account exists, checked inside the caller's transaction.
pub(super) async fn must_exist<'c>(conn: impl Into<Conn<'c>>, id: AccountId) -> Result<()> {
    let found: Option<i64> = on_conn!(conn, |conn| sqlx::query_scalar(
        "SELECT id FROM accounts WHERE id = $1"
    )
    .bind(id.get())
    .fetch_optional(conn)
    .await?);
    found
        .map(|_| ())
        .ok_or_else(|| StoreError::NotFound(format!("account {id}")))
}

/// The account a character is on, read before it becomes that account's main.
async fn owner_to_make_main<'c>(
    conn: impl Into<Conn<'c>>,
    character: CharacterId,
) -> Result<Option<i64>> {
    const OWNER: &str = "SELECT account_id FROM characters WHERE id = $1";
    Ok(match conn.into() {
        // SQLite has no row locks: the transaction's BEGIN IMMEDIATE already holds the write
        // lock, so no move can run in between.
        Conn::Sqlite(conn) => {
            sqlx::query_scalar(OWNER)
                .bind(character.get())
                .fetch_optional(conn)
                .await?
        }
        // FOR SHARE: a concurrent move of this character waits for us (and then re-picks the
        // main) instead of leaving the account's main on another account.
        Conn::Postgres(conn) => {
            sqlx::query_scalar(concatcp!(OWNER, " FOR SHARE"))
                .bind(character.get())
                .fetch_optional(conn)
                .await?
        }
    })
}

impl Store {
    /// Creates an account with `main` as its main (and only) character.
    pub async fn create_account(&self, main: &NewCharacter) -> Result<(Account, Character)> {
        let mut tx = self.transaction().await?;
        let out = tx.create_account(main).await?;
        tx.commit().await?;
        Ok(out)
    }

    pub async fn account(&self, id: AccountId) -> Result<Option<Account>> {
        on_db!(self, |db| sqlx::query(ACCOUNT_BY_ID)
            .bind(id.get())
            .fetch_optional(db.reader())
            .await?
            .as_ref()
            .map(read_account)
            .transpose())
    }

    pub async fn count_accounts(&self) -> Result<i64> {
        Ok(on_db!(self, |db| sqlx::query_scalar(
            "SELECT COUNT(*) FROM accounts"
        )
        .fetch_one(db.reader())
        .await?))
    }

    /// Accounts whose main's or any character's name contains `query` (case-insensitive), or
    /// all when empty; ordered by main name.
    pub async fn search_accounts(
        &self,
        query: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<AccountSummary>> {
        // Accounts are listed by their main's name, so the list walks the characters' name
        // index and stops at the page's end instead of sorting every account; the rare account
        // without a main of its own comes after them, by id.
        const MATCHES: &str = "($1 = '' OR EXISTS ( \
                 SELECT 1 FROM characters c \
                 WHERE c.account_id = a.id AND lower(c.name) LIKE $2 ESCAPE '\\'))";
        const OWN_MAIN: &str = "FROM characters m \
             JOIN accounts a ON a.id = m.account_id AND a.main_character_id = m.id ";
        const WITH_MAIN: Dialects = by_name_in_byte_order!(
            concatcp!(SUMMARY, OWN_MAIN, "WHERE ", MATCHES, " ORDER BY "),
            "m.name",
            ", a.id LIMIT $3 OFFSET $4"
        );
        const WITH_MAIN_COUNT: &str = concatcp!("SELECT COUNT(*) ", OWN_MAIN, "WHERE ", MATCHES);
        const WITHOUT_MAIN: &str = concatcp!(
            SUMMARY,
            "FROM accounts a LEFT JOIN characters m ON m.id = a.main_character_id \
             WHERE (m.id IS NULL OR m.account_id <> a.id) AND ",
            MATCHES,
            " ORDER BY a.id LIMIT $3 OFFSET $4"
        );
        let pattern = contains_pattern(query);
        let (limit, offset) = (limit.max(0), offset.max(0));
        let mut page: Vec<AccountSummary> = on_db!(self, |db| sqlx::query(db.sql(&WITH_MAIN))
            .bind(query)
            .bind(&pattern)
            .bind(limit)
            .bind(offset)
            .fetch_all(db.reader())
            .await?
            .iter()
            .map(read_summary)
            .collect::<Result<_>>())?;
        let room = limit - i64::try_from(page.len()).unwrap_or(limit);
        if room == 0 {
            return Ok(page);
        }
        // The page ends among the accounts without a main: skip what the offset passed of them.
        let with_main: i64 = on_db!(self, |db| sqlx::query_scalar(WITH_MAIN_COUNT)
            .bind(query)
            .bind(&pattern)
            .fetch_one(db.reader())
            .await?);
        let rest: Vec<AccountSummary> = on_db!(self, |db| sqlx::query(WITHOUT_MAIN)
            .bind(query)
            .bind(&pattern)
            .bind(room)
            .bind((offset - with_main).max(0))
            .fetch_all(db.reader())
            .await?
            .iter()
            .map(read_summary)
            .collect::<Result<_>>())?;
        page.extend(rest);
        Ok(page)
    }

    /// Every account in the administrators' list's order ([`Store::search_accounts`] with an
    /// empty query: by the name of its own main, then the accounts without one by id), each with
    /// the names of its characters, which the list is searched by. The list each process keeps
    /// while the `account_list` change counter stays the same (migration 0016 / 0017: bumped by
    /// every write of what it shows, on any instance).
    pub async fn account_list(&self) -> Result<Vec<ListedAccount>> {
        const OWN_MAIN_FIRST: Dialects = by_name_in_byte_order!(
            concatcp!(
                SUMMARY,
                "FROM accounts a LEFT JOIN characters m ON m.id = a.main_character_id \
                 ORDER BY CASE WHEN m.account_id = a.id THEN 0 ELSE 1 END, "
            ),
            "CASE WHEN m.account_id = a.id THEN m.name END",
            ", a.id"
        );
        let summaries: Vec<AccountSummary> =
            on_db!(self, |db| sqlx::query(db.sql(&OWN_MAIN_FIRST))
                .fetch_all(db.reader())
                .await?
                .iter()
                .map(read_summary)
                .collect::<Result<_>>())?;
        let names: Vec<(i64, String)> = on_db!(self, |db| sqlx::query_as(
            "SELECT account_id, name FROM characters ORDER BY account_id, id"
        )
        .fetch_all(db.reader())
        .await?);
        let mut names_of: std::collections::HashMap<i64, Vec<String>> =
            std::collections::HashMap::new();
        for (account, name) in names {
            names_of.entry(account).or_default().push(name);
        }
        Ok(summaries
            .into_iter()
            .map(|summary| ListedAccount {
                character_names: names_of.remove(&summary.id.get()).unwrap_or_default(),
                summary,
            })
            .collect())
    }

    /// Every account id, for periodic recomputation of states.
    pub async fn account_ids(&self) -> Result<Vec<AccountId>> {
        let ids: Vec<i64> = on_db!(self, |db| sqlx::query_scalar(
            "SELECT id FROM accounts ORDER BY id"
        )
        .fetch_all(db.reader())
        .await?);
        Ok(ids.into_iter().map(AccountId).collect())
    }

    /// Every account with the name the application API gives it (Neucore's player name): its
    /// main's, or for an account whose characters have all left, its last main's. The main is
    /// re-picked whenever it leaves, so the last character to leave an account was its main.
    /// `None` for an account without either (none is made so).
    pub async fn account_names(&self) -> Result<Vec<(AccountId, Option<String>)>> {
        let rows: Vec<(i64, Option<String>)> = on_db!(self, |db| sqlx::query_as(
            "SELECT a.id, COALESCE(m.name, (
                 SELECT r.character_name FROM removed_characters r
                 WHERE r.from_account_id = a.id
                 ORDER BY r.removed_at DESC, r.id DESC LIMIT 1)) AS name
             FROM accounts a LEFT JOIN characters m ON m.id = a.main_character_id"
        )
        .fetch_all(db.reader())
        .await?);
        Ok(rows
            .into_iter()
            .map(|(id, name)| (AccountId(id), name))
            .collect())
    }

    /// The main character (id and name) of each of `accounts` that has one: one query for a
    /// page that names many accounts (a group's applicants and managers).
    pub async fn mains_of(
        &self,
        accounts: &[AccountId],
    ) -> Result<BTreeMap<AccountId, (CharacterId, String)>> {
        if accounts.is_empty() {
            return Ok(BTreeMap::new());
        }
        const MAINS_OF: Dialects = where_in_ids!(
            "SELECT a.id, m.id, m.name FROM accounts a ",
            "JOIN characters m ON m.id = a.main_character_id WHERE a.id"
        );
        let ids = IdList::new(accounts.iter().map(|a| a.get()));
        let rows: Vec<(i64, i64, String)> = on_db!(self, |db| sqlx::query_as(db.sql(&MAINS_OF))
            .bind(ids)
            .fetch_all(db.reader())
            .await?);
        Ok(rows
            .into_iter()
            .map(|(account, main, name)| (AccountId(account), (CharacterId(main), name)))
            .collect())
    }

    /// Every account's main with the main's corporation (accounts without a main, or whose main
    /// is not its own character, are left out), for the application API's group members, which
    /// each process keeps while the `account_list` counter holds (it moves with mains and with
    /// characters' corporations).
    pub async fn account_mains(&self) -> Result<Vec<(AccountId, CharacterId, CorporationId)>> {
        let rows: Vec<(i64, i64, i64)> = on_db!(self, |db| sqlx::query_as(
            "SELECT a.id, m.id, m.corporation_id FROM accounts a \
             JOIN characters m ON m.id = a.main_character_id AND m.account_id = a.id \
             ORDER BY a.id"
        )
        .fetch_all(db.reader())
        .await?);
        Ok(rows
            .into_iter()
            .map(|(a, m, c)| (AccountId(a), CharacterId(m), CorporationId(c)))
            .collect())
    }

    /// Fails with `Invalid` when the character is not on that account.
    pub async fn set_main(&self, account: AccountId, character: CharacterId) -> Result<()> {
        let mut tx = self.transaction().await?;
        tx.set_main(account, character).await?;
        tx.commit().await
    }

    pub async fn set_superuser(&self, account: AccountId, superuser: bool) -> Result<()> {
        let mut tx = self.transaction().await?;
        tx.set_superuser(account, superuser).await?;
        tx.commit().await
    }

    pub async fn set_account_state(&self, account: AccountId, state: &str) -> Result<()> {
        let mut tx = self.transaction().await?;
        tx.set_account_state(account, state).await?;
        tx.commit().await
    }

    pub async fn set_account_email(
        &self,
        account: AccountId,
        email: Option<&str>,
        verified: bool,
    ) -> Result<()> {
        let mut tx = self.transaction().await?;
        tx.set_account_email(account, email, verified).await?;
        tx.commit().await
    }

    pub async fn set_account_status(
        &self,
        account: AccountId,
        status: AccountStatus,
    ) -> Result<()> {
        let mut tx = self.transaction().await?;
        tx.set_account_status(account, status).await?;
        tx.commit().await
    }

    /// Accounts with a character in `corporation`, by main name (then id), at most `limit`: the
    /// administrators' search by corporation.
    pub async fn accounts_in_corporation(
        &self,
        corporation: CorporationId,
        limit: i64,
    ) -> Result<Vec<AccountSummary>> {
        const IN_CORPORATION: Dialects = accounts_where!(
            "EXISTS (SELECT 1 FROM characters c WHERE c.account_id = a.id AND c.corporation_id = $1)"
        );
        self.accounts_where(&IN_CORPORATION, corporation.get(), limit)
            .await
    }

    /// The accounts in `group`, by main name (then id), at most `limit`: the administrators'
    /// search by group.
    pub async fn accounts_in_group(
        &self,
        group: GroupId,
        limit: i64,
    ) -> Result<Vec<AccountSummary>> {
        const IN_GROUP: Dialects = accounts_where!(
            "EXISTS (SELECT 1 FROM group_members gm WHERE gm.account_id = a.id AND gm.group_id = $1)"
        );
        self.accounts_where(&IN_GROUP, group.get(), limit).await
    }

    /// The summaries `sql` (`accounts_where!`) reads for one id, at most `limit`.
    async fn accounts_where(
        &self,
        sql: &Dialects,
        id: i64,
        limit: i64,
    ) -> Result<Vec<AccountSummary>> {
        on_db!(self, |db| sqlx::query(db.sql(sql))
            .bind(id)
            .bind(limit.max(0))
            .fetch_all(db.reader())
            .await?
            .iter()
            .map(read_summary)
            .collect())
    }

    pub async fn set_account_timezone(
        &self,
        account: AccountId,
        timezone: Option<&str>,
    ) -> Result<()> {
        let mut tx = self.transaction().await?;
        tx.set_account_timezone(account, timezone).await?;
        tx.commit().await
    }
}

/// The account writes a use case combines with others (and its audit entry) in one transaction;
/// the `Store` methods of the same names run each in its own.
impl Transaction {
    /// Fails with `Invalid` when the character is not on that account.
    pub async fn set_main(&mut self, account: AccountId, character: CharacterId) -> Result<()> {
        must_exist(self.conn(), account).await?;
        let owner = owner_to_make_main(self.conn(), character).await?;
        if owner != Some(account.get()) {
            return Err(StoreError::Invalid(format!(
                "character {character} is not on account {account}"
            )));
        }
        on_conn!(self.conn(), |c| {
            sqlx::query("UPDATE accounts SET main_character_id = $1 WHERE id = $2")
                .bind(character.get())
                .bind(account.get())
                .execute(c)
                .await?;
        });
        Ok(())
    }

    pub async fn set_superuser(&mut self, account: AccountId, superuser: bool) -> Result<()> {
        let done = on_conn!(self.conn(), |c| sqlx::query(
            "UPDATE accounts SET superuser = $1 WHERE id = $2"
        )
        .bind(superuser)
        .bind(account.get())
        .execute(c)
        .await?
        .rows_affected());
        not_found_if_zero(done, || format!("account {account}"))
    }

    pub async fn set_account_state(&mut self, account: AccountId, state: &str) -> Result<()> {
        let done = on_conn!(self.conn(), |c| sqlx::query(
            "UPDATE accounts SET state = $1 WHERE id = $2"
        )
        .bind(state)
        .bind(account.get())
        .execute(c)
        .await?
        .rows_affected());
        not_found_if_zero(done, || format!("account {account}"))
    }

    pub async fn set_account_status(
        &mut self,
        account: AccountId,
        status: AccountStatus,
    ) -> Result<()> {
        let done = on_conn!(self.conn(), |c| sqlx::query(
            "UPDATE accounts SET status = $1 WHERE id = $2"
        )
        .bind(status.as_str())
        .bind(account.get())
        .execute(c)
        .await?
        .rows_affected());
        not_found_if_zero(done, || format!("account {account}"))
    }

    pub async fn set_account_email(
        &mut self,
        account: AccountId,
        email: Option<&str>,
        verified: bool,
    ) -> Result<()> {
        let done = on_conn!(self.conn(), |c| sqlx::query(
            "UPDATE accounts SET email = $1, email_verified = $2 WHERE id = $3"
        )
        .bind(email)
        .bind(verified)
        .bind(account.get())
        .execute(c)
        .await?
        .rows_affected());
        not_found_if_zero(done, || format!("account {account}"))
    }

    pub async fn set_account_timezone(
        &mut self,
        account: AccountId,
        timezone: Option<&str>,
    ) -> Result<()> {
        let done = on_conn!(self.conn(), |c| sqlx::query(
            "UPDATE accounts SET timezone = $1 WHERE id = $2"
        )
        .bind(timezone)
        .bind(account.get())
        .execute(c)
        .await?
        .rows_affected());
        not_found_if_zero(done, || format!("account {account}"))
    }

    /// An account whose last character left keeps nothing: its direct permissions, superuser
    /// flag, group memberships, manager seats, roles and sessions go, and its pending group
    /// applications are cancelled (its state drops to Guest when recomputed). True if it had no
    /// character left and was stripped; an account with characters is untouched.
    pub async fn strip_if_empty(&mut self, account: AccountId) -> Result<bool> {
        let now = self.now();
        on_conn!(self.conn(), |tx| {
            let characters: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM characters WHERE account_id = $1")
                    .bind(account.get())
                    .fetch_one(&mut *tx)
                    .await?;
            if characters > 0 {
                return Ok(false);
            }
            sqlx::query("DELETE FROM account_permissions WHERE account_id = $1")
                .bind(account.get())
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE accounts SET superuser = FALSE WHERE id = $1")
                .bind(account.get())
                .execute(&mut *tx)
                .await?;
            // Groups grant permissions too, and a manager seat lets one give them.
            sqlx::query("DELETE FROM group_members WHERE account_id = $1")
                .bind(account.get())
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM group_managers WHERE account_id = $1")
                .bind(account.get())
                .execute(&mut *tx)
                .await?;
            // Roles carry permissions and the right to appoint.
            sqlx::query("DELETE FROM role_holders WHERE account_id = $1")
                .bind(account.get())
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE group_applications SET status = 'cancelled', decided_at = $2
                 WHERE account_id = $1 AND status = 'pending'",
            )
            .bind(account.get())
            .bind(DbTime(now))
            .execute(&mut *tx)
            .await?;
            crate::sessions::delete_of(&mut *tx, account).await?;
        });
        Ok(true)
    }

    /// Creates an account with `main` as its main (and only) character.
    pub async fn create_account(&mut self, main: &NewCharacter) -> Result<(Account, Character)> {
        let now = self.now();
        on_conn!(self.conn(), |tx| {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO accounts (state, created_at) VALUES ($1, $2) RETURNING id",
            )
            .bind(GUEST)
            .bind(DbTime(now))
            .fetch_one(&mut *tx)
            .await?;
            let account = AccountId(id);
            let character = characters::insert(&mut *tx, account, main, now).await?;
            sqlx::query("UPDATE accounts SET main_character_id = $1 WHERE id = $2")
                .bind(main.id.get())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let account = sqlx::query(ACCOUNT_BY_ID)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
                .as_ref()
                .map(read_account)
                .transpose()?
                .ok_or_else(|| StoreError::NotFound(format!("account {id}")))?;
            Ok((account, character))
        })
    }
}
