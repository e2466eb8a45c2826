-- The contact changes a sync made that ESI's cached contact list does not show yet (JSON, see
-- the sync engine's `pending` module), kept with the enrolment: read with it at the start of the
-- next sync, written with the ledger in one transaction. Replaces the whole-list snapshot the
-- engine kept in `kv` (about 100 KB per character, rewritten after every sync that wrote).
ALTER TABLE sync_characters ADD COLUMN pending_writes TEXT;
DELETE FROM kv WHERE key LIKE 'standings.sync.snapshot.%';
