-- Managed accounts and soft deactivation (issue 11, ADR 0029).
-- An account is 'standard' or 'managed' (read strictly by the store: an unknown value is an
-- error, so no CHECK, as on SQLite, where a later status would need a table rebuild).
ALTER TABLE accounts ADD COLUMN status TEXT NOT NULL DEFAULT 'standard';

-- An account's deactivation episode: from the first bad login token seen until every token is
-- valid again (then the row goes). While deactivated_at is set its groups grant nothing (the
-- grants query reads it); mail_sent_at is the episode's one mail.
-- Keep identical in effect to the SQLite migration 0025.
CREATE TABLE account_deactivations (
    account_id     BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    since          TIMESTAMPTZ NOT NULL,
    deactivated_at TIMESTAMPTZ,
    mail_sent_at   TIMESTAMPTZ
);
