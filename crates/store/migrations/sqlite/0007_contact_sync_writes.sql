-- The contact changes a sync made that ESI's cached contact list does not show yet (JSON, see
-- the sync engine's `pending` module), kept with the enrolment: written with the ledger in one
-- transaction, read when the next sync gets the cached list. Replaces the whole-list snapshot the
-- engine kept in `kv` (about 100 KB per character, rewritten after every sync that wrote).
ALTER TABLE sync_characters ADD COLUMN pending_writes TEXT;
DELETE FROM kv WHERE key LIKE 'standings.sync.snapshot.%';

-- The ledger rows of one contact are found by one primary-key probe per enrolment instead: this
-- index made every thousand-row ledger write dirty a thousand scattered index pages (on SQLite,
-- about 4 MB of WAL per character synced, all through the single writer).
DROP INDEX sync_ledger_contact;
