-- Verification mails sent in the last day (older rows are deleted by the cleanup job): the
-- per-account and per-address limits read them. The address is kept as a SHA-256 of its
-- lower-case form; the account row holds the address itself.
CREATE TABLE verification_mails (
    account_id   BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    address_hash TEXT    NOT NULL,
    sent_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX verification_mails_account ON verification_mails (account_id, sent_at);
CREATE INDEX verification_mails_address ON verification_mails (address_hash, sent_at);
